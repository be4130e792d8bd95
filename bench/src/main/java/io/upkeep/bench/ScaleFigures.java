package io.upkeep.bench;

import io.upkeep.Budget;
import io.upkeep.Constraints;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.Role;
import io.upkeep.RunReport;
import io.upkeep.Strategy;
import io.upkeep.TaskCap;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeTarget;
import io.upkeep.VersionSkew;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.Rehearsal;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Scale: an in-place upgrade of a Nomad-style region of 1,000, 3,000 and 10,000 clients (three raft
 * servers first, then the clients 10% at a time, each with running work) on the fake cluster in
 * virtual time, with the invariant monitor checking after every event, as a user's rehearsal runs
 * it. Measures the wall and CPU time of the run, the peak heap, and the time to plan.
 */
final class ScaleFigures {

  private static final Role SERVER = Role.of("server");
  private static final Role CLIENT = Role.of("client");

  private ScaleFigures() {}

  /**
   * Planning the 10,000-client region: the first plan in this JVM (the benchmark's first figure, so
   * nothing was planned or run before it), then warm, as a long-lived process plans: the median and
   * the best of plans 6 to 15 of the same cluster.
   */
  static Map<String, Object> planning(boolean quick, PrintStream progress) {
    FakeCluster cluster = region(10_000, 7);
    long first = planMillis(cluster);
    List<Double> warm = new ArrayList<>();
    for (int i = 1; i <= 15; i++) {
      long ms = planMillis(cluster);
      if (i > 5) {
        warm.add((double) ms);
      }
    }
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("nodes", cluster.observe().nodes().size());
    row.put("first_ms", first);
    row.put("warm_median_ms", Math.round(Bench.percentile(warm, 0.5)));
    row.put("warm_best_ms", Math.round(Bench.percentile(warm, 0.0)));
    progress.println("  " + row);
    return row;
  }

  private static long planMillis(FakeCluster cluster) {
    long start = System.nanoTime();
    plan(cluster);
    return (System.nanoTime() - start) / 1_000_000;
  }

  /** The region's plan: in place to Nomad 1.8.4, 10% at a time (the journal figure's too). */
  static UpgradePlan plan(FakeCluster cluster) {
    return UpgradePlanner.create(cluster.clock())
        .plan(
            cluster,
            Strategy.inPlace(),
            UpgradeTarget.product("1.8.4"),
            Policy.builder()
                .budget(Budget.ofPercent(10))
                .drainDeadline(Duration.ofMinutes(30))
                .operationDeadline(Duration.ofHours(12))
                .build());
  }

  static List<Map<String, Object>> measure(boolean quick, PrintStream progress) {
    List<Map<String, Object>> rows = new ArrayList<>();
    // A first, small run warms the JIT up, as a user's second rehearsal in one JVM would be.
    run(300, 1);
    for (int nodes : new int[] {1_000, 3_000, 10_000}) {
      rows.add(run(nodes, 7));
      progress.println("  " + nodes + " nodes: " + rows.get(rows.size() - 1));
    }
    return rows;
  }

  static Map<String, Object> run(int clients, long seed) {
    FakeCluster cluster = region(clients, seed);
    System.gc();
    List<MemoryPoolMXBean> heap =
        ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP)
            .toList();
    heap.forEach(MemoryPoolMXBean::resetPeakUsage);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long planStart = System.nanoTime();
    UpgradePlan plan = plan(cluster);
    long planNanos = System.nanoTime() - planStart;
    long cpuStart = threads.getCurrentThreadCpuTime();
    long start = System.nanoTime();
    Rehearsal.Result r = Rehearsal.on(cluster).run(plan);
    long wallNanos = System.nanoTime() - start;
    long cpuNanos = threads.getCurrentThreadCpuTime() - cpuStart;
    RunReport report = r.report();
    if (!report.succeeded()) {
      throw new IllegalStateException("the scale run did not succeed: " + report.summary());
    }
    r.monitor().checkFinal();
    long peak = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("nodes", clients + 3);
    row.put("wall_ms", wallNanos / 1_000_000);
    row.put("cpu_ms", cpuNanos / 1_000_000);
    row.put("heap_peak_mb", peak / (1024 * 1024));
    row.put("plan_ms", planNanos / 1_000_000);
    row.put("events", r.events().size());
    return row;
  }

  /** Three raft servers and {@code clients} clients with running work, durations log-normal. */
  static FakeCluster region(int clients, long seed) {
    Random random = new Random(seed);
    Platform from = Platform.of("Ubuntu 22.04", "", "1.7.7");
    FakeCluster.Builder b =
        FakeCluster.builder()
            .seed(seed)
            .constraints(
                Constraints.NONE
                    .withQuorum(SERVER)
                    .withRoleOrder(SERVER, CLIENT)
                    .withSkew(new VersionSkew(2)))
            .workload(Duration.ofSeconds(20), Duration.ofMinutes(4));
    for (int i = 1; i <= 3; i++) {
      boolean leader = i == 1;
      b.node(
          "server-" + i,
          n ->
              n.role("server")
                  .platform(from)
                  .taskCap(TaskCap.UNLIMITED)
                  .voter(true)
                  .leader(leader)
                  .runsWork(false)
                  .upgradeDuration(Duration.ofMinutes(3)));
    }
    for (int i = 1; i <= clients; i++) {
      Duration actual = Duration.ofSeconds((long) (480 * Math.exp(random.nextGaussian())));
      b.node(
          "client-" + i,
          n -> n.role("client").platform(from).taskCap(TaskCap.UNLIMITED).upgradeDuration(actual));
    }
    return b.build();
  }
}
