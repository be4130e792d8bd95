package io.upkeep.nomad;

import static io.upkeep.nomad.NomadFixture.id;
import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.Action;
import io.upkeep.Budget;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.PlanStep;
import io.upkeep.PlanUnit;
import io.upkeep.Policy;
import io.upkeep.Role;
import io.upkeep.RunReport;
import io.upkeep.Strategy;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeTarget;
import io.upkeep.Version;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.InvariantMonitor;
import io.upkeep.testkit.http.RecordedRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A Nomad region upgraded end to end over real HTTP: the executor drives the adapter, the adapter
 * talks to the FakeNomadServer, the FakeCluster behind it plays the hosts, and everything runs in
 * the cluster's virtual time.
 */
class NomadUpgradeEndToEndTest {

  static final UpgradeTarget NOMAD_18 = UpgradeTarget.product("1.8.2");
  static final Role SERVER = Role.of("server");
  static final Role CLIENT = Role.of("client");

  NomadFixture nomad;
  final List<UpgradeEvent> events = new CopyOnWriteArrayList<>();

  static Policy.Builder policy() {
    return NomadProcedures.policy(Duration.ofMinutes(10))
        .budget(Budget.ofPercent(20))
        .canarySoak(Duration.ofMinutes(1))
        .pollInterval(Duration.ofSeconds(30))
        .snapshots(false);
  }

  UpgradePlan plan(Policy policy) {
    return NomadProcedures.plan(
        UpgradePlanner.create(nomad.cluster.clock()),
        nomad.port,
        Strategy.inPlace(),
        NOMAD_18,
        policy);
  }

  RunReport execute(UpgradePlan plan) {
    return NomadProcedures.executor(nomad.port, nomad.cluster)
        .listener(events::add)
        .build()
        .start(plan)
        .execute();
  }

  /** One upgrade, run once, checked rule by rule. */
  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class ThreeServersAndTenClientsInPlace {

    UpgradePlan plan;
    InvariantMonitor monitor;
    RunReport report;

    @AfterAll
    void closeIt() {
      nomad.close();
    }

    @BeforeAll
    void upgrade() {
      nomad =
          NomadFixture.builder()
              .servers(3)
              .clients(10)
              .cluster(b -> b.workload(Duration.ofSeconds(10), Duration.ofMinutes(1)))
              .build();
      nomad.cluster.clock().sleep(Duration.ofMinutes(5)); // let work spread over the clients
      plan = plan(policy().build());
      monitor = InvariantMonitor.watch(nomad.cluster, plan);
      report = execute(plan);
    }

    @Test
    void succeedsWithEveryInvariantHeld() {
      assertThat(report.succeeded()).as(report.summary()).isTrue();
      monitor.assertRestored();
      assertThat(monitor.checks()).isGreaterThan(100);
    }

    @Test
    void endsWithEveryNodeOnTheNewVersionEligibleAndHealthyAsNomadReportsIt() {
      List<Node> nodes = nomad.port.observe().nodes();
      assertThat(nodes).hasSize(13);
      assertThat(nodes)
          .allSatisfy(
              n -> {
                assertThat(n.platform().product()).isEqualTo(Version.of("1.8.2"));
                assertThat(n.inService()).as(n.toString()).isTrue();
              });
      assertThat(nomad.port.observe().leader()).isPresent();
    }

    @Test
    void upgradesTheServersOneAtATimeAndTheLeaderLast() {
      FakeCluster c = nomad.cluster;
      List<NodeId> stopped = new ArrayList<>();
      Set<NodeId> down = new HashSet<>();
      for (ClusterEvent e : c.events()) {
        if (e instanceof ClusterEvent.ServiceStopped s && c.host(s.node()).role().equals(SERVER)) {
          down.add(s.node());
          stopped.add(s.node());
          assertThat(down).as("servers out at once at " + e.at()).hasSize(1);
        } else if (e instanceof ClusterEvent.ServiceStarted s) {
          down.remove(s.node());
        }
      }
      assertThat(stopped).hasSize(3).last().isEqualTo(id("server-1"));
      assertThat(plan.constraints().leaderLast()).isTrue();
      assertThat(plan.budgets()).containsEntry(SERVER, 1);
    }

    @Test
    void handsLeadershipToAnUpgradedServerBeforeStoppingTheLeader() throws Exception {
      List<RecordedRequest> transfers =
          nomad.server.requests("PUT", "/v1/operator/raft/transfer-leadership");
      assertThat(transfers).hasSize(1);
      RecordedRequest transfer = transfers.get(0);
      assertThat(transfer.status()).isEqualTo(200);
      ClusterEvent stopped =
          nomad.cluster.events().stream()
              .filter(
                  e ->
                      e instanceof ClusterEvent.ServiceStopped s && s.node().equals(id("server-1")))
              .findFirst()
              .orElseThrow();
      assertThat(transfer.at()).isBefore(stopped.at());
      String leaderId = transfer.queryParameter("id").orElseThrow();
      assertThat(leaderId).isIn(raftId("server-2"), raftId("server-3"));
    }

    /** The server's raft ID, as the raft configuration lists it. */
    String raftId(String server) throws Exception {
      java.net.http.HttpResponse<String> r =
          java.net.http.HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(
                          java.net.URI.create(
                              nomad.server.baseUrl() + "/v1/operator/raft/configuration"))
                      .header("X-Nomad-Token", NomadFixture.TOKEN)
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString());
      for (com.fasterxml.jackson.databind.JsonNode s :
          new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).get("Servers")) {
        if (s.get("Node").asText().equals(server + ".global")) {
          return s.get("ID").asText();
        }
      }
      throw new AssertionError(server + " is not in the raft configuration: " + r.body());
    }

    @Test
    void upgradesEveryServerBeforeAnyClientIsDrained() {
      int lastServerDone =
          lastIndexOf(
              e ->
                  e instanceof UpgradeEvent.UnitCompleted u
                      && u.unit().value().startsWith("server"));
      int firstClientDrain =
          indexOf(
              e ->
                  e instanceof UpgradeEvent.StepStarted s
                      && s.step().action() instanceof Action.Drain);
      assertThat(lastServerDone).isPositive();
      assertThat(firstClientDrain).isGreaterThan(lastServerDone);
    }

    @Test
    void passesEachServerThroughTheRaftHealthGate() {
      List<UpgradeEvent.StepCompleted> gates =
          events.stream()
              .filter(
                  e ->
                      e instanceof UpgradeEvent.StepCompleted s
                          && s.step().action() instanceof Action.Verify
                          && s.unit().value().startsWith("server"))
              .map(UpgradeEvent.StepCompleted.class::cast)
              .toList();
      assertThat(gates)
          .extracting(UpgradeEvent.StepCompleted::unit)
          .containsExactlyInAnyOrder(id("server-1"), id("server-2"), id("server-3"));
      assertThat(plan.policy().probes()).containsExactly(NomadServerHealthProbe.NAME);
    }

    @Test
    void drainsEveryClientWithADeadlineBeforeItsAgentStopsThenMarksItEligible() {
      FakeCluster c = nomad.cluster;
      for (int i = 1; i <= 10; i++) {
        NodeId client = id("client-" + i);
        int drained = indexOf(c, ClusterEvent.Drained.class, client);
        int stopped = indexOf(c, ClusterEvent.ServiceStopped.class, client);
        int undrained = indexOf(c, ClusterEvent.Undrained.class, client);
        assertThat(drained).as(client + " drained").isNotNegative();
        assertThat(stopped).as(client + " stopped after its drain").isGreaterThan(drained);
        assertThat(undrained)
            .as(client + " eligible again after its restart")
            .isGreaterThan(stopped);
      }
      List<RecordedRequest> drains =
          nomad.server.requests("PUT", "/v1/node/").stream()
              .filter(
                  r ->
                      r.path().endsWith("/drain") && r.body().contains("\"Deadline\":600000000000"))
              .toList();
      assertThat(drains).hasSize(10);
      assertThat(
              nomad.server.requests("PUT", "/v1/node/").stream()
                  .filter(r -> r.path().endsWith("/eligibility")))
          .hasSize(10);
    }

    @Test
    void planDrainsEveryClientBeforeItsRestartSoNoRestartCanOutlastHeartbeatGrace() {
      for (PlanUnit u : plan.units()) {
        List<String> actions =
            u.steps().stream()
                .map(PlanStep::action)
                .map(a -> a.getClass().getSimpleName())
                .toList();
        if (u.role().equals(CLIENT)) {
          assertThat(actions.indexOf("Drain"))
              .isNotNegative()
              .isLessThan(actions.indexOf("StopService"));
        } else {
          assertThat(actions).doesNotContain("Drain");
        }
      }
    }

    @Test
    void watchedTheRegionWithoutWaitingInRealTime() {
      assertThat(nomad.server.requests("GET", "/v1/nodes"))
          .isNotEmpty()
          .allSatisfy(r -> assertThat(r.queryParameter("wait")).isEmpty());
    }
  }

  int indexOf(Predicate<UpgradeEvent> p) {
    for (int i = 0; i < events.size(); i++) {
      if (p.test(events.get(i))) {
        return i;
      }
    }
    return -1;
  }

  int lastIndexOf(Predicate<UpgradeEvent> p) {
    for (int i = events.size() - 1; i >= 0; i--) {
      if (p.test(events.get(i))) {
        return i;
      }
    }
    return -1;
  }

  static int indexOf(FakeCluster c, Class<? extends ClusterEvent.NodeEvent> type, NodeId node) {
    List<ClusterEvent> all = c.events();
    for (int i = 0; i < all.size(); i++) {
      if (type.isInstance(all.get(i))
          && ((ClusterEvent.NodeEvent) all.get(i)).node().equals(node)) {
        return i;
      }
    }
    return -1;
  }
}
