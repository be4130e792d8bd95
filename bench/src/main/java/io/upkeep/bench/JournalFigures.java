package io.upkeep.bench;

import io.upkeep.RunControl;
import io.upkeep.RunReport;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.journal.FileJournalStore;
import io.upkeep.journal.InMemoryJournalStore;
import io.upkeep.spi.JournalEntry;
import io.upkeep.spi.Lease;
import io.upkeep.testkit.FakeCluster;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The journal a 10,000-node run leaves (3,000 in quick mode; the scale figure's region): its
 * records and size in a {@link FileJournalStore}, and how long a fresh reader takes to replay it
 * into the run's status ({@link RunControl#status()}, which reads the whole journal as a resume
 * does).
 */
final class JournalFigures {

  private JournalFigures() {}

  static Map<String, Object> measure(boolean quick, PrintStream progress) throws IOException {
    int clients = quick ? 3_000 : 10_000;
    Path dir = Files.createTempDirectory("upkeep-bench-journal");
    try {
      FakeCluster cluster = ScaleFigures.region(clients, 7);
      UpgradePlan plan = ScaleFigures.plan(cluster);
      // The run journals to memory (a file store's fsync per turn would make this figure the
      // disk's); what it leaves, compacted as any store compacts it, is then written to a file.
      InMemoryJournalStore memory = new InMemoryJournalStore();
      long runStart = System.nanoTime();
      RunReport report =
          UpgradeExecutor.builder()
              .cluster(cluster)
              .host(cluster)
              .time(cluster.clock())
              .journal(memory)
              .build()
              .start(plan)
              .execute();
      long runMillis = (System.nanoTime() - runStart) / 1_000_000;
      if (!report.succeeded()) {
        throw new IllegalStateException("the journaled run did not succeed: " + report.summary());
      }
      List<JournalEntry> left = memory.read(0);
      try (FileJournalStore file = FileJournalStore.open(dir)) {
        Instant now = cluster.clock().now();
        Lease lease = file.acquire("bench", Duration.ofMinutes(1), now).orElseThrow();
        file.append(left, lease, now);
        file.release(lease);
      }
      long bytes;
      try (Stream<Path> files = Files.list(dir)) {
        bytes = files.mapToLong(JournalFigures::size).sum();
      }
      long best = Long.MAX_VALUE;
      int nodes = 0;
      for (int i = 0; i < 3; i++) {
        long start = System.nanoTime();
        try (FileJournalStore journal = FileJournalStore.open(dir)) {
          nodes = RunControl.of(journal, cluster.clock()).status().nodes().size();
        }
        best = Math.min(best, System.nanoTime() - start);
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("nodes", nodes);
      row.put("run_wall_ms", runMillis);
      row.put("records", left.size());
      row.put("journal_kb", bytes / 1024);
      row.put("replay_ms", best / 1_000_000);
      progress.println("  " + row);
      return row;
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(JournalFigures::delete);
      }
    }
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void delete(Path p) {
    try {
      Files.delete(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
