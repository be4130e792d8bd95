package io.upkeep.octopus;

import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.UpgradeTarget;
import io.upkeep.http.contract.ApiSpec.Kind;
import io.upkeep.http.contract.ContractCheck;
import io.upkeep.http.contract.ContractCheck.Deviation;
import io.upkeep.http.contract.ReferenceSpecs;
import io.upkeep.testkit.FakeCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract with Octopus Server's own API description ({@code
 * ../shared/reference/octopus/octopus-server-api-2021.2.1387.swagger.json}): every request the
 * adapter makes in representative runs, and every answer the fake server gives to them and to a GET
 * of each endpoint it serves, validated against the spec by a schema validator. Where the spec and
 * the real server differ, {@link #KNOWN} says so with the source; any other disagreement fails.
 */
@Timeout(60)
class OctopusContractTest {

  static final String SWAGGER = "octopus-server-api-2021.2.1387.swagger.json (Octopus 2021.2)";
  static final String API_NOTES = "shared/reference/OCTOPUS-API.md";

  /** Where Octopus Server (and so the fake) departs from the 2021.2 swagger document. */
  static final List<Deviation> KNOWN =
      List.of(
          Deviation.of(
              Kind.QUERY,
              "GET /api/tasks",
              "/(node|states|spaces|includeSystem|skip|take)",
              "The swagger document lists no query parameters for GET /api/tasks; the server takes node, states,"
                  + " spaces, includeSystem, skip, take, ... (its root document's Tasks link template; the generated"
                  + " API docs, https://octopus.com/docs/api/tasks; "
                  + API_NOTES
                  + " section 3)"),
          Deviation.of(
              Kind.UNDOCUMENTED_OPERATION,
              "GET /api/spaces/Spaces-1/tasks",
              "",
              "GET /api/spaces/{spaceIdentifier}/tasks is newer than the 2021.2 document, which has /api/{baseSpaceId}/tasks"
                  + " only ("
                  + API_NOTES
                  + " section 4, Spaces; https://octopus.com/docs/api/tasks)"),
          Deviation.of(
              Kind.REQUEST_BODY,
              "PUT /api/maintenanceconfiguration",
              "",
              "The swagger document gives PUT /api/maintenanceconfiguration no body parameter; the server reads"
                  + " {IsInMaintenanceMode} from the body (DOCS-API-MAINT, "
                  + API_NOTES
                  + " section 2)"),
          new Deviation(
              "The swagger document lists GET /api/serverstatus and /api/serverstatus/system-info with no"
                  + " response at all; the server answers 200 with the status resource, and system-info with the"
                  + " process's Version, OSVersion, ClrVersion, Uptime, ThreadCount, WorkingSetBytes (DOCS-API-STATUS, "
                  + API_NOTES
                  + " section 4)",
              f ->
                  f.kind() == Kind.UNDOCUMENTED_STATUS
                      && f.value().equals("200")
                      && (f.operation().equals("GET /api/serverstatus")
                          || f.operation().equals("GET /api/serverstatus/system-info"))),
          Deviation.nullsInAnswers(
              "Swagger 2.0 cannot say 'nullable' and this document has no x-nullable, but"
                  + " Octopus writes an unset property as null (a running task's CompletedTime, an error's HelpLink;"
                  + " DOCS-AUTOSCALE treats a node whose LastSeen is null as inactive: "
                  + API_NOTES
                  + " section 1)"),
          new Deviation(
              "Not Octopus: the fake's base URL plays the load balancer in front of the nodes, and with no"
                  + " node healthy (the single server stopped for patching) the load balancer itself answers 503",
              f -> f.kind() == Kind.UNDOCUMENTED_STATUS && f.value().equals("503")));

  final ContractCheck contract = ContractCheck.of("octopus", ReferenceSpecs.octopus(), KNOWN);

  @Test
  void everyRequestOfTheAdapterAndEveryAnswerOfTheFakeIsWhatTheSpecDescribes() throws Exception {
    // A rolling replacement (task caps, node probes on their own addresses, node records deleted),
    // an
    // in-place HA patching (drain and undrain, one node at a time) and a single server's patching
    // (global
    // maintenance mode), as OctopusProceduresTest runs them.
    rehearse(2, OctopusProcedures::highAvailabilityHostUpgrade, OctopusProceduresTest.WIN2022_NET8);
    rehearse(2, OctopusProcedures::highAvailabilityPatching, OctopusProceduresTest.PATCHES);
    rehearse(1, OctopusProcedures::singleServerPatching, OctopusProceduresTest.PATCHES);
    everyEndpointOfTheFake();

    contract.assertConforms();
  }

  private void rehearse(
      int nodes, Function<OctopusClusterPort, OctopusProcedure> procedure, UpgradeTarget target) {
    try (Octopus octopus = Octopus.recorded(cluster(nodes))) {
      // Shorter soaks, polled less often: the same kinds of request as the presets make, repeated
      // less.
      OctopusProcedure quick =
          procedure
              .apply(octopus.port)
              .withPolicy(
                  b ->
                      b.pollInterval(Duration.ofMinutes(5))
                          .settle(Duration.ofMinutes(5))
                          .canarySoak(Duration.ofMinutes(10))
                          .rampSoak(Duration.ofMinutes(10)));
      Octopus.Rehearsal r = octopus.rehearse(quick, target, true);
      assertThat(r.report().succeeded()).as(r.report().summary()).isTrue();
      contract.check(octopus.proxy.exchanges(), OctopusContractTest::withoutNodePrefix);
    }
  }

  /**
   * Nodes at task cap 5 running a task each, and no more arriving: the drain waits for work to end
   * as in {@link Octopus#cluster}, without an observation for every task that starts and ends
   * meanwhile.
   */
  static FakeCluster cluster(int nodes) {
    return FakeCluster.builder()
        .seed(11)
        .nodes(
            "octo",
            nodes,
            n ->
                n.role("octopus-node")
                    .platform(Octopus.WIN2019)
                    .taskCap(5)
                    .runningTask(Duration.ofMinutes(3)))
        .build();
  }

  /**
   * A GET of each endpoint the fake serves, with the API key, through the proxy; errors included.
   */
  private void everyEndpointOfTheFake() throws IOException, InterruptedException {
    try (Octopus octopus = Octopus.recorded(cluster(2))) {
      String node = octopus.server.nodeId("octo-1");
      HttpClient http = HttpClient.newHttpClient();
      for (String path :
          List.of(
              "/api",
              "/api/octopusservernodes?skip=0&take=1",
              "/api/octopusservernodes/all",
              "/api/octopusservernodes/summary",
              "/api/octopusservernodes/" + node,
              "/api/octopusservernodes/" + node + "/details",
              "/api/maintenanceconfiguration",
              "/api/tasks",
              "/api/Spaces-1/tasks",
              "/api/spaces/Spaces-1/tasks",
              "/api/tasks/ServerTasks-1",
              "/api/spaces",
              "/api/serverstatus",
              "/api/serverstatus/health",
              "/node/octo-1/api/serverstatus/system-info",
              "/node/octo-1/api/octopusservernodes/ping")) {
        get(http, octopus, path, 200);
      }
      get(http, octopus, "/api/octopusservernodes/OctopusServerNodes-404", 404);
      octopus.port.runningWork(Octopus.id("octo-1")); // the adapter's task query
      octopus.port.drain(Octopus.id("octo-2"), octopus.cluster.clock().now().plusSeconds(3600));
      get(http, octopus, "/node/octo-2/api/octopusservernodes/ping", 418);
      contract.check(octopus.proxy.exchanges(), OctopusContractTest::withoutNodePrefix);
    }
  }

  private static void get(HttpClient http, Octopus octopus, String path, int status)
      throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(octopus.proxy.uri() + path))
                .header("X-Octopus-ApiKey", octopus.server.apiKey())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET " + path + ": " + r.body()).isEqualTo(status);
  }

  /**
   * The fake serves every node on one port under {@code /node/<name>}; a real node has an address
   * of its own, with the API at its root.
   */
  static String withoutNodePrefix(String path) {
    return path.replaceFirst("^/node/[^/]+", "");
  }
}
