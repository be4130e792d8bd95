package io.upkeep.internal;

import io.upkeep.ClusterOperationException;
import io.upkeep.ClusterSnapshot;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.PlanStep;
import io.upkeep.PlanUnit;
import io.upkeep.Policy;
import io.upkeep.Role;
import io.upkeep.RunReport;
import io.upkeep.RunState;
import io.upkeep.RunState.NodeOrigin;
import io.upkeep.RunState.StepState;
import io.upkeep.RunState.UnitState;
import io.upkeep.RunState.UnitStatus;
import io.upkeep.RunStatus;
import io.upkeep.UpgradePlan;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.event.UpgradeListener;
import io.upkeep.spi.ClusterPort;
import io.upkeep.spi.HealthProbe;
import io.upkeep.spi.HostPort;
import io.upkeep.spi.TimeSource;
import io.upkeep.spi.TrafficPort;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reconciling loop behind {@link io.upkeep.UpgradeRun}. Each turn: observe, advance every unit
 * in flight by one step outcome, start pending units into free budget slots (longest expected
 * first), then wait for a change or the earliest timer. All progress lives in maps of plain values,
 * so {@link #state()} is always a faithful, resumable {@link RunState}.
 */
public final class Reconciler {

  private static final Logger LOG = LoggerFactory.getLogger("io.upkeep.run");

  private final UpgradePlan plan;
  private final Policy policy;
  private final String runId;
  private final ClusterPort cluster;
  private final TimeSource time;
  private final List<UpgradeListener> listeners;
  private final StepDriver driver;

  private final Map<NodeId, PlanUnit> planUnits = new LinkedHashMap<>();
  private final Map<NodeId, Integer> planIndex = new HashMap<>();
  private final Map<NodeId, Set<NodeId>> unitNodes = new HashMap<>();
  private final Map<NodeId, UnitState> units = new LinkedHashMap<>();
  private final Map<String, StepState> steps = new HashMap<>();
  private final Map<NodeId, NodeOrigin> origins = new HashMap<>();
  private final Set<String> approvals = ConcurrentHashMap.newKeySet();
  private final Set<NodeId> active = new LinkedHashSet<>();
  private final Set<String> announced = new HashSet<>();
  private final Set<NodeId> hinted;
  /** Pending units free to start, or null when a unit's status changed and it must be worked out again. */
  private List<PlanUnit> readyCache;

  private RunStatus status = RunStatus.PENDING;
  private boolean announcedStart;
  private String reason = "";
  private Instant startedAt;
  private int failuresSinceResume;
  private Instant blockedSince;
  private Instant unobservedSince;
  private Duration doneTotal = Duration.ZERO;
  private int doneCount;
  private final Set<String> awaiting = new LinkedHashSet<>();

  // Control requests, applied at the start of a turn.
  private final Object control = new Object();
  private String pauseRequest;
  private boolean resumeRequest;
  private String abortRequest;
  private final List<String> newApprovals = new ArrayList<>();

  public Reconciler(UpgradePlan plan, RunState state, String runId, ClusterPort cluster, HostPort host,
      TrafficPort traffic, TimeSource time, Map<String, HealthProbe> probes, List<UpgradeListener> listeners) {
    StepDriver.checkPrerequisites(plan, host, probes);
    this.plan = plan;
    this.policy = plan.policy();
    this.runId = runId;
    this.cluster = cluster;
    this.time = time;
    this.listeners = listeners;
    this.hinted = new HashSet<>(policy.durationHints().keySet());
    this.driver = new StepDriver(plan, runId, cluster, host, traffic, probes, steps, approvals);
    int i = 0;
    for (PlanUnit u : plan.units()) {
      planUnits.put(u.node(), u);
      planIndex.put(u.node(), i++);
      Set<NodeId> nodes = new HashSet<>();
      u.steps().forEach(s -> nodes.add(s.node()));
      unitNodes.put(u.node(), nodes);
      units.put(u.node(), UnitState.pending());
    }
    if (state != null) {
      restore(state);
    }
  }

  private void restore(RunState state) {
    status = state.status() == RunStatus.AWAITING_APPROVAL ? RunStatus.RUNNING : state.status();
    reason = state.reason();
    startedAt = state.startedAt();
    failuresSinceResume = state.failuresSinceResume();
    units.putAll(state.units());
    steps.putAll(state.steps());
    origins.putAll(state.origins());
    approvals.addAll(state.approvals());
    units.forEach((id, u) -> {
      if (u.status() == UnitStatus.RUNNING || u.status() == UnitStatus.RESTORING) {
        active.add(id);
      }
      if (u.status() == UnitStatus.DONE) {
        recordDuration(Duration.between(u.startedAt(), u.finishedAt()));
      }
    });
  }

  // ---- control, from any thread ----

  public void pause(String why) {
    synchronized (control) {
      pauseRequest = why == null ? "" : why;
    }
  }

  public void resume() {
    synchronized (control) {
      resumeRequest = true;
      pauseRequest = null;
    }
  }

  public void abort(String why) {
    synchronized (control) {
      abortRequest = why == null ? "" : why;
    }
  }

  public void approve(String gate) {
    synchronized (control) {
      newApprovals.add(gate);
    }
    approvals.add(gate);
  }

  private void applyControls(Instant now) {
    String pauseWhy;
    boolean resumeNow;
    String abortWhy;
    List<String> approved;
    synchronized (control) {
      pauseWhy = pauseRequest;
      resumeNow = resumeRequest;
      abortWhy = abortRequest;
      approved = new ArrayList<>(newApprovals);
      pauseRequest = null;
      resumeRequest = false;
      abortRequest = null;
      newApprovals.clear();
    }
    for (String gate : approved) {
      emit(new UpgradeEvent.Approved(now, gate));
    }
    if (status.terminal()) {
      return;
    }
    if (abortWhy != null && status != RunStatus.ABORTING) {
      stopAndRestore(now, RunStatus.ABORTING, "aborted by operator" + (abortWhy.isEmpty() ? "" : ": " + abortWhy));
      return;
    }
    if (resumeNow && status == RunStatus.PAUSED) {
      failuresSinceResume = 0;
      blockedSince = null;
      setStatus(now, RunStatus.RUNNING, "resumed");
    }
    if (pauseWhy != null && (status == RunStatus.RUNNING || status == RunStatus.AWAITING_APPROVAL)) {
      setStatus(now, RunStatus.PAUSED, pauseWhy);
    }
    if (status == RunStatus.AWAITING_APPROVAL && !approved.isEmpty()) {
      setStatus(now, RunStatus.RUNNING, "");
    }
  }

  // ---- the loop ----

  public RunReport execute() {
    Instant now = time.now();
    if (status.terminal()) {
      return report();
    }
    if (startedAt == null) {
      startedAt = now;
    }
    if (!announcedStart) {
      announcedStart = true;
      emit(new UpgradeEvent.RunStarted(now, runId, plan.id(), planUnits.size()));
    }
    if (status == RunStatus.PENDING || status == RunStatus.AWAITING_APPROVAL) {
      status = RunStatus.RUNNING;
    }
    while (true) {
      now = time.now();
      applyControls(now);
      ClusterSnapshot snap;
      try {
        snap = cluster.observe();
      } catch (ClusterOperationException e) {
        if (!e.retryable()) {
          setStatus(now, RunStatus.PAUSED, "cannot observe the cluster: " + e.getMessage());
          return report();
        }
        if (unobservedSince == null) {
          unobservedSince = now;
        } else if (!now.isBefore(unobservedSince.plus(policy.blockedTimeout()))) {
          unobservedSince = null;
          setStatus(now, RunStatus.PAUSED, "cannot observe the cluster for " + io.upkeep.Durations.format(
              policy.blockedTimeout()) + ": " + e.getMessage() + "; fix the cluster or the connection, then resume");
          return report();
        }
        LOG.warn("observing the cluster failed, will retry: {}", e.getMessage());
        time.sleep(policy.pollInterval());
        continue;
      }
      unobservedSince = null;
      Turn turn = turn(snap, now);
      if (finished(now)) {
        return report();
      }
      boolean onlyApprovals = !active.isEmpty() && turn.awaitingApproval == active.size();
      if (status == RunStatus.PAUSED && (active.isEmpty() || onlyApprovals)) {
        return report();
      }
      if (awaiting.stream().anyMatch(approvals::contains)) {
        continue;
      }
      if (status == RunStatus.RUNNING && onlyApprovals && !turn.started) {
        setStatus(now, RunStatus.AWAITING_APPROVAL, "waiting for " + awaiting);
        return report();
      }
      if (checkBlocked(now)) {
        return report();
      }
      if (turn.progressed) {
        continue;
      }
      Instant wake = turn.wake == null ? now.plus(policy.pollInterval()) : turn.wake;
      Duration wait = Duration.between(now, wake);
      if (wait.compareTo(policy.pollInterval()) > 0) {
        wait = policy.pollInterval();
      }
      if (wait.isNegative() || wait.isZero()) {
        continue;
      }
      try {
        cluster.awaitChange(snap, wait);
      } catch (ClusterOperationException e) {
        time.sleep(wait);
      }
    }
  }

  private static final class Turn {
    boolean progressed;
    boolean started;
    int awaitingApproval;
    Instant wake;

    void wakeAt(Instant t) {
      if (t != null && (wake == null || t.isBefore(wake))) {
        wake = t;
      }
    }
  }

  private Turn turn(ClusterSnapshot snap, Instant now) {
    Turn turn = new Turn();
    awaiting.clear();
    for (NodeId id : new ArrayList<>(active)) {
      advanceUnit(id, snap, now, turn);
    }
    applyControls(now);
    if (status == RunStatus.RUNNING) {
      turn.started = startUnits(snap, now);
      turn.progressed |= turn.started;
    }
    return turn;
  }

  private List<PlanStep> currentSteps(NodeId id, UnitState u) {
    return u.status() == UnitStatus.RESTORING ? u.restoreSteps() : planUnits.get(id).steps();
  }

  private void advanceUnit(NodeId id, ClusterSnapshot snap, Instant now, Turn turn) {
    UnitState u = units.get(id);
    List<PlanStep> list = currentSteps(id, u);
    if (u.cursor() >= list.size()) {
      finishUnit(id, u, now);
      turn.progressed = true;
      return;
    }
    PlanStep step = list.get(u.cursor());
    if (!steps.containsKey(step.id())) {
      startStep(id, step, snap, now);
      turn.progressed = true;
    }
    Outcome o = driver.advance(step, snap, now, planUnits.get(id).steps());
    switch (o.kind()) {
      case DONE -> {
        emit(new UpgradeEvent.StepCompleted(now, id, step, o.detail()));
        units.put(id, new UnitState(u.status(), u.cursor() + 1, u.startedAt(), u.finishedAt(), u.failure(), u.restoreSteps()));
        turn.progressed = true;
      }
      case FAIL -> {
        emit(new UpgradeEvent.StepFailed(now, id, step, o.detail()));
        failUnit(id, o.detail(), now, true);
        turn.progressed = true;
      }
      case WAIT -> {
        turn.progressed |= o.issued();
        turn.wakeAt(o.wake());
        if (o.awaitingApproval()) {
          turn.awaitingApproval++;
          String gate = driver.gateOf(step);
          awaiting.add(gate);
          announceOnce(step, () -> emit(new UpgradeEvent.ApprovalRequested(now, id, gate, driver.instructionsOf(step))));
        } else if (!o.detail().isEmpty()) {
          announceOnce(step, () -> emit(new UpgradeEvent.UnitBlocked(now, id, o.detail())));
        }
      }
    }
  }

  private void announceOnce(PlanStep step, Runnable announce) {
    StepState st = steps.get(step.id());
    if (!st.requested()) {
      steps.put(step.id(), new StepState(st.startedAt(), st.issuedAt(), st.operation(), st.healthySince(), true));
      announce.run();
    }
  }

  private void startStep(NodeId unit, PlanStep step, ClusterSnapshot snap, Instant now) {
    snap.find(step.node()).ifPresent(n -> origins.putIfAbsent(n.id(), NodeOrigin.of(n)));
    steps.put(step.id(), new StepState(now, null, null, null, false));
    emit(new UpgradeEvent.StepStarted(now, unit, step));
  }

  private void finishUnit(NodeId id, UnitState u, Instant now) {
    readyCache = null;
    if (u.status() == UnitStatus.RESTORING && !u.restoreSteps().isEmpty() && isPlanStep(u.restoreSteps().get(0))) {
      restoreAfterInterruptedStep(id, u);
      return;
    }
    active.remove(id);
    if (u.status() == UnitStatus.RESTORING) {
      units.put(id, new UnitState(UnitStatus.RESTORED, u.cursor(), u.startedAt(), now, u.failure(), u.restoreSteps()));
      emit(new UpgradeEvent.UnitRestored(now, id));
      return;
    }
    units.put(id, new UnitState(UnitStatus.DONE, u.cursor(), u.startedAt(), now, "", List.of()));
    Duration took = Duration.between(u.startedAt(), now);
    recordDuration(took);
    emit(new UpgradeEvent.UnitCompleted(now, id, took));
  }

  private void recordDuration(Duration took) {
    doneTotal = doneTotal.plus(took);
    doneCount++;
  }

  /** Turns a unit to restoring; {@code counts} whether it counts against the failure threshold. */
  private void failUnit(NodeId id, String why, Instant now, boolean counts) {
    readyCache = null;
    UnitState u = units.get(id);
    if (u.status() == UnitStatus.RESTORING && isPlanStep(currentSteps(id, u).get(u.cursor()))) {
      restoreAfterInterruptedStep(id, u);
      return;
    }
    if (u.status() == UnitStatus.RESTORING) {
      active.remove(id);
      units.put(id, new UnitState(UnitStatus.RESTORE_FAILED, u.cursor(), u.startedAt(), now, u.failure() + "; restore failed: " + why, u.restoreSteps()));
      LOG.error("{}: restoring failed, an operator must look at it: {}", id, why);
      return;
    }
    PlanStep current = u.cursor() < planUnits.get(id).steps().size() ? planUnits.get(id).steps().get(u.cursor()) : null;
    // A host operation in flight (an upgrade, say) cannot be taken back mid-way: let it finish, then restore.
    List<PlanStep> restore = current != null && !counts && driver.operationRunning(current)
        ? List.of(current) : Restoration.stepsFor(planUnits.get(id), steps, origins);
    units.put(id, new UnitState(UnitStatus.RESTORING, 0, u.startedAt(), null, why, restore));
    if (!counts) {
      return;
    }
    failuresSinceResume++;
    if (failuresSinceResume > policy.failureThreshold() && status == RunStatus.RUNNING) {
      String why2 = failuresSinceResume + " node(s) failed, more than the threshold of " + policy.failureThreshold();
      if (policy.onFailure() == Policy.FailureAction.ROLLBACK) {
        stopAndRestore(now, RunStatus.ROLLING_BACK, why2);
      } else {
        setStatus(now, RunStatus.PAUSED, why2);
      }
    }
  }

  /** The interrupted step has finished, one way or the other: now work out what to undo. */
  private void restoreAfterInterruptedStep(NodeId id, UnitState u) {
    units.put(id, new UnitState(UnitStatus.RESTORING, 0, u.startedAt(), null, u.failure(),
        Restoration.stepsFor(planUnits.get(id), steps, origins)));
  }

  /** Plan steps are the unit's own; restore steps carry {@code #r} in their ids. */
  private static boolean isPlanStep(PlanStep step) {
    return !step.id().contains("#r");
  }

  private void stopAndRestore(Instant now, RunStatus next, String why) {
    setStatus(now, next, why);
    for (NodeId id : new ArrayList<>(active)) {
      if (units.get(id).status() == UnitStatus.RUNNING) {
        failUnit(id, why, now, false);
      }
    }
  }

  private boolean startUnits(ClusterSnapshot snap, Instant now) {
    Map<Role, Integer> inFlight = new HashMap<>();
    Set<NodeId> busy = new HashSet<>();
    for (NodeId id : active) {
      inFlight.merge(planUnits.get(id).role(), 1, Integer::sum);
      busy.addAll(unitNodes.get(id));
    }
    Map<Role, List<String>> outside = new HashMap<>();
    for (Node n : snap.nodes()) {
      if (!n.inService() && !busy.contains(n.id())) {
        outside.computeIfAbsent(n.role(), r -> new ArrayList<>()).add(n.id() + " " + n.health() + "/" + n.drainState());
      }
    }
    boolean anySlot = false;
    for (Map.Entry<Role, Integer> e : plan.budgets().entrySet()) {
      anySlot |= inFlight.getOrDefault(e.getKey(), 0) + outside.getOrDefault(e.getKey(), List.of()).size() < e.getValue();
    }
    if (!anySlot) {
      if (active.isEmpty() && blockedSince == null) {
        blockedSince = now;
      }
      return false;
    }
    boolean inPlace = plan.strategy() instanceof io.upkeep.Strategy.InPlace && plan.constraints().minimumCapacity() > 0;
    List<PlanUnit> ready = readyUnits(now);
    Map<NodeId, Duration> estimates = new HashMap<>();
    ready.forEach(pu -> estimates.put(pu.node(), estimate(pu, snap)));
    Comparator<PlanUnit> first = Comparator.comparing((PlanUnit pu) -> !pu.canary())
        .thenComparing(pu -> estimates.get(pu.node()), Comparator.reverseOrder())
        .thenComparing(pu -> planIndex.get(pu.node()));
    boolean started = false;
    long capacity = inPlace ? spareCapacity(snap, busy) : Long.MAX_VALUE;
    // Pick the best candidate whose role has a free slot, one at a time: a slot or two frees per
    // turn, so selecting beats sorting every pending unit on every turn.
    List<PlanUnit> candidates = new ArrayList<>(ready);
    boolean noneReady = ready.isEmpty();
    while (!candidates.isEmpty()) {
      PlanUnit pu = null;
      for (PlanUnit c : candidates) {
        if (pu == null || first.compare(c, pu) < 0) {
          pu = c;
        }
      }
      candidates.remove(pu);
      int budget = plan.budgets().getOrDefault(pu.role(), 1);
      int used = inFlight.getOrDefault(pu.role(), 0);
      List<String> out = outside.getOrDefault(pu.role(), List.of());
      if (used + out.size() >= budget) {
        if (used == 0 && announced.add(pu.node() + out.toString())) {
          emit(new UpgradeEvent.UnitBlocked(now, pu.node(), "role " + pu.role() + " has " + out.size()
              + " node(s) out of service outside this run " + out + ", its budget is " + budget));
        }
        Role full = pu.role();
        candidates.removeIf(c -> c.role().equals(full));
        continue;
      }
      long cap = snap.find(pu.node()).filter(Node::inService).map((Node n) -> (long) n.taskCap().finiteValue()).orElse(0L);
      if (capacity - cap < plan.constraints().minimumCapacity()) {
        if (used == 0 && announced.add(pu.node() + "capacity" + capacity)) {
          emit(new UpgradeEvent.UnitBlocked(now, pu.node(), "taking it out would leave " + (capacity - cap)
              + " task slots in service, below the minimum capacity of " + plan.constraints().minimumCapacity()));
        }
        continue;
      }
      capacity -= cap;
      inFlight.merge(pu.role(), 1, Integer::sum);
      active.add(pu.node());
      units.put(pu.node(), new UnitState(UnitStatus.RUNNING, 0, now, null, "", List.of()));
      emit(new UpgradeEvent.UnitStarted(now, pu.node(), active.size()));
      started = true;
    }
    if (!active.isEmpty() || started) {
      blockedSince = null;
    } else if (!noneReady && blockedSince == null) {
      blockedSince = now;
    }
    return started;
  }

  /**
   * Pending units whose dependencies are done; pending units behind a failed one become skipped.
   * Cached between turns: it only changes when a unit finishes, fails or starts.
   */
  private List<PlanUnit> readyUnits(Instant now) {
    if (readyCache != null) {
      readyCache.removeIf(pu -> units.get(pu.node()).status() != UnitStatus.PENDING);
      return readyCache;
    }
    readyCache = new ArrayList<>();
    for (Map.Entry<NodeId, UnitState> e : units.entrySet()) {
      if (e.getValue().status() != UnitStatus.PENDING) {
        continue;
      }
      PlanUnit pu = planUnits.get(e.getKey());
      boolean depsDone = true;
      for (NodeId dep : pu.after()) {
        UnitStatus ds = units.get(dep).status();
        if (ds == UnitStatus.RESTORED || ds == UnitStatus.RESTORE_FAILED || ds == UnitStatus.SKIPPED) {
          units.put(pu.node(), new UnitState(UnitStatus.SKIPPED, 0, null, now, dep + " failed first", List.of()));
          depsDone = false;
          break;
        }
        depsDone &= ds == UnitStatus.DONE;
      }
      if (depsDone && units.get(pu.node()).status() == UnitStatus.PENDING) {
        readyCache.add(pu);
      }
    }
    return readyCache;
  }

  /** Task slots of in-service nodes that no unit in flight holds. */
  private long spareCapacity(ClusterSnapshot snap, Set<NodeId> busy) {
    return snap.nodes().stream().filter(n -> n.inService() && !busy.contains(n.id())).mapToLong((Node n) -> (long) n.taskCap().finiteValue()).sum();
  }


  /** Expected duration: the user's hint, else what done units took on average plus the work to drain. */
  private Duration estimate(PlanUnit pu, ClusterSnapshot snap) {
    if (hinted.contains(pu.node()) || doneCount == 0) {
      return pu.expected();
    }
    int work = snap.find(pu.node()).map(Node::runningWork).orElse(0);
    return doneTotal.dividedBy(doneCount).plus(PlanBuilder.PER_RUNNING_TASK.multipliedBy(work));
  }

  private boolean checkBlocked(Instant now) {
    if (blockedSince != null && status == RunStatus.RUNNING
        && !now.isBefore(blockedSince.plus(policy.blockedTimeout()))) {
      setStatus(now, RunStatus.PAUSED, "no node could start for " + io.upkeep.Durations.format(policy.blockedTimeout())
          + ": see the blocked reasons; fix the cluster, then resume");
      blockedSince = null;
      return true;
    }
    return false;
  }

  private boolean finished(Instant now) {
    if (!active.isEmpty()) {
      return false;
    }
    if (status == RunStatus.ROLLING_BACK || status == RunStatus.ABORTING) {
      skipPending(now);
      setStatus(now, status == RunStatus.ABORTING ? RunStatus.ABORTED : RunStatus.FAILED, reason);
      return true;
    }
    if (units.values().stream().anyMatch(u -> u.status() == UnitStatus.PENDING)) {
      return false;
    }
    boolean allDone = units.values().stream().allMatch(u -> u.status() == UnitStatus.DONE);
    setStatus(now, allDone ? RunStatus.SUCCEEDED : RunStatus.FAILED, allDone ? "" : "some nodes were not upgraded");
    return true;
  }

  private void skipPending(Instant now) {
    units.replaceAll((id, u) -> u.status() == UnitStatus.PENDING
        ? new UnitState(UnitStatus.SKIPPED, 0, null, now, "the run stopped first", List.of()) : u);
  }

  private void setStatus(Instant now, RunStatus next, String why) {
    status = next;
    reason = why;
    emit(new UpgradeEvent.RunStatusChanged(now, next, why));
  }

  private void emit(UpgradeEvent e) {
    LOG.info("{}", e.describe());
    for (UpgradeListener l : listeners) {
      try {
        l.onEvent(e);
      } catch (RuntimeException ex) {
        LOG.warn("a listener failed on {}: {}", e.getClass().getSimpleName(), ex.toString());
      }
    }
  }

  // ---- views ----

  public RunState state() {
    Instant now = time.now();
    return new RunState(runId, plan.id(), status, reason, startedAt == null ? now : startedAt, now,
        units, steps, origins, approvals, failuresSinceResume);
  }

  public RunReport report() {
    Instant now = time.now();
    List<NodeId> upgraded = new ArrayList<>();
    Map<NodeId, String> failed = new LinkedHashMap<>();
    List<NodeId> operator = new ArrayList<>();
    List<NodeId> notStarted = new ArrayList<>();
    units.forEach((id, u) -> {
      switch (u.status()) {
        case DONE -> upgraded.add(id);
        case RESTORING, RESTORED -> failed.put(id, u.failure());
        case RESTORE_FAILED -> {
          failed.put(id, u.failure());
          operator.add(id);
        }
        case PENDING, SKIPPED -> notStarted.add(id);
        case RUNNING -> { }
      }
    });
    return new RunReport(status, reason, startedAt == null ? now : startedAt, now, upgraded, failed, operator,
        notStarted, List.copyOf(awaiting));
  }
}
