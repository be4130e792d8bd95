package io.upkeep.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.Budget;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.RunReport;
import io.upkeep.Strategy;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeRun;
import io.upkeep.UpgradeTarget;
import io.upkeep.http.ReadmeExamples;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's embedding example: it compiles, it runs, and the README shows exactly this code. */
class EmbeddingExampleTest {

  @Test
  void theReadmeExampleUpgradesAClusterAndTheReadmeShowsThisVeryCode() throws IOException {
    // README-EXAMPLE-START
    // The cluster to upgrade: here the testkit's fake; in production an adapter (Octopus, Nomad).
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

    Policy policy =
        Policy.builder()
            .drainDeadline(Duration.ofMinutes(30)) // required: no drain may wait forever
            .budget(Budget.ofNodes(1)) // one node out of service at a time
            .build();

    UpgradePlan plan =
        UpgradePlanner.create(cluster.clock())
            .plan(cluster, Strategy.inPlace(), UpgradeTarget.os("Windows Server 2022"), policy);
    System.out.println(plan.toText()); // the dry run: steps and reasons, nothing touched

    UpgradeRun run =
        UpgradeExecutor.builder()
            .cluster(cluster) // ClusterPort: the target system
            .host(cluster) // HostPort: your VMs, cloud SDK or scripts
            .time(cluster.clock()) // virtual time; TimeSource.system() in production
            .listener(event -> System.out.println(event.describe()))
            .build()
            .start(plan);
    RunReport report = run.execute();
    System.out.println(report.summary());
    // README-EXAMPLE-END

    assertThat(report.succeeded()).isTrue();
    assertThat(report.upgraded()).hasSize(3);
    assertThat(cluster.observe().nodes())
        .allMatch(n -> n.platform().os().equals("Windows Server 2022") && n.inService());

    ReadmeExamples.assertShown(
        Path.of("src/test/java/io/upkeep/testkit/EmbeddingExampleTest.java"),
        Path.of("../README.md"),
        15,
        60);
  }
}
