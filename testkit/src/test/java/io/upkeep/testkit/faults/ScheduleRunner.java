package io.upkeep.testkit.faults;

import io.upkeep.Action;
import io.upkeep.ClusterSnapshot;
import io.upkeep.DrainState;
import io.upkeep.Durations;
import io.upkeep.Health;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.PlanStep;
import io.upkeep.PlanUnit;
import io.upkeep.PlanValidationException;
import io.upkeep.Policy;
import io.upkeep.RunReport;
import io.upkeep.RunState;
import io.upkeep.RunState.UnitStatus;
import io.upkeep.RunStatus;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeRun;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.spi.ClusterPort;
import io.upkeep.spi.HostPort;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.ForwardingClusterPort;
import io.upkeep.testkit.HostOperation;
import io.upkeep.testkit.InvariantMonitor;
import io.upkeep.testkit.NodeSpec;
import io.upkeep.testkit.ScriptedProbe;
import io.upkeep.testkit.VirtualClock;
import io.upkeep.testkit.faults.LogReplayChecker.FiredFault;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Runs one {@link Schedule} the way an operator would: plans, starts the run, lets the faults and
 * controls happen at their virtual times, calls {@code execute()} again after pauses and gates
 * (resuming, approving, declining), resumes a new executor from the journal after a crash, and
 * stops a run that makes no progress. Then checks it twice, with the testkit's {@link
 * InvariantMonitor} and with the independent {@link LogReplayChecker}.
 */
final class ScheduleRunner {

  /** {@code execute()} calls allowed beyond one per gate, pause and crash of the schedule. */
  static final int SPARE_EXECUTE_CALLS = 10;

  /** The operator resumes a run the executor paused this many times, then leaves it paused. */
  static final int MAX_EXECUTOR_PAUSES = 2;

  /**
   * At most this many observations per schedule: a guard against a loop that never lets time pass.
   */
  static final long MAX_OBSERVATIONS = 1_000_000;

  /**
   * The ports the executor and planner see: the fake itself, or a deliberately wrong wrapper
   * (negative controls).
   */
  interface Ports {
    /** What the run sees as its cluster port. */
    ClusterPort cluster(FakeCluster fake);

    /** What the run sees as its host port. */
    default HostPort host(FakeCluster fake) {
      return fake;
    }

    /** The fake itself. */
    Ports DIRECT = fake -> fake;
  }

  /**
   * What running a schedule came to.
   *
   * @param schedule the schedule
   * @param refusal why the planner refused it, or null if it ran
   * @param status where the run ended (null if refused)
   * @param reason the run's last reason
   * @param findings every violation found
   * @param trace what the harness did and saw, for a replay
   * @param virtual how much virtual time passed
   */
  record Result(
      Schedule schedule,
      String refusal,
      RunStatus status,
      String reason,
      List<Finding> findings,
      List<String> trace,
      Duration virtual) {
    boolean refused() {
      return refusal != null;
    }
  }

  /** The process dies: thrown from a listener, it unwinds out of execute(). */
  static final class SimulatedCrash extends Error {
    SimulatedCrash() {
      super("simulated crash", null, false, false);
    }
  }

  /**
   * The run stopped making progress, or took longer than any correct run could: thrown out of
   * execute().
   */
  static final class Stalled extends Error {
    Stalled(String why) {
      super(why, null, false, false);
    }
  }

  private final Schedule s;
  private final Ports ports;
  private final boolean verbose;
  private final VirtualClock clock = new VirtualClock();
  private final FakeCluster fake;
  private final List<FiredFault> fired = new ArrayList<>();
  private final List<String> trace = new ArrayList<>();
  private final List<Finding> findings = new ArrayList<>();
  private final Set<NodeId> drainedByOperator = new HashSet<>();
  private final Set<String> ourPauses = new HashSet<>();
  private final Set<Integer> crashPoints = new HashSet<>();
  private final Map<NodeId, Set<NodeId>> unitNodes = new HashMap<>();
  private UpgradePlan plan;
  private ScriptedProbe probe;
  private UpgradeRun run;
  private Instant start;
  private int runEvents;
  private String journal;
  private boolean executing;
  private Instant executingSince;
  private Duration executed = Duration.ZERO;
  private Instant lastProgress;
  private Duration stallBound;
  private Duration totalBound;
  private int callBound;

  private ScheduleRunner(Schedule s, Ports ports, boolean verbose) {
    this.s = s;
    this.ports = ports;
    this.verbose = verbose;
    FakeCluster.Builder b =
        FakeCluster.builder()
            .clock(clock)
            .seed(s.seed())
            .constraints(s.constraints())
            .forcesDrainAtDeadline(s.forcesDrainAtDeadline());
    s.nodes().forEach(b::node);
    if (s.workloadGap() != null) {
      b.workload(s.workloadGap(), s.workloadTask());
    }
    fake = b.build();
    s.nodes().stream().filter(NodeSpec::drained).forEach(n -> drainedByOperator.add(n.id()));
  }

  static Result run(Schedule s) {
    return run(s, Ports.DIRECT);
  }

  static Result run(Schedule s, Ports ports) {
    return new ScheduleRunner(s, ports, false).go();
  }

  /** Runs {@code s}, tracing every run event too: for a replay that a person reads. */
  static Result replay(Schedule s) {
    return new ScheduleRunner(s, Ports.DIRECT, true).go();
  }

  private Result go() {
    for (Schedule.Happening h : s.beforeRun()) {
      happen(h);
    }
    clock.sleep(Duration.ofMinutes(1));
    start = clock.now();
    ScriptedProbe.Builder pb = ScriptedProbe.builder(Schedule.PROBE, clock);
    for (Schedule.ProbeFailure f : s.probeFailures()) {
      pb.failsBetween(
          f.node(), start.plus(f.from()), f.until() == null ? Instant.MAX : start.plus(f.until()));
    }
    probe = pb.build();
    Guarded port = new Guarded(ports.cluster(fake));
    try {
      plan = UpgradePlanner.create(clock).plan(port, s.strategy(), s.target(), s.policy());
    } catch (PlanValidationException e) {
      return new Result(s, e.getMessage(), null, "", List.of(), trace, Duration.ZERO);
    } catch (RuntimeException e) {
      findings.add(new Finding("driver", "planner-threw", clock.now(), e.toString()));
      return new Result(s, null, null, "", findings, trace, Duration.ZERO);
    }
    for (PlanUnit u : plan.units()) {
      unitNodes.put(u.node(), u.steps().stream().map(PlanStep::node).collect(Collectors.toSet()));
    }
    InvariantMonitor monitor = InvariantMonitor.watch(fake, plan);
    if (plan.policy().onDrainTimeout() == Policy.DrainTimeoutAction.FORCE) {
      monitor.allowInterruptions();
    }
    ClusterSnapshot initial = fake.observe();
    int firstIndex = fake.eventCount();
    bounds();
    clock.schedule(stallBound.dividedBy(4), this::watchdog);
    for (Schedule.Happening h : s.happenings()) {
      clock.schedule(h.at(), () -> happen(h));
    }
    for (Schedule.Control c : s.controls()) {
      schedule(c);
    }

    boolean ended = drive(port);

    RunState state = run.state();
    LogReplayChecker.End end = null;
    if (ended) {
      monitor.checkFinal();
      Map<NodeId, UnitStatus> statuses = new LinkedHashMap<>();
      Set<NodeId> inFlight = new HashSet<>();
      state
          .units()
          .forEach(
              (id, u) -> {
                statuses.put(id, u.status());
                if (u.status() == UnitStatus.RUNNING || u.status() == UnitStatus.RESTORING) {
                  inFlight.addAll(unitNodes.get(id));
                }
              });
      end = new LogReplayChecker.End(statuses, inFlight);
    }
    for (InvariantMonitor.Violation v : monitor.violations()) {
      findings.add(new Finding("monitor", v.invariant(), v.at(), v.detail()));
    }
    List<ClusterEvent> log = fake.events();
    findings.addAll(
        LogReplayChecker.check(
            plan,
            initial.nodes(),
            initial.maintenanceMode(),
            log.subList(firstIndex, log.size()),
            firstIndex,
            fired,
            end));
    return new Result(
        s,
        null,
        state.status(),
        state.reason(),
        findings,
        trace,
        Duration.between(start, clock.now()));
  }

  /** Calls execute() as an operator would until the run ends; false if it never did. */
  private boolean drive(Guarded port) {
    run = executor(port).start(plan);
    int executorPauses = 0;
    int approvalRequests = 0;
    for (int calls = 1; ; calls++) {
      if (calls > callBound) {
        findings.add(
            new Finding(
                "driver",
                "liveness",
                clock.now(),
                "the run had not ended after "
                    + callBound
                    + " execute() calls (two per gate of its plan, one per pause and crash, and "
                    + SPARE_EXECUTE_CALLS
                    + " more); it is "
                    + run.report().summary()));
        return false;
      }
      RunReport report;
      executing = true;
      executingSince = clock.now();
      lastProgress = executingSince;
      try {
        report = run.execute();
      } catch (SimulatedCrash crash) {
        trace.add(
            at()
                + " the process crashes after run event #"
                + runEvents
                + "; a new one resumes from the journal");
        try {
          run =
              executor(port)
                  .resume(UpgradePlan.fromJson(plan.toJson()), RunState.fromJson(journal));
        } catch (RuntimeException e) {
          findings.add(
              new Finding(
                  "driver", "crash-resume", clock.now(), "resuming from the journal failed: " + e));
          return false;
        }
        continue;
      } catch (Stalled stalled) {
        findings.add(new Finding("driver", "liveness", clock.now(), stalled.getMessage()));
        return false;
      } catch (RuntimeException e) {
        findings.add(
            new Finding(
                "driver",
                "executor-threw",
                clock.now(),
                e
                    + " at "
                    + Arrays.stream(e.getStackTrace())
                        .limit(4)
                        .map(StackTraceElement::toString)
                        .collect(Collectors.joining(" < "))));
        return false;
      } finally {
        executing = false;
        executed = executed.plus(Duration.between(executingSince, clock.now()));
      }
      trace.add(at() + " execute() #" + calls + " returned " + report.summary());
      if (report.status().terminal()) {
        return true;
      }
      if (!report.awaitingApproval().isEmpty()) {
        clock.sleep(s.thinkTime());
        for (String gate : report.awaitingApproval()) {
          if (++approvalRequests == s.declineApproval()) {
            trace.add(at() + " operator declines '" + gate + "'");
            run.decline(gate, "the operator said no");
            break;
          }
          trace.add(at() + " operator approves '" + gate + "'");
          run.approve(gate);
        }
        continue;
      }
      if (report.status() == RunStatus.PAUSED) {
        if (report.reason().isBlank()) {
          findings.add(
              new Finding("driver", "liveness", clock.now(), "the run paused without saying why"));
        }
        if (ourPauses.contains(report.reason()) || executorPauses++ < MAX_EXECUTOR_PAUSES) {
          clock.sleep(s.thinkTime());
          trace.add(at() + " operator resumes");
          run.resume();
          continue;
        }
        trace.add(at() + " operator leaves the run paused: " + report.reason());
        return true;
      }
      // AWAITING_APPROVAL of nothing, or an execute() that returned mid-run: call again, within the
      // bound.
      clock.sleep(s.thinkTime());
    }
  }

  private UpgradeExecutor executor(Guarded port) {
    UpgradeExecutor.Builder b =
        UpgradeExecutor.builder()
            .cluster(port)
            .host(ports.host(fake))
            .time(clock)
            .probe(probe)
            .listener(this::onEvent);
    if (s.withTraffic()) {
      b.traffic(fake);
    }
    return b.build();
  }

  private void onEvent(UpgradeEvent e) {
    runEvents++;
    lastProgress = clock.now();
    if (verbose) {
      trace.add(at() + " #" + runEvents + " " + e.describe());
    }
    if (crashPoints.remove(runEvents)) {
      journal = run.state().toJson();
      throw new SimulatedCrash();
    }
  }

  private void watchdog() {
    if (executing) {
      Instant now = clock.now();
      Duration quiet = Duration.between(lastProgress, now);
      Duration total = executed.plus(Duration.between(executingSince, now));
      if (quiet.compareTo(stallBound) > 0) {
        throw new Stalled(
            "the run made no progress (no run event) for "
                + Durations.format(quiet)
                + ", longer than any deadline of its policy allows ("
                + Durations.format(stallBound)
                + "); it is "
                + run.report().summary());
      }
      if (total.compareTo(totalBound) > 0) {
        throw new Stalled(
            "the run had not ended after "
                + Durations.format(total)
                + " of execution, the most "
                + plan.units().size()
                + " unit(s) under this policy can take ("
                + Durations.format(totalBound)
                + ")");
      }
    }
    clock.schedule(stallBound.dividedBy(4), this::watchdog);
  }

  /**
   * Stall bound: the longest any single wait of a correct run may last (a deadline, a soak, a host
   * operation) plus a few polls. Total bound: every unit's deadlines one after the other, twice (a
   * restore after a failure), plus the blocked timeouts of the pauses the operator resumes. Call
   * bound: each gate of the plan may return from execute() twice (once more when undone), each
   * pause and crash once.
   */
  private void bounds() {
    Policy p = plan.policy();
    long gates =
        plan.steps().stream()
            .filter(
                st ->
                    st.action() instanceof Action.Approval
                        || (st.action() instanceof Action.SetTrafficWeight && !s.withTraffic()))
            .count();
    callBound = (int) (2 * gates) + s.controls().size() + MAX_EXECUTOR_PAUSES + SPARE_EXECUTE_CALLS;
    Duration longestOp = Duration.ZERO;
    for (HostOperation op : HostOperation.values()) {
      longestOp = max(longestOp, op.defaultDuration());
    }
    for (NodeSpec n : s.nodes()) {
      for (Duration d : n.durations().values()) {
        longestOp = max(longestOp, d);
      }
    }
    Duration longestWait =
        max(
            max(max(p.drainDeadline(), p.healthDeadline()), p.operationDeadline()),
            max(p.blockedTimeout(), max(p.canarySoak(), max(p.rampSoak(), p.settle()))));
    stallBound =
        longestWait
            .plus(longestOp)
            .plus(p.pollInterval().multipliedBy(3))
            .plus(Duration.ofMinutes(10));
    Duration perUnit =
        p.drainDeadline()
            .plus(p.blockedTimeout())
            .plus(p.healthDeadline().multipliedBy(4))
            .plus(p.operationDeadline().multipliedBy(2))
            .plus(p.canarySoak())
            .plus(p.rampSoak().multipliedBy(p.trafficRamp().size() + p.taskRamp().size() + 2))
            .plus(p.settle().multipliedBy(2))
            .plus(Duration.ofHours(2));
    totalBound =
        perUnit
            .multipliedBy(2L * Math.max(1, plan.units().size()))
            .plus(p.blockedTimeout().multipliedBy(MAX_EXECUTOR_PAUSES + 1))
            .plus(Duration.ofHours(1));
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  // ---------------------------------------------------------------- what happens around the run

  private void schedule(Schedule.Control c) {
    if (c instanceof Schedule.Crash crash) {
      crashPoints.add(crash.afterEvents());
    } else if (c instanceof Schedule.Pause p) {
      clock.schedule(
          p.at(),
          () -> {
            String why = "operator pause at +" + Durations.format(p.at());
            ourPauses.add(why);
            trace.add(at() + " operator pauses");
            run.pause(why);
          });
    } else if (c instanceof Schedule.Resume r) {
      clock.schedule(
          r.at(),
          () -> {
            trace.add(at() + " operator resumes (whether or not paused)");
            run.resume();
          });
    } else if (c instanceof Schedule.Abort a) {
      clock.schedule(
          a.at(),
          () -> {
            if (a.rollback()) {
              trace.add(at() + " operator aborts");
              run.abort("operator abort at +" + Durations.format(a.at()));
            } else {
              trace.add(at() + " operator aborts without rollback");
              run.abortWithoutRollback("operator abort at +" + Durations.format(a.at()));
            }
          });
    } else if (c instanceof Schedule.Approve a) {
      clock.schedule(
          a.at(),
          () -> {
            try {
              run.approve(a.gate());
              trace.add(at() + " operator approves '" + a.gate() + "' ahead of time");
            } catch (IllegalArgumentException e) {
              // A gate the plan does not have: refused, and nothing changes (issue 7, behaviour
              // 14).
              trace.add(
                  at()
                      + " operator's approval of '"
                      + a.gate()
                      + "' is refused: "
                      + e.getMessage());
            }
          });
    }
  }

  private void happen(Schedule.Happening h) {
    if (h instanceof Schedule.InjectFault f) {
      fired.add(new FiredFault(fake.eventCount(), f.fault()));
      fake.inject(f.fault());
      trace.add(at() + " " + Schedule.describe(h));
    } else if (h instanceof Schedule.MoveLeadership m) {
      List<Node> voters =
          fake.observe().withRole(m.role()).stream()
              .filter(n -> n.voter() && n.health() == Health.HEALTHY)
              .toList();
      if (!voters.isEmpty()) {
        NodeId to = voters.get(m.pick() % voters.size()).id();
        fake.transferLeadership(to);
        trace.add(at() + " leadership of " + m.role() + " moves to " + to);
      }
    } else if (h instanceof Schedule.Join j) {
      if (fake.observe().find(j.spec().id()).isEmpty()) {
        try {
          fake.join(j.spec());
          trace.add(at() + " " + Schedule.describe(h));
        } catch (IllegalArgumentException e) {
          trace.add(at() + " join skipped: " + e.getMessage());
        }
      }
    } else if (h instanceof Schedule.OperatorDrain d) {
      fake.node(d.node())
          .filter(n -> n.drainState() == DrainState.ACTIVE)
          .ifPresent(
              n -> {
                if (inRunsHands(d.node())) {
                  trace.add(
                      at()
                          + " operator would drain "
                          + d.node()
                          + " but the run has it in hand; skipped");
                } else {
                  fake.operatorDrain(d.node());
                  drainedByOperator.add(d.node());
                  trace.add(at() + " operator drains " + d.node());
                }
              });
    } else if (h instanceof Schedule.OperatorUndrain u) {
      fake.node(u.node())
          .filter(n -> n.drainState() != DrainState.ACTIVE && drainedByOperator.contains(u.node()))
          .ifPresent(
              n -> {
                if (inRunsHands(u.node())) {
                  trace.add(
                      at()
                          + " operator would undrain "
                          + u.node()
                          + " but the run has it in hand; skipped");
                } else {
                  fake.operatorUndrain(u.node());
                  drainedByOperator.remove(u.node());
                  trace.add(at() + " operator undrains " + u.node());
                }
              });
    }
  }

  /**
   * Whether a unit in flight acts on {@code node}: the operator then keeps their hands off it,
   * since no executor could tell their drain from its own.
   */
  private boolean inRunsHands(NodeId node) {
    if (run == null) {
      return false;
    }
    for (Map.Entry<NodeId, RunState.UnitState> e : run.state().units().entrySet()) {
      UnitStatus st = e.getValue().status();
      if ((st == UnitStatus.RUNNING || st == UnitStatus.RESTORING)
          && unitNodes.get(e.getKey()).contains(node)) {
        return true;
      }
    }
    return false;
  }

  private String at() {
    return "+"
        + Durations.format(Duration.between(start == null ? clock.now() : start, clock.now()));
  }

  /**
   * The run's cluster port, counting observations so that a loop that never lets time pass still
   * ends.
   */
  private final class Guarded extends ForwardingClusterPort {
    private long observations;

    Guarded(ClusterPort delegate) {
      super(delegate);
    }

    @Override
    public ClusterSnapshot observe() {
      if (++observations > MAX_OBSERVATIONS && executing) {
        throw new Stalled(
            "the run observed the cluster " + MAX_OBSERVATIONS + " times without ending");
      }
      return super.observe();
    }
  }
}
