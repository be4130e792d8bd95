package io.upkeep.nomad;

import static io.upkeep.nomad.NomadFixture.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.upkeep.ClusterOperationException;
import io.upkeep.ClusterSnapshot;
import io.upkeep.Health;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.RunReport;
import io.upkeep.Secret;
import io.upkeep.Strategy;
import io.upkeep.TaskCap;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeTarget;
import io.upkeep.nomad.internal.Wire;
import io.upkeep.testkit.InvariantMonitor;
import io.upkeep.testkit.http.RecordedRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The adapter against a fake that answers as real Nomad does where HashiCorp documents it: OS
 * attributes in gopsutil's spelling, status endpoints that need no token, regions, and drain
 * strategies read back as Nomad stores them. Each test names its source.
 */
class NomadFidelityTest {

  NomadFixture nomad;

  @AfterEach
  void close() {
    if (nomad != null) {
      nomad.close();
    }
  }

  NomadFixture start(NomadFixture.Builder b) {
    nomad = b.build();
    return nomad;
  }

  JsonNode get(String path) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(nomad.server.baseUrl() + path))
                    .header("X-Nomad-Token", NomadFixture.TOKEN)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new ObjectMapper().readTree(r.body());
  }

  /**
   * client/fingerprint/host.go; docs/runtime/interpolation.mdx: {@code attr.os.name} is {@code
   * ubuntu}.
   */
  @Nested
  class OperatingSystems {

    @Test
    void reportsNomadsLowerCaseOsNameAsUsersWriteIt() throws Exception {
      start(
          NomadFixture.builder()
              .servers(1)
              .clients(1)
              .cluster(
                  b ->
                      b.node(
                          "win-1",
                          n ->
                              n.role("client")
                                  .taskCap(TaskCap.UNLIMITED)
                                  .platform(
                                      Platform.of("Windows Server 2022 Standard", "", "1.7.7")))));
      JsonNode attributes =
          get("/v1/node/" + nomad.server.nodeId(id("client-1"))).get("Attributes");
      assertThat(attributes.get("os.name").asText()).isEqualTo("ubuntu");
      ClusterSnapshot s = nomad.port.observe();
      assertThat(s.node(id("client-1")).platform().os()).isEqualTo("Ubuntu 22.04");
      assertThat(s.node(id("win-1")).platform().os())
          .as("release without edition or build")
          .isEqualTo("Windows Server 2022");
      assertThat(
              UpgradeTarget.os(NomadOs.normalise("ubuntu 22.04"))
                  .isMetBy(s.node(id("client-1")).platform()))
          .isTrue();
    }

    @Test
    void upgradesClientsToAnOsWrittenInAnyCaseAndVerifiesThem() throws Exception {
      start(NomadFixture.builder().servers(3).clients(2));
      Policy policy =
          NomadProcedures.policy(Duration.ofMinutes(10))
              .only("client-1", "client-2")
              .snapshots(false)
              .canarySoak(Duration.ofMinutes(1))
              .pollInterval(Duration.ofSeconds(30))
              .build();
      UpgradePlan plan =
          NomadProcedures.plan(
              UpgradePlanner.create(nomad.cluster.clock()),
              nomad.port,
              Strategy.inPlace(),
              UpgradeTarget.os("ubuntu 24.04 LTS"),
              policy);
      assertThat(plan.target().os()).contains("Ubuntu 24.04");
      InvariantMonitor monitor = InvariantMonitor.watch(nomad.cluster, plan);
      RunReport report =
          NomadProcedures.executor(nomad.port, nomad.cluster).build().start(plan).execute();
      assertThat(report.succeeded()).as(report.summary()).isTrue();
      monitor.assertRestored();
      JsonNode attributes =
          get("/v1/node/" + nomad.server.nodeId(id("client-2"))).get("Attributes");
      assertThat(attributes.get("os.name").asText()).isEqualTo("ubuntu");
      assertThat(attributes.get("os.version").asText()).isEqualTo("24.04");
      assertThat(nomad.port.observe().node(id("client-2")).platform().os())
          .isEqualTo("Ubuntu 24.04");
    }

    @Test
    void mapsNomadsNamesToDisplayNamesAndUsersSpellingsToTheSame() {
      assertThat(NomadOs.displayName("ubuntu", "22.04")).isEqualTo("Ubuntu 22.04");
      assertThat(NomadOs.displayName("redhat", "9.4")).isEqualTo("RHEL 9.4");
      assertThat(NomadOs.displayName("darwin", "14.6.1")).isEqualTo("macOS 14.6.1");
      assertThat(NomadOs.displayName("Microsoft Windows Server 2012 R2 Standard", "6.3.9600"))
          .isEqualTo("Windows Server 2012 R2");
      assertThat(NomadOs.displayName("nixos", "24.05")).isEqualTo("nixos 24.05");
      assertThat(NomadOs.displayName("", "22.04")).isEqualTo(NomadConfig.UNKNOWN_OS);
      assertThat(NomadOs.normalise("UBUNTU  24.04")).isEqualTo("Ubuntu 24.04");
      assertThat(NomadOs.normalise("Ubuntu 24.04 LTS")).isEqualTo("Ubuntu 24.04");
      assertThat(NomadOs.normalise("Red Hat Enterprise Linux 9.4")).isEqualTo("RHEL 9.4");
      assertThat(NomadOs.normalise("redhat 9.4")).isEqualTo("RHEL 9.4");
      assertThat(NomadOs.normalise("windows server 2022 datacenter"))
          .isEqualTo("Windows Server 2022");
      assertThat(NomadOs.normalise("NixOS 24.05")).isEqualTo("nixos 24.05");
      assertThat(NomadOs.normalise(UpgradeTarget.product("1.8.2")))
          .isEqualTo(UpgradeTarget.product("1.8.2"));
    }

    @Test
    void normalisesTheOperatorsServerOs() {
      start(
          NomadFixture.builder()
              .servers(1)
              .clients(0)
              .config(c -> c.serverOs(n -> "ubuntu 22.04")));
      assertThat(nomad.port.observe().node(id("server-1")).platform().os())
          .isEqualTo("Ubuntu 22.04");
    }
  }

  /**
   * api-docs/status.mdx (ACL Required: none); nomad/status_endpoint.go Leader and Peers ignore the
   * authentication error. The adapter takes the raft peers from there when its token may not read
   * the raft configuration, so a lost quorum is told from an election without a management token.
   */
  @Nested
  class StatusEndpoints {

    @Test
    void tellsALostQuorumFromAnElectionWithoutAManagementToken() {
      start(
          NomadFixture.builder()
              .servers(3)
              .clients(1)
              .serverWithoutDefaultAcl(
                  b ->
                      b.token(
                          "upkeep",
                          "upkeep-secret",
                          "node:read",
                          "node:write",
                          "agent:read",
                          "agent:write",
                          "operator:read",
                          "namespace:read-job"))
              .config(c -> c.token(Secret.of("upkeep-secret"))));
      nomad.port.observe();
      nomad.cluster.stopService("a", id("server-2"));
      nomad.cluster.stopService("b", id("server-3"));
      nomad.cluster.clock().sleep(Duration.ofMinutes(1));
      ClusterSnapshot s = nomad.port.observe();
      assertThat(s.node(id("server-1")).health()).isEqualTo(Health.UNHEALTHY);
      assertThat(s.node(id("server-2")).health()).isEqualTo(Health.UNREACHABLE);
      assertThat(s.node(id("server-2")).voter()).as("a voter, from /v1/status/peers").isTrue();
      assertThat(s.leader()).isEmpty();
      RecordedRequest peers = nomad.server.requests("GET", "/v1/status/peers").get(0);
      assertThat(peers.status()).isEqualTo(200);
      assertThat(peers.queryParameter("stale")).contains("true");
    }

    @Test
    void waitsOutAnElectionAsBeforeWhenAMajorityIsAlive() {
      start(
          NomadFixture.builder()
              .servers(3)
              .clients(1)
              .serverWithoutDefaultAcl(
                  b ->
                      b.token(
                          "upkeep",
                          "upkeep-secret",
                          "node:read",
                          "agent:read",
                          "operator:read",
                          "namespace:read-job"))
              .config(c -> c.token(Secret.of("upkeep-secret"))));
      nomad.port.observe();
      nomad.server.loseLeader(Duration.ofSeconds(30));
      // Past the time an observation stands for when the port neither changed nor waited.
      nomad.cluster.clock().sleep(NomadConfig.DEFAULT_OBSERVATION_REUSE);
      assertThatThrownBy(() -> nomad.port.observe()).isInstanceOf(NomadNoLeaderException.class);
    }
  }

  /**
   * api-docs/regions.mdx; nomad/status_endpoint.go Members answers for the agent's own pool
   * whatever region= says.
   */
  @Nested
  class Regions {

    @Test
    void refusesARegionNomadDoesNotKnowNamingTheOnesItDoes() {
      start(
          NomadFixture.builder()
              .servers(1)
              .clients(1)
              .server(b -> b.region("eu-west"))
              .config(c -> c.region("eu-east")));
      assertThatThrownBy(() -> nomad.port.observe())
          .isInstanceOf(ClusterOperationException.class)
          .hasMessageContaining("knows no region 'eu-east'")
          .hasMessageContaining("[eu-west]")
          .satisfies(e -> assertThat(((ClusterOperationException) e).retryable()).isFalse());
      assertThat(nomad.server.requests("GET", "/v1/regions")).hasSize(1);
    }

    @Test
    void checksAConfiguredRegionOnce() {
      start(
          NomadFixture.builder()
              .servers(1)
              .clients(1)
              .server(b -> b.region("eu-west"))
              .config(c -> c.region("eu-west")));
      nomad.port.observe();
      nomad.port.observe();
      assertThat(nomad.server.requests("GET", "/v1/regions")).hasSize(1);
      assertThat(nomad.port.observe().ids()).contains(id("server-1"), id("client-1"));
    }
  }

  /**
   * nomad/structs DrainStrategy.DeadlineTime and nomad/node_endpoint.go UpdateDrain: Deadline in
   * ns, ForceDeadline only for a positive Deadline, -1 forces, 0 never does; StartedAt kept by an
   * update.
   */
  @Nested
  class Drains {

    @Test
    void givesADrainWithoutADeadlineItsOwnAndNomadKeepsWhenItStarted() throws Exception {
      start(
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
                                  .runningTask(Duration.ofHours(5)))));
      nomad.cluster.operatorDrain(
          id("client-1")); // nomad node drain -enable -no-deadline, as it reads back
      String uuid = nomad.server.nodeId(id("client-1"));
      JsonNode before = get("/v1/node/" + uuid).get("DrainStrategy");
      assertThat(before.get("Deadline").asLong()).isZero();
      assertThat(before.get("ForceDeadline").asText()).isEqualTo("0001-01-01T00:00:00Z");
      nomad.cluster.clock().sleep(Duration.ofMinutes(5));
      Instant deadline = nomad.cluster.clock().now().plus(Duration.ofMinutes(30));
      nomad.port.drain(id("client-1"), deadline);
      assertThat(nomad.server.requests("PUT", "/v1/node/")).hasSize(1);
      JsonNode after = get("/v1/node/" + uuid);
      assertThat(after.get("DrainStrategy").get("Deadline").asLong())
          .isEqualTo(Duration.ofMinutes(30).toNanos());
      assertThat(after.get("DrainStrategy").get("ForceDeadline").asText())
          .isEqualTo(deadline.toString());
      assertThat(after.get("DrainStrategy").get("StartedAt").asText())
          .isEqualTo(before.get("StartedAt").asText());
      assertThat(after.get("Events").findValuesAsText("Message"))
          .contains("Node drain strategy updated");
      nomad.port.drain(id("client-1"), deadline);
      assertThat(nomad.server.requests("PUT", "/v1/node/")).as("forces by then already").hasSize(1);
      nomad.cluster.clock().sleep(Duration.ofMinutes(31));
      assertThat(nomad.port.observe().node(id("client-1")).runningWork())
          .as("forced at our deadline")
          .isZero();
    }

    @Test
    void leavesAForcedDrainAloneAndReadsItsZeroForceDeadline() throws Exception {
      start(
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
                                  .runningTask(Duration.ofHours(5)))));
      nomad.port.drain(id("client-1"), nomad.cluster.clock().now().minusSeconds(1));
      JsonNode strategy =
          get("/v1/node/" + nomad.server.nodeId(id("client-1"))).get("DrainStrategy");
      assertThat(strategy.get("Deadline").asLong()).isEqualTo(-1);
      assertThat(strategy.get("ForceDeadline").asText()).isEqualTo("0001-01-01T00:00:00Z");
      nomad.port.drain(id("client-1"), nomad.cluster.clock().now().plus(Duration.ofHours(1)));
      assertThat(nomad.server.requests("PUT", "/v1/node/")).hasSize(1);
    }

    @Test
    void readsDrainStrategiesAsNomadSetsThem() {
      Instant deadline = Instant.parse("2026-01-01T01:00:00Z");
      assertThat(NomadClusterPort.forcesBy(strategy(-1, "0001-01-01T00:00:00Z"), deadline))
          .isTrue();
      assertThat(NomadClusterPort.forcesBy(strategy(0, "0001-01-01T00:00:00Z"), deadline))
          .isFalse();
      assertThat(
              NomadClusterPort.forcesBy(
                  strategy(3_600_000_000_000L, "2026-01-01T01:00:30.5Z"), deadline))
          .isTrue();
      assertThat(
              NomadClusterPort.forcesBy(
                  strategy(3_600_000_000_000L, "2026-01-01T02:00:00+01:00"), deadline))
          .isTrue();
      assertThat(
              NomadClusterPort.forcesBy(
                  strategy(7_200_000_000_000L, "2026-01-01T02:00:00Z"), deadline))
          .isFalse();
      assertThat(NomadClusterPort.forcesBy(strategy(3_600_000_000_000L, null), deadline)).isFalse();
    }

    Wire.DrainStrategy strategy(long deadline, String force) {
      return new Wire.DrainStrategy(deadline, false, force, "2026-01-01T00:00:00Z");
    }
  }
}
