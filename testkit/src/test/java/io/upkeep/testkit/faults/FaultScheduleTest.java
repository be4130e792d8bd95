package io.upkeep.testkit.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.Durations;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 7's proof: random fault schedules (cluster shapes, strategies, policies, faults at random
 * virtual times, operator controls, crashes and resumes), each checked after the fact by the
 * testkit's InvariantMonitor and by an independent replay of the fake's event log, plus liveness.
 *
 * <p>Runs {@value #DEFAULT_SCHEDULES} schedules (seeds 1..N) by default and prints exactly one
 * line, {@code fault schedules: N run, M violations}, to stdout; fails unless M is 0, naming each
 * failing seed with its violations and the command that replays it. System properties:
 *
 * <ul>
 *   <li>{@code upkeep.faultSchedules}: how many schedules (a nightly profile runs 200000);
 *   <li>{@code upkeep.faultSeedFrom}: the first seed (default 1);
 *   <li>{@code upkeep.faultSeed}: replay this seed (or comma-separated seeds), printing the
 *       schedule, what happened and every violation.
 * </ul>
 */
class FaultScheduleTest {

  static final int DEFAULT_SCHEDULES = 10_000;
  static final int LISTED_SCHEDULES = 25;
  static final int LISTED_FINDINGS = 5;

  @Test
  void everySafetyPropertyHoldsUnderRandomFaultSchedules() throws Exception {
    String replay = System.getProperty("upkeep.faultSeed");
    if (replay != null && !replay.isBlank()) {
      replay(Arrays.stream(replay.split(",")).map(String::trim).map(Long::parseLong).toList());
      return;
    }
    int n = Integer.getInteger("upkeep.faultSchedules", DEFAULT_SCHEDULES);
    long from = Long.getLong("upkeep.faultSeedFrom", 1L);
    long began = System.nanoTime();
    List<ScheduleRunner.Result> results = runAll(from, n);
    double seconds = (System.nanoTime() - began) / 1e9;

    List<ScheduleRunner.Result> failing =
        results.stream().filter(r -> !r.findings().isEmpty()).toList();
    long violations = failing.stream().mapToLong(r -> r.findings().size()).sum();
    System.out.println("fault schedules: " + n + " run, " + violations + " violations");
    System.err.println(statistics(results, seconds));
    assertThat(violations).as(() -> failureReport(failing)).isZero();
  }

  private static List<ScheduleRunner.Result> runAll(long from, int n)
      throws InterruptedException, ExecutionException {
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      // One task per thread, each taking seeds in strides: no queue of ten thousand futures.
      List<Future<List<ScheduleRunner.Result>>> parts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int offset = t;
        parts.add(
            pool.submit(
                () -> {
                  List<ScheduleRunner.Result> out = new ArrayList<>();
                  for (long i = offset; i < n; i += threads) {
                    out.add(runOne(from + i));
                  }
                  return out;
                }));
      }
      List<ScheduleRunner.Result> all = new ArrayList<>(n);
      for (Future<List<ScheduleRunner.Result>> f : parts) {
        all.addAll(f.get());
      }
      all.sort(Comparator.comparingLong(r -> r.schedule().seed()));
      return all;
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Runs one seed; a harness failure is itself a finding, so one bad seed never hides the others.
   */
  static ScheduleRunner.Result runOne(long seed) {
    return runOne(seed, false);
  }

  static ScheduleRunner.Result runOne(long seed, boolean verbose) {
    Schedule s = ScheduleGenerator.generate(seed);
    try {
      return verbose ? ScheduleRunner.replay(s) : ScheduleRunner.run(s);
    } catch (RuntimeException | StackOverflowError e) {
      return new ScheduleRunner.Result(
          s,
          null,
          null,
          "",
          List.of(
              new Finding(
                  "driver",
                  "harness-threw",
                  null,
                  e + " at " + (e.getStackTrace().length > 0 ? e.getStackTrace()[0] : "?"))),
          List.of(),
          java.time.Duration.ZERO);
    }
  }

  /**
   * Replays the given seeds one by one, printing each schedule, what happened and its violations.
   */
  private static void replay(List<Long> seeds) {
    List<ScheduleRunner.Result> results = new ArrayList<>();
    for (long seed : seeds) {
      Schedule s = ScheduleGenerator.generate(seed);
      System.out.println(s.describe());
      ScheduleRunner.Result r = runOne(seed, true);
      if (r.refused()) {
        System.out.println("the planner refused it: " + r.refusal());
      } else {
        System.out.println("what happened:");
        r.trace().forEach(line -> System.out.println("  " + line));
        System.out.println(
            "ended "
                + r.status()
                + (r.reason().isEmpty() ? "" : " (" + r.reason() + ")")
                + " after "
                + Durations.format(r.virtual())
                + " of virtual time");
        r.findings().forEach(f -> System.out.println("  VIOLATION " + f));
      }
      System.out.println();
      results.add(r);
    }
    List<ScheduleRunner.Result> failing =
        results.stream().filter(r -> !r.findings().isEmpty()).toList();
    long violations = failing.stream().mapToLong(r -> r.findings().size()).sum();
    System.out.println("fault schedules: " + seeds.size() + " run, " + violations + " violations");
    assertThat(violations).as(() -> failureReport(failing)).isZero();
  }

  static String replayCommand(long seed) {
    return "mvn -pl testkit -am test -Dtest=FaultScheduleTest -Dsurefire.failIfNoSpecifiedTests=false -Dupkeep.faultSeed="
        + seed;
  }

  private static String failureReport(List<ScheduleRunner.Result> failing) {
    StringBuilder sb = new StringBuilder();
    Map<String, List<ScheduleRunner.Result>> byCategory = new TreeMap<>();
    for (ScheduleRunner.Result r : failing) {
      r.findings().stream()
          .map(Finding::category)
          .distinct()
          .forEach(c -> byCategory.computeIfAbsent(c, k -> new ArrayList<>()).add(r));
    }
    sb.append(failing.size())
        .append(" schedule(s) broke a property. By category (schedules, first seed):\n");
    byCategory.forEach(
        (c, rs) -> {
          ScheduleRunner.Result first = rs.get(0);
          Finding example =
              first.findings().stream()
                  .filter(f -> f.category().equals(c))
                  .findFirst()
                  .orElseThrow();
          sb.append(
              String.format(
                  "  %-34s %6d  seed %d: %s%n",
                  c, rs.size(), first.schedule().seed(), example.detail()));
        });
    sb.append("\nThe first ").append(Math.min(LISTED_SCHEDULES, failing.size())).append(":\n");
    for (ScheduleRunner.Result r : failing.subList(0, Math.min(LISTED_SCHEDULES, failing.size()))) {
      long seed = r.schedule().seed();
      sb.append("  seed ")
          .append(seed)
          .append(" (")
          .append(r.schedule().shape())
          .append(", ")
          .append(r.schedule().nodes().size())
          .append(" nodes, ")
          .append(r.schedule().strategy())
          .append(", ended ")
          .append(r.status())
          .append("):\n");
      r.findings().stream()
          .limit(LISTED_FINDINGS)
          .forEach(f -> sb.append("      ").append(f).append('\n'));
      if (r.findings().size() > LISTED_FINDINGS) {
        sb.append("      ... and ").append(r.findings().size() - LISTED_FINDINGS).append(" more\n");
      }
      sb.append("    replay: ").append(replayCommand(seed)).append('\n');
    }
    return sb.toString();
  }

  private static String statistics(List<ScheduleRunner.Result> results, double seconds) {
    long refused = results.stream().filter(ScheduleRunner.Result::refused).count();
    Map<String, Long> statuses =
        results.stream()
            .filter(r -> !r.refused())
            .collect(
                Collectors.groupingBy(
                    r -> r.status() == null ? "none" : r.status().name(),
                    TreeMap::new,
                    Collectors.counting()));
    long failing = results.stream().filter(r -> !r.findings().isEmpty()).count();
    return String.format(
        "fault schedule details: %d refused by the planner, ended %s, %d with violations, %.1f s wall time",
        refused, statuses, failing, seconds);
  }
}
