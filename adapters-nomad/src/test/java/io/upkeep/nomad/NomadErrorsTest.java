package io.upkeep.nomad;

import static io.upkeep.nomad.NomadFixture.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.upkeep.ClusterOperationException;
import io.upkeep.Secret;
import io.upkeep.UnknownNodeException;
import io.upkeep.testkit.http.HttpFault;
import io.upkeep.testkit.http.RecordedRequest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Every error path: Nomad's plain-text errors become exceptions that name the capability, the node
 * or the fix; IO errors and 5xx are retried (three attempts here), 4xx never.
 */
class NomadErrorsTest {

  static final String READ_ONLY = "read-only-token-8d2f41";

  NomadFixture nomad;

  @AfterEach
  void close() {
    if (nomad != null) {
      nomad.close();
    }
  }

  NomadFixture start(NomadFixture.Builder b) {
    nomad = b.build();
    return nomad;
  }

  int requests(String method, String prefix) {
    return nomad.server.requests(method, prefix).size();
  }

  @Nested
  class PermissionDenied {

    @Test
    void namesNodeWriteWhenTheTokenMayNotDrain() {
      start(
          NomadFixture.builder()
              .servers(1)
              .clients(1)
              .server(
                  b ->
                      b.token(
                          "reader",
                          READ_ONLY,
                          "node:read",
                          "agent:read",
                          "operator:read",
                          "namespace:read-job"))
              .config(c -> c.token(Secret.of(READ_ONLY))));
      nomad.port.observe();
      NomadPermissionException e =
          catchThrowableOfType(
              NomadPermissionException.class,
              () -> nomad.port.drain(id("client-1"), nomad.cluster.clock().now().plusSeconds(60)));
      assertThat(e.capability()).isEqualTo("node:write");
      assertThat(e.retryable()).isFalse();
      assertThat(e.status()).isEqualTo(403);
      assertThat(e.method()).isEqualTo("PUT");
      assertThat(e)
          .hasMessageContaining("403 Permission denied")
          .hasMessageContaining("lacks the node:write capability")
          .hasMessageContaining("Secret(from a value)");
      assertThat(requests("PUT", "/v1/node/")).isEqualTo(1);
    }

    @Test
    void namesOperatorReadWhenTheTokenMayNotReadAutopilot() {
      start(
          NomadFixture.builder()
              .servers(1)
              .clients(1)
              .server(b -> b.token("nodes-only", READ_ONLY, "node:read", "namespace:read-job"))
              .config(c -> c.token(Secret.of(READ_ONLY))));
      assertThatThrownBy(() -> nomad.port.observe())
          .isInstanceOfSatisfying(
              NomadPermissionException.class,
              e -> assertThat(e.capability()).isEqualTo("operator:read"))
          .hasMessageContaining("/v1/operator/autopilot/health");
      assertThat(requests("GET", "/v1/operator/autopilot/health")).isEqualTo(1);
    }

    @Test
    void namesNodeReadAndSuggestsATokenWhenNoneIsConfigured() {
      start(NomadFixture.builder().servers(1).clients(1).config(c -> {}));
      try (NomadClusterPort anonymous =
          NomadClusterPort.create(
              io.upkeep.nomad.NomadConfig.builder(nomad.server.baseUrl())
                  .time(nomad.cluster.clock())
                  .maxAttempts(3)
                  .backoff(Duration.ZERO, Duration.ZERO)
                  .build())) {
        assertThatThrownBy(anonymous::observe)
            .isInstanceOfSatisfying(
                NomadPermissionException.class,
                e -> assertThat(e.capability()).isEqualTo("node:read"))
            .hasMessageContaining("no ACL token is configured")
            .hasMessageContaining("NomadConfig.Builder.token");
      }
    }

    @Test
    void saysWhenNomadDoesNotKnowTheToken() {
      start(
          NomadFixture.builder()
              .servers(1)
              .clients(1)
              .config(c -> c.token(Secret.of("expired-token-1234"))));
      assertThatThrownBy(() -> nomad.port.observe())
          .isInstanceOf(NomadPermissionException.class)
          .hasMessageContaining("403 ACL token not found")
          .hasMessageContaining("current token");
      assertThat(nomad.server.requests())
          .extracting(RecordedRequest::principal)
          .contains("unknown");
    }
  }

  @Nested
  class EchoedToken {

    @Test
    void aTokenNomadEchoesInAnErrorNeverReachesTheMessage() {
      start(NomadFixture.builder().servers(1).clients(1));
      nomad.server.inject(
          HttpFault.respond(400, "invalid token " + NomadFixture.TOKEN + " for this region", 1)
              .on("/v1/agent/members"));
      NomadApiException e = catchThrowableOfType(NomadApiException.class, nomad.port::observe);
      assertThat(e)
          .hasMessageContaining("invalid token [redacted] for this region")
          .hasMessageNotContaining(NomadFixture.TOKEN);
      // The shared shape of both vendors' API errors: the request, the status, the vendor's word.
      assertThat(e).isInstanceOf(io.upkeep.http.ApiException.class);
      assertThat(e.method()).isEqualTo("GET");
      assertThat(e.path()).startsWith("/v1/agent/members");
      assertThat(e.status()).isEqualTo(400);
      assertThat(e.vendorMessage()).isEqualTo("invalid token [redacted] for this region");
    }
  }

  @Nested
  class NodeNotFound {

    @Test
    void isAnUnknownNodeWhenReadingANodeNomadForgot() {
      start(NomadFixture.builder().servers(1).clients(2));
      nomad.port.observe();
      String uuid = nomad.server.nodeId(id("client-2"));
      nomad.cluster.stopService("r1", id("client-2"));
      nomad.cluster.clock().sleep(Duration.ofMinutes(1));
      nomad.cluster.removeMember(id("client-2"));
      assertThatThrownBy(
              () -> nomad.port.drain(id("client-2"), nomad.cluster.clock().now().plusSeconds(60)))
          .isInstanceOf(UnknownNodeException.class)
          .hasMessageContaining("client-2")
          .hasMessageContaining("404 node not found");
      List<RecordedRequest> reads = nomad.server.requests("GET", "/v1/node/" + uuid);
      assertThat(reads.get(reads.size() - 1).status()).isEqualTo(404);
      assertThat(reads).filteredOn(r -> r.status() == 404).hasSize(1);
    }

    @Test
    void isAnUnknownNodeAtOnceWhenAWriteAnswers500NodeNotFound() {
      start(NomadFixture.builder().servers(1).clients(1));
      nomad.port.observe();
      String uuid = nomad.server.nodeId(id("client-1"));
      nomad.server.inject(
          HttpFault.respond(500, "node not found", 3).on("/v1/node/" + uuid + "/drain"));
      assertThatThrownBy(
              () -> nomad.port.drain(id("client-1"), nomad.cluster.clock().now().plusSeconds(60)))
          .isInstanceOf(UnknownNodeException.class)
          .hasMessageContaining("500 node not found");
      assertThat(requests("PUT", "/v1/node/" + uuid + "/drain"))
          .as("not retried: no attempt changes it")
          .isEqualTo(1);
    }
  }

  @Nested
  class NoClusterLeader {

    @Test
    void isARetryableClusterHealthErrorAfterTheRetries() {
      start(NomadFixture.builder().servers(3).clients(1));
      nomad.server.loseLeader(Duration.ofSeconds(30));
      NomadNoLeaderException e =
          catchThrowableOfType(NomadNoLeaderException.class, nomad.port::observe);
      assertThat(e.retryable()).isTrue();
      assertThat(e).hasMessageContaining("no leader").hasMessageContaining("nomad server members");
      assertThat(requests("GET", "/v1/operator/autopilot/health")).isEqualTo(3);
    }

    @Test
    void clearsWhenTheRegionElectsALeaderAgain() {
      start(NomadFixture.builder().servers(3).clients(1));
      nomad.server.loseLeader(Duration.ofSeconds(30));
      assertThatThrownBy(nomad.port::observe).isInstanceOf(NomadNoLeaderException.class);
      nomad.cluster.clock().sleep(Duration.ofSeconds(30));
      assertThat(nomad.port.observe().leader()).map(n -> n.id().value()).contains("server-1");
    }
  }

  @Nested
  class Retries {

    @Test
    void retriesA5xxAndCarriesOnWhenTheServerRecovers() {
      start(NomadFixture.builder().servers(1).clients(1));
      nomad.server.inject(HttpFault.respond(503, "service unavailable", 2).on("/v1/nodes"));
      assertThat(nomad.port.observe().ids()).contains(id("client-1"));
      assertThat(requests("GET", "/v1/nodes")).isEqualTo(3);
    }

    @Test
    void givesUpOnA5xxAfterTheAttemptsRetryably() {
      start(NomadFixture.builder().servers(1).clients(1));
      nomad.server.inject(HttpFault.respond(502, "bad gateway", 3).on("/v1/agent/members"));
      NomadApiException e = catchThrowableOfType(NomadApiException.class, nomad.port::observe);
      assertThat(e.retryable()).isTrue();
      assertThat(e.status()).isEqualTo(502);
      assertThat(e).hasMessageContaining("HTTP 502").hasMessageContaining("bad gateway");
      assertThat(requests("GET", "/v1/agent/members")).isEqualTo(3);
    }

    @Test
    void neverRetriesA4xx() {
      start(NomadFixture.builder().servers(1).clients(1));
      nomad.port.observe();
      String uuid = nomad.server.nodeId(id("client-1"));
      nomad.server.inject(
          HttpFault.respond(400, "Request body is empty", 5).on("/v1/node/" + uuid + "/drain"));
      NomadApiException e =
          catchThrowableOfType(
              NomadApiException.class,
              () -> nomad.port.drain(id("client-1"), nomad.cluster.clock().now().plusSeconds(60)));
      assertThat(e.retryable()).isFalse();
      assertThat(e).hasMessageContaining("HTTP 400").hasMessageContaining("Request body is empty");
      assertThat(requests("PUT", "/v1/node/")).isEqualTo(1);
    }

    @Test
    void retriesADroppedConnectionThenReportsItRetryably() {
      start(NomadFixture.builder().servers(1).clients(1));
      nomad.server.inject(HttpFault.dropConnection(3).on("/v1/agent/members"));
      ClusterOperationException e =
          catchThrowableOfType(ClusterOperationException.class, nomad.port::observe);
      assertThat(e.retryable()).isTrue();
      assertThat(e)
          .hasMessageContaining("cannot reach 127.0.0.1")
          .hasMessageContaining("/v1/agent/members");
      assertThat(requests("GET", "/v1/agent/members")).isEqualTo(3);
      assertThat(nomad.port.observe().ids()).isNotEmpty();
    }

    @Test
    void treatsATimeoutAsAnIoErrorAndRetriesIt() {
      start(
          NomadFixture.builder()
              .servers(1)
              .clients(1)
              .config(
                  c ->
                      c.requestTimeout(Duration.ofMillis(100))
                          .maxAttempts(2)
                          .backoff(Duration.ZERO, Duration.ZERO)));
      nomad.server.inject(HttpFault.latency(Duration.ofMillis(300), 2));
      ClusterOperationException e =
          catchThrowableOfType(ClusterOperationException.class, nomad.port::observe);
      assertThat(e.retryable()).isTrue();
      assertThat(e).hasMessageContaining("after 2 attempt(s)");
    }

    @Test
    void reportsMalformedJsonWithoutRetrying() {
      start(NomadFixture.builder().servers(1).clients(1));
      nomad.server.inject(
          HttpFault.respond(200, "<html>a proxy's login page</html>", 1).on("/v1/agent/members"));
      ClusterOperationException e =
          catchThrowableOfType(ClusterOperationException.class, nomad.port::observe);
      assertThat(e.retryable()).isFalse();
      assertThat(e).hasMessageContaining("malformed").hasMessageContaining("/v1/agent/members");
      assertThat(requests("GET", "/v1/agent/members")).isEqualTo(1);
    }
  }
}
