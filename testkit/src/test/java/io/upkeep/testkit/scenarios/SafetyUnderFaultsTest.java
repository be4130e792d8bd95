package io.upkeep.testkit.scenarios;

import static io.upkeep.testkit.scenarios.SafetyPropertiesTest.NOMAD_17;
import static io.upkeep.testkit.scenarios.SafetyPropertiesTest.NOMAD_18;
import static io.upkeep.testkit.scenarios.SafetyPropertiesTest.PATCHED;
import static io.upkeep.testkit.scenarios.SafetyPropertiesTest.PATCHES;
import static io.upkeep.testkit.scenarios.SafetyPropertiesTest.SERVER;
import static io.upkeep.testkit.scenarios.SafetyPropertiesTest.WIN2019;
import static io.upkeep.testkit.scenarios.SafetyPropertiesTest.events;
import static io.upkeep.testkit.scenarios.SafetyPropertiesTest.id;
import static io.upkeep.testkit.scenarios.SafetyPropertiesTest.indexOf;
import static io.upkeep.testkit.scenarios.SafetyPropertiesTest.policy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upkeep.Action;
import io.upkeep.Budget;
import io.upkeep.ClusterOperationException;
import io.upkeep.ClusterSnapshot;
import io.upkeep.Constraints;
import io.upkeep.DrainState;
import io.upkeep.Node;
import io.upkeep.PlanStep;
import io.upkeep.PlanValidationException;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.RunReport;
import io.upkeep.RunState;
import io.upkeep.RunStatus;
import io.upkeep.StalePlanException;
import io.upkeep.Strategy;
import io.upkeep.TaskCap;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeRun;
import io.upkeep.UpgradeTarget;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.spi.ClusterPort;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.Fault;
import io.upkeep.testkit.ForwardingClusterPort;
import io.upkeep.testkit.HostOperation;
import io.upkeep.testkit.InvariantMonitor;
import io.upkeep.testkit.Rehearsal;
import io.upkeep.testkit.VirtualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Issue 7's behaviours, one named test each: what must hold under faults, the operator's own state,
 * and runs that always end. Every test runs in virtual time on a {@link FakeCluster} and is checked
 * by the {@link InvariantMonitor} as well as by its own assertions.
 */
class SafetyUnderFaultsTest {

  static final Platform WIN2022 = Platform.of("Windows Server 2022", ".NET 8.0", "2024.1.0");
  static final UpgradeTarget TO_WIN2022 =
      UpgradeTarget.os("Windows Server 2022").andRuntime(".NET 8.0");

  static FakeCluster octopus(int nodes) {
    return FakeCluster.builder()
        .nodes("octo", nodes, n -> n.role("octopus-node").platform(WIN2019).taskCap(5))
        .build();
  }

  static FakeCluster nomad() {
    return FakeCluster.builder()
        .seed(5)
        .constraints(
            Constraints.NONE.withQuorum(SERVER).withRoleOrder(SERVER, SafetyPropertiesTest.CLIENT))
        .forcesDrainAtDeadline(true)
        .nodes(
            "server",
            3,
            n ->
                n.role("server")
                    .platform(NOMAD_17)
                    .taskCap(TaskCap.UNLIMITED)
                    .runsWork(false)
                    .voter(true))
        .nodes("client", 2, n -> n.role("client").platform(NOMAD_17).taskCap(TaskCap.UNLIMITED))
        .build();
  }

  /** A run driven by hand: a listener that may act on the run, and the run's events. */
  static final class Driven {
    final FakeCluster cluster;
    final UpgradePlan plan;
    final InvariantMonitor monitor;
    final List<UpgradeEvent> events = new ArrayList<>();
    final UpgradeExecutor executor;
    UpgradeRun run;

    Driven(
        FakeCluster cluster,
        ClusterPort port,
        Strategy strategy,
        UpgradeTarget target,
        Policy policy,
        boolean traffic,
        BiConsumer<UpgradeEvent, Driven> onEvent) {
      this.cluster = cluster;
      this.plan = UpgradePlanner.create(cluster.clock()).plan(cluster, strategy, target, policy);
      this.monitor = InvariantMonitor.watch(cluster, plan);
      UpgradeExecutor.Builder b =
          UpgradeExecutor.builder()
              .cluster(port)
              .host(cluster)
              .time(cluster.clock())
              .listener(
                  e -> {
                    events.add(e);
                    onEvent.accept(e, this);
                  });
      if (traffic) {
        b.traffic(cluster);
      }
      executor = b.build();
      run = executor.start(plan);
      // A guard in virtual time: a run that never ends fails the test instead of spinning.
      cluster
          .clock()
          .schedule(
              Duration.ofDays(30),
              () -> {
                throw new AssertionError("the run did not end within 30 virtual days");
              });
    }

    Driven(
        FakeCluster cluster,
        Strategy strategy,
        UpgradeTarget target,
        Policy policy,
        BiConsumer<UpgradeEvent, Driven> on) {
      this(cluster, cluster, strategy, target, policy, true, on);
    }

    <T extends UpgradeEvent> List<T> events(Class<T> type) {
      return events.stream().filter(type::isInstance).map(type::cast).toList();
    }
  }

  static boolean stepStarted(UpgradeEvent e, Class<? extends Action> action, String node) {
    return e instanceof UpgradeEvent.StepStarted s
        && action.isInstance(s.step().action())
        && s.step().node().equals(id(node));
  }

  static boolean stepCompleted(UpgradeEvent e, Class<? extends Action> action, String node) {
    return e instanceof UpgradeEvent.StepCompleted s
        && action.isInstance(s.step().action())
        && s.step().node().equals(id(node));
  }

  /** Behaviour 1: the operator's own state is theirs. */
  @Nested
  class OperatorStateIsTheirs {

    @Test
    void aNodeTheOperatorDrainedBeforeTheRunIsUpgradedFirstAndLeftDrained() {
      FakeCluster cluster =
          FakeCluster.builder()
              .nodes("octo", 3, n -> n.role("octopus-node").platform(WIN2019).taskCap(5))
              .node(
                  "octo-4", n -> n.role("octopus-node").platform(WIN2019).taskCap(5).drained(true))
              .build();

      Rehearsal.Result r = Rehearsal.on(cluster).run(Strategy.inPlace(), PATCHES, policy().build());

      assertThat(r.report().status()).as(r.report().summary()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(r.report().upgraded()).hasSize(4);
      assertThat(cluster.node(id("octo-4")).orElseThrow().drainState())
          .isEqualTo(DrainState.DRAINED);
      assertThat(cluster.node(id("octo-4")).orElseThrow().platform()).isEqualTo(PATCHED);
      assertThat(events(cluster, ClusterEvent.Undrained.class, id("octo-4")))
          .as("never undrained")
          .isEmpty();
      assertThat(r.plan().unit(id("octo-4")).after())
          .as("it does not wait for the canary")
          .isEmpty();
      assertThat(r.report().notes())
          .anyMatch(n -> n.startsWith("octo-4 is out of service") && n.contains("left drained"));
      r.monitor().assertRestored();
    }

    @Test
    void withSkipTheDrainedNodeIsLeftAloneWithANoteAndTheOthersAreUpgraded() {
      FakeCluster cluster =
          FakeCluster.builder()
              .nodes("octo", 3, n -> n.role("octopus-node").platform(WIN2019).taskCap(5))
              .node(
                  "octo-4", n -> n.role("octopus-node").platform(WIN2019).taskCap(5).drained(true))
              .build();

      Rehearsal.Result r =
          Rehearsal.on(cluster)
              .run(
                  Strategy.inPlace(),
                  PATCHES,
                  policy().outOfService(Policy.OutOfServiceAction.SKIP).build());

      assertThat(r.report().status()).as(r.report().summary()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(r.plan().units()).extracting(u -> u.node()).doesNotContain(id("octo-4"));
      assertThat(r.report().notes())
          .anyMatch(n -> n.startsWith("octo-4 is out of service") && n.contains("left alone"));
      assertThat(cluster.node(id("octo-4")).orElseThrow().platform()).isEqualTo(WIN2019);
      assertThat(cluster.node(id("octo-4")).orElseThrow().drainState())
          .isEqualTo(DrainState.DRAINED);
      r.monitor().assertRestored();
    }

    @Test
    void anIneligibleClientStillRunningWorkGetsARealDrainNeverAStopUnderWork() {
      FakeCluster cluster =
          FakeCluster.builder()
              .forcesDrainAtDeadline(true)
              .nodes(
                  "client", 2, n -> n.role("client").platform(NOMAD_17).taskCap(TaskCap.UNLIMITED))
              .node(
                  "client-3",
                  n ->
                      n.role("client")
                          .platform(NOMAD_17)
                          .taskCap(TaskCap.UNLIMITED)
                          .drained(true)
                          .runningTask(Duration.ofHours(3)))
              .build();

      Rehearsal.Result r =
          Rehearsal.on(cluster)
              .run(
                  Strategy.inPlace(),
                  NOMAD_18,
                  policy().onDrainTimeout(Policy.DrainTimeoutAction.FORCE).build());

      assertThat(r.report().status()).as(r.report().summary()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(events(cluster, ClusterEvent.DrainStarted.class, id("client-3")))
          .as("a drain of its own")
          .hasSize(1);
      assertThat(events(cluster, ClusterEvent.Drained.class, id("client-3")))
          .singleElement()
          .satisfies(
              d -> assertThat(d.migrated()).as("its work was migrated, not cut off").isEqualTo(1));
      assertThat(events(cluster, ClusterEvent.WorkInterrupted.class)).isEmpty();
      assertThat(cluster.node(id("client-3")).orElseThrow().drainState())
          .isNotEqualTo(DrainState.ACTIVE);
      r.monitor().assertRestored();
    }

    @Test
    void theMonitorFlagsARunThatUndrainsANodeTheOperatorHadDrained() {
      FakeCluster cluster =
          FakeCluster.builder()
              .nodes("octo", 2, n -> n.role("octopus-node").platform(WIN2019).taskCap(5))
              .node(
                  "octo-3", n -> n.role("octopus-node").platform(WIN2019).taskCap(5).drained(true))
              .build();
      UpgradePlan plan =
          UpgradePlanner.create(cluster.clock())
              .plan(cluster, Strategy.inPlace(), PATCHES, policy().build());
      InvariantMonitor monitor = InvariantMonitor.watch(cluster, plan);

      cluster.undrain(id("octo-3"));
      monitor.checkFinal();

      assertThat(monitor.violations())
          .singleElement()
          .satisfies(
              v -> {
                assertThat(v.invariant()).isEqualTo("restored");
                assertThat(v.detail()).contains("octo-3").contains("the operator had drained it");
              });
    }
  }

  /** Behaviour 2: no false "restored". */
  @Nested
  class NoFalseRestored {

    @Test
    void everyGateOfAUnitComesBeforeItsPointOfNoReturn() {
      UpgradePlan plan =
          UpgradePlanner.create(octopus(3).clock())
              .plan(
                  octopus(3),
                  Strategy.rollingReplace(),
                  TO_WIN2022,
                  policy().approveCanaries(true).trafficRamp(20, 100).build());

      for (var unit : plan.units()) {
        List<PlanStep> steps = unit.steps();
        int noReturn = indexOfAction(steps, Action.RemoveMember.class);
        for (int i = 0; i < steps.size(); i++) {
          Action a = steps.get(i).action();
          if (a instanceof Action.Soak || a instanceof Action.Approval) {
            assertThat(i)
                .as("%s of %s comes before the removal of its old node", a, unit.node())
                .isLessThan(noReturn);
          }
        }
      }
    }

    @Test
    void aFailurePastThePointOfNoReturnNeedsAnOperatorAndKeepsTheReplacementInService() {
      FakeCluster cluster = octopus(2);
      cluster.inject(Fault.operationHangs(id("octo-1"), HostOperation.DECOMMISSION));
      Driven d =
          new Driven(
              cluster,
              Strategy.rollingReplace(),
              TO_WIN2022,
              policy().canaries(0).operationDeadline(Duration.ofHours(1)).build(),
              (e, x) -> {});

      RunReport report = d.run.execute();

      assertThat(report.status()).as(report.summary()).isEqualTo(RunStatus.FAILED);
      assertThat(report.needsOperator()).containsExactly(id("octo-1"));
      assertThat(report.restored()).isEmpty();
      assertThat(report.failed().get(id("octo-1")))
          .contains("past its point of no return")
          .contains("roll forward");
      assertThat(d.events(UpgradeEvent.UnitNeedsOperator.class))
          .extracting(UpgradeEvent.UnitNeedsOperator::unit)
          .containsExactly(id("octo-1"));
      assertThat(d.events(UpgradeEvent.UnitRestored.class)).isEmpty();
      Node replacement = cluster.node(id("octo-1-next")).orElseThrow();
      assertThat(replacement.inService()).isTrue();
      assertThat(replacement.taskCap()).as("not taken out of service").isEqualTo(TaskCap.of(5));
      d.monitor.assertHeld();
    }

    @Test
    void anAbortPastThePointOfNoReturnNeverLeavesFewerNodesInService() {
      FakeCluster cluster = octopus(3);
      long inServiceBefore = cluster.observe().nodes().stream().filter(Node::inService).count();
      Driven d =
          new Driven(
              cluster,
              Strategy.rollingReplace(),
              TO_WIN2022,
              policy().canaries(0).build(),
              (e, x) -> {
                if (stepCompleted(e, Action.RemoveMember.class, "octo-1")) {
                  x.run.abort("changed my mind");
                }
              });

      RunReport report = d.run.execute();

      assertThat(report.status()).as(report.summary()).isEqualTo(RunStatus.ABORTED);
      assertThat(report.needsOperator()).contains(id("octo-1"));
      assertThat(report.restored()).doesNotContain(id("octo-1"));
      assertThat(cluster.node(id("octo-1-next")).orElseThrow().taskCap()).isEqualTo(TaskCap.of(5));
      assertThat(cluster.observe().nodes().stream().filter(Node::inService).count())
          .isGreaterThanOrEqualTo(inServiceBefore);
      d.monitor.assertHeld();
    }
  }

  /** Behaviour 3: every run ends. */
  @Nested
  class EveryRunEnds {

    @Test
    void aHungUpgradeFailsAtTheOperationDeadlineNamingTheOperation() {
      FakeCluster cluster = octopus(3);
      cluster.inject(Fault.operationHangs(id("octo-1"), HostOperation.UPGRADE));
      Driven d =
          new Driven(
              cluster,
              Strategy.inPlace(),
              PATCHES,
              policy()
                  .canaries(0)
                  .snapshots(false)
                  .operationDeadline(Duration.ofMinutes(40))
                  .build(),
              (e, x) -> {});

      RunReport report = d.run.execute();

      assertThat(report.status()).as(report.summary()).isEqualTo(RunStatus.FAILED);
      assertThat(report.failed().get(id("octo-1")))
          .contains("upgrade host")
          .contains("operation deadline of 40m");
      assertThat(report.duration()).isLessThan(Duration.ofHours(2));
      d.monitor.assertHeld();
    }

    @Test
    void anAbortDuringAHungOperationEndsInBoundedTimeAndSaysWhatIsLeft() {
      FakeCluster cluster = octopus(3);
      cluster.inject(Fault.operationHangs(id("octo-1"), HostOperation.UPGRADE));
      Driven d =
          new Driven(
              cluster,
              Strategy.inPlace(),
              PATCHES,
              policy().canaries(0).operationDeadline(Duration.ofMinutes(40)).build(),
              (e, x) -> {
                if (stepStarted(e, Action.Upgrade.class, "octo-1")) {
                  x.run.abort("stop");
                }
              });

      RunReport report = d.run.execute();

      assertThat(report.status()).as(report.summary()).isEqualTo(RunStatus.ABORTED);
      assertThat(report.duration()).isLessThan(Duration.ofHours(2));
      assertThat(report.failed().get(id("octo-1"))).contains("aborted by operator");
      assertThat(cluster.node(id("octo-1")).orElseThrow().inService())
          .as("brought back from its snapshot")
          .isTrue();
      d.monitor.assertHeld();
    }

    @Test
    void anAbortWithoutALoadBalancerNeverWaitsForAnApprovalAndNotesTheWeightToSet() {
      FakeCluster cluster = octopus(2);
      Driven d =
          new Driven(
              cluster,
              cluster,
              Strategy.rollingReplace(),
              TO_WIN2022,
              policy().canaries(0).trafficRamp(20, 100).build(),
              false,
              (e, x) -> {
                if (e instanceof UpgradeEvent.ApprovalRequested a) {
                  if (a.gate().endsWith(":100")) {
                    x.run.abort("enough");
                  } else {
                    x.run.approve(a.gate());
                  }
                }
              });

      RunReport report = d.run.execute();
      if (report.status() == RunStatus.AWAITING_APPROVAL) {
        report = d.run.execute();
      }

      assertThat(report.status()).as(report.summary()).isEqualTo(RunStatus.ABORTED);
      assertThat(report.awaitingApproval()).isEmpty();
      assertThat(report.notes())
          .anyMatch(n -> n.contains("no load balancer is connected") && n.contains("by hand"));
      d.monitor.assertRestored();
    }
  }

  /** Behaviour 4: abort is sticky. */
  @Nested
  class AbortIsSticky {

    @Test
    void anAbortSurvivesAnUnobservableClusterAndAResume() {
      FakeCluster cluster = octopus(4);
      AtomicBoolean down = new AtomicBoolean();
      ClusterPort flaky = new Flaky(cluster, down);
      Driven d =
          new Driven(
              cluster,
              flaky,
              Strategy.inPlace(),
              PATCHES,
              policy().canaries(0).build(),
              true,
              (e, x) -> {
                if (stepStarted(e, Action.Upgrade.class, "octo-1")) {
                  x.run.abort("stop");
                  down.set(true);
                }
              });

      RunReport first = d.run.execute();
      assertThat(first.status())
          .as("still aborting, not paused: " + first.summary())
          .isEqualTo(RunStatus.ABORTING);
      down.set(false);
      d.run.resume();
      int startedBefore = d.events(UpgradeEvent.UnitStarted.class).size();
      RunReport second = d.run.execute();

      assertThat(second.status()).as(second.summary()).isEqualTo(RunStatus.ABORTED);
      assertThat(d.events(UpgradeEvent.UnitStarted.class))
          .as("nothing new started")
          .hasSize(startedBefore);
      d.monitor.assertRestored();
    }

    @Test
    void anAbortNotYetAppliedShowsInTheStateAndSurvivesACrash() {
      FakeCluster cluster = octopus(4);
      AtomicReference<String> saved = new AtomicReference<>();
      Driven d =
          new Driven(
              cluster,
              Strategy.inPlace(),
              PATCHES,
              policy().canaries(0).build(),
              (e, x) -> {
                if (saved.get() == null && stepStarted(e, Action.StopService.class, "octo-1")) {
                  x.run.abort("stop");
                  saved.set(x.run.state().toJson());
                }
              });
      d.run.execute();
      // The process dies right after the abort; a new one resumes from the saved state.
      RunState state = RunState.fromJson(saved.get());
      assertThat(state.status()).isEqualTo(RunStatus.ABORTING);

      FakeCluster same = cluster;
      RunReport report = d.executor.resume(d.plan, state).execute();

      assertThat(report.status()).as(report.summary()).isEqualTo(RunStatus.ABORTED);
      assertThat(same.observe().nodes()).allMatch(Node::inService);
    }
  }

  /** Behaviour 5: restore is complete. */
  @Nested
  class RestoreIsComplete {

    @Test
    void aFailingRestoreStepDoesNotStopTheOthersAndTheReportNamesIt() {
      FakeCluster cluster = octopus(3);
      cluster.inject(Fault.upgradeFails(id("octo-1")));
      cluster.inject(Fault.operationHangs(id("octo-1"), HostOperation.RESTORE));
      Driven d =
          new Driven(
              cluster,
              Strategy.inPlace(),
              PATCHES,
              policy().canaries(0).operationDeadline(Duration.ofMinutes(30)).build(),
              (e, x) -> {});

      RunReport report = d.run.execute();

      assertThat(report.needsOperator()).containsExactly(id("octo-1"));
      assertThat(report.failed().get(id("octo-1")))
          .contains("could not restore")
          .contains("restore host snapshot");
      Node n = cluster.node(id("octo-1")).orElseThrow();
      assertThat(n.inService())
          .as("started and undrained despite the failed snapshot restore")
          .isTrue();
      d.monitor.assertRestored();
    }

    @Test
    void maintenanceModeIsAlwaysTurnedOffAgain() {
      FakeCluster cluster = octopus(1);
      cluster.inject(Fault.upgradeFails(id("octo-1")));
      cluster.inject(Fault.operationHangs(id("octo-1"), HostOperation.RESTORE));
      Driven d =
          new Driven(
              cluster,
              Strategy.inPlace(),
              PATCHES,
              policy().allowDowntime(true).operationDeadline(Duration.ofMinutes(30)).build(),
              (e, x) -> {});

      RunReport report = d.run.execute();

      assertThat(report.needsOperator()).containsExactly(id("octo-1"));
      assertThat(cluster.observe().maintenanceMode()).isFalse();
    }
  }

  /** Behaviour 6: budget and quorum at every disruptive action. */
  @Nested
  class BudgetAtEveryDisruptiveAction {

    @Test
    void aRollingUnitDoesNotDrainItsOldNodeOnTopOfANodeLostMeanwhile() {
      FakeCluster cluster = octopus(3);
      Driven d =
          new Driven(
              cluster,
              Strategy.rollingReplace(),
              TO_WIN2022,
              policy().canaries(0).blockedTimeout(Duration.ofHours(2)).build(),
              (e, x) -> {
                if (stepStarted(e, Action.Provision.class, "octo-1-next")) {
                  x.cluster.inject(Fault.nodeLost(id("octo-2"), Duration.ofMinutes(1)));
                }
              });

      RunReport report = d.run.execute();

      d.monitor.assertHeld();
      assertThat(events(cluster, ClusterEvent.DrainStarted.class, id("octo-1")))
          .as("never drained on top of octo-2")
          .isEmpty();
      assertThat(d.events(UpgradeEvent.RunBlocked.class))
          .anySatisfy(
              b -> assertThat(String.join(" ", b.reasons())).contains("octo-2").contains("budget"));
      assertThat(report.status()).isIn(RunStatus.FAILED, RunStatus.PAUSED);
    }

    @Test
    void twoDrainsIssuedInOneTurnCountEachOtherAndANodeTheOperatorDrainedMeanwhile() {
      FakeCluster cluster = octopus(6);
      Driven d =
          new Driven(
              cluster,
              Strategy.inPlace(),
              PATCHES,
              policy().canaries(0).budget(Budget.ofNodes(2)).build(),
              (e, x) -> {
                if (e instanceof UpgradeEvent.UnitStarted s && s.inFlight() == 2) {
                  // Between the two units' start and their drains, the operator drains octo-6 by
                  // hand.
                  x.cluster.operatorDrain(id("octo-6"));
                }
              });

      d.run.execute();

      d.monitor.assertHeld();
      assertThat(d.events(UpgradeEvent.UnitBlocked.class))
          .anySatisfy(
              b -> assertThat(b.reason()).contains("above its budget of 2").contains("octo-6"));
    }
  }

  /** Behaviour 7: leader last at run time. */
  @Nested
  class LeaderLastAtRunTime {

    @Test
    void leadershipMovingToAServerNotYetUpgradedMakesItGoLast() {
      FakeCluster cluster = nomad();
      Driven d =
          new Driven(
              cluster,
              Strategy.inPlace(),
              NOMAD_18,
              policy().canaries(0).build(),
              (e, x) -> {
                if (e instanceof UpgradeEvent.UnitStarted s && s.unit().equals(id("server-2"))) {
                  x.cluster.transferLeadership(id("server-3"));
                }
              });
      assertThat(d.plan.units().get(2).node())
          .as("server-1 leads at plan time")
          .isEqualTo(id("server-1"));

      RunReport report = d.run.execute();

      assertThat(report.status()).as(report.summary()).isEqualTo(RunStatus.SUCCEEDED);
      int server3 = indexOf(cluster, ClusterEvent.ServiceStopped.class, id("server-3"));
      assertThat(server3)
          .isGreaterThan(indexOf(cluster, ClusterEvent.ServiceStopped.class, id("server-1")))
          .isGreaterThan(indexOf(cluster, ClusterEvent.ServiceStopped.class, id("server-2")));
      d.monitor.assertRestored();
    }

    @Test
    void selectingOnlyTheLeaderIsRefusedNamingTheOtherServers() {
      FakeCluster cluster = nomad();

      assertThatThrownBy(
              () ->
                  UpgradePlanner.create(cluster.clock())
                      .plan(
                          cluster, Strategy.inPlace(), NOMAD_18, policy().only("server-1").build()))
          .isInstanceOf(PlanValidationException.class)
          .hasMessageContaining("policy.only selects server-1, the leader of role server")
          .hasMessageContaining("server-2")
          .hasMessageContaining("server-3");
    }
  }

  /** Behaviour 8: refuse what cannot run, at plan time and at start. */
  @Nested
  class RefuseWhatCannotRun {

    @Test
    void aPlanWhoseClusterChangedIsRefusedAtStartNamingTheChange() {
      FakeCluster cluster = octopus(3);
      UpgradePlan plan =
          UpgradePlanner.create(cluster.clock())
              .plan(cluster, Strategy.inPlace(), PATCHES, policy().build());
      cluster.setTaskCap(id("octo-2"), TaskCap.of(2));
      int before = cluster.events().size();

      assertThatThrownBy(
              () ->
                  UpgradeExecutor.builder()
                      .cluster(cluster)
                      .host(cluster)
                      .time(cluster.clock())
                      .build()
                      .start(plan))
          .isInstanceOf(StalePlanException.class)
          .hasMessageContaining("octo-2's task cap is now 2 (planned with 5)")
          .hasMessageContaining("make a new plan");
      assertThat(cluster.events()).hasSize(before);
    }

    @Test
    void rollingReplacementOfVotersCountsTheJoiningVoterInTheQuorum() {
      FakeCluster cluster = nomad();

      Rehearsal.Result r =
          Rehearsal.on(cluster)
              .run(
                  Strategy.rollingReplace(),
                  NOMAD_18,
                  policy().canaries(0).onDrainTimeout(Policy.DrainTimeoutAction.FORCE).build());

      assertThat(r.report().status()).as(r.report().summary()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(cluster.observe().withRole(SERVER)).hasSize(3).allMatch(Node::voter);
      r.monitor().assertRestored();
    }
  }

  /** Behaviour 9: blocked runs say why, at once. */
  @Nested
  class BlockedRunsSayWhy {

    @Test
    void aRunBlockedByANodeOutsideTheRunSaysWhyAtOnceAndInTheReport() {
      FakeCluster cluster = octopus(3);
      cluster.inject(Fault.nodeLost(id("octo-3"), Duration.ZERO));
      cluster.clock().sleep(Duration.ofSeconds(1));
      Instant start = cluster.clock().now();
      Driven d =
          new Driven(
              cluster,
              Strategy.inPlace(),
              PATCHES,
              policy()
                  .outOfService(Policy.OutOfServiceAction.SKIP)
                  .blockedTimeout(Duration.ofMinutes(20))
                  .build(),
              (e, x) -> {});

      RunReport report = d.run.execute();

      assertThat(d.events(UpgradeEvent.RunBlocked.class))
          .first()
          .satisfies(
              b -> {
                assertThat(b.at()).as("at once").isEqualTo(start);
                assertThat(String.join(" ", b.reasons()))
                    .contains("octo-3")
                    .contains("budget is 1");
              });
      assertThat(report.status()).isEqualTo(RunStatus.PAUSED);
      assertThat(report.blocked()).anyMatch(b -> b.contains("octo-3"));
      assertThat(report.reason()).contains("octo-3");
    }
  }

  /** Behaviour 10: trials and rollbacks touch only what exists. */
  @Nested
  class TrialsAndRollbacksTouchOnlyWhatExists {

    @Test
    void exclusiveTrialsOfSeveralCanariesNeverWaitOnNodesEarlierUnitsReplaced() {
      FakeCluster cluster = octopus(4);

      Rehearsal.Result r =
          Rehearsal.on(cluster)
              .run(
                  Strategy.rollingReplace(),
                  TO_WIN2022,
                  policy().canaries(2).canarySoak(Duration.ZERO).build());

      assertThat(r.report().status()).as(r.report().summary()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(r.report().notes()).anyMatch(n -> n.contains("is no longer a member"));
      assertThat(r.report().duration()).isLessThan(Duration.ofHours(6));
      r.monitor().assertRestored();
    }

    @Test
    void aCloneRollbackDrainsTheCloneBeforeItStops() {
      FakeCluster cluster =
          FakeCluster.builder()
              .node("octo-1", n -> n.role("octopus-node").platform(WIN2019).taskCap(5))
              .build();
      Driven d =
          new Driven(
              cluster,
              Strategy.cloneAndMigrate(true),
              TO_WIN2022,
              policy().allowDowntime(true).canaries(0).build(),
              (e, x) -> {
                if (e instanceof UpgradeEvent.ApprovalRequested a
                    && a.gate().startsWith("migration:")) {
                  x.cluster.submitTask(Duration.ofMinutes(20));
                  x.run.abort("roll back the migration");
                }
              });

      RunReport report = d.run.execute();

      assertThat(report.status()).as(report.summary()).isEqualTo(RunStatus.ABORTED);
      int drained = indexOf(cluster, ClusterEvent.Drained.class, id("octo-1-clone"));
      int stopped = indexOf(cluster, ClusterEvent.ServiceStopped.class, id("octo-1-clone"));
      assertThat(drained).as("drained first").isBetween(0, stopped);
      assertThat(events(cluster, ClusterEvent.WorkInterrupted.class)).isEmpty();
      d.monitor.assertHeld();
    }

    @Test
    void aRollingReplaceWithALoadBalancerAndNoRampPutsTheNewNodeInIt() {
      FakeCluster cluster = octopus(2);

      Rehearsal.Result r =
          Rehearsal.on(cluster).run(Strategy.rollingReplace(), TO_WIN2022, policy().build());

      assertThat(r.report().status()).as(r.report().summary()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(cluster.weight(id("octo-1-next"))).isEqualTo(100);
      assertThat(cluster.weight(id("octo-2-next"))).isEqualTo(100);
    }
  }

  /** Behaviour 11: thread-safety and identity. */
  @Nested
  class ThreadSafetyAndIdentity {

    @Test
    void stateAndReportCanBeReadFromAnotherThreadDuringExecute() throws Exception {
      FakeCluster cluster =
          FakeCluster.builder()
              .nodes(
                  "octo",
                  200,
                  n ->
                      n.role("octopus-node")
                          .platform(WIN2019)
                          .taskCap(5)
                          .runningTask(Duration.ofMinutes(3)))
              .build();
      UpgradePlan plan =
          UpgradePlanner.create(cluster.clock())
              .plan(
                  cluster,
                  Strategy.inPlace(),
                  PATCHES,
                  policy().budget(Budget.ofPercent(10)).build());
      UpgradeRun run =
          UpgradeExecutor.builder()
              .cluster(cluster)
              .host(cluster)
              .time(cluster.clock())
              .build()
              .start(plan);
      AtomicBoolean over = new AtomicBoolean();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread reader =
          new Thread(
              () -> {
                try {
                  while (!over.get()) {
                    run.state().toJson();
                    run.report().summary();
                  }
                } catch (Throwable t) {
                  failure.set(t);
                }
              });
      reader.start();

      RunReport report = run.execute();
      over.set(true);
      reader.join();

      assertThat(failure.get()).isNull();
      assertThat(report.status()).isEqualTo(RunStatus.SUCCEEDED);
    }

    @Test
    void twoRunsOfOnePlanStartedInTheSameInstantGetDifferentIds() {
      FakeCluster cluster = octopus(2);
      UpgradePlan plan =
          UpgradePlanner.create(cluster.clock())
              .plan(cluster, Strategy.inPlace(), PATCHES, policy().build());
      UpgradeExecutor executor =
          UpgradeExecutor.builder().cluster(cluster).host(cluster).time(cluster.clock()).build();

      assertThat(executor.start(plan).state().runId())
          .isNotEqualTo(executor.start(plan).state().runId());
    }
  }

  /** Behaviour 14: every public entry point validates its input and changes nothing. */
  @Nested
  class EntryPointsValidate {

    @Test
    void approvingOrDecliningAnUnknownGateIsRefusedListingTheGates() {
      FakeCluster cluster = octopus(2);
      UpgradePlan plan =
          UpgradePlanner.create(cluster.clock())
              .plan(cluster, Strategy.inPlace(), PATCHES, policy().approveCanaries(true).build());
      UpgradeRun run =
          UpgradeExecutor.builder()
              .cluster(cluster)
              .host(cluster)
              .time(cluster.clock())
              .build()
              .start(plan);

      assertThatThrownBy(() -> run.approve("canary:nobody"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'canary:nobody'")
          .hasMessageContaining("canary:octo-");
      assertThatThrownBy(() -> run.decline(null, "no"))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(run.state().approvals()).isEmpty();
    }

    @Test
    void startingOrResumingWithNullIsRefusedNamingTheArgument() {
      FakeCluster cluster = octopus(2);
      UpgradeExecutor executor =
          UpgradeExecutor.builder().cluster(cluster).host(cluster).time(cluster.clock()).build();

      assertThatThrownBy(() -> executor.start(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("plan");
      assertThatThrownBy(() -> executor.resume(null, null))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("plan");
    }

    @Test
    void anExecutorOnAnotherClockThanItsClusterIsRefusedNamingTheFix() {
      FakeCluster cluster = octopus(2);

      assertThatThrownBy(
              () ->
                  UpgradeExecutor.builder()
                      .cluster(cluster)
                      .host(cluster)
                      .time(new VirtualClock())
                      .build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("is not the cluster port's")
          .hasMessageContaining("give the clock once");
    }

    @Test
    void anExecutorGivenNoClockRunsOnItsClustersOwn() {
      FakeCluster cluster = octopus(2);
      UpgradePlan plan =
          UpgradePlanner.create(cluster.clock())
              .plan(cluster, Strategy.inPlace(), PATCHES, policy().build());

      RunReport report =
          UpgradeExecutor.builder().cluster(cluster).host(cluster).build().start(plan).execute();

      assertThat(report.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(report.duration()).as("in the cluster's virtual time").isPositive();
      assertThat(cluster.clock().elapsed()).isEqualTo(report.duration());
    }

    @Test
    void aDeclinedGateFailsItsUnitWhichIsRestored() {
      FakeCluster cluster = octopus(3);
      Driven d =
          new Driven(
              cluster,
              Strategy.inPlace(),
              PATCHES,
              policy().approveCanaries(true).build(),
              (e, x) -> {});

      RunReport waiting = d.run.execute();
      assertThat(waiting.status()).isEqualTo(RunStatus.AWAITING_APPROVAL);
      d.run.decline(waiting.awaitingApproval().get(0), "the canary looks wrong");
      RunReport report = d.run.execute();

      assertThat(report.status()).as(report.summary()).isEqualTo(RunStatus.FAILED);
      assertThat(report.failed().values())
          .singleElement()
          .asString()
          .contains("declined")
          .contains("looks wrong");
      assertThat(d.events(UpgradeEvent.Declined.class)).hasSize(1);
      d.monitor.assertHeld();
    }
  }

  private static int indexOfAction(List<PlanStep> steps, Class<? extends Action> type) {
    for (int i = 0; i < steps.size(); i++) {
      if (type.isInstance(steps.get(i).action())) {
        return i;
      }
    }
    return steps.size();
  }

  /**
   * A cluster port that cannot observe while {@code down} is set: its answers are not retryable.
   */
  static final class Flaky extends ForwardingClusterPort {
    private final AtomicBoolean down;

    Flaky(FakeCluster cluster, AtomicBoolean down) {
      super(cluster);
      this.down = down;
    }

    @Override
    public ClusterSnapshot observe() {
      if (down.get()) {
        throw new ClusterOperationException("the API rejected the credential", false);
      }
      return super.observe();
    }
  }
}
