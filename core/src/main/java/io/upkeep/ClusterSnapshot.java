package io.upkeep;

import java.time.Instant;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.RandomAccess;
import java.util.Set;

/**
 * An immutable observation of every node of a cluster at one instant, plus the cluster-wide
 * maintenance flag. Plans are made from snapshots; the executor takes a new one on every turn, so
 * looking a node up by id is constant-time. A port that knows what changed since its last
 * observation returns {@link #updated} instead of a new snapshot: it costs what changed, shares the
 * rest, and lets {@link #changedSince} tell the executor what to look at again. Thread-safe.
 */
public final class ClusterSnapshot {

  /** Nodes per chunk: an update copies the chunk table and the chunks it touches, no more. */
  private static final int CHUNK = 64;

  private final Instant observedAt;
  private final boolean maintenanceMode;
  private final Node[][] chunks;
  private final int size;

  /** Each member's position; shared by every snapshot updated from the same membership. */
  private final Map<NodeId, Integer> positions;

  private final List<Node> nodes = new Members();

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
    this.maintenanceMode = maintenanceMode;
    List<Node> all = List.copyOf(nodes);
    this.size = all.size();
    this.chunks = new Node[(size + CHUNK - 1) / CHUNK][];
    Map<NodeId, Integer> index = new HashMap<>(size * 2);
    for (int c = 0; c < chunks.length; c++) {
      chunks[c] = new Node[Math.min(CHUNK, size - c * CHUNK)];
    }
    for (int i = 0; i < size; i++) {
      Node n = all.get(i);
      if (index.put(n.id(), i) != null) {
        throw new IllegalArgumentException("node id " + n.id() + " appears twice in the snapshot");
      }
      chunks[i / CHUNK][i % CHUNK] = n;
    }
    this.positions = Collections.unmodifiableMap(index);
  }

  private ClusterSnapshot(
      Instant observedAt,
      Node[][] chunks,
      int size,
      Map<NodeId, Integer> positions,
      boolean maintenanceMode) {
    this.observedAt = observedAt;
    this.chunks = chunks;
    this.size = size;
    this.positions = positions;
    this.maintenanceMode = maintenanceMode;
  }

  /**
   * This snapshot observed again at {@code observedAt}: each of {@code changed} replaces the member
   * with its id, or joins at the end; each of {@code removed} leaves. While the membership stays
   * the same it costs what changed, not the cluster's size.
   *
   * @throws NullPointerException if any reference is null
   */
  public ClusterSnapshot updated(
      Instant observedAt,
      Collection<Node> changed,
      Collection<NodeId> removed,
      boolean maintenanceMode) {
    Objects.requireNonNull(observedAt, "observedAt");
    boolean sameMembers = removed.stream().noneMatch(positions::containsKey);
    for (Node n : changed) {
      sameMembers &= positions.containsKey(n.id());
    }
    if (!sameMembers) {
      Map<NodeId, Node> all = new LinkedHashMap<>();
      nodes.forEach(n -> all.put(n.id(), n));
      changed.forEach(n -> all.put(n.id(), n));
      removed.forEach(all::remove);
      return new ClusterSnapshot(observedAt, new ArrayList<>(all.values()), maintenanceMode);
    }
    Node[][] next = chunks.clone();
    boolean[] copied = new boolean[next.length];
    for (Node n : changed) {
      int i = positions.get(n.id());
      int c = i / CHUNK;
      if (!copied[c]) {
        next[c] = next[c].clone();
        copied[c] = true;
      }
      next[c][i % CHUNK] = n;
    }
    return new ClusterSnapshot(observedAt, next, size, positions, maintenanceMode);
  }

  /**
   * The ids of the nodes that differ between {@code earlier} and this snapshot: changed, joined or
   * left. Costs what changed when this snapshot was {@link #updated} from {@code earlier} (or from
   * a snapshot updated from it); otherwise it compares every node.
   */
  @SuppressWarnings("ReferenceEquality") // by design: shared structure is unchanged structure
  public Set<NodeId> changedSince(ClusterSnapshot earlier) {
    Set<NodeId> out = new LinkedHashSet<>();
    if (earlier.positions == positions) {
      for (int c = 0; c < chunks.length; c++) {
        Node[] mine = chunks[c];
        Node[] theirs = earlier.chunks[c];
        if (mine == theirs) {
          continue;
        }
        for (int j = 0; j < mine.length; j++) {
          if (mine[j] != theirs[j] && !mine[j].equals(theirs[j])) {
            out.add(mine[j].id());
          }
        }
      }
      return Collections.unmodifiableSet(out);
    }
    for (Node n : nodes) {
      if (!earlier.find(n.id()).map(n::equals).orElse(false)) {
        out.add(n.id());
      }
    }
    for (Node n : earlier.nodes) {
      if (!positions.containsKey(n.id())) {
        out.add(n.id());
      }
    }
    return Collections.unmodifiableSet(out);
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
    Integer i = positions.get(id);
    return i == null ? Optional.empty() : Optional.of(chunks[i / CHUNK][i % CHUNK]);
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
    List<NodeId> out = new ArrayList<>(size);
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

  /** The members, in order: a read-only view of the chunks. */
  private final class Members extends AbstractList<Node> implements RandomAccess {
    @Override
    public Node get(int index) {
      Objects.checkIndex(index, size);
      return chunks[index / CHUNK][index % CHUNK];
    }

    @Override
    public int size() {
      return size;
    }
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
