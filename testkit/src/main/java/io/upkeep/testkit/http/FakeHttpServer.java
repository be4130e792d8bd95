package io.upkeep.testkit.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.upkeep.spi.TimeSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The base of the testkit's fake HTTP servers (the Octopus and the Nomad fake, and any vendor after
 * them), what a developer who knows OkHttp's MockWebServer expects: a real HTTP (or HTTPS,
 * optionally mutual TLS) port on 127.0.0.1, every request recorded ({@link #takeRequest()}, {@link
 * #takeRequest(Duration)}, {@link #requests()}) with its credentials masked, and {@link HttpFault}s
 * injected with {@link #inject}. A vendor fake extends it and supplies only what is the vendor's:
 * its routes ({@link #answer}), its error body ({@link #error}), who a request's credential names
 * ({@link #principal}) and which headers and query parameters carry one.
 *
 * <pre>{@code
 * try (FakeNomadServer nomad = FakeNomadServer.builder(cluster).acl("root-token").start()) {
 *   nomad.inject(HttpFault.status(503, 1).on("/v1/nodes"));
 *   // ... point the code under test at nomad.baseUrl() ...
 *   RecordedRequest first = nomad.takeRequest(Duration.ofSeconds(5)).orElseThrow();
 *   assertThat(first.requestLine()).isEqualTo("GET /v1/nodes");
 *   assertThat(first.status()).isEqualTo(503);
 * }
 * }</pre>
 *
 * <p><b>Serving.</b> Each request is handled on a daemon thread of the server's own pool: first a
 * queued fault that matches its path, if any (before authentication, as a proxy or a crashing
 * server would), else the vendor's answer. A vendor answer that throws is answered 500 with the
 * vendor's error body and the exception's message. Requests are recorded once their answer is
 * decided, before it is sent (a blocking query when it returns; a {@linkplain HttpFault#latency
 * slow} answer before its delay), so a request whose answer the client has seen, or given up
 * waiting for, is there.
 *
 * <p>Thread-safe; single-use: start one per test and close it.
 */
public abstract class FakeHttpServer implements AutoCloseable {

  static {
    // The JDK server writes the headers and the body of an answer separately; without TCP_NODELAY,
    // Nagle's algorithm and the client's delayed ACK hold every answer back ~40 ms. Read once, when
    // the JDK's server classes load, so it must be set before the first server of the JVM starts.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final String vendor;
  private final TimeSource time;
  private final HttpServer server;
  private final ExecutorService executor;
  private final URI baseUrl;
  private final Set<String> credentialHeaders;
  private final Set<String> credentialQueryParameters;
  private final List<RecordedRequest> recorded = new ArrayList<>();
  private final Deque<FaultSlot> faults = new ArrayDeque<>();
  private int taken;
  private volatile boolean closed;

  /**
   * Opens the port; requests are served once the subclass calls {@link #serve()}, as the last
   * statement of its constructor.
   *
   * @param vendor the vendor's name, such as {@code Octopus}: in thread names and errors
   * @param time the clock whose time {@link RecordedRequest#at()} records (the fake cluster's)
   * @param port the port, 0 for any free one
   * @param tls null for plain HTTP; else HTTPS with this context's certificate
   * @param verifyClient whether a client must present a certificate {@code tls}'s trust managers
   *     accept (mutual TLS)
   * @param credentialHeaders the names of the headers that carry a credential, in any case
   * @param credentialQueryParameters the names of the query parameters that carry one, in any case
   * @throws IllegalArgumentException if the port is not 0 to 65535, or {@code verifyClient} is on
   *     without {@code tls}
   * @throws UncheckedIOException if the port cannot be opened
   */
  protected FakeHttpServer(
      String vendor,
      TimeSource time,
      int port,
      SSLContext tls,
      boolean verifyClient,
      Set<String> credentialHeaders,
      Set<String> credentialQueryParameters) {
    this.vendor = Objects.requireNonNull(vendor, "vendor");
    this.time = Objects.requireNonNull(time, "time");
    checkPort(port);
    if (verifyClient && tls == null) {
      throw new IllegalArgumentException(
          "verifying client certificates needs TLS: give an SSLContext too, since a "
              + "client certificate is checked only over HTTPS");
    }
    this.credentialHeaders = lowerCase(credentialHeaders);
    this.credentialQueryParameters = lowerCase(credentialQueryParameters);
    try {
      InetSocketAddress address =
          new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port);
      if (tls == null) {
        server = HttpServer.create(address, 0);
      } else {
        HttpsServer https = HttpsServer.create(address, 0);
        https.setHttpsConfigurator(
            new HttpsConfigurator(tls) {
              @Override
              public void configure(HttpsParameters params) {
                SSLParameters p = tls.getDefaultSSLParameters();
                p.setNeedClientAuth(verifyClient);
                params.setSSLParameters(p);
              }
            });
        server = https;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot open port "
              + port
              + " on 127.0.0.1 for the fake "
              + vendor
              + " server"
              + (port == 0 ? "" : ": is it taken? use port 0 for any free one")
              + " ("
              + e.getMessage()
              + ")",
          e);
    }
    AtomicInteger threads = new AtomicInteger();
    String threadName = "fake-" + vendor.toLowerCase(Locale.ROOT) + "-http-";
    executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, threadName + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    baseUrl =
        URI.create(
            (tls == null ? "http" : "https") + "://127.0.0.1:" + server.getAddress().getPort());
  }

  /**
   * Checks a port given to a vendor fake's builder.
   *
   * @return {@code port}
   * @throws IllegalArgumentException if not 0 (any free port) to 65535
   */
  protected static int checkPort(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("a port is 0 to 65535 (0 for any free one), got " + port);
    }
    return port;
  }

  /** Starts serving requests: the last statement of a subclass's constructor. */
  protected final void serve() {
    server.start();
  }

  // ------------------------------------------------------------------ what a vendor supplies

  /**
   * The vendor's answer to a request that met no fault.
   *
   * @param method the HTTP method, as sent
   * @param target the {@linkplain #target target}, empty for the base URL
   * @param path the raw path within the target
   * @param query the raw query string, or empty
   * @param headers the headers, names in lower case, first value each, credentials included
   * @param body the body, or empty
   * @return the answer, or {@link Response#dropped()}
   */
  protected abstract Response answer(
      String method,
      String target,
      String path,
      String query,
      Map<String, String> headers,
      String body);

  /**
   * The vendor's error answer with {@code message}, as its server writes errors (the Octopus fake:
   * its error JSON; the Nomad fake: plain text). Injected {@link HttpFault#status} faults are
   * answered with it, and an {@link #answer} that throws; {@link HttpFault#respond} faults with its
   * status, content type and headers around their own body.
   */
  protected abstract Response error(int status, String message);

  /**
   * Who the credential in {@code headers} or {@code query} names, for {@link
   * RecordedRequest#principal()}: {@code anonymous} if none was sent, {@code unknown} if the server
   * does not know it, else the credential's name. Never the secret.
   */
  protected abstract String principal(Map<String, String> headers, String query);

  /**
   * Splits a request's raw path into its target and the path within it. A fake with more than one
   * address on its port overrides it (the Octopus fake: each node's own {@code
   * <base>/node/<name>}); by default every request goes to the base URL: target empty, path
   * unchanged.
   */
  protected Target target(String rawPath) {
    return new Target("", rawPath);
  }

  /**
   * The query parameters of a raw query string: URL-decoded, the first value each, bare flags as
   * empty strings.
   */
  protected static Map<String, String> queryParameters(String rawQuery) {
    return Query.parse(rawQuery);
  }

  /** Whether {@link #close()} was called: long waits (blocking queries) end. */
  protected final boolean isClosed() {
    return closed;
  }

  // ------------------------------------------------------------------ public API

  /**
   * The base URL, such as {@code http://127.0.0.1:54321} ({@code https} with TLS): where a client
   * points (the Octopus fake's load balancer, Nomad's {@code NOMAD_ADDR}).
   */
  public URI baseUrl() {
    return baseUrl;
  }

  /**
   * Queues {@code fault}: it hits the next matching requests, after faults queued before it are
   * used up.
   */
  public void inject(HttpFault fault) {
    Objects.requireNonNull(fault, "fault");
    synchronized (faults) {
      faults.addLast(new FaultSlot(fault));
    }
  }

  /**
   * The oldest request not yet taken, at once: unlike MockWebServer's {@code takeRequest()}, it
   * never waits, so a test that expects a request that never came fails instead of hanging.
   *
   * @throws NoSuchElementException if every recorded request has been taken
   */
  public RecordedRequest takeRequest() {
    synchronized (recorded) {
      if (taken >= recorded.size()) {
        throw new NoSuchElementException(
            "no request left to take: all "
                + recorded.size()
                + " were taken; "
                + "use takeRequest(timeout) to wait for one");
      }
      return recorded.get(taken++);
    }
  }

  /**
   * The oldest request not yet taken, waiting for one up to {@code timeout} of real time, like
   * MockWebServer's {@code takeRequest(timeout, unit)}: for a request the code under test sends
   * from another thread. Empty if none came in time, or the server was closed meanwhile.
   *
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws InterruptedException if the waiting thread is interrupted
   */
  public Optional<RecordedRequest> takeRequest(Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException(
          "a timeout must not be negative, got " + timeout + ": use Duration.ZERO not to wait");
    }
    long nanos =
        timeout.compareTo(Duration.ofDays(1)) > 0 ? TimeUnit.DAYS.toNanos(1) : timeout.toNanos();
    long deadline = System.nanoTime() + nanos;
    synchronized (recorded) {
      while (taken >= recorded.size() && !closed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return Optional.empty();
        }
        TimeUnit.NANOSECONDS.timedWait(recorded, left);
      }
      return taken < recorded.size() ? Optional.of(recorded.get(taken++)) : Optional.empty();
    }
  }

  /** Every request received so far, in order, taken or not. */
  public List<RecordedRequest> requests() {
    synchronized (recorded) {
      return List.copyOf(recorded);
    }
  }

  /**
   * The requests received so far with {@code method} and a path starting with {@code pathPrefix},
   * in order.
   */
  public List<RecordedRequest> requests(String method, String pathPrefix) {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(pathPrefix, "pathPrefix");
    return requests().stream()
        .filter(r -> r.method().equals(method) && r.path().startsWith(pathPrefix))
        .toList();
  }

  /** How many requests were received so far. */
  public int requestCount() {
    synchronized (recorded) {
      return recorded.size();
    }
  }

  /**
   * Stops listening at once; requests still being answered are cut off, and waits in {@link
   * #takeRequest(Duration)} end.
   */
  @Override
  public void close() {
    closed = true;
    synchronized (recorded) {
      recorded.notifyAll();
    }
    server.stop(0);
    executor.shutdownNow();
  }

  // ------------------------------------------------------------------ serving

  private void handle(HttpExchange ex) {
    try {
      String method = ex.getRequestMethod();
      Target t = target(ex.getRequestURI().getRawPath());
      String query = Objects.requireNonNullElse(ex.getRequestURI().getRawQuery(), "");
      Map<String, String> headers = new LinkedHashMap<>();
      ex.getRequestHeaders()
          .forEach(
              (name, values) ->
                  headers.put(
                      name.toLowerCase(Locale.ROOT), values.isEmpty() ? "" : values.get(0)));
      String body;
      try (InputStream in = ex.getRequestBody()) {
        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      Instant at = time.now();
      String principal = principal(headers, query);
      HttpFault fault = nextFault(t.path());
      Response response = respond(fault, method, t, query, headers, body);
      record(
          new RecordedRequest(
              method,
              t.name(),
              t.path(),
              Query.mask(query, credentialQueryParameters, RecordedRequest.MASKED),
              masked(headers),
              body,
              principal,
              response.status(),
              at));
      if (fault instanceof HttpFault.Latency l) {
        pause(l.delay()); // after recording: a client that gives up waiting finds its request
        // recorded
      }
      if (!response.isDropped()) {
        send(ex, response);
      }
    } catch (IOException e) {
      // The client went away; nothing to answer.
    } finally {
      ex.close(); // before an answer has started, this closes the connection: the client gets none
    }
  }

  private Response respond(
      HttpFault fault,
      String method,
      Target t,
      String query,
      Map<String, String> headers,
      String body) {
    try {
      if (fault instanceof HttpFault.DropConnection) {
        return Response.dropped();
      }
      if (fault instanceof HttpFault.Status s) {
        return s.body() == null
            ? error(s.status(), faultMessage(s.status()))
            : error(s.status(), "").withBody(s.body());
      }
      return answer(method, t.name(), t.path(), query, headers, body);
    } catch (RuntimeException e) {
      return error(500, e.getMessage() == null ? e.toString() : e.getMessage());
    }
  }

  private static String faultMessage(int status) {
    return status >= 500
        ? "The server could not process the request (injected fault, HTTP " + status + ")."
        : "The request was refused (injected fault, HTTP " + status + ").";
  }

  private void record(RecordedRequest request) {
    synchronized (recorded) {
      recorded.add(request);
      recorded.notifyAll();
    }
  }

  private Map<String, String> masked(Map<String, String> headers) {
    Map<String, String> out = new LinkedHashMap<>(headers);
    out.replaceAll(
        (name, value) -> credentialHeaders.contains(name) ? RecordedRequest.MASKED : value);
    return out;
  }

  private static void send(HttpExchange ex, Response r) throws IOException {
    byte[] bytes = r.body().getBytes(StandardCharsets.UTF_8);
    if (!r.contentType().isEmpty()) {
      ex.getResponseHeaders().set("Content-Type", r.contentType());
    }
    r.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
    ex.sendResponseHeaders(r.status(), bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private HttpFault nextFault(String path) {
    synchronized (faults) {
      for (Iterator<FaultSlot> it = faults.iterator(); it.hasNext(); ) {
        FaultSlot slot = it.next();
        if (path.startsWith(slot.fault.pathPrefix())) {
          if (--slot.left <= 0) {
            it.remove();
          }
          return slot.fault;
        }
      }
      return null;
    }
  }

  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis()); // the latency fault: real time on the server's thread, on purpose
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Set<String> lowerCase(Set<String> names) {
    return names.stream()
        .map(n -> n.toLowerCase(Locale.ROOT))
        .collect(Collectors.toUnmodifiableSet());
  }

  @Override
  public String toString() {
    return "Fake" + vendor + "Server[" + baseUrl + ", " + requestCount() + " requests]";
  }

  /** A fault and how many more requests it hits. */
  private static final class FaultSlot {
    final HttpFault fault;
    int left;

    FaultSlot(HttpFault fault) {
      this.fault = fault;
      this.left = fault.times();
    }
  }

  /**
   * Where a request went: {@code name} is its target ({@link RecordedRequest#target()}, empty for
   * the base URL), {@code path} the raw path within it.
   *
   * @param name the target, empty for the base URL
   * @param path the raw path within the target
   */
  protected record Target(String name, String path) {
    /**
     * @throws NullPointerException if a component is null
     */
    public Target {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(path, "path");
    }
  }

  /**
   * A vendor's answer: a status, a content type (empty for none), a body (empty for none) and
   * further headers; or, with status 0, no answer at all: the connection is dropped.
   *
   * @param status 100 to 599, or 0 to drop the connection
   * @param contentType the {@code Content-Type}, or empty for none
   * @param body the body, or empty
   * @param headers further headers
   */
  protected record Response(
      int status, String contentType, String body, Map<String, String> headers) {
    /**
     * @throws IllegalArgumentException if the status is neither 0 nor 100 to 599
     */
    public Response {
      if (status != 0 && (status < 100 || status > 599)) {
        throw new IllegalArgumentException(
            "an HTTP status is 100 to 599 (0 to drop the connection), got " + status);
      }
      Objects.requireNonNull(contentType, "contentType");
      Objects.requireNonNull(body, "body");
      headers = Map.copyOf(headers);
    }

    /** No answer: the server closes the connection, as when nothing listens. */
    public static Response dropped() {
      return new Response(0, "", "", Map.of());
    }

    /** Whether this is {@link #dropped()}. */
    public boolean isDropped() {
      return status == 0;
    }

    /** This answer with {@code value} as its body instead. */
    public Response withBody(String value) {
      return new Response(status, contentType, value, headers);
    }
  }
}
