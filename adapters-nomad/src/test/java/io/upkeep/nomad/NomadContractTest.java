package io.upkeep.nomad;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.upkeep.Policy;
import io.upkeep.RunReport;
import io.upkeep.Strategy;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeTarget;
import io.upkeep.http.contract.ApiSpec.Kind;
import io.upkeep.http.contract.ContractCheck;
import io.upkeep.http.contract.ContractCheck.Deviation;
import io.upkeep.http.contract.ReferenceSpecs;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract with HashiCorp's OpenAPI description of Nomad ({@code
 * ../shared/reference/nomad/openapi.yaml}, generated from Nomad 1.3): every request the adapter
 * makes in representative runs, and every answer the fake server gives to them and to a GET of each
 * endpoint it serves, validated against the spec by a schema validator. Where the spec and the real
 * server differ, {@link #KNOWN} says so with the source; any other disagreement fails.
 */
@Timeout(60)
class NomadContractTest {

  static final UpgradeTarget NOMAD_18 = UpgradeTarget.product("1.8.2");
  static final String NOTES = "shared/reference/NOMAD-API.md";
  static final String README = "shared/reference/nomad/README.md";

  /** Where Nomad (and so the fake) departs from the spec, and what the spec predates. */
  static final List<Deviation> KNOWN =
      List.of(
          undocumented("GET /v1/agent/self"),
          undocumented("GET /v1/agent/members"),
          undocumented("GET /v1/agent/health"),
          undocumented("PUT /v1/agent/force-leave"),
          new Deviation(
              "PUT /v1/operator/raft/transfer-leadership is newer than the spec: added in Nomad 1.7.0, the spec"
                  + " was generated from Nomad 1.3.5 ("
                  + README
                  + "; https://developer.hashicorp.com/nomad/api-docs/operator/raft)",
              f ->
                  f.kind() == Kind.UNDOCUMENTED_OPERATION
                      && f.operation().equals("PUT /v1/operator/raft/transfer-leadership")),
          new Deviation(
              "Nomad's writes take PUT or POST alike, and its Go client sends PUT; the spec lists POST only"
                  + " ("
                  + NOTES
                  + " section 1.1, command/agent/http.go; api/api.go put)",
              f ->
                  f.kind() == Kind.UNDOCUMENTED_OPERATION
                      && f.operation().matches("PUT /v1/node/[^/]+/(drain|eligibility)")),
          new Deviation(
              "The spec models the blocking query's index as a request header; Nomad reads it from the query"
                  + " string only ("
                  + README
                  + "; "
                  + NOTES
                  + " section 1.3)",
              f ->
                  f.kind() == Kind.QUERY
                      && f.location().equals("/index")
                      && f.keyword().equals("additionalProperties")),
          new Deviation(
              "ServerHealth.LastContact is an int64 in the spec; Nomad sends a Go duration string such as"
                  + " \"27.291304ms\" ("
                  + README
                  + "; "
                  + NOTES
                  + " section 1.1)",
              f ->
                  f.kind() == Kind.RESPONSE_BODY
                      && f.operation().equals("GET /v1/operator/autopilot/health")
                      && f.location().matches("/Servers/\\d+/LastContact")),
          new Deviation(
              "Autopilot health answers 429 with its JSON body while a server is unhealthy; the spec documents"
                  + " 200, 400, 403, 405 and 500 only ("
                  + NOTES
                  + " section 1.5: the Go client's autopilot health 429;"
                  + " https://developer.hashicorp.com/nomad/api-docs/operator/autopilot)",
              f ->
                  f.kind() == Kind.UNDOCUMENTED_STATUS
                      && f.operation().equals("GET /v1/operator/autopilot/health")
                      && f.value().equals("429")),
          new Deviation(
              "GET /v1/node/:id answers 404 'node not found' for an unknown node; the spec documents no 404"
                  + " ("
                  + NOTES
                  + " section 1.5, command/agent/node_endpoint.go)",
              f ->
                  f.kind() == Kind.UNDOCUMENTED_STATUS
                      && f.operation().equals("GET /v1/node/{nodeId}")
                      && f.value().equals("404")),
          Deviation.nullsInAnswers(
              "The spec marks nothing nullable, but Nomad's encoder writes a nil map, slice or"
                  + " pointer as null ("
                  + NOTES
                  + " section 1.1)"));

  final ContractCheck contract = ContractCheck.of("nomad", ReferenceSpecs.nomad(), KNOWN);
  final ObjectMapper json = new ObjectMapper();

  @Test
  void everyRequestOfTheAdapterAndEveryAnswerOfTheFakeIsWhatTheSpecDescribes() throws Exception {
    // In place: servers first, the leader last after a leadership transfer, through the raft health
    // gate;
    // then clients drained with a deadline and marked eligible again.
    upgrade(NomadFixture.builder().servers(3).clients(2), Strategy.inPlace(), p -> p);
    // Servers replaced: a new one joins, passes the gate, and the old one is forced out.
    upgrade(
        NomadFixture.builder().servers(3).clients(1),
        Strategy.rollingReplace(),
        p -> p.only("server-1", "server-2", "server-3"));
    everyEndpointOfTheFake();

    contract.assertConforms();
  }

  private void upgrade(
      NomadFixture.Builder region, Strategy strategy, UnaryOperator<Policy.Builder> policy) {
    try (NomadFixture nomad = region.recorded().build()) {
      Policy p =
          policy
              .apply(
                  NomadProcedures.policy(Duration.ofMinutes(10))
                      .canaries(0)
                      .snapshots(false)
                      .pollInterval(Duration.ofMinutes(2)))
              .build();
      UpgradePlan plan =
          NomadProcedures.plan(
              UpgradePlanner.create(nomad.cluster.clock()), nomad.port, strategy, NOMAD_18, p);
      RunReport report =
          NomadProcedures.executor(nomad.port, nomad.cluster).build().start(plan).execute();
      assertThat(report.succeeded()).as(report.summary()).isTrue();
      contract.check(nomad.proxy.exchanges(), UnaryOperator.identity());
    }
  }

  /**
   * The adapter's blocking query (which its virtual-time settings never make), then a GET of each
   * endpoint the fake serves, with the token, through the proxy; an error included.
   */
  private void everyEndpointOfTheFake() throws IOException, InterruptedException {
    try (NomadFixture nomad =
        NomadFixture.builder()
            .servers(3)
            .clients(1)
            .recorded()
            .cluster(b -> b.workload(Duration.ofSeconds(10), Duration.ofMinutes(1)))
            .build()) {
      nomad.cluster.clock().sleep(Duration.ofMinutes(5)); // let work reach the client
      try (NomadClusterPort blocking =
          NomadClusterPort.create(nomad.config().blockingWait(Duration.ofMillis(100)).build())) {
        blocking.awaitChange(blocking.observe(), Duration.ofSeconds(1));
      }
      HttpClient http = HttpClient.newHttpClient();
      String node = get(http, nomad, "/v1/nodes", 200).path(0).path("ID").asText();
      String alloc =
          get(http, nomad, "/v1/node/" + node + "/allocations", 200).path(0).path("ID").asText();
      for (String path :
          List.of(
              "/v1/agent/self",
              "/v1/agent/members",
              "/v1/agent/health",
              "/v1/status/leader",
              "/v1/status/peers",
              "/v1/regions",
              "/v1/operator/raft/configuration",
              "/v1/operator/autopilot/health",
              "/v1/operator/autopilot/configuration",
              "/v1/node/" + node,
              "/v1/allocation/" + alloc)) {
        get(http, nomad, path, 200);
      }
      get(http, nomad, "/v1/node/00000000-0000-0000-0000-000000000000", 404);
      contract.check(nomad.proxy.exchanges(), UnaryOperator.identity());
    }
  }

  private JsonNode get(HttpClient http, NomadFixture nomad, String path, int status)
      throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(nomad.proxy.uri() + path))
                .header("X-Nomad-Token", NomadFixture.TOKEN)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET " + path + ": " + r.body()).isEqualTo(status);
    return status == 200 ? json.readTree(r.body()) : json.missingNode();
  }

  /** An endpoint of the agent: the spec has none ({@code generator/agent.go} comments them out). */
  private static Deviation undocumented(String operation) {
    return new Deviation(
        operation
            + " is not in the spec: it has no /agent/* paths at all, their generator is"
            + " commented out ("
            + README
            + "; https://developer.hashicorp.com/nomad/api-docs/agent)",
        f -> f.kind() == Kind.UNDOCUMENTED_OPERATION && f.operation().equals(operation));
  }
}
