package io.upkeep;

import io.upkeep.internal.PlanBuilder;
import io.upkeep.internal.RunJournal;
import io.upkeep.spi.ClusterPort;
import io.upkeep.spi.JournalStore;
import io.upkeep.spi.TimeSource;
import java.time.Duration;
import java.util.Map;
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
  private final JournalStore history;

  private UpgradePlanner(TimeSource time, JournalStore history) {
    this.time = time;
    this.history = history;
  }

  /** A planner that stamps plans with {@code time}. */
  public static UpgradePlanner create(TimeSource time) {
    return new UpgradePlanner(Objects.requireNonNull(time, "time"), null);
  }

  /**
   * A planner like this one that expects each node to take what it took in the latest run of {@code
   * history}, the journal of an earlier upgrade of the same cluster (a node it has no duration hint
   * for; {@link PlanUnit.Estimate#LEARNED} in the plan). The executor starts the longest expected
   * first, so a second upgrade of a cluster finishes close to its lower bound where a first,
   * knowing nothing, can only start nodes in an arbitrary order. Reads the journal at each {@link
   * #plan}; one that holds no run teaches nothing.
   */
  public UpgradePlanner learnFrom(JournalStore history) {
    return new UpgradePlanner(time, Objects.requireNonNull(history, "history"));
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
    Map<NodeId, Duration> learned =
        history == null ? Map.of() : RunJournal.durations(history.read(0));
    return new PlanBuilder(snapshot, constraints, strategy, target, policy, learned)
        .build(time.now());
  }
}
