package io.upkeep.testkit.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.Budget;
import io.upkeep.ClusterSnapshot;
import io.upkeep.MaintenanceWindow;
import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.RunReport;
import io.upkeep.RunStatus;
import io.upkeep.Strategy;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeTarget;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.ForwardingClusterPort;
import io.upkeep.testkit.InvariantMonitor;
import io.upkeep.testkit.VirtualClock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * A run under maintenance windows, on the fake cluster in virtual time: nodes start only inside a
 * window, a node in flight when it closes finishes, the run waits for the next opening without
 * polling and without pausing, and ends successfully.
 */
class MaintenanceWindowsTest {

  static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  static final Platform WIN2019 = Platform.of("Windows Server 2019", ".NET 6.0", "2024.1.0");
  static final UpgradeTarget WIN2022 = UpgradeTarget.os("Windows Server 2022");

  /** Tuesday 2026-12-01, 21:00 in Berlin: an hour before the first window opens. */
  static final Instant START = Instant.parse("2026-12-01T20:00:00Z");

  /** Tuesdays and Wednesdays, 22:00 to 22:30 in Berlin (CET): 21:00Z to 21:30Z. */
  static final MaintenanceWindow EVENINGS =
      MaintenanceWindow.weekly(
          BERLIN,
          LocalTime.of(22, 0),
          LocalTime.of(22, 30),
          DayOfWeek.TUESDAY,
          DayOfWeek.WEDNESDAY);

  static final Instant TUESDAY_CLOSES = Instant.parse("2026-12-01T21:30:00Z");
  static final Instant WEDNESDAY_OPENS = Instant.parse("2026-12-02T21:00:00Z");

  /** Three nodes of about 20 minutes each: two start on Tuesday, the second outlasting it. */
  static FakeCluster cluster() {
    return FakeCluster.builder()
        .clock(new VirtualClock(START))
        .nodes(
            "octo",
            3,
            n ->
                n.role("octopus-node")
                    .platform(WIN2019)
                    .taskCap(5)
                    .upgradeDuration(Duration.ofMinutes(18)))
        .build();
  }

  /** The fake, counting observations and when they were made. */
  static final class Observed extends ForwardingClusterPort {
    final FakeCluster fake;
    final List<Instant> at = new ArrayList<>();

    Observed(FakeCluster fake) {
      super(fake);
      this.fake = fake;
    }

    @Override
    public ClusterSnapshot observe() {
      at.add(fake.clock().now());
      return fake.observe();
    }
  }

  /** A run of {@code policy} on a fresh cluster, every event and report kept. */
  static final class Run {
    final FakeCluster fake = cluster();
    final Observed cluster = new Observed(fake);
    final List<UpgradeEvent> events = new ArrayList<>();
    final List<List<String>> blockedReported = new ArrayList<>();
    final UpgradePlan plan;
    final InvariantMonitor monitor;
    final RunReport report;

    Run(Policy policy) {
      plan = UpgradePlanner.create(fake.clock()).plan(cluster, Strategy.inPlace(), WIN2022, policy);
      monitor = InvariantMonitor.watch(fake, plan);
      io.upkeep.UpgradeRun[] run = new io.upkeep.UpgradeRun[1];
      run[0] =
          UpgradeExecutor.builder()
              .cluster(cluster)
              .host(fake)
              .time(fake.clock())
              .listener(
                  e -> {
                    events.add(e);
                    if (e instanceof UpgradeEvent.RunBlocked) {
                      blockedReported.add(run[0].report().blocked());
                    }
                  })
              .build()
              .start(plan);
      report = run[0].execute();
    }

    <T extends UpgradeEvent> List<T> events(Class<T> type) {
      return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    Map<NodeId, Instant> started() {
      return events(UpgradeEvent.UnitStarted.class).stream()
          .collect(Collectors.toMap(UpgradeEvent.UnitStarted::unit, UpgradeEvent.UnitStarted::at));
    }

    Map<NodeId, Instant> completed() {
      return events(UpgradeEvent.UnitCompleted.class).stream()
          .collect(
              Collectors.toMap(UpgradeEvent.UnitCompleted::unit, UpgradeEvent.UnitCompleted::at));
    }
  }

  /** One node at a time, no canary, each node expected to take the 20 minutes it does. */
  static Policy.Builder policy() {
    return Policy.builder()
        .drainDeadline(Duration.ofMinutes(30))
        .budget(Budget.ofNodes(1))
        .canaries(0)
        .durationHint("octo-1", Duration.ofMinutes(20))
        .durationHint("octo-2", Duration.ofMinutes(20))
        .durationHint("octo-3", Duration.ofMinutes(20));
  }

  /** The units that started while no window of {@code windows} was open, with when. */
  static List<String> startsOutside(List<MaintenanceWindow> windows, Run run) {
    return run.events(UpgradeEvent.UnitStarted.class).stream()
        .filter(s -> windows.stream().noneMatch(w -> w.isOpen(s.at())))
        .map(s -> s.unit() + " at " + s.at())
        .toList();
  }

  @Nested
  class AWindowThatClosesWhileANodeIsInFlight {

    Run run;

    @BeforeEach
    void runIt() {
      run = new Run(policy().windows(EVENINGS).build());
    }

    @Test
    void endsSuccessfullyWithEveryNodeUpgradedAndTheInvariantsHeld() {
      assertThat(run.report.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(run.report.upgraded()).hasSize(3);
      run.monitor.assertHeld();
    }

    @Test
    void startsEveryNodeInsideAWindow() {
      assertThat(startsOutside(List.of(EVENINGS), run)).isEmpty();
      assertThat(run.started()).hasSize(3);
    }

    @Test
    void letsTheNodeInFlightAtTheCloseFinishWithoutInterruptingIt() {
      List<NodeId> inFlightAtClose =
          run.started().keySet().stream()
              .filter(
                  n ->
                      run.started().get(n).isBefore(TUESDAY_CLOSES)
                          && run.completed().get(n).isAfter(TUESDAY_CLOSES))
              .toList();

      assertThat(inFlightAtClose).hasSize(1);
      assertThat(run.report.upgraded()).contains(inFlightAtClose.get(0));
      assertThat(run.events(UpgradeEvent.StepFailed.class)).isEmpty();
      assertThat(run.fake.events()).noneMatch(ClusterEvent.WorkInterrupted.class::isInstance);
    }

    @Test
    void startsNoOtherNodeUntilTheNextOpeningAndTheLastOneExactlyThen() {
      List<Instant> starts = run.started().values().stream().sorted().toList();

      assertThat(starts.get(0)).isEqualTo(Instant.parse("2026-12-01T21:00:00Z"));
      assertThat(starts.get(1)).isBefore(TUESDAY_CLOSES);
      assertThat(starts.get(2)).isEqualTo(WEDNESDAY_OPENS);
    }

    @Test
    void reportsItselfBlockedOutsideTheWindowsNamingTheNextOpening() {
      assertThat(run.events(UpgradeEvent.RunBlocked.class))
          .extracting(UpgradeEvent.RunBlocked::reasons)
          .contains(
              List.of(
                  "outside the maintenance windows; the next opens at "
                      + "2026-12-01T22:00+01:00[Europe/Berlin]"),
              List.of(
                  "outside the maintenance windows; the next opens at "
                      + "2026-12-02T22:00+01:00[Europe/Berlin]"));
      assertThat(run.blockedReported)
          .contains(
              List.of(
                  "outside the maintenance windows; the next opens at "
                      + "2026-12-02T22:00+01:00[Europe/Berlin]"));
      assertThat(run.report.blocked()).isEmpty();
    }

    @Test
    void neverPausesThoughItWaitedLongerThanTheBlockedTimeout() {
      assertThat(Duration.between(TUESDAY_CLOSES, WEDNESDAY_OPENS))
          .isGreaterThan(Policy.DEFAULT_BLOCKED_TIMEOUT);
      assertThat(run.events(UpgradeEvent.RunStatusChanged.class))
          .extracting(UpgradeEvent.RunStatusChanged::status)
          .doesNotContain(RunStatus.PAUSED);
    }

    @Test
    void sleepsUntilTheNextOpeningInsteadOfPolling() {
      Instant lastDone =
          run.completed().values().stream()
              .filter(t -> t.isBefore(WEDNESDAY_OPENS))
              .max(Instant::compareTo)
              .orElseThrow();
      long whileClosed =
          run.cluster.at.stream()
              .filter(t -> t.isAfter(lastDone) && t.isBefore(WEDNESDAY_OPENS))
              .count();
      long beforeFirstOpening =
          run.cluster.at.stream()
              .filter(t -> t.isBefore(Instant.parse("2026-12-01T21:00:00Z")))
              .count();

      // Polling every 10 seconds would observe some 8,000 times in those 23 hours; the run turns
      // hourly (so that controls given meanwhile apply within the hour).
      assertThat(whileClosed).isLessThanOrEqualTo(24);
      assertThat(beforeFirstOpening).isLessThanOrEqualTo(24);
      assertThat(run.cluster.at).contains(WEDNESDAY_OPENS);
    }

    @Test
    void estimatedTheFinishInThePlanWithTheWindows() {
      Instant estimate = run.plan.estimatedFinish(START);

      // 20 minutes a node: two on Tuesday from 21:00Z, the second past the end; the third on
      // Wednesday. The run itself took about as long.
      assertThat(estimate).isEqualTo(WEDNESDAY_OPENS.plus(Duration.ofMinutes(20)));
      assertThat(run.completed().values().stream().max(Instant::compareTo).orElseThrow())
          .isBetween(
              WEDNESDAY_OPENS.plus(Duration.ofMinutes(10)), estimate.plus(Duration.ofMinutes(10)));
      assertThat(run.plan.toText())
          .contains("estimated finish 2026-12-02T22:20+01:00[Europe/Berlin]")
          .contains("next opens 2026-12-01T22:00+01:00[Europe/Berlin]");
    }
  }

  @Nested
  class ControlsWhileWaitingForAWindow {

    @Test
    void aPauseGivenWhileTheRunWaitsForAWindowTakesEffectWithinTheHourBeforeAnythingStarts() {
      FakeCluster fake = cluster();
      UpgradePlan plan =
          UpgradePlanner.create(fake.clock())
              .plan(fake, Strategy.inPlace(), WIN2022, policy().windows(EVENINGS).build());
      List<UpgradeEvent> events = new ArrayList<>();
      io.upkeep.UpgradeRun run =
          UpgradeExecutor.builder()
              .cluster(fake)
              .host(fake)
              .time(fake.clock())
              .listener(events::add)
              .build()
              .start(plan);
      // Wednesday 09:00Z: nothing in flight, the run waiting until 21:00Z, turning hourly.
      Instant freeze = Instant.parse("2026-12-02T09:00:00Z");
      fake.clock().schedule(Duration.between(START, freeze), () -> run.pause("change freeze"));

      RunReport paused = run.execute();

      assertThat(paused.status()).isEqualTo(RunStatus.PAUSED);
      assertThat(paused.upgraded()).hasSize(2);
      assertThat(paused.reason()).isEqualTo("change freeze");
      assertThat(fake.clock().now()).isBetween(freeze, freeze.plus(Duration.ofHours(1)));
      assertThat(events)
          .filteredOn(UpgradeEvent.UnitStarted.class::isInstance)
          .hasSize(2)
          .allMatch(e -> e.at().isBefore(TUESDAY_CLOSES));

      run.resume();
      RunReport done = run.execute();

      assertThat(done.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(done.upgraded()).hasSize(3);
    }
  }

  @Nested
  class WithoutWindows {

    @Test
    void startsAtOnceAndRunsThroughAsBefore() {
      Run run = new Run(policy().build());

      assertThat(run.report.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(run.started().values().stream().min(Instant::compareTo)).contains(START);
      assertThat(run.events(UpgradeEvent.RunBlocked.class)).isEmpty();
    }

    /**
     * Negative control: the checks above must be able to fail. A run whose policy has no windows
     * starts nodes outside the evenings; the same check, told of the evenings, catches every one.
     */
    @Test
    void theWindowCheckCatchesARunThatStartsNodesOutsideTheWindows() {
      Run ignoresTheWindows = new Run(policy().build());

      assertThat(startsOutside(List.of(EVENINGS), ignoresTheWindows))
          .hasSize(3)
          .allMatch(s -> s.contains(" at 2026-12-01T20:"));
    }
  }
}
