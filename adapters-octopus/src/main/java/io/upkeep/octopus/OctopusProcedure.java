package io.upkeep.octopus;

import io.upkeep.ClusterSnapshot;
import io.upkeep.HookPoint;
import io.upkeep.Policy;
import io.upkeep.Strategy;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeTarget;
import io.upkeep.spi.ClusterPort;
import io.upkeep.spi.HealthProbe;
import io.upkeep.spi.NodeHook;
import io.upkeep.spi.TimeSource;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * One documented Octopus procedure as core values: a {@link Strategy}, a {@link Policy} filled in
 * from the procedure, the {@link HealthProbe}s its policy names, and notes on what it does and what
 * is left to you. Made by {@link OctopusProcedures}; adjust it with {@link #withPolicy} and {@link
 * #withHook}. It only describes: planning is core's {@link UpgradePlanner}, the work is done by
 * core's {@link UpgradeExecutor}. Immutable and thread-safe.
 *
 * <pre>{@code
 * OctopusProcedure ha = OctopusProcedures.highAvailabilityHostUpgrade(octopus);
 * UpgradePlan plan = ha.plan(octopus, UpgradeTarget.os("Windows Server 2022").andRuntime(".NET 8.0"), TimeSource.system());
 * UpgradeRun run = ha.register(UpgradeExecutor.builder()).cluster(octopus).host(myHosts).traffic(myLoadBalancer)
 *     .build().start(plan);
 * }</pre>
 *
 * @param name a short name, such as {@code ha-host-upgrade}
 * @param strategy how nodes are moved
 * @param policy the pace, gates and deadlines
 * @param probes the probes {@code policy.probes()} names, to register with the executor
 * @param hooks the node hooks {@code policy.hooks()} places (Octopus's own steps, such as the
 *     re-registration of polling Tentacles), to register with the executor
 * @param notes what the procedure does step by step, and what it leaves to you
 */
public record OctopusProcedure(
    String name,
    Strategy strategy,
    Policy policy,
    List<HealthProbe> probes,
    List<NodeHook> hooks,
    List<String> notes) {

  /**
   * @throws NullPointerException if a component is null
   * @throws IllegalArgumentException if the policy names a probe or hook the procedure does not
   *     have
   */
  public OctopusProcedure {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(policy, "policy");
    probes = List.copyOf(probes);
    hooks = List.copyOf(hooks);
    notes = List.copyOf(notes);
    List<String> have = probes.stream().map(HealthProbe::name).toList();
    for (String p : policy.probes()) {
      if (!have.contains(p)) {
        throw new IllegalArgumentException(
            "the policy of "
                + name
                + " names probe '"
                + p
                + "' but the procedure has "
                + have
                + ": add the probe or remove it from the policy");
      }
    }
    List<String> hooked = hooks.stream().map(NodeHook::name).toList();
    for (Policy.Hook h : policy.hooks()) {
      if (!hooked.contains(h.name())) {
        throw new IllegalArgumentException(
            "the policy of "
                + name
                + " places hook '"
                + h.name()
                + "' but the procedure "
                + "has "
                + hooked
                + ": add the hook or remove it from the policy");
      }
    }
  }

  /** A copy whose policy is {@code change} applied to a builder holding this one's. */
  public OctopusProcedure withPolicy(UnaryOperator<Policy.Builder> change) {
    Objects.requireNonNull(change, "change");
    return new OctopusProcedure(
        name, strategy, change.apply(policy.toBuilder()).build(), probes, hooks, notes);
  }

  /**
   * A copy that also runs {@code hook} at {@code point} of every unit (for every role): for example
   * {@code withHook(octopus.quietQueue(2), HookPoint.BEFORE_TRIAL)}.
   *
   * @throws IllegalArgumentException if the procedure has a hook of that name already
   */
  public OctopusProcedure withHook(NodeHook hook, HookPoint point) {
    Objects.requireNonNull(hook, "hook");
    Objects.requireNonNull(point, "point");
    if (hooks.stream().anyMatch(h -> h.name().equals(hook.name()))) {
      throw new IllegalArgumentException(
          name + " has a hook named '" + hook.name() + "' already: add each hook once");
    }
    List<NodeHook> more = new java.util.ArrayList<>(hooks);
    more.add(hook);
    return new OctopusProcedure(
        name, strategy, policy.toBuilder().hook(hook.name(), point).build(), probes, more, notes);
  }

  /**
   * Observes {@code cluster}, refuses what Octopus cannot do ({@link OctopusProcedures#validate}),
   * then plans with core's planner. Touches nothing.
   *
   * @throws io.upkeep.PlanValidationException if the upgrade cannot be done this way, naming why
   *     and the fix
   */
  public UpgradePlan plan(ClusterPort cluster, UpgradeTarget target, TimeSource time) {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(time, "time");
    ClusterSnapshot snapshot = cluster.observe();
    OctopusProcedures.validate(strategy, target, snapshot);
    return UpgradePlanner.create(time)
        .plan(snapshot, cluster.constraints(), strategy, target, policy);
  }

  /** Registers this procedure's probes and hooks with {@code executor}, and returns it. */
  public UpgradeExecutor.Builder register(UpgradeExecutor.Builder executor) {
    Objects.requireNonNull(executor, "executor");
    probes.forEach(executor::probe);
    hooks.forEach(executor::hook);
    return executor;
  }
}
