package io.upkeep.testkit;

import static io.upkeep.testkit.Script.await;
import static io.upkeep.testkit.Script.id;
import static io.upkeep.testkit.Script.start;
import static io.upkeep.testkit.Script.stop;
import static io.upkeep.testkit.Script.upgradeInPlace;
import static java.time.Duration.ofHours;
import static java.time.Duration.ofMinutes;
import static java.time.Duration.ofSeconds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upkeep.Budget;
import io.upkeep.Constraints;
import io.upkeep.Policy;
import io.upkeep.Role;
import io.upkeep.Strategy;
import io.upkeep.TaskCap;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeTarget;
import io.upkeep.testkit.InvariantMonitor.Violation;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class InvariantMonitorTest {

  private static final UpgradeTarget TARGET = UpgradeTarget.os("Windows Server 2022");

  private final FakeCluster cluster =
      FakeCluster.builder()
          .seed(7)
          .constraints(Constraints.NONE.withQuorum(Role.of("server")))
          .nodes("server", 3, n -> n.role("server").voter(true).runsWork(false))
          .nodes("client", 4, n -> n.role("client").taskCap(2))
          .build();
  private final InvariantMonitor monitor = InvariantMonitor.watch(cluster, plan(Policy.builder()));

  private UpgradePlan plan(Policy.Builder policy) {
    return UpgradePlanner.create(cluster.clock())
        .plan(
            cluster,
            Strategy.inPlace(),
            TARGET,
            policy.drainDeadline(ofHours(1)).budget(Budget.ofNodes(2)).build());
  }

  private void drain(String node) {
    cluster.drain(id(node), cluster.clock().now().plus(ofHours(1)));
  }

  private static List<Violation> of(InvariantMonitor monitor, String invariant) {
    return monitor.violations().stream().filter(v -> v.invariant().equals(invariant)).toList();
  }

  @Nested
  class Budgets {

    @Test
    void holdWhileNoMoreNodesOfARoleAreOutThanItsBudget() {
      assertThat(plan(Policy.builder()).budgets())
          .containsEntry(Role.of("client"), 2)
          .containsEntry(Role.of("server"), 1);

      drain("client-1");
      drain("client-2");
      cluster.undrain(id("client-1"));
      drain("client-3");

      assertThat(monitor.held()).isTrue();
    }

    @Test
    void reportTheDrainThatTakesARoleOverItsBudget() {
      drain("client-1");
      drain("client-2");
      drain("client-3");

      assertThat(monitor.violations())
          .singleElement()
          .satisfies(
              v -> {
                assertThat(v.invariant()).isEqualTo("budget");
                assertThat(v.detail())
                    .contains(
                        "DrainStarted of client-3",
                        "[client-1, client-2, client-3]",
                        "above the budget of 2");
              });
    }

    @Test
    void countStoppedNodesAsOutOfService() {
      stop(cluster, "client-1");
      stop(cluster, "client-2");
      assertThat(monitor.held()).isTrue();

      drain("client-3");

      assertThat(of(monitor, "budget")).hasSize(1);
    }

    @Test
    void doNotBlameAFaultButBlameTakingANodeOutOnTopOfIt() {
      drain("client-1");
      drain("client-2");
      cluster.inject(Fault.nodeLost(id("client-3"), ofMinutes(1)));
      cluster.clock().sleep(ofMinutes(1));
      assertThat(monitor.held()).isTrue();

      stop(cluster, "client-4");

      assertThat(of(monitor, "budget"))
          .singleElement()
          .satisfies(
              v ->
                  assertThat(v.detail())
                      .contains(
                          "stop_service of client-4", "[client-1, client-2, client-3, client-4]"));
    }

    @Test
    void judgeAStopWhenItIsDecidedSoAFaultDuringItIsNotBlamed() {
      drain("client-1");
      cluster.stopService("stop-2", id("client-2"));
      cluster.inject(Fault.nodeLost(id("client-3"), Duration.ZERO));
      cluster.clock().sleep(ofMinutes(1));

      assertThat(monitor.held())
          .as("the stop of client-2 was decided before client-3 was lost")
          .isTrue();
    }

    @Test
    void countAStopDecidedButNotLandedYetAgainstTheNextOne() {
      cluster.stopService("stop-1", id("client-1"));
      cluster.stopService("stop-2", id("client-2"));
      cluster.stopService("stop-3", id("client-3"));

      assertThat(of(monitor, "budget"))
          .singleElement()
          .satisfies(
              v ->
                  assertThat(v.detail())
                      .contains("stop_service of client-3", "[client-1, client-2, client-3]"));
    }

    @Test
    void doNotCountNodesTheOperatorDrainedBeforeTheRun() {
      FakeCluster c =
          FakeCluster.builder()
              .nodes("octo", 2, n -> n.taskCap(2))
              .node("octo-3", n -> n.taskCap(2).drained(true))
              .build();
      InvariantMonitor m =
          InvariantMonitor.watch(
              c,
              UpgradePlanner.create(c.clock())
                  .plan(
                      c,
                      Strategy.inPlace(),
                      TARGET,
                      Policy.builder().drainDeadline(ofHours(1)).build()));

      c.drain(id("octo-1"), c.clock().now().plus(ofHours(1)));

      assertThat(m.held()).as("one node out by the run, within a budget of one").isTrue();
    }

    @Test
    void allowNoneOutOfServiceInARoleThePlanDoesNotTouch() {
      InvariantMonitor clientsOnly =
          InvariantMonitor.watch(cluster, plan(Policy.builder().only("client-1", "client-2")));

      drain("server-2");

      assertThat(of(clientsOnly, "budget"))
          .singleElement()
          .satisfies(v -> assertThat(v.detail()).contains("above the budget of 0"));
      assertThat(monitor.held()).isTrue();
    }
  }

  @Nested
  class Quorum {

    @Test
    void holdsWhenOneServerIsDownAtATime() {
      stop(cluster, "server-2");
      start(cluster, "server-2");
      stop(cluster, "server-3");
      start(cluster, "server-3");

      assertThat(monitor.held()).isTrue();
    }

    @Test
    void isBrokenByAStopThatLeavesTooFewHealthyVoters() {
      stop(cluster, "server-2");
      stop(cluster, "server-3");

      assertThat(of(monitor, "quorum"))
          .singleElement()
          .satisfies(
              v ->
                  assertThat(v.detail())
                      .contains(
                          "stop_service of voter server-3 left 1 of 3 server voters healthy, below the quorum of 2"));
    }

    @Test
    void isBrokenByRemovingAHealthyVoterWhileAnotherIsLost() {
      cluster.inject(Fault.nodeLost(id("server-2"), ofSeconds(1)));
      cluster.clock().sleep(ofSeconds(1));
      assertThat(monitor.held()).isTrue();
      drain("server-3");

      cluster.removeMember(id("server-3"));

      assertThat(of(monitor, "quorum"))
          .singleElement()
          .satisfies(v -> assertThat(v.detail()).contains("Removed of voter server-3 left 1 of 2"));
    }
  }

  @Nested
  class LeaderLast {

    @Test
    void isBrokenByStoppingTheLeaderBeforeTheOtherVotersAreUpgraded() {
      stop(cluster, "server-1");

      assertThat(monitor.violations())
          .singleElement()
          .satisfies(
              v -> {
                assertThat(v.invariant()).isEqualTo("leader-last");
                assertThat(v.detail()).contains("leader server-1", "[server-2, server-3]");
              });
    }

    @Test
    void holdsWhenTheLeaderGoesLast() {
      upgradeInPlace(cluster, "server-2", TARGET);
      upgradeInPlace(cluster, "server-3", TARGET);
      upgradeInPlace(cluster, "server-1", TARGET);

      assertThat(monitor.violations()).isEmpty();
      assertThat(cluster.observe().leader().orElseThrow().id()).isEqualTo(id("server-2"));
    }
  }

  @Nested
  class Interruptions {

    @Test
    void areReportedWhenAStopCutsRunningWorkShort() {
      cluster.submitTask(ofHours(1));

      stop(cluster, "client-1");

      assertThat(monitor.violations())
          .singleElement()
          .satisfies(
              v -> {
                assertThat(v.invariant()).isEqualTo("no-work-interrupted");
                assertThat(v.detail()).isEqualTo("1 task(s) running on client-1 were interrupted");
              });
    }

    @Test
    void areToleratedWhenAllowed() {
      InvariantMonitor tolerant =
          InvariantMonitor.watch(cluster, plan(Policy.builder())).allowInterruptions();
      cluster.submitTask(ofHours(1));

      stop(cluster, "client-1");

      assertThat(tolerant.held()).isTrue();
      assertThat(monitor.held()).isFalse();
    }
  }

  @Nested
  class FinalCheck {

    @Test
    void passesWhenEveryNodeIsUpgradedAndBackAsItWas() {
      cluster.submitTask(ofMinutes(20));
      for (String node :
          List.of(
              "client-1", "client-2", "client-3", "client-4", "server-2", "server-3", "server-1")) {
        upgradeInPlace(cluster, node, TARGET);
      }

      monitor.assertRestored();
      assertThat(cluster.observe().nodes()).allMatch(n -> TARGET.isMetBy(n.platform()));
    }

    @Test
    void reportsEachNodeLeftDrainedStoppedOrAtAnotherCapAndMaintenanceModeLeftOn() {
      drain("client-1");
      cluster.setTaskCap(id("client-2"), TaskCap.ZERO);
      stop(cluster, "client-3");
      cluster.setMaintenanceMode(true);

      monitor.checkFinal();

      assertThat(monitor.violations()).extracting(Violation::invariant).containsOnly("restored");
      assertThat(monitor.violations())
          .extracting(Violation::detail)
          .containsExactly(
              "client-1 was left drained",
              "client-2 was left at task cap 0 instead of 2",
              "client-3 was left unreachable",
              "cluster maintenance mode was left on");
    }

    @Test
    void acceptsOriginalNodesThatWereRemovedOrDecommissioned() {
      await(
          cluster,
          cluster.provision(
              "p",
              id("client-4-next"),
              id("client-4"),
              TARGET.applyTo(cluster.host(id("client-4")).platform()),
              TaskCap.of(2)));
      start(cluster, "client-4-next");
      drain("client-4");
      cluster.removeMember(id("client-4"));
      await(cluster, cluster.decommission("d4", id("client-4")));
      await(cluster, cluster.decommission("d3", id("client-3")));

      monitor.assertRestored();
    }
  }

  @Test
  void failsListingTheViolationsAndTheSeedToReplayWith() {
    drain("client-1");
    drain("client-2");
    drain("client-3");

    assertThatThrownBy(monitor::assertHeld)
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith("1 invariant violation(s) in 3 checks; replay with seed 7:")
        .hasMessageContaining("budget: DrainStarted of client-3");
  }

  @Test
  void checksAfterEveryClockEventAndEveryMutatingPortCall() {
    cluster.observe();
    assertThat(monitor.checks()).isZero();

    cluster.setTaskCap(id("client-1"), TaskCap.of(3));
    cluster.clock().schedule(ofSeconds(1), () -> {});
    cluster.clock().schedule(ofSeconds(2), () -> {});
    cluster.clock().sleep(ofSeconds(2));

    assertThat(monitor.checks()).isEqualTo(3);
  }
}
