package io.upkeep.testkit.http.octopus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.testkit.FakeCluster;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * A fake Octopus Deploy Server HA cluster on a real HTTP port of 127.0.0.1, backed by a
 * {@link FakeCluster}: point an Octopus client (the Upkeep adapter, a script, another language's
 * tool) at {@link #baseUrl()} and it speaks this subset of the Octopus REST API, with the vendor's
 * JSON field names, casing, paging envelope and error shape:
 *
 * <ul>
 *   <li>{@code GET /api} (root document, anonymous), {@code GET /api/octopusservernodes/ping}
 *       (anonymous; 200, or 418 when the answering node is drained);
 *   <li>{@code GET /api/octopusservernodes} (paged: {@code skip}, {@code take}, {@code ids},
 *       {@code partialName}), {@code /all}, {@code /summary}, {@code GET|PUT|DELETE
 *       /api/octopusservernodes/{id}}, {@code GET .../{id}/details};
 *   <li>{@code GET|PUT /api/maintenanceconfiguration};
 *   <li>{@code GET /api/tasks}, {@code /api/{spaceId}/tasks}, {@code /api/spaces/{spaceId}/tasks}
 *       ({@code node}, {@code states}, {@code running}, {@code active}, {@code ids}, {@code spaces},
 *       {@code includeSystem}, {@code skip}, {@code take}; newest first), {@code GET .../tasks/{id}},
 *       {@code POST .../tasks/{id}/cancel};
 *   <li>{@code GET /api/spaces} (paged), {@code /api/spaces/all}, {@code /api/spaces/{id}};
 *   <li>{@code GET /api/serverstatus}, {@code /api/serverstatus/health} (418 when every node is
 *       drained), {@code /api/serverstatus/system-info} (the answering node's {@code OSVersion},
 *       {@code ClrVersion}, {@code Version}, {@code Uptime}, ...).
 * </ul>
 *
 * <p>As on the real server, routes, query parameter names, state values and JSON property names
 * are matched case-insensitively ({@code /API/OctopusServerNodes}, {@code {"isInMaintenanceMode": true}}).
 *
 * <p><b>The cluster behind it.</b> Nodes are the cluster's members, named by their node ids, with
 * Octopus ids {@code OctopusServerNodes-1}, {@code -2}, ... given in the order they are first seen
 * and never reused. {@code MaxConcurrentTasks} is the task cap and a node's
 * {@code IsInMaintenanceMode} is its drain; a PUT applies both to the cluster (a field missing from
 * the body takes its default, 0 or false, as the real server's model binding does). Global
 * maintenance mode is the cluster's, with Octopus's meaning: the task queue still runs, users cannot
 * queue tasks ({@link FakeCluster#maintenanceModeRunsQueue}). A node that joins registers with
 * Octopus's default task cap of {@value #DEFAULT_NEW_NODE_TASK_CAP} unless
 * {@link Builder#installerSetsTaskCap} says its installer set one.
 *
 * <p><b>Tasks</b> follow the cluster's simulated work: each task the cluster queues is a server
 * task {@code ServerTasks-N} ({@code Queued}, no {@code ServerNode}), {@code Executing} on the node
 * that starts it, {@code Success} when it ends, or {@code Failed} if its node stops under it or it
 * was {@linkplain #failNextTasks made to fail} ({@link #failTasks} for a seeded share). Cancelling
 * a queued task cancels it at once; an executing one is {@code Cancelling} until its node acts on
 * it, a second later, then {@code Canceled}; a completed one is refused with 400. Tasks are spread
 * over {@code Spaces-1}, {@code Spaces-2} and system tasks, so that only
 * {@code spaces=all&includeSystem=true} counts all of them. A node is offline
 * ({@code IsOffline}) while its service is not running. DELETE removes the member, and is refused
 * (400) where the cluster refuses it: a node still in service.
 *
 * <p><b>Addresses.</b> The base URL is the load balancer: it is answered by the first healthy
 * member whose traffic weight is above 0 (else by any healthy member; with none, the load balancer
 * answers 503). Each node also has its own address on the same port, {@link #nodeUrl(String)} =
 * {@code <base>/node/<name>}, answered by that node alone; while its service is stopped nothing
 * listens there and the connection is dropped. Every answer a node gives carries the
 * {@code Octopus-Node} header naming it (the JDK server writes header names as {@code Octopus-node};
 * HTTP header names are case-insensitive).
 *
 * <p><b>Credentials.</b> Everything but the root document and ping needs the
 * {@code X-Octopus-ApiKey} header or the {@code apikey} query parameter (recorded masked): a
 * missing or wrong key gets 401, the
 * {@linkplain Builder#readOnlyApiKey read-only key} may read but gets 403 on changes; both with
 * the Octopus error JSON. Unknown ids get 404, bad bodies 400, other methods 405, all with it too.
 *
 * <p><b>TLS.</b> Plain HTTP unless {@link Builder#tls} gives an {@link SSLContext}: then HTTPS
 * with that context's certificate, and every URL it gives starts with {@code https}.
 *
 * <p><b>Time.</b> Requests are answered from the cluster's state at its current virtual time; the
 * server never moves the clock. Tests drive time through the cluster's {@code VirtualClock}. The
 * standalone program ({@link #main}) runs the clock at real speed instead.
 *
 * <p><b>Verification.</b> Every request is recorded ({@link #takeRequest()}, {@link #requests()}),
 * the API key masked, and {@link HttpFault}s can be injected. Thread-safe; single-use: start one
 * per test and close it.
 *
 * <pre>{@code
 * FakeCluster cluster = FakeCluster.builder().nodes("octo", 3, n -> n.role("octopus-node")).build();
 * try (FakeOctopusServer octopus = FakeOctopusServer.start(cluster)) {
 *   // point the client at octopus.baseUrl() with octopus.apiKey()
 *   assertThat(octopus.takeRequest().line()).isEqualTo("GET /api/octopusservernodes/summary");
 * }
 * }</pre>
 */
public final class FakeOctopusServer implements AutoCloseable {

  /** The API key a server accepts unless told otherwise. */
  public static final String DEFAULT_API_KEY = "API-UPKEEPFAKE0CT0PUS0000000001";
  /** The task cap a new node registers with unless {@link Builder#installerSetsTaskCap}: Octopus's default. */
  public static final int DEFAULT_NEW_NODE_TASK_CAP = 5;
  /** What recorded requests show instead of the API key. */
  public static final String MASK = "<masked>";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  static {
    // The JDK server writes the headers and the body of an answer separately; without TCP_NODELAY,
    // Nagle's algorithm and the client's delayed ACK hold every answer back ~40 ms. Read once, when
    // the JDK's server classes load, so it must be set before the first server of the JVM starts.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final FakeCluster cluster;
  private final String apiKey;
  private final String readOnlyApiKey;
  private final OctopusRoutes routes;
  private final HttpServer server;
  private final ExecutorService executor;
  private final URI baseUrl;
  private final List<RecordedRequest> recorded = new ArrayList<>();
  private final Deque<FaultSlot> faults = new ArrayDeque<>();
  private int taken;

  private FakeOctopusServer(Builder b) {
    this.cluster = b.cluster;
    this.apiKey = b.apiKey;
    this.readOnlyApiKey = b.readOnlyApiKey;
    this.routes = new OctopusRoutes(cluster, apiKey, readOnlyApiKey, b.installerSetsTaskCap);
    try {
      InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), b.port);
      if (b.tls == null) {
        server = HttpServer.create(address, 0);
      } else {
        HttpsServer https = HttpsServer.create(address, 0);
        https.setHttpsConfigurator(new HttpsConfigurator(b.tls));
        server = https;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open port " + b.port + " on 127.0.0.1 for the fake Octopus server"
          + (b.port == 0 ? "" : ": is it taken? use port 0 for any free one"), e);
    }
    AtomicInteger threads = new AtomicInteger();
    executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "fake-octopus-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    baseUrl = URI.create((b.tls == null ? "http" : "https") + "://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Starts a server on a free port for {@code cluster}, with {@link #DEFAULT_API_KEY}. */
  public static FakeOctopusServer start(FakeCluster cluster) {
    return builder(cluster).start();
  }

  /** A builder for a server in front of {@code cluster}. Not thread-safe. */
  public static Builder builder(FakeCluster cluster) {
    return new Builder(Objects.requireNonNull(cluster, "cluster"));
  }

  /**
   * The load balancer's address, such as {@code http://127.0.0.1:54321} ({@code https} with
   * {@link Builder#tls}); API paths start with {@code /api}.
   */
  public URI baseUrl() {
    return baseUrl;
  }

  /** The own address of the node named {@code name}: {@code <base>/node/<name>}, whether or not it exists. */
  public URI nodeUrl(String name) {
    Objects.requireNonNull(name, "name");
    return URI.create(baseUrl + "/node/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"));
  }

  /** Every node's own address as a template with {@code {name}} for the node's name. */
  public String nodeUrlTemplate() {
    return baseUrl + "/node/{name}";
  }

  /** The API key that may do anything. */
  public String apiKey() {
    return apiKey;
  }

  /** The Octopus id ({@code OctopusServerNodes-N}) of the member named {@code name}. */
  public String nodeId(String name) {
    if (cluster.node(NodeId.of(name)).isEmpty()) {
      throw new NoSuchElementException(name + " is not a member of the cluster, so it has no Octopus id");
    }
    return routes.idOf(name);
  }

  /** The cluster this server answers from. */
  public FakeCluster cluster() {
    return cluster;
  }

  /** Queues {@code fault}: it hits the next matching requests, after faults queued before it are used up. */
  public void inject(HttpFault fault) {
    Objects.requireNonNull(fault, "fault");
    synchronized (faults) {
      faults.addLast(new FaultSlot(fault));
    }
  }

  /**
   * The oldest request not yet taken, like MockWebServer's {@code takeRequest()}. Requests are
   * recorded before they are answered, so a request whose answer the client has seen is there.
   *
   * @throws NoSuchElementException if every recorded request has been taken
   */
  public RecordedRequest takeRequest() {
    synchronized (recorded) {
      if (taken >= recorded.size()) {
        throw new NoSuchElementException("no request left to take: all " + recorded.size() + " were taken");
      }
      return recorded.get(taken++);
    }
  }

  /** Every request received so far, in order. */
  public List<RecordedRequest> requests() {
    synchronized (recorded) {
      return List.copyOf(recorded);
    }
  }

  /** How many requests were received so far. */
  public int requestCount() {
    synchronized (recorded) {
      return recorded.size();
    }
  }

  /** How many requests had {@code method} and an API path starting with {@code pathPrefix}. */
  public int requestCount(String method, String pathPrefix) {
    synchronized (recorded) {
      return (int) recorded.stream().filter(r -> r.method().equals(method) && r.path().startsWith(pathPrefix)).count();
    }
  }

  // ------------------------------------------------------------------ task failures

  /**
   * Makes the next {@code count} tasks to end on the node named {@code node} end {@code Failed}
   * instead of {@code Success}, on top of any asked before; for soak gates and checks that watch
   * task failures. The node need not exist yet (a replacement still to be provisioned).
   *
   * @throws IllegalArgumentException if {@code count} is not positive
   */
  public void failNextTasks(String node, int count) {
    Objects.requireNonNull(node, "node");
    if (count < 1) {
      throw new IllegalArgumentException("count must be 1 or more, got " + count);
    }
    synchronized (cluster) {
      routes.tasks().failNext(node, count);
    }
  }

  /**
   * Makes each task that ends on the node named {@code node} (after those of
   * {@link #failNextTasks}) fail with probability {@code share}, drawn from the cluster's seed so a
   * run replays; 0 stops it.
   *
   * @throws IllegalArgumentException if {@code share} is not between 0 and 1
   */
  public void failTasks(String node, double share) {
    Objects.requireNonNull(node, "node");
    if (!(share >= 0 && share <= 1)) {
      throw new IllegalArgumentException("share must be between 0 and 1, got " + share);
    }
    synchronized (cluster) {
      routes.tasks().failShare(node, share);
    }
  }

  /** Stops listening at once. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  @Override
  public String toString() {
    return "FakeOctopusServer[" + baseUrl + ", " + requestCount() + " requests]";
  }

  // ------------------------------------------------------------------ serving

  private void handle(HttpExchange ex) {
    try {
      serve(ex);
    } catch (DroppedConnection e) {
      // Closing an exchange before its answer has started closes the connection: the client gets no answer.
    } catch (IOException e) {
      // The client went away; nothing to answer.
    } catch (RuntimeException e) {
      try {
        send(ex, 500, errorJson("An unexpected error occurred in the fake Octopus server.", e.toString()),
            "application/json; charset=utf-8", Map.of());
      } catch (IOException | RuntimeException ignored) {
        // the answer had already started; the connection closes below
      }
    } finally {
      ex.close();
    }
  }

  private void serve(HttpExchange ex) throws IOException {
    String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
    String rawPath = ex.getRequestURI().getRawPath();
    String query = ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery();
    String target = "";
    String path = rawPath;
    if (rawPath.startsWith("/node/")) {
      String rest = rawPath.substring("/node/".length());
      int slash = rest.indexOf('/');
      target = OctopusRoutes.decode(slash < 0 ? rest : rest.substring(0, slash));
      path = slash < 0 ? "/" : rest.substring(slash);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    ex.getRequestHeaders().forEach((name, values) -> {
      String key = name.toLowerCase(Locale.ROOT);
      headers.put(key, key.equals(OctopusRoutes.API_KEY_HEADER.toLowerCase(Locale.ROOT)) ? MASK
          : values.isEmpty() ? "" : values.get(0));
    });
    String body;
    try (InputStream in = ex.getRequestBody()) {
      body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    synchronized (recorded) {
      recorded.add(new RecordedRequest(method, target, path, OctopusRoutes.maskApiKey(query, MASK), headers, body));
    }
    Map<String, String> realHeaders = new LinkedHashMap<>();
    ex.getRequestHeaders().forEach((name, values) ->
        realHeaders.put(name.toLowerCase(Locale.ROOT), values.isEmpty() ? "" : values.get(0)));

    HttpFault fault = nextFault(path);
    if (fault instanceof HttpFault.DropConnection) {
      throw new DroppedConnection();
    }
    if (fault instanceof HttpFault.Latency l) {
      pause(l.delay());
    }
    if (fault instanceof HttpFault.Status s) {
      String faultBody = s.body() != null ? s.body() : errorBody(s.status());
      Map<String, String> extra = s.status() == 429 ? Map.of("Retry-After", "1") : Map.of();
      send(ex, s.status(), faultBody, "application/json; charset=utf-8", extra);
      return;
    }
    OctopusRoutes.Answer a = routes.answer(method, target, path, query, realHeaders, body);
    if (a.drop()) {
      throw new DroppedConnection();
    }
    send(ex, a.status(), a.body(), a.contentType(), a.headers());
  }

  private static void send(HttpExchange ex, int status, String body, String contentType, Map<String, String> headers)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    if (!contentType.isEmpty()) {
      ex.getResponseHeaders().set("Content-Type", contentType);
    }
    headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
    ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
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

  private static String errorBody(int status) {
    return errorJson(status >= 500 ? "The server could not process the request (injected fault, HTTP " + status + ")."
        : "The request was refused (injected fault, HTTP " + status + ").", null);
  }

  private static String errorJson(String message, String fullException) {
    try {
      var o = OctopusRoutes.errorJson(MAPPER, message, List.of());
      if (fullException != null) {
        o.put("FullException", fullException);
      }
      return MAPPER.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis()); // the latency fault: real time on the server's thread, on purpose
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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

  /** Thrown inside the handler so that the exchange is closed before any answer: the connection drops. */
  private static final class DroppedConnection extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DroppedConnection() {
      super("connection dropped on purpose", null, false, false);
    }
  }

  // ------------------------------------------------------------------ standalone

  /**
   * Runs a fake Octopus HA cluster until the process is stopped, so that tools in any language can
   * be tested against it: three nodes {@code octo-1..3} (or {@code --nodes N}) running tasks, virtual
   * time running at real speed. Prints the base URL, the API key and the node addresses. From the
   * repository root:
   *
   * <pre>
   * mvn -q compile exec:java -Dupkeep.main=io.upkeep.testkit.http.octopus.FakeOctopusServer \
   *     -Dexec.args="--port 8065 --nodes 3"
   * </pre>
   *
   * Options: {@code --port N} (default 0: any free port), {@code --nodes N} (default 3),
   * {@code --api-key KEY} (default {@link #DEFAULT_API_KEY}).
   *
   * @throws IllegalArgumentException if an option is unknown or its value is not valid
   */
  public static void main(String[] args) throws InterruptedException {
    int port = 0;
    int nodes = 3;
    String key = DEFAULT_API_KEY;
    for (int i = 0; i < args.length; i += 2) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(require(value, "--port"));
        case "--nodes" -> nodes = Integer.parseInt(require(value, "--nodes"));
        case "--api-key" -> key = require(value, "--api-key");
        default -> throw new IllegalArgumentException("unknown option '" + args[i]
            + "': use --port N, --nodes N or --api-key KEY");
      }
    }
    FakeCluster cluster = demoCluster(nodes);
    FakeOctopusServer server = builder(cluster).apiKey(key).port(port).start();
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "fake-octopus-clock");
      t.setDaemon(true);
      return t;
    });
    // Nothing waits on it: it runs until the shutdown hook stops the ticker.
    ScheduledFuture<?> unused =
        ticker.scheduleAtFixedRate(() -> cluster.clock().sleep(Duration.ofMillis(250)), 250, 250, TimeUnit.MILLISECONDS);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      ticker.shutdownNow();
      server.close();
      stopped.countDown();
    }));
    System.out.println(server.banner());
    stopped.await();
  }

  /** What the standalone program prints: where to connect and with which key. */
  String banner() {
    List<String> names = cluster.observe().nodes().stream().map(n -> n.id().value()).toList();
    return "Fake Octopus Server (Upkeep testkit) is listening\n"
        + "  base URL:   " + baseUrl + "\n"
        + "  API key:    " + apiKey + "   (header X-Octopus-ApiKey)\n"
        + "  node URLs:  " + nodeUrlTemplate() + "   for " + names + "\n"
        + "  try:        curl -H 'X-Octopus-ApiKey: " + apiKey + "' " + baseUrl + "/api/octopusservernodes/summary\n"
        + "Virtual time runs at real speed. Stop with Ctrl+C.";
  }

  /** The standalone program's cluster: {@code nodes} Octopus nodes at task cap 5, running tasks. */
  static FakeCluster demoCluster(int nodes) {
    if (nodes < 1) {
      throw new IllegalArgumentException("--nodes must be 1 or more, got " + nodes);
    }
    return FakeCluster.builder().seed(7)
        .nodes("octo", nodes, n -> n.role("octopus-node").taskCap(5)
            .platform(Platform.of("Windows Server 2022", ".NET 8.0", "2024.1.10309"))
            .runningTask(Duration.ofMinutes(2)))
        .workload(Duration.ofSeconds(20), Duration.ofMinutes(2))
        .build();
  }

  private static String require(String value, String option) {
    if (value == null) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return value;
  }

  /** Builds and starts a {@link FakeOctopusServer}. Not thread-safe. */
  public static final class Builder {
    private final FakeCluster cluster;
    private String apiKey = DEFAULT_API_KEY;
    private String readOnlyApiKey;
    private int port;
    private SSLContext tls;
    private boolean installerSetsTaskCap;

    private Builder(FakeCluster cluster) {
      this.cluster = cluster;
    }

    /**
     * The API key that may do anything; default {@link #DEFAULT_API_KEY}.
     *
     * @throws IllegalArgumentException if blank
     */
    public Builder apiKey(String value) {
      apiKey = requireKey(value);
      return this;
    }

    /**
     * A second key, valid but without the permissions to change anything: it reads, and gets 403
     * on every PUT, POST and DELETE. Default none.
     *
     * @throws IllegalArgumentException if blank
     */
    public Builder readOnlyApiKey(String value) {
      readOnlyApiKey = requireKey(value);
      return this;
    }

    /**
     * The port to listen on; default 0, any free port (use that in tests).
     *
     * @throws IllegalArgumentException if not 0 to 65535
     */
    public Builder port(int value) {
      if (value < 0 || value > 65535) {
        throw new IllegalArgumentException("a port is 0 to 65535, got " + value);
      }
      port = value;
      return this;
    }

    /**
     * Serves HTTPS instead of plain HTTP, presenting the certificate of {@code context}'s key
     * manager: issue it for {@code 127.0.0.1}, the address in every URL the server gives, so that
     * clients can verify the host name. Default none: plain HTTP.
     */
    public Builder tls(SSLContext context) {
      tls = Objects.requireNonNull(context, "context");
      return this;
    }

    /**
     * Whether the installer of a new node sets its task cap: then a node joins with the cap its
     * host was {@linkplain io.upkeep.spi.HostPort#provision provisioned} with (as after
     * {@code octopus.server node --taskCap=0}). Default false: as a real server does for a node
     * whose installer set none, it registers with Octopus's default of 5 tasks
     * ({@link #DEFAULT_NEW_NODE_TASK_CAP}), so the window before an orchestrator caps it is rehearsed.
     */
    public Builder installerSetsTaskCap(boolean value) {
      installerSetsTaskCap = value;
      return this;
    }

    /**
     * Starts the server.
     *
     * @throws IllegalStateException if both keys are the same
     * @throws UncheckedIOException if the port cannot be opened
     */
    public FakeOctopusServer start() {
      if (apiKey.equals(readOnlyApiKey)) {
        throw new IllegalStateException("the read-only API key must differ from the API key");
      }
      return new FakeOctopusServer(this);
    }

    private static String requireKey(String value) {
      Objects.requireNonNull(value, "apiKey");
      if (value.isBlank()) {
        throw new IllegalArgumentException("an API key must not be blank");
      }
      return value;
    }
  }
}
