package io.upkeep.octopus;

import static io.upkeep.octopus.Octopus.WIN2019;
import static io.upkeep.octopus.Octopus.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.upkeep.Action;
import io.upkeep.DrainState;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.TaskCap;
import io.upkeep.UpgradeTarget;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.http.RecordedRequest;
import io.upkeep.testkit.http.octopus.FakeOctopusServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The adapter and a plain HTTP client against a fake that answers as a real Octopus Server does
 * where Octopus documents it, one nested class per point: server tasks, failing tasks, maintenance
 * mode and drain, the default task cap of new nodes, case-insensitive routes and JSON, the {@code
 * ?apikey=} parameter and the server-status endpoints. Each test names its source.
 */
class OctopusFidelityTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final String ALL = "spaces=all&includeSystem=true";

  Octopus octopus;

  @AfterEach
  void close() {
    if (octopus != null) {
      octopus.close();
    }
  }

  Octopus start(FakeCluster cluster) {
    return start(cluster, b -> b);
  }

  Octopus start(FakeCluster cluster, UnaryOperator<FakeOctopusServer.Builder> serve) {
    octopus = new Octopus(cluster, serve, b -> b);
    return octopus;
  }

  /** {@code nodes} nodes at cap {@code cap}, each running tasks of 2 and 6 minutes; no workload. */
  static FakeCluster idle(int nodes, int cap) {
    return FakeCluster.builder()
        .seed(5)
        .nodes(
            "octo",
            nodes,
            n ->
                n.role("octopus-node")
                    .platform(WIN2019)
                    .taskCap(cap)
                    .runningTask(Duration.ofMinutes(2))
                    .runningTask(Duration.ofMinutes(6)))
        .build();
  }

  HttpResponse<String> call(String method, String path, String body, boolean withKey)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(path.startsWith("http") ? path : octopus.base() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (withKey) {
      b.header("X-Octopus-ApiKey", octopus.server.apiKey());
    }
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  JsonNode get(String path) throws Exception {
    HttpResponse<String> r = call("GET", path, null, true);
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  JsonNode post(String path) throws Exception {
    HttpResponse<String> r = call("POST", path, null, true);
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  List<JsonNode> items(String path) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    get(path).get("Items").forEach(out::add);
    return out;
  }

  void advance(Duration d) {
    octopus.cluster.clock().sleep(d);
  }

  /** The swagger's TaskResource, the states of its TaskState, the paging of ResourceCollection. */
  @Nested
  class ServerTasks {

    @Test
    void eachTaskHasItsOwnIdAndFollowsTheWorkFromExecutingToSuccessWithItsTimesAndNode()
        throws Exception {
      start(idle(2, 5));
      Instant began = octopus.cluster.clock().now();
      List<JsonNode> running = items("/api/tasks?" + ALL);

      assertThat(running)
          .hasSize(4)
          .allSatisfy(
              t -> {
                assertThat(t.get("Id").asText()).matches("ServerTasks-\\d+");
                assertThat(t.get("State").asText()).isEqualTo("Executing");
                assertThat(t.get("IsCompleted").asBoolean()).isFalse();
                assertThat(t.get("HasBeenPickedUpByProcessor").asBoolean()).isTrue();
                assertThat(t.get("CompletedTime").isNull()).isTrue();
                assertThat(t.get("ServerNode").asText()).startsWith("OctopusServerNodes-");
              });
      assertThat(running).extracting(t -> t.get("Id").asText()).doesNotHaveDuplicates();
      String id = running.get(0).get("Id").asText();

      advance(Duration.ofMinutes(7));

      JsonNode done = get("/api/tasks/" + id);
      assertThat(done.get("State").asText()).isEqualTo("Success");
      assertThat(done.get("IsCompleted").asBoolean()).isTrue();
      assertThat(done.get("FinishedSuccessfully").asBoolean()).isTrue();
      assertThat(Instant.parse(done.get("StartTime").asText().replace("+00:00", "Z")))
          .isEqualTo(began);
      assertThat(Instant.parse(done.get("CompletedTime").asText().replace("+00:00", "Z")))
          .isAfter(began);
      assertThat(done.get("ServerNode").asText())
          .isEqualTo(running.get(0).get("ServerNode").asText());
    }

    @Test
    void stateActiveAndNodeFiltersWorkAndPagesAreNewestFirst() throws Exception {
      start(idle(2, 5));
      advance(Duration.ofMinutes(3)); // the 2-minute tasks are done, the 6-minute ones run
      String node1 = octopus.server.nodeId("octo-1");

      assertThat(get("/api/tasks?states=Success&" + ALL).get("TotalResults").asInt()).isEqualTo(2);
      assertThat(get("/api/tasks?active=true&" + ALL).get("TotalResults").asInt()).isEqualTo(2);
      assertThat(
              get("/api/tasks?states=Executing,Cancelling&node=" + node1 + "&" + ALL)
                  .get("TotalResults")
                  .asInt())
          .isEqualTo(1);
      assertThat(octopus.port.runningWork(id("octo-1"))).isEqualTo(1);
      JsonNode page = get("/api/tasks?" + ALL + "&skip=0&take=3");
      assertThat(page.get("Items")).hasSize(3);
      assertThat(page.get("TotalResults").asInt()).isEqualTo(4);
      assertThat(page.get("Links").get("Page.Next").asText()).contains("skip=3");
      assertThat(page.get("Items").get(0).get("Id").asText())
          .isEqualTo("ServerTasks-4"); // newest first
      assertThat(get("/api/tasks?" + ALL + "&skip=3&take=3").get("Items")).hasSize(1);
      assertThat(call("GET", "/api/tasks?states=Pending", null, true).statusCode()).isEqualTo(400);
    }

    @Test
    void spacesAreListedAndASpacesRouteListsOnlyItsOwnTasks() throws Exception {
      start(idle(3, 5));

      assertThat(get("/api/spaces").get("Items"))
          .extracting(s -> s.get("Id").asText())
          .containsExactlyInAnyOrder("Spaces-1", "Spaces-2");
      assertThat(get("/api/spaces/Spaces-1").get("IsDefault").asBoolean()).isTrue();
      assertThat(items("/api/Spaces-1/tasks"))
          .isNotEmpty()
          .allSatisfy(t -> assertThat(t.get("SpaceId").asText()).isEqualTo("Spaces-1"));
      assertThat(items("/api/spaces/Spaces-2/tasks"))
          .allSatisfy(t -> assertThat(t.get("SpaceId").asText()).isEqualTo("Spaces-2"));
      assertThat(get("/api/tasks?" + ALL).get("TotalResults").asInt()).isEqualTo(6);
      assertThat(call("GET", "/api/Spaces-9/tasks", null, true).statusCode()).isEqualTo(404);
    }

    @Test
    void cancellingAnExecutingTaskGoesThroughCancellingToCanceledAndFreesTheSlot()
        throws Exception {
      start(idle(1, 5));
      String id = items("/api/tasks?" + ALL).get(0).get("Id").asText();

      JsonNode asked = post("/api/tasks/" + id + "/cancel");

      assertThat(asked.get("State").asText()).isEqualTo("Cancelling");
      assertThat(octopus.port.runningWork(id("octo-1"))).as("Cancelling still runs").isEqualTo(2);
      advance(Duration.ofSeconds(5));
      JsonNode canceled = get("/api/tasks/" + id);
      assertThat(canceled.get("State").asText()).isEqualTo("Canceled");
      assertThat(canceled.get("IsCompleted").asBoolean()).isTrue();
      assertThat(canceled.get("FinishedSuccessfully").asBoolean()).isFalse();
      assertThat(octopus.port.runningWork(id("octo-1"))).isEqualTo(1);
      HttpResponse<String> again = call("POST", "/api/tasks/" + id + "/cancel", null, true);
      assertThat(again.statusCode()).isEqualTo(400);
      assertThat(again.body()).contains("already completed");
    }

    @Test
    void aQueuedTaskIsCanceledAtOnce() throws Exception {
      start(idle(1, 2));
      octopus.cluster.submitTask(Duration.ofMinutes(5)); // the node runs 2 of 2: it waits
      JsonNode queued = items("/api/tasks?states=Queued&" + ALL).get(0);
      assertThat(queued.get("HasBeenPickedUpByProcessor").asBoolean()).isFalse();
      assertThat(queued.get("ServerNode").isNull()).isTrue();

      JsonNode canceled =
          post("/api/" + spaceOf(queued) + "tasks/" + queued.get("Id").asText() + "/cancel");

      assertThat(canceled.get("State").asText()).isEqualTo("Canceled");
      advance(Duration.ofMinutes(10));
      assertThat(get("/api/tasks/" + queued.get("Id").asText()).get("StartTime").isNull()).isTrue();
    }

    @Test
    void tasksOfANodeThatStopsUnderThemFail() throws Exception {
      start(idle(2, 5));
      octopus.cluster.stopService("stop", id("octo-1"));
      advance(Duration.ofMinutes(1));

      assertThat(items("/api/tasks?node=" + octopus.server.nodeId("octo-1") + "&" + ALL))
          .hasSize(2)
          .allSatisfy(
              t -> {
                assertThat(t.get("State").asText()).isEqualTo("Failed");
                assertThat(t.get("ErrorMessage").asText()).isNotEmpty();
              });
    }

    String spaceOf(JsonNode task) {
      return task.get("SpaceId").isNull() ? "" : task.get("SpaceId").asText() + "/";
    }
  }

  /** Queueing a health check as the documented run-healthcheck script does. */
  @Nested
  class QueueingTasks {

    static final String HEALTH =
        "{\"SpaceId\":\"Spaces-1\",\"Name\":\"Health\",\"Description\":\"check it\","
            + "\"Arguments\":{\"Timeout\":\"00:05:00\",\"MachineTimeout\":\"00:05:00\","
            + "\"EnvironmentId\":\"Environments-1\",\"MachineIds\":[]}}";

    @Test
    void aQueuedHealthCheckIsCreatedQueuedWithItsArgumentsAndRunsOnANodeWithRoom()
        throws Exception {
      start(idle(2, 5));

      HttpResponse<String> r = call("POST", "/api/Spaces-1/tasks", HEALTH, true);

      assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
      JsonNode t = JSON.readTree(r.body());
      assertThat(t.get("Name").asText()).isEqualTo("Health");
      assertThat(t.get("Description").asText()).isEqualTo("check it");
      assertThat(t.get("SpaceId").asText()).isEqualTo("Spaces-1");
      assertThat(t.get("Arguments").get("EnvironmentId").asText()).isEqualTo("Environments-1");
      assertThat(t.get("State").asText()).isIn("Queued", "Executing");
      advance(Duration.ofMinutes(2));
      JsonNode done = get("/api/tasks/" + t.get("Id").asText());
      assertThat(done.get("State").asText()).isEqualTo("Success");
      assertThat(done.get("ServerNode").asText())
          .isIn(octopus.server.nodeId("octo-1"), octopus.server.nodeId("octo-2"));
    }

    @Test
    void refusesATaskWithoutANameOrOfAKindItCannotRunAndAnUnknownSpace() throws Exception {
      start(idle(1, 5));

      HttpResponse<String> noName = call("POST", "/api/tasks", "{\"Description\":\"x\"}", true);
      HttpResponse<String> deploy = call("POST", "/api/tasks", "{\"Name\":\"Deploy\"}", true);
      HttpResponse<String> space = call("POST", "/api/Spaces-9/tasks", HEALTH, true);

      assertThat(noName.statusCode()).isEqualTo(400);
      assertThat(noName.body()).contains("Name is required");
      assertThat(deploy.statusCode()).isEqualTo(400);
      assertThat(deploy.body()).contains("'Deploy'");
      assertThat(space.statusCode()).isEqualTo(404);
      assertThat(get("/api/tasks?" + ALL).get("TotalResults").asInt())
          .as("nothing queued")
          .isEqualTo(2);
    }
  }

  /** For soak gates that watch failures: the testkit makes tasks of a node fail. */
  @Nested
  class FailingTasks {

    @Test
    void theNextTasksOfANodeFailAndTheOthersSucceed() throws Exception {
      start(idle(2, 5));
      octopus.server.failNextTasks("octo-1", 1);

      advance(Duration.ofMinutes(7));

      String node1 = octopus.server.nodeId("octo-1");
      assertThat(items("/api/tasks?" + ALL + "&states=Failed"))
          .singleElement()
          .satisfies(
              t -> {
                assertThat(t.get("ServerNode").asText()).isEqualTo(node1);
                assertThat(t.get("FinishedSuccessfully").asBoolean()).isFalse();
                assertThat(t.get("HasWarningsOrErrors").asBoolean()).isTrue();
              });
      assertThat(get("/api/tasks?" + ALL + "&states=Success").get("TotalResults").asInt())
          .isEqualTo(3);
    }

    @Test
    void aShareOfTasksFailsTheSameWayForTheSameSeed() throws Exception {
      List<String> runs = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        FakeCluster cluster =
            FakeCluster.builder()
                .seed(9)
                .nodes("octo", 2, n -> n.role("octopus-node").platform(WIN2019).taskCap(5))
                .workload(Duration.ofSeconds(20), Duration.ofMinutes(1))
                .build();
        start(cluster);
        octopus.server.failTasks("octo-2", 0.5);
        advance(Duration.ofHours(1));
        List<String> failed = new ArrayList<>();
        items("/api/tasks?" + ALL + "&states=Failed&take=1000")
            .forEach(t -> failed.add(t.get("Id").asText()));
        assertThat(items("/api/tasks?" + ALL + "&states=Failed&take=1000"))
            .allSatisfy(
                t ->
                    assertThat(t.get("ServerNode").asText())
                        .isEqualTo(octopus.server.nodeId("octo-2")));
        runs.add(String.join(",", failed));
        octopus.close();
        octopus = null;
      }
      assertThat(runs.get(0)).isNotEmpty().isEqualTo(runs.get(1));
    }

    @Test
    void refusesNonsense() {
      start(idle(1, 5));
      assertThatThrownBy(() -> octopus.server.failNextTasks("octo-1", 0))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> octopus.server.failTasks("octo-1", 1.5))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  /**
   * DOCS-MAINT-MODE: in maintenance mode running and already queued tasks run to completion, users
   * cannot queue new ones. DOCS-MAINTAIN-HA / seed 001: a drained node finishes its tasks and
   * starts no new one, the other nodes go on.
   */
  @Nested
  class MaintenanceModeAndDrain {

    @Test
    void aDrainedNodeFinishesWhatItRunsAndNewTasksGoToTheOthers() throws Exception {
      start(idle(2, 5));
      octopus.port.drain(id("octo-1"), Instant.MAX);
      for (int i = 0; i < 3; i++) {
        octopus.cluster.submitTask(Duration.ofMinutes(1));
      }

      String node1 = octopus.server.nodeId("octo-1");
      String node2 = octopus.server.nodeId("octo-2");
      List<JsonNode> executing = items("/api/tasks?states=Executing&" + ALL);
      assertThat(executing).filteredOn(t -> t.get("ServerNode").asText().equals(node1)).hasSize(2);
      assertThat(executing).filteredOn(t -> t.get("ServerNode").asText().equals(node2)).hasSize(5);
      assertThat(octopus.port.observe().node(id("octo-1")).drainState())
          .isEqualTo(DrainState.DRAINING);
      advance(Duration.ofMinutes(7));
      assertThat(items("/api/tasks?node=" + node1 + "&" + ALL))
          .hasSize(2)
          .allSatisfy(t -> assertThat(t.get("State").asText()).isEqualTo("Success"));
      assertThat(octopus.port.observe().node(id("octo-1")).drainState())
          .isEqualTo(DrainState.DRAINED);
    }

    @Test
    void inMaintenanceModeQueuedTasksStillStartAndFinishButUsersQueueNoNewOnes() throws Exception {
      FakeCluster cluster =
          FakeCluster.builder()
              .seed(3)
              .nodes(
                  "octo",
                  1,
                  n ->
                      n.role("octopus-node")
                          .platform(WIN2019)
                          .taskCap(1)
                          .runningTask(Duration.ofMinutes(1)))
              .workload(Duration.ofMinutes(1), Duration.ofMinutes(1))
              .build();
      start(cluster);
      cluster.submitTask(Duration.ofMinutes(1));
      cluster.submitTask(Duration.ofMinutes(1));
      octopus.port.setMaintenanceMode(true);
      int created = get("/api/tasks?" + ALL).get("TotalResults").asInt();

      advance(Duration.ofMinutes(30));

      assertThat(get("/api/tasks?" + ALL).get("TotalResults").asInt())
          .as("no new task queued")
          .isEqualTo(created);
      assertThat(get("/api/tasks?active=true&" + ALL).get("TotalResults").asInt())
          .as("the queue ran")
          .isZero();
      octopus.port.setMaintenanceMode(false);
      advance(Duration.ofMinutes(30));
      assertThat(get("/api/tasks?" + ALL).get("TotalResults").asInt()).isGreaterThan(created);
    }
  }

  /**
   * DOCS-HOW-HA ("each Octopus Deploy node is configured to process five (5) tasks"), Issues#5934
   * (replaced nodes fell back to the default 5), seed 000 (install, join, then set the cap to 0).
   */
  @Nested
  class NewNodesTaskCap {

    FakeCluster busy() {
      return FakeCluster.builder()
          .seed(11)
          .nodes(
              "octo",
              3,
              n ->
                  n.role("octopus-node")
                      .platform(WIN2019)
                      .taskCap(5)
                      .runningTask(Duration.ofMinutes(3)))
          .workload(Duration.ofSeconds(10), Duration.ofMinutes(3))
          .build();
    }

    void join(FakeCluster cluster, String node, TaskCap installed) {
      cluster.provision("p-" + node, id(node), id("octo-1"), WIN2019, installed);
      cluster.clock().sleep(Duration.ofHours(1));
      cluster.startService("s-" + node, id(node));
      cluster.clock().sleep(Duration.ofMinutes(5));
    }

    @Test
    void aNewNodeRegistersWithTheDefaultCapOfFiveUnlessItsInstallerSetsOne() {
      start(busy());
      join(octopus.cluster, "octo-4", TaskCap.ZERO);

      assertThat(octopus.port.observe().node(id("octo-4")).taskCap()).isEqualTo(TaskCap.of(5));
      assertThat(octopus.port.runningWork(id("octo-4"))).as("it took tasks at once").isPositive();

      octopus.close();
      start(busy(), b -> b.installerSetsTaskCap(true));
      join(octopus.cluster, "octo-4", TaskCap.ZERO);
      assertThat(octopus.port.observe().node(id("octo-4")).taskCap()).isEqualTo(TaskCap.ZERO);
      assertThat(octopus.port.runningWork(id("octo-4"))).isZero();
    }

    @Test
    void upkeepCapsTheNewNodeAtZeroBeforeItsVerificationAndItTakesNothingUntilItsTrial()
        throws Exception {
      start(busy());
      Octopus.Rehearsal r =
          octopus.rehearse(
              OctopusProcedures.highAvailabilityHostUpgrade(octopus.port),
              UpgradeTarget.os("Windows Server 2022").andRuntime(".NET 8.0"),
              true);

      assertThat(r.report().succeeded()).as(r.report().summary()).isTrue();
      r.monitor().assertHeld();
      List<ClusterEvent> log = octopus.cluster.events();
      for (String old : List.of("octo-1", "octo-2", "octo-3")) {
        NodeId next = id(old + "-next");
        int joined = indexOf(log, e -> e instanceof ClusterEvent.Joined j && j.node().equals(next));
        int registered =
            indexOf(
                log,
                e ->
                    e instanceof ClusterEvent.TaskCapChanged c
                        && c.node().equals(next)
                        && c.to().equals(TaskCap.of(5)));
        int capped =
            indexOf(
                log,
                e ->
                    e instanceof ClusterEvent.TaskCapChanged c
                        && c.node().equals(next)
                        && c.to().equals(TaskCap.ZERO));
        assertThat(joined).as(next + " joined").isNotNegative();
        assertThat(registered)
            .as(next + " registered at the default cap right after joining")
            .isEqualTo(joined + 1);
        assertThat(capped).as(next + " capped at 0 by Upkeep").isGreaterThan(registered);
        Instant cappedAt = log.get(capped).at();
        Instant verifiedAt =
            r.events(UpgradeEvent.StepCompleted.class).stream()
                .filter(
                    s -> s.step().node().equals(next) && s.step().action() instanceof Action.Verify)
                .map(UpgradeEvent::at)
                .findFirst()
                .orElseThrow();
        assertThat(cappedAt)
            .as(next + " capped before it was verified")
            .isBeforeOrEqualTo(verifiedAt);
        Instant settledAt =
            r.events(UpgradeEvent.StepCompleted.class).stream()
                .filter(
                    s ->
                        s.step().node().equals(next)
                            && s.step().action() instanceof Action.AwaitHealthy)
                .map(UpgradeEvent::at)
                .findFirst()
                .orElseThrow();
        assertThat(cappedAt)
            .as(next + " capped the moment it joined, not once healthy and settled")
            .isBefore(settledAt);
        Instant raised =
            log.stream()
                .skip(capped + 1)
                .filter(
                    e ->
                        e instanceof ClusterEvent.TaskCapChanged c
                            && c.node().equals(next)
                            && c.to().value() > 0)
                .map(ClusterEvent::at)
                .findFirst()
                .orElseThrow();
        assertThat(raised).isAfterOrEqualTo(verifiedAt);
        // What the seed describes: the node may take tasks between joining and being capped (at
        // most one observation later), never after, until its trial.
        List<JsonNode> ran =
            items(
                "/api/tasks?node="
                    + octopus.server.nodeId(next.value())
                    + "&"
                    + ALL
                    + "&take=10000");
        assertThat(ran)
            .noneMatch(
                t ->
                    !t.get("StartTime").isNull()
                        && at(t.get("StartTime")).isAfter(cappedAt)
                        && at(t.get("StartTime")).isBefore(raised));
      }
    }

    Instant at(JsonNode date) {
      return java.time.OffsetDateTime.parse(date.asText()).toInstant();
    }

    int indexOf(List<ClusterEvent> log, java.util.function.Predicate<ClusterEvent> p) {
      for (int i = 0; i < log.size(); i++) {
        if (p.test(log.get(i))) {
          return i;
        }
      }
      return -1;
    }
  }

  /** Routes and JSON property names are matched case-insensitively, as ASP.NET and Json.NET do. */
  @Nested
  class CaseInsensitivity {

    @Test
    void routesQueryNamesAndStateValuesMatchInAnyCase() throws Exception {
      start(idle(2, 5));

      assertThat(get("/API/OctopusServerNodes").get("TotalResults").asInt()).isEqualTo(2);
      assertThat(get("/api/OCTOPUSSERVERNODES/summary").get("Nodes")).hasSize(2);
      assertThat(
              get("/api/TASKS?STATES=executing&Spaces=ALL&includesystem=TRUE")
                  .get("TotalResults")
                  .asInt())
          .isEqualTo(4);
      assertThat(
              get("/api/octopusservernodes/" + octopus.server.nodeId("octo-1").toLowerCase())
                  .get("Name")
                  .asText())
          .isEqualTo("octo-1");
    }

    @Test
    void putBodiesAreReadWhateverTheCaseOfTheirPropertyNames() throws Exception {
      start(idle(2, 5));
      String nodeId = octopus.server.nodeId("octo-1");

      HttpResponse<String> put =
          call(
              "PUT",
              "/api/octopusservernodes/" + nodeId,
              "{\"id\":\"" + nodeId + "\",\"maxConcurrentTasks\":2,\"isInMaintenanceMode\":true}",
              true);
      HttpResponse<String> maintenance =
          call("PUT", "/api/maintenanceconfiguration", "{\"isInMaintenanceMode\": true}", true);

      assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
      assertThat(maintenance.statusCode()).as(maintenance.body()).isEqualTo(200);
      Node octo1 = octopus.port.observe().node(id("octo-1"));
      assertThat(octo1.taskCap()).isEqualTo(TaskCap.of(2));
      assertThat(octo1.drainState()).isNotEqualTo(DrainState.ACTIVE);
      assertThat(octopus.port.observe().maintenanceMode()).isTrue();
    }
  }

  /**
   * DOCS-REST: the API key may travel as {@code ?apikey=} instead of the header; swagger: "ApiKey".
   */
  @Nested
  class ApiKeyQueryParameter {

    @Test
    void theKeyInTheQueryAuthenticatesAndIsNeverRecordedOrEchoedInClear() throws Exception {
      start(idle(1, 5));
      String key = octopus.server.apiKey();

      HttpResponse<String> ok = call("GET", "/api/octopusservernodes?apikey=" + key, null, false);
      HttpResponse<String> swaggerSpelling =
          call("GET", "/api/octopusservernodes?ApiKey=" + key, null, false);
      HttpResponse<String> wrong =
          call("GET", "/api/octopusservernodes?apikey=API-WRONG", null, false);

      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(swaggerSpelling.statusCode()).isEqualTo(200);
      assertThat(wrong.statusCode()).isEqualTo(401);
      assertThat(ok.body() + wrong.body()).doesNotContain(key);
      assertThat(octopus.server.requests())
          .extracting(RecordedRequest::query)
          .filteredOn(q -> q.contains("pi"))
          .hasSize(3)
          .allSatisfy(
              q ->
                  assertThat(q)
                      .doesNotContain(key)
                      .doesNotContain("API-WRONG")
                      .contains(RecordedRequest.MASKED));
    }
  }

  /**
   * DOCS-API-STATUS and the swagger file: {@code /api/serverstatus}, {@code .../health} and {@code
   * .../system-info} (OSVersion, ClrVersion, ... of the answering node).
   */
  @Nested
  class ServerStatus {

    @Test
    void eachNodeReportsItsOwnOsAndRuntimeOnItsOwnAddress() throws Exception {
      FakeCluster cluster = idle(2, 5);
      start(cluster);

      JsonNode info = get(octopus.server.nodeUrl("octo-1") + "/api/serverstatus/system-info");

      assertThat(info.get("OSVersion").asText()).isEqualTo("Windows Server 2019");
      assertThat(info.get("ClrVersion").asText()).isEqualTo(".NET 6.0");
      assertThat(info.get("Version").asText()).isEqualTo("2024.1.10309");
      assertThat(info.has("Uptime") && info.has("ThreadCount") && info.has("WorkingSetBytes"))
          .isTrue();
      assertThat(get("/api/serverstatus").get("IsInMaintenanceMode").asBoolean()).isFalse();
      assertThat(get("/api/serverstatus/health").get("IsOperatingNormally").asBoolean()).isTrue();
    }

    @Test
    void theAdapterReadsTheOsAndRuntimeFromTheNodesWithoutALookupAndSeesThemChange() {
      FakeCluster cluster = idle(2, 5);
      start(cluster);
      assertThat(octopus.port.config().hostPlatformLookup()).isEmpty();
      assertThat(octopus.port.observe().node(id("octo-1")).platform()).isEqualTo(WIN2019);

      cluster.drain(id("octo-1"), Instant.MAX);
      cluster.clock().sleep(Duration.ofMinutes(10));
      cluster.stopService("stop", id("octo-1"));
      cluster.clock().sleep(Duration.ofMinutes(5));
      assertThat(octopus.port.observe().node(id("octo-1")).platform())
          .as("offline: as last reported")
          .isEqualTo(WIN2019);
      cluster.upgrade(
          "up", id("octo-1"), UpgradeTarget.os("Windows Server 2022").andRuntime(".NET 8.0"));
      cluster.clock().sleep(Duration.ofHours(2));
      cluster.startService("start", id("octo-1"));
      cluster.clock().sleep(Duration.ofMinutes(5));

      assertThat(octopus.port.observe().node(id("octo-1")).platform())
          .isEqualTo(Platform.of("Windows Server 2022", ".NET 8.0", "2024.1.10309"));
    }

    @Test
    void aNodeThatAnswersEveryPollIsAskedAboutItsMachineAgainOnlyAfterTheRefreshInterval() {
      FakeCluster cluster = idle(2, 5);
      start(cluster);
      octopus.port.observe();
      octopus.port.observe();
      advance(OctopusClusterPort.PLATFORM_REFRESH.minusSeconds(1));
      octopus.port.observe();
      assertThat(systemInfoRequests()).as("once per node within the interval").isEqualTo(2);

      advance(Duration.ofSeconds(1));
      octopus.port.observe();
      assertThat(systemInfoRequests()).as("again once it has passed").isEqualTo(4);
    }

    long systemInfoRequests() {
      return octopus.server.requests().stream()
          .filter(q -> q.path().endsWith("/api/serverstatus/system-info"))
          .count();
    }

    @Test
    void aConfiguredLookupStillOverridesWhatTheNodesReport() {
      FakeCluster cluster = idle(1, 5);
      octopus =
          new Octopus(
              cluster,
              b -> b.hostPlatforms(name -> Optional.of(HostPlatform.of("Linux", ".NET 8.0"))));
      assertThat(octopus.port.observe().node(id("octo-1")).platform().os()).isEqualTo("Linux");
      assertThat(octopus.server.requests()).noneMatch(q -> q.path().contains("system-info"));
    }
  }
}
