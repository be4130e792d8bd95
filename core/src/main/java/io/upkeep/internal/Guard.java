package io.upkeep.internal;

import io.upkeep.ClusterSnapshot;
import io.upkeep.Constraints;
import io.upkeep.Health;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.Role;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One turn's view of what is out of service, for the checks before each disruptive action: every
 * member the observation shows out of service (lost, drained by the operator, stopped), plus every
 * node this run has taken out, including actions issued earlier in this same turn and host
 * operations whose effect the observation does not show yet. Nodes the run created are not budgeted
 * (the budget protects the cluster's original capacity), and neither are nodes the operator had
 * drained on purpose before the run (they are the operator's capacity decision, not a disruption;
 * counting them would block a run with a budget of one for good). Not thread-safe; one per turn.
 */
final class Guard {

  private final ClusterSnapshot snap;
  private final Map<Role, Integer> budgets;
  private final Set<NodeId> notBudgeted;
  private final Predicate<NodeId> removedByRun;
  private final Set<NodeId> disrupted;
  private final Function<Role, Set<NodeId>> counted;

  /** What this turn took out of service, or let go of, on top of {@link #disrupted}. */
  private final Set<NodeId> thisTurn = new HashSet<>();

  /**
   * @param notBudgeted nodes the run created, and nodes the operator drained before the run
   * @param disrupted nodes the run's units in flight have taken out of service, kept up to date by
   *     the run as the turn goes on
   * @param counted per role, the members out of service that the budget counts: those {@code snap}
   *     shows out of service and those in {@code disrupted}, kept up to date by the run
   * @param removedByRun nodes this run removed from the cluster or destroyed
   */
  Guard(
      ClusterSnapshot snap,
      Map<Role, Integer> budgets,
      Set<NodeId> notBudgeted,
      Set<NodeId> disrupted,
      Function<Role, Set<NodeId>> counted,
      Predicate<NodeId> removedByRun) {
    this.snap = snap;
    this.budgets = budgets;
    this.notBudgeted = notBudgeted;
    this.disrupted = disrupted;
    this.counted = counted;
    this.removedByRun = removedByRun;
  }

  /** Whether this run removed or destroyed {@code node}. */
  boolean removedByRun(NodeId node) {
    return removedByRun.test(node);
  }

  /** Counts {@code n} as out of service from now on. */
  void disrupted(Node n) {
    thisTurn.add(n.id());
  }

  /**
   * Keeps counting {@code node} as out of service for the rest of the turn: the unit that took it
   * out is done, but this turn's observation may not show it back yet.
   */
  void heldThisTurn(NodeId node) {
    thisTurn.add(node);
  }

  private boolean isDisrupted(NodeId node) {
    return disrupted.contains(node) || thisTurn.contains(node);
  }

  /** Why taking {@code n} out of service now would exceed its role's budget, or null. */
  String budgetObjection(Node n) {
    Integer budget = budgets.get(n.role());
    if (budget == null || notBudgeted.contains(n.id()) || !n.inService() || isDisrupted(n.id())) {
      return null;
    }
    Set<NodeId> counts = counted.apply(n.role());
    List<NodeId> alsoThisTurn = new ArrayList<>();
    for (NodeId id : thisTurn) {
      if (!counts.contains(id)
          && !notBudgeted.contains(id)
          && snap.find(id).map(m -> m.role().equals(n.role())).orElse(false)) {
        alsoThisTurn.add(id);
      }
    }
    if (counts.size() + alsoThisTurn.size() < budget) {
      return null;
    }
    Set<NodeId> already = new TreeSet<>(counts);
    already.addAll(alsoThisTurn);
    return "taking "
        + n.id()
        + " out of service now would make "
        + (already.size() + 1)
        + " "
        + n.role()
        + " node(s) out of service, above its budget of "
        + budget
        + ": "
        + already
        + " are out already";
  }

  /**
   * Why stopping ({@code removal}: removing) voter {@code n} now would leave its role without a
   * quorum, or null. Voters this run is taking out count as down even while they still look
   * healthy; a removal shrinks the quorum with the membership.
   */
  String quorumObjection(ClusterSnapshot now, Node n, boolean removal) {
    if (!removal && n.health() != Health.HEALTHY) {
      return null;
    }
    List<Node> voters = now.withRole(n.role()).stream().filter(Node::voter).toList();
    long healthyOthers =
        voters.stream()
            .filter(
                v -> !v.id().equals(n.id()) && v.health() == Health.HEALTHY && !isDisrupted(v.id()))
            .count();
    int size = removal ? voters.size() - 1 : voters.size();
    int quorum = Constraints.quorum(size);
    if (healthyOthers >= quorum) {
      return null;
    }
    return (removal ? "removing " : "stopping ")
        + n.id()
        + " would leave "
        + healthyOthers
        + " healthy voter(s) of "
        + size
        + ", below the quorum of "
        + quorum;
  }
}
