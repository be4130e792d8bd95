package io.upkeep.octopus;

import static io.upkeep.octopus.Octopus.id;
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
import io.upkeep.testkit.http.RecordedRequest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seed 000's active trial over real HTTP: the health check is queued on the fake Octopus Server
 * while only the new node takes tasks, and must run there and pass.
 */
@Timeout(60)
class OctopusTrialHealthCheckTest {

  Octopus octopus;

  @AfterEach
  void close() {
    if (octopus != null) {
      octopus.close();
    }
  }

  Octopus idle(int nodes) {
    octopus =
        new Octopus(
            FakeCluster.builder()
                .seed(2)
                .nodes(
                    "octo", nodes, n -> n.role("octopus-node").platform(Octopus.WIN2019).taskCap(5))
                .build());
    return octopus;
  }

  List<RecordedRequest> queued() {
    return octopus.server.requests().stream()
        .filter(r -> r.method().equals("POST") && r.path().endsWith("/tasks"))
        .toList();
  }

  OctopusTrialHealthCheck check() {
    return octopus.port.trialHealthCheck("Spaces-1", "Environments-1");
  }

  @Test
  void itQueuesOneHealthCheckPerRequestIdAndPassesWhenItRanOnTheNodeAndSucceeded() {
    idle(2);
    octopus.port.setTaskCap(id("octo-2"), TaskCap.ZERO);

    OperationStatus first = check().run("run-1-octo-1#9", id("octo-1"));
    OperationStatus again = check().run("run-1-octo-1#9", id("octo-1"));
    octopus.cluster.clock().sleep(Duration.ofMinutes(2));
    OperationStatus done = check().run("run-1-octo-1#9", id("octo-1"));

    assertThat(first.state()).isEqualTo(OperationStatus.State.RUNNING);
    assertThat(first.detail()).startsWith("queued health check ServerTasks-");
    assertThat(again.state()).isEqualTo(OperationStatus.State.RUNNING);
    assertThat(done.state()).as(done.detail()).isEqualTo(OperationStatus.State.SUCCEEDED);
    assertThat(done.detail()).endsWith("ran on octo-1 and passed");
    assertThat(queued())
        .as("one task, found again by its request id by every later call, even of a new hook")
        .hasSize(1)
        .allSatisfy(
            r -> {
              assertThat(r.path()).isEqualTo("/api/Spaces-1/tasks");
              assertThat(r.body())
                  .contains("\"Name\":\"Health\"")
                  .contains("\"EnvironmentId\":\"Environments-1\"")
                  .contains("[upkeep run-1-octo-1#9]");
            });
  }

  @Test
  void aHealthCheckThatRanOnAnotherNodeFailsTheStepSayingTheTrialWasNotExclusive() {
    idle(2);
    octopus.port.setTaskCap(id("octo-2"), TaskCap.ZERO);
    check().run("r-2", id("octo-2"));
    octopus.cluster.clock().sleep(Duration.ofMinutes(2));

    OperationStatus s = check().run("r-2", id("octo-2"));

    assertThat(s.state()).isEqualTo(OperationStatus.State.FAILED);
    assertThat(s.detail())
        .contains("ran on " + octopus.server.nodeId("octo-1") + ", not on octo-2")
        .endsWith("the trial must leave every other node at task cap 0");
  }

  @Test
  void aHealthCheckThatFailedFailsTheStepWithOctopussMessage() {
    idle(1);
    octopus.server.failNextTasks("octo-1", 1);
    check().run("r-3", id("octo-1"));
    octopus.cluster.clock().sleep(Duration.ofMinutes(2));

    OperationStatus s = check().run("r-3", id("octo-1"));

    assertThat(s.state()).isEqualTo(OperationStatus.State.FAILED);
    assertThat(s.detail()).contains("ended Failed: The task failed");
  }

  @Test
  void blankIdsAreRefusedNamingTheSettingAndAnExample() {
    idle(1);
    assertThatThrownBy(() -> octopus.port.trialHealthCheck(" ", "Environments-1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("spaceId must name an Octopus id, such as Spaces-1, not be blank");
    assertThatThrownBy(() -> octopus.port.trialHealthCheck("Spaces-1", ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("environmentId");
  }

  @Test
  void theHostUpgradeRunsItInTheTrialBeforeItsSoakAndItRanOnTheNewNode() {
    octopus = new Octopus(Octopus.cluster(3));
    OctopusTrialHealthCheck trial = check();

    Octopus.Rehearsal r =
        octopus.rehearse(
            OctopusProcedures.highAvailabilityHostUpgrade(octopus.port, trial),
            OctopusProceduresTest.WIN2022_NET8,
            true);

    assertThat(r.report().status()).as(r.report().summary()).isEqualTo(RunStatus.SUCCEEDED);
    List<PlanStep> steps = r.plan().steps();
    int hook = r.onlyStepOf(OctopusTrialHealthCheck.NAME);
    assertThat(((Action.RunHook) steps.get(hook).action()).point())
        .isEqualTo(HookPoint.DURING_TRIAL);
    assertThat(steps.get(hook - 1).action())
        .as("after the new node's trial cap")
        .isEqualTo(new Action.SetTaskCap(TaskCap.of(OctopusProcedures.TRIAL_TASK_CAP)));
    assertThat(steps.get(hook + 1).action()).isInstanceOf(Action.Soak.class);
    String node = steps.get(hook).node().value();
    assertThat(r.events(UpgradeEvent.StepCompleted.class))
        .filteredOn(e -> e.step().action() instanceof Action.RunHook)
        .singleElement()
        .satisfies(e -> assertThat(e.detail()).endsWith("ran on " + node + " and passed"));
    assertThat(queued()).hasSize(1);
    r.monitor().assertRestored();
  }

  @Test
  void aTrialWhoseHealthCheckFailsFailsTheCanaryWhichIsRestored() {
    octopus = new Octopus(Octopus.cluster(3));
    for (String old : List.of("octo-1", "octo-2", "octo-3")) {
      octopus.server.failNextTasks(old + "-next", 1);
    }

    Octopus.Rehearsal r =
        octopus.rehearse(
            OctopusProcedures.highAvailabilityHostUpgrade(octopus.port, check()),
            OctopusProceduresTest.WIN2022_NET8,
            true);

    assertThat(r.report().status()).as(r.report().summary()).isEqualTo(RunStatus.FAILED);
    assertThat(r.events(UpgradeEvent.StepFailed.class).get(0).reason())
        .contains("health check")
        .contains("ended Failed");
    assertThat(r.events(UpgradeEvent.UnitRestored.class)).hasSize(1);
    r.monitor().assertRestored();
  }
}
