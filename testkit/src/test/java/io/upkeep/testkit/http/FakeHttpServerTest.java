package io.upkeep.testkit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upkeep.testkit.VirtualClock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The shared base of the fake HTTP servers, through a tiny vendor of its own: what every vendor
 * fake inherits.
 */
class FakeHttpServerTest {

  static final String SECRET = "s3cret-0f-the-echo-vendor";

  /**
   * A vendor in a dozen lines: {@code X-Echo-Key} or {@code key=} carries the credential, errors
   * are {@code ERR <message>} in plain text, {@code /echo} answers the body back, {@code /boom}
   * throws.
   */
  static final class EchoServer extends FakeHttpServer {
    EchoServer(VirtualClock clock, int port, SSLContext tls, boolean verifyClient) {
      super("Echo", clock, port, tls, verifyClient, Set.of("X-Echo-Key"), Set.of("key"));
      serve();
    }

    @Override
    protected Response answer(
        String method,
        String target,
        String path,
        String query,
        Map<String, String> headers,
        String body) {
      if (!SECRET.equals(headers.get("x-echo-key"))
          && !SECRET.equals(queryParameters(query).get("key"))) {
        return error(401, "who are you?");
      }
      if (path.equals("/boom")) {
        throw new IllegalStateException("the echo vendor broke");
      }
      return new Response(
          200, "application/json", body.isEmpty() ? "{}" : body, Map.of("X-Echo", "yes"));
    }

    @Override
    protected Response error(int status, String message) {
      return new Response(status, "text/plain", "ERR " + message, Map.of());
    }

    @Override
    protected String principal(Map<String, String> headers, String query) {
      String key = headers.getOrDefault("x-echo-key", queryParameters(query).get("key"));
      return key == null ? "anonymous" : key.equals(SECRET) ? "echoer" : "unknown";
    }
  }

  final VirtualClock clock = new VirtualClock();
  final EchoServer server = new EchoServer(clock, 0, null, false);
  final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void close() {
    server.close();
  }

  HttpResponse<String> send(String method, String pathAndQuery, String key, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(server.baseUrl() + pathAndQuery))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      b.header("X-Echo-Key", key);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Nested
  class Recording {

    @Test
    void recordsEachRequestAsItArrivedWithItsAnswerAndTheVirtualTime() throws Exception {
      clock.sleep(Duration.ofHours(2));
      send("PUT", "/echo?x=1&flag", SECRET, "{\"a\":1}");

      RecordedRequest r = server.takeRequest();
      assertThat(r.method()).isEqualTo("PUT");
      assertThat(r.target()).as("the base URL").isEmpty();
      assertThat(r.path()).isEqualTo("/echo");
      assertThat(r.query()).isEqualTo("x=1&flag");
      assertThat(r.queryParameter("x")).hasValue("1");
      assertThat(r.queryParameter("flag")).hasValue("");
      assertThat(r.body()).isEqualTo("{\"a\":1}");
      assertThat(r.header("content-length")).hasValue("7");
      assertThat(r.principal()).isEqualTo("echoer");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.at()).isEqualTo(VirtualClock.DEFAULT_START.plus(Duration.ofHours(2)));
      assertThat(r.requestLine()).isEqualTo("PUT /echo?x=1&flag");
      assertThat(r).hasToString("PUT /echo?x=1&flag -> 200 (echoer)");
    }

    @Test
    void filtersByMethodAndPathPrefixAndCounts() throws Exception {
      send("GET", "/echo/1", SECRET, null);
      send("PUT", "/echo/2", SECRET, "{}");
      send("GET", "/other", SECRET, null);

      assertThat(server.requests("GET", "/echo"))
          .extracting(RecordedRequest::path)
          .containsExactly("/echo/1");
      assertThat(server.requests()).hasSize(3);
      assertThat(server.requestCount()).isEqualTo(3);
    }

    @Test
    void masksTheVendorsCredentialsInHeadersAndQueriesInAnyCase() throws Exception {
      send("GET", "/echo?KEY=" + SECRET + "&x=1", null, null);
      send("GET", "/echo", SECRET, null);
      send("GET", "/echo", "not-the-key", null);

      assertThat(server.takeRequest().query()).isEqualTo("KEY=" + RecordedRequest.MASKED + "&x=1");
      assertThat(server.takeRequest().header("X-Echo-Key")).hasValue(RecordedRequest.MASKED);
      assertThat(server.takeRequest().principal()).isEqualTo("unknown");
      assertThat(
              server.requests().toString()
                  + server.requests().stream().map(RecordedRequest::headers).toList())
          .doesNotContain(SECRET)
          .doesNotContain("not-the-key");
    }
  }

  @Nested
  class TakingRequests {

    @Test
    void takeRequestWithoutATimeoutNeverWaits() {
      assertThatThrownBy(server::takeRequest)
          .isInstanceOf(NoSuchElementException.class)
          .hasMessageContaining("takeRequest(timeout)");
    }

    @Test
    void takeRequestWithATimeoutIsEmptyWhenNoneComes() throws Exception {
      assertThat(server.takeRequest(Duration.ofMillis(20))).isEmpty();
      assertThat(server.takeRequest(Duration.ZERO)).isEmpty();
    }

    @Test
    void takeRequestWithATimeoutWaitsForARequestSentFromAnotherThread() throws Exception {
      CompletableFuture<HttpResponse<String>> sent =
          http.sendAsync(
              HttpRequest.newBuilder(URI.create(server.baseUrl() + "/echo"))
                  .header("X-Echo-Key", SECRET)
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      Optional<RecordedRequest> taken = server.takeRequest(Duration.ofSeconds(30));

      assertThat(taken).hasValueSatisfying(r -> assertThat(r.path()).isEqualTo("/echo"));
      assertThat(sent.get().statusCode()).isEqualTo(200);
      assertThat(server.takeRequest(Duration.ofMillis(1)))
          .as("each request is taken once")
          .isEmpty();
    }

    @Test
    void aClosedServerEndsTheWait() throws Exception {
      server.close();
      assertThat(server.takeRequest(Duration.ofMinutes(5))).isEmpty();
    }

    @Test
    void aNegativeTimeoutIsRefused() {
      assertThatThrownBy(() -> server.takeRequest(Duration.ofMillis(-1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Duration.ZERO");
    }
  }

  @Nested
  class Faults {

    @Test
    void aStatusFaultAnswersWithTheVendorsErrorBodyBeforeAuthentication() throws Exception {
      server.inject(HttpFault.status(503, 2));

      HttpResponse<String> first = send("GET", "/echo", null, null);
      assertThat(first.statusCode()).isEqualTo(503);
      assertThat(first.body()).startsWith("ERR ").contains("injected fault, HTTP 503");
      assertThat(send("GET", "/echo", null, null).statusCode()).isEqualTo(503);
      assertThat(send("GET", "/echo", null, null).statusCode())
          .as("used up: authentication again")
          .isEqualTo(401);
      assertThat(server.requests())
          .extracting(RecordedRequest::status)
          .containsExactly(503, 503, 401);
    }

    @Test
    void respondAndMalformedJsonAnswerExactlyTheirBodyWithTheVendorsErrorContentType()
        throws Exception {
      server.inject(HttpFault.respond(409, "{\"conflict\":true}", 1));
      server.inject(HttpFault.malformedJson(1));

      HttpResponse<String> conflict = send("GET", "/echo", SECRET, null);
      assertThat(conflict.statusCode()).isEqualTo(409);
      assertThat(conflict.body()).isEqualTo("{\"conflict\":true}");
      assertThat(conflict.headers().firstValue("Content-Type")).hasValue("text/plain");
      HttpResponse<String> malformed = send("GET", "/echo", SECRET, null);
      assertThat(malformed.statusCode()).isEqualTo(200);
      assertThat(malformed.body()).startsWith("{").doesNotEndWith("}");
    }

    @Test
    void aFaultOnAPathPrefixHitsOnlyThosePathsInTheOrderFaultsWereQueued() throws Exception {
      server.inject(HttpFault.status(500, 1).on("/echo/a"));
      server.inject(HttpFault.status(502, 1).on("/echo"));

      assertThat(send("GET", "/other", SECRET, null).statusCode()).isEqualTo(200);
      assertThat(send("GET", "/echo/a", SECRET, null).statusCode()).isEqualTo(500);
      assertThat(send("GET", "/echo/a", SECRET, null).statusCode()).isEqualTo(502);
      assertThat(send("GET", "/echo/a", SECRET, null).statusCode()).isEqualTo(200);
    }

    @Test
    void aDroppedConnectionIsRecordedWithStatusZero() throws Exception {
      server.inject(HttpFault.dropConnection(1));

      // A POST, because the JDK client quietly retries an idempotent GET once on a dropped
      // connection.
      assertThatThrownBy(() -> send("POST", "/echo", SECRET, "{}")).isInstanceOf(IOException.class);
      assertThat(send("POST", "/echo", SECRET, "{}").statusCode()).isEqualTo(200);
      assertThat(server.requests()).extracting(RecordedRequest::status).containsExactly(0, 200);
    }

    @Test
    void aSlowAnswerIsRecordedBeforeItsDelayAndStillAnswered() throws Exception {
      server.inject(HttpFault.latency(Duration.ofMillis(30), 1));

      assertThat(send("GET", "/echo", SECRET, null).statusCode()).isEqualTo(200);
      assertThat(server.takeRequest().status()).isEqualTo(200);
    }

    @Test
    void anAnswerThatThrowsIsA500WithTheVendorsErrorBody() throws Exception {
      HttpResponse<String> r = send("GET", "/boom", SECRET, null);

      assertThat(r.statusCode()).isEqualTo(500);
      assertThat(r.body()).isEqualTo("ERR the echo vendor broke");
    }

    @Test
    void badFaultsAreRefusedNamingTheFix() {
      assertThatThrownBy(() -> HttpFault.status(600, 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("100 to 599");
      assertThatThrownBy(() -> HttpFault.dropConnection(0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("times=0");
      assertThatThrownBy(() -> HttpFault.latency(Duration.ofMinutes(1), 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("0 to 10 seconds");
      assertThatThrownBy(() -> HttpFault.status(503, 1).on("echo"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("starts with '/'");
    }
  }

  @Nested
  class Startup {

    @Test
    void listensOn127001OnAFreePort() {
      assertThat(server.baseUrl().getScheme()).isEqualTo("http");
      assertThat(server.baseUrl().getHost()).isEqualTo("127.0.0.1");
      assertThat(server.baseUrl().getPort()).isPositive();
      assertThat(server).hasToString("FakeEchoServer[" + server.baseUrl() + ", 0 requests]");
    }

    @Test
    void refusesABadPortAndClientVerificationWithoutTls() {
      VirtualClock c = new VirtualClock();
      assertThatThrownBy(() -> new EchoServer(c, 70_000, null, false))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("0 to 65535");
      assertThatThrownBy(() -> new EchoServer(c, 0, null, true))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("SSLContext");
    }

    @Test
    void aTakenPortIsAClearError() {
      int taken = server.baseUrl().getPort();
      assertThatThrownBy(() -> new EchoServer(new VirtualClock(), taken, null, false))
          .isInstanceOf(java.io.UncheckedIOException.class)
          .hasMessageContaining("port " + taken)
          .hasMessageContaining("use port 0");
    }
  }
}
