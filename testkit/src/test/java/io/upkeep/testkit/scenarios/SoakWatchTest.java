package io.upkeep.testkit.scenarios;

import static io.upkeep.testkit.scenarios.SafetyPropertiesTest.PATCHES;
import static io.upkeep.testkit.scenarios.SafetyPropertiesTest.WIN2019;
import static io.upkeep.testkit.scenarios.SafetyPropertiesTest.policy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upkeep.Action;
import io.upkeep.Node;
import io.upkeep.PlanStep;
import io.upkeep.Policy;
import io.upkeep.RunReport;
import io.upkeep.RunStatus;
import io.upkeep.Strategy;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.spi.HealthProbe;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.InvariantMonitor;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 10's gates that keep watching: during a soak the unit's health probes are checked again at
 * every poll, and a probe that fails during the soak fails the unit, which is restored.
 */
class SoakWatchTest {

  static final Duration SOAK = Duration.ofHours(2);

  /**
   * A probe that passes until a soak it watches has lasted {@code failAfter} (never, if null), then
   * fails; records each watch.
   */
  static final class Watched implements HealthProbe {
    final FakeCluster cluster;
    final Duration failAfter;
    final List<Instant> watchedSince = new ArrayList<>();
    final List<Instant> watchedAt = new ArrayList<>();

    Watched(FakeCluster cluster, Duration failAfter) {
      this.cluster = cluster;
      this.failAfter = failAfter;
    }

    boolean failing() {
      return failAfter != null
          && !watchedSince.isEmpty()
          && !cluster.clock().now().isBefore(watchedSince.get(0).plus(failAfter));
    }

    @Override
    public String name() {
      return "smoke";
    }

    @Override
    public ProbeResult check(Node node) {
      return failing()
          ? ProbeResult.fail("the UI answers 500")
          : ProbeResult.pass("the UI answers");
    }

    @Override
    public ProbeResult watch(Node node, Instant since) {
      watchedSince.add(since);
      watchedAt.add(cluster.clock().now());
      return check(node);
    }
  }

  record Outcome(RunReport report, UpgradePlan plan, List<UpgradeEvent> events) {}

  static Outcome run(FakeCluster cluster, HealthProbe probe) {
    UpgradePlan plan =
        UpgradePlanner.create(cluster.clock())
            .plan(
                cluster,
                Strategy.inPlace(),
                PATCHES,
                policy().canaries(1).canarySoak(SOAK).probes("smoke").build());
    InvariantMonitor monitor = InvariantMonitor.watch(cluster, plan);
    List<UpgradeEvent> events = new ArrayList<>();
    RunReport report =
        UpgradeExecutor.builder()
            .cluster(cluster)
            .host(cluster)
            .time(cluster.clock())
            .probe(probe)
            .listener(events::add)
            .build()
            .start(plan)
            .execute();
    monitor.assertRestored();
    return new Outcome(report, plan, events);
  }

  static FakeCluster octopus() {
    return FakeCluster.builder()
        .nodes("octo", 3, n -> n.role("octopus-node").platform(WIN2019).taskCap(5))
        .build();
  }

  @Test
  void theCanarySoakShowsTheProbesItWatchesInThePlan() {
    Outcome o = run(octopus(), new Watched(octopus(), null));

    PlanStep soak =
        o.plan().steps().stream()
            .filter(s -> s.action() instanceof Action.Soak)
            .findFirst()
            .orElseThrow();
    assertThat(((Action.Soak) soak.action()).probes()).containsExactly("smoke");
    assertThat(soak.action().describe()).isEqualTo("soak for 2h 00m while healthy, watching smoke");
  }

  @Test
  void aProbeThatKeepsPassingIsWatchedEveryIntervalOfTheSoakFromItsStartToItsEnd() {
    FakeCluster cluster = octopus();
    Watched probe = new Watched(cluster, null);

    Outcome o = run(cluster, probe);

    assertThat(o.report().status()).as(o.report().summary()).isEqualTo(RunStatus.SUCCEEDED);
    Instant soakStart = probe.watchedSince.get(0);
    assertThat(probe.watchedSince).as("one soak, watched from its start").containsOnly(soakStart);
    Duration every = Policy.DEFAULT_SOAK_WATCH_INTERVAL;
    List<Instant> expected = new ArrayList<>();
    for (Instant t = soakStart; !t.isAfter(soakStart.plus(SOAK)); t = t.plus(every)) {
      expected.add(t);
    }
    assertThat(probe.watchedAt)
        .as("a check every %s, however often the run looked at the unit", every)
        .isEqualTo(expected);
  }

  @Test
  void theWatchIntervalIsAPolicySettingThatRefusesNothingLong() {
    assertThat(policy().soakWatchInterval(Duration.ofMinutes(5)).build().soakWatchInterval())
        .isEqualTo(Duration.ofMinutes(5));
    assertThatThrownBy(() -> policy().soakWatchInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("soakWatchInterval");
  }

  @Test
  void aProbeThatFailsHalfwayThroughTheSoakFailsTheCanaryWhichIsRestored() {
    FakeCluster cluster = octopus();
    // It passes the one-shot verification and the first hour of the soak, then fails: a check made
    // only once, before the soak, would never see it.
    Watched probe = new Watched(cluster, Duration.ofHours(1));

    Outcome o = run(cluster, probe);

    assertThat(o.report().status()).as(o.report().summary()).isEqualTo(RunStatus.FAILED);
    Instant breaks = probe.watchedSince.get(0).plus(Duration.ofHours(1));
    assertThat(o.events())
        .filteredOn(UpgradeEvent.StepFailed.class::isInstance)
        .map(UpgradeEvent.StepFailed.class::cast)
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.step().action()).isInstanceOf(Action.Soak.class);
              assertThat(f.reason())
                  .contains("probe smoke failed during the soak, after 1h 00m")
                  .contains("the UI answers 500");
              assertThat(f.at()).isEqualTo(breaks);
            });
    assertThat(o.events()).filteredOn(UpgradeEvent.UnitRestored.class::isInstance).hasSize(1);
    assertThat(o.events())
        .as("no other node started")
        .filteredOn(UpgradeEvent.UnitStarted.class::isInstance)
        .hasSize(1);
  }
}
