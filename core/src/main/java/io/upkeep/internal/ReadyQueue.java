package io.upkeep.internal;

import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.PlanUnit;
import io.upkeep.Role;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The pending units free to start, best first: canaries first; then units whose node is out of
 * service already (upgrading them costs no extra disruption); then the longest expected first; then
 * plan order. Taking the best costs a logarithm of the queue, not its length, so a turn that starts
 * a unit costs what it starts.
 *
 * <p>A unit with an estimate of its own (a duration hint) is ordered by it; the others by the
 * general estimate, {@code base + PER_RUNNING_TASK × running work}, where {@code base} moves as
 * units finish. Each kind is kept sorted on its own, so that a moving base never reorders a set:
 * only the heads of the sets are compared, with the base of the moment. A unit's place changes when
 * its node is observed to change ({@link #update}). Not thread-safe.
 */
final class ReadyQueue {

  /** A unit's place, as of the last observation of its node. */
  private record Entry(
      PlanUnit unit, boolean canary, boolean inService, boolean own, long key, int index) {

    /** The expected duration in milliseconds, with {@code base} for a general estimate. */
    long expectedMillis(Duration base) {
      return own ? key : base.toMillis() + PlanBuilder.PER_RUNNING_TASK.toMillis() * key;
    }
  }

  /** Within one set: the longest first (hint, or running work), then plan order. */
  private static final Comparator<Entry> WITHIN =
      Comparator.comparingLong(Entry::key).reversed().thenComparingInt(Entry::index);

  /** Per role, the eight sets: canary or not, in service or not, own estimate or not. */
  private final Map<Role, Map<Integer, TreeSet<Entry>>> sets = new LinkedHashMap<>();

  private final Map<NodeId, Entry> entries = new HashMap<>();

  boolean isEmpty() {
    return entries.isEmpty();
  }

  int size() {
    return entries.size();
  }

  boolean contains(NodeId unit) {
    return entries.containsKey(unit);
  }

  /**
   * Adds {@code unit} (or moves it, if queued) to where {@code node} puts it; {@code node} is null
   * when the node is gone. {@code own}: the unit's expected duration is its own, not the general
   * estimate.
   */
  void put(PlanUnit unit, Node node, boolean own, int index) {
    remove(unit.node());
    boolean inService = node == null || node.inService();
    long key = own ? unit.expected().toMillis() : node == null ? 0 : node.runningWork();
    Entry e = new Entry(unit, unit.canary(), inService, own, key, index);
    entries.put(unit.node(), e);
    sets.computeIfAbsent(unit.role(), r -> new HashMap<>())
        .computeIfAbsent(bucket(e.canary, e.inService, own), b -> new TreeSet<>(WITHIN))
        .add(e);
  }

  /** Moves a queued unit to where its node, observed again, puts it. */
  void update(NodeId unit, Node node) {
    Entry e = entries.get(unit);
    if (e != null) {
      put(e.unit, node, e.own, e.index);
    }
  }

  void remove(NodeId unit) {
    Entry e = entries.remove(unit);
    if (e != null) {
      sets.get(e.unit.role()).get(bucket(e.canary, e.inService, e.own)).remove(e);
    }
  }

  /**
   * Takes the best unit out of the queue, or null if none is left; of a role in {@code full} only a
   * unit whose node is out of service already (it holds its slot) is taken.
   */
  PlanUnit pollBest(Set<Role> full, Duration base) {
    Entry best = null;
    for (Map.Entry<Role, Map<Integer, TreeSet<Entry>>> role : sets.entrySet()) {
      boolean roleFull = full.contains(role.getKey());
      for (Map.Entry<Integer, TreeSet<Entry>> set : role.getValue().entrySet()) {
        if (set.getValue().isEmpty()) {
          continue;
        }
        Entry head = set.getValue().first();
        if ((!roleFull || !head.inService) && (best == null || better(head, best, base))) {
          best = head;
        }
      }
    }
    if (best == null) {
      return null;
    }
    remove(best.unit.node());
    return best.unit;
  }

  private static boolean better(Entry a, Entry b, Duration base) {
    if (a.canary != b.canary) {
      return a.canary;
    }
    if (a.inService != b.inService) {
      return !a.inService;
    }
    long ea = a.expectedMillis(base);
    long eb = b.expectedMillis(base);
    if (ea != eb) {
      return ea > eb;
    }
    return a.index < b.index;
  }

  private static int bucket(boolean canary, boolean inService, boolean own) {
    return (canary ? 4 : 0) | (inService ? 2 : 0) | (own ? 1 : 0);
  }
}
