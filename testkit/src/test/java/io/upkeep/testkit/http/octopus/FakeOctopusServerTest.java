package io.upkeep.testkit.http.octopus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.upkeep.DrainState;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.TaskCap;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.http.HttpFault;
import io.upkeep.testkit.http.RecordedRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The fake Octopus Server, driven by the JDK's own HTTP client: an independent client, no adapter
 * code.
 */
class FakeOctopusServerTest {

  static final Platform WIN2019 = Platform.of("Windows Server 2019", ".NET 6.0", "2024.1.10309");
  static final String READ_ONLY = "API-READONLY000000000000000001";
  static final ObjectMapper JSON = new ObjectMapper();

  final FakeCluster cluster =
      FakeCluster.builder()
          .nodes(
              "octo",
              3,
              n ->
                  n.role("octopus-node")
                      .platform(WIN2019)
                      .taskCap(5)
                      .runningTask(Duration.ofMinutes(3))
                      .runningTask(Duration.ofMinutes(4))
                      .runningTask(Duration.ofMinutes(5)))
          .build();
  final FakeOctopusServer octopus =
      FakeOctopusServer.builder(cluster).readOnlyApiKey(READ_ONLY).start();
  final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void close() {
    octopus.close();
  }

  HttpResponse<String> call(String method, String url, String key, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url.startsWith("http") ? url : octopus.baseUrl() + url))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      b.header("X-Octopus-ApiKey", key);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return call("GET", url, octopus.apiKey(), null);
  }

  static JsonNode json(HttpResponse<String> r) throws IOException {
    return JSON.readTree(r.body());
  }

  static NodeId id(String name) {
    return NodeId.of(name);
  }

  void stop(String name) {
    cluster.stopService("stop-" + name, id(name));
    cluster.clock().sleep(Duration.ofMinutes(1));
  }

  @Nested
  class Nodes {

    @Test
    void listsTheMembersInTheResourceCollectionEnvelopeWithOctopusFieldNames() throws Exception {
      HttpResponse<String> r = get("/api/octopusservernodes");
      JsonNode page = json(r);

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
      assertThat(page.get("ItemType").asText()).isEqualTo("OctopusServerNode");
      assertThat(page.get("TotalResults").asInt()).isEqualTo(3);
      assertThat(page.get("ItemsPerPage").asInt()).isEqualTo(30);
      assertThat(page.get("NumberOfPages").asInt()).isEqualTo(1);
      assertThat(page.get("LastPageNumber").asInt()).isZero();
      assertThat(page.get("Links").has("Page.Next")).isFalse();
      JsonNode first = page.get("Items").get(0);
      assertThat(first.get("Id").asText()).isEqualTo("OctopusServerNodes-1");
      assertThat(first.get("Name").asText()).isEqualTo("octo-1");
      assertThat(first.get("MaxConcurrentTasks").asInt()).isEqualTo(5);
      assertThat(first.get("IsInMaintenanceMode").asBoolean()).isFalse();
      assertThat(first.get("Links").get("Self").asText())
          .isEqualTo("/api/octopusservernodes/OctopusServerNodes-1");
      assertThat(first.has("LastModifiedOn")).isTrue();
    }

    @Test
    void pagesWithSkipAndTakeAndLinksToTheNextPage() throws Exception {
      JsonNode first = json(get("/api/octopusservernodes?skip=0&take=2"));
      assertThat(first.get("Items")).hasSize(2);
      assertThat(first.get("NumberOfPages").asInt()).isEqualTo(2);
      String next = first.get("Links").get("Page.Next").asText();
      assertThat(next).isEqualTo("/api/octopusservernodes?skip=2&take=2");

      JsonNode second = json(get(next));
      assertThat(second.get("Items"))
          .extracting(n -> n.get("Name").asText())
          .containsExactly("octo-3");
      assertThat(second.get("Links").has("Page.Next")).isFalse();
      assertThat(json(get("/api/octopusservernodes/all"))).hasSize(3);
    }

    @Test
    void theSummaryReportsRunningTaskCountsOfflineNodesAndVersions() throws Exception {
      stop("octo-3");
      JsonNode nodes = json(get("/api/octopusservernodes/summary")).get("Nodes");

      assertThat(nodes).hasSize(3);
      assertThat(nodes.get(0).get("RunningTaskCount").asInt()).isEqualTo(3);
      assertThat(nodes.get(0).get("IsOffline").asBoolean()).isFalse();
      assertThat(nodes.get(0).get("Version").asText()).isEqualTo("2024.1.10309");
      assertThat(nodes.get(2).get("IsOffline").asBoolean()).isTrue();
      assertThat(nodes.get(2).get("RunningTaskCount").asInt()).isZero();
      assertThat(
              json(get("/api/octopusservernodes/OctopusServerNodes-1/details"))
                  .get("RunningTasks")
                  .asInt())
          .isEqualTo(3);
    }

    @Test
    void aPutOfTheWholeResourceSetsTheTaskCapAndDrainsTheNodeInTheCluster() throws Exception {
      JsonNode node = json(get("/api/octopusservernodes/OctopusServerNodes-2"));
      String body =
          ((com.fasterxml.jackson.databind.node.ObjectNode) node)
              .put("MaxConcurrentTasks", 0)
              .put("IsInMaintenanceMode", true)
              .toString();

      HttpResponse<String> r =
          call("PUT", "/api/octopusservernodes/OctopusServerNodes-2", octopus.apiKey(), body);

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(json(r).get("MaxConcurrentTasks").asInt()).isZero();
      Node octo2 = cluster.node(id("octo-2")).orElseThrow();
      assertThat(octo2.taskCap()).isEqualTo(TaskCap.ZERO);
      assertThat(octo2.drainState()).isEqualTo(DrainState.DRAINING);
      cluster.clock().sleep(Duration.ofMinutes(10));
      assertThat(cluster.node(id("octo-2")).orElseThrow().drainState())
          .isEqualTo(DrainState.DRAINED);
    }

    @Test
    void aPutWithoutMaxConcurrentTasksSetsTheCapToZeroAsTheServersModelBindingDoes()
        throws Exception {
      HttpResponse<String> r =
          call(
              "PUT",
              "/api/octopusservernodes/OctopusServerNodes-1",
              octopus.apiKey(),
              "{\"Id\":\"OctopusServerNodes-1\",\"IsInMaintenanceMode\":true}");

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(cluster.node(id("octo-1")).orElseThrow().taskCap()).isEqualTo(TaskCap.ZERO);
    }

    @Test
    void aPutThatIsNotAJsonObjectIsABadRequestWithTheReasonInErrors() throws Exception {
      HttpResponse<String> r =
          call("PUT", "/api/octopusservernodes/OctopusServerNodes-1", octopus.apiKey(), "[1]");

      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(json(r).get("Errors").get(0).asText()).contains("JSON object");
      assertThat(cluster.node(id("octo-1")).orElseThrow().taskCap()).isEqualTo(TaskCap.of(5));
    }

    @Test
    void deleteRemovesAStoppedNodeAndRefusesOneStillInService() throws Exception {
      HttpResponse<String> refused =
          call("DELETE", "/api/octopusservernodes/OctopusServerNodes-1", octopus.apiKey(), null);
      assertThat(refused.statusCode()).isEqualTo(400);
      assertThat(json(refused).get("Errors").get(0).asText()).contains("still in service");

      stop("octo-1");
      HttpResponse<String> deleted =
          call("DELETE", "/api/octopusservernodes/OctopusServerNodes-1", octopus.apiKey(), null);
      assertThat(deleted.statusCode()).isEqualTo(200);
      assertThat(deleted.body()).isEqualTo("{}");
      assertThat(cluster.node(id("octo-1"))).isEmpty();
      assertThat(get("/api/octopusservernodes/OctopusServerNodes-1").statusCode()).isEqualTo(404);
    }

    @Test
    void unknownIdsAreAnswered404WithTheOctopusErrorJson() throws Exception {
      HttpResponse<String> r = get("/api/octopusservernodes/OctopusServerNodes-99");
      JsonNode error = json(r);

      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(error.get("ErrorMessage").asText())
          .isEqualTo("The resource you requested was not found.");
      assertThat(error.get("Errors").get(0).asText()).contains("OctopusServerNodes-99");
      assertThat(error.has("FullException")).isTrue();
      assertThat(error.has("HelpText")).isTrue();
    }

    @Test
    void aNodeThatJoinsLaterGetsTheNextIdAndARemovedIdIsNeverReused() throws Exception {
      stop("octo-3");
      cluster.removeMember(id("octo-3"));
      cluster.provision("p", id("octo-4"), id("octo-1"), WIN2019, TaskCap.ZERO);
      cluster.clock().sleep(Duration.ofMinutes(15));
      cluster.startService("s", id("octo-4"));
      cluster.clock().sleep(Duration.ofMinutes(1));

      JsonNode items = json(get("/api/octopusservernodes")).get("Items");
      assertThat(items)
          .extracting(n -> n.get("Id").asText() + "=" + n.get("Name").asText())
          .containsExactly(
              "OctopusServerNodes-1=octo-1",
              "OctopusServerNodes-2=octo-2",
              "OctopusServerNodes-4=octo-4");
      assertThat(octopus.nodeId("octo-4")).isEqualTo("OctopusServerNodes-4");
    }
  }

  @Nested
  class Credentials {

    @Test
    void aMissingOrWrongApiKeyIsAnswered401WithTheOctopusErrorJson() throws Exception {
      for (String key : new String[] {null, "API-WRONG"}) {
        HttpResponse<String> r = call("GET", "/api/octopusservernodes", key, null);
        assertThat(r.statusCode()).as("key " + key).isEqualTo(401);
        assertThat(json(r).get("ErrorMessage").asText()).contains("valid API key");
      }
    }

    @Test
    void theReadOnlyKeyReadsButIsAnswered403OnChangesAndNothingChanges() throws Exception {
      assertThat(call("GET", "/api/octopusservernodes", READ_ONLY, null).statusCode())
          .isEqualTo(200);

      HttpResponse<String> r =
          call("PUT", "/api/maintenanceconfiguration", READ_ONLY, "{\"IsInMaintenanceMode\":true}");

      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(json(r).get("ErrorMessage").asText())
          .contains("Missing permission: AdministerSystem");
      assertThat(cluster.observe().maintenanceMode()).isFalse();
    }

    @Test
    void theRootDocumentAndPingNeedNoKey() throws Exception {
      HttpResponse<String> root = call("GET", "/api", null, null);
      assertThat(root.statusCode()).isEqualTo(200);
      assertThat(json(root).get("Application").asText()).isEqualTo("Octopus Deploy");
      assertThat(json(root).get("Version").asText()).isEqualTo("2024.1.10309");
      assertThat(json(root).get("Links").get("OctopusServerClusterSummary").asText())
          .isEqualTo("/api/octopusservernodes/summary");
      assertThat(call("GET", "/api/octopusservernodes/ping", null, null).statusCode())
          .isEqualTo(200);
    }
  }

  @Nested
  class NodeAddresses {

    @Test
    void eachNodeAnswersOnItsOwnAddressAndNamesItselfInTheOctopusNodeHeader() throws Exception {
      for (String name : List.of("octo-1", "octo-2", "octo-3")) {
        HttpResponse<String> ping =
            call("GET", octopus.nodeUrl(name) + "/api/octopusservernodes/ping", null, null);
        assertThat(ping.statusCode()).isEqualTo(200);
        assertThat(ping.headers().firstValue("Octopus-Node")).hasValue(name);
        assertThat(json(ping).get("Name").asText()).isEqualTo(name);
        assertThat(json(ping).has("RunningTaskCount")).as("ping has no task count").isFalse();
      }
      assertThat(get("/api/octopusservernodes").headers().firstValue("Octopus-Node"))
          .hasValue("octo-1");
    }

    @Test
    void aDrainedNodeAnswersPing418ButANodeAtTaskCapZeroStillAnswers200() throws Exception {
      cluster.drain(id("octo-1"), cluster.clock().now().plus(Duration.ofHours(1)));
      cluster.setTaskCap(id("octo-2"), TaskCap.ZERO);

      assertThat(
              call("GET", octopus.nodeUrl("octo-1") + "/api/octopusservernodes/ping", null, null)
                  .statusCode())
          .isEqualTo(418);
      assertThat(
              call("GET", octopus.nodeUrl("octo-2") + "/api/octopusservernodes/ping", null, null)
                  .statusCode())
          .isEqualTo(200);
    }

    @Test
    void nothingAnswersOnAStoppedNodesAddressAndTheLoadBalancerSendsToAnotherNode()
        throws Exception {
      stop("octo-1");

      assertThatThrownBy(() -> call("GET", octopus.nodeUrl("octo-1") + "/api", null, null))
          .isInstanceOf(IOException.class);
      assertThat(get("/api").headers().firstValue("Octopus-Node")).hasValue("octo-2");
    }

    @Test
    void theLoadBalancerAnswers503WhenNoNodeIsHealthy() throws Exception {
      stop("octo-1");
      stop("octo-2");
      stop("octo-3");

      HttpResponse<String> r = get("/api/octopusservernodes/summary");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.headers().firstValue("Octopus-Node")).isEmpty();
    }

    @Test
    void theLoadBalancerPrefersNodesThatHaveTraffic() throws Exception {
      cluster.setWeight(id("octo-1"), 0);

      assertThat(get("/api").headers().firstValue("Octopus-Node")).hasValue("octo-2");
    }
  }

  @Nested
  class Tasks {

    @Test
    void onlySpacesAllWithSystemTasksCountsEveryTaskANodeRuns() throws Exception {
      String node = octopus.nodeId("octo-1");
      String all =
          "/api/tasks?node="
              + node
              + "&states=Executing,Cancelling&spaces=all&includeSystem=true&take=0";
      String defaultSpace = "/api/tasks?node=" + node + "&states=Executing,Cancelling";

      JsonNode every = json(get(all));
      assertThat(every.get("TotalResults").asInt()).isEqualTo(3);
      assertThat(every.get("Items")).isEmpty();
      assertThat(every.get("TotalCounts").get("Executing").asInt()).isEqualTo(3);
      assertThat(json(get(defaultSpace)).get("TotalResults").asInt()).isEqualTo(1);
      assertThat(json(get("/api/Spaces-2/tasks?node=" + node)).get("TotalResults").asInt())
          .isEqualTo(1);
    }

    @Test
    void tasksCarryTheirStateNodeAndSpace() throws Exception {
      JsonNode items = json(get("/api/tasks?spaces=all&includeSystem=true")).get("Items");

      assertThat(items).hasSize(9);
      assertThat(items.get(0).get("State").asText()).isEqualTo("Executing");
      assertThat(items)
          .extracting(t -> t.get("ServerNode").asText())
          .contains("OctopusServerNodes-1", "OctopusServerNodes-2", "OctopusServerNodes-3");
      assertThat(items.get(0).get("IsCompleted").asBoolean()).isFalse();
      assertThat(items)
          .extracting(t -> t.get("SpaceId").isNull() ? "system" : t.get("SpaceId").asText())
          .contains("Spaces-1", "Spaces-2", "system");
      assertThat(
              json(get("/api/tasks?spaces=all&includeSystem=true&states=Success"))
                  .get("TotalResults")
                  .asInt())
          .isZero();
    }

    @Test
    void tasksEndAsTheClusterRunsThem() throws Exception {
      cluster.clock().sleep(Duration.ofMinutes(10));

      assertThat(
              json(get("/api/tasks?spaces=all&includeSystem=true&active=true"))
                  .get("TotalResults")
                  .asInt())
          .isZero();
      assertThat(
              json(get("/api/tasks?spaces=all&includeSystem=true&states=Success"))
                  .get("TotalResults")
                  .asInt())
          .isEqualTo(9);
    }
  }

  @Nested
  class MaintenanceMode {

    @Test
    void aPutTurnsTheClustersMaintenanceModeOnAndOff() throws Exception {
      HttpResponse<String> on =
          call(
              "PUT",
              "/api/maintenanceconfiguration",
              octopus.apiKey(),
              "{\"IsInMaintenanceMode\":true}");
      assertThat(on.statusCode()).isEqualTo(200);
      assertThat(json(on).get("IsInMaintenanceMode").asBoolean()).isTrue();
      assertThat(cluster.observe().maintenanceMode()).isTrue();

      call(
          "PUT",
          "/api/maintenanceconfiguration",
          octopus.apiKey(),
          "{\"IsInMaintenanceMode\":false}");
      assertThat(json(get("/api/maintenanceconfiguration")).get("IsInMaintenanceMode").asBoolean())
          .isFalse();
      assertThat(cluster.observe().maintenanceMode()).isFalse();
    }
  }

  @Nested
  class Faults {

    @Test
    void aStatusFaultAnswersTheNextRequestsThenTheServerAnswersNormally() throws Exception {
      octopus.inject(HttpFault.status(503, 2));

      assertThat(get("/api/octopusservernodes").statusCode()).isEqualTo(503);
      HttpResponse<String> second = get("/api/octopusservernodes");
      assertThat(second.statusCode()).isEqualTo(503);
      assertThat(json(second).get("ErrorMessage").asText()).contains("injected fault");
      assertThat(get("/api/octopusservernodes").statusCode()).isEqualTo(200);
    }

    @Test
    void aFaultOnAPathHitsOnlyThatPath() throws Exception {
      octopus.inject(HttpFault.status(429, 1).on("/api/tasks"));

      assertThat(get("/api/octopusservernodes").statusCode()).isEqualTo(200);
      HttpResponse<String> r = get("/api/tasks");
      assertThat(r.statusCode()).isEqualTo(429);
      assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
    }

    @Test
    void aDroppedConnectionGivesTheClientNoAnswerOnce() throws Exception {
      octopus.inject(HttpFault.dropConnection(1));

      // A POST, because the JDK client quietly retries an idempotent GET once on a dropped
      // connection.
      assertThatThrownBy(() -> call("POST", "/api/octopusservernodes", octopus.apiKey(), "{}"))
          .isInstanceOf(IOException.class);
      assertThat(get("/api/octopusservernodes").statusCode()).isEqualTo(200);
      assertThat(octopus.requestCount()).isEqualTo(2);
    }

    @Test
    void malformedJsonAndCustomBodiesAreAnsweredAsGiven() throws Exception {
      octopus.inject(HttpFault.malformedJson(1));
      octopus.inject(HttpFault.respond(409, "{\"ErrorMessage\":\"boom\",\"Errors\":[\"e1\"]}", 1));

      HttpResponse<String> malformed = get("/api/octopusservernodes");
      assertThat(malformed.statusCode()).isEqualTo(200);
      assertThatThrownBy(() -> JSON.readTree(malformed.body())).isInstanceOf(IOException.class);
      assertThat(get("/api/octopusservernodes").body())
          .isEqualTo("{\"ErrorMessage\":\"boom\",\"Errors\":[\"e1\"]}");
    }

    @Test
    void latencyDelaysTheAnswerButAnswersIt() throws Exception {
      octopus.inject(HttpFault.latency(Duration.ofMillis(20), 1));

      assertThat(get("/api/octopusservernodes").statusCode()).isEqualTo(200);
    }

    @Test
    void faultsAreValidated() {
      assertThatThrownBy(() -> HttpFault.status(600, 1))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> HttpFault.dropConnection(0))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> HttpFault.latency(Duration.ofMinutes(1), 1))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Nested
  class Recording {

    @Test
    void recordsEveryRequestInOrderWithTheApiKeyMasked() throws Exception {
      get("/api/octopusservernodes?take=1");
      call(
          "PUT",
          octopus.nodeUrl("octo-2") + "/api/maintenanceconfiguration",
          octopus.apiKey(),
          "{\"IsInMaintenanceMode\":false}");

      RecordedRequest first = octopus.takeRequest();
      assertThat(first.requestLine()).isEqualTo("GET /api/octopusservernodes?take=1");
      assertThat(first.target()).isEmpty();
      assertThat(first.header("X-Octopus-ApiKey")).hasValue(RecordedRequest.MASKED);
      RecordedRequest second = octopus.takeRequest();
      assertThat(second.target()).isEqualTo("octo-2");
      assertThat(second.path()).isEqualTo("/api/maintenanceconfiguration");
      assertThat(second.body()).isEqualTo("{\"IsInMaintenanceMode\":false}");
      assertThat(octopus.requests().toString()).doesNotContain(octopus.apiKey());
      assertThat(octopus.requests("PUT", "/api/maintenance")).hasSize(1);
      assertThatThrownBy(octopus::takeRequest).isInstanceOf(java.util.NoSuchElementException.class);
    }

    @Test
    void namesWhichKeyWasUsedAndMasksTheApikeyQueryParameterToo() throws Exception {
      call(
          "GET",
          "/api/octopusservernodes/summary?ApiKey=" + octopus.apiKey() + "&take=1",
          null,
          null);
      get("/api/octopusservernodes/summary");
      call("GET", "/api/octopusservernodes/summary", READ_ONLY, null);
      call("GET", "/api/octopusservernodes/summary", "API-WRONG", null);
      call("GET", "/api", null, null);

      RecordedRequest byQuery = octopus.takeRequest();
      assertThat(byQuery.query()).isEqualTo("ApiKey=" + RecordedRequest.MASKED + "&take=1");
      assertThat(byQuery.queryParameter("ApiKey")).hasValue(RecordedRequest.MASKED);
      assertThat(octopus.requests())
          .extracting(RecordedRequest::principal)
          .containsExactly("api-key", "api-key", "read-only-api-key", "unknown", "anonymous");
      assertThat(
              octopus.requests().toString()
                  + octopus.requests().stream().map(RecordedRequest::headers).toList())
          .doesNotContain(octopus.apiKey())
          .doesNotContain(READ_ONLY)
          .doesNotContain("API-WRONG");
    }
  }

  @Nested
  class Standalone {

    @Test
    void theBannerSaysWhereToConnectAndWithWhichKey() {
      String banner = octopus.banner();

      assertThat(banner)
          .contains(octopus.baseUrl().toString())
          .contains(octopus.apiKey())
          .contains(octopus.nodeUrlTemplate())
          .contains("[octo-1, octo-2, octo-3]");
    }

    @Test
    void theDemoClusterRunsTasksOnEveryNode() {
      FakeCluster demo = FakeOctopusServer.demoCluster(2);

      assertThat(demo.observe().nodes()).hasSize(2).allMatch(n -> n.runningWork() == 1);
      assertThatThrownBy(() -> FakeOctopusServer.demoCluster(0))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> FakeOctopusServer.main(new String[] {"--bogus"}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--port");
    }
  }

  @Test
  void aClosedServerAnswersNothing() {
    octopus.close();
    List<Throwable> errors = new ArrayList<>();
    try {
      get("/api");
    } catch (Exception e) {
      errors.add(e);
    }
    assertThat(errors).singleElement().isInstanceOf(IOException.class);
  }
}
