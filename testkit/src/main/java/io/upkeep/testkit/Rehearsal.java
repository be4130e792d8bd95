package io.upkeep.testkit;

import io.upkeep.Policy;
import io.upkeep.RunReport;
import io.upkeep.Strategy;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeRun;
import io.upkeep.UpgradeTarget;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.event.UpgradeListener;
import io.upkeep.spi.HealthProbe;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Rehearses an upgrade on a {@link FakeCluster} in one call: plan it, watch it with an {@link
 * InvariantMonitor}, execute it with the cluster as every port and its clock as time, and collect
 * the run's events. Not thread-safe; one rehearsal per cluster.
 *
 * <pre>{@code
 * Rehearsal.Result r = Rehearsal.on(cluster).run(Strategy.inPlace(), UpgradeTarget.os("Windows Server 2022"), policy);
 * assertThat(r.report().succeeded()).isTrue();
 * r.monitor().assertRestored();
 * }</pre>
 */
public final class Rehearsal {

  private final FakeCluster cluster;
  private final List<HealthProbe> probes = new ArrayList<>();
  private final List<UpgradeListener> listeners = new ArrayList<>();
  private boolean autoApprove;
  private boolean withTraffic = true;

  private Rehearsal(FakeCluster cluster) {
    this.cluster = cluster;
  }

  /** A rehearsal on {@code cluster}. */
  public static Rehearsal on(FakeCluster cluster) {
    return new Rehearsal(Objects.requireNonNull(cluster, "cluster"));
  }

  /** Registers a health probe with the executor. */
  public Rehearsal probe(HealthProbe probe) {
    probes.add(Objects.requireNonNull(probe, "probe"));
    return this;
  }

  /** Adds a listener for the run's events (the rehearsal records them too). */
  public Rehearsal listener(UpgradeListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  /** Approves every gate the moment it is requested, as an operator who always says yes. */
  public Rehearsal autoApprove() {
    autoApprove = true;
    return this;
  }

  /** Runs without a load balancer, so traffic steps become approval gates. */
  public Rehearsal withoutTraffic() {
    withTraffic = false;
    return this;
  }

  /** Plans with the cluster's own constraints, then executes until the run stops or pauses. */
  public Result run(Strategy strategy, UpgradeTarget target, Policy policy) {
    UpgradePlan plan =
        UpgradePlanner.create(cluster.clock()).plan(cluster, strategy, target, policy);
    return run(plan);
  }

  /** Executes {@code plan} until the run stops or pauses (or waits for an approval). */
  public Result run(UpgradePlan plan) {
    InvariantMonitor monitor = InvariantMonitor.watch(cluster, plan);
    List<UpgradeEvent> events = new ArrayList<>();
    UpgradeRun[] run = new UpgradeRun[1];
    UpgradeExecutor.Builder b =
        UpgradeExecutor.builder()
            .cluster(cluster)
            .host(cluster)
            .time(cluster.clock())
            .listener(
                e -> {
                  events.add(e);
                  if (autoApprove && e instanceof UpgradeEvent.ApprovalRequested a) {
                    run[0].approve(a.gate());
                  }
                });
    if (withTraffic) {
      b.traffic(cluster);
    }
    probes.forEach(b::probe);
    listeners.forEach(b::listener);
    run[0] = b.build().start(plan);
    RunReport report = run[0].execute();
    return new Result(plan, run[0], report, monitor, events);
  }

  /**
   * What a rehearsal produced.
   *
   * @param plan the plan it executed
   * @param run the run, to resume, approve or execute again
   * @param report where the run stood when {@code execute()} returned
   * @param monitor the invariants, checked after every event
   * @param events the run's events, in order; it grows if the run is executed again
   */
  public record Result(
      UpgradePlan plan,
      UpgradeRun run,
      RunReport report,
      InvariantMonitor monitor,
      List<UpgradeEvent> events) {

    /** The events of {@code type}, in order. */
    public <T extends UpgradeEvent> List<T> events(Class<T> type) {
      return events.stream().filter(type::isInstance).map(type::cast).toList();
    }
  }
}
