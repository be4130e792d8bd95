package io.upkeep.testkit.http.octopus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.http.FakeHttpServer;
import io.upkeep.testkit.http.HttpFault;
import io.upkeep.testkit.http.RecordedRequest;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.SSLContext;

/**
 * A fake Octopus Deploy Server HA cluster on a real HTTP port of 127.0.0.1, backed by a {@link
 * FakeCluster}: point an Octopus client (the Upkeep adapter, a script, another language's tool) at
 * {@link #baseUrl()} and it speaks this subset of the Octopus REST API, with the vendor's JSON
 * field names, casing, paging envelope and error shape:
 *
 * <ul>
 *   <li>{@code GET /api} (root document, anonymous), {@code GET /api/octopusservernodes/ping}
 *       (anonymous; 200, or 418 when the answering node is drained);
 *   <li>{@code GET /api/octopusservernodes} (paged: {@code skip}, {@code take}, {@code ids}, {@code
 *       partialName}), {@code /all}, {@code /summary}, {@code GET|PUT|DELETE
 *       /api/octopusservernodes/{id}}, {@code GET .../{id}/details};
 *   <li>{@code GET|PUT /api/maintenanceconfiguration};
 *   <li>{@code GET /api/tasks}, {@code /api/{spaceId}/tasks}, {@code /api/spaces/{spaceId}/tasks}
 *       ({@code node}, {@code states}, {@code running}, {@code active}, {@code ids}, {@code
 *       spaces}, {@code includeSystem}, {@code skip}, {@code take}; newest first), {@code GET
 *       .../tasks/{id}}, {@code POST .../tasks/{id}/cancel}, {@code POST /api/tasks} and {@code
 *       /api/{spaceId}/tasks} (a {@code Health} task, run by whichever node picks it up);
 *   <li>{@code GET /api/spaces} (paged), {@code /api/spaces/all}, {@code /api/spaces/{id}};
 *   <li>{@code GET /api/serverstatus}, {@code /api/serverstatus/health} (418 when every node is
 *       drained), {@code /api/serverstatus/system-info} (the answering node's {@code OSVersion},
 *       {@code ClrVersion}, {@code Version}, {@code Uptime}, ...).
 * </ul>
 *
 * <p>As on the real server, routes, query parameter names, state values and JSON property names are
 * matched case-insensitively ({@code /API/OctopusServerNodes}, {@code {"isInMaintenanceMode":
 * true}}).
 *
 * <p><b>The cluster behind it.</b> Nodes are the cluster's members, named by their node ids, with
 * Octopus ids {@code OctopusServerNodes-1}, {@code -2}, ... given in the order they are first seen
 * and never reused. {@code MaxConcurrentTasks} is the task cap and a node's {@code
 * IsInMaintenanceMode} is its drain; a PUT applies both to the cluster (a field missing from the
 * body takes its default, 0 or false, as the real server's model binding does). Global maintenance
 * mode is the cluster's, with Octopus's meaning: the task queue still runs, users cannot queue
 * tasks ({@link FakeCluster#maintenanceModeRunsQueue}). A node that joins registers with Octopus's
 * default task cap of {@value #DEFAULT_NEW_NODE_TASK_CAP} unless {@link
 * Builder#installerSetsTaskCap} says its installer set one.
 *
 * <p><b>Tasks</b> follow the cluster's simulated work: each task the cluster queues is a server
 * task {@code ServerTasks-N} ({@code Queued}, no {@code ServerNode}), {@code Executing} on the node
 * that starts it, {@code Success} when it ends, or {@code Failed} if its node stops under it or it
 * was {@linkplain #failNextTasks made to fail} ({@link #failTasks} for a seeded share). Cancelling
 * a queued task cancels it at once; an executing one is {@code Cancelling} until its node acts on
 * it, a second later, then {@code Canceled}; a completed one is refused with 400. Tasks are spread
 * over {@code Spaces-1}, {@code Spaces-2} and system tasks, so that only {@code
 * spaces=all&includeSystem=true} counts all of them. A node is offline ({@code IsOffline}) while
 * its service is not running. DELETE removes the member, and is refused (400) where the cluster
 * refuses it: a node still in service.
 *
 * <p><b>Addresses.</b> The base URL is the load balancer: it is answered by the first healthy
 * member whose traffic weight is above 0 (else by any healthy member; with none, the load balancer
 * answers 503). Each node also has its own address on the same port, {@link #nodeUrl(String)} =
 * {@code <base>/node/<name>}, answered by that node alone; while its service is stopped nothing
 * listens there and the connection is dropped. Every answer a node gives carries the {@code
 * Octopus-Node} header naming it (the JDK server writes header names as {@code Octopus-node}; HTTP
 * header names are case-insensitive).
 *
 * <p><b>Credentials.</b> Everything but the root document and ping needs the {@code
 * X-Octopus-ApiKey} header or the {@code apikey} query parameter (recorded masked): a missing or
 * wrong key gets 401, the {@linkplain Builder#readOnlyApiKey read-only key} may read but gets 403
 * on changes; both with the Octopus error JSON. Unknown ids get 404, bad bodies 400, other methods
 * 405, all with it too.
 *
 * <p><b>TLS.</b> Plain HTTP unless {@link Builder#tls} gives an {@link SSLContext}: then HTTPS with
 * that context's certificate, and every URL it gives starts with {@code https}.
 *
 * <p><b>Time.</b> Requests are answered from the cluster's state at its current virtual time; the
 * server never moves the clock, unless {@link Builder#followSystemClock} says so. Tests drive time
 * through the cluster's {@code VirtualClock}. The standalone program ({@link #main}) and benchmarks
 * measured in real time (a client on {@code TimeSource.system()}) make the server follow the system
 * clock instead: the cluster's tasks then end, and its host operations finish, as real time reaches
 * them, within a few milliseconds.
 *
 * <p><b>Verification.</b> As every {@link FakeHttpServer}: every request is recorded ({@link
 * #takeRequest()}, {@link #takeRequest(Duration)}, {@link #requests()}) with the API key masked, in
 * the {@code X-Octopus-ApiKey} header and the {@code apikey} query parameter alike, and its {@link
 * RecordedRequest#target() target} naming the node whose own address was called; {@link HttpFault}s
 * are injected with {@link #inject}, their error bodies the Octopus error JSON. Thread-safe;
 * single-use: start one per test and close it.
 *
 * <pre>{@code
 * FakeCluster cluster = FakeCluster.builder().nodes("octo", 3, n -> n.role("octopus-node")).build();
 * try (FakeOctopusServer octopus = FakeOctopusServer.start(cluster)) {
 *   // point the client at octopus.baseUrl() with octopus.apiKey()
 *   assertThat(octopus.takeRequest().requestLine()).isEqualTo("GET /api/octopusservernodes/summary");
 * }
 * }</pre>
 */
public final class FakeOctopusServer extends FakeHttpServer {

  /** The API key a server accepts unless told otherwise. */
  public static final String DEFAULT_API_KEY = "API-UPKEEPFAKE0CT0PUS0000000001";

  /**
   * The query parameter that, as Octopus documents, may carry the API key instead of the header.
   */
  public static final String API_KEY_PARAMETER = "apikey";

  /**
   * The task cap a new node registers with unless {@link Builder#installerSetsTaskCap}: Octopus's
   * default.
   */
  public static final int DEFAULT_NEW_NODE_TASK_CAP = 5;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final FakeCluster cluster;
  private final String apiKey;
  private final String readOnlyApiKey;
  private final OctopusRoutes routes;

  /** Keeps the cluster's clock in step with the system clock, or null. */
  private final Thread pacer;

  private FakeOctopusServer(Builder b) {
    super(
        "Octopus",
        b.cluster.clock(),
        b.port,
        b.tls,
        false,
        Set.of(OctopusRoutes.API_KEY_HEADER),
        Set.of(API_KEY_PARAMETER));
    this.cluster = b.cluster;
    this.apiKey = b.apiKey;
    this.readOnlyApiKey = b.readOnlyApiKey;
    this.routes = new OctopusRoutes(cluster, apiKey, readOnlyApiKey, b.installerSetsTaskCap);
    this.pacer = b.followSystemClock ? cluster.clock().followSystemClock() : null;
    serve();
  }

  /**
   * A daemon thread that advances {@code clock} as much as the system's monotonic clock has moved
   * since it started, every millisecond, running the events that fall due on the way.
   */
  /** Stops following the system clock, if it did, then stops listening. */
  @Override
  public void close() {
    if (pacer != null) {
      pacer.interrupt();
      try {
        pacer.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    super.close();
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
   * The own address of the node named {@code name}: {@code <base>/node/<name>}, whether or not it
   * exists.
   */
  public URI nodeUrl(String name) {
    Objects.requireNonNull(name, "name");
    return URI.create(
        baseUrl() + "/node/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"));
  }

  /** Every node's own address as a template with {@code {name}} for the node's name. */
  public String nodeUrlTemplate() {
    return baseUrl() + "/node/{name}";
  }

  /** The API key that may do anything. */
  public String apiKey() {
    return apiKey;
  }

  /** The Octopus id ({@code OctopusServerNodes-N}) of the member named {@code name}. */
  public String nodeId(String name) {
    if (cluster.node(NodeId.of(name)).isEmpty()) {
      throw new NoSuchElementException(
          name + " is not a member of the cluster, so it has no Octopus id");
    }
    return routes.idOf(name);
  }

  /** The cluster this server answers from. */
  public FakeCluster cluster() {
    return cluster;
  }

  // ------------------------------------------------------------------ serving

  @Override
  protected Target target(String rawPath) {
    if (!rawPath.startsWith("/node/")) {
      return new Target("", rawPath);
    }
    String rest = rawPath.substring("/node/".length());
    int slash = rest.indexOf('/');
    return new Target(
        OctopusRoutes.decode(slash < 0 ? rest : rest.substring(0, slash)),
        slash < 0 ? "/" : rest.substring(slash));
  }

  @Override
  protected Response answer(
      String method,
      String target,
      String path,
      String query,
      Map<String, String> headers,
      String body) {
    OctopusRoutes.Answer a =
        routes.answer(method.toUpperCase(Locale.ROOT), target, path, query, headers, body);
    return a.drop()
        ? Response.dropped()
        : new Response(a.status(), a.contentType(), a.body(), a.headers());
  }

  /**
   * The Octopus error JSON ({@code ErrorMessage}, empty {@code Errors}); a 429 carries {@code
   * Retry-After: 1}.
   */
  @Override
  protected Response error(int status, String message) {
    try {
      String body = MAPPER.writeValueAsString(OctopusRoutes.errorJson(MAPPER, message, List.of()));
      return new Response(
          status,
          "application/json; charset=utf-8",
          body,
          status == 429 ? Map.of("Retry-After", "1") : Map.of());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the Octopus error JSON", e);
    }
  }

  /** The shared parsing of a raw query string, for the routes. */
  static Map<String, String> parameters(String rawQuery) {
    return queryParameters(rawQuery);
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
   * Makes each task that ends on the node named {@code node} (after those of {@link
   * #failNextTasks}) fail with probability {@code share}, drawn from the cluster's seed so a run
   * replays; 0 stops it.
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

  /**
   * {@code api-key} or {@code read-only-api-key} for the builder's keys, sent in the {@code
   * X-Octopus-ApiKey} header or else the {@code apikey} query parameter; {@code anonymous} without
   * either, {@code unknown} for another key.
   */
  @Override
  protected String principal(Map<String, String> headers, String query) {
    String key = headers.get(OctopusRoutes.API_KEY_HEADER.toLowerCase(Locale.ROOT));
    if (key == null) {
      key =
          queryParameters(query).entrySet().stream()
              .filter(e -> e.getKey().equalsIgnoreCase(API_KEY_PARAMETER))
              .map(Map.Entry::getValue)
              .findFirst()
              .orElse(null);
    }
    return key == null
        ? "anonymous"
        : key.equals(apiKey)
            ? "api-key"
            : key.equals(readOnlyApiKey) ? "read-only-api-key" : "unknown";
  }

  // ------------------------------------------------------------------ standalone

  /**
   * Runs a fake Octopus HA cluster until the process is stopped, so that tools in any language can
   * be tested against it: three nodes {@code octo-1..3} (or {@code --nodes N}) running tasks,
   * virtual time running at real speed. Prints the base URL, the API key and the node addresses.
   * From the repository root:
   *
   * <pre>
   * mvn -q compile exec:java -Dupkeep.main=io.upkeep.testkit.http.octopus.FakeOctopusServer \
   *     -Dexec.args="--port 8065 --nodes 3"
   * </pre>
   *
   * Options: {@code --port N} (default 0: any free port), {@code --nodes N} (default 3), {@code
   * --api-key KEY} (default {@link #DEFAULT_API_KEY}).
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
        default ->
            throw new IllegalArgumentException(
                "unknown option '" + args[i] + "': use --port N, --nodes N or --api-key KEY");
      }
    }
    FakeCluster cluster = demoCluster(nodes);
    FakeOctopusServer server =
        builder(cluster).apiKey(key).port(port).followSystemClock(true).start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
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
        + "  base URL:   "
        + baseUrl()
        + "\n"
        + "  API key:    "
        + apiKey
        + "   (header X-Octopus-ApiKey)\n"
        + "  node URLs:  "
        + nodeUrlTemplate()
        + "   for "
        + names
        + "\n"
        + "  try:        curl -H 'X-Octopus-ApiKey: "
        + apiKey
        + "' "
        + baseUrl()
        + "/api/octopusservernodes/summary\n"
        + "Virtual time runs at real speed. Stop with Ctrl+C.";
  }

  /** The standalone program's cluster: {@code nodes} Octopus nodes at task cap 5, running tasks. */
  static FakeCluster demoCluster(int nodes) {
    if (nodes < 1) {
      throw new IllegalArgumentException("--nodes must be 1 or more, got " + nodes);
    }
    return FakeCluster.builder()
        .seed(7)
        .nodes(
            "octo",
            nodes,
            n ->
                n.role("octopus-node")
                    .taskCap(5)
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
    private boolean followSystemClock;

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
     * A second key, valid but without the permissions to change anything: it reads, and gets 403 on
     * every PUT, POST and DELETE. Default none.
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
      port = checkPort(value);
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
     * host was {@linkplain io.upkeep.spi.HostPort#provision provisioned} with (as after {@code
     * octopus.server node --taskCap=0}). Default false: as a real server does for a node whose
     * installer set none, it registers with Octopus's default of 5 tasks ({@link
     * #DEFAULT_NEW_NODE_TASK_CAP}), so the window before an orchestrator caps it is rehearsed.
     */
    public Builder installerSetsTaskCap(boolean value) {
      installerSetsTaskCap = value;
      return this;
    }

    /**
     * Whether the server moves the cluster's clock itself, at the system clock's pace, from the
     * instant it starts until it is closed: for a client that runs on {@code TimeSource.system()}
     * (a benchmark, a tool in another language), whose waits then see tasks end and host operations
     * finish in real time. Start the cluster's {@code VirtualClock} at {@code Instant.now()} for
     * its times to read as the client's. Default false: tests drive the clock. Not for tests, which
     * must not depend on real time.
     */
    public Builder followSystemClock(boolean value) {
      followSystemClock = value;
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
