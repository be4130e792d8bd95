package io.upkeep.testkit.sigkill;

import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.Budget;
import io.upkeep.Node;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.RunReport;
import io.upkeep.RunStatus;
import io.upkeep.Strategy;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeRun;
import io.upkeep.UpgradeTarget;
import io.upkeep.spi.ClusterPort;
import io.upkeep.spi.TimeSource;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.InvariantMonitor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9's real process crashes: a child JVM ({@link ChildRunner}) drives an upgrade, with a file
 * journal, of a cluster that lives in this JVM ({@link RemoteCluster}); it is killed with SIGKILL
 * at seeded random calls, before a call takes effect or after it did and before the child hears
 * back, then started again to resume, again and again until the run ends. Each run must end as the
 * same upgrade never killed, with no safety property broken and no host operation done twice.
 * Prints exactly one line, {@code sigkill resumes: N kills, M mismatches}. System properties:
 * {@code upkeep.sigkillSeeds} (default 10 runs of 5 kills; a longer profile sets hundreds).
 */
class SigkillResumeTest {

  static final Platform FROM = Platform.of("Windows Server 2019", ".NET 6.0", "2024.1.0");
  static final int KILLS_PER_RUN = 5;

  /** How often the plan polls: a wait this long holds the runner's lease through it. */
  static final Duration POLL = Duration.ofMinutes(1);

  /**
   * A child is killed at one of its first this many calls. A run is about 750 calls (its plan polls
   * every minute), so five kills reach, on average, 40% into a run and at most 80%: past the first
   * node into the others, where kills at one of the first 60 calls stayed on the first node.
   */
  static final int KILL_SPREAD = 120;

  static FakeCluster cluster(long seed) {
    return FakeCluster.builder()
        .seed(seed)
        .nodes(
            "octo",
            3,
            n ->
                n.role("octopus-node").platform(FROM).taskCap(5).runningTask(Duration.ofMinutes(3)))
        .workload(Duration.ofMinutes(1), Duration.ofMinutes(3))
        .build();
  }

  /** The plan, made the same way in this JVM and in the child. */
  static UpgradePlan plan(ClusterPort cluster, TimeSource time) {
    return UpgradePlanner.create(time)
        .plan(
            cluster,
            Strategy.inPlace(),
            UpgradeTarget.os("Windows Server 2022"),
            Policy.builder()
                .drainDeadline(Duration.ofMinutes(30))
                .budget(Budget.ofNodes(1))
                .approveCanaries(true)
                .pollInterval(POLL)
                .build());
  }

  static Map<String, String> endState(FakeCluster c) {
    Map<String, String> out = new TreeMap<>();
    for (Node n : c.observe().nodes()) {
      out.put(
          n.id().value(),
          n.platform() + " cap " + n.taskCap() + " " + n.drainState() + " " + n.health());
    }
    return out;
  }

  static Map<String, Long> hostOperations(FakeCluster c) {
    return c.events().stream()
        .filter(
            e ->
                e instanceof ClusterEvent.Upgraded
                    || e instanceof ClusterEvent.ServiceStopped
                    || e instanceof ClusterEvent.SnapshotTaken)
        .collect(
            Collectors.groupingBy(
                e -> e.getClass().getSimpleName() + " " + ((ClusterEvent.NodeEvent) e).node(),
                TreeMap::new,
                Collectors.counting()));
  }

  @TempDir Path tmp;

  @Test
  void aRunKilledWithSigkillAgainAndAgainEndsAsTheRunThatWasNeverKilled() throws Exception {
    int runs = Integer.getInteger("upkeep.sigkillSeeds", 10);
    // Two runs at a time: a child is mostly its JVM starting, and this JVM waits meanwhile.
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Future<Outcome>> outcomes = new ArrayList<>();
    for (long seed = 1; seed <= runs; seed++) {
      long s = seed;
      outcomes.add(pool.submit(() -> killAndResume(s, false)));
    }
    long kills = 0;
    List<String> mismatches = new ArrayList<>();
    try {
      for (Future<Outcome> f : outcomes) {
        Outcome o = f.get();
        kills += o.kills();
        o.mismatch().ifPresent(mismatches::add);
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.println(
        "sigkill resumes: " + kills + " kills, " + mismatches.size() + " mismatches");
    assertThat(mismatches).isEmpty();
    assertThat(kills).isGreaterThanOrEqualTo(Math.min(50, runs * KILLS_PER_RUN));
  }

  @Test
  void aNegativeControlThatForgetsItsJournalAtEveryKillIsCaught() throws Exception {
    // A runner that keeps no journal across its deaths (as before issue 9) starts afresh each
    // time: the checks above must see it.
    Outcome o = killAndResume(1, true);
    assertThat(o.kills()).isPositive();
    assertThat(o.mismatch()).isPresent();
  }

  /** One run's kills, and what went wrong, if anything. */
  record Outcome(int kills, Optional<String> mismatch) {}

  /**
   * Runs seed {@code seed} in children killed again and again; {@code forget}: wipe the journal.
   */
  private Outcome killAndResume(long seed, boolean forget) throws Exception {
    FakeCluster reference = cluster(seed);
    UpgradeRun clean =
        UpgradeExecutor.builder()
            .cluster(reference)
            .host(reference)
            .traffic(reference)
            .build()
            .start(plan(reference, reference.clock()));
    RunReport r = clean.execute();
    while (r.status() == RunStatus.AWAITING_APPROVAL) {
      r.awaitingApproval().forEach(clean::approve);
      r = clean.execute();
    }

    FakeCluster c = cluster(seed);
    InvariantMonitor monitor = InvariantMonitor.watch(c, plan(c, c.clock()));
    Path dir = tmp.resolve("journal-" + seed);
    Path log = tmp.resolve("child-" + seed + ".log");
    Random random = new Random(seed);
    int exit;
    int killed = 0;
    try (RemoteCluster.Server server = new RemoteCluster.Server(c)) {
      while (true) {
        Process child = child(server.url(), dir, log);
        AtomicBoolean dead = new AtomicBoolean();
        Runnable kill =
            () -> {
              dead.set(true);
              child.destroyForcibly(); // SIGKILL
              try {
                child.waitFor();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            };
        if (killed < KILLS_PER_RUN) {
          int at = 1 + random.nextInt(KILL_SPREAD);
          boolean before = random.nextBoolean();
          server.killOn(n -> before && n == at, n -> !before && n == at, kill);
        } else {
          server.killOn(n -> false, n -> false, () -> {});
        }
        if (!child.waitFor(5, TimeUnit.MINUTES)) {
          child.destroyForcibly();
          exit = -1;
          break;
        }
        if (!dead.get()) {
          exit = child.exitValue();
          break;
        }
        killed++;
        if (forget) {
          deleteAll(dir);
        }
        // Down for a while: the dead runner's lease, held through its last wait, lapses before the
        // next one starts.
        c.clock().sleep(UpgradeExecutor.DEFAULT_LEASE_TTL.plus(POLL).plusSeconds(30));
      }
    }
    List<String> wrong = new ArrayList<>();
    if (exit != 0) {
      wrong.add("the last child exited " + exit + ": " + tail(log));
    }
    if (!endState(c).equals(endState(reference))) {
      wrong.add("end state " + endState(c) + ", not " + endState(reference));
    }
    if (!hostOperations(c).equals(hostOperations(reference))) {
      wrong.add("host operations " + hostOperations(c) + ", not " + hostOperations(reference));
    }
    monitor.checkFinal();
    if (!monitor.violations().isEmpty()) {
      wrong.add("violations " + monitor.violations());
    }
    return new Outcome(
        killed,
        wrong.isEmpty()
            ? Optional.empty()
            : Optional.of("seed " + seed + " (" + killed + " kills): " + String.join("; ", wrong)));
  }

  private static Process child(String url, Path journal, Path log) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    return new ProcessBuilder(
            java,
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Xshare:auto",
            "-cp",
            System.getProperty("java.class.path"),
            ChildRunner.class.getName(),
            url,
            journal.toString())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
  }

  private static void deleteAll(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  private static String tail(Path log) throws IOException {
    if (!Files.exists(log)) {
      return "(no output)";
    }
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
  }
}
