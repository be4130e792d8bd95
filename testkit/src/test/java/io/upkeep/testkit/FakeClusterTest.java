package io.upkeep.testkit;

import static io.upkeep.testkit.Script.await;
import static io.upkeep.testkit.Script.id;
import static io.upkeep.testkit.Script.start;
import static io.upkeep.testkit.Script.stop;
import static java.time.Duration.ofHours;
import static java.time.Duration.ofMinutes;
import static java.time.Duration.ofSeconds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upkeep.ClusterOperationException;
import io.upkeep.ClusterSnapshot;
import io.upkeep.DrainState;
import io.upkeep.Health;
import io.upkeep.Node;
import io.upkeep.Platform;
import io.upkeep.Role;
import io.upkeep.TaskCap;
import io.upkeep.UnknownNodeException;
import io.upkeep.UpgradeTarget;
import io.upkeep.spi.OperationHandle;
import io.upkeep.spi.OperationStatus;
import io.upkeep.spi.OperationStatus.State;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class FakeClusterTest {

  private static final Platform OLD = NodeSpec.DEFAULT_PLATFORM;
  private static final UpgradeTarget TARGET = UpgradeTarget.os("Windows Server 2022");

  private static Node node(FakeCluster cluster, String id) {
    return cluster.node(id(id)).orElseThrow();
  }

  private static Instant in(FakeCluster cluster, Duration d) {
    return cluster.clock().now().plus(d);
  }

  @Nested
  class Membership {

    @Test
    void observesEveryMemberInInsertionOrderAtTheClocksInstant() {
      FakeCluster cluster =
          FakeCluster.builder()
              .node("b", n -> n.role("octopus-node").taskCap(3).runningTask(ofMinutes(5)))
              .node("a", n -> n.role("octopus-node"))
              .build();
      cluster.clock().sleep(ofMinutes(1));

      ClusterSnapshot snapshot = cluster.observe();

      assertThat(snapshot.observedAt()).isEqualTo(cluster.clock().now());
      assertThat(snapshot.ids()).containsExactly(id("b"), id("a"));
      assertThat(snapshot.nodes().get(0))
          .isEqualTo(
              new Node(
                  id("b"),
                  Role.of("octopus-node"),
                  OLD,
                  TaskCap.of(3),
                  DrainState.ACTIVE,
                  Health.HEALTHY,
                  false,
                  false,
                  1,
                  true));
      assertThat(snapshot.maintenanceMode()).isFalse();
    }

    @Test
    void aProvisionedHostJoinsOnlyWhenItsServiceStartsWithItsInitialCap() {
      FakeCluster cluster = FakeCluster.builder().node("old", n -> n.role("octopus-node")).build();
      Platform next = Platform.of("Windows Server 2022", ".NET 8.0", "2024.1.0");

      OperationHandle provision = cluster.provision("p1", id("new"), id("old"), next, TaskCap.ZERO);
      assertThat(cluster.poll(provision).state()).isEqualTo(State.RUNNING);
      assertThat(cluster.host(id("new")).provisioned()).isFalse();
      assertThat(await(cluster, provision).state()).isEqualTo(State.SUCCEEDED);
      assertThat(cluster.clock().elapsed()).isEqualTo(ofMinutes(15));
      assertThat(cluster.observe().ids()).containsExactly(id("old"));
      assertThat(cluster.host(id("new")).member()).isFalse();

      start(cluster, "new");

      Node joined = node(cluster, "new");
      assertThat(joined.taskCap()).isEqualTo(TaskCap.ZERO);
      assertThat(joined.inService()).isTrue();
      assertThat(joined.platform()).isEqualTo(next);
      assertThat(joined.role().name()).isEqualTo("octopus-node");
      assertThat(cluster.weight(id("new"))).isZero();
      assertThat(cluster.weight(id("old"))).isEqualTo(100);
      assertThat(cluster.events())
          .extracting(e -> e.getClass().getSimpleName())
          .containsExactly(
              "OperationRequested",
              "Provisioned",
              "OperationRequested",
              "ServiceStarted",
              "Joined");
    }

    @Test
    void removesAMemberOnlyOnceItIsStoppedOrDrainedAndIdle() {
      FakeCluster cluster =
          FakeCluster.builder()
              .node("a", n -> n.runningTask(ofMinutes(10)))
              .node("b", n -> {})
              .build();

      assertThatThrownBy(() -> cluster.removeMember(id("a")))
          .isInstanceOf(ClusterOperationException.class)
          .hasMessageContaining("still in service running 1 task(s)")
          .hasMessageContaining("drain it");
      cluster.drain(id("a"), in(cluster, ofHours(1)));
      assertThatThrownBy(() -> cluster.removeMember(id("a")))
          .isInstanceOf(ClusterOperationException.class);
      cluster.clock().sleep(ofMinutes(10));
      cluster.removeMember(id("a"));
      cluster.removeMember(id("a"));
      stop(cluster, "b");
      cluster.removeMember(id("b"));

      assertThat(cluster.observe().nodes()).isEmpty();
      assertThat(cluster.events()).filteredOn(ClusterEvent.Removed.class::isInstance).hasSize(2);
      assertThatThrownBy(() -> cluster.setTaskCap(id("a"), TaskCap.of(1)))
          .isInstanceOf(UnknownNodeException.class);
    }
  }

  @Nested
  class Work {

    @Test
    void dispatchesEachTaskToTheLeastLoadedNodeBelowItsCap() {
      FakeCluster cluster =
          FakeCluster.builder().node("a", n -> n.taskCap(2)).node("b", n -> n.taskCap(1)).build();

      for (int i = 0; i < 4; i++) {
        cluster.submitTask(ofHours(1));
      }

      assertThat(cluster.runningWork(id("a"))).isEqualTo(2);
      assertThat(cluster.runningWork(id("b"))).isEqualTo(1);
      cluster.clock().sleep(ofHours(1));
      assertThat(cluster.tasksCompleted()).isEqualTo(3);
      assertThat(cluster.runningWork(id("a"))).isEqualTo(1);
      assertThat(cluster.runningWork(id("b"))).isZero();
    }

    @Test
    void aDrainedNodeFinishesItsWorkButTakesNoNewWork() {
      FakeCluster cluster =
          FakeCluster.builder()
              .node("a", n -> n.runningTask(ofMinutes(10)))
              .node("b", n -> n.taskCap(5))
              .build();

      cluster.drain(id("a"), in(cluster, ofHours(1)));
      cluster.submitTask(ofHours(1));
      cluster.submitTask(ofHours(1));

      assertThat(node(cluster, "a").drainState()).isEqualTo(DrainState.DRAINING);
      assertThat(cluster.runningWork(id("b"))).isEqualTo(2);
      cluster.clock().sleep(ofMinutes(10));
      assertThat(node(cluster, "a").drainState()).isEqualTo(DrainState.DRAINED);
      assertThat(node(cluster, "a").runningWork()).isZero();
      assertThat(cluster.events())
          .contains(new ClusterEvent.Drained(in(cluster, Duration.ZERO), id("a"), 0));
    }

    @Test
    void anUndrainedNodeTakesWorkAgain() {
      FakeCluster cluster = FakeCluster.builder().node("a", n -> n.taskCap(1)).build();
      cluster.drain(id("a"), in(cluster, ofHours(1)));
      cluster.drain(id("a"), in(cluster, ofHours(2)));
      cluster.submitTask(ofHours(1));
      assertThat(cluster.runningWork(id("a"))).isZero();

      cluster.undrain(id("a"));

      assertThat(cluster.runningWork(id("a"))).isEqualTo(1);
      assertThat(cluster.events())
          .extracting(e -> e.getClass().getSimpleName())
          .containsExactly("DrainStarted", "Drained", "Undrained");
    }

    @Test
    void maintenanceModeStopsDispatchUntilItIsTurnedOff() {
      FakeCluster cluster = FakeCluster.builder().nodes("n", 2, n -> n.taskCap(5)).build();

      cluster.setMaintenanceMode(true);
      cluster.submitTask(ofMinutes(5));
      cluster.clock().sleep(ofMinutes(10));

      assertThat(cluster.observe().runningWork()).isZero();
      assertThat(cluster.observe().maintenanceMode()).isTrue();
      cluster.setMaintenanceMode(false);
      assertThat(cluster.observe().runningWork()).isEqualTo(1);
    }

    @Test
    void aLowerCapStopsNewWorkButLeavesRunningWorkAlone() {
      FakeCluster cluster =
          FakeCluster.builder()
              .node("a", n -> n.taskCap(2).runningTask(ofMinutes(1)).runningTask(ofMinutes(1)))
              .build();

      cluster.setTaskCap(id("a"), TaskCap.ZERO);
      cluster.submitTask(ofMinutes(1));

      assertThat(cluster.runningWork(id("a"))).isEqualTo(2);
      cluster.clock().sleep(ofMinutes(5));
      assertThat(cluster.runningWork(id("a"))).isZero();
      assertThat(cluster.tasksCompleted()).isEqualTo(2);
      assertThat(cluster.takeEvent())
          .isEqualTo(
              new ClusterEvent.TaskCapChanged(
                  VirtualClock.DEFAULT_START, id("a"), TaskCap.of(2), TaskCap.ZERO));
    }

    @Test
    void nodesWithoutACapTakeEveryTask() {
      FakeCluster cluster =
          FakeCluster.builder().node("client", n -> n.taskCap(TaskCap.UNLIMITED)).build();

      for (int i = 0; i < 100; i++) {
        cluster.submitTask(ofHours(1));
      }

      assertThat(cluster.runningWork(id("client"))).isEqualTo(100);
    }

    @Test
    void aWorkloadKeepsTasksArrivingAndFinishing() {
      FakeCluster cluster =
          FakeCluster.builder()
              .nodes("n", 3, n -> n.taskCap(5))
              .workload(ofSeconds(30), ofMinutes(2))
              .build();

      cluster.clock().sleep(ofHours(1));

      assertThat(cluster.tasksCompleted()).isBetween(80L, 160L);
    }
  }

  @Nested
  class DrainDeadlines {

    @Test
    void anOctopusLikeDrainWaitsPastItsDeadline() {
      FakeCluster cluster =
          FakeCluster.builder()
              .node("a", n -> n.runningTask(ofHours(2)))
              .node("b", n -> n.taskCap(5))
              .build();

      cluster.drain(id("a"), in(cluster, ofMinutes(10)));
      cluster.clock().sleep(ofHours(1));

      assertThat(node(cluster, "a").drainState()).isEqualTo(DrainState.DRAINING);
      assertThat(cluster.runningWork(id("b"))).isZero();
    }

    @Test
    void aNomadLikeDrainMovesTheRemainingWorkAwayAtItsDeadline() {
      FakeCluster cluster =
          FakeCluster.builder()
              .forcesDrainAtDeadline(true)
              .node(
                  "a",
                  n -> n.taskCap(TaskCap.UNLIMITED).runningTask(ofHours(2)).runningTask(ofHours(2)))
              .node("b", n -> n.taskCap(TaskCap.UNLIMITED))
              .build();

      cluster.drain(id("a"), in(cluster, ofMinutes(10)));
      cluster.clock().sleep(ofMinutes(10));

      assertThat(node(cluster, "a").drainState()).isEqualTo(DrainState.DRAINED);
      assertThat(cluster.runningWork(id("b"))).isEqualTo(2);
      assertThat(cluster.events())
          .containsSubsequence(new ClusterEvent.Drained(in(cluster, Duration.ZERO), id("a"), 2));
      assertThat(cluster.events()).noneMatch(ClusterEvent.WorkInterrupted.class::isInstance);
    }

    @Test
    void aSoonerDeadlineBringsAForcedDrainForwardAndALaterOneChangesNothing() {
      FakeCluster cluster =
          FakeCluster.builder()
              .forcesDrainAtDeadline(true)
              .node("a", n -> n.taskCap(TaskCap.UNLIMITED).runningTask(ofHours(2)))
              .node("b", n -> n.taskCap(TaskCap.UNLIMITED))
              .build();

      cluster.drain(id("a"), in(cluster, ofMinutes(30)));
      cluster.drain(id("a"), in(cluster, ofHours(1)));
      cluster.drain(id("a"), in(cluster, ofMinutes(10)));
      cluster.clock().sleep(ofMinutes(10));

      assertThat(node(cluster, "a").drainState()).isEqualTo(DrainState.DRAINED);
      assertThat(cluster.events())
          .filteredOn(ClusterEvent.DrainStarted.class::isInstance)
          .hasSize(2);
    }
  }

  @Nested
  class HostOperations {

    @Test
    void upgradesAStoppedHostWhenTheOperationEnds() {
      FakeCluster cluster =
          FakeCluster.builder().node("a", n -> n.upgradeDuration(ofMinutes(30))).build();
      stop(cluster, "a");

      OperationHandle upgrade = cluster.upgrade("u", id("a"), TARGET);
      cluster.clock().sleep(ofMinutes(29));
      assertThat(cluster.poll(upgrade)).isEqualTo(OperationStatus.running());
      assertThat(cluster.host(id("a")).platform()).isEqualTo(OLD);
      cluster.clock().sleep(ofMinutes(1));

      assertThat(cluster.poll(upgrade)).isEqualTo(OperationStatus.succeeded());
      assertThat(cluster.host(id("a")).platform()).isEqualTo(TARGET.applyTo(OLD));
    }

    @Test
    void refusesToUpgradeAHostWhoseServiceRuns() {
      FakeCluster cluster = FakeCluster.builder().node("a", n -> n.role("octopus-node")).build();

      OperationStatus status = cluster.poll(cluster.upgrade("u", id("a"), TARGET));

      assertThat(status.state()).isEqualTo(State.FAILED);
      assertThat(status.detail()).contains("stop it before upgrading in place");
      assertThat(cluster.host(id("a")).platform()).isEqualTo(OLD);
    }

    @Test
    void returnsTheSameOperationForTheSameRequestIdWithoutStartingAnother() {
      FakeCluster cluster = FakeCluster.builder().node("a", n -> n.role("octopus-node")).build();
      stop(cluster, "a");

      OperationHandle first = cluster.upgrade("u", id("a"), TARGET);
      cluster.clock().sleep(ofMinutes(5));
      OperationHandle again = cluster.upgrade("u", id("a"), TARGET);
      cluster.clock().sleep(ofMinutes(5));

      assertThat(again).isEqualTo(first);
      assertThat(cluster.poll(first).state()).isEqualTo(State.SUCCEEDED);
      cluster.clock().sleep(ofHours(1));
      assertThat(cluster.events()).filteredOn(ClusterEvent.Upgraded.class::isInstance).hasSize(1);
    }

    @Test
    void refusesARequestIdReusedForAnotherCall() {
      FakeCluster cluster = FakeCluster.builder().node("a", n -> n.role("octopus-node")).build();
      cluster.stopService("r", id("a"));

      assertThatThrownBy(() -> cluster.startService("r", id("a")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("already used for stopService(a)");
    }

    @Test
    void stoppingAServiceInterruptsTheWorkStillRunningOnIt() {
      FakeCluster cluster =
          FakeCluster.builder()
              .node("a", n -> n.runningTask(ofHours(1)))
              .duration(HostOperation.STOP_SERVICE, ofSeconds(5))
              .build();

      stop(cluster, "a");

      assertThat(cluster.clock().elapsed()).isEqualTo(ofSeconds(5));
      assertThat(node(cluster, "a").health()).isEqualTo(Health.UNREACHABLE);
      assertThat(node(cluster, "a").runningWork()).isZero();
      assertThat(cluster.events())
          .containsExactly(
              new ClusterEvent.OperationRequested(
                  VirtualClock.DEFAULT_START, id("a"), HostOperation.STOP_SERVICE),
              new ClusterEvent.ServiceStopped(in(cluster, Duration.ZERO), id("a")),
              new ClusterEvent.WorkInterrupted(in(cluster, Duration.ZERO), id("a"), 1));
    }

    @Test
    void restoresThePlatformASnapshotCaptured() {
      FakeCluster cluster =
          FakeCluster.builder().node("a", n -> n.role("octopus-node")).node("b", n -> {}).build();
      OperationHandle snapshot = cluster.snapshot("s", id("a"));
      await(cluster, snapshot);
      stop(cluster, "a");
      await(cluster, cluster.upgrade("u", id("a"), TARGET));

      OperationStatus restored = await(cluster, cluster.restore("r", id("a"), snapshot));
      OperationStatus wrongNode = cluster.poll(cluster.restore("r2", id("b"), snapshot));

      assertThat(restored.state()).isEqualTo(State.SUCCEEDED);
      assertThat(cluster.host(id("a")).platform()).isEqualTo(OLD);
      assertThat(wrongNode.state()).isEqualTo(State.FAILED);
      assertThat(wrongNode.detail()).contains("not a completed snapshot of b");
    }

    @Test
    void copiesFoldersOnlyBetweenHostsThatExist() {
      FakeCluster cluster = FakeCluster.builder().node("a", n -> {}).node("b", n -> {}).build();

      assertThat(await(cluster, cluster.copyFolders("c1", id("a"), id("b"))).state())
          .isEqualTo(State.SUCCEEDED);
      await(cluster, cluster.decommission("d", id("a")));
      OperationStatus fromGone = cluster.poll(cluster.copyFolders("c2", id("a"), id("b")));

      assertThat(cluster.events())
          .contains(
              new ClusterEvent.FoldersCopied(
                  VirtualClock.DEFAULT_START.plus(ofMinutes(5)), id("b"), id("a")));
      assertThat(fromGone.state()).isEqualTo(State.FAILED);
      assertThat(fromGone.detail()).contains("a was decommissioned");
    }

    @Test
    void aDecommissionedMemberStaysUnreachableAndRefusesFurtherOperations() {
      FakeCluster cluster = FakeCluster.builder().node("a", n -> {}).build();

      await(cluster, cluster.decommission("d", id("a")));

      assertThat(cluster.host(id("a")).decommissioned()).isTrue();
      assertThat(node(cluster, "a").health()).isEqualTo(Health.UNREACHABLE);
      assertThat(start(cluster, "a").detail()).contains("decommissioned");
      assertThat(await(cluster, cluster.decommission("d2", id("a"))).state())
          .isEqualTo(State.SUCCEEDED);
      assertThat(cluster.events())
          .filteredOn(ClusterEvent.Decommissioned.class::isInstance)
          .hasSize(1);
    }

    @Test
    void setsTrafficWeightsAndRecordsChanges() {
      FakeCluster cluster = FakeCluster.builder().node("a", n -> {}).build();

      cluster.setWeight(id("a"), 10);
      cluster.setWeight(id("a"), 10);

      assertThat(cluster.weight(id("a"))).isEqualTo(10);
      assertThat(cluster.events())
          .containsExactly(new ClusterEvent.WeightChanged(VirtualClock.DEFAULT_START, id("a"), 10));
      assertThatThrownBy(() -> cluster.setWeight(id("a"), 101))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Nested
  class Faults {

    @Test
    void aSlowDrainMakesTheNodesTasksTakeLonger() {
      FakeCluster cluster =
          FakeCluster.builder()
              .node("a", n -> n.runningTask(ofMinutes(10)).runningTask(ofMinutes(10)))
              .build();

      cluster.inject(Fault.slowDrain(id("a"), ofMinutes(20)));
      cluster.clock().sleep(ofMinutes(29));
      assertThat(cluster.runningWork(id("a"))).isEqualTo(2);
      cluster.clock().sleep(ofMinutes(1));
      assertThat(cluster.runningWork(id("a"))).isZero();

      cluster.submitTask(ofMinutes(10));
      cluster.clock().sleep(ofMinutes(29));
      assertThat(cluster.runningWork(id("a"))).isEqualTo(1);
    }

    @Test
    void aStuckDrainLeavesOneTaskRunningForever() {
      FakeCluster cluster =
          FakeCluster.builder()
              .node("a", n -> n.runningTask(ofMinutes(10)).runningTask(ofMinutes(10)))
              .node("b", n -> n.taskCap(1))
              .build();

      cluster.inject(Fault.stuckDrain(id("a")));
      cluster.inject(Fault.stuckDrain(id("b")));
      cluster.submitTask(ofMinutes(1));
      cluster.drain(id("a"), in(cluster, ofMinutes(30)));
      cluster.clock().sleep(Duration.ofDays(7));

      assertThat(node(cluster, "a").drainState()).isEqualTo(DrainState.DRAINING);
      assertThat(cluster.runningWork(id("a"))).isEqualTo(1);
      assertThat(cluster.runningWork(id("b"))).isEqualTo(1);
      assertThat(cluster.tasksCompleted()).isEqualTo(1);
    }

    @Test
    void anUpgradeFaultFailsTheUpgradeAndLeavesThePlatform() {
      FakeCluster cluster = FakeCluster.builder().node("a", n -> {}).build();
      cluster.inject(Fault.upgradeFails(id("a")));
      stop(cluster, "a");

      OperationStatus status = await(cluster, cluster.upgrade("u", id("a"), TARGET));

      assertThat(status.state()).isEqualTo(State.FAILED);
      assertThat(status.detail()).contains("injected fault");
      assertThat(cluster.host(id("a")).platform()).isEqualTo(OLD);
      assertThat(cluster.events()).last().isInstanceOf(ClusterEvent.UpgradeFailed.class);
    }

    @Test
    void aNodeThatNeverReturnsStaysUnreachableAfterItsNextStart() {
      FakeCluster cluster = FakeCluster.builder().node("a", n -> {}).build();
      cluster.inject(Fault.neverReturns(id("a")));
      assertThat(node(cluster, "a").health()).isEqualTo(Health.HEALTHY);
      stop(cluster, "a");

      OperationStatus started = start(cluster, "a");
      cluster.clock().sleep(ofHours(1));

      assertThat(started.state()).isEqualTo(State.SUCCEEDED);
      assertThat(node(cluster, "a").health()).isEqualTo(Health.UNREACHABLE);
      assertThat(cluster.host(id("a")).serviceRunning()).isTrue();
    }

    @Test
    void aProvisionedHostThatNeverReturnsNeverJoins() {
      FakeCluster cluster = FakeCluster.builder().node("a", n -> {}).build();
      await(cluster, cluster.provision("p", id("a2"), id("a"), OLD, TaskCap.ZERO));
      cluster.inject(Fault.neverReturns(id("a2")));

      start(cluster, "a2");

      assertThat(cluster.host(id("a2")).member()).isFalse();
      assertThat(cluster.observe().ids()).containsExactly(id("a"));
    }

    @Test
    void aLostNodeBecomesUnreachableAndLosesItsTasksAtTheGivenTime() {
      FakeCluster cluster =
          FakeCluster.builder()
              .node("a", n -> n.runningTask(ofHours(1)).runningTask(ofHours(1)))
              .build();

      cluster.inject(Fault.nodeLost(id("a"), ofMinutes(5)));
      cluster.clock().sleep(ofMinutes(4));
      assertThat(node(cluster, "a").health()).isEqualTo(Health.HEALTHY);
      cluster.clock().sleep(ofMinutes(1));

      assertThat(node(cluster, "a").health()).isEqualTo(Health.UNREACHABLE);
      assertThat(node(cluster, "a").runningWork()).isZero();
      assertThat(cluster.events())
          .containsExactly(
              new ClusterEvent.NodeLost(VirtualClock.DEFAULT_START.plus(ofMinutes(5)), id("a"), 2));
      cluster.clock().sleep(ofHours(2));
      assertThat(cluster.tasksCompleted()).isZero();
      assertThat(start(cluster, "a").detail()).contains("was lost");
    }
  }

  @Nested
  class Raft {

    private final FakeCluster cluster =
        FakeCluster.builder()
            .nodes("server", 3, n -> n.role("server").voter(true).runsWork(false))
            .node("client", n -> n.role("client").taskCap(TaskCap.UNLIMITED))
            .build();

    private String leader() {
      return cluster.observe().leader().map(n -> n.id().value()).orElse("none");
    }

    @Test
    void theFirstVoterLeadsUnlessAnotherIsMadeLeader() {
      FakeCluster chosen =
          FakeCluster.builder()
              .nodes("server", 2, n -> n.role("server").voter(true))
              .node("server-3", n -> n.role("server").leader(true))
              .build();

      assertThat(leader()).isEqualTo("server-1");
      assertThat(chosen.observe().leader().orElseThrow().id()).isEqualTo(id("server-3"));
      assertThatThrownBy(
              () ->
                  FakeCluster.builder()
                      .node("x", n -> n.role("server").leader(true))
                      .node("y", n -> n.role("server").leader(true))
                      .build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("already has leader x");
    }

    @Test
    void electsTheFirstHealthyVoterAtOnceWhenTheLeaderStops() {
      stop(cluster, "server-1");

      assertThat(leader()).isEqualTo("server-2");
      assertThat(cluster.events())
          .last()
          .isEqualTo(new ClusterEvent.LeaderElected(cluster.clock().now(), id("server-2")));
    }

    @Test
    void hasNoLeaderWhileNoVoterIsHealthyUntilOneReturns() {
      stop(cluster, "server-2");
      stop(cluster, "server-3");
      stop(cluster, "server-1");
      assertThat(leader()).isEqualTo("none");

      start(cluster, "server-3");

      assertThat(leader()).isEqualTo("server-3");
    }

    @Test
    void electsANewLeaderWhenTheLeaderIsLost() {
      cluster.inject(Fault.nodeLost(id("server-1"), ofMinutes(1)));
      cluster.clock().sleep(ofMinutes(1));

      assertThat(leader()).isEqualTo("server-2");
    }

    @Test
    void aReplacementServerJoinsAsAVoterAndARemovedOneLosesItsVote() {
      await(cluster, cluster.provision("p", id("server-4"), id("server-1"), OLD, TaskCap.ZERO));
      start(cluster, "server-4");
      await(cluster, cluster.provision("p2", id("client-2"), id("client"), OLD, TaskCap.UNLIMITED));
      start(cluster, "client-2");
      stop(cluster, "server-1");
      cluster.removeMember(id("server-1"));

      assertThat(node(cluster, "server-4").voter()).isTrue();
      assertThat(node(cluster, "client-2").voter()).isFalse();
      assertThat(cluster.observe().nodes())
          .filteredOn(Node::voter)
          .extracting(n -> n.id().value())
          .containsExactly("server-2", "server-3", "server-4");
      assertThat(leader()).isEqualTo("server-2");
    }
  }

  @Nested
  class Errors {

    private final FakeCluster cluster =
        FakeCluster.builder().node("a", n -> {}).node("b", n -> {}).build();

    @Test
    void aFaultOnANodeStillToComeHitsItOnceProvisioned() {
      cluster.inject(Fault.upgradeFails(id("a-next")));
      cluster.provision("p", id("a-next"), id("a"), OLD, TaskCap.ZERO);
      cluster.clock().sleep(Duration.ofHours(1));
      cluster.startService("s", id("a-next"));
      cluster.clock().sleep(Duration.ofHours(1));
      cluster.stopService("t", id("a-next"));
      cluster.clock().sleep(Duration.ofHours(1));
      cluster.upgrade("u", id("a-next"), io.upkeep.UpgradeTarget.os("Windows Server 2022"));
      cluster.clock().sleep(Duration.ofHours(1));

      assertThat(cluster.events())
          .anyMatch(
              e -> e instanceof ClusterEvent.UpgradeFailed f && f.node().equals(id("a-next")));
      assertThat(cluster.host(id("a-next")).platform()).isEqualTo(OLD);
    }

    @Test
    void namesTheKnownNodesWhenANodeIsUnknown() {
      assertThatThrownBy(() -> cluster.drain(id("A"), Instant.MAX))
          .isInstanceOf(UnknownNodeException.class)
          .hasMessageContaining("unknown node 'A'")
          .hasMessageContaining("[a, b]");
      assertThatThrownBy(() -> cluster.stopService("s", id("c")))
          .isInstanceOf(UnknownNodeException.class);
      assertThatThrownBy(() -> cluster.provision("p", id("c"), id("z"), OLD, TaskCap.ZERO))
          .isInstanceOf(UnknownNodeException.class);
      assertThat(cluster.events()).isEmpty();
    }

    @Test
    void refusesToProvisionOverAHostThatExists() {
      OperationStatus status =
          cluster.poll(cluster.provision("p", id("b"), id("a"), OLD, TaskCap.ZERO));

      assertThat(status.state()).isEqualTo(State.FAILED);
      assertThat(status.detail()).contains("a host named b already exists");
    }

    @Test
    void refusesOperationsOnAHostStillBeingProvisioned() {
      cluster.provision("p", id("c"), id("a"), OLD, TaskCap.ZERO);

      assertThat(cluster.poll(cluster.startService("s", id("c"))).detail())
          .contains("still being provisioned");
    }

    @Test
    void refusesAHandleItNeverIssued() {
      assertThatThrownBy(() -> cluster.poll(new OperationHandle("op-99")))
          .isInstanceOf(ClusterOperationException.class)
          .hasMessageContaining("op-99");
    }

    @Test
    void hasNoEventToTakeOnceAllAreTaken() {
      cluster.setMaintenanceMode(true);

      assertThat(cluster.takeEvent()).isInstanceOf(ClusterEvent.MaintenanceModeChanged.class);
      assertThatThrownBy(cluster::takeEvent).isInstanceOf(NoSuchElementException.class);
    }
  }

  @Nested
  class AwaitingChange {

    @Test
    void returnsAtOnceIfTheClusterChangedSinceTheSnapshot() {
      FakeCluster cluster = FakeCluster.builder().node("a", n -> {}).build();
      ClusterSnapshot before = cluster.observe();
      cluster.setTaskCap(id("a"), TaskCap.of(1));

      assertThat(cluster.awaitChange(before, ofMinutes(10))).isTrue();
      assertThat(cluster.clock().elapsed()).isZero();
    }

    @Test
    void returnsWhenTheClusterChangesAtTheInstantOfTheChange() {
      FakeCluster cluster =
          FakeCluster.builder().node("a", n -> n.runningTask(ofMinutes(3))).build();
      cluster.clock().schedule(ofMinutes(1), () -> {});

      assertThat(cluster.awaitChange(cluster.observe(), ofMinutes(10))).isTrue();
      assertThat(cluster.clock().elapsed()).isEqualTo(ofMinutes(3));
    }

    @Test
    void timesOutAdvancingTheClockToTheDeadline() {
      FakeCluster cluster =
          FakeCluster.builder().node("a", n -> n.runningTask(ofMinutes(30))).build();
      cluster.clock().schedule(ofMinutes(1), () -> {});

      assertThat(cluster.awaitChange(cluster.observe(), ofMinutes(10))).isFalse();
      assertThat(cluster.clock().elapsed()).isEqualTo(ofMinutes(10));
    }
  }

  @Nested
  class Determinism {

    private List<ClusterEvent> run(long seed) {
      FakeCluster cluster =
          FakeCluster.builder()
              .seed(seed)
              .nodes("n", 10, n -> n.taskCap(3))
              .workload(ofSeconds(20), ofMinutes(5))
              .build();
      cluster.clock().sleep(ofMinutes(30));
      for (int i = 1; i <= 10; i++) {
        Script.upgradeInPlace(cluster, "n-" + i, TARGET);
      }
      return cluster.events();
    }

    @Test
    void theSameSeedAndCallsGiveTheSameEvents() {
      List<ClusterEvent> first = run(42);

      assertThat(run(42)).isEqualTo(first).hasSize(90);
    }

    @Test
    void anotherSeedGivesAnotherRun() {
      assertThat(run(43)).isNotEqualTo(run(42));
    }
  }

  @Test
  void runsAThousandNodeUpgradeUnderLoad() {
    FakeCluster cluster =
        FakeCluster.builder()
            .nodes("n", 1000, n -> n.taskCap(2))
            .workload(ofSeconds(5), ofMinutes(5))
            .duration(HostOperation.UPGRADE, ofMinutes(1))
            .build();

    for (int i = 1; i <= 1000; i++) {
      Script.upgradeInPlace(cluster, "n-" + i, TARGET);
    }

    assertThat(cluster.observe().nodes())
        .allMatch(n -> TARGET.isMetBy(n.platform()) && n.inService());
    assertThat(cluster.tasksCompleted()).isGreaterThan(20_000);
    assertThat(cluster.events()).hasSize(9 * 1000);
  }
}
