package io.upkeep.octopus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upkeep.Action;
import io.upkeep.HookPoint;
import io.upkeep.PlanStep;
import io.upkeep.RunStatus;
import io.upkeep.TaskCap;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.spi.OperationStatus;
import io.upkeep.testkit.FakeCluster;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seed 000's "pick a time with minimal deployments" over real HTTP: the wait for a quiet queue
 * before the trial, against the fake Octopus Server's task queue.
 */
@Timeout(60)
class OctopusQuietQueueTest {

  Octopus octopus;

  @AfterEach
  void close() {
    if (octopus != null) {
      octopus.close();
    }
  }

  @Test
  void itWaitsWhileTasksRunAndIsDoneOnceTheyFinished() {
    octopus =
        new Octopus(
            FakeCluster.builder()
                .nodes(
                    "octo",
                    2,
                    n ->
                        n.role("octopus-node")
                            .platform(Octopus.WIN2019)
                            .taskCap(5)
                            .runningTask(Duration.ofMinutes(2))
                            .runningTask(Duration.ofMinutes(6)))
                .build());
    OctopusQuietQueue quiet = octopus.port.quietQueue(1);

    OperationStatus busy = quiet.run("r", Octopus.id("octo-1"));
    octopus.cluster.clock().sleep(Duration.ofMinutes(3));
    OperationStatus stillBusy = quiet.run("r", Octopus.id("octo-1"));
    octopus.cluster.clock().sleep(Duration.ofMinutes(4));
    OperationStatus done = quiet.run("r", Octopus.id("octo-1"));

    assertThat(busy.state()).isEqualTo(OperationStatus.State.RUNNING);
    assertThat(busy.detail())
        .isEqualTo("4 task(s) queued or running, waiting for at most 1 before the trial");
    assertThat(stillBusy.detail()).startsWith("2 task(s)");
    assertThat(done.state()).isEqualTo(OperationStatus.State.SUCCEEDED);
    assertThat(done.detail()).isEqualTo("0 task(s) queued or running, at most 1: quiet enough");
  }

  @Test
  void aNegativeLimitAndAHookAddedTwiceAreRefused() {
    octopus = new Octopus(Octopus.cluster(2));
    assertThatThrownBy(() -> octopus.port.quietQueue(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxTasks")
        .hasMessageContaining("0 or more, got -1");
    OctopusProcedure once =
        OctopusProcedures.highAvailabilityHostUpgrade(octopus.port)
            .withHook(octopus.port.quietQueue(2), HookPoint.BEFORE_TRIAL);
    assertThatThrownBy(() -> once.withHook(octopus.port.quietQueue(3), HookPoint.BEFORE_TRIAL))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "ha-host-upgrade has a hook named 'octopus-quiet-queue' already: add each hook once");
  }

  @Test
  void theHostUpgradeWaitsForItBeforeTheTrialsFirstCapChange() {
    octopus = new Octopus(Octopus.cluster(3));

    Octopus.Rehearsal r =
        octopus.rehearse(
            OctopusProcedures.highAvailabilityHostUpgrade(octopus.port)
                .withHook(octopus.port.quietQueue(100), HookPoint.BEFORE_TRIAL),
            OctopusProceduresTest.WIN2022_NET8,
            true);

    assertThat(r.report().status()).as(r.report().summary()).isEqualTo(RunStatus.SUCCEEDED);
    List<PlanStep> steps = r.plan().steps();
    int hook = r.onlyStepOf(OctopusQuietQueue.NAME);
    assertThat(steps.get(hook).node().value()).as("on the new node").endsWith("-next");
    assertThat(steps.get(hook + 1).action())
        .as("before the first cap change of the exclusive trial")
        .isEqualTo(new Action.SetTaskCap(TaskCap.ZERO));
    assertThat(steps.get(hook - 1).action()).isNotInstanceOf(Action.SetTaskCap.class);
    assertThat(r.events(UpgradeEvent.StepCompleted.class))
        .filteredOn(e -> e.step().action() instanceof Action.RunHook)
        .singleElement()
        .satisfies(e -> assertThat(e.detail()).endsWith("at most 100: quiet enough"));
    r.monitor().assertRestored();
  }

  @Test
  void aQueueThatNeverQuietsFailsTheCanaryAtTheOperationDeadlineBeforeTheTrialTouchesACap() {
    octopus = new Octopus(Octopus.cluster(3));

    Octopus.Rehearsal r =
        octopus.rehearse(
            OctopusProcedures.highAvailabilityHostUpgrade(octopus.port)
                .withHook(octopus.port.quietQueue(0), HookPoint.BEFORE_TRIAL)
                .withPolicy(b -> b.operationDeadline(Duration.ofMinutes(30))),
            OctopusProceduresTest.WIN2022_NET8,
            true);

    assertThat(r.report().status()).as(r.report().summary()).isEqualTo(RunStatus.FAILED);
    UpgradeEvent.StepFailed failed = r.events(UpgradeEvent.StepFailed.class).get(0);
    assertThat(failed.step().action()).isInstanceOf(Action.RunHook.class);
    assertThat(failed.reason()).contains("operation deadline").contains("waiting for at most 0");
    assertThat(r.events(UpgradeEvent.StepStarted.class))
        .as("no trial cap was changed")
        .noneMatch(e -> e.step().reason().startsWith("trial:"));
    r.monitor().assertRestored();
  }
}
