package io.upkeep.bench;

import io.upkeep.Budget;
import io.upkeep.NodeId;
import io.upkeep.PlanUnit;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.RunReport;
import io.upkeep.Strategy;
import io.upkeep.TaskCap;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeTarget;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.journal.InMemoryJournalStore;
import io.upkeep.spi.JournalStore;
import io.upkeep.testkit.FakeCluster;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Makespan: how soon 1,000 nodes whose upgrade times are log-normal (sigma 1.0, median 8 minutes)
 * finish under a budget of 5% and 10%, against the lower bound {@code max(longest node, total node
 * time / budget)} (after the canary, which goes alone first) and against a batch barrier (the same
 * per-node times in batches of the budget, each batch waiting for its slowest node), for each
 * signal the run has about the durations:
 *
 * <ul>
 *   <li>{@code none}: nothing observable predicts a node's time (a first run, no hints);
 *   <li>{@code noisy}: duration hints with a log-normal error of sigma 0.5;
 *   <li>{@code learned}: the second upgrade of the same cluster, its times redrawn around each
 *       node's own with sigma 0.3, planned with the journal of the first.
 * </ul>
 */
final class MakespanFigures {

  private static final int NODES = 1_000;

  private MakespanFigures() {}

  static List<Map<String, Object>> measure(boolean quick, PrintStream progress) {
    List<Map<String, Object>> rows = new ArrayList<>();
    long[] seeds = quick ? new long[] {11} : new long[] {11, 12, 13};
    for (int percent : new int[] {5, 10}) {
      for (String hints : List.of("none", "noisy", "learned")) {
        double ratio = 0;
        double barrier = 0;
        for (long seed : seeds) {
          double[] r = run(percent, hints, seed);
          ratio += r[0] / seeds.length;
          barrier += r[1] / seeds.length;
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("nodes", NODES);
        row.put("budget", percent + "%");
        row.put("hints", hints);
        row.put("ratio_to_lower_bound", ratio);
        row.put("ratio_batch_barrier_to_upkeep", barrier);
        rows.add(row);
        progress.println("  " + row);
      }
    }
    return rows;
  }

  /** {makespan / lower bound, batch barrier / makespan} of one run. */
  private static double[] run(int percent, String hints, long seed) {
    Random random = new Random(seed);
    Map<String, Duration> actual = new LinkedHashMap<>();
    for (int i = 1; i <= NODES; i++) {
      actual.put("node-" + i, Duration.ofSeconds((long) (480 * Math.exp(random.nextGaussian()))));
    }
    Policy.Builder policy =
        Policy.builder()
            .budget(Budget.ofPercent(percent))
            .drainDeadline(Duration.ofMinutes(30))
            .operationDeadline(Duration.ofHours(24));
    UpgradePlanner planner;
    if (hints.equals("learned")) {
      JournalStore first = new InMemoryJournalStore();
      FakeCluster before = cluster(actual);
      execute(before, plan(UpgradePlanner.create(before.clock()), before, policy), first);
      actual.replaceAll(
          (n, d) ->
              Duration.ofSeconds((long) (d.toSeconds() * Math.exp(0.3 * random.nextGaussian()))));
      FakeCluster again = cluster(actual);
      planner = UpgradePlanner.create(again.clock()).learnFrom(first);
      return measure(again, plan(planner, again, policy), percent);
    }
    if (hints.equals("noisy")) {
      actual.forEach(
          (n, d) ->
              policy.durationHint(
                  n,
                  Duration.ofSeconds(
                      (long) (d.toSeconds() * Math.exp(0.5 * random.nextGaussian())))));
    }
    FakeCluster cluster = cluster(actual);
    return measure(cluster, plan(UpgradePlanner.create(cluster.clock()), cluster, policy), percent);
  }

  private static double[] measure(FakeCluster cluster, UpgradePlan plan, int percent) {
    Map<NodeId, Duration> took = new HashMap<>();
    RunReport report = execute(cluster, plan, null, took);
    int budget = Math.max(1, NODES * percent / 100);
    // The canary goes alone and every other node waits for it (the policy's choice, not the
    // scheduler's): the bound for the rest starts when it ends.
    long canary = 0;
    long total = 0;
    long longest = 0;
    for (PlanUnit u : plan.units()) {
      long s = took.get(u.node()).toSeconds();
      if (u.canary()) {
        canary = Math.max(canary, s);
      } else {
        total += s;
        longest = Math.max(longest, s);
      }
    }
    double lowerBound = canary + Math.max((double) longest, (double) total / budget);
    long barrier = 0;
    List<PlanUnit> units = plan.units();
    for (int i = 0; i < units.size(); i += budget) {
      long slowest = 0;
      for (PlanUnit u : units.subList(i, Math.min(units.size(), i + budget))) {
        slowest = Math.max(slowest, took.get(u.node()).toSeconds());
      }
      barrier += slowest;
    }
    double makespan = report.duration().toSeconds();
    return new double[] {makespan / lowerBound, barrier / makespan};
  }

  private static UpgradePlan plan(UpgradePlanner planner, FakeCluster cluster, Policy.Builder p) {
    return planner.plan(cluster, Strategy.inPlace(), UpgradeTarget.os("Ubuntu 24.04"), p.build());
  }

  private static RunReport execute(FakeCluster cluster, UpgradePlan plan, JournalStore journal) {
    return execute(cluster, plan, journal, new HashMap<>());
  }

  private static RunReport execute(
      FakeCluster cluster, UpgradePlan plan, JournalStore journal, Map<NodeId, Duration> took) {
    UpgradeExecutor.Builder b =
        UpgradeExecutor.builder()
            .cluster(cluster)
            .host(cluster)
            .time(cluster.clock())
            .listener(
                e -> {
                  if (e instanceof UpgradeEvent.UnitCompleted c) {
                    took.put(c.unit(), c.took());
                  }
                });
    if (journal != null) {
      b.journal(journal);
    }
    RunReport report = b.build().start(plan).execute();
    if (!report.succeeded()) {
      throw new IllegalStateException("the makespan run did not succeed: " + report.summary());
    }
    return report;
  }

  private static FakeCluster cluster(Map<String, Duration> upgradeTimes) {
    FakeCluster.Builder b = FakeCluster.builder();
    upgradeTimes.forEach(
        (name, d) ->
            b.node(
                name,
                n ->
                    n.role("node")
                        .platform(Platform.of("Ubuntu 22.04", "", "1.0"))
                        .taskCap(TaskCap.UNLIMITED)
                        .upgradeDuration(d)));
    return b.build();
  }
}
