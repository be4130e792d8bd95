package io.upkeep.testkit.faults;

import io.upkeep.Constraints;
import io.upkeep.Durations;
import io.upkeep.NodeId;
import io.upkeep.Policy;
import io.upkeep.Role;
import io.upkeep.Strategy;
import io.upkeep.UpgradeTarget;
import io.upkeep.testkit.Fault;
import io.upkeep.testkit.HostOperation;
import io.upkeep.testkit.NodeSpec;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One randomly generated fault schedule: a cluster, an upgrade, what goes wrong around it and what
 * the operator does, all as plain values so that a seed replays it exactly. Times are offsets from
 * the start of the run, in virtual time.
 *
 * @param seed the seed it was generated from (and the cluster's seed)
 * @param shape what kind of cluster: octopus, nomad or mixed
 * @param nodes the nodes at the start
 * @param constraints the system's rules, as its adapter would report them
 * @param forcesDrainAtDeadline whether the system forces drains at their deadline (Nomad)
 * @param workloadGap mean gap between arriving tasks, or null for no workload
 * @param workloadTask mean task duration, or null
 * @param strategy how nodes are moved
 * @param target where to
 * @param policy how cautiously
 * @param withTraffic whether the executor has a load balancer (without one, traffic steps are
 *     gates)
 * @param probeFailures when the scripted probe fails which node
 * @param beforeRun outside changes made before the plan is made
 * @param happenings outside changes during the run
 * @param controls the operator's controls during the run
 * @param thinkTime how long the operator takes to answer a gate or resume a paused run
 * @param declineApproval which approval request (1-based) the operator declines by aborting, 0 for
 *     none
 */
record Schedule(
    long seed,
    String shape,
    List<NodeSpec> nodes,
    Constraints constraints,
    boolean forcesDrainAtDeadline,
    Duration workloadGap,
    Duration workloadTask,
    Strategy strategy,
    UpgradeTarget target,
    Policy policy,
    boolean withTraffic,
    List<ProbeFailure> probeFailures,
    List<Happening> beforeRun,
    List<Happening> happenings,
    List<Control> controls,
    Duration thinkTime,
    int declineApproval) {

  /** The probe name policies use in these schedules. */
  static final String PROBE = "smoke";

  Schedule {
    nodes = List.copyOf(nodes);
    probeFailures = List.copyOf(probeFailures);
    beforeRun = List.copyOf(beforeRun);
    happenings = List.copyOf(happenings);
    controls = List.copyOf(controls);
  }

  /**
   * The scripted probe fails {@code node} from {@code from} until {@code until} (null: never
   * heals).
   */
  record ProbeFailure(NodeId node, Duration from, Duration until) {}

  /** A change to the cluster that the run did not make, at {@code at} from the start of the run. */
  sealed interface Happening {
    Duration at();
  }

  /** A testkit fault. */
  record InjectFault(Duration at, Fault fault) implements Happening {}

  /**
   * Leadership of {@code role} moves to one of its healthy voters, picked by {@code pick} at that
   * moment.
   */
  record MoveLeadership(Duration at, Role role, int pick) implements Happening {}

  /** Someone adds a member. */
  record Join(Duration at, NodeSpec spec) implements Happening {}

  /** The operator drains {@code node} (skipped if the run has it in hand at that moment). */
  record OperatorDrain(Duration at, NodeId node) implements Happening {}

  /** The operator undrains {@code node} if they drained it (skipped if the run has it in hand). */
  record OperatorUndrain(Duration at, NodeId node) implements Happening {}

  /** An operator control of the run. */
  sealed interface Control {}

  /** Pause at {@code at}; the operator resumes after their think time. */
  record Pause(Duration at) implements Control {}

  /** A resume at {@code at}, whether or not the run is paused. */
  record Resume(Duration at) implements Control {}

  /** Abort at {@code at}, restoring the nodes in flight ({@code rollback}) or finishing them. */
  record Abort(Duration at, boolean rollback) implements Control {}

  /** Approve {@code gate} at {@code at}, possibly before it is requested. */
  record Approve(Duration at, String gate) implements Control {}

  /**
   * The process dies right after the run's {@code afterEvents}-th event, its journal holding the
   * state as of that event; a new process resumes from the journal.
   */
  record Crash(int afterEvents) implements Control {}

  /** The schedule for people: what a replay prints. */
  String describe() {
    StringBuilder sb = new StringBuilder();
    sb.append("schedule ")
        .append(seed)
        .append(" (")
        .append(shape)
        .append(", ")
        .append(nodes.size())
        .append(" nodes)\n");
    sb.append("  cluster:\n");
    for (NodeSpec n : nodes) {
      sb.append("    ").append(describe(n)).append('\n');
    }
    sb.append("    constraints: budgets ")
        .append(constraints.budgets())
        .append(", quorum roles ")
        .append(constraints.quorumRoles())
        .append(", role order ")
        .append(constraints.roleOrder())
        .append(", leader last ")
        .append(constraints.leaderLast())
        .append(
            constraints.skew().maxMinorHops() == Integer.MAX_VALUE
                ? ""
                : ", skew " + constraints.skew().maxMinorHops())
        .append(
            constraints.minimumCapacity() == 0
                ? ""
                : ", minimum capacity " + constraints.minimumCapacity())
        .append('\n');
    sb.append("    drains ")
        .append(
            forcesDrainAtDeadline
                ? "forced at their deadline (Nomad)"
                : "wait for the work (Octopus)")
        .append(
            workloadGap == null
                ? ", no workload"
                : ", a task every ~"
                    + Durations.format(workloadGap)
                    + " taking ~"
                    + Durations.format(workloadTask))
        .append(
            withTraffic ? ", with a load balancer" : ", no load balancer (traffic steps are gates)")
        .append('\n');
    sb.append("  upgrade: ").append(strategy).append(" to ").append(target).append('\n');
    sb.append("  policy: ").append(describe(policy)).append('\n');
    if (!probeFailures.isEmpty()) {
      sb.append("  probe '").append(PROBE).append("' fails:");
      probeFailures.forEach(
          p ->
              sb.append(' ')
                  .append(p.node())
                  .append(" from +")
                  .append(Durations.format(p.from()))
                  .append(
                      p.until() == null ? " for good" : " until +" + Durations.format(p.until()))
                  .append(';'));
      sb.append('\n');
    }
    if (!beforeRun.isEmpty()) {
      sb.append("  before the plan:\n");
      beforeRun.forEach(h -> sb.append("    ").append(describe(h)).append('\n'));
    }
    sb.append("  during the run:")
        .append(happenings.isEmpty() ? " nothing goes wrong" : "")
        .append('\n');
    happenings.forEach(
        h ->
            sb.append("    +")
                .append(Durations.format(h.at()))
                .append(' ')
                .append(describe(h))
                .append('\n'));
    sb.append("  operator: thinks ")
        .append(Durations.format(thinkTime))
        .append(" before answering a gate or resuming")
        .append(
            declineApproval == 0
                ? ""
                : "; declines approval request #" + declineApproval + " (aborts)")
        .append('\n');
    controls.forEach(c -> sb.append("    ").append(describe(c)).append('\n'));
    return sb.toString();
  }

  private static String describe(NodeSpec n) {
    StringBuilder sb =
        new StringBuilder()
            .append(n.id())
            .append(" [")
            .append(n.role())
            .append("] ")
            .append(n.platform())
            .append(", cap ")
            .append(n.taskCap());
    if (n.leader()) {
      sb.append(", leader");
    } else if (n.voter()) {
      sb.append(", voter");
    }
    if (!n.runsWork()) {
      sb.append(", runs no work");
    }
    if (n.drained()) {
      sb.append(", DRAINED by the operator");
    }
    if (!n.runningTasks().isEmpty()) {
      sb.append(", running ")
          .append(
              n.runningTasks().stream()
                  .map(Durations::format)
                  .collect(Collectors.joining(" ", "[", "]")));
    }
    Duration up = n.durations().get(HostOperation.UPGRADE);
    if (up != null) {
      sb.append(", upgrade takes ").append(Durations.format(up));
    }
    return sb.toString();
  }

  private static String describe(Policy p) {
    StringBuilder sb =
        new StringBuilder()
            .append("budget ")
            .append(p.budget())
            .append(", canaries ")
            .append(p.canaries())
            .append(" (soak ")
            .append(Durations.format(p.canarySoak()))
            .append(p.approveCanaries() ? ", approved" : "")
            .append(')')
            .append(", drain deadline ")
            .append(Durations.format(p.drainDeadline()))
            .append(" then ")
            .append(p.onDrainTimeout())
            .append(", settle ")
            .append(Durations.format(p.settle()))
            .append(", health deadline ")
            .append(Durations.format(p.healthDeadline()));
    if (!p.trafficRamp().isEmpty()) {
      sb.append(", traffic ramp ")
          .append(p.trafficRamp())
          .append(" soak ")
          .append(Durations.format(p.rampSoak()));
    }
    sb.append(", trial cap ")
        .append(p.trialTaskCap())
        .append(p.exclusiveTrial() ? " exclusive" : "")
        .append(", task ramp ")
        .append(p.taskRamp())
        .append(", snapshots ")
        .append(p.snapshots())
        .append(", failure threshold ")
        .append(p.failureThreshold())
        .append(" then ")
        .append(p.onFailure());
    if (p.allowDowntime()) {
      sb.append(", downtime allowed");
    }
    if (p.forceVersionSkew()) {
      sb.append(", version skew forced");
    }
    if (!p.probes().isEmpty()) {
      sb.append(", probes ").append(p.probes());
    }
    if (!p.only().isEmpty()) {
      sb.append(", only ").append(p.only());
    }
    if (!p.durationHints().isEmpty()) {
      sb.append(", hints ")
          .append(
              p.durationHints().entrySet().stream()
                  .map(e -> e.getKey() + "=" + Durations.format(e.getValue()))
                  .collect(Collectors.joining(" ")));
    }
    sb.append(", poll ")
        .append(Durations.format(p.pollInterval()))
        .append(", blocked timeout ")
        .append(Durations.format(p.blockedTimeout()));
    return sb.toString();
  }

  static String describe(Happening h) {
    if (h instanceof InjectFault f) {
      return "fault " + describe(f.fault());
    }
    if (h instanceof MoveLeadership m) {
      return "leadership of " + m.role() + " moves (pick " + m.pick() + " of its healthy voters)";
    }
    if (h instanceof Join j) {
      return "someone adds " + describe(j.spec());
    }
    if (h instanceof OperatorDrain d) {
      return "operator drains " + d.node();
    }
    return "operator undrains " + ((OperatorUndrain) h).node();
  }

  static String describe(Fault f) {
    if (f instanceof Fault.SlowDrain s) {
      return "slow drain on " + s.node() + " (+" + Durations.format(s.extra()) + " per task)";
    }
    if (f instanceof Fault.StuckDrain s) {
      return "stuck drain on " + s.node();
    }
    if (f instanceof Fault.UpgradeFails u) {
      return "upgrades of " + u.node() + " fail";
    }
    if (f instanceof Fault.NeverReturns n) {
      return n.node() + " never returns once restarted";
    }
    if (f instanceof Fault.NodeLost l) {
      return l.node() + " is lost";
    }
    if (f instanceof Fault.OperationHangs o) {
      return o.operation() + " hangs on " + o.node();
    }
    return ((Fault.Vanishes) f).node() + " vanishes (removed by someone else)";
  }

  private static String describe(Control c) {
    if (c instanceof Pause p) {
      return "+" + Durations.format(p.at()) + " pause";
    }
    if (c instanceof Resume r) {
      return "+" + Durations.format(r.at()) + " resume";
    }
    if (c instanceof Abort a) {
      return "+" + Durations.format(a.at()) + (a.rollback() ? " abort" : " abort without rollback");
    }
    if (c instanceof Approve a) {
      return "+" + Durations.format(a.at()) + " approve '" + a.gate() + "'";
    }
    return "crash after run event #" + ((Crash) c).afterEvents() + ", then resume from the journal";
  }

  @Override
  public String toString() {
    return "Schedule[" + seed + "]";
  }
}
