package io.upkeep.testkit.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upkeep.Action;
import io.upkeep.Budget;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.PlanUnit;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.RunReport;
import io.upkeep.RunStatus;
import io.upkeep.Strategy;
import io.upkeep.TaskCap;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeRun;
import io.upkeep.UpgradeTarget;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.InvariantMonitor;
import io.upkeep.testkit.Rehearsal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * An operator's controls on a run: pause and resume, abort, approvals (and traffic steps without a
 * load balancer).
 */
class ControlTest {

  static final Platform WIN2019 = Platform.of("Windows Server 2019", ".NET 6.0", "2024.1.0");
  static final UpgradeTarget PATCHES = UpgradeTarget.os("Windows Server 2019 (2026-11 patches)");
  static final Platform PATCHED = PATCHES.applyTo(WIN2019);
  static final UpgradeTarget WIN2022_NET8 =
      UpgradeTarget.os("Windows Server 2022").andRuntime(".NET 8.0");

  static Policy.Builder policy() {
    return Policy.builder().drainDeadline(Duration.ofMinutes(30));
  }

  static NodeId id(String s) {
    return NodeId.of(s);
  }

  static <T extends ClusterEvent> List<T> events(FakeCluster c, Class<T> type) {
    return c.events().stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** Octopus nodes octo-1..octo-n with varied upgrade times and some running work. */
  static FakeCluster octopus(int nodes) {
    FakeCluster.Builder b =
        FakeCluster.builder().seed(31).workload(Duration.ofMinutes(1), Duration.ofMinutes(3));
    for (int i = 1; i <= nodes; i++) {
      int minutes = 5 + (i * 11) % 17;
      b.node(
          "octo-" + i,
          n ->
              n.role("octopus-node")
                  .platform(WIN2019)
                  .taskCap(5)
                  .runningTask(Duration.ofMinutes(2))
                  .upgradeDuration(Duration.ofMinutes(minutes)));
    }
    return b.build();
  }

  /**
   * A run on {@code cluster} whose listener can reach the run (to pause, abort or approve from it).
   */
  static final class Harness {
    final FakeCluster cluster;
    final UpgradePlan plan;
    final InvariantMonitor monitor;
    final List<UpgradeEvent> events = new ArrayList<>();
    final UpgradeRun run;

    Harness(
        FakeCluster cluster,
        Strategy strategy,
        UpgradeTarget target,
        Policy policy,
        BiConsumer<UpgradeEvent, UpgradeRun> onEvent) {
      this.cluster = cluster;
      this.plan = UpgradePlanner.create(cluster.clock()).plan(cluster, strategy, target, policy);
      this.monitor = InvariantMonitor.watch(cluster, plan);
      UpgradeRun[] holder = new UpgradeRun[1];
      this.run =
          UpgradeExecutor.builder()
              .cluster(cluster)
              .host(cluster)
              .traffic(cluster)
              .time(cluster.clock())
              .listener(
                  e -> {
                    events.add(e);
                    onEvent.accept(e, holder[0]);
                  })
              .build()
              .start(plan);
      holder[0] = run;
    }

    <T extends UpgradeEvent> List<T> events(Class<T> type) {
      return events.stream().filter(type::isInstance).map(type::cast).toList();
    }
  }

  // ------------------------------------------------------------------------------------------------

  @Nested
  class PauseAndResume {

    Set<NodeId> inFlightAtPause = new LinkedHashSet<>();
    Set<NodeId> doneAtPause = new LinkedHashSet<>();
    boolean paused;

    Harness pauseAfterTheFirstCompletion() {
      return new Harness(
          octopus(8),
          Strategy.inPlace(),
          PATCHES,
          policy().budget(Budget.ofNodes(3)).canaries(0).build(),
          (e, run) -> {
            if (paused) {
              return;
            }
            if (e instanceof UpgradeEvent.UnitStarted s) {
              inFlightAtPause.add(s.unit());
            } else if (e instanceof UpgradeEvent.UnitCompleted c) {
              inFlightAtPause.remove(c.unit());
              doneAtPause.add(c.unit());
              run.pause("operator wants a look");
              paused = true;
            }
          });
    }

    @Test
    void pausingFromAListenerFinishesExactlyTheUnitsInFlightAndStartsNoOther() {
      Harness h = pauseAfterTheFirstCompletion();
      RunReport report = h.run.execute();
      Set<NodeId> started = new LinkedHashSet<>();
      h.events(UpgradeEvent.UnitStarted.class).forEach(s -> started.add(s.unit()));

      assertThat(report.status()).as(report.summary()).isEqualTo(RunStatus.PAUSED);
      assertThat(report.reason()).isEqualTo("operator wants a look");
      assertThat(doneAtPause).hasSize(1);
      assertThat(inFlightAtPause).as("units in flight when pause() was called").hasSize(2);
      Set<NodeId> expected = new LinkedHashSet<>(doneAtPause);
      expected.addAll(inFlightAtPause);
      assertThat(started)
          .as("no unit started after pause()")
          .containsExactlyInAnyOrderElementsOf(expected);
      assertThat(report.upgraded())
          .as("exactly the units in flight finished")
          .containsExactlyInAnyOrderElementsOf(expected);
      assertThat(report.notStarted()).hasSize(8 - expected.size());
      h.monitor.assertRestored();
      assertThat(h.cluster.observe().nodes()).allMatch(Node::inService);
    }

    @Test
    void pausingWhenTheWindowIsFullLetsTheUnitsInFlightFinishAndStartsNoOther() {
      Set<NodeId> inFlight = new LinkedHashSet<>();
      Harness h =
          new Harness(
              octopus(8),
              Strategy.inPlace(),
              PATCHES,
              policy().budget(Budget.ofNodes(3)).canaries(0).build(),
              (e, run) -> {
                if (e instanceof UpgradeEvent.UnitStarted s && inFlight.size() < 3) {
                  inFlight.add(s.unit());
                  if (s.inFlight() == 3) {
                    run.pause("operator wants a look");
                  }
                }
              });

      RunReport report = h.run.execute();

      assertThat(report.status()).as(report.summary()).isEqualTo(RunStatus.PAUSED);
      assertThat(inFlight).hasSize(3);
      assertThat(h.events(UpgradeEvent.UnitStarted.class))
          .extracting(UpgradeEvent.UnitStarted::unit)
          .as("no unit started after pause()")
          .containsExactlyElementsOf(inFlight);
      assertThat(report.upgraded())
          .as("exactly the units in flight finished")
          .containsExactlyInAnyOrderElementsOf(inFlight);
      assertThat(report.notStarted()).hasSize(5);
      h.monitor.assertRestored();

      h.run.resume();
      RunReport done = h.run.execute();
      assertThat(done.status()).as(done.summary()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(done.upgraded()).hasSize(8);
      h.monitor.assertRestored();
    }

    @Test
    void resumingAPausedRunFinishesIt() {
      Harness h = pauseAfterTheFirstCompletion();
      assertThat(h.run.execute().status()).isEqualTo(RunStatus.PAUSED);
      int before = h.events.size();

      h.run.resume();
      RunReport report = h.run.execute();

      assertThat(report.status()).as(report.summary()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(report.upgraded()).hasSize(8);
      assertThat(h.events.subList(before, h.events.size()))
          .anySatisfy(
              e ->
                  assertThat(e)
                      .isInstanceOfSatisfying(
                          UpgradeEvent.RunStatusChanged.class,
                          s -> assertThat(s.status()).isEqualTo(RunStatus.RUNNING)));
      h.monitor.assertRestored();
      for (Node n : h.cluster.observe().nodes()) {
        assertThat(n.platform()).as(n.id().value()).isEqualTo(PATCHED);
      }
    }
  }

  // ------------------------------------------------------------------------------------------------

  @Nested
  class Abort {

    /**
     * node-1..node-4 start one at a time in that order; the operator aborts while node-3 is being
     * upgraded.
     */
    Harness abortDuringTheThirdUpgrade() {
      FakeCluster cluster =
          FakeCluster.builder()
              .seed(8)
              .nodes(
                  "node", 4, n -> n.platform(WIN2019).taskCap(5).runningTask(Duration.ofMinutes(2)))
              .build();
      Policy p =
          policy()
              .canaries(0)
              .durationHint("node-1", Duration.ofMinutes(40))
              .durationHint("node-2", Duration.ofMinutes(30))
              .durationHint("node-3", Duration.ofMinutes(20))
              .durationHint("node-4", Duration.ofMinutes(10))
              .build();
      return new Harness(
          cluster,
          Strategy.inPlace(),
          PATCHES,
          p,
          (e, run) -> {
            if (e instanceof UpgradeEvent.StepStarted s
                && s.unit().equals(id("node-3"))
                && s.step().action() instanceof Action.Upgrade) {
              run.abort("change freeze");
            }
          });
    }

    @Test
    void abortingMidUpgradeRestoresTheNodeInFlightKeepsTheDoneOnesAndStartsNoOther() {
      Harness h = abortDuringTheThirdUpgrade();
      RunReport report = h.run.execute();

      assertThat(report.status()).as(report.summary()).isEqualTo(RunStatus.ABORTED);
      assertThat(report.reason()).contains("change freeze");
      assertThat(report.upgraded()).containsExactly(id("node-1"), id("node-2"));
      assertThat(report.failed()).containsOnlyKeys(id("node-3"));
      assertThat(report.notStarted()).containsExactly(id("node-4"));
      assertThat(report.needsOperator()).isEmpty();
      assertThat(h.events(UpgradeEvent.UnitRestored.class))
          .extracting(UpgradeEvent.UnitRestored::unit)
          .containsExactly(id("node-3"));
      assertThat(h.events(UpgradeEvent.UnitStarted.class))
          .extracting(s -> s.unit().value())
          .containsExactly("node-1", "node-2", "node-3");
      h.monitor.assertRestored();

      for (String done : List.of("node-1", "node-2")) {
        assertThat(h.cluster.node(id(done)).orElseThrow().platform())
            .as(done + " stays upgraded")
            .isEqualTo(PATCHED);
      }
      assertThat(h.cluster.events())
          .as("node-4 untouched")
          .noneMatch(e -> e instanceof ClusterEvent.NodeEvent ne && ne.node().equals(id("node-4")));
      Node node3 = h.cluster.node(id("node-3")).orElseThrow();
      assertThat(node3.inService()).isTrue();
      assertThat(node3.taskCap()).isEqualTo(TaskCap.of(5));
      assertThat(events(h.cluster, ClusterEvent.SnapshotRestored.class))
          .extracting(e -> e.node().value())
          .containsExactly("node-3");
    }

    @Test
    void theNodeAbortedMidUpgradeEndsOnItsOriginalPlatform() {
      Harness h = abortDuringTheThirdUpgrade();
      RunReport report = h.run.execute();
      assertThat(report.status()).as(report.summary()).isEqualTo(RunStatus.ABORTED);

      // Let every host operation still under way finish, then look again.
      h.cluster.clock().sleep(Duration.ofHours(1));

      assertThat(h.cluster.host(id("node-3")).platform())
          .as(
              "node-3 after the abort; cluster events: "
                  + h.cluster.events().stream()
                      .filter(
                          e ->
                              e instanceof ClusterEvent.NodeEvent ne
                                  && ne.node().equals(id("node-3")))
                      .toList())
          .isEqualTo(WIN2019);
    }
  }

  // ------------------------------------------------------------------------------------------------

  @Nested
  class Approvals {

    @Test
    void approveCanariesWaitsAtTheCanaryGateUntilApproved() {
      Harness h =
          new Harness(
              octopus(4),
              Strategy.inPlace(),
              PATCHES,
              policy().approveCanaries(true).canarySoak(Duration.ofMinutes(5)).build(),
              (e, run) -> {});
      PlanUnit canary = h.plan.units().stream().filter(PlanUnit::canary).findFirst().orElseThrow();
      String gate = "canary:" + canary.node();

      RunReport waiting = h.run.execute();

      assertThat(waiting.status()).as(waiting.summary()).isEqualTo(RunStatus.AWAITING_APPROVAL);
      assertThat(waiting.awaitingApproval()).containsExactly(gate);
      assertThat(h.events(UpgradeEvent.ApprovalRequested.class))
          .singleElement()
          .satisfies(a -> assertThat(a.gate()).isEqualTo(gate));
      assertThat(h.events(UpgradeEvent.UnitStarted.class))
          .extracting(UpgradeEvent.UnitStarted::unit)
          .containsExactly(canary.node());
      assertThat(h.cluster.node(canary.node()).orElseThrow().platform()).isEqualTo(PATCHED);

      assertThatThrownBy(() -> h.run.approve("canary:someone-else"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no gate named 'canary:someone-else'")
          .hasMessageContaining(gate);
      RunReport stillWaiting = h.run.execute();
      assertThat(stillWaiting.status())
          .as("a wrong gate approves nothing")
          .isEqualTo(RunStatus.AWAITING_APPROVAL);
      assertThat(h.events(UpgradeEvent.UnitStarted.class)).hasSize(1);
      assertThat(h.events(UpgradeEvent.Approved.class)).isEmpty();

      h.run.approve(gate);
      RunReport done = h.run.execute();

      assertThat(done.status()).as(done.summary()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(done.upgraded()).hasSize(4);
      assertThat(h.events(UpgradeEvent.Approved.class))
          .extracting(UpgradeEvent.Approved::gate)
          .contains(gate);
      h.monitor.assertRestored();
    }

    @Test
    void withoutALoadBalancerTrafficStepsBecomeApprovalGatesNamedForTheNodeAndWeight() {
      FakeCluster cluster = octopus(2);
      Rehearsal.Result r =
          Rehearsal.on(cluster)
              .withoutTraffic()
              .run(Strategy.rollingReplace(), WIN2022_NET8, policy().trafficRamp(20, 100).build());

      assertThat(r.report().status())
          .as(r.report().summary())
          .isEqualTo(RunStatus.AWAITING_APPROVAL);
      assertThat(r.report().awaitingApproval())
          .singleElement()
          .asString()
          .matches("traffic:octo-\\d-next:20");
      assertThat(r.events(UpgradeEvent.ApprovalRequested.class))
          .singleElement()
          .satisfies(a -> assertThat(a.instructions()).contains("no load balancer"));
    }

    @Test
    void autoApproveCompletesARollingReplaceWhoseTrafficStepsAreGates() {
      FakeCluster cluster = octopus(2);
      Rehearsal.Result r =
          Rehearsal.on(cluster)
              .withoutTraffic()
              .autoApprove()
              .run(Strategy.rollingReplace(), WIN2022_NET8, policy().trafficRamp(20, 100).build());

      assertThat(r.report().status()).as(r.report().summary()).isEqualTo(RunStatus.SUCCEEDED);
      assertTrafficGatesApproved(cluster, r);
    }

    /**
     * The same as above, executing again while the run reports a wait its listener already
     * approved.
     */
    @Test
    void autoApprovedTrafficGatesCompleteTheRollingReplaceWhenTheRunIsExecutedAgain() {
      FakeCluster cluster = octopus(2);
      Rehearsal.Result r =
          Rehearsal.on(cluster)
              .withoutTraffic()
              .autoApprove()
              .run(Strategy.rollingReplace(), WIN2022_NET8, policy().trafficRamp(20, 100).build());
      RunReport report = r.report();
      for (int i = 0; i < 20 && report.status() == RunStatus.AWAITING_APPROVAL; i++) {
        report = r.run().execute();
      }

      assertThat(report.status()).as(report.summary()).isEqualTo(RunStatus.SUCCEEDED);
      assertTrafficGatesApproved(cluster, r);
    }

    void assertTrafficGatesApproved(FakeCluster cluster, Rehearsal.Result r) {
      assertThat(r.events(UpgradeEvent.ApprovalRequested.class))
          .extracting(UpgradeEvent.ApprovalRequested::gate)
          .containsExactlyInAnyOrder(
              "traffic:octo-1-next:20",
              "traffic:octo-1-next:100",
              "traffic:octo-1:0",
              "traffic:octo-2-next:20",
              "traffic:octo-2-next:100",
              "traffic:octo-2:0");
      assertThat(r.events(UpgradeEvent.Approved.class)).hasSize(6);
      assertThat(events(cluster, ClusterEvent.WeightChanged.class))
          .as("no load balancer was touched")
          .isEmpty();
      r.monitor().assertRestored();
      for (String old : List.of("octo-1", "octo-2")) {
        assertThat(cluster.host(id(old)).decommissioned()).isTrue();
        assertThat(cluster.node(id(old + "-next")).orElseThrow().inService()).isTrue();
      }
    }
  }
}
