package io.upkeep.internal;

import io.upkeep.Action;
import io.upkeep.ClusterOperationException;
import io.upkeep.ClusterSnapshot;
import io.upkeep.Durations;
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
import io.upkeep.RunState.Unrestored;
import io.upkeep.RunStatus;
import io.upkeep.UpgradePlan;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.event.UpgradeListener;
import io.upkeep.spi.ClusterPort;
import io.upkeep.spi.HealthProbe;
import io.upkeep.spi.HostPort;
import io.upkeep.spi.NodeHook;
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
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reconciling loop behind {@link io.upkeep.UpgradeRun}. Each turn: observe, advance every unit
 * in flight by one step outcome, start pending units into free budget slots (longest expected
 * first), then wait for a change or the earliest timer. All progress lives in maps of plain values,
 * so {@link #state()} is always a faithful, resumable {@link RunState}.
 *
 * <p>Thread-safe: a turn runs under this object's lock, which {@link #state()} and {@link
 * #report()} take too; the wait between turns does not hold it. Controls (pause, resume, abort,
 * approve, decline) are queued under their own lock and applied at the next turn.
 */
public final class Reconciler {

  private static final Logger LOG = LoggerFactory.getLogger("io.upkeep.run");

  /** The longest sleep while nothing is in flight and the run waits for a maintenance window. */
  static final Duration WINDOW_WAIT = Duration.ofHours(1);

  private final UpgradePlan plan;
  private final Policy policy;
  private final String runId;
  private final ClusterPort cluster;

  /** The port's request count when this process took the run up. */
  private final long requestsBefore;

  private final TimeSource time;
  private final List<UpgradeListener> listeners;
  private final StepDriver driver;

  private final Map<NodeId, PlanUnit> planUnits = new LinkedHashMap<>();
  private final Map<NodeId, Integer> planIndex = new HashMap<>();
  private final Map<NodeId, Set<NodeId>> unitNodes = new HashMap<>();
  private final Map<Role, List<NodeId>> unitsByRole = new HashMap<>();
  private final Set<NodeId> created = new HashSet<>();

  /** Nodes the budget does not count: created by the run, or drained by the operator before it. */
  private final Set<NodeId> notBudgeted = new HashSet<>();

  private final Set<String> gates = new TreeSet<>();
  private final TrackedMap<NodeId, UnitState> units = new TrackedMap<>();
  private final TrackedMap<String, StepState> steps = new TrackedMap<>();
  private final TrackedMap<NodeId, NodeOrigin> origins = new TrackedMap<>();
  private final Set<String> approvals = ConcurrentHashMap.newKeySet();
  private final Set<NodeId> active = new LinkedHashSet<>();
  private final Set<String> announced = new HashSet<>();
  private final Set<String> notes = new LinkedHashSet<>();
  private final Set<NodeId> hinted;
  private final Windows windows;

  /** When a maintenance window next opens, if none was open when this turn had units to start. */
  private Instant windowOpens;

  /**
   * Pending units free to start, or null when a unit's status changed and it must be worked out
   * again.
   */
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
  private Set<String> blocked = new LinkedHashSet<>();
  private List<String> blockedAnnounced = List.of();

  /** The run's journal: every change is written to it before the run moves on. */
  private final RunJournal journal;

  /** An abort given to this runner and not yet applied, shown by {@link #state()} at once. */
  private volatile String abortRequest;

  public Reconciler(
      UpgradePlan plan,
      RunState state,
      String runId,
      ClusterPort cluster,
      HostPort host,
      TrafficPort traffic,
      TimeSource time,
      Map<String, HealthProbe> probes,
      Map<String, NodeHook> hooks,
      List<UpgradeListener> listeners,
      RunJournal journal,
      boolean journaled) {
    check(plan, host, probes, hooks);
    this.journal = journal;
    journal.coverWaitsOf(plan.policy().pollInterval());
    this.plan = plan;
    this.policy = plan.policy();
    this.runId = runId;
    this.cluster = cluster;
    this.requestsBefore = cluster.requestsSent();
    this.time = time;
    this.listeners = listeners;
    this.hinted = new HashSet<>(policy.durationHints().keySet());
    this.windows = new Windows(policy.windows());
    this.driver =
        new StepDriver(
            plan,
            runId,
            cluster,
            host,
            traffic,
            probes,
            hooks,
            steps,
            approvals,
            origins,
            this::leaderMustWait,
            () -> checkpoint(time.now()));
    int i = 0;
    for (PlanUnit u : plan.units()) {
      planUnits.put(u.node(), u);
      planIndex.put(u.node(), i++);
      unitsByRole.computeIfAbsent(u.role(), r -> new ArrayList<>()).add(u.node());
      Set<NodeId> nodes = new HashSet<>();
      for (PlanStep s : u.steps()) {
        nodes.add(s.node());
        if (s.action() instanceof Action.Provision) {
          created.add(s.node());
        }
        String gate = driver.gateOf(s);
        if (gate != null) {
          gates.add(gate);
        }
      }
      unitNodes.put(u.node(), nodes);
      units.put(u.node(), UnitState.pending());
    }
    notBudgeted.addAll(created);
    plan.observed().stream()
        .filter(
            n ->
                n.health() == io.upkeep.Health.HEALTHY
                    && n.drainState() != io.upkeep.DrainState.ACTIVE)
        .forEach(n -> notBudgeted.add(n.id()));
    if (state != null) {
      restore(state, journaled);
    }
  }

  /**
   * Checks that the executor has every port, probe and hook {@code plan} needs.
   *
   * @throws io.upkeep.UpkeepException naming what is missing
   */
  public static void check(
      UpgradePlan plan,
      HostPort host,
      Map<String, HealthProbe> probes,
      Map<String, NodeHook> hooks) {
    StepDriver.checkPrerequisites(plan, host, probes, hooks);
  }

  /**
   * Takes over {@code state}; {@code journaled}: it came from the journal, so it is not a change to
   * write there again.
   */
  private void restore(RunState state, boolean journaled) {
    status = state.status() == RunStatus.AWAITING_APPROVAL ? RunStatus.RUNNING : state.status();
    reason = state.reason();
    startedAt = state.startedAt();
    failuresSinceResume = state.failuresSinceResume();
    units.putAll(state.units());
    steps.putAll(state.steps());
    origins.putAll(state.origins());
    approvals.addAll(state.approvals());
    units.forEach(
        (id, u) -> {
          if (u.status() == UnitStatus.RUNNING || u.status() == UnitStatus.RESTORING) {
            active.add(id);
          }
          if (u.status() == UnitStatus.DONE) {
            recordDuration(Duration.between(u.startedAt(), u.finishedAt()));
          }
        });
    if (journaled) {
      // What the journal already holds is not a change.
      units.drainChanges();
      steps.drainChanges();
      origins.drainChanges();
      journal.journaledRun(status, reason, startedAt, failuresSinceResume, approvals);
    }
  }

  /** Journals what changed since the last checkpoint; fenced by the runner's lease. */
  private synchronized void checkpoint(Instant now) {
    journal.progress(
        now,
        status,
        reason,
        startedAt,
        failuresSinceResume,
        units,
        steps,
        origins,
        approvals,
        blocked,
        this::state);
  }

  // ---- control, from any thread ----

  // Every command goes through the journal, whichever process gives it, and takes effect when the
  // runner reads it back at its next turn.

  public void pause(String why) {
    journal.control("pause", "", why == null ? "" : why);
  }

  public void resume() {
    journal.control("resume", "", "");
  }

  public void abort(String why) {
    String reason = why == null ? "" : why;
    journal.control("abort", "", reason);
    abortRequest = reason;
  }

  public void abortWithoutRollback(String why) {
    journal.control("abort-forward", "", why == null ? "" : why);
  }

  public void approve(String gate) {
    checkGate(gate);
    journal.control("approve", gate, "");
    approvals.add(gate);
  }

  public void decline(String gate, String why) {
    checkGate(gate);
    journal.control("decline", gate, why == null ? "" : why);
  }

  private void checkGate(String gate) {
    if (gate == null || !gates.contains(gate)) {
      throw new IllegalArgumentException(
          "plan "
              + plan.id()
              + " has no gate named '"
              + gate
              + "'; its gates are "
              + (gates.isEmpty() ? "none" : gates)
              + ": pass the name an ApprovalRequested event gave");
    }
  }

  /** Whether the run stops for good: it never moves forward again, whatever it is told. */
  private boolean stopping() {
    return restoring() || status == RunStatus.FINISHING;
  }

  /** Whether the run stops for good and restores the nodes in flight. */
  private boolean restoring() {
    return status == RunStatus.ABORTING || status == RunStatus.ROLLING_BACK;
  }

  private void applyControls(Instant now) {
    String pauseWhy = null;
    boolean resumeNow = false;
    String abortWhy = null;
    String finishWhy = null;
    List<String> approved = new ArrayList<>();
    Map<String, String> declined = new LinkedHashMap<>();
    for (RunJournal.Control c : journal.newControls()) {
      switch (c.command()) {
        case "pause" -> pauseWhy = c.reason();
        case "resume" -> {
          resumeNow = true;
          pauseWhy = null;
        }
        case "abort" -> abortWhy = c.reason();
        case "abort-forward" -> finishWhy = c.reason();
        case "approve" -> {
          if (gates.contains(c.gate())) {
            approved.add(c.gate());
            approvals.add(c.gate());
          }
        }
        case "decline" -> {
          if (gates.contains(c.gate())) {
            declined.put(c.gate(), c.reason());
          }
        }
        default -> LOG.warn("ignoring an unknown command in the journal: {}", c.command());
      }
    }
    if (abortWhy != null) {
      abortRequest = null;
    }
    for (String gate : approved) {
      emit(new UpgradeEvent.Approved(now, gate));
    }
    declined.forEach(
        (gate, why) -> {
          emit(new UpgradeEvent.Declined(now, gate, why));
          declineGate(gate, why, now);
        });
    if (status.terminal()) {
      return;
    }
    if (abortWhy != null && !restoring()) {
      stopAndRestore(
          now,
          RunStatus.ABORTING,
          "aborted by operator" + (abortWhy.isEmpty() ? "" : ": " + abortWhy));
      return;
    }
    if (finishWhy != null && !stopping()) {
      setStatus(
          now,
          RunStatus.FINISHING,
          "aborted by operator without rollback"
              + (finishWhy.isEmpty() ? "" : ": " + finishWhy)
              + "; the nodes in flight finish, no other starts");
      return;
    }
    if (resumeNow && status == RunStatus.PAUSED) {
      failuresSinceResume = 0;
      blockedSince = null;
      setStatus(now, RunStatus.RUNNING, "resumed");
    }
    if (pauseWhy != null
        && (status == RunStatus.RUNNING || status == RunStatus.AWAITING_APPROVAL)) {
      setStatus(now, RunStatus.PAUSED, pauseWhy);
    }
    if (status == RunStatus.AWAITING_APPROVAL && (!approved.isEmpty() || !declined.isEmpty())) {
      setStatus(now, RunStatus.RUNNING, "");
    }
  }

  /** Fails the unit waiting at {@code gate}, if one is. */
  private void declineGate(String gate, String why, Instant now) {
    for (NodeId id : new ArrayList<>(active)) {
      UnitState u = units.get(id);
      List<PlanStep> list = currentSteps(id, u);
      if (u.status() == UnitStatus.RUNNING
          && u.cursor() < list.size()
          && gate.equals(driver.gateOf(list.get(u.cursor())))) {
        failUnit(
            id,
            "gate '" + gate + "' declined by operator" + (why.isEmpty() ? "" : ": " + why),
            now,
            true);
      }
    }
  }

  // ---- the loop ----

  public RunReport execute() {
    synchronized (this) {
      Instant now = time.now();
      if (status.terminal()) {
        return report();
      }
      journal.reclaim(now);
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
    }
    while (true) {
      ClusterSnapshot snap = null;
      ClusterOperationException unobservable = null;
      try {
        snap = cluster.observe();
      } catch (ClusterOperationException e) {
        unobservable = e;
      }
      Duration wait;
      synchronized (this) {
        Instant now = time.now();
        journal.checkLease(now);
        applyControls(now);
        if (snap == null) {
          if (unobservable(now, unobservable)) {
            return returning(now);
          }
          wait = policy.pollInterval();
        } else {
          unobservedSince = null;
          wait = afterObserving(snap, now);
          if (wait == null) {
            return returning(now);
          }
        }
        checkpoint(now);
        journal.holdThrough(now, wait);
      }
      if (snap == null) {
        time.sleep(wait);
      } else if (!wait.isZero()) {
        try {
          cluster.awaitChange(snap, wait);
        } catch (ClusterOperationException e) {
          time.sleep(wait);
        }
      }
    }
  }

  /** Journals the turn and, once the run is over, lets go of the lease; then the report. */
  private RunReport returning(Instant now) {
    checkpoint(now);
    if (status.terminal()) {
      journal.release();
    }
    return report();
  }

  /** Handles a failed observation; true if {@code execute()} should return now. */
  private boolean unobservable(Instant now, ClusterOperationException e) {
    if (!e.retryable()) {
      stopFor(now, "cannot observe the cluster: " + e.getMessage());
      return true;
    }
    if (unobservedSince == null) {
      unobservedSince = now;
    } else if (!now.isBefore(unobservedSince.plus(policy.blockedTimeout()))) {
      unobservedSince = null;
      stopFor(
          now,
          "cannot observe the cluster for "
              + Durations.format(policy.blockedTimeout())
              + ": "
              + e.getMessage()
              + "; fix the cluster or the connection, then resume");
      return true;
    }
    LOG.warn("observing the cluster failed, will retry: {}", e.getMessage());
    return false;
  }

  /**
   * Pauses for an operator; a run that is stopping (abort, rollback) stays stopping, so it never
   * moves forward again, and only notes why it cannot go on now.
   */
  private void stopFor(Instant now, String why) {
    if (stopping()) {
      reason = reason + " (then: " + why + ")";
      LOG.warn("{}", why);
    } else {
      setStatus(now, RunStatus.PAUSED, why);
    }
  }

  /**
   * One turn on {@code snap}; returns how long to wait for a change, or null if {@code execute()}
   * should return.
   */
  private Duration afterObserving(ClusterSnapshot snap, Instant now) {
    Turn turn = turn(snap, now);
    if (finished(now)) {
      return null;
    }
    boolean onlyApprovals = !active.isEmpty() && turn.awaitingApproval == active.size();
    if (status == RunStatus.PAUSED && (active.isEmpty() || onlyApprovals)) {
      return null;
    }
    if (awaiting.stream().anyMatch(approvals::contains)) {
      return Duration.ZERO;
    }
    if (status == RunStatus.FINISHING && onlyApprovals) {
      return null; // what is left in flight waits for a person: approve or decline, then execute
    }
    if (status == RunStatus.RUNNING && onlyApprovals && !turn.started) {
      setStatus(now, RunStatus.AWAITING_APPROVAL, "waiting for " + awaiting);
      return null;
    }
    if (checkBlocked(now)) {
      return null;
    }
    if (turn.progressed) {
      return Duration.ZERO;
    }
    Instant wake = turn.wake == null ? now.plus(policy.pollInterval()) : turn.wake;
    Duration wait = Duration.between(now, wake);
    // Nothing in flight, only a closed window to wait for: sleep until it opens, not poll; but
    // turn at least hourly, so that a pause or abort given meanwhile takes effect within the hour.
    boolean untilWindow = active.isEmpty() && wake.equals(windowOpens);
    Duration longest = untilWindow ? WINDOW_WAIT : policy.pollInterval();
    if (wait.compareTo(longest) > 0) {
      wait = longest;
    }
    return wait.isNegative() ? Duration.ZERO : wait;
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
    Set<String> blockedNow = new LinkedHashSet<>();
    if (restoring()) {
      stopAndRestore(now, status, reason);
    }
    Guard guard = guard(snap);
    for (NodeId id : new ArrayList<>(active)) {
      advanceUnit(id, snap, now, turn, guard, blockedNow);
    }
    applyControls(now);
    if (status == RunStatus.RUNNING) {
      turn.started = startUnits(snap, now, blockedNow);
      turn.progressed |= turn.started;
      turn.wakeAt(windowOpens);
    }
    blocked = blockedNow;
    List<String> reasons = List.copyOf(blockedNow);
    if (!turn.progressed && !reasons.isEmpty() && !reasons.equals(blockedAnnounced)) {
      blockedAnnounced = reasons;
      emit(new UpgradeEvent.RunBlocked(now, reasons));
    } else if (reasons.isEmpty()) {
      blockedAnnounced = List.of();
    }
    return turn;
  }

  /**
   * This turn's guard: what the observation shows out of service, plus what the run's units in
   * flight took out.
   */
  private Guard guard(ClusterSnapshot snap) {
    Set<NodeId> disrupted = new HashSet<>();
    for (NodeId id : active) {
      for (PlanStep s : planUnits.get(id).steps()) {
        if (acted(s) && StepDriver.isDisruptive(s.action())) {
          disrupted.add(s.node());
        }
      }
    }
    return new Guard(snap, plan.budgets(), notBudgeted, disrupted, this::removedByRun);
  }

  private boolean acted(PlanStep s) {
    StepState st = steps.get(s.id());
    return st != null && st.actingSince() != null;
  }

  /**
   * Whether a unit of this run removed or destroyed {@code node}; asked only for a node that is
   * gone.
   */
  private boolean removedByRun(NodeId node) {
    return plan.units().stream()
        .flatMap(pu -> pu.steps().stream())
        .anyMatch(
            s ->
                s.node().equals(node)
                    && acted(s)
                    && (s.action() instanceof Action.RemoveMember
                        || s.action() instanceof Action.Decommission));
  }

  private List<PlanStep> currentSteps(NodeId id, UnitState u) {
    return u.status() == UnitStatus.RESTORING ? u.restoreSteps() : planUnits.get(id).steps();
  }

  private void advanceUnit(
      NodeId id,
      ClusterSnapshot snap,
      Instant now,
      Turn turn,
      Guard guard,
      Set<String> blockedNow) {
    UnitState u = units.get(id);
    List<PlanStep> list = currentSteps(id, u);
    if (u.cursor() >= list.size()) {
      finishUnit(id, u, now);
      turn.progressed = true;
      return;
    }
    PlanStep step = list.get(u.cursor());
    if (u.status() == UnitStatus.RESTORING
        && !Restoration.isRestoreStep(step)
        && !steps.containsKey(step.id())) {
      // An interrupted plan step that never started (the unit was requeued or resumed): nothing to
      // wait for.
      restoreAfterInterruptedStep(id, u);
      turn.progressed = true;
      return;
    }
    String skip = u.status() == UnitStatus.RESTORING ? skipRestoreStep(id, u, step) : null;
    if (skip != null) {
      notes.add(skip);
      units.put(id, u.at(u.cursor() + 1));
      turn.progressed = true;
      return;
    }
    if (!steps.containsKey(step.id())) {
      startStep(id, step, snap, now);
      turn.progressed = true;
    }
    Outcome o = driver.advance(step, snap, now, planUnits.get(id).steps(), guard);
    switch (o.kind()) {
      case DONE, NOTED -> {
        if (o.kind() == Outcome.Kind.NOTED) {
          notes.add(o.detail());
        }
        emit(new UpgradeEvent.StepCompleted(now, id, step, o.detail()));
        units.put(id, u.at(u.cursor() + 1));
        turn.progressed = true;
      }
      case FAIL -> {
        emit(new UpgradeEvent.StepFailed(now, id, step, o.detail()));
        if (u.status() == UnitStatus.RESTORING) {
          restoreStepFailed(id, u, step, o.detail());
        } else {
          failUnit(id, o.detail(), now, true);
        }
        turn.progressed = true;
      }
      case DEFER -> {
        if (canRequeue(id, step)) {
          requeue(id, step, o.detail(), now);
          turn.progressed = true;
        } else {
          blockedNow.add(id + ": " + o.detail());
          announceOnce(step, () -> emit(new UpgradeEvent.UnitBlocked(now, id, o.detail())));
          if (!now.isBefore(steps.get(step.id()).startedAt().plus(policy.blockedTimeout()))) {
            emit(new UpgradeEvent.StepFailed(now, id, step, o.detail()));
            failUnit(
                id,
                "could not go on safely for "
                    + Durations.format(policy.blockedTimeout())
                    + ": "
                    + o.detail(),
                now,
                true);
            turn.progressed = true;
          } else {
            turn.wakeAt(now.plus(policy.pollInterval()));
          }
        }
      }
      case WAIT -> {
        turn.progressed |= o.issued();
        turn.wakeAt(o.wake());
        if (o.awaitingApproval()) {
          turn.awaitingApproval++;
          String gate = driver.gateOf(step);
          awaiting.add(gate);
          announceOnce(
              step,
              () ->
                  emit(
                      new UpgradeEvent.ApprovalRequested(
                          now, id, gate, driver.instructionsOf(step))));
        } else if (!o.detail().isEmpty()) {
          blockedNow.add(id + ": " + o.detail());
          announceOnce(step, () -> emit(new UpgradeEvent.UnitBlocked(now, id, o.detail())));
          turn.wakeAt(now.plus(policy.pollInterval()));
        }
      }
    }
  }

  /**
   * Why a restore step is skipped, or null. A rolling replacement stays in service while its
   * original node could not be brought back; a clone's source stays stopped while the clone could
   * not be stopped (two instances must never share the database). Maintenance mode always ends.
   */
  private String skipRestoreStep(NodeId id, UnitState u, PlanStep step) {
    if (u.unrestored().isEmpty() || step.action() instanceof Action.ExitMaintenance) {
      return null;
    }
    boolean onCreated = created.contains(step.node());
    Optional<Unrestored> across =
        u.unrestored().stream().filter(f -> created.contains(f.node()) != onCreated).findFirst();
    return across
        .map(
            f ->
                id
                    + ": skipped '"
                    + step.action().describe()
                    + "' on "
                    + step.node()
                    + " because "
                    + f.node()
                    + " could not be restored ("
                    + f.why()
                    + ")")
        .orElse(null);
  }

  private void restoreStepFailed(NodeId id, UnitState u, PlanStep step, String why) {
    List<Unrestored> failures = new ArrayList<>(u.unrestored());
    failures.add(new Unrestored(step.node(), step.action().describe(), why));
    if (!Restoration.isRestoreStep(step)) {
      // The plan step that was in flight when the unit stopped did not finish: undo what can be.
      units.put(id, restoring(id, u, u.failure(), failures));
      return;
    }
    LOG.error("{}: restoring {} failed: {}", id, step.node(), why);
    units.put(
        id,
        new UnitState(
            UnitStatus.RESTORING,
            u.cursor() + 1,
            u.startedAt(),
            null,
            u.failure(),
            u.restoreSteps(),
            failures));
  }

  /**
   * A unit may give its slot back only while it has taken nothing out of service and created
   * nothing.
   */
  private boolean canRequeue(NodeId id, PlanStep current) {
    if (units.get(id).status() != UnitStatus.RUNNING) {
      return false;
    }
    for (PlanStep s : planUnits.get(id).steps()) {
      StepState st = steps.get(s.id());
      if (!s.id().equals(current.id())
          && st != null
          && st.actingSince() != null
          && !(s.action() instanceof Action.Snapshot)) {
        return false;
      }
    }
    return true;
  }

  private void requeue(NodeId id, PlanStep current, String why, Instant now) {
    steps.remove(current.id());
    active.remove(id);
    units.put(id, UnitState.pending());
    readyCache = null;
    emit(new UpgradeEvent.UnitBlocked(now, id, why + "; it gives its slot back and goes later"));
  }

  private void announceOnce(PlanStep step, Runnable announce) {
    StepState st = steps.get(step.id());
    if (!st.requested()) {
      steps.put(step.id(), st.announced());
      announce.run();
    }
  }

  private void startStep(NodeId unit, PlanStep step, ClusterSnapshot snap, Instant now) {
    snap.find(step.node()).ifPresent(n -> origins.putIfAbsent(n.id(), NodeOrigin.of(n)));
    steps.put(step.id(), StepState.startedAt(now));
    emit(new UpgradeEvent.StepStarted(now, unit, step));
  }

  private void finishUnit(NodeId id, UnitState u, Instant now) {
    readyCache = null;
    if (u.status() == UnitStatus.RESTORING
        && !u.restoreSteps().isEmpty()
        && !Restoration.isRestoreStep(u.restoreSteps().get(0))) {
      restoreAfterInterruptedStep(id, u);
      return;
    }
    active.remove(id);
    if (u.status() == UnitStatus.RESTORING) {
      if (u.unrestored().isEmpty()) {
        units.put(
            id,
            new UnitState(
                UnitStatus.RESTORED,
                u.cursor(),
                u.startedAt(),
                now,
                u.failure(),
                u.restoreSteps()));
        emit(new UpgradeEvent.UnitRestored(now, id));
      } else {
        String why = u.failure() + "; could not restore: " + u.unrestored();
        units.put(
            id,
            new UnitState(
                UnitStatus.RESTORE_FAILED,
                u.cursor(),
                u.startedAt(),
                now,
                why,
                u.restoreSteps(),
                u.unrestored()));
        LOG.error("{}: restoring failed, an operator must look at it: {}", id, u.unrestored());
        emit(new UpgradeEvent.UnitNeedsOperator(now, id, why));
      }
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

  /**
   * Turns a running unit to restoring; {@code counts} whether it counts against the failure
   * threshold. A unit past its point of no return is not restored: it needs an operator.
   */
  private void failUnit(NodeId id, String why, Instant now, boolean counts) {
    readyCache = null;
    UnitState u = units.get(id);
    if (u.status() != UnitStatus.RUNNING) {
      return;
    }
    PlanUnit pu = planUnits.get(id);
    Optional<PlanStep> noReturn = Restoration.pointOfNoReturn(pu, steps);
    if (noReturn.isPresent()) {
      rollForward(id, u, why, now, noReturn.get());
    } else {
      PlanStep current = u.cursor() < pu.steps().size() ? pu.steps().get(u.cursor()) : null;
      // A host operation in flight (an upgrade, say) cannot be taken back mid-way: let it finish
      // (within its deadline), then restore.
      units.put(
          id,
          current != null && !counts && driver.operationRunning(current)
              ? new UnitState(UnitStatus.RESTORING, 0, u.startedAt(), null, why, List.of(current))
              : restoring(id, u, why, List.of()));
    }
    if (!counts) {
      return;
    }
    failuresSinceResume++;
    if (failuresSinceResume > policy.failureThreshold() && status == RunStatus.RUNNING) {
      String why2 =
          failuresSinceResume
              + " node(s) failed, more than the threshold of "
              + policy.failureThreshold();
      if (policy.onFailure() == Policy.FailureAction.ROLLBACK) {
        stopAndRestore(now, RunStatus.ROLLING_BACK, why2);
      } else {
        setStatus(now, RunStatus.PAUSED, why2);
      }
    }
  }

  /**
   * Past the point of no return nothing is undone: the replacement stays in service and an operator
   * finishes.
   */
  private void rollForward(NodeId id, UnitState u, String why, Instant now, PlanStep noReturn) {
    List<PlanStep> list = planUnits.get(id).steps();
    List<String> left = new ArrayList<>();
    for (int i = u.cursor(); i < list.size(); i++) {
      left.add(list.get(i).node() + ": " + list.get(i).action().describe());
    }
    String text =
        why
            + "; past its point of no return ("
            + noReturn.action().describe()
            + " of "
            + noReturn.node()
            + " started), so it is not restored and its replacement stays in service; roll forward by hand: "
            + (left.isEmpty() ? "nothing left" : String.join(", ", left));
    active.remove(id);
    units.put(
        id,
        new UnitState(
            UnitStatus.NEEDS_ROLL_FORWARD, u.cursor(), u.startedAt(), now, text, List.of()));
    LOG.error("{}: {}", id, text);
    emit(new UpgradeEvent.UnitNeedsOperator(now, id, text));
  }

  /** The interrupted step has finished, one way or the other: now work out what to undo. */
  private void restoreAfterInterruptedStep(NodeId id, UnitState u) {
    units.put(id, restoring(id, u, u.failure(), u.unrestored()));
  }

  /**
   * The unit, restoring: the steps that undo what it did, and from the start what cannot be undone
   * (a host upgraded without a snapshot stays upgraded), so it is never reported restored.
   */
  private UnitState restoring(NodeId id, UnitState u, String why, List<Unrestored> failures) {
    PlanUnit pu = planUnits.get(id);
    List<Unrestored> all = new ArrayList<>(failures);
    Set<NodeId> snapshotted = new HashSet<>();
    for (PlanStep s : pu.steps()) {
      StepState st = steps.get(s.id());
      if (st != null && st.actingSince() != null && s.action() instanceof Action.Snapshot) {
        snapshotted.add(s.node());
      }
    }
    for (PlanStep s : pu.steps()) {
      if (s.action() instanceof Action.Upgrade
          && !snapshotted.contains(s.node())
          && driver.operationSucceeded(s)) {
        all.add(
            new Unrestored(
                s.node(),
                "restore its host",
                "it was upgraded and no snapshot was taken "
                    + "(Policy.snapshots is off), so it stays on "
                    + ((Action.Upgrade) s.action()).target()));
      }
    }
    return new UnitState(
        UnitStatus.RESTORING,
        0,
        u.startedAt(),
        null,
        why,
        Restoration.stepsFor(pu, steps, origins),
        all);
  }

  /**
   * Enters {@code next} (aborting, rolling back) and turns every running unit to restoring;
   * idempotent.
   */
  private void stopAndRestore(Instant now, RunStatus next, String why) {
    if (status != next) {
      setStatus(now, next, why);
    }
    for (NodeId id : new ArrayList<>(active)) {
      if (units.get(id).status() == UnitStatus.RUNNING) {
        failUnit(id, why, now, false);
      }
    }
  }

  /**
   * Why the node {@code node}, which leads its role now, must not be stopped yet: the leader goes
   * last, after every other unit of its role is done. Null if it may go.
   */
  private String leaderMustWait(NodeId node) {
    PlanUnit own = planUnits.get(node);
    if (own == null) {
      return null;
    }
    List<NodeId> others =
        unitsByRole.get(own.role()).stream()
            .filter(o -> !o.equals(node) && units.get(o).status() != UnitStatus.DONE)
            .toList();
    if (others.isEmpty()) {
      return null;
    }
    return node
        + " leads role "
        + own.role()
        + " now, and the leader goes last: after "
        + (others.size() <= 4 ? others.toString() : others.size() + " other nodes");
  }

  private boolean startUnits(ClusterSnapshot snap, Instant now, Set<String> blockedNow) {
    Map<Role, Integer> inFlight = new HashMap<>();
    Set<NodeId> busy = new HashSet<>();
    for (NodeId id : active) {
      inFlight.merge(planUnits.get(id).role(), 1, Integer::sum);
      busy.addAll(unitNodes.get(id));
    }
    Map<Role, List<String>> outside = new HashMap<>();
    for (Node n : snap.nodes()) {
      if (!n.inService() && !busy.contains(n.id()) && !notBudgeted.contains(n.id())) {
        outside
            .computeIfAbsent(n.role(), r -> new ArrayList<>())
            .add(n.id() + " " + n.health() + "/" + n.drainState());
      }
    }
    List<PlanUnit> ready = readyUnits(now);
    windowOpens = null;
    if (!ready.isEmpty() && !windows.isOpen(now)) {
      // Units in flight carry on; none starts. Waiting for a window is normal, not stuck, so it
      // does not count toward blockedTimeout.
      java.time.ZonedDateTime opens = windows.nextOpening(now);
      windowOpens = opens.toInstant();
      blockedNow.add("outside the maintenance windows; the next opens at " + opens);
      blockedSince = null;
      return false;
    }
    boolean noneReady = ready.isEmpty();
    Map<NodeId, Duration> estimates = new HashMap<>();
    ready.forEach(pu -> estimates.put(pu.node(), estimate(pu, snap)));
    // Nodes already out of service first: upgrading them costs no extra disruption.
    Comparator<PlanUnit> first =
        Comparator.comparing((PlanUnit pu) -> !pu.canary())
            .thenComparing(pu -> snap.find(pu.node()).map(Node::inService).orElse(true))
            .thenComparing(pu -> estimates.get(pu.node()), Comparator.reverseOrder())
            .thenComparing(pu -> planIndex.get(pu.node()));
    boolean started = false;
    boolean inPlace =
        plan.strategy() instanceof io.upkeep.Strategy.InPlace
            && plan.constraints().minimumCapacity() > 0;
    long capacity = inPlace ? spareCapacity(snap, busy) : Long.MAX_VALUE;
    // Pick the best candidate whose role has a free slot, one at a time: a slot or two frees per
    // turn, so selecting beats sorting every pending unit on every turn.
    List<PlanUnit> candidates = new ArrayList<>(ready);
    while (!candidates.isEmpty()) {
      PlanUnit best = null;
      for (PlanUnit c : candidates) {
        if (best == null || first.compare(c, best) < 0) {
          best = c;
        }
      }
      PlanUnit pu = best;
      candidates.remove(pu);
      Optional<Node> node = snap.find(pu.node());
      if (node.isEmpty()) {
        units.put(
            pu.node(),
            new UnitState(
                UnitStatus.SKIPPED,
                0,
                null,
                now,
                pu.node() + " left the cluster before its turn: nothing to upgrade",
                List.of()));
        notes.add(pu.node() + " left the cluster before its turn and was not upgraded");
        readyCache = null;
        continue;
      }
      boolean isOut = node.map(n -> !n.inService()).orElse(false);
      int budget = plan.budgets().getOrDefault(pu.role(), 1);
      int used = inFlight.getOrDefault(pu.role(), 0);
      List<String> out = new ArrayList<>(outside.getOrDefault(pu.role(), List.of()));
      // A node out of service holds its slot already; its own unit takes that slot, not another.
      if (isOut) {
        out.removeIf(o -> o.startsWith(pu.node() + " "));
      }
      if (used + out.size() >= budget) {
        if (!out.isEmpty()) {
          String why =
              "role "
                  + pu.role()
                  + " has "
                  + out.size()
                  + " node(s) out of service outside this run "
                  + out
                  + " and "
                  + used
                  + " in flight; its budget is "
                  + budget;
          blockedNow.add(why);
          if (used == 0 && announced.add(pu.node() + out.toString())) {
            emit(new UpgradeEvent.UnitBlocked(now, pu.node(), why));
          }
        }
        Role full = pu.role();
        candidates.removeIf(
            c ->
                c.role().equals(full)
                    && !snap.find(c.node()).map(n -> !n.inService()).orElse(false));
        continue;
      }
      if (node.map(Node::leader).orElse(false)
          && plan.constraints().leaderLast()
          && plan.constraints().quorumRoles().contains(pu.role())) {
        String wait = leaderMustWait(pu.node());
        if (wait != null) {
          if (unitsByRole.get(pu.role()).stream()
              .filter(o -> !o.equals(pu.node()))
              .allMatch(o -> units.get(o).finished())) {
            units.put(
                pu.node(),
                new UnitState(
                    UnitStatus.SKIPPED,
                    0,
                    null,
                    now,
                    wait + ", which were not upgraded",
                    List.of()));
            readyCache = null;
          } else {
            blockedNow.add(pu.node() + ": waits: " + wait);
          }
          continue;
        }
      }
      long cap =
          node.filter(Node::inService).map((Node n) -> (long) n.taskCap().finiteValue()).orElse(0L);
      if (capacity - cap < plan.constraints().minimumCapacity()) {
        String why =
            "taking "
                + pu.node()
                + " out would leave "
                + (capacity - cap)
                + " task slots in service, below the minimum capacity of "
                + plan.constraints().minimumCapacity();
        if (used == 0) {
          blockedNow.add(why);
          if (announced.add(pu.node() + "capacity" + capacity)) {
            emit(new UpgradeEvent.UnitBlocked(now, pu.node(), why));
          }
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
    } else if ((!noneReady || !blockedNow.isEmpty()) && blockedSince == null) {
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
        if (units.get(dep).finished() && ds != UnitStatus.DONE) {
          units.put(
              pu.node(),
              new UnitState(UnitStatus.SKIPPED, 0, null, now, dep + " failed first", List.of()));
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
    return snap.nodes().stream()
        .filter(n -> n.inService() && !busy.contains(n.id()))
        .mapToLong((Node n) -> (long) n.taskCap().finiteValue())
        .sum();
  }

  /**
   * Expected duration: the user's hint, else what done units took on average plus the work to
   * drain.
   */
  private Duration estimate(PlanUnit pu, ClusterSnapshot snap) {
    if (hinted.contains(pu.node()) || doneCount == 0) {
      return pu.expected();
    }
    int work = snap.find(pu.node()).map(Node::runningWork).orElse(0);
    // Whole milliseconds: Duration.dividedBy goes through BigDecimal, a cost on every turn.
    return Duration.ofMillis(doneTotal.toMillis() / doneCount)
        .plus(PlanBuilder.PER_RUNNING_TASK.multipliedBy(work));
  }

  private boolean checkBlocked(Instant now) {
    if (blockedSince != null
        && status == RunStatus.RUNNING
        && !now.isBefore(blockedSince.plus(policy.blockedTimeout()))) {
      setStatus(
          now,
          RunStatus.PAUSED,
          "no node could start for "
              + Durations.format(policy.blockedTimeout())
              + ": "
              + (blocked.isEmpty() ? "see the blocked reasons" : String.join("; ", blocked))
              + "; fix the cluster, then resume");
      blockedSince = null;
      return true;
    }
    return false;
  }

  private boolean finished(Instant now) {
    if (!active.isEmpty()) {
      return false;
    }
    if (stopping()) {
      skipPending(now);
      setStatus(
          now, status == RunStatus.ROLLING_BACK ? RunStatus.FAILED : RunStatus.ABORTED, reason);
      return true;
    }
    if (units.values().stream().anyMatch(u -> u.status() == UnitStatus.PENDING)) {
      return false;
    }
    boolean allDone = units.values().stream().allMatch(u -> u.status() == UnitStatus.DONE);
    setStatus(
        now,
        allDone ? RunStatus.SUCCEEDED : RunStatus.FAILED,
        allDone ? "" : "some nodes were not upgraded");
    return true;
  }

  private void skipPending(Instant now) {
    units.replaceAll(
        (id, u) ->
            u.status() == UnitStatus.PENDING
                ? new UnitState(
                    UnitStatus.SKIPPED, 0, null, now, "the run stopped first", List.of())
                : u);
  }

  private void setStatus(Instant now, RunStatus next, String why) {
    status = next;
    reason = why;
    emit(new UpgradeEvent.RunStatusChanged(now, next, why));
  }

  private void emit(UpgradeEvent e) {
    String description = e.describe();
    LOG.info("{}", description);
    journal.event(description);
    for (UpgradeListener l : listeners) {
      try {
        l.onEvent(e);
      } catch (RuntimeException ex) {
        LOG.warn("a listener failed on {}: {}", e.getClass().getSimpleName(), ex.toString());
      }
    }
  }

  // ---- views ----

  /**
   * The run's state; an abort asked for but not yet applied already shows, so it survives a crash.
   */
  public synchronized RunState state() {
    Instant now = time.now();
    RunStatus shown = status;
    String why = reason;
    String abort = abortRequest;
    if (abort != null && !status.terminal() && !stopping()) {
      shown = RunStatus.ABORTING;
      why = "aborted by operator" + (abort.isEmpty() ? "" : ": " + abort);
    }
    return new RunState(
        runId,
        plan.id(),
        shown,
        why,
        startedAt == null ? now : startedAt,
        now,
        units,
        steps,
        origins,
        approvals,
        failuresSinceResume);
  }

  public synchronized RunReport report() {
    Instant now = time.now();
    List<NodeId> upgraded = new ArrayList<>();
    Map<NodeId, String> failed = new LinkedHashMap<>();
    List<NodeId> restored = new ArrayList<>();
    List<NodeId> operator = new ArrayList<>();
    List<NodeId> notStarted = new ArrayList<>();
    units.forEach(
        (id, u) -> {
          switch (u.status()) {
            case DONE -> upgraded.add(id);
            case RESTORING -> failed.put(id, u.failure());
            case RESTORED -> {
              failed.put(id, u.failure());
              restored.add(id);
            }
            case RESTORE_FAILED, NEEDS_ROLL_FORWARD -> {
              failed.put(id, u.failure());
              operator.add(id);
            }
            case PENDING, SKIPPED -> notStarted.add(id);
            case RUNNING -> {}
          }
        });
    List<String> allNotes =
        new ArrayList<>(
            plan.warnings().stream().filter(w -> w.contains(" is out of service (")).toList());
    allNotes.addAll(notes);
    return new RunReport(
        status,
        reason,
        startedAt == null ? now : startedAt,
        now,
        upgraded,
        failed,
        restored,
        operator,
        notStarted,
        List.copyOf(awaiting),
        List.copyOf(blocked),
        allNotes,
        cluster.requestsSent() - requestsBefore);
  }
}
