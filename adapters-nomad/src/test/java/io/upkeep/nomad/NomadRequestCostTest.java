package io.upkeep.nomad;

import static io.upkeep.nomad.NomadFixture.id;
import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.Budget;
import io.upkeep.ClusterSnapshot;
import io.upkeep.DrainState;
import io.upkeep.Policy;
import io.upkeep.RunReport;
import io.upkeep.Strategy;
import io.upkeep.TaskCap;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeTarget;
import io.upkeep.testkit.InvariantMonitor;
import io.upkeep.testkit.VirtualClock;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * What the adapter costs Nomad's API, over real HTTP against the fake server in virtual time: an
 * upgrade's requests per node, and the reads an observation spares, each with what makes it read
 * again.
 */
class NomadRequestCostTest {

  /**
   * Requests per node the upgrade below may cost in virtual time, where waiting polls the node list
   * and the servers' members at every step: about 42 with the savings, 75 without.
   */
  static final double MAX_REQUESTS_PER_NODE = 45;

  NomadFixture nomad;

  @AfterEach
  void close() {
    if (nomad != null) {
      nomad.close();
    }
  }

  VirtualClock clock() {
    return nomad.cluster.clock();
  }

  int requests(String method, String path) {
    return nomad.server.requests(method, path).size();
  }

  @Nested
  class AnUpgrade {

    /** Three servers and ten clients with work, upgraded in place; requests sent per node. */
    double requestsPerNode(Consumer<NomadConfig.Builder> config) {
      nomad =
          NomadFixture.builder()
              .servers(3)
              .clients(10)
              .cluster(b -> b.workload(Duration.ofSeconds(10), Duration.ofMinutes(1)))
              .config(c -> c.pollInterval(Duration.ofSeconds(30)))
              .config(config)
              .build();
      clock().sleep(Duration.ofMinutes(5)); // let work spread over the clients
      Policy policy =
          NomadProcedures.policy(Duration.ofMinutes(10))
              .budget(Budget.ofPercent(30))
              .canarySoak(Duration.ofMinutes(1))
              .pollInterval(Duration.ofSeconds(30))
              .snapshots(false)
              .build();
      UpgradePlan plan =
          NomadProcedures.plan(
              UpgradePlanner.create(clock()),
              nomad.port,
              Strategy.inPlace(),
              UpgradeTarget.product("1.8.2"),
              policy);
      InvariantMonitor monitor = InvariantMonitor.watch(nomad.cluster, plan);
      RunReport report =
          NomadProcedures.executor(nomad.port, nomad.cluster).build().start(plan).execute();
      assertThat(report.succeeded()).as(report.summary()).isTrue();
      monitor.assertRestored();
      System.out.println(
          "REQUESTS PER NODE " + (double) report.apiRequests() / plan.units().size());
      return (double) report.apiRequests() / plan.units().size();
    }

    @Test
    void costsAtMostFortyFiveRequestsPerNodeInVirtualTime() {
      assertThat(requestsPerNode(c -> {})).isLessThanOrEqualTo(MAX_REQUESTS_PER_NODE);
    }

    /**
     * Negative control: reading the whole region at every observation costs more than the bound.
     */
    @Test
    void wouldCostMoreReadingTheWholeRegionAtEveryObservation() {
      assertThat(
              requestsPerNode(c -> c.observationReuse(Duration.ZERO).serverRefresh(Duration.ZERO)))
          .isGreaterThan(MAX_REQUESTS_PER_NODE);
    }
  }

  @Nested
  class AnObservation {

    @Test
    void isGivenAgainUntilItsTimeIsUp() {
      nomad = NomadFixture.of(3, 2);
      ClusterSnapshot first = nomad.port.observe();
      int sent = nomad.server.requests().size();
      assertThat(nomad.port.observe()).isSameAs(first);
      assertThat(nomad.server.requests()).hasSize(sent);
      clock().sleep(NomadConfig.DEFAULT_OBSERVATION_REUSE);
      assertThat(nomad.port.observe()).isNotSameAs(first);
      assertThat(requests("GET", "/v1/operator/autopilot/health")).isEqualTo(2);
    }

    @Test
    void isNeverGivenAgainWhenReuseIsOff() {
      nomad = NomadFixture.builder().config(c -> c.observationReuse(Duration.ZERO)).build();
      nomad.port.observe();
      nomad.port.observe();
      assertThat(requests("GET", "/v1/operator/autopilot/health")).isEqualTo(2);
    }

    @Test
    void showsAClientThePortChangedReadingOnlyThatClient() {
      nomad =
          NomadFixture.builder()
              .servers(3)
              .clients(0)
              .cluster(
                  b ->
                      b.node(
                              "client-1",
                              n ->
                                  n.role("client")
                                      .taskCap(TaskCap.UNLIMITED)
                                      .platform(NomadFixture.NOMAD_177)
                                      .runningTask(Duration.ofMinutes(5)))
                          .node(
                              "client-2",
                              n ->
                                  n.role("client")
                                      .taskCap(TaskCap.UNLIMITED)
                                      .platform(NomadFixture.NOMAD_177)))
              .build();
      nomad.port.observe();
      int sent = nomad.server.requests().size();
      nomad.port.drain(id("client-1"), clock().now().plus(Duration.ofMinutes(30)));
      ClusterSnapshot s = nomad.port.observe();
      assertThat(s.node(id("client-1")).drainState()).isEqualTo(DrainState.DRAINING);
      assertThat(nomad.server.requests().subList(sent, nomad.server.requests().size()))
          .extracting(r -> r.method() + " " + r.path())
          .containsExactly(
              "PUT /v1/node/" + nomad.server.nodeId(id("client-1")) + "/drain",
              "GET /v1/node/" + nomad.server.nodeId(id("client-1")));
    }

    @Test
    void doesNotWakeAWaitForThePortsOwnChange() {
      nomad =
          NomadFixture.builder()
              .servers(1)
              .clients(0)
              .cluster(
                  b ->
                      b.node(
                          "client-1",
                          n ->
                              n.role("client")
                                  .taskCap(TaskCap.UNLIMITED)
                                  .platform(NomadFixture.NOMAD_177)
                                  .runningTask(Duration.ofHours(1))))
              .build();
      nomad.port.observe();
      nomad.port.drain(id("client-1"), clock().now().plus(Duration.ofHours(2)));
      ClusterSnapshot s = nomad.port.observe();
      assertThat(nomad.port.awaitChange(s, Duration.ofMinutes(1))).isFalse();
    }

    @Test
    void standsNoLongerAfterAWait() {
      nomad = NomadFixture.of(3, 1);
      ClusterSnapshot s = nomad.port.observe();
      nomad.port.awaitChange(s, Duration.ofSeconds(1).minusMillis(1));
      assertThat(nomad.port.observe()).isNotSameAs(s);
    }
  }

  @Nested
  class TheServers {

    NomadFixture withABusyClient() {
      return NomadFixture.builder()
          .servers(3)
          .clients(0)
          .cluster(
              b ->
                  b.node(
                      "client-1",
                      n ->
                          n.role("client")
                              .taskCap(TaskCap.UNLIMITED)
                              .platform(NomadFixture.NOMAD_177)
                              .runningTask(Duration.ofHours(1))))
          .build();
    }

    /** Observes after a wait of ten seconds, returning the autopilot reads it took. */
    int readsAfterAWait() {
      int before = requests("GET", "/v1/operator/autopilot/health");
      nomad.port.awaitChange(nomad.port.observe(), Duration.ofSeconds(10));
      nomad.port.observe();
      return requests("GET", "/v1/operator/autopilot/health") - before;
    }

    @Test
    void areReadAgainAfterEveryWaitWhileNoClientIsDrainedByThePort() {
      nomad = withABusyClient();
      nomad.port.observe();
      assertThat(readsAfterAWait()).isEqualTo(1);
      assertThat(readsAfterAWait()).isEqualTo(1);
    }

    @Test
    void whenSteadyAreReadOnlyEveryServerRefreshWhileThePortHasAClientDrained() {
      nomad = withABusyClient();
      nomad.port.observe();
      nomad.port.drain(id("client-1"), clock().now().plus(Duration.ofHours(2)));
      assertThat(readsAfterAWait()).isZero();
      clock().sleep(NomadConfig.DEFAULT_SERVER_REFRESH);
      assertThat(readsAfterAWait()).isEqualTo(1);
      nomad.port.undrain(id("client-1"));
      assertThat(readsAfterAWait()).isEqualTo(1);
    }

    @Test
    void whenOneIsDownAreReadAtEveryObservation() {
      nomad = withABusyClient();
      nomad.port.observe();
      nomad.port.drain(id("client-1"), clock().now().plus(Duration.ofHours(2)));
      nomad.cluster.stopService("r1", id("server-2"));
      clock().sleep(Duration.ofMinutes(1));
      nomad.port.observe();
      assertThat(readsAfterAWait()).isEqualTo(1);
      assertThat(readsAfterAWait()).isEqualTo(1);
    }

    @Test
    void areReadAgainBeforeAServerStops() {
      nomad = withABusyClient();
      nomad.port.observe();
      nomad.port.drain(id("client-1"), clock().now().plus(Duration.ofHours(2)));
      assertThat(readsAfterAWait()).isZero();
      nomad.port.transferLeadershipAway(id("server-2"));
      int before = requests("GET", "/v1/operator/autopilot/health");
      nomad.port.observe();
      assertThat(requests("GET", "/v1/operator/autopilot/health")).isEqualTo(before + 1);
    }
  }

  @Nested
  class AClientsWork {

    @Test
    void isCountedOnceWhileItIsIneligibleIdleAndUnchanged() {
      nomad = NomadFixture.builder().servers(1).clients(1).build();
      nomad.port.observe();
      nomad.port.drain(id("client-1"), clock().now().plus(Duration.ofMinutes(10)));
      assertThat(nomad.port.observe().node(id("client-1")).drainState())
          .isEqualTo(DrainState.DRAINED);
      int counted = requests("GET", "/v1/node/");
      for (int i = 0; i < 3; i++) {
        nomad.port.awaitChange(nomad.port.observe(), Duration.ofMinutes(1));
        assertThat(nomad.port.observe().node(id("client-1")).drainState())
            .isEqualTo(DrainState.DRAINED);
      }
      assertThat(requests("GET", "/v1/node/")).isEqualTo(counted);
    }
  }
}
