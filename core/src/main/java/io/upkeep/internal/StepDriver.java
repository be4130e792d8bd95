package io.upkeep.internal;

import io.upkeep.Action;
import io.upkeep.ClusterOperationException;
import io.upkeep.ClusterSnapshot;
import io.upkeep.DrainState;
import io.upkeep.Durations;
import io.upkeep.Health;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.PlanStep;
import io.upkeep.Policy;
import io.upkeep.RunState.NodeOrigin;
import io.upkeep.RunState.StepState;
import io.upkeep.UnknownNodeException;
import io.upkeep.UpgradePlan;
import io.upkeep.UpkeepException;
import io.upkeep.spi.ClusterPort;
import io.upkeep.spi.HealthProbe;
import io.upkeep.spi.HostPort;
import io.upkeep.spi.NodeHook;
import io.upkeep.spi.OperationHandle;
import io.upkeep.spi.OperationStatus;
import io.upkeep.spi.TrafficPort;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Carries out one step for one turn: checks whether the cluster already is as the step asks, and if
 * not sends the (idempotent) command, re-sending it at most once per poll interval. Before any
 * action that takes a node out of service (drain, stop, removal, destruction) it checks the budget,
 * the quorum and the leader rule against this turn's observation and every disruption the run has
 * issued, so nodes lost or taken out by others meanwhile count.
 */
final class StepDriver {

  private final UpgradePlan plan;
  private final Policy policy;
  private final String runId;
  private final ClusterPort cluster;
  private final HostPort host;
  private final TrafficPort traffic;
  private final Map<String, HealthProbe> probes;
  private final Map<String, NodeHook> hooks;
  private final Map<String, StepState> steps;
  private final Set<String> approvals;
  private final Map<NodeId, NodeOrigin> origins;

  /** Why the node that leads its role now must not be stopped yet, or null. */
  private final Function<NodeId, String> leaderMustWait;

  /**
   * Writes what changed to the journal: called after recording an action's intent and before the
   * call, and after recording what the call returned.
   */
  private final Runnable checkpoint;

  StepDriver(
      UpgradePlan plan,
      String runId,
      ClusterPort cluster,
      HostPort host,
      TrafficPort traffic,
      Map<String, HealthProbe> probes,
      Map<String, NodeHook> hooks,
      Map<String, StepState> steps,
      Set<String> approvals,
      Map<NodeId, NodeOrigin> origins,
      Function<NodeId, String> leaderMustWait,
      Runnable checkpoint) {
    this.plan = plan;
    this.policy = plan.policy();
    this.runId = runId;
    this.cluster = cluster;
    this.host = host;
    this.traffic = traffic;
    this.probes = probes;
    this.hooks = hooks;
    this.steps = steps;
    this.approvals = approvals;
    this.origins = origins;
    this.leaderMustWait = leaderMustWait;
    this.checkpoint = checkpoint;
  }

  /** Records that {@code step} acts now and journals it, before the call that acts. */
  private void intend(PlanStep step, StepState st, Instant now) {
    steps.put(step.id(), st.issued(now));
    checkpoint.run();
  }

  /**
   * The approval gate a step waits for, if it is one. A traffic step of a ramp becomes a gate
   * without a load balancer; optional and restore traffic steps never do, so an abort never waits
   * on a person.
   */
  String gateOf(PlanStep step) {
    if (step.action() instanceof Action.Approval a) {
      return a.gate();
    }
    if (step.action() instanceof Action.SetTrafficWeight w
        && traffic == null
        && !w.optional()
        && !Restoration.isRestoreStep(step)) {
      return trafficGate(step.node(), w.weight());
    }
    return null;
  }

  static String trafficGate(NodeId node, int weight) {
    return "traffic:" + node + ":" + weight;
  }

  /** The instructions of the gate a step waits for. */
  String instructionsOf(PlanStep step) {
    if (step.action() instanceof Action.Approval a) {
      return a.instructions();
    }
    Action.SetTrafficWeight w = (Action.SetTrafficWeight) step.action();
    return "no load balancer is connected: set "
        + step.node()
        + "'s weight to "
        + w.weight()
        + "% of an equal share by hand, then approve";
  }

  Outcome advance(
      PlanStep step, ClusterSnapshot snap, Instant now, List<PlanStep> unitSteps, Guard guard) {
    try {
      return dispatch(step, snap, now, unitSteps, guard);
    } catch (UnknownNodeException e) {
      return waitForNode(step, now, e.getMessage());
    } catch (ClusterOperationException e) {
      return e.retryable()
          ? Outcome.waitUntil(now.plus(policy.pollInterval()))
          : Outcome.fail(e.getMessage());
    }
  }

  private Outcome dispatch(
      PlanStep step, ClusterSnapshot snap, Instant now, List<PlanStep> unitSteps, Guard guard) {
    Action a = step.action();
    StepState st = steps.get(step.id());
    Optional<Node> found = snap.find(step.node());
    String gate = gateOf(step);
    if (gate != null) {
      if (!approvals.contains(gate)) {
        return Outcome.atGate();
      }
      if (a instanceof Action.SetTrafficWeight) {
        // An operator set the weight by hand: a rollback must ask them to set it back.
        steps.put(step.id(), st.issued(now));
      }
      return Outcome.done("approved");
    }
    if (a instanceof Action.SetTrafficWeight w) {
      if (traffic == null) {
        return Outcome.note(
            "no load balancer is connected: set "
                + step.node()
                + "'s weight to "
                + w.weight()
                + "% of an equal share by hand");
      }
      intend(step, st, now);
      traffic.setWeight(step.node(), w.weight());
      return Outcome.done("");
    }
    if (a instanceof Action.EnterMaintenance) {
      return snap.maintenanceMode()
          ? Outcome.done("")
          : issue(step, st, now, () -> cluster.setMaintenanceMode(true));
    }
    if (a instanceof Action.ExitMaintenance) {
      return !snap.maintenanceMode()
          ? Outcome.done("")
          : issue(step, st, now, () -> cluster.setMaintenanceMode(false));
    }
    if (a instanceof Action.Soak s) {
      return soak(step, found, st, now, s);
    }
    if (a instanceof Action.RunHook h) {
      return hook(step, st, now, h);
    }
    if (isHostOperation(a)) {
      return hostOperation(step, snap, st, now, unitSteps, guard);
    }
    if (a instanceof Action.RemoveMember) {
      if (found.isEmpty()) {
        return Outcome.done("");
      }
      String why = objection(snap, found.get(), guard, true);
      return why != null
          ? blockedUntil(st, now, why)
          : issueDisruption(
              step, st, now, found.get(), guard, () -> cluster.removeMember(step.node()));
    }
    if (found.isEmpty()) {
      if (guard.removedByRun(step.node()) || Restoration.isRestoreStep(step)) {
        return Outcome.note(
            step.node()
                + " is no longer a member, so there is nothing to "
                + (Restoration.isRestoreStep(step) ? "restore" : "change")
                + " on it: "
                + step.action().describe());
      }
      return waitForNode(step, now, step.node() + " is not a member of the cluster");
    }
    Node n = found.get();
    if (a instanceof Action.SetTaskCap c) {
      return n.taskCap().equals(c.cap())
          ? Outcome.done("")
          : issue(step, st, now, () -> cluster.setTaskCap(n.id(), c.cap()));
    }
    if (a instanceof Action.Drain) {
      return drain(step, st, n, now, guard);
    }
    if (a instanceof Action.AwaitIdle) {
      return n.runningWork() == 0
          ? Outcome.done("")
          : untilDeadline(n, now, st.startedAt().plus(policy.drainDeadline()));
    }
    if (a instanceof Action.Undrain) {
      NodeOrigin origin = origins.get(n.id());
      if (origin != null && origin.drainState() != DrainState.ACTIVE) {
        return Outcome.note(n.id() + " is left drained, as the operator had it before the run");
      }
      return n.drainState() == DrainState.ACTIVE
          ? Outcome.done("")
          : issue(step, st, now, () -> cluster.undrain(n.id()));
    }
    if (a instanceof Action.AwaitHealthy h) {
      boolean ok = n.health() == Health.HEALTHY && n.platform().equals(h.expected());
      if (!ok) {
        steps.put(step.id(), st.healthy(null));
        Instant deadline = st.startedAt().plus(policy.healthDeadline());
        return now.isBefore(deadline)
            ? Outcome.waitUntil(deadline)
            : Outcome.fail(
                "not healthy on "
                    + h.expected()
                    + " within "
                    + Durations.format(policy.healthDeadline())
                    + ": it is "
                    + n.health()
                    + " on "
                    + n.platform());
      }
      return settled(step, st, now, policy.settle());
    }
    if (a instanceof Action.Verify v) {
      List<String> failures = new ArrayList<>();
      for (String name : v.probes()) {
        HealthProbe.ProbeResult r = probes.get(name).check(n);
        if (!r.passed()) {
          failures.add(name + ": " + r.detail());
        }
      }
      if (failures.isEmpty()) {
        return Outcome.done("all probes passed");
      }
      Instant deadline = st.startedAt().plus(policy.healthDeadline());
      return now.isBefore(deadline)
          ? Outcome.waitUntil(min(deadline, now.plus(policy.pollInterval())))
          : Outcome.fail(
              "probes still failing after "
                  + Durations.format(policy.healthDeadline())
                  + ": "
                  + failures);
    }
    throw new IllegalStateException("no driver for " + a);
  }

  /**
   * Drains a node and waits until it is idle. A node the operator drained or made ineligible
   * without a deadline still gets a drain of its own, so its work is migrated (Nomad) rather than
   * cut off at the deadline; the deadline counts from the first drain this step sent.
   */
  private Outcome drain(PlanStep step, StepState st, Node n, Instant now, Guard guard) {
    if (n.drainState() == DrainState.DRAINED && n.runningWork() == 0) {
      return Outcome.done("");
    }
    if (n.drainState() == DrainState.ACTIVE) {
      String why = objection(null, n, guard, false);
      if (why != null) {
        return blockedUntil(st, now, why);
      }
      Instant deadline =
          (st.actingSince() == null ? now : st.actingSince()).plus(policy.drainDeadline());
      return issueDisruption(step, st, now, n, guard, () -> cluster.drain(n.id(), deadline));
    }
    if (st.actingSince() == null) {
      Instant deadline = now.plus(policy.drainDeadline());
      intend(step, st, now);
      cluster.drain(n.id(), deadline);
      guard.disrupted(n);
      return Outcome.sent();
    }
    return untilDeadline(n, now, st.actingSince().plus(policy.drainDeadline()));
  }

  /** Runs a node hook (user or vendor code): a throw is a failure of the step, never of the run. */
  private Outcome hook(PlanStep step, StepState st, Instant now, Action.RunHook h) {
    StepState acting = st.actingSince() == null ? st.issued(now) : st;
    steps.put(step.id(), acting);
    checkpoint.run();
    OperationStatus s;
    try {
      s = hooks.get(h.hook()).run(runId + "/" + step.id(), step.node());
    } catch (RuntimeException e) {
      return Outcome.fail("hook '" + h.hook() + "' failed on " + step.node() + ": " + e);
    }
    if (s.state() == OperationStatus.State.SUCCEEDED) {
      return Outcome.done(s.detail());
    }
    if (s.state() == OperationStatus.State.FAILED) {
      return Outcome.fail("hook '" + h.hook() + "' failed on " + step.node() + ": " + s.detail());
    }
    Duration limit = h.timeout() == null ? policy.operationDeadline() : h.timeout();
    Instant deadline = acting.actingSince().plus(limit);
    if (!now.isBefore(deadline)) {
      return Outcome.fail(
          "hook '"
              + h.hook()
              + "' on "
              + step.node()
              + (h.timeout() == null
                  ? " did not finish within the operation deadline of "
                  : " did not finish within its timeout of ")
              + Durations.format(limit)
              + (s.detail().isEmpty() ? "" : " (last: " + s.detail() + ")")
              + (h.timeout() == null
                  ? ": check it, or raise Policy.operationDeadline"
                  : ": check it, or give it longer in Policy.Builder.hook"));
    }
    return Outcome.waitUntil(min(deadline, now.plus(policy.pollInterval())));
  }

  /**
   * Soaks while the node stays healthy and its probes keep passing, checked every {@link
   * Policy#soakWatchInterval()} (the step's {@code issuedAt} is its last check): the first failure
   * fails the step.
   */
  private Outcome soak(
      PlanStep step, Optional<Node> found, StepState st, Instant now, Action.Soak s) {
    if (found.isEmpty() || found.get().health() != Health.HEALTHY) {
      return Outcome.fail(
          step.node()
              + " stopped being healthy during the soak"
              + found.map(n -> " (" + n.health() + ")").orElse(" (left the cluster)"));
    }
    Instant end = st.startedAt().plus(s.duration());
    if (s.probes().isEmpty()) {
      return now.isBefore(end) ? Outcome.waitUntil(end) : Outcome.done("");
    }
    Instant due = st.issuedAt() == null ? now : st.issuedAt().plus(policy.soakWatchInterval());
    if (!now.isBefore(due) || !now.isBefore(end)) {
      for (String name : s.probes()) {
        HealthProbe.ProbeResult r = probes.get(name).watch(found.get(), st.startedAt());
        if (!r.passed()) {
          return Outcome.fail(
              "probe "
                  + name
                  + " failed during the soak, after "
                  + Durations.format(Duration.between(st.startedAt(), now))
                  + ": "
                  + r.detail());
        }
      }
      steps.put(step.id(), st.watched(now));
      due = now.plus(policy.soakWatchInterval());
    }
    return now.isBefore(end)
        ? Outcome.waitUntil(min(end, due))
        : Outcome.done("probes passed throughout");
  }

  private Outcome settled(PlanStep step, StepState st, Instant now, Duration settle) {
    Instant since = st.healthySince() == null ? now : st.healthySince();
    if (st.healthySince() == null) {
      steps.put(step.id(), st.healthy(since));
    }
    Instant end = since.plus(settle);
    return now.isBefore(end)
        ? Outcome.waitUntil(end)
        : Outcome.done("healthy for " + Durations.format(settle));
  }

  private Outcome untilDeadline(Node n, Instant now, Instant deadline) {
    if (now.isBefore(deadline)) {
      return Outcome.waitUntil(deadline);
    }
    String left =
        n.runningWork()
            + " task(s) still running after the drain deadline of "
            + Durations.format(policy.drainDeadline());
    if (policy.onDrainTimeout() == Policy.DrainTimeoutAction.FORCE) {
      int canceled = cluster.cancelWork(n.id());
      return Outcome.done(
          "forced: " + left + (canceled == 0 ? "" : "; asked the cluster to cancel " + canceled));
    }
    return Outcome.fail(
        left
            + "; its work is never interrupted by default "
            + "(onDrainTimeout FORCE would stop it anyway)");
  }

  private Outcome waitForNode(PlanStep step, Instant now, String why) {
    Instant deadline = steps.get(step.id()).startedAt().plus(policy.healthDeadline());
    return now.isBefore(deadline)
        ? Outcome.waitUntil(min(deadline, now.plus(policy.pollInterval())))
        : Outcome.fail(why + " after " + Durations.format(policy.healthDeadline()));
  }

  /** Waits while a safety rule objects, up to the blocked timeout from the step's start. */
  private Outcome blockedUntil(StepState st, Instant now, String why) {
    return now.isBefore(st.startedAt().plus(policy.blockedTimeout()))
        ? Outcome.blocked(why)
        : Outcome.fail(
            "could not go on safely for " + Durations.format(policy.blockedTimeout()) + ": " + why);
  }

  /** Sends a command unless it was sent less than a poll interval ago. */
  private Outcome issue(PlanStep step, StepState st, Instant now, Runnable command) {
    if (st.issuedAt() != null && now.isBefore(st.issuedAt().plus(policy.pollInterval()))) {
      return Outcome.waitUntil(st.issuedAt().plus(policy.pollInterval()));
    }
    intend(step, st, now);
    command.run();
    return Outcome.sent();
  }

  /**
   * {@link #issue}s a command that takes {@code n} out of service, and counts it for this turn's
   * later checks.
   */
  private Outcome issueDisruption(
      PlanStep step, StepState st, Instant now, Node n, Guard guard, Runnable command) {
    Outcome o = issue(step, st, now, command);
    guard.disrupted(n);
    return o;
  }

  /**
   * Why taking {@code n} out of service now would break a safety rule, or null: its role's budget
   * (counting every node out of service, whoever took it out, and every disruption this run issued)
   * and its quorum ({@code removal}: it leaves the membership, so the quorum shrinks with it).
   * {@code snap} is null for a drain, which only the budget limits.
   */
  private String objection(ClusterSnapshot snap, Node n, Guard guard, boolean removal) {
    String budget = guard.budgetObjection(n);
    if (budget != null
        || snap == null
        || !n.voter()
        || !plan.constraints().quorumRoles().contains(n.role())) {
      return budget;
    }
    return guard.quorumObjection(snap, n, removal);
  }

  /** Whether {@code step} started a host operation that has not finished yet. */
  boolean operationRunning(PlanStep step) {
    StepState st = steps.get(step.id());
    return st != null
        && st.operation() != null
        && isHostOperation(step.action())
        && host.poll(st.operation()).state() == OperationStatus.State.RUNNING;
  }

  /** Whether {@code step} started a host operation that succeeded. */
  boolean operationSucceeded(PlanStep step) {
    StepState st = steps.get(step.id());
    return st != null
        && st.operation() != null
        && host.poll(st.operation()).state() == OperationStatus.State.SUCCEEDED;
  }

  static boolean isHostOperation(Action a) {
    return a instanceof Action.Snapshot
        || a instanceof Action.RestoreSnapshot
        || a instanceof Action.StopService
        || a instanceof Action.StartService
        || a instanceof Action.Upgrade
        || a instanceof Action.Provision
        || a instanceof Action.CopyFolders
        || a instanceof Action.Decommission;
  }

  /** Whether {@code a} takes its node out of service. */
  static boolean isDisruptive(Action a) {
    return a instanceof Action.Drain
        || a instanceof Action.StopService
        || a instanceof Action.RemoveMember
        || a instanceof Action.Decommission;
  }

  private Outcome hostOperation(
      PlanStep step,
      ClusterSnapshot snap,
      StepState st,
      Instant now,
      List<PlanStep> unitSteps,
      Guard guard) {
    if (st.operation() == null) {
      Optional<Node> n = snap.find(step.node());
      boolean disrupts =
          step.action() instanceof Action.StopService
              || step.action() instanceof Action.Decommission;
      if (disrupts && n.isPresent()) {
        if (n.get().leader()
            && !Restoration.isRestoreStep(step)
            && plan.constraints().leaderLast()
            && plan.constraints().quorumRoles().contains(n.get().role())) {
          String leader = leaderMustWait.apply(n.get().id());
          if (leader != null) {
            return Outcome.deferred(leader);
          }
        }
        String why = objection(snap, n.get(), guard, false);
        if (why != null) {
          return blockedUntil(st, now, why);
        }
        guard.disrupted(n.get());
      }
      // The intent first: a run resumed after a crash during the call asks again with the same
      // request id, and the port answers with the operation it already started.
      intend(step, st, now);
      OperationHandle h = submit(step, unitSteps);
      steps.put(step.id(), steps.get(step.id()).operating(h, now));
      checkpoint.run();
      st = steps.get(step.id());
    }
    OperationStatus s = host.poll(st.operation());
    if (s.state() == OperationStatus.State.SUCCEEDED) {
      return Outcome.done(s.detail());
    }
    if (s.state() == OperationStatus.State.FAILED) {
      return Outcome.fail(step.action().describe() + " failed: " + s.detail());
    }
    Instant deadline = st.actingSince().plus(policy.operationDeadline());
    if (!now.isBefore(deadline)) {
      return Outcome.fail(
          step.action().describe()
              + " on "
              + step.node()
              + " did not finish within the operation "
              + "deadline of "
              + Durations.format(policy.operationDeadline())
              + " (operation "
              + st.operation().id()
              + "); the host may still be changing: check it, or raise Policy.operationDeadline if it needs longer");
    }
    return Outcome.waitUntil(min(deadline, now.plus(policy.pollInterval())));
  }

  private OperationHandle submit(PlanStep step, List<PlanStep> unitSteps) {
    String req = runId + "/" + step.id();
    NodeId node = step.node();
    Action a = step.action();
    if (a instanceof Action.Snapshot) {
      return host.snapshot(req, node);
    }
    if (a instanceof Action.RestoreSnapshot) {
      return host.restore(req, node, snapshotOf(node, unitSteps));
    }
    if (a instanceof Action.StopService) {
      return host.stopService(req, node);
    }
    if (a instanceof Action.StartService) {
      return host.startService(req, node);
    }
    if (a instanceof Action.Upgrade u) {
      return host.upgrade(req, node, u.target());
    }
    if (a instanceof Action.Provision p) {
      return host.provision(req, node, p.replacing(), p.platform(), p.initialCap());
    }
    if (a instanceof Action.CopyFolders c) {
      return host.copyFolders(req, c.from(), node);
    }
    return host.decommission(req, node);
  }

  private OperationHandle snapshotOf(NodeId node, List<PlanStep> unitSteps) {
    for (PlanStep s : unitSteps) {
      StepState st = steps.get(s.id());
      if (s.action() instanceof Action.Snapshot
          && s.node().equals(node)
          && st != null
          && st.operation() != null) {
        return st.operation();
      }
    }
    throw new UpkeepException("no snapshot of " + node + " was taken in this run");
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  /**
   * Checks, before anything is touched, that every port, probe and hook the plan needs is there.
   */
  static void checkPrerequisites(
      UpgradePlan plan,
      HostPort host,
      Map<String, HealthProbe> probes,
      Map<String, NodeHook> hooks) {
    List<String> missing = new ArrayList<>();
    if (host == null && plan.steps().stream().anyMatch(s -> isHostOperation(s.action()))) {
      missing.add(
          "the plan changes hosts but the executor has no host port: call host(...) on its builder");
    }
    for (String p : plan.policy().probes()) {
      if (!probes.containsKey(p)) {
        missing.add(
            "the policy names probe '"
                + p
                + "' but no probe of that name is registered (registered: "
                + probes.keySet()
                + "): call probe(...) on the executor's builder");
      }
    }
    for (String h :
        plan.policy().hooks().stream().map(io.upkeep.Policy.Hook::name).distinct().toList()) {
      if (!hooks.containsKey(h)) {
        missing.add(
            "the policy runs hook '"
                + h
                + "' but no hook of that name is registered (registered: "
                + hooks.keySet()
                + "): call hook(...) on the executor's builder (an integration's procedures register "
                + "their own, such as NomadProcedures.executor)");
      }
    }
    if (!missing.isEmpty()) {
      throw new UpkeepException("cannot run plan " + plan.id() + ": " + String.join("; ", missing));
    }
  }
}
