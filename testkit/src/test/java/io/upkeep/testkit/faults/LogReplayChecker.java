package io.upkeep.testkit.faults;

import io.upkeep.Constraints;
import io.upkeep.DrainState;
import io.upkeep.Health;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.Role;
import io.upkeep.RunState.UnitStatus;
import io.upkeep.Strategy;
import io.upkeep.TaskCap;
import io.upkeep.UpgradePlan;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.Fault;
import io.upkeep.testkit.HostOperation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An independent checker of a run's safety: it replays the fake cluster's event log with its own
 * model of every node, sharing no code with {@code InvariantMonitor}, so that a bug in one cannot
 * hide a bug in the executor. What it knows of the cluster comes from three inputs only: the
 * members as observed when the run started, the event log since then, and the faults the harness
 * injected (with where in the log they took effect). Not thread-safe; one per run.
 */
final class LogReplayChecker {

  /** A fault the harness injected, and the size of the event log at that moment. */
  record FiredFault(int logIndex, Fault fault) {}

  /**
   * How the run ended, for the end-of-run checks; null when it never ended (liveness failed).
   *
   * @param units each unit's status at the end
   * @param inFlight nodes of units still in flight, which the final-state check leaves alone
   */
  record End(Map<NodeId, UnitStatus> units, Set<NodeId> inFlight) {}

  /** One node as the log tells it. */
  private static final class Model {
    final NodeId id;
    final Role role;
    final boolean original;
    boolean member;
    boolean serviceRunning;
    boolean hung;
    boolean lost;
    boolean vanished;
    boolean retired;
    boolean drainRequested;
    boolean operatorWantsDrained;
    boolean neverReturns;
    boolean faulted;

    /**
     * Drained by the operator before the run: their capacity decision, not counted against the
     * budget.
     */
    boolean baseline;

    /** A stop or decommission was decided and has not landed yet. */
    boolean stopPending;

    boolean voter;
    TaskCap cap;
    Platform platform;
    final TaskCap originalCap;
    final Platform originalPlatform;

    Model(NodeId id, Role role, boolean original, TaskCap cap, Platform platform) {
      this.id = id;
      this.role = role;
      this.original = original;
      this.cap = cap;
      this.platform = platform;
      this.originalCap = cap;
      this.originalPlatform = platform;
    }

    boolean healthy() {
      return member && serviceRunning && !hung && !lost && !stopPending;
    }

    /**
     * Out of service for the budget. Only members count: a node retired by the run or removed by
     * someone else is no longer part of its group.
     */
    boolean out() {
      return member && !baseline && (!healthy() || drainRequested);
    }
  }

  private final UpgradePlan plan;
  private final Policy policy;
  private final Map<NodeId, Model> nodes = new LinkedHashMap<>();
  private final Map<Role, NodeId> leaders = new HashMap<>();
  private final Map<NodeId, Boolean> pendingNeverReturns = new HashMap<>();
  private final List<Finding> findings = new ArrayList<>();
  private boolean maintenance;

  private LogReplayChecker(UpgradePlan plan, List<Node> initial, boolean maintenanceAtStart) {
    this.plan = plan;
    this.policy = plan.policy();
    this.maintenance = maintenanceAtStart;
    for (Node n : initial) {
      Model m = new Model(n.id(), n.role(), true, n.taskCap(), n.platform());
      m.member = true;
      m.serviceRunning = n.health() == Health.HEALTHY;
      m.lost = n.health() == Health.UNREACHABLE;
      m.drainRequested = n.drainState() != DrainState.ACTIVE;
      m.operatorWantsDrained = m.drainRequested;
      m.baseline = m.drainRequested && n.health() == Health.HEALTHY;
      m.voter = n.voter();
      nodes.put(n.id(), m);
      if (n.leader()) {
        leaders.put(n.role(), n.id());
      }
    }
  }

  /**
   * Replays {@code log} (the events recorded from the start of the run on; {@code firstIndex} is
   * the first one's index in the whole log) and returns every violation.
   */
  static List<Finding> check(
      UpgradePlan plan,
      List<Node> initial,
      boolean maintenanceAtStart,
      List<ClusterEvent> log,
      int firstIndex,
      List<FiredFault> faults,
      End end) {
    LogReplayChecker c = new LogReplayChecker(plan, initial, maintenanceAtStart);
    int f = 0;
    for (FiredFault ff : faults) {
      if (ff.logIndex() < firstIndex) {
        c.apply(ff.fault());
        f++;
      }
    }
    for (int i = 0; i < log.size(); i++) {
      while (f < faults.size() && faults.get(f).logIndex() <= firstIndex + i) {
        c.apply(faults.get(f++).fault());
      }
      c.replay(log.get(i));
    }
    while (f < faults.size()) {
      c.apply(faults.get(f++).fault());
    }
    if (end != null) {
      c.checkEnd(end);
    }
    return c.findings;
  }

  private void apply(Fault fault) {
    Model m = nodes.get(fault.node());
    boolean excuses =
        fault instanceof Fault.NodeLost
            || fault instanceof Fault.NeverReturns
            || fault instanceof Fault.OperationHangs
            || fault instanceof Fault.Vanishes;
    if (m == null) {
      // A fault on a node still to be provisioned takes effect when it is.
      if (fault instanceof Fault.NeverReturns || excuses) {
        pendingNeverReturns.merge(
            fault.node(), fault instanceof Fault.NeverReturns, Boolean::logicalOr);
      }
      return;
    }
    m.faulted |= excuses;
    m.neverReturns |= fault instanceof Fault.NeverReturns;
  }

  // ---------------------------------------------------------------- replay

  private void replay(ClusterEvent e) {
    if (e instanceof ClusterEvent.MaintenanceModeChanged mm) {
      maintenance = mm.on();
      return;
    }
    ClusterEvent.NodeEvent ne = (ClusterEvent.NodeEvent) e;
    if (e instanceof ClusterEvent.Appeared a) {
      Model m = new Model(a.node(), a.role(), false, a.cap(), a.platform());
      m.member = true;
      m.serviceRunning = true;
      m.voter = a.voter();
      m.drainRequested = a.drained();
      nodes.put(a.node(), m);
      return;
    }
    if (e instanceof ClusterEvent.Provisioned p) {
      Model old = nodes.get(p.replacing());
      Model m = new Model(p.node(), old.role, false, TaskCap.ZERO, p.platform());
      Boolean never = pendingNeverReturns.remove(p.node());
      if (never != null) {
        m.faulted = true;
        m.neverReturns = never;
      }
      nodes.put(p.node(), m);
      return;
    }
    Model m = nodes.get(ne.node());
    if (m == null && e instanceof ClusterEvent.OperationRequested) {
      // The provision of a host the log introduces once it is provisioned.
      return;
    }
    if (m == null && e instanceof ClusterEvent.Outside) {
      // A host still being provisioned was lost: it never joins, and its provision fails.
      return;
    }
    if (m == null) {
      findings.add(
          new Finding(
              "replay", "model", e.at(), "event about a node the log never introduced: " + e));
      return;
    }
    boolean wasOut = m.out();
    boolean wasHealthy = m.healthy();
    if (e instanceof ClusterEvent.TaskCapChanged c) {
      m.cap = c.to();
    } else if (e instanceof ClusterEvent.DrainStarted) {
      m.drainRequested = true;
      disrupted(e, m, wasOut);
    } else if (e instanceof ClusterEvent.Undrained) {
      m.drainRequested = false;
    } else if (e instanceof ClusterEvent.OperatorDrained) {
      m.drainRequested = true;
      m.operatorWantsDrained = true;
    } else if (e instanceof ClusterEvent.OperatorUndrained) {
      m.drainRequested = false;
      m.operatorWantsDrained = false;
    } else if (e instanceof ClusterEvent.OperationRequested r) {
      requested(r, m, wasOut, wasHealthy);
    } else if (e instanceof ClusterEvent.ServiceStopped) {
      m.serviceRunning = false;
      m.stopPending = false;
      leaderGone(m);
    } else if (e instanceof ClusterEvent.ServiceStarted) {
      m.serviceRunning = true;
      m.hung = m.neverReturns;
    } else if (e instanceof ClusterEvent.Joined j) {
      m.member = true;
      m.cap = j.cap();
      m.voter = j.voter();
    } else if (e instanceof ClusterEvent.Removed) {
      m.member = false;
      m.retired = true;
      quorum(e, m, wasHealthy);
      leaderGone(m);
    } else if (e instanceof ClusterEvent.Decommissioned) {
      m.serviceRunning = false;
      m.stopPending = false;
      m.retired |= !m.member;
      leaderGone(m);
    } else if (e instanceof ClusterEvent.Upgraded u) {
      m.platform = u.to();
    } else if (e instanceof ClusterEvent.SnapshotRestored s) {
      m.platform = s.platform();
    } else if (e instanceof ClusterEvent.LeaderElected) {
      leaders.put(m.role, m.id);
    } else if (e instanceof ClusterEvent.NodeLost) {
      m.stopPending = false;
      m.lost = true;
      m.faulted = true;
      m.serviceRunning = false;
      leaderGone(m);
    } else if (e instanceof ClusterEvent.Vanished) {
      m.member = false;
      m.vanished = true;
      m.lost = true;
      m.faulted = true;
      m.serviceRunning = false;
      leaderGone(m);
    } else if (e instanceof ClusterEvent.WorkInterrupted w) {
      if (policy.onDrainTimeout() != Policy.DrainTimeoutAction.FORCE) {
        findings.add(
            new Finding(
                "replay",
                "no-work-interrupted",
                e.at(),
                w.tasks()
                    + " task(s) on "
                    + m.id
                    + " were interrupted by the run, whose policy never forces a drain"));
      }
    }
  }

  /**
   * A stop or decommission is judged when it is decided, counting those decided earlier that have
   * not landed as done: a fault while it runs is not the run's doing.
   */
  private void requested(
      ClusterEvent.OperationRequested r, Model m, boolean wasOut, boolean wasHealthy) {
    if (r.operation() == HostOperation.START_SERVICE) {
      m.stopPending = false;
      return;
    }
    if ((r.operation() != HostOperation.STOP_SERVICE && r.operation() != HostOperation.DECOMMISSION)
        || !m.member
        || !m.serviceRunning) {
      return;
    }
    leaderLast(r, m);
    m.stopPending = true;
    quorum(r, m, wasHealthy);
    disrupted(r, m, wasOut);
  }

  private void leaderGone(Model m) {
    if (m.id.equals(leaders.get(m.role))) {
      leaders.remove(m.role);
    }
  }

  /**
   * Budget: an orchestrator action that takes an original node out must stay within its role's
   * budget.
   */
  private void disrupted(ClusterEvent e, Model m, boolean wasOut) {
    if (!m.original || wasOut || !m.out()) {
      return;
    }
    List<NodeId> out = new ArrayList<>();
    for (Model o : nodes.values()) {
      if (o.original && o.role.equals(m.role) && o.out()) {
        out.add(o.id);
      }
    }
    int budget = plan.budgets().getOrDefault(m.role, 0);
    if (out.size() > budget) {
      findings.add(
          new Finding(
              "replay",
              "budget",
              e.at(),
              name(e)
                  + " of "
                  + m.id
                  + " made "
                  + out.size()
                  + " original "
                  + m.role
                  + " node(s) out of service "
                  + describe(out)
                  + ", above the budget of "
                  + budget));
    }
  }

  private String describe(List<NodeId> out) {
    List<String> parts = new ArrayList<>();
    for (NodeId id : out) {
      Model o = nodes.get(id);
      parts.add(
          id + (o.vanished ? " vanished" : o.lost ? " lost" : !o.healthy() ? " down" : " drained"));
    }
    return parts.toString();
  }

  /** Quorum: taking a healthy voter down must leave a majority of the role's voters healthy. */
  private void quorum(ClusterEvent e, Model m, boolean wasHealthy) {
    if (!m.voter || !wasHealthy || !plan.constraints().quorumRoles().contains(m.role)) {
      return;
    }
    int voters = 0;
    int healthy = 0;
    for (Model o : nodes.values()) {
      if (o.role.equals(m.role) && o.voter && o.member) {
        voters++;
        healthy += o.healthy() ? 1 : 0;
      }
    }
    int quorum = Constraints.quorum(voters);
    if (healthy < quorum) {
      findings.add(
          new Finding(
              "replay",
              "quorum",
              e.at(),
              name(e)
                  + " of voter "
                  + m.id
                  + " left "
                  + healthy
                  + " of "
                  + voters
                  + " "
                  + m.role
                  + " voters healthy, below the quorum of "
                  + quorum));
    }
  }

  /**
   * Leader last: whoever leads when it is stopped must be the last original voter of its role still
   * to upgrade.
   */
  private void leaderLast(ClusterEvent e, Model m) {
    if (!plan.constraints().leaderLast()
        || !plan.constraints().quorumRoles().contains(m.role)
        || !m.id.equals(leaders.get(m.role))
        || !m.healthy()) {
      return;
    }
    List<NodeId> behind = new ArrayList<>();
    for (Model o : nodes.values()) {
      // Every original voter still behind counts, selected or not: upgrading only the leader is
      // itself what issue 7 asks the planner to refuse or warn about.
      if (o.original
          && o.voter
          && o.role.equals(m.role)
          && !o.id.equals(m.id)
          && o.member
          && !o.retired
          && !plan.target().isMetBy(o.platform)) {
        behind.add(o.id);
      }
    }
    if (!behind.isEmpty()) {
      findings.add(
          new Finding(
              "replay",
              "leader-last",
              e.at(),
              name(e)
                  + " of "
                  + m.id
                  + " while it led "
                  + m.role
                  + " and "
                  + behind
                  + " were not yet on "
                  + plan.target()));
    }
  }

  // ---------------------------------------------------------------- end of the run

  private void checkEnd(End end) {
    for (Model m : nodes.values()) {
      if (!m.original
          || m.retired
          || m.faulted
          || end.inFlight().contains(m.id)
          || cloneBroken(m)) {
        continue;
      }
      List<String> wrong = wrongs(m);
      if (!wrong.isEmpty()) {
        findings.add(
            new Finding(
                "replay", "final-state", null, m.id + " ended " + String.join(", ", wrong)));
      }
    }
    if (maintenance) {
      findings.add(
          new Finding("replay", "final-state", null, "cluster maintenance mode was left on"));
    }
    end.units()
        .forEach(
            (id, status) -> {
              Model m = nodes.get(id);
              if (status == UnitStatus.RESTORED) {
                if (m.retired) {
                  findings.add(
                      new Finding(
                          "replay",
                          "honesty",
                          null,
                          id
                              + " is reported RESTORED, but the run "
                              + (m.member ? "decommissioned" : "removed")
                              + " it: it is past its point of no return"));
                } else if (!m.faulted) {
                  List<String> wrong = wrongs(m);
                  if (!m.platform.equals(m.originalPlatform)) {
                    wrong.add("on " + m.platform + " instead of " + m.originalPlatform);
                  }
                  if (!wrong.isEmpty()) {
                    findings.add(
                        new Finding(
                            "replay",
                            "honesty",
                            null,
                            id + " is reported RESTORED, but it is " + String.join(", ", wrong)));
                  }
                }
              } else if (status == UnitStatus.DONE) {
                Model serving = nodes.get(servingNode(id));
                if (serving == null) {
                  findings.add(
                      new Finding(
                          "replay",
                          "honesty",
                          null,
                          id
                              + " is reported upgraded, but "
                              + servingNode(id)
                              + " was never provisioned"));
                } else if (!serving.faulted
                    && !m.faulted
                    && (!serving.member
                        || serving.retired
                        || !plan.target().isMetBy(serving.platform))) {
                  findings.add(
                      new Finding(
                          "replay",
                          "honesty",
                          null,
                          id
                              + " is reported upgraded, but "
                              + serving.id
                              + " is "
                              + (serving.member && !serving.retired
                                  ? "on " + serving.platform
                                  : "not a member")));
                }
              }
            });
  }

  /**
   * Whether {@code m} is the source of a clone a fault broke: the source must then stay stopped,
   * since a clone that cannot be stopped may still use the shared database.
   */
  private boolean cloneBroken(Model m) {
    if (!(plan.strategy() instanceof Strategy.CloneAndMigrate)) {
      return false;
    }
    Model clone = nodes.get(servingNode(m.id));
    return clone != null && clone.faulted;
  }

  private List<String> wrongs(Model m) {
    List<String> wrong = new ArrayList<>();
    if (!m.member) {
      wrong.add("not a member");
    } else if (!m.healthy()) {
      wrong.add("unhealthy (service " + (m.serviceRunning ? "running" : "stopped") + ")");
    }
    if (m.drainRequested != m.operatorWantsDrained) {
      wrong.add(
          m.drainRequested
              ? "drained, though the operator had it active"
              : "active, though the operator had drained it (undo only what Upkeep did)");
    }
    if (!m.cap.equals(m.originalCap)) {
      wrong.add("at task cap " + m.cap + " instead of " + m.originalCap);
    }
    return wrong;
  }

  private NodeId servingNode(NodeId unit) {
    Strategy s = plan.strategy();
    if (s instanceof Strategy.RollingReplace r) {
      return NodeId.of(unit.value() + r.newNodeSuffix());
    }
    if (s instanceof Strategy.CloneAndMigrate c) {
      return NodeId.of(unit.value() + c.cloneSuffix());
    }
    return unit;
  }

  private static String name(ClusterEvent e) {
    return e instanceof ClusterEvent.OperationRequested r
        ? "request of " + r.operation()
        : e.getClass().getSimpleName();
  }
}
