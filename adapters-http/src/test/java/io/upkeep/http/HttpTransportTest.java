package io.upkeep.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.core.functions.Either;
import io.upkeep.ClusterOperationException;
import io.upkeep.Secret;
import io.upkeep.http.internal.CredentialSafeConnections;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class HttpTransportTest {

  static final String KEY = "API-SECRETKEY0123456789";

  HttpServer server;
  final Deque<int[]> script = new ArrayDeque<>(); // statuses to answer, in order; then 200
  final List<String> seen = new ArrayList<>();
  final Map<String, String> errorHeaders = new HashMap<>(); // sent with every answer but a 200
  String answer = "{\"Name\":\"octo-1\",\"MaxConcurrentTasks\":0}";

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          byte[] in = ex.getRequestBody().readAllBytes();
          seen.add(
              ex.getRequestMethod()
                  + " "
                  + ex.getRequestURI()
                  + " key="
                  + ex.getRequestHeaders().getFirst("X-Api-Key")
                  + " body="
                  + new String(in, StandardCharsets.UTF_8));
          int[] next = script.poll();
          int status = next == null ? 200 : next[0];
          byte[] out =
              (status == 200 ? answer : "{\"ErrorMessage\":\"nope\"}")
                  .getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("Octopus-Node", "octo-1");
          if (status != 200) {
            errorHeaders.forEach(ex.getResponseHeaders()::add);
          }
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
    return HttpTransport.create(
        HttpSettings.builder(base()).backoff(Duration.ZERO, Duration.ZERO).build(),
        Map.of("X-Api-Key", Secret.of(KEY)),
        retryOn);
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
    void retriesPutsAndDeletesAsIdempotent() {
      answer(503, 500);
      try (HttpTransport t = transport(HttpTransport.RetryOn.SERVER_ERRORS)) {
        assertThat(
                t.put(
                        "/api/octopusservernodes/OctopusServerNodes-1",
                        Map.of("MaxConcurrentTasks", 0))
                    .status())
            .isEqualTo(200);
        answer(500, 500, 500, 502);
        assertThat(t.delete("/api/octopusservernodes/OctopusServerNodes-1").status())
            .isEqualTo(502);
        assertThat(t.requestsSent()).isEqualTo(3 + HttpSettings.DEFAULT_MAX_ATTEMPTS);
      }
    }

    @Test
    void neverSendsAPostAgainOnceItMayHaveReachedTheServer() {
      answer(503, 429);
      server.createContext(
          "/hang-up", ex -> ex.close()); // reads the request, then closes without an answer
      try (HttpTransport t = transport(HttpTransport.RetryOn.SERVER_ERRORS_AND_TOO_MANY_REQUESTS)) {
        assertThat(t.post("/api/tasks", Map.of("Name", "Health")).status()).isEqualTo(503);
        assertThat(t.post("/api/tasks", Map.of("Name", "Health")).status()).isEqualTo(429);
        assertThatThrownBy(() -> t.post("/hang-up", Map.of("Name", "Health")))
            .isInstanceOf(ClusterOperationException.class)
            .hasMessageContaining("POST /hang-up after 1 attempt(s)")
            .hasMessageContaining("not sent again once it may have reached the server");
        assertThat(t.requestsSent()).isEqualTo(3);
        assertThatThrownBy(() -> t.get("/hang-up"))
            .hasMessageContaining("after " + HttpSettings.DEFAULT_MAX_ATTEMPTS);
      }
    }

    @Test
    void triesAPostAgainWhenItCouldNotConnect() throws IOException {
      int closedPort;
      try (ServerSocket s = new ServerSocket(0)) {
        closedPort = s.getLocalPort();
      }
      try (HttpTransport t =
          HttpTransport.create(
              HttpSettings.builder(URI.create("http://127.0.0.1:" + closedPort))
                  .backoff(Duration.ZERO, Duration.ZERO)
                  .maxAttempts(3)
                  .build(),
              Map.of(),
              HttpTransport.RetryOn.SERVER_ERRORS)) {
        assertThatThrownBy(() -> t.post("/api/tasks", null))
            .hasMessageContaining("after 3 attempt(s)")
            .hasMessageNotContaining("not sent again");
        assertThat(t.requestsSent()).isEqualTo(3);
      }
    }

    @Test
    void returnsAnAnswerTheCallerCallsDeterministicWithoutRetryingIt() {
      answer(500, 500);
      try (HttpTransport t = transport(HttpTransport.RetryOn.SERVER_ERRORS)) {
        HttpResponse r =
            t.put(
                "/v1/node/5f1c/drain",
                Map.of("DrainSpec", Map.of()),
                answer -> answer.status() == 500 && answer.body().contains("nope"));
        assertThat(r.status()).isEqualTo(500);
        assertThat(t.requestsSent()).isEqualTo(1);
      }
    }

    @Test
    void retriesA503ThatAsksForALongWaitAtOnceWhenBackoffIsZeroAsInTests() {
      answer(503, 429);
      errorHeaders.put("Retry-After", "3600");
      try (HttpTransport t = transport(HttpTransport.RetryOn.SERVER_ERRORS_AND_TOO_MANY_REQUESTS)) {
        assertThat(t.get("/api").status()).isEqualTo(200);
        assertThat(t.requestsSent()).isEqualTo(3);
      }
    }

    @Test
    void anUnreachableServerIsARetryableErrorNamingTheRequestAndNeverTheKey() throws IOException {
      int closedPort;
      try (ServerSocket s = new ServerSocket(0)) {
        closedPort = s.getLocalPort();
      }
      HttpTransport t =
          HttpTransport.create(
              HttpSettings.builder(URI.create("http://127.0.0.1:" + closedPort))
                  .backoff(Duration.ZERO, Duration.ZERO)
                  .maxAttempts(2)
                  .build(),
              Map.of("X-Api-Key", Secret.of(KEY)),
              HttpTransport.RetryOn.SERVER_ERRORS);

      assertThatThrownBy(() -> t.get("/api/octopusservernodes"))
          .isInstanceOfSatisfying(
              ClusterOperationException.class, e -> assertThat(e.retryable()).isTrue())
          .hasMessageContaining("GET /api/octopusservernodes")
          .hasMessageContaining("127.0.0.1:" + closedPort)
          .hasMessageContaining("after 2 attempt(s)")
          .hasMessageNotContaining(KEY);
      assertThat(t.requestsSent()).isEqualTo(2);
      t.close();
    }
  }

  /**
   * A raw HTTP server that sends a 200 answer of {@code length} bytes one byte at a time, each
   * {@code pace} after the last, to every connection in turn: a socket timeout never fires on it.
   */
  static final class DrippingServer implements AutoCloseable {
    final ServerSocket socket;
    final CountDownLatch closed = new CountDownLatch(1);
    final Thread thread;

    DrippingServer(int length, Duration pace) throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      thread =
          new Thread(
              () -> {
                while (closed.getCount() > 0) {
                  try (Socket s = socket.accept()) {
                    BufferedReader in =
                        new BufferedReader(
                            new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                    for (String line = in.readLine();
                        line != null && !line.isEmpty();
                        line = in.readLine()) {
                      // the request's head; there is no body
                    }
                    OutputStream out = s.getOutputStream();
                    out.write(
                        ("HTTP/1.1 200 OK\r\nContent-Length: " + length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    for (int i = 0;
                        i < length && !closed.await(pace.toMillis(), TimeUnit.MILLISECONDS);
                        i++) {
                      out.write(' ');
                      out.flush();
                    }
                  } catch (IOException clientGone) {
                    // the client aborted, or the server is closing: take the next connection, if
                    // any
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "dripping-server");
      thread.start();
    }

    URI uri() {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }

    @Override
    public void close() throws Exception {
      closed.countDown();
      socket.close();
      thread.join();
    }
  }

  @Nested
  class Deadlines {

    @Test
    void aServerThatDripsItsAnswerIsCutOffAtTheDeadlineAsARetryableError() throws Exception {
      try (DrippingServer drip = new DrippingServer(300, Duration.ofMillis(10)); // 3 s in all
          HttpTransport t =
              HttpTransport.create(
                  HttpSettings.builder(drip.uri())
                      .requestTimeout(Duration.ofMillis(200))
                      .requestDeadline(Duration.ofMillis(300))
                      .maxAttempts(2)
                      .backoff(Duration.ZERO, Duration.ZERO)
                      .build(),
                  Map.of("X-Api-Key", Secret.of(KEY)),
                  HttpTransport.RetryOn.SERVER_ERRORS)) { // on the masking connections
        assertThatThrownBy(() -> t.get("/v1/nodes?index=7"))
            .isInstanceOfSatisfying(
                ClusterOperationException.class, e -> assertThat(e.retryable()).isTrue())
            .hasMessageContaining("GET /v1/nodes?index=7")
            .hasMessageContaining("deadline of 300 ms")
            .hasMessageContaining("requestDeadline");
        assertThat(t.requestsSent()).isEqualTo(2);
      }
    }

    @Test
    void aCallWithALongerTimeoutOfItsOwnGetsThatAsItsDeadline() throws Exception {
      try (DrippingServer drip = new DrippingServer(50, Duration.ofMillis(10)); // 0.5 s in all
          HttpTransport t =
              HttpTransport.create(
                  HttpSettings.builder(drip.uri())
                      .requestTimeout(Duration.ofMillis(200))
                      .requestDeadline(Duration.ofMillis(300))
                      .build(),
                  Map.of(),
                  HttpTransport.RetryOn.SERVER_ERRORS)) {
        assertThat(t.get("/v1/nodes?index=7&wait=5s", Duration.ofSeconds(30)).body()).hasSize(50);
      }
    }
  }

  @Nested
  class ResponseSize {

    @Test
    void anAnswerLongerThanTheCapIsAClearErrorNamingTheCapAndTheSetting() {
      server.createContext(
          "/huge",
          ex -> {
            ex.sendResponseHeaders(200, 0); // chunked, no length announced
            byte[] chunk = new byte[8192];
            try (OutputStream out = ex.getResponseBody()) {
              for (int i = 0; i < 512; i++) { // 4 MiB, unless the client hangs up first
                out.write(chunk);
              }
            } catch (IOException clientGone) {
              // the client stopped reading, as it should
            }
          });
      try (HttpTransport t =
          HttpTransport.create(
              HttpSettings.builder(base())
                  .maxResponseBytes(1024)
                  .backoff(Duration.ZERO, Duration.ZERO)
                  .build(),
              Map.of("X-Api-Key", Secret.of(KEY)), // on the masking connections
              HttpTransport.RetryOn.SERVER_ERRORS)) {
        assertThatThrownBy(() -> t.get("/huge"))
            .isInstanceOfSatisfying(
                ClusterOperationException.class, e -> assertThat(e.retryable()).isFalse())
            .hasMessageContaining("GET /huge")
            .hasMessageContaining("1024 bytes")
            .hasMessageContaining("raise maxResponseBytes");
        assertThat(t.requestsSent()).isEqualTo(1);
      }
    }

    @Test
    void anAnswerAsLongAsTheCapIsReadWhole() {
      answer = "x".repeat(1024);
      try (HttpTransport t =
          HttpTransport.create(
              HttpSettings.builder(base()).maxResponseBytes(1024).build(),
              Map.of(),
              HttpTransport.RetryOn.SERVER_ERRORS)) {
        assertThat(t.get("/api").body()).isEqualTo(answer);
      }
    }
  }

  @Nested
  class RetryAfter {

    final HttpSettings settings =
        HttpSettings.builder(URI.create("https://octopus.example.com"))
            .backoff(Duration.ofMillis(500), Duration.ofSeconds(30))
            .build();
    final IntervalBiFunction<HttpResponse> waits = HttpTransport.waits(settings);

    long waitAfter(int attempt, int status, Map<String, String> headers) {
      return waits.apply(
          attempt, Either.right(new HttpResponse("GET", "/api", status, headers, "")));
    }

    @Test
    void waitsAsManySecondsAsA503OrA429Asks() {
      assertThat(waitAfter(1, 503, Map.of("retry-after", "7"))).isEqualTo(7_000);
      assertThat(waitAfter(1, 429, Map.of("retry-after", " 12 "))).isEqualTo(12_000);
    }

    @Test
    void readsAnHttpDateAgainstTheAnswersOwnDate() {
      assertThat(
              waitAfter(
                  1,
                  503,
                  Map.of(
                      "retry-after",
                      "Wed, 21 Oct 2015 07:28:20 GMT",
                      "date",
                      "Wed, 21 Oct 2015 07:28:00 GMT")))
          .isEqualTo(20_000);
      assertThat(
              waitAfter(
                  1,
                  503,
                  Map.of(
                      "retry-after",
                      "Wed, 21 Oct 2015 07:27:00 GMT",
                      "date",
                      "Wed, 21 Oct 2015 07:28:00 GMT")))
          .as("a date already past")
          .isEqualTo(500);
      assertThat(waitAfter(1, 503, Map.of("retry-after", "Wed, 21 Oct 2015 07:28:20 GMT")))
          .as("no Date to count from")
          .isEqualTo(500);
    }

    @Test
    void neverWaitsLessThanTheBackoffNorLongerThanTheLongestBackoff() {
      assertThat(waitAfter(3, 503, Map.of("retry-after", "1"))).isEqualTo(2_000);
      assertThat(waitAfter(1, 503, Map.of("retry-after", "3600"))).isEqualTo(30_000);
      assertThat(waitAfter(1, 503, Map.of("retry-after", "99999999999999999999"))).isEqualTo(500);
    }

    @Test
    void ignoresRetryAfterOnOtherStatusesAndAfterIoFailures() {
      assertThat(waitAfter(1, 500, Map.of("retry-after", "7"))).isEqualTo(500);
      assertThat(waitAfter(1, 503, Map.of("retry-after", "soon"))).isEqualTo(500);
      assertThat(waits.apply(2, Either.left(new IOException("connection reset")))).isEqualTo(1_000);
    }

    @Test
    void waitsNothingWhenTheBackoffIsZeroAsInTests() {
      IntervalBiFunction<HttpResponse> none =
          HttpTransport.waits(
              HttpSettings.builder(URI.create("https://o.example.com"))
                  .backoff(Duration.ZERO, Duration.ZERO)
                  .build());
      assertThat(
              none.apply(
                  1,
                  Either.right(
                      new HttpResponse("GET", "/api", 503, Map.of("retry-after", "7"), ""))))
          .isZero();
    }
  }

  @Nested
  class Redirects {

    @Test
    void aRedirectIsAClearErrorNamingTheLocationAndIsNeverFollowed() throws IOException {
      List<String> reached = new ArrayList<>();
      HttpServer elsewhere = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      elsewhere.createContext(
          "/",
          ex -> {
            reached.add(
                ex.getRequestURI() + " key=" + ex.getRequestHeaders().getFirst("X-Api-Key"));
            ex.sendResponseHeaders(200, -1);
            ex.close();
          });
      elsewhere.start();
      String location = "http://127.0.0.1:" + elsewhere.getAddress().getPort() + "/octopus/api";
      answer(301, 307);
      errorHeaders.put("Location", location);
      try (HttpTransport t = transport(HttpTransport.RetryOn.SERVER_ERRORS)) {
        assertThatThrownBy(() -> t.get("/api"))
            .isInstanceOfSatisfying(
                ClusterOperationException.class, e -> assertThat(e.retryable()).isFalse())
            .hasMessageContaining("GET /api was redirected (HTTP 301) to " + location)
            .hasMessageContaining("configure the final URL");
        assertThatThrownBy(
                () -> t.put("/api/maintenanceconfiguration", Map.of("IsInMaintenanceMode", true)))
            .hasMessageContaining("(HTTP 307) to " + location);
        assertThat(t.requestsSent()).isEqualTo(2);
      } finally {
        elsewhere.stop(0);
      }
      assertThat(reached).as("requests that followed the redirect").isEmpty();
    }
  }

  @Nested
  class Secrets {

    @Test
    void aCredentialTheServerEchoesIsRedactedFromTheAnswer() {
      server.createContext(
          "/echo",
          ex -> {
            String key = ex.getRequestHeaders().getFirst("X-Api-Key");
            byte[] out =
                ("{\"ErrorMessage\":\"The API key " + key + " is not valid\"}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("X-Rejected-Key", key);
            ex.sendResponseHeaders(401, out.length);
            ex.getResponseBody().write(out);
            ex.close();
          });
      try (HttpTransport t = transport(HttpTransport.RetryOn.SERVER_ERRORS)) {
        HttpResponse r = t.get("/echo");
        assertThat(r.body())
            .doesNotContain(KEY)
            .contains("The API key " + HttpTransport.REDACTED + " is not valid");
        assertThat(r.header("X-Rejected-Key")).contains(HttpTransport.REDACTED);
        assertThat(r.toString()).doesNotContain(KEY);
      }
    }

    /**
     * Every line logged so far in this JVM: every logger is at DEBUG, HttpClient's header and wire
     * logs included.
     */
    static List<String> log() throws IOException {
      return Files.readAllLines(
          Path.of("target", "http-transport-tests.log"), StandardCharsets.UTF_8);
    }

    /**
     * Answers with the value of the request's {@code header} echoed in a header and in the body, as
     * a 401.
     */
    void echo(String path, String header) {
      server.createContext(
          path,
          ex -> {
            String key = ex.getRequestHeaders().getFirst(header);
            byte[] out =
                ("{\"ErrorMessage\":\"The API key " + key + " is not valid\"}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("X-Rejected-Key", key);
            ex.sendResponseHeaders(401, out.length);
            ex.getResponseBody().write(out);
            ex.close();
          });
    }

    @Test
    void noLogLineShowsACredentialWithEveryLoggerAtDebugHttpClientsHeaderAndWireLogsIncluded()
        throws IOException {
      assertThat(LoggerFactory.getLogger(CredentialSafeConnections.HEADER_LOG).isDebugEnabled())
          .as("header log on")
          .isTrue();
      assertThat(LoggerFactory.getLogger(CredentialSafeConnections.WIRE_LOG).isDebugEnabled())
          .as("wire log on")
          .isTrue();
      echo("/quiet/echo", "X-Quiet-Key");
      answer(503);
      try (HttpTransport t =
          HttpTransport.create(
              HttpSettings.builder(base()).backoff(Duration.ZERO, Duration.ZERO).build(),
              Map.of("X-Quiet-Key", Secret.of(KEY)),
              HttpTransport.RetryOn.SERVER_ERRORS)) {
        assertThat(t.get("/quiet/api").status()).isEqualTo(200);
        answer(404);
        assertThat(
                t.put("/quiet/api/octopusservernodes/x", Map.of("MaxConcurrentTasks", 0)).status())
            .isEqualTo(404);
        assertThat(t.get("/quiet/echo").body())
            .as("the key was sent, and came back")
            .isEqualTo(
                "{\"ErrorMessage\":\"The API key " + HttpTransport.REDACTED + " is not valid\"}");
        assertThatThrownBy(() -> t.get("http://127.0.0.1:1/quiet/api"))
            .isInstanceOf(ClusterOperationException.class);
      }
      List<String> log = log();
      String headers = "DEBUG " + CredentialSafeConnections.HEADER_LOG + " - ";
      assertThat(log)
          .as("HttpClient's header log shows these requests and answers, the credential masked")
          .anyMatch(line -> line.contains(headers) && line.endsWith(">> GET /quiet/api HTTP/1.1"))
          .anyMatch(
              line ->
                  line.contains(headers)
                      && line.endsWith(">> X-Quiet-Key: " + HttpTransport.REDACTED))
          .anyMatch(
              line ->
                  line.contains(headers) // the JDK's server writes the name as X-rejected-key
                      && line.toLowerCase(Locale.ROOT)
                          .endsWith("<< x-rejected-key: " + HttpTransport.REDACTED));
      assertThat(log)
          .as("HttpClient's other loggers wrote at DEBUG too")
          .anyMatch(line -> line.contains("DEBUG org.apache.hc.client5.http.impl.classic."))
          .anyMatch(line -> line.contains("DEBUG org.apache.hc.client5.http.impl.io."));
      assertThat(log)
          .filteredOn(
              line ->
                  line.contains("INFO io.upkeep.http.HttpTransport")
                      && line.contains("X-Quiet-Key"))
          .singleElement()
          .asString()
          .contains(
              CredentialSafeConnections.HEADER_LOG,
              CredentialSafeConnections.WIRE_LOG,
              HttpTransport.REDACTED);
      assertThat(log)
          .anyMatch(
              line -> line.contains("DEBUG io.upkeep.http.HttpTransport - GET /quiet/api -> 503"));
      assertThat(log)
          .as("every line of every test so far, at every level")
          .noneMatch(line -> line.contains(KEY));
    }

    @Test
    void httpClientsOwnConnectionsWouldLogTheCredentialSoTheTestAboveCanFail() throws IOException {
      String control = "API-CONTROLKEY9876543210";
      try (HttpTransport t =
          HttpTransport.create(
              HttpSettings.builder(base()).backoff(Duration.ZERO, Duration.ZERO).build(),
              Map.of("X-Control-Key", Secret.of(control)),
              HttpTransport.RetryOn.SERVER_ERRORS,
              ManagedHttpClientConnectionFactory.INSTANCE)) {
        assertThat(t.get("/control/api").status()).isEqualTo(200);
      }
      List<String> log = log();
      assertThat(log)
          .as("HttpClient's own header log shows the credential")
          .anyMatch(
              line ->
                  line.contains("DEBUG " + CredentialSafeConnections.HEADER_LOG + " - ")
                      && line.endsWith(">> X-Control-Key: " + control));
      assertThat(log)
          .as("and so does its wire log")
          .anyMatch(
              line ->
                  line.contains("DEBUG " + CredentialSafeConnections.WIRE_LOG + " - ")
                      && line.contains(control));
      assertThat(log)
          .as("no note claims it is masked")
          .noneMatch(
              line ->
                  line.contains("INFO io.upkeep.http.HttpTransport")
                      && line.contains("X-Control-Key"));
    }

    /**
     * A PKCS#12 key store in {@code dir} with a new self-signed certificate for 127.0.0.1, made by
     * the JDK's keytool.
     */
    static Path selfSignedKeyStore(Path dir, String password)
        throws IOException, InterruptedException {
      Path store = dir.resolve("127.0.0.1.p12");
      Process keytool =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                  "-genkeypair",
                  "-alias",
                  "server",
                  "-keyalg",
                  "EC",
                  "-groupname",
                  "secp256r1",
                  "-validity",
                  "2",
                  "-dname",
                  "CN=127.0.0.1",
                  "-ext",
                  "SAN=ip:127.0.0.1",
                  "-storetype",
                  "PKCS12",
                  "-keystore",
                  store.toString(),
                  "-storepass",
                  password)
              .redirectErrorStream(true)
              .start();
      String said = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(keytool.waitFor()).as("keytool: " + said).isZero();
      return store;
    }

    @Test
    void overVerifiedTlsTheCredentialIsSentOnReusedConnectionsAndStillNeverLogged(@TempDir Path dir)
        throws Exception {
      Path store = selfSignedKeyStore(dir, "test-only");
      KeyStore keys = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(store)) {
        keys.load(in, "test-only".toCharArray());
      }
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, "test-only".toCharArray());
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), null, null);
      HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      https.setHttpsConfigurator(new HttpsConfigurator(context));
      List<String> received = new ArrayList<>();
      https.createContext(
          "/",
          ex -> {
            received.add(ex.getRequestHeaders().getFirst("X-Tls-Key"));
            byte[] out = "{}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, out.length);
            ex.getResponseBody().write(out);
            ex.close();
          });
      https.start();
      try (HttpTransport t =
          HttpTransport.create(
              HttpSettings.builder(URI.create("https://127.0.0.1:" + https.getAddress().getPort()))
                  .tls(Tls.trustStore(store, Secret.of("test-only")))
                  .backoff(Duration.ZERO, Duration.ZERO)
                  .build(),
              Map.of("X-Tls-Key", Secret.of(KEY)),
              HttpTransport.RetryOn.SERVER_ERRORS)) {
        assertThat(t.get("/tls/api").status()).isEqualTo(200);
        assertThat(t.get("/tls/api/octopusservernodes").status()).isEqualTo(200);
      } finally {
        https.stop(0);
      }
      assertThat(received).containsExactly(KEY, KEY);
      List<String> log = log();
      List<String> masked =
          log.stream()
              .filter(
                  line ->
                      line.contains("DEBUG " + CredentialSafeConnections.HEADER_LOG + " - ")
                          && line.endsWith(" >> X-Tls-Key: " + HttpTransport.REDACTED))
              .toList();
      assertThat(masked).as("both requests in the header log").hasSize(2);
      String connection = masked.get(0).replaceAll(".* - (\\S+) >> .*", "$1");
      assertThat(masked.get(1))
          .as("the second on the first one's connection, reused")
          .contains(" - " + connection + " >> ");
      assertThat(log).noneMatch(line -> line.contains(KEY));
    }

    @Test
    void refusesToSendACredentialOverPlainHttpToAnotherHostUnlessAllowed() {
      URI remote = URI.create("http://octopus.example.com:8065");
      Map<String, Secret> key = Map.of("X-Api-Key", Secret.of(KEY));
      assertThatThrownBy(
              () ->
                  HttpTransport.create(
                      HttpSettings.builder(remote).build(),
                      key,
                      HttpTransport.RetryOn.SERVER_ERRORS))
          .isInstanceOfSatisfying(
              ClusterOperationException.class, e -> assertThat(e.retryable()).isFalse())
          .hasMessageContaining("[X-Api-Key] over plain http to octopus.example.com")
          .hasMessageContaining("https://")
          .hasMessageContaining("allowInsecureHttp(true)")
          .hasMessageNotContaining(KEY);
      HttpTransport.create(
              HttpSettings.builder(remote).allowInsecureHttp(true).build(),
              key,
              HttpTransport.RetryOn.SERVER_ERRORS)
          .close();
      HttpTransport.create(
              HttpSettings.builder(remote).build(), Map.of(), HttpTransport.RetryOn.SERVER_ERRORS)
          .close();
      for (String local :
          List.of("http://localhost:4646", "http://127.0.0.2", "http://[::1]:4646")) {
        HttpTransport.create(
                HttpSettings.builder(URI.create(local)).build(),
                key,
                HttpTransport.RetryOn.SERVER_ERRORS)
            .close();
      }
    }

    @Test
    void refusesAnAbsoluteUrlOverPlainHttpToAnotherHostBeforeConnecting() {
      try (HttpTransport t = transport(HttpTransport.RetryOn.SERVER_ERRORS)) {
        assertThatThrownBy(() -> t.get("http://10.1.2.3:8065/api/octopusservernodes/ping"))
            .isInstanceOf(ClusterOperationException.class)
            .hasMessageContaining("plain http to 10.1.2.3");
        assertThatThrownBy(() -> t.get("http://octo-1.localhost.example.com/api"))
            .hasMessageContaining("octo-1.localhost.example.com");
        assertThat(t.requestsSent()).isZero();
      }
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
        assertThat(seen)
            .singleElement()
            .asString()
            .startsWith("PUT /api/octopusservernodes/OctopusServerNodes-1")
            .endsWith("body={\"MaxConcurrentTasks\":0}");
      }
    }

    @Test
    void resolvesPathsAgainstTheBaseAndUsesAbsoluteUrlsAsTheyAre() {
      try (HttpTransport t =
          HttpTransport.create(
              HttpSettings.builder(URI.create(base() + "/octopus/")).build(),
              Map.of(),
              HttpTransport.RetryOn.SERVER_ERRORS)) {
        t.get("/api?x=1");
        t.get(base() + "/node/octo-2/api/octopusservernodes/ping");
      }
      assertThat(seen)
          .extracting(s -> s.split(" ")[1])
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
            .isInstanceOfSatisfying(
                ClusterOperationException.class, e -> assertThat(e.retryable()).isFalse())
            .hasMessageContaining(
                "malformed JSON in the answer to GET /api/octopusservernodes/summary");
        assertThatThrownBy(() -> r.as(Map.class)).hasMessageContaining("malformed JSON");
      }
    }
  }

  @Nested
  class Settings {

    @Test
    void refusesABaseThatIsNotAnAbsoluteHttpUrl() {
      assertThatThrownBy(() -> HttpSettings.builder(URI.create("octopus.example.com")).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("absolute http or https URL");
    }

    @Test
    void refusesNonsenseNumbersAtOnce() {
      HttpSettings.Builder b = HttpSettings.builder(URI.create("https://octopus.example.com"));
      assertThatThrownBy(() -> b.maxAttempts(0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("maxAttempts");
      assertThatThrownBy(() -> b.requestTimeout(Duration.ZERO))
          .hasMessageContaining("requestTimeout");
      assertThatThrownBy(() -> b.requestsPerSecond(0)).hasMessageContaining("requestsPerSecond");
      assertThatThrownBy(() -> b.backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
          .hasMessageContaining("backoff");
      assertThatThrownBy(() -> b.requestDeadline(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("requestDeadline");
      assertThatThrownBy(() -> b.requestDeadline(Duration.ofMillis(-1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("requestDeadline");
      assertThatThrownBy(() -> b.maxResponseBytes(0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("maxResponseBytes");
    }

    @Test
    void boundsEveryAttemptByDefault() {
      HttpSettings s = HttpSettings.builder(URI.create("https://octopus.example.com")).build();
      assertThat(s.requestDeadline())
          .isEqualTo(HttpSettings.DEFAULT_REQUEST_DEADLINE)
          .isEqualTo(Duration.ofSeconds(60));
      assertThat(s.maxResponseBytes())
          .isEqualTo(HttpSettings.DEFAULT_MAX_RESPONSE_BYTES)
          .isEqualTo(16 * 1024 * 1024);
    }

    @Test
    void tlsNeedsBothHalvesOfAClientCertificateAndNeverShowsAPassword() {
      assertThatThrownBy(
              () -> Tls.system().withClientCertificate(java.nio.file.Path.of("client.pem"), null))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("keyPem");
      assertThat(
              Tls.trustStore(java.nio.file.Path.of("trust.p12"), Secret.of("hunter2")).toString())
          .doesNotContain("hunter2");
    }

    @Test
    void aMissingTrustStoreIsAnErrorNamingTheFile() {
      HttpSettings s =
          HttpSettings.builder(URI.create("https://octopus.example.com"))
              .tls(Tls.trustStore(java.nio.file.Path.of("no-such-trust.p12"), Secret.of("pw")))
              .build();
      assertThatThrownBy(
              () -> HttpTransport.create(s, Map.of(), HttpTransport.RetryOn.SERVER_ERRORS))
          .hasMessageContaining("no-such-trust.p12");
    }
  }
}
