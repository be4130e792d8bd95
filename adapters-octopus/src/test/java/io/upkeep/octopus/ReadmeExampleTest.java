package io.upkeep.octopus;

import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.RunReport;
import io.upkeep.Secret;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradeRun;
import io.upkeep.UpgradeTarget;
import io.upkeep.http.ReadmeExamples;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.http.octopus.FakeOctopusServer;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The module README's example: it compiles, it runs, and the README shows exactly this code. */
class ReadmeExampleTest {

  @Test
  @Timeout(60)
  void theReadmeExampleReplacesEveryNodeAndTheReadmeShowsThisVeryCode() throws IOException {
    RunReport report = replaceEveryNode();

    assertThat(report.succeeded()).as(report.summary()).isTrue();
    assertThat(report.upgraded())
        .extracting(NodeId::value)
        .containsExactlyInAnyOrder("octo-1", "octo-2", "octo-3");
    ReadmeExamples.assertShown(
        Path.of("src/test/java/io/upkeep/octopus/ReadmeExampleTest.java"),
        Path.of("README.md"),
        15,
        60);
  }

  /** The example: the HA host upgrade of a three-node cluster, through the adapter, over HTTP. */
  static RunReport replaceEveryNode() {
    // README-EXAMPLE-START
    // A fake Octopus HA cluster on a real HTTP port; in production, your cluster's address and key.
    FakeCluster cluster =
        FakeCluster.builder()
            .nodes(
                "octo",
                3,
                n ->
                    n.role("octopus-node")
                        .taskCap(5)
                        .platform(Platform.of("Windows Server 2019", ".NET 6.0", "2024.1.10309")))
            .build();
    try (FakeOctopusServer server = FakeOctopusServer.start(cluster);
        OctopusClusterPort octopus =
            OctopusClusterPort.create(
                OctopusConfig.builder(
                        server.baseUrl(),
                        Secret.of(server.apiKey())) // Secret.fromEnvironment("OCTOPUS_API_KEY")
                    .nodeUrlTemplate(server.nodeUrlTemplate()) // each node's own address
                    .virtualTime(
                        cluster.clock()) // virtual time; in production: time(TimeSource.system())
                    .build())) {
      OctopusProcedure procedure = OctopusProcedures.highAvailabilityHostUpgrade(octopus);
      UpgradePlan plan =
          procedure.plan(
              octopus,
              UpgradeTarget.os("Windows Server 2022").andRuntime(".NET 8.0"),
              cluster.clock());
      System.out.println(plan.toText()); // the dry run

      UpgradeRun run =
          procedure
              .register(UpgradeExecutor.builder())
              .cluster(octopus) // Octopus, over its REST API
              .host(cluster) // your HostPort: VMs and installs
              .traffic(cluster) // your TrafficPort: the load balancer
              .time(cluster.clock())
              .build()
              .start(plan);
      RunReport report = run.execute(); // stops at the canary's approval gate
      report.awaitingApproval().forEach(run::approve); // the first new node looks good
      report = run.execute();
      System.out.println(report.summary());
      return report;
    }
    // README-EXAMPLE-END
  }
}
