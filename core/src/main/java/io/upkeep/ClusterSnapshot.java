package io.upkeep;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable observation of every node of a cluster at one instant, plus the cluster-wide
 * maintenance flag. Plans are made from snapshots; the executor takes a new one on every turn, so
 * looking a node up by id is constant-time. Thread-safe.
 */
public final class ClusterSnapshot {

  private final Instant observedAt;
  private final List<Node> nodes;
  private final boolean maintenanceMode;
  private final Map<NodeId, Node> byId;

  /**
   * A snapshot of {@code nodes} taken at {@code observedAt}.
   *
   * @param observedAt when the observation was taken, by the run's time source
   * @param nodes every member, in a stable order, ids unique
   * @param maintenanceMode whether cluster-wide maintenance mode is on (no new work anywhere)
   * @throws NullPointerException if any reference is null
   * @throws IllegalArgumentException if two nodes share an id
   */
  public ClusterSnapshot(Instant observedAt, List<Node> nodes, boolean maintenanceMode) {
    this.observedAt = Objects.requireNonNull(observedAt, "observedAt");
    this.nodes = List.copyOf(nodes);
    this.maintenanceMode = maintenanceMode;
    Map<NodeId, Node> index = new HashMap<>(this.nodes.size() * 2);
    for (Node n : this.nodes) {
      if (index.put(n.id(), n) != null) {
        throw new IllegalArgumentException("node id " + n.id() + " appears twice in the snapshot");
      }
    }
    this.byId = index;
  }

  /** When the observation was taken. */
  public Instant observedAt() {
    return observedAt;
  }

  /** Every member, in a stable order. */
  public List<Node> nodes() {
    return nodes;
  }

  /** Whether cluster-wide maintenance mode is on. */
  public boolean maintenanceMode() {
    return maintenanceMode;
  }

  /** The node with {@code id}, if it is a member. */
  public Optional<Node> find(NodeId id) {
    return Optional.ofNullable(byId.get(id));
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

  @Override
  public boolean equals(Object o) {
    return o instanceof ClusterSnapshot s
        && s.observedAt.equals(observedAt)
        && s.nodes.equals(nodes)
        && s.maintenanceMode == maintenanceMode;
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedAt, nodes, maintenanceMode);
  }

  @Override
  public String toString() {
    return "ClusterSnapshot[observedAt="
        + observedAt
        + ", nodes="
        + nodes
        + ", maintenanceMode="
        + maintenanceMode
        + "]";
  }
}
