package io.upkeep.testkit.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.ClusterSnapshot;
import io.upkeep.Constraints;
import io.upkeep.DrainState;
import io.upkeep.Health;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.Policy;
import io.upkeep.Strategy;
import io.upkeep.TaskCap;
import io.upkeep.UpgradeTarget;
import io.upkeep.spi.ClusterPort;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.Fault;
import io.upkeep.testkit.ForwardingClusterPort;
import io.upkeep.testkit.NodeSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Negative controls: deliberately wrong cluster ports around the fake make today's executor break a
 * property, and each time both checkers (the InvariantMonitor and the independent log replay) must
 * say so. The same scenario through the honest fake must not show that violation, so it is the lie
 * that is caught, not the scenario. This proves the checks can fail.
 */
class NegativeControlTest {

  static final Duration DRAIN = Duration.ofMinutes(30);

  static Policy.Builder policy() {
    return Policy.builder()
        .drainDeadline(DRAIN)
        .canaries(0)
        .canarySoak(Duration.ZERO)
        .snapshots(true)
        .blockedTimeout(Duration.ofMinutes(20));
  }

  static Schedule scenario(
      String shape,
      List<NodeSpec> nodes,
      Constraints constraints,
      boolean forces,
      UpgradeTarget target,
      Policy policy,
      List<Schedule.Happening> beforeRun) {
    return new Schedule(
        -1,
        shape,
        nodes,
        constraints,
        forces,
        null,
        null,
        Strategy.inPlace(),
        target,
        policy,
        true,
        List.of(),
        beforeRun,
        List.of(),
        List.of(),
        Duration.ZERO,
        0);
  }

  static List<NodeSpec> octopus(int n, Function<Integer, List<Duration>> tasks) {
    List<NodeSpec> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      NodeSpec.Builder b =
          NodeSpec.builder("octo-" + i)
              .role("octopus-node")
              .platform(ScheduleGenerator.WIN2019)
              .taskCap(5);
      tasks.apply(i).forEach(b::runningTask);
      out.add(b.build());
    }
    return out;
  }

  static List<NodeSpec> servers() {
    List<NodeSpec> out = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      out.add(
          NodeSpec.builder("server-" + i)
              .role("server")
              .platform(ScheduleGenerator.NOMAD_17)
              .taskCap(TaskCap.UNLIMITED)
              .voter(true)
              .leader(i == 1)
              .runsWork(false)
              .build());
    }
    return out;
  }

  static final UpgradeTarget PATCHES = UpgradeTarget.os("Windows Server 2019 (2026-11 patches)");
  static final UpgradeTarget NOMAD_18 = UpgradeTarget.product("1.8.0");
  static final Constraints NOMAD = Constraints.NONE.withQuorum(ScheduleGenerator.SERVER);

  static Set<String> categories(ScheduleRunner.Result r, String checker) {
    Set<String> out = new HashSet<>();
    r.findings().stream()
        .filter(f -> f.checker().equals(checker))
        .forEach(f -> out.add(f.invariant()));
    return out;
  }

  static void assertBothCatch(
      Schedule s, Lie lie, String monitorInvariant, String replayInvariant) {
    ScheduleRunner.Result lied = ScheduleRunner.run(s, fake -> lie.around(fake));
    assertThat(lied.refused()).as(lied.refusal()).isFalse();
    assertThat(categories(lied, "monitor"))
        .as("the InvariantMonitor's findings: " + lied.findings())
        .contains(monitorInvariant);
    assertThat(categories(lied, "replay"))
        .as("the log replay's findings: " + lied.findings())
        .contains(replayInvariant);

    ScheduleRunner.Result honest = ScheduleRunner.run(s);
    assertThat(categories(honest, "monitor"))
        .as("the honest run's findings: " + honest.findings())
        .doesNotContain(monitorInvariant);
    assertThat(categories(honest, "replay"))
        .as("the honest run's findings: " + honest.findings())
        .doesNotContain(replayInvariant);
  }

  @Nested
  class AClusterPortThatReportsEveryUntouchedNodeInService {

    @Test
    void makesTheExecutorOvershootTheBudgetAndBothCheckersSayBudget() {
      // octo-4 is lost before the run and not selected; budget 1: the honest run waits, the lied-to
      // one does not.
      Schedule s =
          scenario(
              "octopus",
              octopus(4, i -> List.of()),
              Constraints.NONE,
              false,
              PATCHES,
              policy().only("octo-1", "octo-2", "octo-3").build(),
              List.of(
                  new Schedule.InjectFault(
                      Duration.ZERO, Fault.nodeLost(NodeId.of("octo-4"), Duration.ZERO))));
      assertBothCatch(s, InService::new, "budget", "budget");
    }

    @Test
    void makesTheExecutorStopAVoterBelowQuorumAndBothCheckersSayQuorum() {
      // server-3 is lost before the run; stopping server-2 leaves only the leader healthy.
      Schedule s =
          scenario(
              "nomad",
              servers(),
              NOMAD,
              true,
              NOMAD_18,
              policy().only("server-2").build(),
              List.of(
                  new Schedule.InjectFault(
                      Duration.ZERO, Fault.nodeLost(NodeId.of("server-3"), Duration.ZERO))));
      assertBothCatch(s, InService::new, "quorum", "quorum");
    }
  }

  @Nested
  class AClusterPortWhoseUndrainIsANoOp {

    @Test
    void leavesNodesDrainedAndBothCheckersSaySo() {
      Schedule s =
          scenario(
              "octopus",
              octopus(3, i -> List.of()),
              Constraints.NONE,
              false,
              PATCHES,
              policy().build(),
              List.of());
      assertBothCatch(s, UndrainIgnored::new, "restored", "final-state");
    }
  }

  @Nested
  class AClusterPortThatHidesTheLeader {

    @Test
    void makesTheExecutorStopTheLeaderFirstAndBothCheckersSayLeaderLast() {
      Schedule s =
          scenario(
              "nomad",
              servers(),
              NOMAD,
              true,
              NOMAD_18,
              policy().durationHint("server-1", Duration.ofHours(2)).build(),
              List.of());
      assertBothCatch(s, LeaderHidden::new, "leader-last", "leader-last");
    }
  }

  @Nested
  class AClusterPortThatReportsADrainingNodeIdle {

    @Test
    void makesTheExecutorStopANodeUnderWorkAndBothCheckersSayNoWorkInterrupted() {
      Schedule s =
          scenario(
              "octopus",
              octopus(3, i -> i == 1 ? List.of(Duration.ofHours(3)) : List.of()),
              Constraints.NONE,
              false,
              PATCHES,
              policy().durationHint("octo-1", Duration.ofHours(4)).build(),
              List.of());
      assertBothCatch(s, DrainingIdle::new, "no-work-interrupted", "no-work-interrupted");
    }
  }

  // ---------------------------------------------------------------- the wrong ports

  /** Makes a wrong port around a fake. */
  interface Lie {
    ClusterPort around(FakeCluster fake);
  }

  /**
   * A port that tells lies about what it observes. It waits on the fake with the fake's own last
   * snapshot, since a lied-about snapshot never equals the fake's and would wake it at once.
   */
  abstract static class LyingPort extends ForwardingClusterPort {
    final FakeCluster fake;
    private ClusterSnapshot lastReal;

    LyingPort(FakeCluster fake) {
      super(fake);
      this.fake = fake;
    }

    abstract Node lie(Node n);

    @Override
    public ClusterSnapshot observe() {
      lastReal = fake.observe();
      return new ClusterSnapshot(
          lastReal.observedAt(),
          lastReal.nodes().stream().map(this::lie).toList(),
          lastReal.maintenanceMode());
    }

    @Override
    public boolean awaitChange(ClusterSnapshot since, Duration maxWait) {
      return fake.awaitChange(lastReal == null ? fake.observe() : lastReal, maxWait);
    }
  }

  /** Every node the run has not touched through this port looks healthy and active. */
  static final class InService extends LyingPort {
    private final Set<NodeId> touched = new HashSet<>();

    InService(FakeCluster fake) {
      super(fake);
    }

    @Override
    Node lie(Node n) {
      return touched.contains(n.id())
          ? n
          : n.withHealth(Health.HEALTHY).withDrainState(DrainState.ACTIVE);
    }

    @Override
    public void drain(NodeId node, Instant deadline) {
      touched.add(node);
      super.drain(node, deadline);
    }

    @Override
    public void setTaskCap(NodeId node, TaskCap cap) {
      touched.add(node);
      super.setTaskCap(node, cap);
    }

    @Override
    public void removeMember(NodeId node) {
      touched.add(node);
      super.removeMember(node);
    }
  }

  /** Undrain does nothing, and the node is reported active from then on (until drained again). */
  static final class UndrainIgnored extends LyingPort {
    private final Set<NodeId> believedActive = new HashSet<>();

    UndrainIgnored(FakeCluster fake) {
      super(fake);
    }

    @Override
    Node lie(Node n) {
      return believedActive.contains(n.id()) ? n.withDrainState(DrainState.ACTIVE) : n;
    }

    @Override
    public void undrain(NodeId node) {
      believedActive.add(node);
    }

    @Override
    public void drain(NodeId node, Instant deadline) {
      believedActive.remove(node);
      super.drain(node, deadline);
    }
  }

  /** No node is reported as its role's leader. */
  static final class LeaderHidden extends LyingPort {
    LeaderHidden(FakeCluster fake) {
      super(fake);
    }

    @Override
    Node lie(Node n) {
      return n.withQuorumRole(n.voter(), false);
    }
  }

  /** A draining node is reported drained and idle, and its running work as none. */
  static final class DrainingIdle extends LyingPort {
    DrainingIdle(FakeCluster fake) {
      super(fake);
    }

    @Override
    Node lie(Node n) {
      return n.drainState() == DrainState.DRAINING
          ? n.withDrainState(DrainState.DRAINED).withRunningWork(0)
          : n;
    }

    @Override
    public int runningWork(NodeId node) {
      return 0;
    }
  }
}
