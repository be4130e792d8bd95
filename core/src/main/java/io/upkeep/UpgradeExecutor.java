package io.upkeep;

import io.upkeep.event.UpgradeListener;
import io.upkeep.internal.ClusterDrift;
import io.upkeep.internal.Reconciler;
import io.upkeep.spi.ClusterPort;
import io.upkeep.spi.HealthProbe;
import io.upkeep.spi.HostPort;
import io.upkeep.spi.NodeHook;
import io.upkeep.spi.TimeSource;
import io.upkeep.spi.TrafficPort;
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
 */
public final class UpgradeExecutor {

  private final ClusterPort cluster;
  private final HostPort host;
  private final TrafficPort traffic;
  private final TimeSource time;
  private final Map<String, HealthProbe> probes;
  private final Map<String, NodeHook> hooks;
  private final List<UpgradeListener> listeners;

  private UpgradeExecutor(Builder b, TimeSource time) {
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
    Reconciler reconciler =
        new Reconciler(
            plan, null, newRunId(plan), cluster, host, traffic, time, probes, hooks, listeners);
    List<String> drift = ClusterDrift.since(plan, cluster.observe());
    if (!drift.isEmpty()) {
      throw new StalePlanException(plan.id(), drift);
    }
    return new UpgradeRun(reconciler);
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
    return new UpgradeRun(
        new Reconciler(
            plan, state, state.runId(), cluster, host, traffic, time, probes, hooks, listeners));
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

    private Builder() {}

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
