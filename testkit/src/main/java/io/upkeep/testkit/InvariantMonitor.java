package io.upkeep.testkit;

import io.upkeep.ClusterSnapshot;
import io.upkeep.Constraints;
import io.upkeep.DrainState;
import io.upkeep.Health;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.Role;
import io.upkeep.UpgradePlan;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a {@link FakeCluster} against the safety properties of an upgrade after every clock event
 * and every mutating port call, recording each breach as a {@link Violation} instead of throwing,
 * so the run goes on and the test sees every problem at the end with {@link #assertHeld()}.
 *
 * <pre>{@code
 * InvariantMonitor monitor = InvariantMonitor.watch(cluster, plan);
 * executor.run(plan);
 * monitor.assertRestored();   // "replay with seed 7" on failure
 * }</pre>
 *
 * <p>The invariants, over the <em>original</em> nodes (the members when watching began):
 *
 * <ul>
 *   <li>{@code budget}: a drain, stop or decommission must not take more original nodes of a role
 *       out of service (member but not healthy and active) than {@code plan.budgets()} allows it;
 *       roles the plan does not touch allow none. A fault or another {@link ClusterEvent.Outside}
 *       change that takes a node out is not a violation, but the orchestrator taking another one
 *       out on top of it is. Nodes the operator had drained before the run are the operator's
 *       capacity decision and are not counted.
 *   <li>{@code quorum}: stopping, decommissioning or removing a voter of a quorum role must not
 *       leave fewer healthy voters than a majority of the role's voters.
 *   <li>{@code leader-last}: a quorum role's leader must not be stopped while another original
 *       voter of its role is still a member and not on the plan's target.
 * </ul>
 *
 * A stop or decommission is judged when it is decided ({@link ClusterEvent.OperationRequested}),
 * counting every one decided earlier that has not landed yet as done: a fault that strikes while
 * the operation runs is not the orchestrator's doing. A drain and a removal act at once and are
 * judged then.
 *
 * <ul>
 *   <li>{@code no-work-interrupted}: no task is interrupted by a stop or decommission, unless
 *       {@link #allowInterruptions()} was called.
 *   <li>{@code restored}, checked by {@link #checkFinal()}: every original node ends removed or
 *       decommissioned, or a member as it was before the run: its original task cap, its original
 *       drain state (a node the operator drained stays drained: Upkeep undoes only what it did; an
 *       active one is active again) and healthy, unless it was unhealthy from the start or a fault
 *       broke it ({@link FakeHost#broken()}) or its clone (a source whose clone cannot be stopped
 *       stays stopped); maintenance mode ends off.
 * </ul>
 *
 * <p>Thread-safe: guarded by the cluster's lock.
 */
public final class InvariantMonitor {

  private final FakeCluster cluster;
  private final UpgradePlan plan;
  private final Map<NodeId, Node> originals = new LinkedHashMap<>();
  private final Set<NodeId> outOfService = new LinkedHashSet<>();

  /** Originals the operator had drained before the run: not counted against the budget. */
  private final Set<NodeId> drainedByOperator = new LinkedHashSet<>();

  private final Set<NodeId> lost = new LinkedHashSet<>();

  /** Drain states the operator set by hand during the run: what those nodes must end with. */
  private final Map<NodeId, Boolean> drainedByHand = new HashMap<>();

  /** Nodes whose stop or decommission was requested and has not landed yet. */
  private final Set<NodeId> pending = new LinkedHashSet<>();

  /**
   * Per role, the original nodes the budget counts as out: in {@link #outOfService}, or budgeted
   * and {@link #pending}; kept by {@link #recount} so that a check costs what it reports, not the
   * cluster's size.
   */
  private final Map<Role, Set<NodeId>> countedOut = new HashMap<>();

  private final Map<Role, NodeId> leaders = new HashMap<>();
  private final List<Violation> violations = new ArrayList<>();
  private boolean allowInterruptions;
  private int processed;
  private long checks;

  private InvariantMonitor(FakeCluster cluster, UpgradePlan plan) {
    this.cluster = cluster;
    this.plan = plan;
    synchronized (cluster) {
      ClusterSnapshot snapshot = cluster.observe();
      for (Node n : snapshot.nodes()) {
        originals.put(n.id(), n);
        if (n.health() == Health.HEALTHY && n.drainState() != DrainState.ACTIVE) {
          drainedByOperator.add(n.id());
        } else if (!n.inService()) {
          outOfService.add(n.id());
          recount(n.id());
        }
        if (n.leader()) {
          leaders.put(n.role(), n.id());
        }
      }
      processed = cluster.eventLog().size();
    }
  }

  /**
   * Starts watching {@code cluster} for a run of {@code plan}; its members now are the original
   * nodes.
   *
   * @throws NullPointerException if an argument is null
   */
  public static InvariantMonitor watch(FakeCluster cluster, UpgradePlan plan) {
    InvariantMonitor monitor =
        new InvariantMonitor(
            Objects.requireNonNull(cluster, "cluster"), Objects.requireNonNull(plan, "plan"));
    cluster.afterEachCall(monitor::check);
    cluster.clock().afterEachEvent(monitor::check);
    return monitor;
  }

  /**
   * Tolerates interrupted work from now on (a run whose policy forces drains); call it right after
   * {@link #watch}.
   */
  public InvariantMonitor allowInterruptions() {
    synchronized (cluster) {
      allowInterruptions = true;
    }
    return this;
  }

  /** How many times the invariants were checked. */
  public long checks() {
    synchronized (cluster) {
      return checks;
    }
  }

  /** Every violation recorded so far, in order. */
  public List<Violation> violations() {
    synchronized (cluster) {
      return List.copyOf(violations);
    }
  }

  /** Whether no violation was recorded. */
  public boolean held() {
    synchronized (cluster) {
      return violations.isEmpty();
    }
  }

  /**
   * The number of checks, each violation, and the seed to replay the run with: for failure
   * messages.
   */
  public String report() {
    synchronized (cluster) {
      if (violations.isEmpty()) {
        return "every invariant held in " + checks + " checks (seed " + cluster.seed() + ")";
      }
      StringBuilder sb =
          new StringBuilder()
              .append(violations.size())
              .append(" invariant violation(s) in ")
              .append(checks)
              .append(" checks; replay with seed ")
              .append(cluster.seed())
              .append(':');
      violations.forEach(v -> sb.append("\n  ").append(v));
      return sb.toString();
    }
  }

  /**
   * Checks that the run is over cleanly, recording a {@code restored} violation for each original
   * member not as it was before the run (drain state, task cap, health), and for maintenance mode
   * left on.
   */
  public void checkFinal() {
    synchronized (cluster) {
      check();
      Instant now = cluster.clock().now();
      for (Node original : originals.values()) {
        Optional<Node> node = cluster.node(original.id());
        if (node.isEmpty()
            || cluster.host(original.id()).decommissioned()
            || cloneBroken(original.id())) {
          continue;
        }
        Node n = node.get();
        List<String> wrong = new ArrayList<>();
        if (n.health() != Health.HEALTHY
            && original.health() == Health.HEALTHY
            && !lost.contains(n.id())
            && !cluster.host(n.id()).broken()) {
          wrong.add(n.health().name().toLowerCase(Locale.ROOT));
        }
        boolean wasActive =
            !drainedByHand.getOrDefault(n.id(), original.drainState() != DrainState.ACTIVE);
        if ((n.drainState() == DrainState.ACTIVE) != wasActive) {
          wrong.add(
              wasActive
                  ? n.drainState().name().toLowerCase(Locale.ROOT)
                  : "undrained, though the operator had drained it before the run");
        }
        if (!n.taskCap().equals(original.taskCap())) {
          wrong.add("at task cap " + n.taskCap() + " instead of " + original.taskCap());
        }
        if (!wrong.isEmpty()) {
          violate(now, "restored", n.id() + " was left " + String.join(", ", wrong));
        }
      }
      if (cluster.observe().maintenanceMode()) {
        violate(now, "restored", "cluster maintenance mode was left on");
      }
    }
  }

  /**
   * Whether {@code source} is migrated by a clone that a fault broke: the source must then stay
   * stopped, since a clone that cannot be stopped may still use the shared database.
   */
  private boolean cloneBroken(NodeId source) {
    if (!(plan.strategy() instanceof io.upkeep.Strategy.CloneAndMigrate c)) {
      return false;
    }
    NodeId clone = NodeId.of(source.value() + c.cloneSuffix());
    return cluster.eventLog().stream()
            .anyMatch(e -> e instanceof ClusterEvent.Provisioned p && p.node().equals(clone))
        && cluster.host(clone).broken();
  }

  /**
   * Throws if any invariant was violated.
   *
   * @throws AssertionError listing the violations and the seed to replay with
   */
  public void assertHeld() {
    synchronized (cluster) {
      if (!violations.isEmpty()) {
        throw new AssertionError(report());
      }
    }
  }

  /**
   * {@link #checkFinal()}, then {@link #assertHeld()}.
   *
   * @throws AssertionError listing the violations and the seed to replay with
   */
  public void assertRestored() {
    checkFinal();
    assertHeld();
  }

  @Override
  public String toString() {
    return "InvariantMonitor[" + report() + "]";
  }

  private void check() {
    synchronized (cluster) {
      checks++;
      List<ClusterEvent> log = cluster.eventLog();
      while (processed < log.size()) {
        if (log.get(processed++) instanceof ClusterEvent.NodeEvent e) {
          process(e);
        }
      }
    }
  }

  private void process(ClusterEvent.NodeEvent e) {
    NodeId id = e.node();
    Role role = cluster.host(id).role();
    if (e instanceof ClusterEvent.LeaderElected) {
      leaders.put(role, id);
      return;
    }
    if (e instanceof ClusterEvent.WorkInterrupted w && !allowInterruptions) {
      violate(
          e.at(),
          "no-work-interrupted",
          w.tasks() + " task(s) running on " + id + " were interrupted");
    }
    if (e instanceof ClusterEvent.OperationRequested r) {
      if (r.operation() == HostOperation.START_SERVICE) {
        pending.remove(id);
        recount(id);
      } else if ((r.operation() == HostOperation.STOP_SERVICE
              || r.operation() == HostOperation.DECOMMISSION)
          && cluster.host(id).member()
          && cluster.host(id).serviceRunning()) {
        judgeDisruption(r, role);
      }
      return;
    }
    // Faults, the operator's own drains and other tools' changes take nodes out, but not as the
    // orchestrator's doing.
    boolean byFault = e instanceof ClusterEvent.Outside;
    boolean stopped =
        e instanceof ClusterEvent.ServiceStopped || e instanceof ClusterEvent.Decommissioned;
    if (e instanceof ClusterEvent.OperatorDrained || e instanceof ClusterEvent.OperatorUndrained) {
      drainedByHand.put(id, e instanceof ClusterEvent.OperatorDrained);
    } else if (byFault) {
      lost.add(id);
    }
    if (byFault || stopped) {
      pending.remove(id);
      recount(id);
    }
    if (e instanceof ClusterEvent.Removed
        && plan.constraints().quorumRoles().contains(role)
        && cluster.host(id).voter()) {
      checkQuorum(e, role);
    }
    if ((stopped || byFault || e instanceof ClusterEvent.Removed) && id.equals(leaders.get(role))) {
      leaders.remove(role);
    }
    if (budgeted(id)) {
      boolean out = cluster.node(id).map(n -> !n.inService()).orElse(false);
      if (!out) {
        outOfService.remove(id);
        recount(id);
      } else if (outOfService.add(id)
          && e instanceof ClusterEvent.DrainStarted
          && !pending.contains(id)) {
        recount(id);
        checkBudget(e, role);
      } else {
        recount(id);
      }
    }
  }

  /**
   * Whether {@code id} counts against its role's budget: an original node the operator had not
   * drained.
   */
  private boolean budgeted(NodeId id) {
    return originals.containsKey(id) && !drainedByOperator.contains(id);
  }

  /**
   * Judges a stop or decommission when it is decided: a fault that strikes while the operation runs
   * is not the orchestrator's doing, but every operation it decided earlier and that has not landed
   * yet counts as done.
   */
  private void judgeDisruption(ClusterEvent.OperationRequested r, Role role) {
    NodeId id = r.node();
    boolean wasInService =
        cluster.node(id).map(Node::inService).orElse(false) && !pending.contains(id);
    if (plan.constraints().quorumRoles().contains(role) && cluster.host(id).voter()) {
      checkQuorum(r, role);
      if (id.equals(leaders.get(role))) {
        checkLeaderLast(r, role);
      }
    }
    pending.add(id);
    recount(id);
    if (wasInService && budgeted(id)) {
      checkBudget(r, role);
    }
  }

  private void checkBudget(ClusterEvent.NodeEvent e, Role role) {
    Set<NodeId> counted = countedOut.getOrDefault(role, Set.of());
    int budget = plan.budgets().getOrDefault(role, 0);
    if (counted.size() + (counted.contains(e.node()) ? 0 : 1) > budget) {
      List<NodeId> outOfRole = new ArrayList<>(counted);
      if (!counted.contains(e.node())) {
        outOfRole.add(e.node());
      }
      violate(
          e.at(),
          "budget",
          describe(e)
              + " of "
              + e.node()
              + " took "
              + outOfRole.size()
              + " original "
              + role
              + " node(s) out of service "
              + outOfRole
              + ", above the budget of "
              + budget);
    }
  }

  private void recount(NodeId id) {
    Node original = originals.get(id);
    if (original == null) {
      return;
    }
    Set<NodeId> counted = countedOut.computeIfAbsent(original.role(), r -> new LinkedHashSet<>());
    if (outOfService.contains(id) || (pending.contains(id) && budgeted(id))) {
      counted.add(id);
    } else {
      counted.remove(id);
    }
  }

  private static String describe(ClusterEvent.NodeEvent e) {
    return e instanceof ClusterEvent.OperationRequested r
        ? r.operation().name().toLowerCase(java.util.Locale.ROOT)
        : e.getClass().getSimpleName();
  }

  private void checkQuorum(ClusterEvent.NodeEvent e, Role role) {
    List<Node> voters = cluster.observe().withRole(role).stream().filter(Node::voter).toList();
    long healthy =
        voters.stream()
            .filter(
                n ->
                    n.health() == Health.HEALTHY
                        && !pending.contains(n.id())
                        && !(e instanceof ClusterEvent.OperationRequested
                            && n.id().equals(e.node())))
            .count();
    int quorum = Constraints.quorum(voters.size());
    if (healthy < quorum) {
      violate(
          e.at(),
          "quorum",
          describe(e)
              + " of voter "
              + e.node()
              + " left "
              + healthy
              + " of "
              + voters.size()
              + " "
              + role
              + " voters healthy, below the quorum of "
              + quorum);
    }
  }

  private void checkLeaderLast(ClusterEvent.NodeEvent e, Role role) {
    List<NodeId> behind =
        originals.values().stream()
            .filter(n -> n.voter() && n.role().equals(role) && !n.id().equals(e.node()))
            .map(n -> cluster.host(n.id()))
            .filter(h -> h.member() && !plan.target().isMetBy(h.platform()))
            .map(FakeHost::id)
            .toList();
    if (!behind.isEmpty()) {
      violate(
          e.at(),
          "leader-last",
          describe(e)
              + " of leader "
              + e.node()
              + " of "
              + role
              + " while "
              + behind
              + " are not yet on "
              + plan.target());
    }
  }

  private void violate(Instant at, String invariant, String detail) {
    violations.add(new Violation(at, invariant, detail));
  }

  /**
   * One breach of an invariant. Immutable and thread-safe.
   *
   * @param at when it happened, in the cluster's virtual time
   * @param invariant which invariant: {@code budget}, {@code quorum}, {@code leader-last}, {@code
   *     no-work-interrupted} or {@code restored}
   * @param detail what happened, naming the nodes
   */
  public record Violation(Instant at, String invariant, String detail) {
    /**
     * @throws NullPointerException if a reference is null
     * @throws IllegalArgumentException if {@code invariant} is blank
     */
    public Violation {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(invariant, "invariant");
      Objects.requireNonNull(detail, "detail");
      if (invariant.isBlank()) {
        throw new IllegalArgumentException("a violation must name its invariant");
      }
    }

    @Override
    public String toString() {
      return at + " " + invariant + ": " + detail;
    }
  }
}
