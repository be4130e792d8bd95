package io.upkeep.testkit.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upkeep.Budget;
import io.upkeep.DrainState;
import io.upkeep.Health;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.Policy;
import io.upkeep.Role;
import io.upkeep.Strategy;
import io.upkeep.UnknownNodeException;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeTarget;
import io.upkeep.spi.HealthProbe;
import io.upkeep.spi.OperationStatus;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.Fault;
import io.upkeep.testkit.InvariantMonitor;
import io.upkeep.testkit.NodeSpec;
import io.upkeep.testkit.ScriptedProbe;
import io.upkeep.testkit.VirtualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The testkit's changes from outside the run: joins, vanishing nodes, the operator's drains, a
 * probe that heals.
 */
class OutsideChangesTest {

  static NodeId id(String s) {
    return NodeId.of(s);
  }

  static FakeCluster octopus(int n) {
    return FakeCluster.builder().nodes("octo", n, b -> b.role("octopus-node").taskCap(2)).build();
  }

  static FakeCluster servers() {
    return FakeCluster.builder()
        .nodes("server", 3, b -> b.role("server").voter(true).runsWork(false))
        .build();
  }

  static <T extends ClusterEvent> List<T> events(FakeCluster c, Class<T> type) {
    return c.events().stream().filter(type::isInstance).map(type::cast).toList();
  }

  @Nested
  class Joining {

    @Test
    void aJoinedNodeIsAHealthyMemberThatTakesWorkAndIsRecordedAsAppeared() {
      FakeCluster c = octopus(1);
      c.join(NodeSpec.builder("extra").role("octopus-node").taskCap(2).build());
      c.submitTask(Duration.ofMinutes(5));
      c.submitTask(Duration.ofMinutes(5));

      Node extra = c.node(id("extra")).orElseThrow();
      assertThat(extra.inService()).isTrue();
      assertThat(extra.runningWork()).isEqualTo(1);
      assertThat(events(c, ClusterEvent.Appeared.class))
          .singleElement()
          .satisfies(
              a -> {
                assertThat(a.node()).isEqualTo(id("extra"));
                assertThat(a.role()).isEqualTo(Role.of("octopus-node"));
                assertThat(a.voter()).isFalse();
                assertThat(a.drained()).isFalse();
              });
      assertThat(events(c, ClusterEvent.Joined.class)).as("Joined is the orchestrator's").isEmpty();
    }

    @Test
    void aJoinedVoterCountsInItsRolesQuorum() {
      FakeCluster c = servers();
      c.join(NodeSpec.builder("server-4").role("server").voter(true).runsWork(false).build());
      assertThat(c.observe().withRole(Role.of("server")).stream().filter(Node::voter)).hasSize(4);
      assertThat(events(c, ClusterEvent.Appeared.class))
          .singleElement()
          .satisfies(a -> assertThat(a.voter()).isTrue());
    }

    @Test
    void aNameThatIsTakenIsRefused() {
      FakeCluster c = octopus(1);
      assertThatThrownBy(() -> c.join(NodeSpec.builder("octo-1").build()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("octo-1");
    }
  }

  @Nested
  class Vanishing {

    @Test
    void aVanishedNodeLeavesTheMembershipWithItsTasksAsVanishedNotRemoved() {
      FakeCluster c =
          FakeCluster.builder()
              .node("a", b -> b.runningTask(Duration.ofHours(1)))
              .node("b", b -> {})
              .build();
      c.inject(Fault.vanishes(id("a"), Duration.ofMinutes(5)));
      c.clock().sleep(Duration.ofMinutes(5));

      assertThat(c.node(id("a"))).isEmpty();
      assertThat(c.host(id("a")).member()).isFalse();
      assertThat(events(c, ClusterEvent.Vanished.class))
          .containsExactly(
              new ClusterEvent.Vanished(
                  VirtualClock.DEFAULT_START.plus(Duration.ofMinutes(5)), id("a"), 1));
      assertThat(events(c, ClusterEvent.Removed.class)).isEmpty();
    }

    @Test
    void itsHostIsGoneForGood() {
      FakeCluster c = octopus(2);
      c.inject(Fault.vanishes(id("octo-1"), Duration.ZERO));
      c.clock().sleep(Duration.ofSeconds(1));
      var op = c.startService("r1", id("octo-1"));
      assertThat(c.poll(op).state()).isEqualTo(OperationStatus.State.FAILED);
    }

    @Test
    void aVanishedLeadersVoteGoesAndAnotherVoterLeads() {
      FakeCluster c = servers();
      c.inject(Fault.vanishes(id("server-1"), Duration.ZERO));
      c.clock().sleep(Duration.ofSeconds(1));
      assertThat(c.observe().leader()).map(Node::id).contains(id("server-2"));
      assertThat(c.observe().nodes()).hasSize(2);
    }
  }

  @Nested
  class TheOperatorsOwnDrain {

    @Test
    void isRecordedAsTheOperatorsAndTakesNoNewWork() {
      FakeCluster c = octopus(2);
      c.operatorDrain(id("octo-1"));
      c.submitTask(Duration.ofMinutes(5));

      assertThat(c.node(id("octo-1")).orElseThrow().drainState()).isEqualTo(DrainState.DRAINED);
      assertThat(c.node(id("octo-1")).orElseThrow().runningWork()).isZero();
      assertThat(events(c, ClusterEvent.OperatorDrained.class))
          .extracting(ClusterEvent.OperatorDrained::node)
          .containsExactly(id("octo-1"));
      assertThat(events(c, ClusterEvent.DrainStarted.class))
          .as("DrainStarted is the orchestrator's")
          .isEmpty();
    }

    @Test
    void drainingWhatIsDrainedChangesNothing() {
      FakeCluster c = octopus(2);
      c.drain(id("octo-1"), c.clock().now().plus(Duration.ofMinutes(5)));
      int before = c.eventCount();
      c.operatorDrain(id("octo-1"));
      assertThat(c.eventCount()).isEqualTo(before);
    }

    @Test
    void undrainingIsRecordedAsTheOperatorsAndTakesWorkAgain() {
      FakeCluster c = FakeCluster.builder().node("a", b -> b.drained(true)).build();
      c.operatorUndrain(id("a"));
      c.submitTask(Duration.ofMinutes(5));
      assertThat(c.node(id("a")).orElseThrow().runningWork()).isEqualTo(1);
      assertThat(events(c, ClusterEvent.OperatorUndrained.class)).hasSize(1);
      assertThat(events(c, ClusterEvent.Undrained.class)).isEmpty();
    }

    @Test
    void aNodeThatIsNotAMemberIsUnknown() {
      FakeCluster c = octopus(1);
      assertThatThrownBy(() -> c.operatorDrain(id("nope")))
          .isInstanceOf(UnknownNodeException.class);
    }

    @Test
    void theMonitorCountsItAgainstTheBudgetButNotAsTheOrchestratorsBreach() {
      FakeCluster c = octopus(3);
      UpgradePlan plan =
          UpgradePlanner.create(c.clock())
              .plan(
                  c,
                  Strategy.inPlace(),
                  UpgradeTarget.os("Windows Server 2022"),
                  Policy.builder()
                      .drainDeadline(Duration.ofMinutes(30))
                      .budget(Budget.ofNodes(1))
                      .build());
      InvariantMonitor monitor = InvariantMonitor.watch(c, plan);
      c.operatorDrain(id("octo-1"));
      c.operatorDrain(id("octo-2"));
      assertThat(monitor.violations()).isEmpty();
      c.drain(id("octo-3"), c.clock().now().plus(Duration.ofMinutes(5)));
      assertThat(monitor.violations())
          .singleElement()
          .satisfies(v -> assertThat(v.invariant()).isEqualTo("budget"));
    }
  }

  @Nested
  class AScriptedProbe {

    final VirtualClock clock = new VirtualClock();
    final Instant start = clock.now();
    final Node node = Node.worker("a", "octopus-node", NodeSpec.DEFAULT_PLATFORM, 5);

    @Test
    void failsInsideItsWindowAndHealsAfterIt() {
      ScriptedProbe p =
          ScriptedProbe.builder("smoke", clock)
              .failsBetween(
                  id("a"), start.plus(Duration.ofMinutes(10)), start.plus(Duration.ofMinutes(20)))
              .build();
      assertThat(p.check(node).passed()).isTrue();
      clock.sleep(Duration.ofMinutes(10));
      HealthProbe.ProbeResult failing = p.check(node);
      assertThat(failing.passed()).isFalse();
      assertThat(failing.detail()).contains("smoke", "a");
      clock.sleep(Duration.ofMinutes(10));
      assertThat(p.check(node).passed()).isTrue();
      assertThat(p.checks()).isEqualTo(3);
    }

    @Test
    void failsFromAnInstantForGood() {
      ScriptedProbe p = ScriptedProbe.builder("smoke", clock).failsFrom(id("a"), start).build();
      clock.sleep(Duration.ofDays(365));
      assertThat(p.check(node).passed()).isFalse();
    }

    @Test
    void passesNodesItHasNoScriptFor() {
      ScriptedProbe p = ScriptedProbe.builder("smoke", clock).failsFrom(id("b"), start).build();
      assertThat(p.check(node).passed()).isTrue();
    }

    @Test
    void refusesAWindowThatEndsBeforeItStarts() {
      assertThatThrownBy(
              () -> ScriptedProbe.builder("smoke", clock).failsBetween(id("a"), start, start))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("end after it starts");
      assertThatThrownBy(() -> ScriptedProbe.builder(" ", clock))
          .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void healthIsNotItsBusiness() {
      ScriptedProbe p = ScriptedProbe.builder("smoke", clock).build();
      assertThat(p.check(node.withHealth(Health.UNREACHABLE)).passed())
          .as("a probe follows its script only")
          .isTrue();
    }
  }
}
