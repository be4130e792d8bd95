package io.upkeep.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.upkeep.LeaseHeldException;
import io.upkeep.LeaseLostException;
import io.upkeep.NodeId;
import io.upkeep.RunState;
import io.upkeep.RunState.NodeOrigin;
import io.upkeep.RunState.StepState;
import io.upkeep.RunState.UnitState;
import io.upkeep.RunState.UnitStatus;
import io.upkeep.RunStatus;
import io.upkeep.UpgradePlan;
import io.upkeep.UpkeepException;
import io.upkeep.spi.JournalEntry;
import io.upkeep.spi.JournalStore;
import io.upkeep.spi.Lease;
import io.upkeep.spi.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * A run's journal in a {@link JournalStore}: the executor's record of every decision, action and
 * outcome, appended before the run moves on, under the runner's lease. Each append holds what
 * changed since the last one (a {@link Progress}); every so often a {@link Snapshot} of the whole
 * state replaces the run's earlier records, so a replay reads one snapshot and a bounded tail.
 * Operators' commands are {@link Control} records any process may append. Not thread-safe: the
 * reconciler calls it under its lock.
 */
public final class RunJournal {

  /** A run began. */
  record Start(String runId, String planId, String owner, JsonNode plan) {}

  /** What changed, and the events that said why. Null values in the maps: removed. */
  record Progress(
      RunStatus status,
      String reason,
      Instant startedAt,
      int failuresSinceResume,
      Map<NodeId, UnitState> units,
      Map<String, StepState> steps,
      Map<NodeId, NodeOrigin> origins,
      Set<String> approvals,
      long controlsThrough,
      List<String> events,
      List<String> blocked) {}

  /** The whole state, with the plan, replacing the run's earlier records. */
  record Snapshot(RunState state, long controlsThrough, JsonNode plan, List<String> blocked) {}

  /**
   * {@link Start} and {@link Snapshot} as a replay reads them: the plan bound in the same pass over
   * the record, not kept as a tree and parsed again (the plan is most of a large run's journal).
   */
  record StartRead(String runId, String planId, String owner, UpgradePlan plan) {}

  record SnapshotRead(
      RunState state, long controlsThrough, UpgradePlan plan, List<String> blocked) {}

  /**
   * An operator's command: pause, resume, abort, approve or decline; gate and reason may be empty.
   */
  public record Control(String command, String gate, String reason) {}

  /** A run as its journal tells it. */
  public record Replayed(
      UpgradePlan plan, RunState state, long controlsThrough, List<String> blocked) {}

  private final JournalStore store;
  private final TimeSource time;
  private Duration ttl;

  /** Half of {@link #ttl}, when the lease is renewed (kept: dividing a Duration is costly). */
  private Duration halfTtl;

  private final String owner;
  private final String runId;
  private final int snapshotEvery;
  private Lease lease;
  private long readThrough;
  private long controlsThrough;
  private int sinceSnapshot;
  private final List<String> events = new ArrayList<>();
  private Set<String> approvalsJournaled = Set.of();
  private long lastOwnSeq;
  private boolean records = true;

  /** The run's own fields as last journaled, or null: written again only when they change. */
  private RunFields runJournaled;

  /** The plan as a JSON tree, made once: every snapshot carries it. */
  private JsonNode planTree;

  /** The fields of a run that a progress record repeats whole. */
  private record RunFields(
      RunStatus status, String reason, Instant startedAt, int failures, List<String> blocked) {}

  private RunJournal(
      JournalStore store,
      TimeSource time,
      Duration ttl,
      String owner,
      String runId,
      int units,
      Lease lease) {
    this.store = store;
    this.time = time;
    this.ttl = ttl;
    this.halfTtl = ttl.dividedBy(2);
    this.owner = owner;
    this.runId = runId;
    this.snapshotEvery = Math.max(256, 4 * units);
    this.lease = lease;
  }

  /** Takes the lease, or says who holds it. */
  private static Lease take(JournalStore store, String owner, Duration ttl, Instant now) {
    return store
        .acquire(owner, ttl, now)
        .orElseThrow(() -> new LeaseHeldException(store.lease().orElseThrow()));
  }

  /**
   * Refuses to start a new run while another runner holds the lease or the journal's latest run has
   * not ended.
   *
   * @throws LeaseHeldException if another runner holds the lease
   * @throws UpkeepException naming the unfinished run and what to do
   */
  public static void refuseUnfinished(JournalStore store, Instant now) {
    Optional<Lease> held = store.lease().filter(l -> l.heldAt(now));
    if (held.isPresent()) {
      throw new LeaseHeldException(held.get());
    }
    Optional<Replayed> latest = replay(store.read(0));
    if (latest.isPresent() && !latest.get().state().status().terminal()) {
      throw unfinished(store, latest.get().state());
    }
  }

  private static UpkeepException unfinished(JournalStore store, RunState s) {
    return new UpkeepException(
        "the journal "
            + store
            + " holds run "
            + s.runId()
            + " of plan "
            + s.planId()
            + ", which has not ended ("
            + s.status()
            + "): resume it (UpgradeExecutor.resume()), or abort it, before starting another");
  }

  /**
   * Begins run {@code runId} of {@code plan}: takes the lease and writes its start, unless the
   * journal's latest run has not ended. {@code adopted}: the state of a run resumed from a state
   * the user kept, which the first progress record then holds whole; null for a new run. {@code
   * durable}: false for a journal that lives only as long as the run object (the executor was given
   * no store), which then records only operators' commands: nothing could read the rest back.
   *
   * @throws LeaseHeldException if another runner holds the lease
   * @throws UpkeepException if the journal's latest run is not over
   */
  public static RunJournal begin(
      JournalStore store,
      TimeSource time,
      Duration ttl,
      String owner,
      String runId,
      UpgradePlan plan,
      RunState adopted,
      boolean durable) {
    Instant now = time.now();
    Lease lease = take(store, owner, ttl, now);
    try {
      Optional<Replayed> latest = replay(store.read(0));
      if (latest.isPresent()
          && !latest.get().state().status().terminal()
          && (adopted == null || !latest.get().state().runId().equals(adopted.runId()))) {
        throw unfinished(store, latest.get().state());
      }
      RunJournal j = new RunJournal(store, time, ttl, owner, runId, plan.units().size(), lease);
      if (!durable) {
        j.records = false;
        return j;
      }
      j.readThrough = j.restart(plan);
      j.controlsThrough = j.readThrough;
      return j;
    } catch (RuntimeException e) {
      store.release(lease);
      throw e;
    }
  }

  /**
   * Takes the lease and reads the journal's latest run back.
   *
   * @throws LeaseHeldException if another runner holds the lease
   * @throws UpkeepException if the journal holds no run
   */
  public static Map.Entry<RunJournal, Replayed> reopen(
      JournalStore store, TimeSource time, Duration ttl, String owner) {
    Instant now = time.now();
    Lease lease = take(store, owner, ttl, now);
    try {
      List<JournalEntry> all = store.read(0);
      Replayed r =
          replay(all)
              .orElseThrow(
                  () ->
                      new UpkeepException(
                          "the journal "
                              + store
                              + " holds no run to resume: start one with UpgradeExecutor.start(plan)"));
      RunJournal j =
          new RunJournal(
              store, time, ttl, owner, r.state().runId(), r.plan().units().size(), lease);
      // Controls after the last one the run applied are read again at its first turn.
      j.readThrough = r.controlsThrough();
      j.lastOwnSeq = all.isEmpty() ? 0 : all.get(all.size() - 1).seq();
      j.planTree = tree(r.plan());
      j.controlsThrough = r.controlsThrough();
      j.approvalsJournaled = r.state().approvals();
      return Map.entry(j, r);
    } catch (RuntimeException e) {
      store.release(lease);
      throw e;
    }
  }

  /**
   * Writes the start of this run with {@code plan}: a new run, or one carried into a changed plan,
   * whose state the next progress record holds whole. Returns the start's seq.
   */
  public long restart(UpgradePlan plan) {
    Instant now = time.now();
    planTree = tree(plan);
    runJournaled = null;
    approvalsJournaled = Set.of();
    return append(
            JournalEntry.START, Json.compact(new Start(runId, plan.id(), owner, planTree)), now)
        .seq();
  }

  /** Notes the run's fields as the journal holds them, so they are not written again unchanged. */
  void journaledRun(
      RunStatus status, String reason, Instant startedAt, int failures, Set<String> approvals) {
    runJournaled = new RunFields(status, reason, startedAt, failures, List.of());
    approvalsJournaled = Set.copyOf(approvals);
  }

  private static JsonNode tree(UpgradePlan plan) {
    try {
      return Json.mapper().readTree(plan.toJson());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UpkeepException("cannot write plan " + plan.id() + " to the journal", e);
    }
  }

  /**
   * {@code state} of plan {@code from} carried into plan {@code to}: units whose steps are the same
   * in both keep their progress, the others start afresh.
   *
   * @throws UpkeepException if a unit in flight has other steps in {@code to}, naming it
   */
  public static RunState carryInto(RunState state, UpgradePlan from, UpgradePlan to) {
    Map<NodeId, List<io.upkeep.PlanStep>> after = new LinkedHashMap<>();
    to.units().forEach(u -> after.put(u.node(), u.steps()));
    Map<NodeId, UnitState> units = new LinkedHashMap<>();
    Map<String, StepState> steps = new LinkedHashMap<>();
    List<String> refused = new ArrayList<>();
    for (io.upkeep.PlanUnit u : from.units()) {
      UnitState was = state.units().get(u.node());
      if (was == null) {
        continue;
      }
      if (u.steps().equals(after.get(u.node()))) {
        units.put(u.node(), was);
        u.steps()
            .forEach(
                st -> {
                  StepState ss = state.steps().get(st.id());
                  if (ss != null) {
                    steps.put(st.id(), ss);
                  }
                });
      } else if (!was.finished() && was.status() != RunState.UnitStatus.PENDING) {
        // In flight, and the new plan has other steps for it, or none: it cannot be carried on.
        refused.add(u.node().toString());
      }
    }
    if (!refused.isEmpty()) {
      throw new UpkeepException(
          "cannot carry run "
              + state.runId()
              + " into plan "
              + to.id()
              + ": the steps of "
              + refused
              + ", in flight, changed (or the new plan has none for them); let the run finish or"
              + " abort it under its own plan first");
    }
    Set<String> approvals = new TreeSet<>(state.approvals());
    return new RunState(
        state.runId(),
        to.id(),
        state.status(),
        state.reason(),
        state.startedAt(),
        state.updatedAt(),
        units,
        steps,
        state.origins(),
        approvals,
        state.failuresSinceResume());
  }

  /** The latest run in {@code entries}, replayed, or empty if there is none. */
  /**
   * What each node took in the latest run of {@code entries}: from the start of its unit to its
   * end, for each unit that was done. Empty if they hold no run.
   */
  public static Map<NodeId, Duration> durations(List<JournalEntry> entries) {
    Map<NodeId, Duration> took = new LinkedHashMap<>();
    replay(entries)
        .ifPresent(
            r ->
                r.state()
                    .units()
                    .forEach(
                        (id, u) -> {
                          if (u.status() == UnitStatus.DONE
                              && u.startedAt() != null
                              && u.finishedAt() != null) {
                            took.put(id, Duration.between(u.startedAt(), u.finishedAt()));
                          }
                        }));
    return took;
  }

  public static Optional<Replayed> replay(List<JournalEntry> entries) {
    JournalEntry base = null;
    for (JournalEntry e : entries) {
      if (e.kind().equals(JournalEntry.START) || e.kind().equals(JournalEntry.SNAPSHOT)) {
        base = e;
      }
    }
    if (base == null) {
      return Optional.empty();
    }
    String run = base.runId();
    UpgradePlan plan;
    RunState state;
    long controls;
    List<String> blocked = List.of();
    if (base.kind().equals(JournalEntry.START)) {
      StartRead s = Json.read(base.body(), StartRead.class);
      plan = s.plan();
      state =
          new RunState(
              run,
              s.planId(),
              RunStatus.PENDING,
              "",
              base.at(),
              base.at(),
              Map.of(),
              Map.of(),
              Map.of(),
              Set.of(),
              0);
      controls = 0;
    } else {
      SnapshotRead s = Json.read(base.body(), SnapshotRead.class);
      plan = s.plan();
      state = s.state();
      controls = s.controlsThrough();
      blocked = s.blocked() == null ? List.of() : s.blocked();
    }
    Map<NodeId, UnitState> units = new LinkedHashMap<>(state.units());
    Map<String, StepState> steps = new LinkedHashMap<>(state.steps());
    Map<NodeId, NodeOrigin> origins = new LinkedHashMap<>(state.origins());
    Set<String> approvals = new TreeSet<>(state.approvals());
    RunStatus status = state.status();
    String reason = state.reason();
    Instant startedAt = state.startedAt();
    Instant updatedAt = state.updatedAt();
    int failures = state.failuresSinceResume();
    for (JournalEntry e : entries) {
      if (e.seq() <= base.seq() || !e.runId().equals(run)) {
        continue;
      }
      if (e.kind().equals(JournalEntry.PROGRESS)) {
        Progress p = Json.read(e.body(), Progress.class);
        apply(units, p.units());
        apply(steps, p.steps());
        apply(origins, p.origins());
        approvals.addAll(p.approvals());
        status = p.status();
        reason = p.reason();
        startedAt = p.startedAt() == null ? startedAt : p.startedAt();
        failures = p.failuresSinceResume();
        controls = Math.max(controls, p.controlsThrough());
        blocked = p.blocked() == null ? List.of() : p.blocked();
        updatedAt = e.at();
      }
    }
    RunState replayed =
        new RunState(
            run,
            state.planId(),
            status,
            reason,
            startedAt,
            updatedAt,
            units,
            steps,
            origins,
            approvals,
            failures);
    return Optional.of(new Replayed(plan, replayed, controls, blocked));
  }

  private static <K, V> void apply(Map<K, V> into, Map<K, V> changes) {
    if (changes == null) {
      return;
    }
    changes.forEach(
        (k, v) -> {
          if (v == null) {
            into.remove(k);
          } else {
            into.put(k, v);
          }
        });
  }

  /** Appends a control record for the latest run of {@code store}; any process may. */
  public static void control(JournalStore store, Instant now, String run, Control c) {
    store.append(
        List.of(JournalEntry.of(run, now, JournalEntry.CONTROL, Json.compact(c))), null, now);
  }

  /**
   * Journals an operator's command given to this runner; like every command, it takes effect when
   * the runner reads it back at its next turn, so it survives a restart in between.
   */
  public void control(String command, String gate, String reason) {
    control(store, time.now(), runId, new Control(command, gate, reason));
  }

  /** Notes an event, journaled with the next progress record. */
  public void event(String description) {
    events.add(description);
  }

  /**
   * The control records appended since the last call (by this process or any other), in order; the
   * next progress record says they were applied.
   */
  public List<Control> newControls() {
    List<Control> out = new ArrayList<>();
    for (JournalEntry e : store.read(readThrough)) {
      readThrough = e.seq();
      if (e.kind().equals(JournalEntry.CONTROL) && e.runId().equals(runId)) {
        controlsThrough = e.seq();
        out.add(Json.read(e.body(), Control.class));
      }
    }
    return out;
  }

  /**
   * Checks that this runner still holds the lease at {@code now}, renewing it past half its time.
   *
   * @throws LeaseLostException if it lapsed or was taken over: the runner must not act again
   */
  public void checkLease(Instant now) {
    if (!lease.heldAt(now)) {
      throw new LeaseLostException(
          "runner '"
              + owner
              + "' lost its lease on the journal at "
              + lease.expiresAt()
              + " (now "
              + now
              + "): it stops without acting; resume the run to take the lease again");
    }
    if (Duration.between(now, lease.expiresAt()).compareTo(halfTtl) < 0) {
      lease = store.renew(lease, ttl, now);
    }
  }

  /**
   * Makes the lease last at least three poll intervals of the run's policy, so that it never lapses
   * while the run waits between two turns.
   */
  void coverWaitsOf(Duration pollInterval) {
    Duration least = pollInterval.multipliedBy(3);
    if (least.compareTo(ttl) > 0) {
      ttl = least;
      halfTtl = ttl.dividedBy(2);
      lease = store.renew(lease, ttl, time.now());
    }
  }

  /**
   * Before the run sleeps for {@code wait}: if that is longer than half the lease's time, extends
   * the lease past the sleep, so that it does not lapse while the runner waits (for a maintenance
   * window); a runner that dies meanwhile is taken over once the extended lease lapses.
   */
  void holdThrough(Instant now, Duration wait) {
    if (wait.compareTo(halfTtl) > 0) {
      lease = store.renew(lease, wait.plus(ttl), now);
    }
  }

  /**
   * Takes the lease again if it lapsed while the run was idle (paused, waiting for an approval
   * between two calls of execute), provided nobody else took it or drove the run meanwhile.
   *
   * @throws LeaseLostException if another runner holds the lease or wrote to the run since
   */
  public void reclaim(Instant now) {
    if (lease.heldAt(now)) {
      return;
    }
    Lease again =
        store
            .acquire(owner, ttl, now)
            .orElseThrow(
                () ->
                    new LeaseLostException(
                        "runner '"
                            + owner
                            + "' let its lease lapse and runner '"
                            + store.lease().map(Lease::owner).orElse("?")
                            + "' holds it now: this run object must not act again; resume from"
                            + " the journal once the lease is free"));
    boolean drivenByOther =
        store.read(lastOwnSeq).stream().anyMatch(e -> !e.kind().equals(JournalEntry.CONTROL));
    if (drivenByOther) {
      store.release(again);
      throw new LeaseLostException(
          "runner '"
              + owner
              + "' let its lease lapse and another runner drove the run meanwhile: this run object"
              + " is out of date and must not act again; resume from the journal");
    }
    lease = again;
  }

  /**
   * Appends what changed, if anything did, under the lease; compacts now and then.
   *
   * @throws LeaseLostException if the store refuses: another runner holds the lease
   */
  void progress(
      Instant now,
      RunStatus status,
      String reason,
      Instant startedAt,
      int failures,
      TrackedMap<NodeId, UnitState> units,
      TrackedMap<String, StepState> steps,
      TrackedMap<NodeId, NodeOrigin> origins,
      Set<String> approvals,
      Set<String> blocked,
      Supplier<RunState> whole) {
    boolean approvalsChanged = approvals.size() != approvalsJournaled.size();
    if (!records) {
      units.drainChanges();
      steps.drainChanges();
      origins.drainChanges();
      events.clear();
      return;
    }
    RunFields run = new RunFields(status, reason, startedAt, failures, List.copyOf(blocked));
    if (run.equals(runJournaled)
        && !units.dirty()
        && !steps.dirty()
        && !origins.dirty()
        && !approvalsChanged
        && events.isEmpty()) {
      return;
    }
    checkLease(now);
    Set<String> approved = approvalsChanged ? Set.copyOf(approvals) : Set.of();
    Progress p =
        new Progress(
            status,
            reason,
            startedAt,
            failures,
            units.drainChanges(),
            steps.drainChanges(),
            origins.drainChanges(),
            approved,
            controlsThrough,
            List.copyOf(events),
            run.blocked());
    events.clear();
    runJournaled = run;
    approvalsJournaled = approvalsChanged ? approved : approvalsJournaled;
    JournalEntry written = append(JournalEntry.PROGRESS, Json.compact(p), now);
    if (++sinceSnapshot >= snapshotEvery) {
      sinceSnapshot = 0;
      Snapshot s = new Snapshot(whole.get(), controlsThrough, planTree, run.blocked());
      store.compact(
          new JournalEntry(written.seq(), runId, now, JournalEntry.SNAPSHOT, Json.compact(s)),
          lease,
          now);
    }
  }

  /** Ends this runner's hold on the journal. */
  public void release() {
    store.release(lease);
  }

  private JournalEntry append(String kind, String body, Instant now) {
    JournalEntry e =
        store.append(List.of(JournalEntry.of(runId, now, kind, body)), lease, now).get(0);
    lastOwnSeq = e.seq();
    return e;
  }

  /** The run's id. */
  public String runId() {
    return runId;
  }

  /** Who runs it. */
  public String owner() {
    return owner;
  }

  @Override
  public String toString() {
    return "RunJournal[" + runId + " in " + store + "]";
  }
}
