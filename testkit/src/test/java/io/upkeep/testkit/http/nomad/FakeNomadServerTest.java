package io.upkeep.testkit.http.nomad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.TaskCap;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.http.HttpFault;
import io.upkeep.testkit.http.RecordedRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The fake Nomad API, spoken to as any Nomad client would: plain HTTP, Nomad's JSON and headers.
 */
class FakeNomadServerTest {

  static final String TOKEN = "0d6c1e2f-3a4b-4c5d-8e9f-a0b1c2d3e4f5";
  static final Platform NOMAD = Platform.of("Ubuntu 22.04", "", "1.7.7");
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();

  FakeCluster cluster;
  FakeNomadServer server;

  @AfterEach
  void close() {
    if (server != null) {
      server.close();
    }
  }

  void start(
      int servers,
      int clients,
      Consumer<FakeCluster.Builder> c,
      Consumer<FakeNomadServer.Builder> s) {
    FakeCluster.Builder cb =
        FakeCluster.builder()
            .forcesDrainAtDeadline(true)
            .nodes(
                "server",
                servers,
                n ->
                    n.role("server")
                        .voter(true)
                        .runsWork(false)
                        .taskCap(TaskCap.UNLIMITED)
                        .platform(NOMAD))
            .nodes(
                "client",
                clients,
                n -> n.role("client").taskCap(TaskCap.UNLIMITED).platform(NOMAD));
    c.accept(cb);
    cluster = cb.build();
    FakeNomadServer.Builder sb = FakeNomadServer.builder(cluster);
    s.accept(sb);
    server = sb.start();
  }

  void start(int servers, int clients) {
    start(servers, clients, c -> {}, s -> {});
  }

  record Answer(int status, HttpResponse<String> raw) {
    String body() {
      return raw.body();
    }

    JsonNode json() {
      try {
        return JSON.readTree(raw.body());
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + raw.body(), e);
      }
    }

    String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  Answer send(String method, String path, String body, String token) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("X-Nomad-Token", token);
    }
    try {
      HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), r);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  Answer get(String path) {
    return send("GET", path, null, null);
  }

  String nodeId(String name) {
    return server.nodeId(NodeId.of(name));
  }

  @Nested
  class NomadsJson {

    @Test
    void listsClientsAsNodeStubsInPascalCaseWithQueryMeta() {
      start(1, 2);
      Answer a = get("/v1/nodes");
      assertThat(a.status()).isEqualTo(200);
      assertThat(a.header("Content-Type")).isEqualTo("application/json");
      assertThat(a.json()).hasSize(2);
      JsonNode stub = a.json().get(0);
      assertThat(stub.get("Name").asText()).isEqualTo("client-1");
      assertThat(stub.get("ID").asText()).isEqualTo(nodeId("client-1")).hasSize(36);
      assertThat(stub.get("Status").asText()).isEqualTo("ready");
      assertThat(stub.get("SchedulingEligibility").asText()).isEqualTo("eligible");
      assertThat(stub.get("Version").asText()).isEqualTo("1.7.7");
      assertThat(stub.get("Drain").asBoolean()).isFalse();
      assertThat(Long.parseLong(a.header("X-Nomad-Index"))).isPositive();
      assertThat(a.header("X-Nomad-KnownLeader")).isEqualTo("true");
      assertThat(a.header("X-Nomad-LastContact")).isEqualTo("0");
    }

    @Test
    void readsANodeWithItsAttributes() {
      start(1, 1);
      JsonNode n = get("/v1/node/" + nodeId("client-1")).json();
      // As a real agent fingerprints it (gopsutil's lower-case platform), not as the test wrote it.
      assertThat(n.get("Attributes").get("os.name").asText()).isEqualTo("ubuntu");
      assertThat(n.get("Attributes").get("os.version").asText()).isEqualTo("22.04");
      assertThat(n.get("Attributes").get("nomad.version").asText()).isEqualTo("1.7.7");
      assertThat(n.get("DrainStrategy").isNull()).isTrue();
      assertThat(n.get("LastDrain").isNull()).isTrue();
      assertThat(n.get("SecretID").asText()).isEmpty();
      assertThat(n.get("Events").get(0).get("Message").asText()).isEqualTo("Node registered");
    }

    @Test
    void describesServersAsSerfMembersWithTheirBuild() {
      start(3, 0);
      Answer a = get("/v1/agent/members");
      assertThat(a.header("X-Nomad-Index")).isNull();
      JsonNode m = a.json().get("Members").get(1);
      assertThat(m.get("Name").asText()).isEqualTo("server-2.global");
      assertThat(m.get("Status").asText()).isEqualTo("alive");
      assertThat(m.get("Tags").get("build").asText()).isEqualTo("1.7.7");
      assertThat(m.get("Tags").get("region").asText()).isEqualTo("global");
      assertThat(a.json().get("ServerRegion").asText()).isEqualTo("global");
    }

    @Test
    void writesAgentStatsAsStringsAndTheVersionAsAnObjectOrTheOldFlatForm() {
      start(3, 0);
      JsonNode self = get("/v1/agent/self").json();
      assertThat(self.get("stats").get("raft").get("last_log_index").isTextual()).isTrue();
      assertThat(self.get("stats").get("nomad").get("leader").asText()).isEqualTo("true");
      assertThat(self.get("config").get("Version").get("Version").asText()).isEqualTo("1.7.7");
      assertThat(self.get("member").get("Name").asText()).isEqualTo("server-1.global");
      server.close();
      start(1, 0, c -> {}, s -> s.legacyAgentVersion(true));
      assertThat(get("/v1/agent/self").json().get("config").get("Version").asText())
          .isEqualTo("1.7.7");
    }

    @Test
    void reportsTheLeaderInRaftStatusAndAutopilot() {
      start(3, 0);
      assertThat(get("/v1/status/leader").json().asText()).isEqualTo("10.0.0.1:4647");
      assertThat(get("/v1/status/peers").json()).hasSize(3);
      JsonNode raft = get("/v1/operator/raft/configuration").json();
      assertThat(raft.get("Servers").get(0).get("Leader").asBoolean()).isTrue();
      assertThat(raft.get("Servers").get(0).get("RaftProtocol").asText()).isEqualTo("3");
      Answer health = get("/v1/operator/autopilot/health");
      assertThat(health.status()).isEqualTo(200);
      assertThat(health.json().get("FailureTolerance").asInt()).isEqualTo(1);
      assertThat(health.json().get("Servers").get(1).get("LastContact").isTextual()).isTrue();
    }

    @Test
    void answersAutopilot429WithItsJsonWhileAServerIsDown() {
      start(3, 0);
      cluster.stopService("r", NodeId.of("server-3"));
      cluster.clock().sleep(Duration.ofMinutes(1));
      Answer health = get("/v1/operator/autopilot/health");
      assertThat(health.status()).isEqualTo(429);
      assertThat(health.json().get("Healthy").asBoolean()).isFalse();
      assertThat(health.json().get("FailureTolerance").asInt()).isZero();
      assertThat(get("/v1/agent/members").json().get("Members").get(2).get("Status").asText())
          .isEqualTo("failed");
    }
  }

  @Nested
  class Errors {

    @Test
    void answersInPlainText() {
      start(1, 1);
      Answer missing = get("/v1/node/" + NomadState.uuid("nobody"));
      assertThat(missing.status()).isEqualTo(404);
      assertThat(missing.body()).isEqualTo("node not found");
      assertThat(missing.header("Content-Type")).startsWith("text/plain");
      assertThat(missing.header("X-Nomad-Index")).isNotNull();
      assertThat(send("PUT", "/v1/node/" + NomadState.uuid("nobody") + "/drain", "{}", null).body())
          .isEqualTo("node not found");
      assertThat(send("PUT", "/v1/node/" + nodeId("client-1") + "/drain", null, null).body())
          .isEqualTo("Request body is empty");
      assertThat(send("DELETE", "/v1/nodes", null, null).status()).isEqualTo(405);
      assertThat(get("/v1/nodes?index=abc").body()).isEqualTo("Invalid index");
      assertThat(get("/v1/nodes?index=1&wait=soon").body()).isEqualTo("Invalid wait time");
      Answer bad =
          send(
              "PUT",
              "/v1/node/" + nodeId("client-1") + "/eligibility",
              "{\"Eligibility\":\"maybe\"}",
              null);
      assertThat(bad.status()).isEqualTo(500);
      assertThat(bad.body()).isEqualTo("invalid scheduling eligibility \"maybe\"");
      assertThat(send("PUT", "/v1/agent/force-leave", null, null).body())
          .isEqualTo("missing node to force leave");
    }

    @Test
    void refusesEligibleWhileDraining() {
      start(
          1,
          0,
          c ->
              c.node(
                  "client-1",
                  n ->
                      n.role("client")
                          .taskCap(TaskCap.UNLIMITED)
                          .platform(NOMAD)
                          .runningTask(Duration.ofHours(1))),
          s -> {});
      send(
          "PUT",
          "/v1/node/" + nodeId("client-1") + "/drain",
          "{\"DrainSpec\":{\"Deadline\":0}}",
          null);
      Answer a =
          send(
              "PUT",
              "/v1/node/" + nodeId("client-1") + "/eligibility",
              "{\"Eligibility\":\"eligible\"}",
              null);
      assertThat(a.status()).isEqualTo(500);
      assertThat(a.body())
          .isEqualTo("can not set node's scheduling eligibility to eligible while it is draining");
    }

    @Test
    void answersNoClusterLeaderDuringAnElectionExceptToStaleReads() {
      start(3, 1);
      server.loseLeader(Duration.ofSeconds(30));
      assertThat(get("/v1/status/leader").body()).isEqualTo("No cluster leader");
      assertThat(get("/v1/nodes").status()).isEqualTo(500);
      assertThat(get("/v1/operator/autopilot/health").body()).isEqualTo("No cluster leader");
      Answer stale = get("/v1/nodes?stale");
      assertThat(stale.status()).isEqualTo(200);
      assertThat(stale.header("X-Nomad-KnownLeader")).isEqualTo("false");
      assertThat(get("/v1/agent/members").status()).isEqualTo(200);
      cluster.clock().sleep(Duration.ofSeconds(30));
      assertThat(get("/v1/status/leader").status()).isEqualTo(200);
    }

    @Test
    void dropsEveryConnectionWhenNoServerRuns() {
      start(1, 1);
      cluster.stopService("r", NodeId.of("server-1"));
      cluster.clock().sleep(Duration.ofMinutes(1));
      assertThatThrownBy(() -> get("/v1/nodes")).hasCauseInstanceOf(IOException.class);
    }

    @Test
    void injectsScriptedFaults() {
      start(1, 1);
      server.inject(HttpFault.respond(503, "busy", 2).on("/v1/nodes"));
      server.inject(HttpFault.dropConnection(2).on("/v1/agent"));
      assertThat(get("/v1/nodes").status()).isEqualTo(503);
      assertThat(get("/v1/node/" + nodeId("client-1")).status()).isEqualTo(200);
      assertThat(get("/v1/nodes").body()).isEqualTo("busy");
      assertThat(get("/v1/nodes").status()).isEqualTo(200);
      // Two drops: the JDK's client tries a GET once more when the connection closes before an
      // answer.
      assertThatThrownBy(() -> get("/v1/agent/self")).hasCauseInstanceOf(IOException.class);
      assertThat(server.requests())
          .extracting(RecordedRequest::status)
          .containsExactly(503, 200, 503, 200, 0, 0);
      assertThat(get("/v1/agent/self").status()).isEqualTo(200);
    }

    @Test
    void anInjectedStatusIsAnsweredWithNomadsPlainTextError() {
      start(1, 1);
      server.inject(HttpFault.status(500, 1).on("/v1/nodes"));
      Answer a = get("/v1/nodes");
      assertThat(a.status()).isEqualTo(500);
      assertThat(a.header("Content-Type")).startsWith("text/plain");
      assertThat(a.body()).contains("injected fault, HTTP 500");
    }
  }

  @Nested
  class Acl {

    @Test
    void checksEachEndpointsCapability() {
      start(1, 1, c -> {}, s -> s.acl(TOKEN).token("reader", "reader-secret", "node:read"));
      assertThat(get("/v1/nodes").status()).isEqualTo(403);
      assertThat(get("/v1/nodes").body()).isEqualTo("Permission denied");
      assertThat(send("GET", "/v1/nodes", null, "who-knows").body())
          .isEqualTo("ACL token not found");
      assertThat(send("GET", "/v1/nodes", null, "reader-secret").status()).isEqualTo(200);
      assertThat(send("GET", "/v1/operator/autopilot/health", null, "reader-secret").status())
          .isEqualTo(403);
      assertThat(
              send(
                      "PUT",
                      "/v1/node/" + nodeId("client-1") + "/eligibility",
                      "{\"Eligibility\":\"ineligible\"}",
                      "reader-secret")
                  .status())
          .isEqualTo(403);
      assertThat(send("GET", "/v1/operator/raft/configuration", null, TOKEN).status())
          .isEqualTo(200);
      assertThat(get("/v1/status/leader").status()).as("status needs no token").isEqualTo(200);
    }

    @Test
    void acceptsABearerTokenAndRecordsWhoCalledWithTheSecretMasked() {
      start(1, 1, c -> {}, s -> s.acl(TOKEN));
      HttpRequest r =
          HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/nodes"))
              .header("Authorization", "Bearer " + TOKEN)
              .build();
      try {
        assertThat(HTTP.send(r, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      } catch (IOException | InterruptedException e) {
        throw new AssertionError(e);
      }
      send("GET", "/v1/nodes", null, TOKEN);
      RecordedRequest first = server.takeRequest();
      assertThat(first.principal()).isEqualTo("management");
      assertThat(first.header("Authorization")).contains(RecordedRequest.MASKED);
      assertThat(server.takeRequest().header("X-Nomad-Token")).contains(RecordedRequest.MASKED);
      assertThatThrownBy(server::takeRequest).isInstanceOf(NoSuchElementException.class);
      assertThat(server.requests().toString()).doesNotContain(TOKEN);
    }
  }

  @Nested
  class Drains {

    @Test
    void followsADrainToItsEndAsNomadReportsIt() {
      start(
          1,
          0,
          c ->
              c.node(
                  "client-1",
                  n ->
                      n.role("client")
                          .taskCap(TaskCap.UNLIMITED)
                          .platform(NOMAD)
                          .runningTask(Duration.ofMinutes(3))),
          s -> {});
      String id = nodeId("client-1");
      Answer put =
          send(
              "POST",
              "/v1/node/" + id + "/drain",
              "{\"NodeID\":\""
                  + id
                  + "\",\"DrainSpec\":{\"Deadline\":3600000000000,\"IgnoreSystemJobs\":false},"
                  + "\"Meta\":{\"message\":\"patching\"}}",
              null);
      assertThat(put.status()).isEqualTo(200);
      assertThat(put.json().get("NodeModifyIndex").asLong())
          .isEqualTo(Long.parseLong(put.header("X-Nomad-Index")));
      assertThat(put.header("X-Nomad-KnownLeader")).isNull();
      JsonNode draining = get("/v1/node/" + id).json();
      assertThat(draining.get("DrainStrategy").get("Deadline").asLong())
          .isEqualTo(3_600_000_000_000L);
      assertThat(draining.get("DrainStrategy").get("ForceDeadline").asText())
          .isEqualTo("2026-01-01T01:00:00Z");
      assertThat(draining.get("SchedulingEligibility").asText()).isEqualTo("ineligible");
      assertThat(draining.get("LastDrain").get("Status").asText()).isEqualTo("draining");
      assertThat(draining.get("LastDrain").get("Meta").get("message").asText())
          .isEqualTo("patching");
      JsonNode alloc = get("/v1/node/" + id + "/allocations").json().get(0);
      assertThat(alloc.get("ClientStatus").asText()).isEqualTo("running");
      assertThat(alloc.get("DesiredTransition").get("Migrate").asBoolean()).isTrue();
      assertThat(alloc.get("Job").get("Type").asText()).isEqualTo("service");

      cluster.clock().sleep(Duration.ofMinutes(3));
      JsonNode done = get("/v1/node/" + id).json();
      assertThat(done.get("DrainStrategy").isNull()).isTrue();
      assertThat(done.get("LastDrain").get("Status").asText()).isEqualTo("complete");
      assertThat(done.get("SchedulingEligibility").asText()).isEqualTo("ineligible");
      assertThat(done.get("Events").findValuesAsText("Message"))
          .contains("Node drain strategy set", "Node drain complete");
      assertThat(get("/v1/node/" + id + "/allocations").json().get(0).get("ClientStatus").asText())
          .isEqualTo("complete");

      send("PUT", "/v1/node/" + id + "/eligibility", "{\"Eligibility\":\"eligible\"}", null);
      assertThat(get("/v1/node/" + id).json().get("SchedulingEligibility").asText())
          .isEqualTo("eligible");
      assertThat(cluster.events()).anyMatch(e -> e instanceof ClusterEvent.Undrained);
    }

    @Test
    void stopsSystemJobsAtTheEndOfADrainUnlessTheyAreIgnored() {
      start(1, 2, c -> {}, s -> s.systemJobs(true));
      String one = nodeId("client-1");
      String two = nodeId("client-2");
      send(
          "PUT",
          "/v1/node/" + one + "/drain",
          "{\"DrainSpec\":{\"Deadline\":60000000000,\"IgnoreSystemJobs\":false}}",
          null);
      send(
          "PUT",
          "/v1/node/" + two + "/drain",
          "{\"DrainSpec\":{\"Deadline\":60000000000,\"IgnoreSystemJobs\":true}}",
          null);
      JsonNode a1 = get("/v1/node/" + one + "/allocations").json().get(0);
      JsonNode a2 = get("/v1/node/" + two + "/allocations").json().get(0);
      assertThat(a1.get("Job").get("Type").asText()).isEqualTo("system");
      assertThat(a1.get("ClientStatus").asText()).isEqualTo("complete");
      assertThat(a2.get("ClientStatus").asText()).isEqualTo("running");
      assertThat(get("/v1/node/" + two).json().get("LastDrain").get("Status").asText())
          .isEqualTo("complete");
    }

    @Test
    void cancelsADrainLeavingTheNodeIneligibleUnlessAskedToMarkItEligible() {
      start(
          1,
          0,
          c ->
              c.node(
                  "client-1",
                  n ->
                      n.role("client")
                          .taskCap(TaskCap.UNLIMITED)
                          .platform(NOMAD)
                          .runningTask(Duration.ofHours(1))),
          s -> {});
      String id = nodeId("client-1");
      send("PUT", "/v1/node/" + id + "/drain", "{\"DrainSpec\":{\"Deadline\":0}}", null);
      send("PUT", "/v1/node/" + id + "/drain", "{\"DrainSpec\":null}", null);
      JsonNode n = get("/v1/node/" + id).json();
      assertThat(n.get("DrainStrategy").isNull()).isTrue();
      assertThat(n.get("SchedulingEligibility").asText()).isEqualTo("ineligible");
      assertThat(n.get("LastDrain").get("Status").asText()).isEqualTo("canceled");
      send("PUT", "/v1/node/" + id + "/drain", "{\"DrainSpec\":null,\"MarkEligible\":true}", null);
      assertThat(get("/v1/node/" + id).json().get("SchedulingEligibility").asText())
          .isEqualTo("eligible");
      assertThat(get("/v1/node/" + id + "/allocations").json().get(0).get("ClientStatus").asText())
          .isEqualTo("running");
    }
  }

  @Nested
  class HeartbeatsAndMembership {

    @Test
    void marksAStoppedClientDownOnlyAfterItsTtlAndTheGrace() {
      start(1, 1, c -> {}, s -> s.heartbeat(Duration.ofSeconds(10), Duration.ofSeconds(10)));
      String id = nodeId("client-1");
      cluster.stopService("r1", NodeId.of("client-1"));
      cluster.clock().sleep(Duration.ofSeconds(30 + 19));
      assertThat(get("/v1/node/" + id).json().get("Status").asText()).isEqualTo("ready");
      cluster.clock().sleep(Duration.ofSeconds(1));
      assertThat(get("/v1/node/" + id).json().get("Status").asText()).isEqualTo("down");
      cluster.startService("r2", NodeId.of("client-1"));
      cluster.clock().sleep(Duration.ofMinutes(1));
      assertThat(get("/v1/node/" + id).json().get("Status").asText()).isEqualTo("initializing");
      cluster.clock().sleep(Duration.ofSeconds(2));
      assertThat(get("/v1/node/" + id).json().get("Status").asText()).isEqualTo("ready");
    }

    @Test
    void transfersLeadershipToAHealthyVoterUntilTheClustersOwnLeaderChanges() {
      start(3, 0);
      String id =
          get("/v1/operator/raft/configuration").json().get("Servers").get(2).get("ID").asText();
      assertThat(send("PUT", "/v1/operator/raft/transfer-leadership", null, null).status())
          .isEqualTo(400);
      assertThat(send("PUT", "/v1/operator/raft/transfer-leadership?id=" + id, null, null).status())
          .isEqualTo(200);
      assertThat(get("/v1/status/leader").json().asText()).isEqualTo("10.0.0.3:4647");
      assertThat(get("/v1/agent/self").json().get("member").get("Name").asText())
          .isEqualTo("server-3.global");
      cluster.stopService("r", NodeId.of("server-1"));
      cluster.clock().sleep(Duration.ofMinutes(1));
      assertThat(get("/v1/status/leader").json().asText())
          .as("the cluster elected server-2")
          .isEqualTo("10.0.0.2:4647");
    }

    @Test
    void forceLeaveRemovesAFailedServerAndLeavesAnAliveOneAlone() {
      start(3, 0);
      assertThat(send("PUT", "/v1/agent/force-leave?node=server-3.global", null, null).status())
          .isEqualTo(200);
      assertThat(cluster.host(NodeId.of("server-3")).member()).isTrue();
      cluster.stopService("r", NodeId.of("server-3"));
      cluster.clock().sleep(Duration.ofMinutes(1));
      assertThat(send("POST", "/v1/agent/force-leave?node=server-3.global", null, null).status())
          .isEqualTo(200);
      assertThat(cluster.host(NodeId.of("server-3")).member()).isFalse();
      assertThat(get("/v1/agent/members").json().get("Members").get(2).get("Status").asText())
          .isEqualTo("left");
      assertThat(get("/v1/operator/raft/configuration").json().get("Servers")).hasSize(2);
      assertThat(
              send("PUT", "/v1/agent/force-leave?node=server-3.global&prune=maybe", null, null)
                  .body())
          .isEqualTo("invalid prune value");
    }
  }

  @Nested
  class BlockingQueries {

    @Test
    void holdTheAnswerUntilTheClusterChanges() throws Exception {
      start(
          1,
          0,
          c ->
              c.node(
                  "client-1",
                  n ->
                      n.role("client")
                          .taskCap(TaskCap.UNLIMITED)
                          .platform(NOMAD)
                          .runningTask(Duration.ofMinutes(3))),
          s -> {});
      String id = nodeId("client-1");
      send("PUT", "/v1/node/" + id + "/drain", "{\"DrainSpec\":{\"Deadline\":0}}", null);
      long index = Long.parseLong(get("/v1/node/" + id).header("X-Nomad-Index"));
      CompletableFuture<Answer> blocked =
          CompletableFuture.supplyAsync(
              () -> get("/v1/node/" + id + "?index=" + index + "&wait=30s"));
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (server.blockedQueries() == 0 && System.nanoTime() < giveUp) {
        Thread.onSpinWait();
      }
      assertThat(blocked).isNotDone();
      cluster.clock().sleep(Duration.ofMinutes(3)); // the task ends, the drain completes
      Answer a = blocked.get(10, TimeUnit.SECONDS);
      assertThat(Long.parseLong(a.header("X-Nomad-Index"))).isGreaterThan(index);
      assertThat(a.json().get("DrainStrategy").isNull()).isTrue();
    }

    @Test
    void answerWithTheSameIndexWhenTheWaitEndsWithoutAChange() {
      start(1, 1);
      long index = Long.parseLong(get("/v1/nodes").header("X-Nomad-Index"));
      Answer a = get("/v1/nodes?index=" + index + "&wait=30ms");
      assertThat(a.status()).isEqualTo(200);
      assertThat(Long.parseLong(a.header("X-Nomad-Index"))).isEqualTo(index);
      Answer at = get("/v1/nodes?index=" + (index - 1) + "&wait=5m");
      assertThat(Long.parseLong(at.header("X-Nomad-Index")))
          .as("an older index answers at once")
          .isEqualTo(index);
    }
  }

  /** Where HashiCorp documents a behaviour, the fake has it: each point against its source. */
  @Nested
  class Fidelity {

    static final java.util.regex.Pattern UUID =
        java.util.regex.Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    JsonNode attributes(String node) {
      return get("/v1/node/" + nodeId(node)).json().get("Attributes");
    }

    /**
     * client/fingerprint/host.go (gopsutil host.Info) and docs/runtime/interpolation.mdx: os.name
     * ubuntu/windows/darwin, kernel.name linux; Windows splits PlatformVersion at "Build".
     */
    @Test
    void reportsHostAttributesAsARealClientFingerprintsThem() {
      start(
          1,
          1,
          c ->
              c.node(
                      "win-1",
                      n ->
                          n.role("client")
                              .taskCap(TaskCap.UNLIMITED)
                              .platform(Platform.of("Windows Server 2022", "", "1.7.7")))
                  .node(
                      "deb-1",
                      n ->
                          n.role("client")
                              .taskCap(TaskCap.UNLIMITED)
                              .platform(Platform.of("Debian 12.5", "", "1.7.7")))
                  .node(
                      "rhel-1",
                      n ->
                          n.role("client")
                              .taskCap(TaskCap.UNLIMITED)
                              .platform(Platform.of("Red Hat Enterprise Linux 9.4", "", "1.7.7"))),
          s -> {});
      JsonNode ubuntu = attributes("client-1");
      assertThat(ubuntu.get("os.name").asText()).isEqualTo("ubuntu");
      assertThat(ubuntu.get("os.version").asText()).isEqualTo("22.04");
      assertThat(ubuntu.get("kernel.name").asText()).isEqualTo("linux");
      assertThat(ubuntu.get("kernel.arch").asText()).isEqualTo("x86_64");
      assertThat(ubuntu.get("kernel.version").asText()).startsWith("5.15.0-").endsWith("-generic");
      assertThat(ubuntu.get("cpu.arch").asText()).isEqualTo("amd64");
      assertThat(ubuntu.get("unique.hostname").asText()).isEqualTo("client-1");
      assertThat(ubuntu.has("os.build")).isFalse();

      JsonNode windows = attributes("win-1");
      assertThat(windows.get("os.name").asText())
          .isEqualTo("Microsoft Windows Server 2022 Datacenter");
      assertThat(windows.get("os.version").asText()).isEqualTo("10.0.20348.2700");
      assertThat(windows.get("os.build").asText()).isEqualTo("20348.2700");
      assertThat(windows.get("kernel.name").asText()).isEqualTo("windows");
      assertThat(windows.has("kernel.version")).as("no kernel.version on Windows").isFalse();

      assertThat(attributes("deb-1").get("os.name").asText()).isEqualTo("debian");
      assertThat(attributes("deb-1").get("os.version").asText()).isEqualTo("12.5");
      assertThat(attributes("rhel-1").get("os.name").asText()).isEqualTo("redhat");
      assertThat(attributes("rhel-1").get("os.version").asText()).isEqualTo("9.4");

      // An OS upgrade of the host shows in the attributes, kernel included.
      cluster.stopService("s", NodeId.of("client-1"));
      cluster.clock().sleep(Duration.ofMinutes(1));
      cluster.upgrade("u", NodeId.of("client-1"), io.upkeep.UpgradeTarget.os("Ubuntu 24.04"));
      cluster.clock().sleep(Duration.ofHours(1));
      assertThat(attributes("client-1").get("os.version").asText()).isEqualTo("24.04");
      assertThat(attributes("client-1").get("kernel.version").asText()).startsWith("6.8.0-");
    }

    /**
     * api-docs/status.mdx and api-docs/regions.mdx (ACL Required: none); nomad/status_endpoint.go
     * Leader and Peers and nomad/regions_endpoint.go List throw the authentication error away.
     */
    @Test
    void answersStatusRegionsAndHealthWhateverTheToken() {
      start(
          3,
          1,
          c ->
              c.node(
                  "server-4",
                  n ->
                      n.role("server")
                          .voter(false)
                          .runsWork(false)
                          .taskCap(TaskCap.UNLIMITED)
                          .platform(NOMAD)),
          s -> s.acl(TOKEN));
      for (String token : new String[] {null, "no-such-token", TOKEN}) {
        Answer leader = send("GET", "/v1/status/leader", null, token);
        assertThat(leader.status()).as("leader with token " + token).isEqualTo(200);
        assertThat(leader.json().asText()).isEqualTo("10.0.0.1:4647");
        Answer peers = send("GET", "/v1/status/peers", null, token);
        assertThat(peers.status()).isEqualTo(200);
        assertThat(peers.json()).as("voters and non-voters").hasSize(4);
        assertThat(send("GET", "/v1/regions", null, token).json().get(0).asText())
            .isEqualTo("global");
        assertThat(send("GET", "/v1/agent/health", null, token).status()).isEqualTo(200);
      }
      assertThat(send("GET", "/v1/nodes", null, "no-such-token").body())
          .isEqualTo("ACL token not found");
      assertThat(send("GET", "/v1/nodes", null, null).body()).isEqualTo("Permission denied");
      assertThat(server.requests("GET", "/v1/status/leader"))
          .extracting(RecordedRequest::principal)
          .containsExactly("anonymous", "unknown", "management");
    }

    /**
     * api-docs/agent.mdx (ServerName "bacon-mac", member Name "bacon-mac.global"); nomad/server.go
     * names the serf member NodeName.Region; raft and autopilot name servers by that member name,
     * with the server's node ID (a UUID) as raft ID.
     */
    @Test
    void namesMembersAndServersAsNomadDoes() {
      start(3, 1);
      JsonNode members = get("/v1/agent/members").json();
      assertThat(members.get("ServerName").asText())
          .as("the agent's node name, no region")
          .isEqualTo("server-1");
      assertThat(members.get("Members").findValuesAsText("Name"))
          .containsExactly("server-1.global", "server-2.global", "server-3.global");
      JsonNode tags = members.get("Members").get(0).get("Tags");
      assertThat(tags.get("id").asText()).matches(UUID);
      JsonNode self = get("/v1/agent/self").json();
      assertThat(self.get("config").get("NodeName").asText()).isEqualTo("server-1");
      assertThat(self.get("member").get("Name").asText()).isEqualTo("server-1.global");
      JsonNode raft = get("/v1/operator/raft/configuration").json().get("Servers");
      assertThat(raft.findValuesAsText("Node"))
          .containsExactly("server-1.global", "server-2.global", "server-3.global");
      assertThat(raft.get(0).get("ID").asText()).isEqualTo(tags.get("id").asText());
      assertThat(raft.get(0).get("Address").asText())
          .isEqualTo(tags.get("rpc_addr").asText() + ":" + tags.get("port").asText());
      JsonNode health = get("/v1/operator/autopilot/health").json();
      assertThat(health.get("Servers").findValuesAsText("Name")).contains("server-2.global");
      assertThat(health.get("Leader").asText()).isEqualTo(tags.get("id").asText());
      JsonNode node = get("/v1/node/" + nodeId("client-1")).json();
      assertThat(node.get("ID").asText()).matches(UUID);
      assertThat(node.get("Name").asText()).isEqualTo("client-1");
    }

    /**
     * nomad/structs DrainStrategy.DeadlineTime and Node.UpdateDrain (nomad/node_endpoint.go):
     * ForceDeadline = now + Deadline only for a positive Deadline (negative forces, 0 never does);
     * StartedAt set by the first drain and kept by an update, which records "Node drain strategy
     * updated".
     */
    @Test
    void setsADrainsDeadlineFieldsAsNomadDoes() {
      start(
          1,
          0,
          c ->
              c.node(
                      "client-1",
                      n ->
                          n.role("client")
                              .taskCap(TaskCap.UNLIMITED)
                              .platform(NOMAD)
                              .runningTask(Duration.ofHours(5)))
                  .node(
                      "client-2",
                      n ->
                          n.role("client")
                              .taskCap(TaskCap.UNLIMITED)
                              .platform(NOMAD)
                              .runningTask(Duration.ofHours(5))),
          s -> {});
      String forced = nodeId("client-1");
      send("PUT", "/v1/node/" + forced + "/drain", "{\"DrainSpec\":{\"Deadline\":-1}}", null);
      JsonNode f = get("/v1/node/" + forced).json();
      assertThat(f.get("DrainStrategy").get("Deadline").asLong()).isEqualTo(-1);
      assertThat(f.get("DrainStrategy").get("ForceDeadline").asText())
          .as("forced: no force time")
          .isEqualTo("0001-01-01T00:00:00Z");
      assertThat(f.get("DrainStrategy").get("StartedAt").asText())
          .isEqualTo("2026-01-01T00:00:00Z");
      assertThat(f.get("LastDrain").get("StartedAt").asText()).isEqualTo("2026-01-01T00:00:00Z");
      cluster.clock().sleep(Duration.ofSeconds(1));
      JsonNode afterForce = get("/v1/node/" + forced).json();
      assertThat(afterForce.get("DrainStrategy").isNull())
          .as("forced at once: nothing left to wait for")
          .isTrue();
      assertThat(afterForce.get("LastDrain").get("Status").asText()).isEqualTo("complete");

      String id = nodeId("client-2");
      send("PUT", "/v1/node/" + id + "/drain", "{\"DrainSpec\":{\"Deadline\":0}}", null);
      JsonNode none = get("/v1/node/" + id).json().get("DrainStrategy");
      assertThat(none.get("Deadline").asLong()).isZero();
      assertThat(none.get("ForceDeadline").asText())
          .as("no deadline, no force time")
          .isEqualTo("0001-01-01T00:00:00Z");
      assertThat(none.get("StartedAt").asText()).isEqualTo("2026-01-01T00:00:01Z");
      cluster.clock().sleep(Duration.ofMinutes(10));
      send(
          "PUT", "/v1/node/" + id + "/drain", "{\"DrainSpec\":{\"Deadline\":3600000000000}}", null);
      JsonNode updated = get("/v1/node/" + id).json();
      JsonNode strategy = updated.get("DrainStrategy");
      assertThat(strategy.get("Deadline").asLong()).isEqualTo(3_600_000_000_000L);
      assertThat(strategy.get("ForceDeadline").asText())
          .as("from the update")
          .isEqualTo("2026-01-01T01:10:01Z");
      assertThat(strategy.get("StartedAt").asText()).as("kept").isEqualTo("2026-01-01T00:00:01Z");
      assertThat(updated.get("Events").findValuesAsText("Message"))
          .contains("Node drain strategy updated");
      cluster.clock().sleep(Duration.ofMinutes(59));
      assertThat(get("/v1/node/" + id).json().get("DrainStrategy").isNull()).isFalse();
      cluster.clock().sleep(Duration.ofMinutes(2));
      assertThat(get("/v1/node/" + id).json().get("DrainStrategy").isNull())
          .as("forced at the new deadline")
          .isTrue();
    }

    /** api-docs/agent.mdx Health; command/agent/agent_endpoint.go HealthRequest. */
    @Test
    void answersAgentHealthAsDocumented() {
      start(3, 0);
      Answer ok = get("/v1/agent/health");
      assertThat(ok.status()).isEqualTo(200);
      assertThat(ok.json().get("server").get("ok").asBoolean()).isTrue();
      assertThat(ok.json().get("server").get("message").asText()).isEqualTo("ok");
      assertThat(ok.json().has("client")).as("a server-only agent").isFalse();
      Answer client = get("/v1/agent/health?type=client");
      assertThat(client.status()).isEqualTo(500);
      assertThat(client.header("Content-Type")).startsWith("text/plain");
      assertThat(client.json().get("client").get("message").asText())
          .isEqualTo("client not enabled");
      server.loseLeader(Duration.ofSeconds(30));
      Answer noLeader = get("/v1/agent/health");
      assertThat(noLeader.status()).isEqualTo(500);
      assertThat(noLeader.json().get("server").get("ok").asBoolean()).isFalse();
      assertThat(noLeader.json().get("server").get("message").asText())
          .isEqualTo("No cluster leader");
      assertThat(get("/v1/agent/health?stale").json().get("server").get("message").asText())
          .isEqualTo("no leader");
      assertThat(send("PUT", "/v1/agent/health", "", null).status()).isEqualTo(405);
    }

    /**
     * api-docs/regions.mdx; nomad/rpc.go forwardRegion ("No path to region"); Status.Members does
     * not forward.
     */
    @Test
    void listsItsRegionAndAnswersNoPathForOneItDoesNotKnow() {
      start(1, 1, c -> {}, s -> s.region("eu-west"));
      assertThat(get("/v1/regions").json()).hasSize(1);
      assertThat(get("/v1/regions").json().get(0).asText()).isEqualTo("eu-west");
      assertThat(get("/v1/regions?region=us").status()).isEqualTo(200);
      Answer nodes = get("/v1/nodes?region=us");
      assertThat(nodes.status()).isEqualTo(500);
      assertThat(nodes.body()).isEqualTo("No path to region");
      assertThat(get("/v1/status/leader?region=us").body()).isEqualTo("No path to region");
      Answer members = get("/v1/agent/members?region=us");
      assertThat(members.status()).as("the agent's own gossip pool").isEqualTo(200);
      assertThat(members.json().get("ServerRegion").asText()).isEqualTo("eu-west");
      Answer health = get("/v1/agent/health?region=us");
      assertThat(health.status()).isEqualTo(500);
      assertThat(health.json().get("server").get("message").asText())
          .isEqualTo("No path to region");
    }

    /**
     * api-docs/allocations.mdx Read Allocation; command/agent/alloc_endpoint.go allocGet ("alloc
     * not found").
     */
    @Test
    void readsOneAllocationAsDocumented() {
      start(
          1,
          0,
          c ->
              c.node(
                  "client-1",
                  n ->
                      n.role("client")
                          .taskCap(TaskCap.UNLIMITED)
                          .platform(NOMAD)
                          .runningTask(Duration.ofMinutes(3))),
          s ->
              s.acl(TOKEN)
                  .token("nodes", "nodes-secret", "node:read")
                  .token("jobs", "jobs-secret", "namespace:read-job"));
      JsonNode listed =
          send("GET", "/v1/node/" + nodeId("client-1") + "/allocations", null, TOKEN).json().get(0);
      String id = listed.get("ID").asText();
      Answer a = send("GET", "/v1/allocation/" + id, null, "jobs-secret");
      assertThat(a.status()).isEqualTo(200);
      assertThat(a.json()).isEqualTo(listed);
      assertThat(a.json().get("NodeID").asText()).isEqualTo(nodeId("client-1"));
      long index = Long.parseLong(a.header("X-Nomad-Index"));
      assertThat(index).isEqualTo(a.json().get("ModifyIndex").asLong());
      assertThat(a.header("X-Nomad-KnownLeader")).isEqualTo("true");
      assertThat(send("GET", "/v1/allocation/" + id, null, "nodes-secret").status()).isEqualTo(403);
      Answer missing = send("GET", "/v1/allocation/" + NomadState.uuid("nothing"), null, TOKEN);
      assertThat(missing.status()).isEqualTo(404);
      assertThat(missing.body()).isEqualTo("alloc not found");
      assertThat(missing.header("Content-Type")).startsWith("text/plain");
      assertThat(missing.header("X-Nomad-Index")).isNotNull();
      assertThat(send("DELETE", "/v1/allocation/" + id, null, TOKEN).status()).isEqualTo(405);
      cluster.clock().sleep(Duration.ofMinutes(3));
      Answer done =
          send("GET", "/v1/allocation/" + id + "?index=" + index + "&wait=5s", null, TOKEN);
      assertThat(done.json().get("ClientStatus").asText()).isEqualTo("complete");
      assertThat(Long.parseLong(done.header("X-Nomad-Index"))).isGreaterThan(index);
    }
  }

  @Test
  void parsesAndWritesGoDurations() {
    assertThat(GoDuration.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(GoDuration.parse("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(GoDuration.format(Duration.ofMillis(12))).isEqualTo("12ms");
    assertThat(GoDuration.format(Duration.ofSeconds(90))).isEqualTo("1m30s");
    assertThat(GoDuration.format(Duration.ZERO)).isEqualTo("0s");
    assertThatThrownBy(() -> GoDuration.parse("soon")).isInstanceOf(IllegalArgumentException.class);
  }
}
