package io.upkeep.octopus;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.upkeep.Policy;
import io.upkeep.RunStatus;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.http.RecordedRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 10's Octopus specifics over real HTTP: when a drain's deadline passes and the policy says
 * FORCE, the adapter cancels the node's executing tasks through the API, as Octopus's documented
 * drain script does, so they end Canceled instead of failing when the service stops.
 */
@Timeout(60)
class OctopusForcedDrainTest {

  Octopus octopus;

  @AfterEach
  void close() {
    if (octopus != null) {
      octopus.close();
    }
  }

  /** Two nodes, each running a three-hour task that no drain deadline waits for. */
  Octopus longTasks() {
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
                            .runningTask(Duration.ofHours(3)))
                .build());
    return octopus;
  }

  Octopus.Rehearsal patch(Policy.DrainTimeoutAction atDeadline) {
    return octopus.rehearse(
        OctopusProcedures.highAvailabilityPatching(octopus.port)
            .withPolicy(b -> b.drainDeadline(Duration.ofMinutes(10)).onDrainTimeout(atDeadline)),
        OctopusProceduresTest.PATCHES,
        true);
  }

  List<RecordedRequest> cancels() {
    return octopus.server.requests().stream()
        .filter(r -> r.method().equals("POST") && r.path().endsWith("/cancel"))
        .toList();
  }

  @Test
  void atAForcedDeadlineEachExecutingTaskIsCanceledThroughTheApiAndNoneIsCutOff() throws Exception {
    longTasks();

    Octopus.Rehearsal r = patch(Policy.DrainTimeoutAction.FORCE);

    assertThat(r.report().status()).as(r.report().summary()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(cancels()).as("one cancel per node's task").hasSize(2);
    List<String> states = new ArrayList<>();
    for (RecordedRequest c : cancels()) {
      String id = c.path().replaceAll(".*/tasks/([^/]+)/cancel", "$1");
      JsonNode t = new ObjectMapper().readTree(taskJson(id));
      states.add(t.get("State").asText());
    }
    assertThat(states).containsOnly("Canceled");
    assertThat(octopus.cluster.events())
        .as("no task was cut off by a stop")
        .noneMatch(e -> e instanceof ClusterEvent.WorkInterrupted w && w.tasks() > 0);
    r.monitor().assertRestored();
  }

  @Test
  void withoutForceNothingIsCanceledAndTheDrainFails() {
    longTasks();

    Octopus.Rehearsal r = patch(Policy.DrainTimeoutAction.FAIL);

    assertThat(r.report().status()).isEqualTo(RunStatus.FAILED);
    assertThat(cancels()).isEmpty();
    r.monitor().assertRestored();
  }

  private String taskJson(String id) throws Exception {
    java.net.http.HttpResponse<String> a =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(octopus.base() + "/api/tasks/" + id))
                    .header("X-Octopus-ApiKey", octopus.server.apiKey())
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    return a.body();
  }
}
