package io.upkeep.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.upkeep.ClusterOperationException;
import io.upkeep.Secret;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class HttpTransportTest {

  static final String KEY = "API-SECRETKEY0123456789";

  HttpServer server;
  final Deque<int[]> script = new ArrayDeque<>();   // statuses to answer, in order; then 200
  final List<String> seen = new ArrayList<>();
  String answer = "{\"Name\":\"octo-1\",\"MaxConcurrentTasks\":0}";

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", ex -> {
      byte[] in = ex.getRequestBody().readAllBytes();
      seen.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " key=" + ex.getRequestHeaders().getFirst("X-Api-Key")
          + " body=" + new String(in, StandardCharsets.UTF_8));
      int[] next = script.poll();
      int status = next == null ? 200 : next[0];
      byte[] out = (status == 200 ? answer : "{\"ErrorMessage\":\"nope\"}").getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Octopus-Node", "octo-1");
      ex.sendResponseHeaders(status, out.length);
      ex.getResponseBody().write(out);
      ex.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  URI base() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  HttpTransport transport(HttpTransport.RetryOn retryOn) {
    return HttpTransport.create(HttpSettings.builder(base()).backoff(Duration.ZERO, Duration.ZERO).build(),
        Map.of("X-Api-Key", Secret.of(KEY)), retryOn);
  }

  void answer(int... statuses) {
    for (int s : statuses) {
      script.add(new int[] {s});
    }
  }

  @Nested
  class Retries {

    @Test
    void retriesServerErrorsUntilTheServerAnswers() {
      answer(503, 500);
      try (HttpTransport t = transport(HttpTransport.RetryOn.SERVER_ERRORS)) {
        HttpResponse r = t.get("/api/octopusservernodes");
        assertThat(r.status()).isEqualTo(200);
        assertThat(t.requestsSent()).isEqualTo(3);
      }
    }

    @Test
    void neverRetriesAClientError() {
      answer(404);
      try (HttpTransport t = transport(HttpTransport.RetryOn.SERVER_ERRORS_AND_TOO_MANY_REQUESTS)) {
        assertThat(t.get("/api/octopusservernodes/x").status()).isEqualTo(404);
        assertThat(t.requestsSent()).isEqualTo(1);
      }
    }

    @Test
    void retriesTooManyRequestsOnlyWhenAskedTo() {
      answer(429);
      try (HttpTransport t = transport(HttpTransport.RetryOn.SERVER_ERRORS)) {
        assertThat(t.get("/v1/operator/autopilot/health").status()).isEqualTo(429);
        assertThat(t.requestsSent()).isEqualTo(1);
      }
      answer(429);
      try (HttpTransport t = transport(HttpTransport.RetryOn.SERVER_ERRORS_AND_TOO_MANY_REQUESTS)) {
        assertThat(t.get("/api").status()).isEqualTo(200);
        assertThat(t.requestsSent()).isEqualTo(2);
      }
    }

    @Test
    void returnsTheLastAnswerWhenEveryAttemptFailed() {
      answer(500, 500, 500, 502);
      try (HttpTransport t = transport(HttpTransport.RetryOn.SERVER_ERRORS)) {
        assertThat(t.get("/api").status()).isEqualTo(502);
        assertThat(t.requestsSent()).isEqualTo(HttpSettings.DEFAULT_MAX_ATTEMPTS);
      }
    }

    @Test
    void anUnreachableServerIsARetryableErrorNamingTheRequestAndNeverTheKey() throws IOException {
      int closedPort;
      try (ServerSocket s = new ServerSocket(0)) {
        closedPort = s.getLocalPort();
      }
      HttpTransport t = HttpTransport.create(HttpSettings.builder(URI.create("http://127.0.0.1:" + closedPort))
          .backoff(Duration.ZERO, Duration.ZERO).maxAttempts(2).build(), Map.of("X-Api-Key", Secret.of(KEY)),
          HttpTransport.RetryOn.SERVER_ERRORS);

      assertThatThrownBy(() -> t.get("/api/octopusservernodes"))
          .isInstanceOfSatisfying(ClusterOperationException.class, e -> assertThat(e.retryable()).isTrue())
          .hasMessageContaining("GET /api/octopusservernodes")
          .hasMessageContaining("127.0.0.1:" + closedPort)
          .hasMessageContaining("after 2 attempt(s)")
          .hasMessageNotContaining(KEY);
      assertThat(t.requestsSent()).isEqualTo(2);
      t.close();
    }
  }

  @Nested
  class Requests {

    @Test
    void sendsTheSecretHeaderButNeverShowsIt() {
      try (HttpTransport t = transport(HttpTransport.RetryOn.SERVER_ERRORS)) {
        t.get("/api");
        assertThat(seen).singleElement().asString().contains("key=" + KEY);
        assertThat(t.describeHeaders().toString()).doesNotContain(KEY).contains("X-Api-Key");
        assertThat(t.settings().toString()).doesNotContain(KEY);
      }
    }

    @Test
    void writesBodiesAsJsonKeepingZeroes() {
      try (HttpTransport t = transport(HttpTransport.RetryOn.SERVER_ERRORS)) {
        t.put("/api/octopusservernodes/OctopusServerNodes-1", Map.of("MaxConcurrentTasks", 0));
        assertThat(seen).singleElement().asString()
            .startsWith("PUT /api/octopusservernodes/OctopusServerNodes-1")
            .endsWith("body={\"MaxConcurrentTasks\":0}");
      }
    }

    @Test
    void resolvesPathsAgainstTheBaseAndUsesAbsoluteUrlsAsTheyAre() {
      try (HttpTransport t = HttpTransport.create(HttpSettings.builder(URI.create(base() + "/octopus/")).build(),
          Map.of(), HttpTransport.RetryOn.SERVER_ERRORS)) {
        t.get("/api?x=1");
        t.get(base() + "/node/octo-2/api/octopusservernodes/ping");
      }
      assertThat(seen).extracting(s -> s.split(" ")[1])
          .containsExactly("/octopus/api?x=1", "/node/octo-2/api/octopusservernodes/ping");
    }

    @Test
    void readsJsonAndHeaders() {
      try (HttpTransport t = transport(HttpTransport.RetryOn.SERVER_ERRORS)) {
        HttpResponse r = t.get("/api/octopusservernodes/ping");
        assertThat(r.json().get("MaxConcurrentTasks").asInt()).isZero();
        assertThat(r.header("octopus-node")).contains("octo-1");
        assertThat(r.header("OCTOPUS-NODE")).contains("octo-1");
      }
    }

    @Test
    void malformedJsonIsAClearErrorNamingTheRequest() {
      answer = "<html>login</html>";
      try (HttpTransport t = transport(HttpTransport.RetryOn.SERVER_ERRORS)) {
        HttpResponse r = t.get("/api/octopusservernodes/summary");
        assertThatThrownBy(r::json)
            .isInstanceOfSatisfying(ClusterOperationException.class, e -> assertThat(e.retryable()).isFalse())
            .hasMessageContaining("malformed JSON in the answer to GET /api/octopusservernodes/summary");
        assertThatThrownBy(() -> r.as(Map.class)).hasMessageContaining("malformed JSON");
      }
    }
  }

  @Nested
  class Settings {

    @Test
    void refusesABaseThatIsNotAnAbsoluteHttpUrl() {
      assertThatThrownBy(() -> HttpSettings.builder(URI.create("octopus.example.com")).build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("absolute http or https URL");
    }

    @Test
    void refusesNonsenseNumbersAtOnce() {
      HttpSettings.Builder b = HttpSettings.builder(URI.create("https://octopus.example.com"));
      assertThatThrownBy(() -> b.maxAttempts(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAttempts");
      assertThatThrownBy(() -> b.requestTimeout(Duration.ZERO)).hasMessageContaining("requestTimeout");
      assertThatThrownBy(() -> b.requestsPerSecond(0)).hasMessageContaining("requestsPerSecond");
      assertThatThrownBy(() -> b.backoff(Duration.ofSeconds(2), Duration.ofSeconds(1))).hasMessageContaining("backoff");
    }

    @Test
    void tlsNeedsBothHalvesOfAClientCertificateAndNeverShowsAPassword() {
      assertThatThrownBy(() -> new Tls(true, java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty(),
          java.util.Optional.of(java.nio.file.Path.of("client.pem")), java.util.Optional.empty()))
          .hasMessageContaining("both the client certificate and its private key");
      assertThat(Tls.trustStore(java.nio.file.Path.of("trust.p12"), Secret.of("hunter2")).toString()).doesNotContain("hunter2");
    }

    @Test
    void aMissingTrustStoreIsAnErrorNamingTheFile() {
      HttpSettings s = HttpSettings.builder(URI.create("https://octopus.example.com"))
          .tls(Tls.trustStore(java.nio.file.Path.of("no-such-trust.p12"), Secret.of("pw"))).build();
      assertThatThrownBy(() -> HttpTransport.create(s, Map.of(), HttpTransport.RetryOn.SERVER_ERRORS))
          .hasMessageContaining("no-such-trust.p12");
    }
  }
}
