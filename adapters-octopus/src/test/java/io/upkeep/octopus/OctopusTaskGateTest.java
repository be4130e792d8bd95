package io.upkeep.octopus;

import static io.upkeep.octopus.Octopus.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upkeep.Action;
import io.upkeep.Node;
import io.upkeep.PlanStep;
import io.upkeep.RunStatus;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.spi.HealthProbe.ProbeResult;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.http.RecordedRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seed 000's "keep an eye out for any failures" over real HTTP: the gate reads the fake Octopus
 * Server's task listing and fails a node whose tasks fail more than the others', and the HA host
 * upgrade watches it during every soak of the new node.
 */
@Timeout(60)
class OctopusTaskGateTest {

  Octopus octopus;

  @AfterEach
  void close() {
    if (octopus != null) {
      octopus.close();
    }
  }

  /** Two nodes at cap 5, with work arriving every 20 s to 1 min, each task 1 to 3 minutes. */
  Octopus busy(int nodes) {
    octopus =
        new Octopus(
            FakeCluster.builder()
                .seed(3)
                .nodes(
                    "octo", nodes, n -> n.role("octopus-node").platform(Octopus.WIN2019).taskCap(5))
                .workload(Duration.ofSeconds(20), Duration.ofMinutes(1))
                .build());
    return octopus;
  }

  Node node(String name) {
    return octopus.port.observe().find(id(name)).orElseThrow();
  }

  @Test
  void aNodeWhoseTasksFailWhileTheOthersSucceedFailsTheGateAndTheOthersPass() {
    busy(2);
    OctopusTaskGate gate = octopus.port.taskGate(0);
    Instant since = octopus.cluster.clock().now();
    octopus.server.failNextTasks("octo-1", 2);

    octopus.cluster.clock().sleep(Duration.ofMinutes(30));

    ProbeResult one = gate.watch(node("octo-1"), since);
    assertThat(one.passed()).as(one.detail()).isFalse();
    assertThat(one.detail())
        .startsWith("octo-1: 2 of ")
        .contains("failed or timed out since " + since + " (30m 00s), the other nodes 0 of ")
        .endsWith("; more than 0 and a larger share than the others: look at its task logs");
    ProbeResult two = gate.watch(node("octo-2"), since);
    assertThat(two.passed()).as(two.detail()).isTrue();
    assertThat(two.detail()).startsWith("octo-2: 0 of ").contains("the other nodes 2 of ");
  }

  @Test
  void failuresThatEveryNodeHasAlikeAreNotBlamedOnOne() {
    busy(2);
    OctopusTaskGate gate = octopus.port.taskGate(0);
    Instant since = octopus.cluster.clock().now();
    octopus.server.failTasks("octo-1", 1.0);
    octopus.server.failTasks("octo-2", 1.0);

    octopus.cluster.clock().sleep(Duration.ofMinutes(30));

    ProbeResult r = gate.watch(node("octo-1"), since);
    assertThat(r.passed()).as(r.detail()).isTrue();
    assertThat(r.detail())
        .matches("octo-1: (\\d+) of \\1 finished .*the other nodes (\\d+) of \\2");
  }

  @Test
  void failuresUpToTheThresholdPassAndTasksBeforeTheWindowDoNotCount() {
    busy(2);
    octopus.server.failNextTasks("octo-1", 3);
    octopus.cluster.clock().sleep(Duration.ofMinutes(30)); // the three fail before the window
    Instant since = octopus.cluster.clock().now();
    octopus.server.failNextTasks("octo-1", 1);

    octopus.cluster.clock().sleep(Duration.ofMinutes(30));

    ProbeResult tolerant = octopus.port.taskGate(1).watch(node("octo-1"), since);
    assertThat(tolerant.passed()).as(tolerant.detail()).isTrue();
    assertThat(tolerant.detail()).startsWith("octo-1: 1 of ");
    assertThat(octopus.port.taskGate(0).watch(node("octo-1"), since).passed()).isFalse();
  }

  @Test
  void itReadsEveryPageOfTheWindowAndNoMore() {
    busy(3);
    Instant since = octopus.cluster.clock().now();
    octopus.cluster.clock().sleep(Duration.ofHours(3)); // hundreds of tasks: several pages
    Node one = node("octo-1");
    int before = octopus.server.requests().size();

    ProbeResult r = octopus.port.taskGate(0).watch(one, since);

    assertThat(r.passed()).as(r.detail()).isTrue();
    long total = octopus.cluster.tasksCompleted();
    Matcher m =
        Pattern.compile("octo-1: 0 of (\\d+) finished .*the other nodes 0 of (\\d+)")
            .matcher(r.detail());
    assertThat(m.matches()).as(r.detail()).isTrue();
    assertThat(Long.parseLong(m.group(1)) + Long.parseLong(m.group(2)))
        .as("every task finished in the window, on one node or another")
        .isEqualTo(total);
    List<RecordedRequest> reads =
        octopus.server.requests().subList(before, octopus.server.requests().size());
    assertThat(reads)
        .hasSize((int) (total / 100) + 1)
        .allSatisfy(q -> assertThat(q.path()).startsWith("/api/tasks"));
  }

  @Test
  void aNegativeThresholdIsRefusedNamingTheSetting() {
    busy(1);
    assertThatThrownBy(() -> octopus.port.taskGate(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxFailures")
        .hasMessageContaining("0 or more, got -1");
  }

  @Test
  void theHostUpgradeWatchesTheGateDuringTheNewNodesSoaksAndFailsTheCanaryWhoseTasksFail() {
    octopus = new Octopus(Octopus.cluster(3));
    for (String old : List.of("octo-1", "octo-2", "octo-3")) {
      octopus.server.failNextTasks(old + "-next", 3);
    }

    Octopus.Rehearsal r =
        octopus.rehearse(
            OctopusProcedures.highAvailabilityHostUpgrade(octopus.port),
            OctopusProceduresTest.WIN2022_NET8,
            true);

    assertThat(r.plan().steps())
        .filteredOn(s -> s.action() instanceof Action.Soak)
        .isNotEmpty()
        .allSatisfy(
            s ->
                assertThat(((Action.Soak) s.action()).probes())
                    .contains(OctopusTaskGate.NAME, OctopusNodeProbe.DIRECT));
    assertThat(r.report().status()).as(r.report().summary()).isEqualTo(RunStatus.FAILED);
    UpgradeEvent.StepFailed failed = r.events(UpgradeEvent.StepFailed.class).get(0);
    PlanStep step = failed.step();
    assertThat(step.action()).isInstanceOf(Action.Soak.class);
    assertThat(failed.reason())
        .contains("probe " + OctopusTaskGate.NAME + " failed during the soak")
        .contains(step.node() + ": ")
        .contains("failed or timed out");
    assertThat(r.events(UpgradeEvent.UnitRestored.class)).hasSize(1);
    assertThat(r.events(UpgradeEvent.UnitStarted.class)).as("only the canary").hasSize(1);
    r.monitor().assertRestored();
  }
}
