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
  private final Windows windows;

  /** When a maintenance window next opens, if none was open when this turn had units to start. */
  private Instant windowOpens;

  // ---- indexes, so that a turn costs what changed, not the cluster's size ----

  /** Pending units whose dependencies are done, best first; built at the first turn. */
  private final ReadyQueue ready = new ReadyQueue();

  private boolean readinessKnown;

  /** Per unit, how many of the units it comes after are not done yet. */
  private final Map<NodeId, Integer> depsLeft = new HashMap<>();

  /** Per unit, the units that come after it. */
  private final Map<NodeId, List<NodeId>> dependents = new HashMap<>();

  /** Per node, the units whose steps act on it. */
  private final Map<NodeId, Set<NodeId>> nodeUnits = new HashMap<>();

  /** The observation the indexes below are of. */
  private ClusterSnapshot observed;

  /** The task slots of the members observed in service. */
  private long inServiceCapacity;

  /** Per role, its units in flight. */
  private final Map<Role, Integer> inFlight = new HashMap<>();

  /** The nodes the units in flight hold, counted per unit that holds them. */
  private final Map<NodeId, Integer> busy = new HashMap<>();

  /** Per unit in flight, the nodes its steps took out of service. */
  private final Map<NodeId, Set<NodeId>> disruptedBy = new HashMap<>();

  /** The nodes the units in flight took out of service, counted per unit. */
  private final Map<NodeId, Integer> disrupted = new HashMap<>();

  /**
   * Per role, the members out of service that the budget counts: observed out, or taken out by a
   * unit in flight.
   */
  private final Map<Role, Set<NodeId>> outForBudget = new HashMap<>();

  /** Per role, the members observed out of service that no unit in flight holds. */
  private final Map<Role, Set<NodeId>> outsideRun = new HashMap<>();

  /** When each unit in flight went in flight, to advance units in that order. */
  private final Map<NodeId, Long> activeOrder = new HashMap<>();

  private long nextActiveOrder;

  /** Units in flight by when they next need a look; each is in at most one set. */
  private final java.util.NavigableMap<Instant, Set<NodeId>> wakes = new java.util.TreeMap<>();

  private final Map<NodeId, Instant> wakeOf = new HashMap<>();

  /** Units in flight to look at in the next turn whatever else happens. */
  private Set<NodeId> dueNow = new HashSet<>();

  /** Whether the next turn looks at every unit in flight (the run's status or controls changed). */
  private boolean everyUnitDue = true;

  /** Why a unit in flight cannot go on, as of its last turn. */
  private final Map<NodeId, String> unitBlocked = new LinkedHashMap<>();

  /** The gate a unit in flight waits at, as of its last turn. */
  private final Map<NodeId, String> unitAwaiting = new LinkedHashMap<>();

  /** This turn's guard, while the turn lasts. */
  private Guard guard;

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
      nodes.forEach(n -> nodeUnits.computeIfAbsent(n, x -> new HashSet<>()).add(u.node()));
      units.put(u.node(), UnitState.pending());
      for (NodeId dep : u.after()) {
        dependents.computeIfAbsent(dep, d -> new ArrayList<>()).add(u.node());
      }
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
            activate(id);
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
    List<RunJournal.Control> controls = journal.newControls();
    if (!controls.isEmpty()) {
      everyUnitDue = true; // a pause, an abort or an approval concerns every unit in flight
    }
    for (RunJournal.Control c : controls) {
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
        // A run resumed after it ended holds the lease it took to read it: give it back.
        journal.release();
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
      unitAwaiting.forEach(
          (id, gate) -> {
            if (approvals.contains(gate)) {
              dueNow.add(id);
            }
          });
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

    /** In a unit's own turn: the gate it waits at, and why it is blocked. */
    String gate;

    String blocked;

    void wakeAt(Instant t) {
      if (t != null && (wake == null || t.isBefore(wake))) {
        wake = t;
      }
    }
  }

  private Turn turn(ClusterSnapshot snap, Instant now) {
    Turn turn = new Turn();
    Set<NodeId> changed = index(snap, now);
    if (restoring()) {
      stopAndRestore(now, status, reason);
    }
    guard =
        new Guard(
            snap,
            plan.budgets(),
            notBudgeted,
            disrupted.keySet(),
            r -> outForBudget.getOrDefault(r, Set.of()),
            this::removedByRun);
    try {
      for (NodeId id : due(changed, now)) {
        if (active.contains(id)) {
          advance(id, snap, now, turn);
        }
      }
    } finally {
      guard = null;
    }
    applyControls(now);
    Set<String> blockedNow = new LinkedHashSet<>(unitBlocked.values());
    if (status == RunStatus.RUNNING) {
      turn.started = startUnits(snap, now, blockedNow);
      turn.progressed |= turn.started;
      turn.wakeAt(windowOpens);
    }
    awaiting.clear();
    awaiting.addAll(unitAwaiting.values());
    turn.awaitingApproval = unitAwaiting.size();
    if (!wakes.isEmpty()) {
      turn.wakeAt(wakes.firstKey());
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
   * Brings the indexes up to {@code snap}; returns the nodes that changed since the last turn, or
   * null at the first turn, when everything is new.
   */
  private Set<NodeId> index(ClusterSnapshot snap, Instant now) {
    Set<NodeId> changed;
    if (observed == null) {
      changed = null;
      snap.nodes().forEach(n -> indexNode(n, 1));
    } else {
      changed = snap.changedSince(observed);
      for (NodeId id : changed) {
        observed.find(id).ifPresent(n -> indexNode(n, -1));
        Optional<Node> n = snap.find(id);
        n.ifPresent(m -> indexNode(m, 1));
        ready.update(id, n.orElse(null));
      }
    }
    ClusterSnapshot before = observed;
    observed = snap;
    if (before == null) {
      snap.nodes().forEach(n -> reconsider(n.id()));
    } else {
      changed.forEach(this::reconsider);
    }
    if (!readinessKnown) {
      readinessKnown = true;
      workOutReadiness(now);
    }
    return changed;
  }

  /**
   * Puts {@code id} in or out of {@link #outForBudget} and {@link #outsideRun}, after its
   * observation, the units holding it or its disruption changed.
   */
  private void reconsider(NodeId id) {
    Node n = observed == null ? null : observed.find(id).orElse(null);
    Role role = n == null ? null : n.role();
    boolean counted = !notBudgeted.contains(id);
    boolean out = n != null && !n.inService();
    place(outForBudget, role, id, n != null && counted && (out || disrupted.containsKey(id)));
    place(outsideRun, role, id, out && counted && !busy.containsKey(id));
  }

  private static void place(Map<Role, Set<NodeId>> index, Role role, NodeId id, boolean in) {
    if (in) {
      index.computeIfAbsent(role, r -> new LinkedHashSet<>()).add(id);
    } else {
      // Its role may have changed with its observation: look in every role's set (there are few).
      index.values().forEach(set -> set.remove(id));
    }
  }

  private void indexNode(Node n, int sign) {
    if (n.inService()) {
      inServiceCapacity += sign * (long) n.taskCap().finiteValue();
    }
  }

  /**
   * Which pending units are ready (their dependencies done) and which can never start (one failed);
   * once, at the first turn: from then on every status change keeps it up to date ({@link #put}).
   */
  private void workOutReadiness(Instant now) {
    for (PlanUnit pu : plan.units()) {
      int left = 0;
      for (NodeId dep : pu.after()) {
        if (units.get(dep).status() != UnitStatus.DONE) {
          left++;
        }
      }
      depsLeft.put(pu.node(), left);
    }
    for (PlanUnit pu : plan.units()) {
      UnitState u = units.get(pu.node());
      if (u.finished() && u.status() != UnitStatus.DONE) {
        skipDependents(pu.node(), now);
      } else if (u.status() == UnitStatus.PENDING && depsLeft.get(pu.node()) == 0) {
        enqueue(pu.node());
      }
    }
  }

  private void enqueue(NodeId id) {
    ready.put(
        planUnits.get(id),
        observed.find(id).orElse(null),
        planUnits.get(id).estimate() != PlanUnit.Estimate.DEFAULT,
        planIndex.get(id));
  }

  /** Pending units behind {@code failed}, which finished without being done, can never start. */
  private void skipDependents(NodeId failed, Instant now) {
    for (NodeId d : dependents.getOrDefault(failed, List.of())) {
      if (units.get(d).status() == UnitStatus.PENDING) {
        put(
            d,
            new UnitState(UnitStatus.SKIPPED, 0, null, now, failed + " failed first", List.of()));
      }
    }
  }

  /**
   * Sets a unit's state, and keeps what depends on it up to date: whether it is ready, the units
   * after it, and whether a unit in flight needs a look in the next turn.
   */
  private void put(NodeId id, UnitState next) {
    UnitState before = units.put(id, next);
    if (active.contains(id)) {
      dueNow.add(id);
    }
    if (!readinessKnown || before == null || before.status() == next.status()) {
      return;
    }
    if (before.status() == UnitStatus.PENDING) {
      ready.remove(id);
    }
    if (next.status() == UnitStatus.PENDING) {
      if (depsLeft.get(id) == 0) {
        enqueue(id);
      }
    } else if (next.status() == UnitStatus.DONE) {
      for (NodeId d : dependents.getOrDefault(id, List.of())) {
        int left = depsLeft.merge(d, -1, Integer::sum);
        if (left == 0 && units.get(d).status() == UnitStatus.PENDING) {
          enqueue(d);
        }
      }
    } else if (next.finished()) {
      skipDependents(id, next.finishedAt() == null ? time.now() : next.finishedAt());
    }
  }

  /** Takes a unit in flight. */
  private void activate(NodeId id) {
    if (!active.add(id)) {
      return;
    }
    activeOrder.put(id, nextActiveOrder++);
    inFlight.merge(planUnits.get(id).role(), 1, Integer::sum);
    unitNodes.get(id).forEach(n -> busy.merge(n, 1, Integer::sum));
    unitNodes.get(id).forEach(this::reconsider);
    dueNow.add(id);
    refreshDisrupted(id);
  }

  /**
   * A unit leaves flight; what it took out of service still counts for the rest of this turn, whose
   * observation may not show it back yet.
   */
  private void deactivate(NodeId id) {
    if (!active.remove(id)) {
      return;
    }
    activeOrder.remove(id);
    inFlight.merge(planUnits.get(id).role(), -1, Integer::sum);
    unitNodes.get(id).forEach(n -> busy.computeIfPresent(n, (k, c) -> c == 1 ? null : c - 1));
    Set<NodeId> was = disruptedBy.remove(id);
    if (was != null) {
      was.forEach(n -> disrupted.computeIfPresent(n, (k, c) -> c == 1 ? null : c - 1));
      if (guard != null) {
        was.forEach(guard::heldThisTurn);
      }
      was.forEach(this::reconsider);
    }
    unitNodes.get(id).forEach(this::reconsider);
    unschedule(id);
    dueNow.remove(id);
    unitBlocked.remove(id);
    unitAwaiting.remove(id);
  }

  /**
   * Counts the nodes that unit {@code id}'s acted disruptive steps took out of service. While a
   * unit is in flight what it took out only grows (it is given back when the unit leaves flight).
   */
  private void refreshDisrupted(NodeId id) {
    Set<NodeId> mine = disruptedBy.computeIfAbsent(id, x -> new HashSet<>());
    for (PlanStep s : planUnits.get(id).steps()) {
      if (StepDriver.isDisruptive(s.action()) && acted(s) && mine.add(s.node())) {
        disrupted.merge(s.node(), 1, Integer::sum);
        reconsider(s.node());
      }
    }
  }

  /**
   * The units in flight to look at this turn, in the order they went in flight: those whose nodes
   * changed, whose wake is due, that moved on in the last turn, and the blocked ones whenever
   * anything happened (what blocks them may be anywhere); every one at the first turn and after the
   * run's status or controls changed.
   */
  private List<NodeId> due(Set<NodeId> changed, Instant now) {
    Set<NodeId> due = dueNow;
    dueNow = new HashSet<>();
    if (changed == null || everyUnitDue) {
      everyUnitDue = false;
      due.addAll(active);
    } else {
      while (!wakes.isEmpty() && !wakes.firstKey().isAfter(now)) {
        for (NodeId id : wakes.pollFirstEntry().getValue()) {
          wakeOf.remove(id);
          due.add(id);
        }
      }
      for (NodeId n : changed) {
        due.addAll(nodeUnits.getOrDefault(n, Set.of()));
      }
      if (!due.isEmpty() || !changed.isEmpty()) {
        due.addAll(unitBlocked.keySet());
      }
    }
    List<NodeId> order = new ArrayList<>(due.size());
    for (NodeId id : due) {
      if (activeOrder.containsKey(id)) {
        order.add(id);
      }
    }
    if (order.size() > 1) {
      order.sort(Comparator.comparingLong(activeOrder::get));
    }
    return order;
  }

  private void schedule(NodeId id, Instant at) {
    unschedule(id);
    wakeOf.put(id, at);
    wakes.computeIfAbsent(at, t -> new LinkedHashSet<>()).add(id);
  }

  private void unschedule(NodeId id) {
    Instant at = wakeOf.remove(id);
    if (at != null) {
      Set<NodeId> set = wakes.get(at);
      set.remove(id);
      if (set.isEmpty()) {
        wakes.remove(at);
      }
    }
  }

  /** One unit's turn: advances it and notes when it needs its next look. */
  private void advance(NodeId id, ClusterSnapshot snap, Instant now, Turn turn) {
    unitBlocked.remove(id);
    unitAwaiting.remove(id);
    unschedule(id);
    Turn own = new Turn();
    advanceUnit(id, snap, now, own);
    turn.progressed |= own.progressed;
    if (!active.contains(id)) {
      return;
    }
    if (own.progressed) {
      refreshDisrupted(id); // a step acted, or may have: only then can it take more out
    }
    if (own.gate != null) {
      unitAwaiting.put(id, own.gate);
    }
    if (own.blocked != null) {
      unitBlocked.put(id, own.blocked);
    }
    if (own.progressed) {
      dueNow.add(id);
    } else {
      schedule(id, own.wake == null ? now.plus(policy.pollInterval()) : own.wake);
    }
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
        .anyMatch(
            pu ->
                pu.steps().stream()
                    .anyMatch(
                        s ->
                            s.node().equals(node)
                                && (s.action() instanceof Action.RemoveMember
                                    || s.action() instanceof Action.Decommission)
                                // a done unit's steps all ran, and their states are gone
                                && (units.get(pu.node()).status() == UnitStatus.DONE || acted(s))));
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
      put(id, u.at(u.cursor() + 1));
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
        put(id, u.at(u.cursor() + 1));
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
          turn.blocked = id + ": " + o.detail();
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
          String gate = driver.gateOf(step);
          turn.gate = gate;
          announceOnce(
              step,
              () ->
                  emit(
                      new UpgradeEvent.ApprovalRequested(
                          now, id, gate, driver.instructionsOf(step))));
        } else if (!o.detail().isEmpty()) {
          turn.blocked = id + ": " + o.detail();
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
      put(id, restoring(id, u, u.failure(), failures));
      return;
    }
    LOG.error("{}: restoring {} failed: {}", id, step.node(), why);
    put(
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
    deactivate(id);
    put(id, UnitState.pending());
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
    if (u.status() == UnitStatus.RESTORING
        && !u.restoreSteps().isEmpty()
        && !Restoration.isRestoreStep(u.restoreSteps().get(0))) {
      restoreAfterInterruptedStep(id, u);
      return;
    }
    deactivate(id);
    if (u.status() == UnitStatus.RESTORING) {
      if (u.unrestored().isEmpty()) {
        put(
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
        put(
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
    put(id, new UnitState(UnitStatus.DONE, u.cursor(), u.startedAt(), now, "", List.of()));
    // A done unit's step states are history (its events have them): dropped, the run's state
    // stays the size of the work in flight, not of the cluster.
    planUnits.get(id).steps().forEach(s -> steps.remove(s.id()));
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
      put(
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
    deactivate(id);
    put(
        id,
        new UnitState(
            UnitStatus.NEEDS_ROLL_FORWARD, u.cursor(), u.startedAt(), now, text, List.of()));
    LOG.error("{}: {}", id, text);
    emit(new UpgradeEvent.UnitNeedsOperator(now, id, text));
  }

  /** The interrupted step has finished, one way or the other: now work out what to undo. */
  private void restoreAfterInterruptedStep(NodeId id, UnitState u) {
    put(id, restoring(id, u, u.failure(), u.unrestored()));
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
    boolean started = false;
    boolean inPlace =
        plan.strategy() instanceof io.upkeep.Strategy.InPlace
            && plan.constraints().minimumCapacity() > 0;
    long capacity = inPlace ? spareCapacity() : Long.MAX_VALUE;
    Duration base =
        doneCount == 0
            ? PlanBuilder.NOMINAL_UNIT
            // Whole milliseconds: Duration.dividedBy goes through BigDecimal.
            : Duration.ofMillis(doneTotal.toMillis() / doneCount);
    Map<Role, List<String>> outside = new HashMap<>();
    Set<Role> full = new HashSet<>();
    List<PlanUnit> later = new ArrayList<>();
    // The best candidate whose role has a free slot, one at a time; those that cannot start now go
    // back into the queue after the turn.
    PlanUnit pu;
    while ((pu = ready.pollBest(full, base)) != null) {
      Optional<Node> node = snap.find(pu.node());
      if (node.isEmpty()) {
        put(
            pu.node(),
            new UnitState(
                UnitStatus.SKIPPED,
                0,
                null,
                now,
                pu.node() + " left the cluster before its turn: nothing to upgrade",
                List.of()));
        notes.add(pu.node() + " left the cluster before its turn and was not upgraded");
        continue;
      }
      boolean isOut = !node.get().inService();
      int budget = plan.budgets().getOrDefault(pu.role(), 1);
      int used = inFlight.getOrDefault(pu.role(), 0);
      List<String> out =
          new ArrayList<>(outside.computeIfAbsent(pu.role(), r -> outsideTheRun(r, snap)));
      // A node out of service holds its slot already; its own unit takes that slot, not another.
      if (isOut) {
        NodeId self = pu.node();
        out.removeIf(o -> o.startsWith(self + " "));
      }
      if (used + out.size() >= budget) {
        later.add(pu);
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
        full.add(pu.role());
        continue;
      }
      if (node.get().leader()
          && plan.constraints().leaderLast()
          && plan.constraints().quorumRoles().contains(pu.role())) {
        String wait = leaderMustWait(pu.node());
        if (wait != null) {
          NodeId self = pu.node();
          if (unitsByRole.get(pu.role()).stream()
              .filter(o -> !o.equals(self))
              .allMatch(o -> units.get(o).finished())) {
            put(
                pu.node(),
                new UnitState(
                    UnitStatus.SKIPPED,
                    0,
                    null,
                    now,
                    wait + ", which were not upgraded",
                    List.of()));
          } else {
            later.add(pu);
            blockedNow.add(pu.node() + ": waits: " + wait);
          }
          continue;
        }
      }
      long cap = node.get().inService() ? (long) node.get().taskCap().finiteValue() : 0L;
      if (capacity - cap < plan.constraints().minimumCapacity()) {
        later.add(pu);
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
      activate(pu.node());
      put(pu.node(), new UnitState(UnitStatus.RUNNING, 0, now, null, "", List.of()));
      emit(new UpgradeEvent.UnitStarted(now, pu.node(), active.size()));
      started = true;
    }
    for (PlanUnit back : later) {
      enqueue(back.node());
    }
    if (!active.isEmpty() || started) {
      blockedSince = null;
    } else if ((!noneReady || !blockedNow.isEmpty()) && blockedSince == null) {
      blockedSince = now;
    }
    return started;
  }

  /**
   * The members of {@code role} out of service that no unit in flight holds and the budget counts:
   * taken out by someone else, lost, or failing.
   */
  private List<String> outsideTheRun(Role role, ClusterSnapshot snap) {
    List<String> out = new ArrayList<>();
    for (NodeId id : outsideRun.getOrDefault(role, Set.of())) {
      Node n = snap.node(id);
      out.add(n.id() + " " + n.health() + "/" + n.drainState());
    }
    return out;
  }

  /** Task slots of in-service nodes that no unit in flight holds. */
  private long spareCapacity() {
    long held = 0;
    for (NodeId id : busy.keySet()) {
      Optional<Node> n = observed.find(id);
      if (n.isPresent() && n.get().inService()) {
        held += n.get().taskCap().finiteValue();
      }
    }
    return inServiceCapacity - held;
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
    everyUnitDue = true;
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
