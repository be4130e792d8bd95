package io.upkeep.testkit.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upkeep.Budget;
import io.upkeep.Node;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.RunReport;
import io.upkeep.RunState;
import io.upkeep.Strategy;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeRun;
import io.upkeep.UpgradeTarget;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.InvariantMonitor;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Property 6: a crash of the process at any step, then a resume from the last saved {@link
 * RunState}, ends in the same state as no crash, and no host operation is done twice.
 */
class CrashResumeTest {

  /** Stands for the process dying: thrown from a listener, it unwinds out of execute(). */
  static final class SimulatedCrash extends Error {
    SimulatedCrash() {
      super("simulated crash", null, false, false);
    }
  }

  static final Platform FROM = Platform.of("Windows Server 2019", ".NET 6.0", "2024.1.0");

  static FakeCluster cluster() {
    return FakeCluster.builder()
        .seed(5)
        .nodes(
            "octo",
            6,
            n ->
                n.role("octopus-node").platform(FROM).taskCap(5).runningTask(Duration.ofMinutes(4)))
        .workload(Duration.ofMinutes(1), Duration.ofMinutes(3))
        .build();
  }

  static UpgradePlan plan(FakeCluster c, Strategy strategy) {
    return UpgradePlanner.create(c.clock())
        .plan(
            c,
            strategy,
            UpgradeTarget.os("Windows Server 2022"),
            Policy.builder()
                .drainDeadline(Duration.ofMinutes(30))
                .budget(Budget.ofNodes(2))
                .trafficRamp(50, 100)
                .build());
  }

  static UpgradeExecutor.Builder executor(FakeCluster c) {
    return UpgradeExecutor.builder().cluster(c).host(c).traffic(c).time(c.clock());
  }

  /**
   * What matters of the end state: every member's platform, cap, drain, health, and every host's
   * fate.
   */
  static Map<String, String> endState(FakeCluster c) {
    Map<String, String> out = new TreeMap<>();
    for (Node n : c.observe().nodes()) {
      out.put(
          n.id().value(),
          n.platform()
              + " cap "
              + n.taskCap()
              + " "
              + n.drainState()
              + " "
              + n.health()
              + " weight "
              + c.weight(n.id()));
    }
    return out;
  }

  static Map<String, Long> hostOperations(FakeCluster c) {
    return c.events().stream()
        .filter(
            e ->
                e instanceof ClusterEvent.Upgraded
                    || e instanceof ClusterEvent.Provisioned
                    || e instanceof ClusterEvent.Decommissioned
                    || e instanceof ClusterEvent.SnapshotTaken
                    || e instanceof ClusterEvent.ServiceStopped)
        .collect(
            Collectors.groupingBy(
                e -> e.getClass().getSimpleName() + " " + ((ClusterEvent.NodeEvent) e).node(),
                TreeMap::new,
                Collectors.counting()));
  }

  @ParameterizedTest(name = "crash {0}% into the run")
  @ValueSource(ints = {0, 1, 5, 10, 25, 40, 50, 65, 80, 95, 99})
  void resumingAnInPlaceRunAfterACrashEndsAsIfNothingHappened(int percent) {
    crashAndResume(Strategy.inPlace(), percent);
  }

  @ParameterizedTest(name = "crash {0}% into the run")
  @ValueSource(ints = {0, 3, 15, 30, 45, 60, 75, 90, 99})
  void resumingARollingReplacementAfterACrashEndsAsIfNothingHappened(int percent) {
    crashAndResume(Strategy.rollingReplace(), percent);
  }

  private void crashAndResume(Strategy strategy, int percent) {
    FakeCluster reference = cluster();
    AtomicInteger events = new AtomicInteger();
    RunReport clean =
        executor(reference)
            .listener(e -> events.incrementAndGet())
            .build()
            .start(plan(reference, strategy))
            .execute();
    assertThat(clean.succeeded()).as(clean.summary()).isTrue();
    int crashAt = Math.max(1, events.get() * percent / 100);

    FakeCluster crashed = cluster();
    UpgradePlan plan = plan(crashed, strategy);
    InvariantMonitor monitor = InvariantMonitor.watch(crashed, plan);
    AtomicInteger seen = new AtomicInteger();
    String[] journal = new String[1];
    UpgradeRun[] first = new UpgradeRun[1];
    first[0] =
        executor(crashed)
            .listener(
                e -> {
                  journal[0] =
                      first[0].state().toJson(); // what a journal would hold after this event
                  if (seen.incrementAndGet() == crashAt) {
                    throw new SimulatedCrash();
                  }
                })
            .build()
            .start(plan);
    assertThatThrownBy(() -> first[0].execute()).isInstanceOf(SimulatedCrash.class);

    // A new process: read the plan and the state back from their JSON and carry on.
    UpgradePlan planAgain = UpgradePlan.fromJson(plan.toJson());
    RunReport resumed =
        executor(crashed).build().resume(planAgain, RunState.fromJson(journal[0])).execute();

    assertThat(resumed.succeeded()).as(resumed.summary()).isTrue();
    monitor.assertRestored();
    assertThat(endState(crashed)).isEqualTo(endState(reference));
    assertThat(hostOperations(crashed)).isEqualTo(hostOperations(reference));
    assertThat(hostOperations(crashed).values()).allMatch(count -> count == 1L);
  }
}
