package io.upkeep.nomad;

import static io.upkeep.nomad.NomadFixture.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.upkeep.Action;
import io.upkeep.Health;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.PlanValidationException;
import io.upkeep.Policy;
import io.upkeep.RunReport;
import io.upkeep.RunStatus;
import io.upkeep.Strategy;
import io.upkeep.TaskCap;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeTarget;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.spi.HealthProbe.ProbeResult;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.Fault;
import io.upkeep.testkit.InvariantMonitor;
import io.upkeep.testkit.http.RecordedRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Nomad's upgrade rules, each run end to end over HTTP in virtual time. */
class NomadProceduresTest {

  static final UpgradeTarget NOMAD_18 = UpgradeTarget.product("1.8.2");

  NomadFixture nomad;
  final List<UpgradeEvent> events = new CopyOnWriteArrayList<>();

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

  static Policy.Builder policy() {
    return NomadProcedures.policy(Duration.ofMinutes(10))
        .canaries(0)
        .snapshots(false)
        .pollInterval(Duration.ofSeconds(30));
  }

  UpgradePlan plan(Strategy strategy, UpgradeTarget target, Policy policy) {
    return NomadProcedures.plan(
        UpgradePlanner.create(nomad.cluster.clock()), nomad.port, strategy, target, policy);
  }

  RunReport run(UpgradePlan plan, Consumer<UpgradeEvent> also) {
    return NomadProcedures.executor(nomad.port, nomad.cluster)
        .listener(events::add)
        .listener(also::accept)
        .build()
        .start(plan)
        .execute();
  }

  <T extends UpgradeEvent> List<T> events(Class<T> type) {
    return events.stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** Issue 10: the raft gate keeps watching during a server's soak, not only once before it. */
  @Nested
  class SoaksKeepWatching {

    @Test
    void aCanaryServerThatFallsBehindTheLeadersRaftLogAfterItsVerificationFailsItsSoak() {
      // A young region's raft log is short: a gate of 5 trailing entries, and a lag of 6.
      start(NomadFixture.builder().servers(3).clients(1).config(c -> c.maxTrailingLogs(5)));
      UpgradePlan plan =
          plan(
              Strategy.inPlace(),
              NOMAD_18,
              policy().canaries(1).canarySoak(Duration.ofHours(1)).build());
      InvariantMonitor monitor = InvariantMonitor.watch(nomad.cluster, plan);
      long tooFar = nomad.port.config().maxTrailingLogs() + 1;
      String[] lagging = new String[1];

      RunReport report =
          run(
              plan,
              e -> {
                if (lagging[0] == null
                    && e instanceof UpgradeEvent.StepStarted s
                    && s.step().action() instanceof Action.Soak) {
                  // Caught up and verified before the soak; it falls behind as the soak begins,
                  // which only a gate that keeps watching can see.
                  lagging[0] = s.step().node().value();
                  nomad.server.lagServer(lagging[0], tooFar);
                }
              });

      assertThat(report.status()).as(report.summary()).isEqualTo(RunStatus.FAILED);
      assertThat(lagging[0]).as("a server canary soaked").startsWith("server-");
      UpgradeEvent.StepFailed failed = events(UpgradeEvent.StepFailed.class).get(0);
      assertThat(failed.step().action()).isInstanceOf(Action.Soak.class);
      assertThat(failed.reason())
          .contains("probe " + NomadServerHealthProbe.NAME + " failed during the soak")
          .contains("trails the leader's");
      assertThat(events(UpgradeEvent.UnitStarted.class)).as("no other node started").hasSize(1);
      monitor.assertRestored();
    }
  }

  @Nested
  class LeaderLoss {

    @Test
    void waitsOutAnElectionMidUpgradeChangingNothingAndFinishes() {
      start(NomadFixture.builder().servers(3).clients(2));
      UpgradePlan plan = plan(Strategy.inPlace(), NOMAD_18, policy().build());
      InvariantMonitor monitor = InvariantMonitor.watch(nomad.cluster, plan);
      Instant[] lost = new Instant[1];
      RunReport report =
          run(
              plan,
              e -> {
                if (lost[0] == null
                    && e instanceof UpgradeEvent.StepStarted s
                    && s.unit().equals(id("server-2"))
                    && s.step().action() instanceof Action.StartService) {
                  lost[0] = e.at();
                  nomad.server.loseLeader(Duration.ofMinutes(2));
                }
              });
      assertThat(report.succeeded()).as(report.summary()).isTrue();
      monitor.assertRestored();
      assertThat(lost[0]).isNotNull();
      assertThat(nomad.server.requests())
          .filteredOn(r -> r.status() == 500)
          .isNotEmpty()
          .allSatisfy(r -> assertThat(r.method()).isEqualTo("GET"));
      assertThat(events(UpgradeEvent.StepFailed.class)).isEmpty();
      // Nothing moved on while the region had no leader: the next server stopped only after it was
      // back.
      Instant back = lost[0].plus(Duration.ofMinutes(2));
      assertThat(nomad.cluster.events())
          .filteredOn(
              e ->
                  e instanceof ClusterEvent.ServiceStopped s
                      && (s.node().equals(id("server-3")) || s.node().equals(id("server-1"))))
          .allSatisfy(e -> assertThat(e.at()).isAfterOrEqualTo(back));
    }
  }

  @Nested
  class LeaderLostForGood {

    @Test
    void stopsTheRunShortOfBreakingQuorumAndNamesTheFailureTolerance() {
      start(NomadFixture.builder().servers(3).clients(1));
      UpgradePlan plan = plan(Strategy.inPlace(), NOMAD_18, policy().build());
      InvariantMonitor monitor = InvariantMonitor.watch(nomad.cluster, plan);
      boolean[] injected = new boolean[1];
      RunReport report =
          run(
              plan,
              e -> {
                if (!injected[0]
                    && e instanceof UpgradeEvent.StepStarted s
                    && s.unit().equals(id("server-2"))
                    && s.step().action() instanceof Action.Upgrade) {
                  injected[0] = true;
                  nomad.cluster.inject(Fault.nodeLost(id("server-1"), Duration.ZERO));
                }
              });
      assertThat(report.succeeded()).isFalse();
      assertThat(monitor.violations()).as(monitor.report()).isEmpty();
      assertThat(report.failed()).containsKey(id("server-2"));
      assertThat(report.failed().get(id("server-2"))).contains("failure tolerance is 0");
      assertThat(nomad.cluster.events())
          .noneMatch(
              e -> e instanceof ClusterEvent.ServiceStopped s && s.node().equals(id("server-3")));
      assertThat(nomad.server.requests())
          .anyMatch(r -> r.status() == 500 && r.path().equals("/v1/operator/autopilot/health"));
    }
  }

  @Nested
  class DrainDeadline {

    @Test
    void nomadForcesTheRestAtTheDeadlineAndTheUpgradeGoesOn() {
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
                                      .runningTask(Duration.ofHours(3))
                                      .runningTask(Duration.ofMinutes(1)))
                          .node(
                              "client-2",
                              n ->
                                  n.role("client")
                                      .taskCap(TaskCap.UNLIMITED)
                                      .platform(NomadFixture.NOMAD_177))));
      nomad.cluster.inject(Fault.stuckDrain(id("client-1")));
      UpgradePlan plan = plan(Strategy.inPlace(), NOMAD_18, policy().only("client-1").build());
      InvariantMonitor monitor = InvariantMonitor.watch(nomad.cluster, plan);
      String uuid = nomad.server.nodeId(id("client-1"));
      RunReport report = run(plan, e -> {});
      assertThat(report.succeeded()).as(report.summary()).isTrue();
      monitor.assertRestored();

      UpgradeEvent.StepStarted drainStarted =
          events(UpgradeEvent.StepStarted.class).stream()
              .filter(s -> s.step().action() instanceof Action.Drain)
              .findFirst()
              .orElseThrow();
      UpgradeEvent.StepCompleted drained =
          events(UpgradeEvent.StepCompleted.class).stream()
              .filter(s -> s.step().action() instanceof Action.Drain)
              .findFirst()
              .orElseThrow();
      assertThat(Duration.between(drainStarted.at(), drained.at()))
          .isEqualTo(Duration.ofMinutes(10));
      ClusterEvent.Drained forced =
          nomad.cluster.events().stream()
              .filter(e -> e instanceof ClusterEvent.Drained d && d.node().equals(id("client-1")))
              .map(ClusterEvent.Drained.class::cast)
              .findFirst()
              .orElseThrow();
      assertThat(forced.migrated()).as("the stuck allocation moved at the deadline").isEqualTo(1);
      assertThat(forced.at()).isEqualTo(drainStarted.at().plus(Duration.ofMinutes(10)));
      RecordedRequest drain = nomad.server.requests("PUT", "/v1/node/" + uuid + "/drain").get(0);
      assertThat(drain.body()).contains("\"Deadline\":600000000000");
      assertThat(nomad.cluster.node(id("client-2")).orElseThrow().runningWork())
          .as("migrated to client-2")
          .isEqualTo(1);
    }

    @Test
    void showsTheMigratedAllocationsAsNomadDoes() throws Exception {
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
                                  .runningTask(Duration.ofHours(3)))));
      nomad.port.drain(id("client-1"), nomad.cluster.clock().now().plus(Duration.ofMinutes(5)));
      nomad.cluster.clock().sleep(Duration.ofMinutes(5));
      JsonNode allocs = get("/v1/node/" + nomad.server.nodeId(id("client-1")) + "/allocations");
      assertThat(allocs).hasSize(1);
      assertThat(allocs.get(0).get("DesiredStatus").asText()).isEqualTo("stop");
      assertThat(allocs.get(0).get("DesiredTransition").get("Migrate").asBoolean()).isTrue();
      JsonNode node = get("/v1/node/" + nomad.server.nodeId(id("client-1")));
      assertThat(node.get("DrainStrategy").isNull()).isTrue();
      assertThat(node.get("LastDrain").get("Status").asText()).isEqualTo("complete");
      assertThat(node.get("SchedulingEligibility").asText()).isEqualTo("ineligible");
    }
  }

  @Nested
  class SingleServer {

    @Test
    void isRefusedInPlaceNamingTheDocumentedPeersJsonRecovery() {
      start(NomadFixture.builder().servers(1).clients(2));
      assertThatThrownBy(() -> plan(Strategy.inPlace(), NOMAD_18, policy().build()))
          .isInstanceOf(PlanValidationException.class)
          .hasMessageContaining("only raft voter")
          .hasMessageContaining("peers.json")
          .hasMessageContaining(NomadProcedures.PEERS_JSON_GUIDE)
          .hasMessageContaining("peersJsonRecovery");
      assertThat(nomad.server.requests().stream().filter(r -> !r.method().equals("GET"))).isEmpty();
    }

    @Test
    void isUpgradedInPlaceWithTheOperatorsPeersJsonHook() throws Exception {
      Map<NodeId, String> written = new ConcurrentHashMap<>();
      start(
          NomadFixture.builder()
              .servers(1)
              .clients(2)
              .config(c -> c.peersJsonRecovery(written::put)));
      String raftId =
          get("/v1/operator/raft/configuration").get("Servers").get(0).get("ID").asText();
      UpgradePlan plan = plan(Strategy.inPlace(), NOMAD_18, policy().build());
      assertThat(plan.constraints().quorumRoles()).isEmpty();
      InvariantMonitor monitor = InvariantMonitor.watch(nomad.cluster, plan);
      RunReport report = run(plan, e -> {});
      assertThat(report.succeeded()).as(report.summary()).isTrue();
      monitor.assertRestored();
      assertThat(written).containsOnlyKeys(id("server-1"));
      assertThat(written.get(id("server-1")))
          .isEqualTo(
              "[{\"id\": \""
                  + raftId
                  + "\", \"address\": \"10.0.0.1:4647\", \"non_voter\": false}]");
      assertThat(nomad.port.observe().nodes())
          .allSatisfy(n -> assertThat(n.platform().product().text()).isEqualTo("1.8.2"));
    }

    @Test
    void refusesAPlanThatNeedsAMaintenanceModeNomadLacks() {
      start(NomadFixture.builder().servers(3).clients(1));
      assertThatThrownBy(
              () ->
                  plan(
                      Strategy.cloneAndMigrate(false),
                      NOMAD_18,
                      policy().allowDowntime(true).build()))
          .isInstanceOf(PlanValidationException.class)
          .hasMessageContaining("maintenance mode");
    }
  }

  @Nested
  class RollingServerReplacement {

    @Test
    void joinsANewServerWaitsForItThenForcesTheOldOneOut() {
      start(NomadFixture.builder().servers(3).clients(1));
      UpgradePlan plan =
          plan(
              Strategy.rollingReplace(),
              NOMAD_18,
              policy().only("server-1", "server-2", "server-3").build());
      InvariantMonitor monitor = InvariantMonitor.watch(nomad.cluster, plan);
      RunReport report = run(plan, e -> {});
      assertThat(report.succeeded()).as(report.summary()).isTrue();
      monitor.assertRestored();
      List<Node> servers = nomad.port.observe().withRole(NomadClusterPort.SERVER);
      assertThat(servers)
          .extracting(n -> n.id().value())
          .containsExactlyInAnyOrder("server-1-next", "server-2-next", "server-3-next");
      assertThat(servers)
          .allSatisfy(
              n -> {
                assertThat(n.voter()).isTrue();
                assertThat(n.health()).isEqualTo(Health.HEALTHY);
              });
      assertThat(nomad.server.requests("PUT", "/v1/agent/force-leave"))
          .extracting(r -> r.queryParameter("node").orElseThrow())
          .containsExactlyInAnyOrder("server-1.global", "server-2.global", "server-3.global");
      // Each old server left only after its replacement had passed the raft gate.
      for (int i = 1; i <= 3; i++) {
        NodeId old = id("server-" + i);
        NodeId next = id("server-" + i + "-next");
        int verified =
            indexOf(
                events,
                e ->
                    e instanceof UpgradeEvent.StepCompleted s
                        && s.step().action() instanceof Action.Verify
                        && s.step().node().equals(next));
        int stopped =
            indexOf(
                events,
                e ->
                    e instanceof UpgradeEvent.StepStarted s
                        && s.step().action() instanceof Action.StopService
                        && s.step().node().equals(old));
        assertThat(verified).as(next + " verified").isPositive();
        assertThat(stopped)
            .as(old + " stopped after " + next + " was verified")
            .isGreaterThan(verified);
      }
    }
  }

  @Nested
  class VersionSkew {

    @Test
    void refusesTwoMinorReleasesAtOnceUnlessForcedOrConfigured() {
      start(NomadFixture.builder().servers(3).clients(1));
      assertThatThrownBy(
              () -> plan(Strategy.inPlace(), UpgradeTarget.product("1.9.0"), policy().build()))
          .isInstanceOf(PlanValidationException.class)
          .hasMessageContaining("forceVersionSkew");
      assertThat(
              plan(
                  Strategy.inPlace(),
                  UpgradeTarget.product("1.9.0"),
                  policy().forceVersionSkew(true).build()))
          .isNotNull();
      try (NomadClusterPort wider =
          NomadClusterPort.create(nomad.config().maxMinorHops(2).build())) {
        assertThat(
                NomadProcedures.plan(
                    UpgradePlanner.create(nomad.cluster.clock()),
                    wider,
                    Strategy.inPlace(),
                    UpgradeTarget.product("1.9.0"),
                    policy().build()))
            .isNotNull();
      }
    }

    @Test
    void refusesADowngradeEvenWhenForced() {
      start(NomadFixture.builder().servers(3).clients(1));
      assertThatThrownBy(
              () ->
                  plan(
                      Strategy.inPlace(),
                      UpgradeTarget.product("1.6.0"),
                      policy().forceVersionSkew(true).build()))
          .isInstanceOf(PlanValidationException.class)
          .hasMessageContaining("downgrade");
    }

    @Test
    void refusesAnOsTargetForServersWhoseOsNomadCannotReport() {
      start(NomadFixture.builder().servers(3).clients(1));
      assertThatThrownBy(
              () -> plan(Strategy.inPlace(), UpgradeTarget.os("Ubuntu 24.04"), policy().build()))
          .isInstanceOf(PlanValidationException.class)
          .hasMessageContaining("serverOs");
    }
  }

  @Nested
  class RaftHealthGate {

    @Test
    void failsWhileAServerTrailsTheLeaderAndPassesOnceCaughtUp() {
      start(
          NomadFixture.builder()
              .servers(3)
              .clients(0)
              .server(b -> b.raftCatchUp(Duration.ofMinutes(1)))
              .cluster(b -> b.workload(Duration.ofSeconds(5), Duration.ofSeconds(30))));
      NomadServerHealthProbe probe = nomad.port.raftHealthProbe();
      nomad.cluster.stopService("r1", id("server-2"));
      nomad.cluster.clock().sleep(Duration.ofSeconds(30));
      Node server2 = nomad.port.observe().node(id("server-2"));
      assertThat(probe.check(server2).detail()).contains("has not rejoined");
      nomad.cluster.startService("r2", id("server-2"));
      nomad.cluster.clock().sleep(Duration.ofSeconds(30));
      ProbeResult trailing = probe.check(server2);
      assertThat(trailing.passed()).isFalse();
      assertThat(trailing.detail()).contains("unhealthy");
      nomad.cluster.clock().sleep(Duration.ofMinutes(1));
      ProbeResult ok = probe.check(server2);
      assertThat(ok.passed()).as(ok.detail()).isTrue();
      assertThat(ok.detail()).contains("failure tolerance 1").contains("last_log_index");
      assertThat(probe.name()).isEqualTo("nomad-raft");
    }

    @Test
    void checksTheLastLogIndexAgainstTheLeadersWithinTheThreshold() {
      start(NomadFixture.builder().servers(3).clients(1).server(b -> b.followerLag(5)));
      Node server3 = nomad.port.observe().node(id("server-3"));
      ProbeResult strict = nomad.port.raftGate(server3, 3);
      assertThat(strict.passed()).isFalse();
      assertThat(strict.detail()).contains("trails the leader's").contains("by 5, more than 3");
      assertThat(nomad.port.raftGate(server3, 5).passed()).isTrue();
      ProbeResult client =
          nomad.port.raftHealthProbe().check(nomad.port.observe().node(id("client-1")));
      assertThat(client.passed()).isTrue();
      assertThat(client.detail()).contains("not a Nomad server");
    }
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

  static int indexOf(List<UpgradeEvent> events, java.util.function.Predicate<UpgradeEvent> p) {
    for (int i = 0; i < events.size(); i++) {
      if (p.test(events.get(i))) {
        return i;
      }
    }
    return -1;
  }
}
