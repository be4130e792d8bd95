package io.upkeep.nomad;

import static io.upkeep.nomad.NomadFixture.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upkeep.Action;
import io.upkeep.ClusterOperationException;
import io.upkeep.ClusterSnapshot;
import io.upkeep.Constraints;
import io.upkeep.DrainState;
import io.upkeep.Health;
import io.upkeep.HookPoint;
import io.upkeep.Node;
import io.upkeep.PlanStep;
import io.upkeep.PlanUnit;
import io.upkeep.Platform;
import io.upkeep.Role;
import io.upkeep.Secret;
import io.upkeep.Strategy;
import io.upkeep.TaskCap;
import io.upkeep.UnknownNodeException;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeTarget;
import io.upkeep.Version;
import io.upkeep.VersionSkew;
import io.upkeep.spi.TimeSource;
import io.upkeep.testkit.Fault;
import io.upkeep.testkit.VirtualClock;
import io.upkeep.testkit.http.RecordedRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The adapter against the fake Nomad API: what it maps, what it sends, how it waits. */
class NomadClusterPortTest {

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

  VirtualClock clock() {
    return nomad.cluster.clock();
  }

  @Nested
  class Observing {

    @Test
    void mapsServersFromMembersRaftAndAutopilotAndClientsFromNodes() {
      start(NomadFixture.builder().servers(3).clients(2));
      ClusterSnapshot s = nomad.port.observe();
      assertThat(s.ids())
          .containsExactly(
              id("server-1"), id("server-2"), id("server-3"), id("client-1"), id("client-2"));
      Node leader = s.node(id("server-1"));
      assertThat(leader.role()).isEqualTo(Role.of("server"));
      assertThat(leader.leader()).isTrue();
      assertThat(leader.voter()).isTrue();
      assertThat(leader.runsWork()).isFalse();
      assertThat(leader.health()).isEqualTo(Health.HEALTHY);
      assertThat(leader.taskCap()).isEqualTo(TaskCap.UNLIMITED);
      assertThat(leader.platform()).isEqualTo(Platform.of(NomadConfig.UNKNOWN_OS, "", "1.7.7"));
      assertThat(s.node(id("server-2")).leader()).isFalse();
      Node client = s.node(id("client-1"));
      assertThat(client.role()).isEqualTo(Role.of("client"));
      assertThat(client.platform()).isEqualTo(NomadFixture.NOMAD_177);
      assertThat(client.runsWork()).isTrue();
      assertThat(client.voter()).isFalse();
      assertThat(client.drainState()).isEqualTo(DrainState.ACTIVE);
      assertThat(client.taskCap()).isEqualTo(TaskCap.UNLIMITED);
      assertThat(s.observedAt()).isEqualTo(clock().now());
      assertThat(s.maintenanceMode()).isFalse();
    }

    @Test
    void countsPendingAndRunningAllocationsAsRunningWork() {
      start(
          NomadFixture.builder()
              .servers(1)
              .clients(1)
              .cluster(
                  b ->
                      b.node(
                          "client-9",
                          n ->
                              n.role("client")
                                  .taskCap(TaskCap.UNLIMITED)
                                  .platform(NomadFixture.NOMAD_177)
                                  .runningTask(Duration.ofMinutes(5))
                                  .runningTask(Duration.ofMinutes(1)))));
      assertThat(nomad.port.observe().node(id("client-9")).runningWork()).isEqualTo(2);
      clock().sleep(Duration.ofMinutes(2));
      assertThat(nomad.port.runningWork(id("client-9"))).isEqualTo(1);
      assertThat(nomad.port.runningWork(id("server-1"))).isZero();
    }

    @Test
    void countsSystemJobsUnlessTheyAreIgnored() {
      start(NomadFixture.builder().servers(1).clients(1).server(b -> b.systemJobs(true)));
      assertThat(nomad.port.runningWork(id("client-1"))).isEqualTo(1);
      try (NomadClusterPort ignoring =
          NomadClusterPort.create(nomad.config().ignoreSystemJobs(true).build())) {
        assertThat(ignoring.runningWork(id("client-1"))).isZero();
      }
    }

    @Test
    void readsTheRegionFromTheMembersAndTheServersOsFromTheOperator() {
      start(
          NomadFixture.builder()
              .servers(1)
              .clients(0)
              .server(b -> b.region("eu-west"))
              .config(c -> c.serverOs(n -> "Ubuntu 22.04")));
      Node server = nomad.port.observe().node(id("server-1"));
      assertThat(server.platform()).isEqualTo(NomadFixture.NOMAD_177);
      assertThat(nomad.port.toString()).contains("region eu-west");
    }

    @Test
    void seesAServerThatStoppedAsUnreachableAndOneCatchingUpAsUnhealthy() {
      start(
          NomadFixture.builder()
              .servers(3)
              .clients(0)
              .server(b -> b.raftCatchUp(Duration.ofSeconds(30))));
      nomad.cluster.stopService("r1", id("server-2"));
      clock().sleep(Duration.ofMinutes(1));
      assertThat(nomad.port.observe().node(id("server-2")).health()).isEqualTo(Health.UNREACHABLE);
      nomad.cluster.startService("r2", id("server-2"));
      clock().sleep(Duration.ofSeconds(25)); // started after 20 s, 5 s into its catch-up
      assertThat(nomad.port.observe().node(id("server-2")).health()).isEqualTo(Health.UNHEALTHY);
      clock().sleep(Duration.ofSeconds(30));
      assertThat(nomad.port.observe().node(id("server-2")).health()).isEqualTo(Health.HEALTHY);
    }

    @Test
    void readsAutopilotsUnhealthy429AsDataAndNeverRetriesIt() {
      start(NomadFixture.builder().servers(3).clients(0));
      nomad.cluster.stopService("r1", id("server-3"));
      clock().sleep(Duration.ofMinutes(1));
      int before = nomad.server.requests("GET", "/v1/operator/autopilot/health").size();
      ClusterSnapshot s = nomad.port.observe();
      List<RecordedRequest> health = nomad.server.requests("GET", "/v1/operator/autopilot/health");
      assertThat(health).hasSize(before + 1);
      assertThat(health.get(health.size() - 1).status()).isEqualTo(429);
      assertThat(s.node(id("server-1")).health()).isEqualTo(Health.HEALTHY);
      assertThat(s.node(id("server-3")).health()).isEqualTo(Health.UNREACHABLE);
    }

    @Test
    void takesVotersAndTheLeaderFromAutopilotSoTheTokenNeedsNoManagement() {
      start(
          NomadFixture.builder()
              .servers(3)
              .clients(1)
              .serverWithoutDefaultAcl(
                  b ->
                      b.token(
                          "deployer",
                          "deployer-secret-4711",
                          "node:read",
                          "node:write",
                          "agent:read",
                          "agent:write",
                          "operator:read",
                          "namespace:read-job"))
              .config(c -> c.token(Secret.of("deployer-secret-4711"))));
      ClusterSnapshot s = nomad.port.observe();
      assertThat(s.node(id("server-1")).leader()).isTrue();
      assertThat(s.withRole(Role.of("server"))).allMatch(Node::voter);
      assertThat(nomad.server.requests("GET", "/v1/operator/raft/configuration")).isEmpty();
    }
  }

  @Nested
  class Draining {

    @Test
    void drainsWithTheDeadlineInNanosecondsFromTheTimeSource() {
      start(NomadFixture.builder().servers(1).clients(2));
      nomad.port.observe();
      nomad.port.drain(id("client-1"), clock().now().plus(Duration.ofMinutes(30)));
      RecordedRequest put = nomad.server.requests("PUT", "/v1/node/").get(0);
      assertThat(put.path())
          .isEqualTo("/v1/node/" + nomad.server.nodeId(id("client-1")) + "/drain");
      assertThat(put.body())
          .contains("\"DrainSpec\":{\"Deadline\":1800000000000,\"IgnoreSystemJobs\":false}")
          .contains("\"MarkEligible\":false");
    }

    @Test
    void forcesADrainWhoseDeadlineHasPassed() {
      start(NomadFixture.builder().servers(1).clients(1));
      nomad.port.drain(id("client-1"), clock().now().minusSeconds(1));
      assertThat(nomad.server.requests("PUT", "/v1/node/").get(0).body())
          .contains("\"Deadline\":-1");
    }

    @Test
    void reportsDrainingUntilTheStrategyClearsAndNoAllocationRunsThenDrained() {
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
                                  .runningTask(Duration.ofMinutes(3)))));
      nomad.port.drain(id("client-1"), clock().now().plus(Duration.ofMinutes(30)));
      Node draining = nomad.port.observe().node(id("client-1"));
      assertThat(draining.drainState()).isEqualTo(DrainState.DRAINING);
      assertThat(draining.inService()).isFalse();
      clock().sleep(Duration.ofMinutes(3));
      Node drained = nomad.port.observe().node(id("client-1"));
      assertThat(drained.drainState()).isEqualTo(DrainState.DRAINED);
      assertThat(drained.runningWork()).isZero();
    }

    @Test
    void asksOnceForANodeAlreadyDraining() {
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
                                  .runningTask(Duration.ofMinutes(3)))));
      Instant deadline = clock().now().plus(Duration.ofMinutes(30));
      nomad.port.drain(id("client-1"), deadline);
      nomad.port.drain(id("client-1"), deadline);
      assertThat(nomad.server.requests("PUT", "/v1/node/")).hasSize(1);
    }

    @Test
    void undrainMarksAFinishedDrainEligibleAndCancelsARunningOne() {
      start(
          NomadFixture.builder()
              .servers(1)
              .clients(1)
              .cluster(
                  b ->
                      b.node(
                          "client-2",
                          n ->
                              n.role("client")
                                  .taskCap(TaskCap.UNLIMITED)
                                  .platform(NomadFixture.NOMAD_177)
                                  .runningTask(Duration.ofHours(1)))));
      Instant deadline = clock().now().plus(Duration.ofHours(2));
      nomad.port.drain(id("client-1"), deadline);
      nomad.port.drain(id("client-2"), deadline);
      assertThat(nomad.port.observe().node(id("client-1")).drainState())
          .isEqualTo(DrainState.DRAINED);
      nomad.port.undrain(id("client-1"));
      nomad.port.undrain(id("client-2"));
      List<RecordedRequest> puts = nomad.server.requests("PUT", "/v1/node/");
      assertThat(puts.get(2).path()).endsWith("/eligibility");
      assertThat(puts.get(2).body()).contains("\"Eligibility\":\"eligible\"");
      assertThat(puts.get(3).path()).endsWith("/drain");
      assertThat(puts.get(3).body())
          .contains("\"DrainSpec\":null")
          .contains("\"MarkEligible\":true");
      ClusterSnapshot s = nomad.port.observe();
      assertThat(s.node(id("client-1")).drainState()).isEqualTo(DrainState.ACTIVE);
      assertThat(s.node(id("client-2")).drainState()).isEqualTo(DrainState.ACTIVE);
      assertThat(s.node(id("client-2")).runningWork()).isEqualTo(1);
      nomad.port.undrain(id("client-1"));
      assertThat(nomad.server.requests("PUT", "/v1/node/")).hasSize(4);
    }

    @Test
    void refusesToDrainAServer() {
      start(NomadFixture.builder().servers(3).clients(1));
      nomad.port.observe();
      assertThatThrownBy(() -> nomad.port.drain(id("server-2"), clock().now().plusSeconds(60)))
          .isInstanceOf(ClusterOperationException.class)
          .hasMessageContaining("server-2 is a Nomad server")
          .satisfies(e -> assertThat(((ClusterOperationException) e).retryable()).isFalse());
    }

    @Test
    void knowsNoTaskCapsAndNoMaintenanceMode() {
      start(NomadFixture.builder().servers(1).clients(1));
      nomad.port.setTaskCap(id("client-1"), TaskCap.UNLIMITED);
      nomad.port.setMaintenanceMode(false);
      assertThatThrownBy(() -> nomad.port.setTaskCap(id("client-1"), TaskCap.ZERO))
          .isInstanceOf(ClusterOperationException.class)
          .hasMessageContaining("Nomad has no per-node task cap");
      assertThatThrownBy(() -> nomad.port.setMaintenanceMode(true))
          .isInstanceOf(ClusterOperationException.class)
          .hasMessageContaining("no cluster-wide maintenance mode");
      assertThat(nomad.server.requests().stream().filter(r -> !r.method().equals("GET"))).isEmpty();
    }
  }

  @Nested
  class Removing {

    @Test
    void refusesToRemoveAServerThatIsStillAliveRetryably() {
      start(NomadFixture.builder().servers(3).clients(0));
      assertThatThrownBy(() -> nomad.port.removeMember(id("server-3")))
          .isInstanceOf(ClusterOperationException.class)
          .hasMessageContaining("still alive")
          .satisfies(e -> assertThat(((ClusterOperationException) e).retryable()).isTrue());
    }

    @Test
    void forcesAFailedServerToLeaveByItsMemberName() {
      start(NomadFixture.builder().servers(3).clients(0));
      nomad.cluster.stopService("r1", id("server-3"));
      clock().sleep(Duration.ofMinutes(1));
      nomad.port.removeMember(id("server-3"));
      RecordedRequest leave = nomad.server.requests("PUT", "/v1/agent/force-leave").get(0);
      assertThat(leave.queryParameter("node")).contains("server-3.global");
      assertThat(nomad.port.observe().ids()).doesNotContain(id("server-3"));
      nomad.port.removeMember(id("server-3"));
      assertThat(nomad.server.requests("PUT", "/v1/agent/force-leave")).hasSize(1);
    }

    @Test
    void waitsTheConfiguredGraceBeforeForcingAServerOut() {
      start(
          NomadFixture.builder()
              .servers(3)
              .clients(0)
              .config(c -> c.forceLeaveAfter(Duration.ofMinutes(2))));
      nomad.cluster.stopService("r1", id("server-3"));
      clock().sleep(Duration.ofMinutes(1));
      assertThatThrownBy(() -> nomad.port.removeMember(id("server-3")))
          .hasMessageContaining("not yet left");
      clock().sleep(Duration.ofMinutes(2));
      nomad.port.removeMember(id("server-3"));
      assertThat(nomad.server.requests("PUT", "/v1/agent/force-leave")).hasSize(1);
    }

    @Test
    void purgesAClientThatIsDrainedAndRefusesOneInService() {
      start(NomadFixture.builder().servers(1).clients(2));
      assertThatThrownBy(() -> nomad.port.removeMember(id("client-2")))
          .hasMessageContaining("still in service");
      nomad.port.drain(id("client-1"), clock().now().plusSeconds(60));
      nomad.port.removeMember(id("client-1"));
      assertThat(nomad.server.requests("PUT", "/v1/node/").get(1).path()).endsWith("/purge");
      assertThat(nomad.port.observe().ids()).doesNotContain(id("client-1"));
      assertThatThrownBy(() -> nomad.port.removeMember(id("client-7")))
          .isInstanceOf(UnknownNodeException.class);
    }
  }

  @Nested
  class Waiting {

    @Test
    void wakesWhenAClientChangesInVirtualTimeWithoutWaitingInRealTime() {
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
                                  .runningTask(Duration.ofSeconds(23)))));
      nomad.port.drain(id("client-1"), clock().now().plus(Duration.ofMinutes(30)));
      ClusterSnapshot s = nomad.port.observe();
      Instant start = clock().now();
      assertThat(nomad.port.awaitChange(s, Duration.ofMinutes(2))).isTrue();
      assertThat(Duration.between(start, clock().now())).isEqualTo(Duration.ofSeconds(25));
      assertThat(nomad.port.observe().node(id("client-1")).drainState())
          .isEqualTo(DrainState.DRAINED);
    }

    @Test
    void wakesWhenAServerChanges() {
      start(NomadFixture.builder().servers(3).clients(0));
      ClusterSnapshot s = nomad.port.observe();
      nomad.cluster.stopService("r1", id("server-2"));
      assertThat(nomad.port.awaitChange(s, Duration.ofMinutes(2))).isTrue();
      assertThat(nomad.port.observe().node(id("server-2")).health()).isEqualTo(Health.UNREACHABLE);
    }

    @Test
    void spendsTheWholeWaitInVirtualTimeWhenNothingChanges() {
      start(NomadFixture.builder().servers(1).clients(1));
      ClusterSnapshot s = nomad.port.observe();
      Instant start = clock().now();
      assertThat(nomad.port.awaitChange(s, Duration.ofSeconds(12))).isFalse();
      assertThat(clock().now()).isEqualTo(start.plusSeconds(12));
      assertThat(nomad.server.requests("GET", "/v1/nodes"))
          .allSatisfy(r -> assertThat(r.queryParameter("index")).isEmpty());
    }

    @Test
    void answersAtOnceForASnapshotItDidNotTake() {
      start(NomadFixture.builder().servers(1).clients(1));
      ClusterSnapshot foreign = new ClusterSnapshot(clock().now(), List.of(), false);
      int before = nomad.server.requestCount();
      assertThat(nomad.port.awaitChange(foreign, Duration.ofMinutes(5))).isTrue();
      assertThat(nomad.server.requestCount()).isEqualTo(before);
    }

    @Test
    void blocksOnTheNodeListInRealTimeInProductionAndWakesOnTheChange() throws Exception {
      start(NomadFixture.builder().servers(1).clients(1));
      try (NomadClusterPort production =
          NomadClusterPort.create(
              nomad
                  .config()
                  .time(TimeSource.system())
                  .blockingWait(NomadConfig.DEFAULT_BLOCKING_WAIT)
                  .build())) {
        ClusterSnapshot s = production.observe();
        CompletableFuture<Boolean> changed =
            CompletableFuture.supplyAsync(() -> production.awaitChange(s, Duration.ofSeconds(20)));
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (nomad.server.blockedQueries() == 0 && System.nanoTime() < giveUp) {
          Thread.onSpinWait();
        }
        assertThat(nomad.server.blockedQueries()).isEqualTo(1);
        nomad.cluster.drain(id("client-1"), nomad.cluster.clock().now().plusSeconds(60));
        assertThat(changed.get(10, TimeUnit.SECONDS)).isTrue();
        RecordedRequest blocking =
            nomad.server.requests("GET", "/v1/nodes").stream()
                .filter(r -> r.queryParameter("index").isPresent())
                .findFirst()
                .orElseThrow();
        assertThat(blocking.queryParameter("wait").orElseThrow()).endsWith("ms");
      }
    }
  }

  @Nested
  class Rules {

    @Test
    void putsServersFirstOneAtATimeWithQuorumLeaderLastAndTheConfiguredSkew() {
      start(NomadFixture.builder().servers(3).clients(1).config(c -> c.maxMinorHops(2)));
      Constraints c = nomad.port.constraints();
      assertThat(c.roleOrder()).containsExactly(Role.of("server"), Role.of("client"));
      assertThat(c.budgets().get(Role.of("server")).resolve(3)).isEqualTo(1);
      assertThat(c.quorumRoles()).containsExactly(Role.of("server"));
      assertThat(c.leaderLast()).isTrue();
      assertThat(c.skew()).isEqualTo(new VersionSkew(2));
      assertThat(c.skew().violation(Version.of("1.7.7"), Version.of("1.6.0")))
          .contains("downgrade");
    }

    @Test
    void dropsTheQuorumRuleOnlyForASingleServerWithThePeersJsonOptIn() {
      start(NomadFixture.builder().servers(1).clients(1));
      assertThat(nomad.port.constraints().quorumRoles()).containsExactly(Role.of("server"));
      try (NomadClusterPort optedIn =
          NomadClusterPort.create(nomad.config().peersJsonRecovery((n, json) -> {}).build())) {
        assertThat(optedIn.constraints().quorumRoles()).isEmpty();
      }
    }

    @Test
    void keepsTheQuorumRuleForThreeServersEvenWithThePeersJsonOptIn() {
      start(
          NomadFixture.builder()
              .servers(3)
              .clients(1)
              .config(c -> c.peersJsonRecovery((n, json) -> {})));
      assertThat(nomad.port.constraints().quorumRoles()).containsExactly(Role.of("server"));
    }
  }

  @Nested
  class LeadershipTransfer {

    @Test
    void movesLeadershipOnlyAwayFromTheLeader() {
      start(NomadFixture.builder().servers(3).clients(0));
      nomad.port.observe();
      nomad.port.transferLeadershipAway(id("server-2"));
      assertThat(nomad.server.requests("PUT", "/v1/operator/raft/transfer-leadership")).isEmpty();
      nomad.port.transferLeadershipAway(id("server-1"));
      assertThat(nomad.server.requests("PUT", "/v1/operator/raft/transfer-leadership")).hasSize(1);
      assertThat(nomad.port.observe().leader().orElseThrow().id()).isNotEqualTo(id("server-1"));
    }

    @Test
    void carriesOnWithLeaderLastWhenTheTokenMayNotMoveLeadership() {
      start(
          NomadFixture.builder()
              .servers(3)
              .clients(0)
              .server(
                  b ->
                      b.token(
                          "ops",
                          "ops-secret-31",
                          "node:read",
                          "node:write",
                          "agent:read",
                          "agent:write",
                          "operator:read",
                          "namespace:read-job")));
      try (NomadClusterPort ops =
          NomadClusterPort.create(nomad.config().token(Secret.of("ops-secret-31")).build())) {
        ops.observe();
        ops.transferLeadershipAway(id("server-1"));
        assertThat(nomad.server.requests("PUT", "/v1/operator/raft/transfer-leadership"))
            .extracting(RecordedRequest::status)
            .containsExactly(403);
        assertThat(ops.observe().leader().orElseThrow().id()).isEqualTo(id("server-1"));
      }
    }

    @Test
    void showsTheLeadershipTransferAsAPlanStepBeforeEachServerStops() {
      start(NomadFixture.builder().servers(3).clients(0));

      UpgradePlan plan =
          NomadProcedures.plan(
              UpgradePlanner.create(clock()),
              nomad.port,
              Strategy.inPlace(),
              UpgradeTarget.product("1.8.0"),
              NomadProcedures.policy(Duration.ofMinutes(30)).build());

      for (PlanUnit unit : plan.units()) {
        List<Action> actions = unit.steps().stream().map(PlanStep::action).toList();
        int stop = actions.indexOf(new Action.StopService());
        assertThat(actions.get(stop - 1))
            .as(unit.node() + ": the step before its stop")
            .isEqualTo(new Action.RunHook("nomad-leadership-transfer", HookPoint.BEFORE_STOP));
      }
      assertThat(plan.toText()).contains("run hook 'nomad-leadership-transfer' (before stop)");
    }

    @Test
    void anExecutorBuiltByHandWithoutNomadsHooksRefusesThePlanNamingTheHook() {
      start(NomadFixture.builder().servers(3).clients(0));
      UpgradePlan plan =
          NomadProcedures.plan(
              UpgradePlanner.create(clock()),
              nomad.port,
              Strategy.inPlace(),
              UpgradeTarget.product("1.8.0"),
              NomadProcedures.policy(Duration.ofMinutes(30)).build());
      UpgradeExecutor byHand =
          UpgradeExecutor.builder()
              .cluster(nomad.port)
              .host(nomad.cluster)
              .time(clock())
              .probe(nomad.port.raftHealthProbe())
              .build();

      assertThatThrownBy(() -> byHand.start(plan))
          .hasMessageContaining(
              "the policy runs hook 'nomad-leadership-transfer' but no hook of that name is registered")
          .hasMessageContaining("NomadProcedures.executor");
    }

    @Test
    void plansNoLeadershipTransferWhenItIsTurnedOff() {
      start(NomadFixture.builder().servers(3).clients(0).config(c -> c.transferLeadership(false)));

      UpgradePlan plan =
          NomadProcedures.plan(
              UpgradePlanner.create(clock()),
              nomad.port,
              Strategy.inPlace(),
              UpgradeTarget.product("1.8.0"),
              NomadProcedures.policy(Duration.ofMinutes(30)).build());

      assertThat(plan.steps())
          .extracting(PlanStep::action)
          .noneMatch(a -> a instanceof Action.RunHook);
    }
  }

  @Test
  void aServerLostForGoodIsUnreachable() {
    start(NomadFixture.builder().servers(3).clients(1));
    nomad.cluster.inject(Fault.nodeLost(id("server-3"), Duration.ofSeconds(5)));
    clock().sleep(Duration.ofSeconds(10));
    assertThat(nomad.port.observe().node(id("server-3")).health()).isEqualTo(Health.UNREACHABLE);
  }
}
