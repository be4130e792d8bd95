package io.upkeep.testkit.scenarios;

import static io.upkeep.testkit.scenarios.SafetyPropertiesTest.PATCHES;
import static io.upkeep.testkit.scenarios.SafetyPropertiesTest.WIN2019;
import static io.upkeep.testkit.scenarios.SafetyPropertiesTest.policy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upkeep.Action;
import io.upkeep.HookPoint;
import io.upkeep.NodeId;
import io.upkeep.RunReport;
import io.upkeep.RunState;
import io.upkeep.RunStatus;
import io.upkeep.Strategy;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeRun;
import io.upkeep.UpkeepException;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.spi.NodeHook;
import io.upkeep.spi.OperationStatus;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.InvariantMonitor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/** Node hooks: named steps of the plan that the executor runs by name, like health probes. */
class NodeHooksTest {

  /** A hook that records its calls and answers with {@code answer}. */
  static final class Recording implements NodeHook {
    final String name;
    final List<String> calls = new ArrayList<>();
    final BiFunction<String, NodeId, OperationStatus> answer;

    Recording(String name, BiFunction<String, NodeId, OperationStatus> answer) {
      this.name = name;
      this.answer = answer;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public OperationStatus run(String requestId, NodeId node) {
      calls.add(node + " " + requestId);
      return answer.apply(requestId, node);
    }
  }

  static FakeCluster octopus(int nodes) {
    return FakeCluster.builder()
        .nodes("octo", nodes, n -> n.role("octopus-node").platform(WIN2019).taskCap(5))
        .build();
  }

  @Test
  void aHookRunsAtItsPointForEveryUnitWithARequestIdOfItsOwn() {
    FakeCluster cluster = octopus(2);
    List<Boolean> serviceRanAtCall = new ArrayList<>();
    Recording quiesce =
        new Recording(
            "quiesce",
            (r, n) -> {
              serviceRanAtCall.add(cluster.host(n).serviceRunning());
              return OperationStatus.succeeded();
            });
    UpgradePlan plan =
        UpgradePlanner.create(cluster.clock())
            .plan(
                cluster,
                Strategy.inPlace(),
                PATCHES,
                policy().canaries(0).hook("quiesce", HookPoint.BEFORE_STOP).build());
    InvariantMonitor monitor = InvariantMonitor.watch(cluster, plan);

    RunReport report =
        UpgradeExecutor.builder()
            .cluster(cluster)
            .host(cluster)
            .time(cluster.clock())
            .hook(quiesce)
            .build()
            .start(plan)
            .execute();

    assertThat(report.status()).as(report.summary()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(quiesce.calls).hasSize(2).allMatch(c -> c.contains("RunHook"));
    assertThat(quiesce.calls.stream().map(c -> c.split(" ")[1]).distinct())
        .as("a request id per step")
        .hasSize(2);
    assertThat(serviceRanAtCall)
        .as("each call came before its node's stop")
        .containsExactly(true, true);
    monitor.assertRestored();
  }

  @Test
  void aPlanThatNamesAHookTheExecutorLacksIsRefusedAtStartNamingIt() {
    FakeCluster cluster = octopus(2);
    UpgradePlan plan =
        UpgradePlanner.create(cluster.clock())
            .plan(
                cluster,
                Strategy.inPlace(),
                PATCHES,
                policy().hook("ticket", HookPoint.BEFORE_UNIT).build());
    int before = cluster.events().size();

    assertThatThrownBy(
            () ->
                UpgradeExecutor.builder()
                    .cluster(cluster)
                    .host(cluster)
                    .time(cluster.clock())
                    .build()
                    .start(plan))
        .isInstanceOf(UpkeepException.class)
        .hasMessageContaining(
            "the policy runs hook 'ticket' but no hook of that name is registered");
    assertThat(cluster.events()).hasSize(before);
  }

  @Test
  void aHookWithATimeoutThatNeverFinishesFailsItsUnitAtThatTimeoutNotTheOperationDeadline() {
    FakeCluster cluster = octopus(3);
    Recording smoke = new Recording("smoke", (r, n) -> OperationStatus.running());
    UpgradePlan plan =
        UpgradePlanner.create(cluster.clock())
            .plan(
                cluster,
                Strategy.inPlace(),
                PATCHES,
                policy()
                    .canaries(0)
                    .hook("smoke", HookPoint.AFTER_VERIFY, java.time.Duration.ofMinutes(5))
                    .build());
    InvariantMonitor monitor = InvariantMonitor.watch(cluster, plan);
    List<UpgradeEvent> events = new ArrayList<>();

    RunReport report =
        UpgradeExecutor.builder()
            .cluster(cluster)
            .host(cluster)
            .time(cluster.clock())
            .hook(smoke)
            .listener(events::add)
            .build()
            .start(plan)
            .execute();

    assertThat(plan.steps())
        .filteredOn(st -> st.action() instanceof Action.RunHook)
        .allSatisfy(
            st ->
                assertThat(st.action().describe())
                    .isEqualTo("run hook 'smoke' (after verify, within 5m 00s)"));
    assertThat(report.status()).as(report.summary()).isEqualTo(RunStatus.FAILED);
    UpgradeEvent.StepStarted started =
        events.stream()
            .filter(
                e ->
                    e instanceof UpgradeEvent.StepStarted s
                        && s.step().action() instanceof Action.RunHook)
            .map(UpgradeEvent.StepStarted.class::cast)
            .findFirst()
            .orElseThrow();
    UpgradeEvent.StepFailed failed =
        events.stream()
            .filter(UpgradeEvent.StepFailed.class::isInstance)
            .map(UpgradeEvent.StepFailed.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(failed.reason())
        .contains("did not finish within its timeout of 5m 00s")
        .endsWith("give it longer in Policy.Builder.hook");
    assertThat(java.time.Duration.between(started.at(), failed.at()))
        .isBetween(
            java.time.Duration.ofMinutes(5),
            java.time.Duration.ofMinutes(5).plus(policy().build().pollInterval()));
    monitor.assertRestored();
    assertThatThrownBy(
            () -> policy().hook("smoke", HookPoint.AFTER_VERIFY, java.time.Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the timeout of hook 'smoke' must be longer than zero, got PT0S");
  }

  @Test
  void aFailingHookFailsItsUnitWhichIsRestored() {
    FakeCluster cluster = octopus(3);
    Recording smoke =
        new Recording("smoke", (r, n) -> OperationStatus.failed("the smoke test found no API"));
    UpgradePlan plan =
        UpgradePlanner.create(cluster.clock())
            .plan(
                cluster,
                Strategy.inPlace(),
                PATCHES,
                policy().canaries(0).hook("smoke", HookPoint.AFTER_VERIFY).build());
    InvariantMonitor monitor = InvariantMonitor.watch(cluster, plan);

    RunReport report =
        UpgradeExecutor.builder()
            .cluster(cluster)
            .host(cluster)
            .time(cluster.clock())
            .hook(smoke)
            .build()
            .start(plan)
            .execute();

    assertThat(report.status()).isEqualTo(RunStatus.FAILED);
    assertThat(report.restored()).hasSize(1);
    assertThat(report.failed().values())
        .singleElement()
        .asString()
        .contains("hook 'smoke' failed")
        .contains("the smoke test found no API");
    monitor.assertRestored();
  }

  @Test
  void aHookThatNeverFinishesFailsAtTheOperationDeadlineWithItsLastWord() {
    FakeCluster cluster = octopus(2);
    Recording ticket =
        new Recording(
            "ticket",
            (r, n) ->
                new OperationStatus(OperationStatus.State.RUNNING, "waiting for the change board"));
    UpgradePlan plan =
        UpgradePlanner.create(cluster.clock())
            .plan(
                cluster,
                Strategy.inPlace(),
                PATCHES,
                policy()
                    .canaries(0)
                    .operationDeadline(Duration.ofHours(1))
                    .hook("ticket", HookPoint.BEFORE_UNIT)
                    .build());

    RunReport report =
        UpgradeExecutor.builder()
            .cluster(cluster)
            .host(cluster)
            .time(cluster.clock())
            .hook(ticket)
            .build()
            .start(plan)
            .execute();

    assertThat(report.status()).isEqualTo(RunStatus.FAILED);
    assertThat(report.failed().values())
        .singleElement()
        .asString()
        .contains("hook 'ticket'")
        .contains("operation deadline of 1h")
        .contains("waiting for the change board");
    assertThat(report.duration()).isLessThan(Duration.ofHours(2));
  }

  @Test
  void aRunResumedAfterACrashAsksAHookInFlightAgainWithTheSameRequestId() {
    FakeCluster cluster = octopus(2);
    Recording slow =
        new Recording(
            "slow",
            (r, n) ->
                cluster.clock().elapsed().compareTo(Duration.ofMinutes(5)) < 0
                    ? OperationStatus.running()
                    : OperationStatus.succeeded());
    UpgradePlan plan =
        UpgradePlanner.create(cluster.clock())
            .plan(
                cluster,
                Strategy.inPlace(),
                PATCHES,
                policy().canaries(0).hook("slow", HookPoint.BEFORE_UNIT).build());
    String[] journal = new String[1];
    UpgradeRun[] first = new UpgradeRun[1];
    first[0] =
        executor(cluster, slow)
            .listener(
                e -> {
                  journal[0] = first[0].state().toJson();
                  if (e instanceof UpgradeEvent.StepStarted s
                      && s.step().action() instanceof Action.RunHook) {
                    throw new CrashResumeTest.SimulatedCrash();
                  }
                })
            .build()
            .start(plan);
    assertThatThrownBy(() -> first[0].execute()).isInstanceOf(CrashResumeTest.SimulatedCrash.class);

    RunReport report =
        executor(cluster, slow).build().resume(plan, RunState.fromJson(journal[0])).execute();

    assertThat(report.status()).as(report.summary()).isEqualTo(RunStatus.SUCCEEDED);
    List<String> ids =
        slow.calls.stream()
            .filter(c -> c.startsWith("octo-1 "))
            .map(c -> c.split(" ")[1])
            .distinct()
            .toList();
    assertThat(ids)
        .as("one request id for octo-1's hook step, before and after the crash")
        .hasSize(1);
    assertThat(slow.calls).as("asked again after the resume").hasSizeGreaterThan(2);
  }

  static UpgradeExecutor.Builder executor(FakeCluster cluster, NodeHook hook) {
    return UpgradeExecutor.builder()
        .cluster(cluster)
        .host(cluster)
        .time(cluster.clock())
        .hook(hook);
  }
}
