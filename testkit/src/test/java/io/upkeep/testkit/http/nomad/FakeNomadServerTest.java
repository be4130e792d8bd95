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

/** The fake Nomad API, spoken to as any Nomad client would: plain HTTP, Nomad's JSON and headers. */
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

  void start(int servers, int clients, Consumer<FakeCluster.Builder> c, Consumer<FakeNomadServer.Builder> s) {
    FakeCluster.Builder cb = FakeCluster.builder().forcesDrainAtDeadline(true)
        .nodes("server", servers, n -> n.role("server").voter(true).runsWork(false).taskCap(TaskCap.UNLIMITED).platform(NOMAD))
        .nodes("client", clients, n -> n.role("client").taskCap(TaskCap.UNLIMITED).platform(NOMAD));
    c.accept(cb);
    cluster = cb.build();
    FakeNomadServer.Builder sb = FakeNomadServer.builder(cluster);
    s.accept(sb);
    server = sb.start();
  }

  void start(int servers, int clients) {
    start(servers, clients, c -> { }, s -> { });
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
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.uri() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
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
      assertThat(n.get("Attributes").get("os.name").asText()).isEqualTo("Ubuntu");
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
      start(1, 0, c -> { }, s -> s.legacyAgentVersion(true));
      assertThat(get("/v1/agent/self").json().get("config").get("Version").asText()).isEqualTo("1.7.7");
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
      assertThat(get("/v1/agent/members").json().get("Members").get(2).get("Status").asText()).isEqualTo("failed");
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
      assertThat(send("PUT", "/v1/node/" + NomadState.uuid("nobody") + "/drain", "{}", null).body()).isEqualTo("node not found");
      assertThat(send("PUT", "/v1/node/" + nodeId("client-1") + "/drain", null, null).body()).isEqualTo("Request body is empty");
      assertThat(send("DELETE", "/v1/nodes", null, null).status()).isEqualTo(405);
      assertThat(get("/v1/nodes?index=abc").body()).isEqualTo("Invalid index");
      assertThat(get("/v1/nodes?index=1&wait=soon").body()).isEqualTo("Invalid wait time");
      Answer bad = send("PUT", "/v1/node/" + nodeId("client-1") + "/eligibility", "{\"Eligibility\":\"maybe\"}", null);
      assertThat(bad.status()).isEqualTo(500);
      assertThat(bad.body()).isEqualTo("invalid scheduling eligibility \"maybe\"");
      assertThat(send("PUT", "/v1/agent/force-leave", null, null).body()).isEqualTo("missing node to force leave");
    }

    @Test
    void refusesEligibleWhileDraining() {
      start(1, 0, c -> c.node("client-1", n -> n.role("client").taskCap(TaskCap.UNLIMITED).platform(NOMAD)
          .runningTask(Duration.ofHours(1))), s -> { });
      send("PUT", "/v1/node/" + nodeId("client-1") + "/drain", "{\"DrainSpec\":{\"Deadline\":0}}", null);
      Answer a = send("PUT", "/v1/node/" + nodeId("client-1") + "/eligibility", "{\"Eligibility\":\"eligible\"}", null);
      assertThat(a.status()).isEqualTo(500);
      assertThat(a.body()).isEqualTo("can not set node's scheduling eligibility to eligible while it is draining");
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
      server.failNext("/v1/nodes", 2, 503, "busy").dropNext("/v1/agent", 2);
      assertThat(get("/v1/nodes").status()).isEqualTo(503);
      assertThat(get("/v1/node/" + nodeId("client-1")).status()).isEqualTo(200);
      assertThat(get("/v1/nodes").body()).isEqualTo("busy");
      assertThat(get("/v1/nodes").status()).isEqualTo(200);
      // Two drops: the JDK's client tries a GET once more when the connection closes before an answer.
      assertThatThrownBy(() -> get("/v1/agent/self")).hasCauseInstanceOf(IOException.class);
      assertThat(server.requests()).extracting(RecordedRequest::status).containsExactly(503, 200, 503, 200, 0, 0);
      assertThat(get("/v1/agent/self").status()).isEqualTo(200);
      assertThatThrownBy(() -> server.failNext(0, 500, "x")).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Nested
  class Acl {

    @Test
    void checksEachEndpointsCapability() {
      start(1, 1, c -> { }, s -> s.acl(TOKEN).token("reader", "reader-secret", "node:read"));
      assertThat(get("/v1/nodes").status()).isEqualTo(403);
      assertThat(get("/v1/nodes").body()).isEqualTo("Permission denied");
      assertThat(send("GET", "/v1/nodes", null, "who-knows").body()).isEqualTo("ACL token not found");
      assertThat(send("GET", "/v1/nodes", null, "reader-secret").status()).isEqualTo(200);
      assertThat(send("GET", "/v1/operator/autopilot/health", null, "reader-secret").status()).isEqualTo(403);
      assertThat(send("PUT", "/v1/node/" + nodeId("client-1") + "/eligibility", "{\"Eligibility\":\"ineligible\"}",
          "reader-secret").status()).isEqualTo(403);
      assertThat(send("GET", "/v1/operator/raft/configuration", null, TOKEN).status()).isEqualTo(200);
      assertThat(get("/v1/status/leader").status()).as("status needs no token").isEqualTo(200);
    }

    @Test
    void acceptsABearerTokenAndRecordsWhoCalledWithTheSecretMasked() {
      start(1, 1, c -> { }, s -> s.acl(TOKEN));
      HttpRequest r = HttpRequest.newBuilder(URI.create(server.uri() + "/v1/nodes"))
          .header("Authorization", "Bearer " + TOKEN).build();
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
      start(1, 0, c -> c.node("client-1", n -> n.role("client").taskCap(TaskCap.UNLIMITED).platform(NOMAD)
          .runningTask(Duration.ofMinutes(3))), s -> { });
      String id = nodeId("client-1");
      Answer put = send("POST", "/v1/node/" + id + "/drain",
          "{\"NodeID\":\"" + id + "\",\"DrainSpec\":{\"Deadline\":3600000000000,\"IgnoreSystemJobs\":false},"
              + "\"Meta\":{\"message\":\"patching\"}}", null);
      assertThat(put.status()).isEqualTo(200);
      assertThat(put.json().get("NodeModifyIndex").asLong()).isEqualTo(Long.parseLong(put.header("X-Nomad-Index")));
      assertThat(put.header("X-Nomad-KnownLeader")).isNull();
      JsonNode draining = get("/v1/node/" + id).json();
      assertThat(draining.get("DrainStrategy").get("Deadline").asLong()).isEqualTo(3_600_000_000_000L);
      assertThat(draining.get("DrainStrategy").get("ForceDeadline").asText()).isEqualTo("2026-01-01T01:00:00Z");
      assertThat(draining.get("SchedulingEligibility").asText()).isEqualTo("ineligible");
      assertThat(draining.get("LastDrain").get("Status").asText()).isEqualTo("draining");
      assertThat(draining.get("LastDrain").get("Meta").get("message").asText()).isEqualTo("patching");
      JsonNode alloc = get("/v1/node/" + id + "/allocations").json().get(0);
      assertThat(alloc.get("ClientStatus").asText()).isEqualTo("running");
      assertThat(alloc.get("DesiredTransition").get("Migrate").asBoolean()).isTrue();
      assertThat(alloc.get("Job").get("Type").asText()).isEqualTo("service");

      cluster.clock().sleep(Duration.ofMinutes(3));
      JsonNode done = get("/v1/node/" + id).json();
      assertThat(done.get("DrainStrategy").isNull()).isTrue();
      assertThat(done.get("LastDrain").get("Status").asText()).isEqualTo("complete");
      assertThat(done.get("SchedulingEligibility").asText()).isEqualTo("ineligible");
      assertThat(done.get("Events").findValuesAsText("Message")).contains("Node drain strategy set", "Node drain complete");
      assertThat(get("/v1/node/" + id + "/allocations").json().get(0).get("ClientStatus").asText()).isEqualTo("complete");

      send("PUT", "/v1/node/" + id + "/eligibility", "{\"Eligibility\":\"eligible\"}", null);
      assertThat(get("/v1/node/" + id).json().get("SchedulingEligibility").asText()).isEqualTo("eligible");
      assertThat(cluster.events()).anyMatch(e -> e instanceof ClusterEvent.Undrained);
    }

    @Test
    void stopsSystemJobsAtTheEndOfADrainUnlessTheyAreIgnored() {
      start(1, 2, c -> { }, s -> s.systemJobs(true));
      String one = nodeId("client-1");
      String two = nodeId("client-2");
      send("PUT", "/v1/node/" + one + "/drain", "{\"DrainSpec\":{\"Deadline\":60000000000,\"IgnoreSystemJobs\":false}}", null);
      send("PUT", "/v1/node/" + two + "/drain", "{\"DrainSpec\":{\"Deadline\":60000000000,\"IgnoreSystemJobs\":true}}", null);
      JsonNode a1 = get("/v1/node/" + one + "/allocations").json().get(0);
      JsonNode a2 = get("/v1/node/" + two + "/allocations").json().get(0);
      assertThat(a1.get("Job").get("Type").asText()).isEqualTo("system");
      assertThat(a1.get("ClientStatus").asText()).isEqualTo("complete");
      assertThat(a2.get("ClientStatus").asText()).isEqualTo("running");
      assertThat(get("/v1/node/" + two).json().get("LastDrain").get("Status").asText()).isEqualTo("complete");
    }

    @Test
    void cancelsADrainLeavingTheNodeIneligibleUnlessAskedToMarkItEligible() {
      start(1, 0, c -> c.node("client-1", n -> n.role("client").taskCap(TaskCap.UNLIMITED).platform(NOMAD)
          .runningTask(Duration.ofHours(1))), s -> { });
      String id = nodeId("client-1");
      send("PUT", "/v1/node/" + id + "/drain", "{\"DrainSpec\":{\"Deadline\":0}}", null);
      send("PUT", "/v1/node/" + id + "/drain", "{\"DrainSpec\":null}", null);
      JsonNode n = get("/v1/node/" + id).json();
      assertThat(n.get("DrainStrategy").isNull()).isTrue();
      assertThat(n.get("SchedulingEligibility").asText()).isEqualTo("ineligible");
      assertThat(n.get("LastDrain").get("Status").asText()).isEqualTo("canceled");
      send("PUT", "/v1/node/" + id + "/drain", "{\"DrainSpec\":null,\"MarkEligible\":true}", null);
      assertThat(get("/v1/node/" + id).json().get("SchedulingEligibility").asText()).isEqualTo("eligible");
      assertThat(get("/v1/node/" + id + "/allocations").json().get(0).get("ClientStatus").asText()).isEqualTo("running");
    }
  }

  @Nested
  class HeartbeatsAndMembership {

    @Test
    void marksAStoppedClientDownOnlyAfterItsTtlAndTheGrace() {
      start(1, 1, c -> { }, s -> s.heartbeat(Duration.ofSeconds(10), Duration.ofSeconds(10)));
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
      String id = get("/v1/operator/raft/configuration").json().get("Servers").get(2).get("ID").asText();
      assertThat(send("PUT", "/v1/operator/raft/transfer-leadership", null, null).status()).isEqualTo(400);
      assertThat(send("PUT", "/v1/operator/raft/transfer-leadership?id=" + id, null, null).status()).isEqualTo(200);
      assertThat(get("/v1/status/leader").json().asText()).isEqualTo("10.0.0.3:4647");
      assertThat(get("/v1/agent/self").json().get("member").get("Name").asText()).isEqualTo("server-3.global");
      cluster.stopService("r", NodeId.of("server-1"));
      cluster.clock().sleep(Duration.ofMinutes(1));
      assertThat(get("/v1/status/leader").json().asText()).as("the cluster elected server-2").isEqualTo("10.0.0.2:4647");
    }

    @Test
    void forceLeaveRemovesAFailedServerAndLeavesAnAliveOneAlone() {
      start(3, 0);
      assertThat(send("PUT", "/v1/agent/force-leave?node=server-3.global", null, null).status()).isEqualTo(200);
      assertThat(cluster.host(NodeId.of("server-3")).member()).isTrue();
      cluster.stopService("r", NodeId.of("server-3"));
      cluster.clock().sleep(Duration.ofMinutes(1));
      assertThat(send("POST", "/v1/agent/force-leave?node=server-3.global", null, null).status()).isEqualTo(200);
      assertThat(cluster.host(NodeId.of("server-3")).member()).isFalse();
      assertThat(get("/v1/agent/members").json().get("Members").get(2).get("Status").asText()).isEqualTo("left");
      assertThat(get("/v1/operator/raft/configuration").json().get("Servers")).hasSize(2);
      assertThat(send("PUT", "/v1/agent/force-leave?node=server-3.global&prune=maybe", null, null).body())
          .isEqualTo("invalid prune value");
    }
  }

  @Nested
  class BlockingQueries {

    @Test
    void holdTheAnswerUntilTheClusterChanges() throws Exception {
      start(1, 0, c -> c.node("client-1", n -> n.role("client").taskCap(TaskCap.UNLIMITED).platform(NOMAD)
          .runningTask(Duration.ofMinutes(3))), s -> { });
      String id = nodeId("client-1");
      send("PUT", "/v1/node/" + id + "/drain", "{\"DrainSpec\":{\"Deadline\":0}}", null);
      long index = Long.parseLong(get("/v1/node/" + id).header("X-Nomad-Index"));
      CompletableFuture<Answer> blocked = CompletableFuture.supplyAsync(
          () -> get("/v1/node/" + id + "?index=" + index + "&wait=30s"));
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (server.blockedQueries() == 0 && System.nanoTime() < giveUp) {
        Thread.onSpinWait();
      }
      assertThat(blocked).isNotDone();
      cluster.clock().sleep(Duration.ofMinutes(3));   // the task ends, the drain completes
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
      assertThat(Long.parseLong(at.header("X-Nomad-Index"))).as("an older index answers at once").isEqualTo(index);
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
