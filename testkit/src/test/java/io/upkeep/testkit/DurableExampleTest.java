package io.upkeep.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.Budget;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.RunStatus;
import io.upkeep.Strategy;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeTarget;
import io.upkeep.http.ReadmeExamples;
import io.upkeep.journal.FileJournalStore;
import io.upkeep.spi.ClusterPort;
import io.upkeep.spi.HostPort;
import io.upkeep.spi.JournalStore;
import io.upkeep.spi.TimeSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's durable-run example: it compiles and runs against a file journal, a resume after the
 * run carries on from the journal alone (here: finds it ended), and the README shows exactly this
 * code. Crashes at every step are {@code JournaledRunTest}'s and {@code SigkillResumeTest}'s.
 */
class DurableExampleTest {

  @TempDir Path stateDir;

  @Test
  void theReadmeDurableExampleJournalsToAFileAndResumesFromItAndTheReadmeShowsThisVeryCode()
      throws IOException {
    FakeCluster cluster =
        FakeCluster.builder()
            .nodes(
                "octo",
                3,
                n ->
                    n.role("octopus-node")
                        .taskCap(5)
                        .platform(Platform.of("Windows Server 2019", ".NET 6.0", "2024.1.0")))
            .build();
    ClusterPort port = cluster;
    HostPort myHosts = cluster;
    TimeSource time = cluster.clock();
    UpgradePlan plan =
        UpgradePlanner.create(time)
            .plan(
                port,
                Strategy.inPlace(),
                UpgradeTarget.os("Windows Server 2022"),
                Policy.builder()
                    .drainDeadline(Duration.ofMinutes(30))
                    .budget(Budget.ofNodes(1))
                    .build());

    // README-EXAMPLE-START
    JournalStore journal = FileJournalStore.open(stateDir.resolve("octopus-prod"));
    UpgradeExecutor executor =
        UpgradeExecutor.builder().cluster(port).host(myHosts).time(time).journal(journal).build();

    executor.start(plan).execute(); // first process: killed at any point...
    executor.resume().execute(); // ...a fresh process carries the run on from the journal alone
    // README-EXAMPLE-END

    assertThat(executor.resume().execute().status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(stateDir.resolve("octopus-prod")).isDirectory();
    try (var files = Files.list(stateDir.resolve("octopus-prod"))) {
      assertThat(files.map(f -> f.getFileName().toString())).contains("journal.jsonl");
    }
    journal.close();
    ReadmeExamples.assertShown(
        Path.of("src/test/java/io/upkeep/testkit/DurableExampleTest.java"),
        Path.of("../README.md"),
        6,
        6);
  }
}
