package io.upkeep;

import io.upkeep.internal.PlanBuilder;
import io.upkeep.spi.ClusterPort;
import io.upkeep.spi.TimeSource;
import java.util.Objects;

/**
 * Makes {@link UpgradePlan}s: snapshot + constraints + strategy + target + policy in, an immutable,
 * validated plan out. Touches nothing: a plan that cannot be carried out safely is refused with a
 * {@link PlanValidationException} naming every problem and its fix. Thread-safe.
 *
 * <pre>{@code
 * UpgradePlan plan = UpgradePlanner.create(TimeSource.system())
 *     .plan(cluster, Strategy.inPlace(), UpgradeTarget.os("Windows Server 2022"), policy);
 * System.out.println(plan.toText());   // dry run
 * }</pre>
 */
public final class UpgradePlanner {

  private final TimeSource time;

  private UpgradePlanner(TimeSource time) {
    this.time = time;
  }

  /** A planner that stamps plans with {@code time}. */
  public static UpgradePlanner create(TimeSource time) {
    return new UpgradePlanner(Objects.requireNonNull(time, "time"));
  }

  /**
   * Observes {@code cluster} and plans from that observation and its constraints.
   *
   * @throws PlanValidationException if the upgrade cannot be planned safely
   */
  public UpgradePlan plan(
      ClusterPort cluster, Strategy strategy, UpgradeTarget target, Policy policy) {
    return plan(cluster.observe(), cluster.constraints(), strategy, target, policy);
  }

  /**
   * Plans from a given snapshot and constraints.
   *
   * @throws PlanValidationException if the upgrade cannot be planned safely
   * @throws NullPointerException if an argument is null
   */
  public UpgradePlan plan(
      ClusterSnapshot snapshot,
      Constraints constraints,
      Strategy strategy,
      UpgradeTarget target,
      Policy policy) {
    Objects.requireNonNull(snapshot, "snapshot");
    Objects.requireNonNull(constraints, "constraints");
    Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(policy, "policy");
    return new PlanBuilder(snapshot, constraints, strategy, target, policy).build(time.now());
  }
}
