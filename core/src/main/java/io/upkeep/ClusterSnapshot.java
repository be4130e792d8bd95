package io.upkeep;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable observation of every node of a cluster at one instant, plus the cluster-wide
 * maintenance flag. Plans are made from snapshots; the executor takes a new one on every turn.
 * Thread-safe.
 *
 * @param observedAt when the observation was taken, by the run's time source
 * @param nodes every member, in a stable order, ids unique
 * @param maintenanceMode whether cluster-wide maintenance mode is on (no new work anywhere)
 */
public record ClusterSnapshot(Instant observedAt, List<Node> nodes, boolean maintenanceMode) {

  /**
   * @throws NullPointerException if any reference is null
   * @throws IllegalArgumentException if two nodes share an id
   */
  public ClusterSnapshot {
    Objects.requireNonNull(observedAt, "observedAt");
    nodes = List.copyOf(nodes);
    Map<NodeId, Node> seen = new LinkedHashMap<>();
    for (Node n : nodes) {
      if (seen.put(n.id(), n) != null) {
        throw new IllegalArgumentException("node id " + n.id() + " appears twice in the snapshot");
      }
    }
  }

  /** The node with {@code id}, if it is a member. */
  public Optional<Node> find(NodeId id) {
    for (Node n : nodes) {
      if (n.id().equals(id)) {
        return Optional.of(n);
      }
    }
    return Optional.empty();
  }

  /**
   * The node with {@code id}.
   *
   * @throws UnknownNodeException if there is no such member
   */
  public Node node(NodeId id) {
    return find(id).orElseThrow(() -> new UnknownNodeException(id, ids()));
  }

  /** The ids of all members, in order. */
  public List<NodeId> ids() {
    List<NodeId> out = new ArrayList<>(nodes.size());
    nodes.forEach(n -> out.add(n.id()));
    return Collections.unmodifiableList(out);
  }

  /** The members with {@code role}, in order. */
  public List<Node> withRole(Role role) {
    return nodes.stream().filter(n -> n.role().equals(role)).toList();
  }

  /** The current leader, if any member is one. */
  public Optional<Node> leader() {
    return nodes.stream().filter(Node::leader).findFirst();
  }

  /** The total running work of all members. */
  public int runningWork() {
    return nodes.stream().mapToInt(Node::runningWork).sum();
  }
}
