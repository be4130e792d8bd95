package io.upkeep.nomad;

import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.Budget;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.RunReport;
import io.upkeep.Secret;
import io.upkeep.Strategy;
import io.upkeep.TaskCap;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeTarget;
import io.upkeep.http.ReadmeExamples;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.InvariantMonitor;
import io.upkeep.testkit.http.nomad.FakeNomadServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The module README's runnable example: it compiles, it runs, and the README shows exactly this
 * code.
 */
class ReadmeExampleTest {

  @Test
  @Timeout(60)
  void theReadmeExampleUpgradesTheRegionAndTheReadmeShowsThisVeryCode() throws IOException {
    RunReport report = upgradeTheRegion();

    assertThat(report.succeeded()).as(report.summary()).isTrue();
    assertThat(report.upgraded()).hasSize(7);
    ReadmeExamples.assertShown(
        Path.of("src/test/java/io/upkeep/nomad/ReadmeExampleTest.java"),
        Path.of("README.md"),
        15,
        60);
  }

  /** The example: 3 servers and 4 clients from Nomad 1.7.7 to 1.8.2, over HTTP, in virtual time. */
  static RunReport upgradeTheRegion() {
    // README-EXAMPLE-START
    FakeCluster cluster =
        FakeCluster.builder()
            .forcesDrainAtDeadline(true) // as Nomad does
            .nodes(
                "server",
                3,
                n ->
                    n.role("server")
                        .voter(true)
                        .runsWork(false)
                        .taskCap(TaskCap.UNLIMITED)
                        .platform(Platform.of("Ubuntu 22.04", "", "1.7.7")))
            .nodes(
                "client",
                4,
                n ->
                    n.role("client")
                        .taskCap(TaskCap.UNLIMITED)
                        .platform(Platform.of("Ubuntu 22.04", "", "1.7.7")))
            .workload(Duration.ofSeconds(10), Duration.ofMinutes(1))
            .build();
    try (FakeNomadServer server =
            FakeNomadServer.builder(cluster).acl("my-management-token").start();
        NomadClusterPort nomad =
            NomadClusterPort.create(
                NomadConfig.builder(server.baseUrl())
                    .token(Secret.of("my-management-token"))
                    .virtualTime(
                        cluster.clock()) // the run's clock: no backoff, rate limit, real blocking
                    .build())) {
      Policy policy =
          NomadProcedures.policy(Duration.ofMinutes(10))
              .budget(Budget.ofPercent(25))
              .snapshots(false)
              .build();
      UpgradePlan plan =
          NomadProcedures.plan(
              UpgradePlanner.create(cluster.clock()),
              nomad,
              Strategy.inPlace(),
              UpgradeTarget.product("1.8.2"),
              policy);
      InvariantMonitor monitor = InvariantMonitor.watch(cluster, plan);
      RunReport report = NomadProcedures.executor(nomad, cluster).build().start(plan).execute();
      monitor.assertRestored(); // every invariant held, every node back in service
      return report;
    }
    // README-EXAMPLE-END
  }
}
