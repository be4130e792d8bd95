package io.upkeep;

import io.upkeep.event.UpgradeListener;
import io.upkeep.internal.ClusterDrift;
import io.upkeep.internal.Reconciler;
import io.upkeep.internal.RunJournal;
import io.upkeep.journal.InMemoryJournalStore;
import io.upkeep.spi.ClusterPort;
import io.upkeep.spi.HealthProbe;
import io.upkeep.spi.HostPort;
import io.upkeep.spi.JournalStore;
import io.upkeep.spi.NodeHook;
import io.upkeep.spi.TimeSource;
import io.upkeep.spi.TrafficPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Carries out {@link UpgradePlan}s by reconciling: each turn it observes the cluster, compares it
 * with the plan and the run's state, issues the next idempotent action for every node in flight,
 * then waits for a change or a timer. The next node starts the moment a budget slot frees (a
 * sliding window), longest expected first. All time comes from the injected {@link TimeSource}.
 * Thread-safe; build one with {@link #builder()} and use it for any number of runs.
 *
 * <p><b>The journal.</b> A run writes every decision, action and outcome to its {@link
 * JournalStore} before it moves on, under a lease that lets one runner at a time drive the
 * journal's runs. Give a durable store ({@link io.upkeep.journal.FileJournalStore}, or a shared
 * one) with {@link Builder#journal}, and a run killed at any point is carried on by {@link
 * #resume()} on a fresh process: it re-observes, replays the journal and continues; an operation in
 * flight is polled, not issued again. Without one, each run keeps its journal in memory, and
 * survives only as long as the process.
 *
 * <p><b>Host operations across a crash.</b> The intent of each call to a {@link HostPort} is
 * journaled before the call and the handle it returns after it. A crash between the two, during the
 * call, makes the resumed run call again with the same request id: the port must then answer with
 * the operation that request already started (or start it, if the first call never reached it).
 * That is the idempotency {@link HostPort} asks for; a port needs no durable state of its own
 * beyond what its infrastructure keeps by request id.
 */
public final class UpgradeExecutor {

  private final ClusterPort cluster;
  private final HostPort host;
  private final TrafficPort traffic;
  private final TimeSource time;
  private final Map<String, HealthProbe> probes;
  private final Map<String, NodeHook> hooks;
  private final List<UpgradeListener> listeners;
  private final JournalStore journal;
  private final String runner;
  private final Duration leaseTtl;

  /** How long a runner's lease lasts unless renewed (every turn renews it past half its time). */
  public static final Duration DEFAULT_LEASE_TTL = Duration.ofMinutes(2);

  private UpgradeExecutor(Builder b, TimeSource time) {
    this.journal = b.journal;
    this.runner = b.runner != null ? b.runner : defaultRunner();
    this.leaseTtl = b.leaseTtl;
    this.cluster = b.cluster;
    this.host = b.host;
    this.traffic = b.traffic;
    this.time = time;
    this.probes = Map.copyOf(b.probes);
    this.hooks = Map.copyOf(b.hooks);
    this.listeners = List.copyOf(b.listeners);
  }

  /** A builder. Not thread-safe. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts a new run of {@code plan}, after observing the cluster once to check that the plan still
   * fits it. Nothing is touched until {@link UpgradeRun#execute()}. Each run gets an id of its own,
   * even two runs of one plan started in the same instant.
   *
   * @throws StalePlanException if the cluster changed since the plan was made (membership,
   *     versions, roles, task caps), naming every change
   * @throws UpkeepException if the plan needs a port or probe this executor lacks, naming it
   * @throws NullPointerException if {@code plan} is null
   */
  public UpgradeRun start(UpgradePlan plan) {
    Objects.requireNonNull(plan, "plan");
    String runId = newRunId(plan);
    Reconciler.check(plan, host, probes, hooks);
    JournalStore store = store();
    RunJournal.refuseUnfinished(store, time.now());
    List<String> drift = ClusterDrift.since(plan, cluster.observe());
    if (!drift.isEmpty()) {
      throw new StalePlanException(plan.id(), drift);
    }
    RunJournal j =
        RunJournal.begin(store, time, leaseTtl, runner, runId, plan, null, journal != null);
    return new UpgradeRun(reconciler(plan, null, runId, j, false));
  }

  private Reconciler reconciler(
      UpgradePlan plan, RunState state, String runId, RunJournal j, boolean journaled) {
    return new Reconciler(
        plan, state, runId, cluster, host, traffic, time, probes, hooks, listeners, j, journaled);
  }

  private JournalStore store() {
    return journal != null ? journal : new InMemoryJournalStore();
  }

  private static String defaultRunner() {
    String host = System.getenv("HOSTNAME");
    return (host == null || host.isBlank() ? "runner" : host)
        + "/"
        + ProcessHandle.current().pid()
        + "/"
        + UUID.randomUUID().toString().substring(0, 4);
  }

  private String newRunId(UpgradePlan plan) {
    String unique = UUID.randomUUID().toString().substring(0, 8);
    return "run-"
        + plan.id().substring(plan.id().indexOf('-') + 1)
        + "-"
        + time.now().getEpochSecond()
        + "-"
        + unique;
  }

  /**
   * Resumes a run of {@code plan} from {@code state}, as saved before a crash or a pause. Steps in
   * flight are re-observed and carried on; host operations are polled, not started again.
   *
   * @throws UpkeepException if the state belongs to another plan, or a port or probe is missing
   * @throws NullPointerException if an argument is null
   */
  public UpgradeRun resume(UpgradePlan plan, RunState state) {
    Objects.requireNonNull(plan, "plan");
    Objects.requireNonNull(state, "state");
    if (!state.planId().equals(plan.id())) {
      throw new UpkeepException(
          "run state "
              + state.runId()
              + " belongs to plan "
              + state.planId()
              + ", not "
              + plan.id()
              + ": resume it with the plan it was made for");
    }
    Reconciler.check(plan, host, probes, hooks);
    RunJournal j =
        RunJournal.begin(
            store(), time, leaseTtl, runner, state.runId(), plan, state, journal != null);
    return new UpgradeRun(reconciler(plan, state, state.runId(), j, false));
  }

  /**
   * Resumes the latest run of the executor's {@linkplain Builder#journal journal} on a fresh
   * process: takes the lease, replays the journal with the plan it holds, re-observes the cluster
   * and goes on; an operation in flight is polled, a step in flight re-checked and completed or
   * retried, never issued again with a different effect. A run that had ended comes back ended.
   *
   * @throws IllegalStateException if the executor has no journal of its own
   * @throws LeaseHeldException if another runner holds the journal's lease
   * @throws UpkeepException if the journal holds no run
   */
  public UpgradeRun resume() {
    return resumeFromJournal(null, false);
  }

  /**
   * As {@link #resume()}, checking that the journal's run is of {@code plan}.
   *
   * @param acceptChangedPlan whether to carry the journaled run into {@code plan} although it
   *     differs: units whose steps are the same keep their progress, the others start afresh; a
   *     unit in flight whose steps changed is still refused
   * @throws UpkeepException if the journal's run is of another plan and {@code acceptChangedPlan}
   *     is false, naming both plans
   */
  public UpgradeRun resume(UpgradePlan plan, boolean acceptChangedPlan) {
    Objects.requireNonNull(plan, "plan");
    return resumeFromJournal(plan, acceptChangedPlan);
  }

  private UpgradeRun resumeFromJournal(UpgradePlan given, boolean acceptChangedPlan) {
    if (journal == null) {
      throw new IllegalStateException(
          "this executor has no journal to resume from: build it with journal(...) (e.g."
              + " FileJournalStore.open(dir)), the same store the run was started with");
    }
    Map.Entry<RunJournal, RunJournal.Replayed> opened =
        RunJournal.reopen(journal, time, leaseTtl, runner);
    RunJournal j = opened.getKey();
    try {
      UpgradePlan plan = opened.getValue().plan();
      RunState state = opened.getValue().state();
      if (given != null && !given.id().equals(plan.id())) {
        if (!acceptChangedPlan) {
          throw new UpkeepException(
              "the journal's run "
                  + state.runId()
                  + " is of plan "
                  + plan.id()
                  + ", not of "
                  + given.id()
                  + ": the plan or its policy changed since the run was journaled; resume it with"
                  + " resume() (its own plan), or pass acceptChangedPlan to carry it into the new"
                  + " plan");
        }
        Reconciler.check(given, host, probes, hooks);
        RunState carried = RunJournal.carryInto(state, plan, given);
        j.restart(given);
        return new UpgradeRun(reconciler(given, carried, carried.runId(), j, false));
      }
      Reconciler.check(plan, host, probes, hooks);
      return new UpgradeRun(reconciler(plan, state, state.runId(), j, true));
    } catch (RuntimeException e) {
      j.release();
      throw e;
    }
  }

  /** Builds an {@link UpgradeExecutor}. Not thread-safe. */
  public static final class Builder {
    private ClusterPort cluster;
    private HostPort host;
    private TrafficPort traffic;
    private TimeSource time;
    private final Map<String, HealthProbe> probes = new LinkedHashMap<>();
    private final Map<String, NodeHook> hooks = new LinkedHashMap<>();
    private final List<UpgradeListener> listeners = new ArrayList<>();
    private JournalStore journal;
    private String runner;
    private Duration leaseTtl = DEFAULT_LEASE_TTL;

    private Builder() {}

    /**
     * Where runs keep their journal and lease: a durable store makes a run survive the process
     * ({@link #resume()}), a shared one lets a standby on another machine take over. Default: a new
     * in-memory journal per run.
     */
    public Builder journal(JournalStore value) {
      journal = Objects.requireNonNull(value, "journal");
      return this;
    }

    /**
     * This runner's name in the lease and the journal, e.g. the host and service. Default: the host
     * name, the process id and a random suffix.
     *
     * @throws IllegalArgumentException if blank
     */
    public Builder runner(String name) {
      Objects.requireNonNull(name, "runner");
      if (name.isBlank()) {
        throw new IllegalArgumentException("a runner's name must not be blank");
      }
      runner = name;
      return this;
    }

    /**
     * How long the runner's lease lasts unless renewed: a standby takes over a dead runner's run
     * this long after its last turn. A run holds it for at least three of its policy's poll
     * intervals, so that it never lapses while the run waits. Default {@link #DEFAULT_LEASE_TTL}.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder leaseTtl(Duration value) {
      Objects.requireNonNull(value, "leaseTtl");
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException("leaseTtl must be positive, got " + value);
      }
      leaseTtl = value;
      return this;
    }

    /** The target system. Required. */
    public Builder cluster(ClusterPort value) {
      cluster = Objects.requireNonNull(value, "cluster");
      return this;
    }

    /**
     * The user's infrastructure; required by plans that change hosts (all built-in strategies do).
     */
    public Builder host(HostPort value) {
      host = Objects.requireNonNull(value, "host");
      return this;
    }

    /** The load balancer; optional: without it each traffic step becomes an approval gate. */
    public Builder traffic(TrafficPort value) {
      traffic = Objects.requireNonNull(value, "traffic");
      return this;
    }

    /**
     * The time source. Default: the cluster port's own ({@link ClusterPort#time()}), else {@link
     * TimeSource#system()}; give it once, in the adapter's configuration, rather than here.
     */
    public Builder time(TimeSource value) {
      time = Objects.requireNonNull(value, "time");
      return this;
    }

    /**
     * Registers {@code probe} under its name, for policies' {@code probes(...)}.
     *
     * @throws IllegalArgumentException if a probe with that name is already registered
     */
    public Builder probe(HealthProbe probe) {
      Objects.requireNonNull(probe, "probe");
      if (probes.putIfAbsent(probe.name(), probe) != null) {
        throw new IllegalArgumentException(
            "a probe named '" + probe.name() + "' is already registered");
      }
      return this;
    }

    /**
     * Registers {@code hook} under its name, for policies' {@code hook(...)} placements.
     *
     * @throws IllegalArgumentException if a hook with that name is already registered
     */
    public Builder hook(NodeHook hook) {
      Objects.requireNonNull(hook, "hook");
      if (hooks.putIfAbsent(hook.name(), hook) != null) {
        throw new IllegalArgumentException(
            "a hook named '" + hook.name() + "' is already registered");
      }
      return this;
    }

    /** Adds a listener for every run's events. */
    public Builder listener(UpgradeListener value) {
      listeners.add(Objects.requireNonNull(value, "listener"));
      return this;
    }

    /**
     * The executor.
     *
     * @throws IllegalStateException if no cluster port was set, or the time source differs from the
     *     cluster port's own
     */
    public UpgradeExecutor build() {
      if (cluster == null) {
        throw new IllegalStateException(
            "a cluster port is required: call cluster(...) with an adapter or a FakeCluster");
      }
      TimeSource own = cluster.time().orElse(null);
      if (time != null && own != null && own != time) {
        throw new IllegalStateException(
            "the executor's time source "
                + time
                + " is not the cluster port's "
                + own
                + ": a run and its port on two clocks wait wrongly (in real time in a virtual test); give the clock once, "
                + "in the adapter's configuration (or the FakeCluster's), and leave time(...) out here");
      }
      return new UpgradeExecutor(
          this, time != null ? time : own != null ? own : TimeSource.system());
    }
  }
}
