package io.upkeep.testkit.http.nomad;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.upkeep.ClusterOperationException;
import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.Role;
import io.upkeep.TaskCap;
import io.upkeep.UnknownNodeException;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.http.FakeHttpServer;
import io.upkeep.testkit.http.HttpFault;
import io.upkeep.testkit.http.RecordedRequest;
import io.upkeep.testkit.http.nomad.NomadState.Client;
import io.upkeep.testkit.http.nomad.NomadState.Server;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLContext;

/**
 * A Nomad region's HTTP API on localhost, backed by a {@link FakeCluster}: what the Nomad adapter
 * (or any Nomad tool) is tested against, end to end over real HTTP. Servers are the cluster's
 * voters of the server role ({@code server} by default), clients its members of the client role
 * ({@code client}). Like MockWebServer: start it, point the code under test at {@link #baseUrl()},
 * then verify with {@link #takeRequest()} / {@link #requests()} and the cluster's own events.
 *
 * <pre>{@code
 * FakeCluster cluster = FakeCluster.builder().forcesDrainAtDeadline(true)
 *     .nodes("server", 3, n -> n.role("server").voter(true).runsWork(false).taskCap(TaskCap.UNLIMITED)
 *         .platform(Platform.of("Ubuntu 22.04", "", "1.7.7")))
 *     .nodes("client", 2, n -> n.role("client").taskCap(TaskCap.UNLIMITED)
 *         .platform(Platform.of("Ubuntu 22.04", "", "1.7.7")))
 *     .build();
 * try (FakeNomadServer nomad = FakeNomadServer.builder(cluster).acl("root-token").start()) {
 *   // NOMAD_ADDR = nomad.baseUrl(), NOMAD_TOKEN = "root-token"
 * }
 * }</pre>
 *
 * <p>It speaks this subset of Nomad's API with Nomad's JSON (PascalCase, durations as integer
 * nanoseconds, plain-text errors): {@code /v1/agent/self|members|force-leave|health}, {@code
 * /v1/status/leader|peers}, {@code /v1/regions}, {@code /v1/operator/raft/configuration}, {@code
 * /v1/operator/raft/transfer-leadership}, {@code /v1/operator/autopilot/health|configuration},
 * {@code /v1/nodes}, {@code /v1/node/:id} and its {@code allocations}, {@code drain}, {@code
 * eligibility} and {@code purge}, {@code /v1/allocation/:id}, and Nomad Variables: {@code
 * /v1/var/:path} (GET, PUT/POST with {@code cas}, {@code lock-acquire}, {@code lock-renew} and
 * {@code lock-release}, DELETE with {@code cas}) and {@code /v1/vars?prefix=}. It behaves as Nomad
 * does where an orchestrator can tell:
 *
 * <ul>
 *   <li>names and attributes as real agents report them: serf members are {@code <node>.<region>}
 *       ({@code server-1.global}) while {@code ServerName} and {@code config.NodeName} are the bare
 *       node name; raft and node IDs are UUIDs; a client's {@code os.name} is gopsutil's lower-case
 *       platform ({@code ubuntu}, {@code os.version} {@code 22.04}, {@code kernel.name} {@code
 *       linux}), worked out from the cluster node's OS as a test writes it ({@code Ubuntu 22.04});
 *   <li>{@code /v1/status/leader}, {@code /v1/status/peers}, {@code /v1/regions} and {@code
 *       /v1/agent/health} need no token and ignore an unknown one, as Nomad's RPCs for them do;
 *       {@code /v1/agent/self|members|force-leave} and {@code /v1/regions} answer for the agent
 *       itself whatever {@code region} names, every other endpoint answers 500 {@code No path to
 *       region} for a region it does not know;
 *   <li>real blocking queries on {@code /v1/nodes}, {@code /v1/node/:id} and its allocations: with
 *       {@code ?index=N} the answer waits (in real time, at most {@code wait}, default 5 minutes,
 *       capped at 300 s) until the index passes N. A change comes from this API, from calls on the
 *       cluster, or from the cluster's clock running (a task ending, a host operation finishing),
 *       which the server follows through a hook on the {@link io.upkeep.testkit.VirtualClock};
 *       {@code X-Nomad-Index}, {@code X-Nomad-KnownLeader} and {@code X-Nomad-LastContact} are set;
 *   <li>drains: {@code DrainSpec.Deadline} (nanoseconds; negative forces at once, 0 means none)
 *       becomes the cluster's drain deadline; the strategy reads back as Nomad stores it ({@code
 *       ForceDeadline} set only for a positive deadline, the zero time otherwise; {@code StartedAt}
 *       kept when a drain is updated, and a sooner deadline forces sooner), so build the cluster
 *       with {@code forcesDrainAtDeadline(true)} for Nomad's forced migration at the deadline.
 *       Allocations (the cluster's tasks, one each) are marked for migration; when the node runs
 *       none, the drain strategy clears, {@code LastDrain.Status} becomes {@code complete}, the
 *       node stays {@code ineligible}, and a {@code Node drain complete} event is added;
 *   <li>heartbeats: a client whose service stops stays {@code ready} until its heartbeat TTL and
 *       {@code heartbeat_grace} have passed in virtual time, then turns {@code down}; on return it
 *       is {@code initializing} for a moment, then {@code ready};
 *   <li>raft and autopilot: the leader is the cluster's while a majority of the voters is healthy
 *       (none otherwise, as raft); a server that rejoins trails the leader's index and is unhealthy
 *       for {@link Builder#raftCatchUp}; autopilot health answers 429 with its JSON body while any
 *       server is unhealthy; {@code force-leave} on a failed server removes it from the cluster;
 *   <li>ACLs (when a token is configured): {@code X-Nomad-Token} or {@code Authorization: Bearer},
 *       403 {@code ACL token not found} or {@code Permission denied} by each endpoint's documented
 *       capability;
 *   <li>variables as Nomad's variables and locks API pages document them: 409 with the conflicting
 *       variable for a stale {@code cas} and for a write, delete, renew or acquire of a locked
 *       variable without its lock ID; items at most 64 KiB; a lock's TTL and delay between 10 s and
 *       24 h, its TTL running on the cluster's virtual clock, and after it lapses the variable
 *       cannot be locked for the lock delay; reads show the lock only to a management token; each
 *       call needs its {@code variables} capability for the path;
 *   <li>errors in plain text: 404/500 {@code node not found}, 500 {@code No cluster leader}, 400
 *       {@code Request body is empty}, 405 {@code Invalid method}. With no server alive, every
 *       connection is dropped, as an unreachable API.
 * </ul>
 *
 * <p>TLS: plain HTTP unless {@link Builder#tls} gives an {@link SSLContext}: then HTTPS with its
 * certificate, and {@link Builder#verifyHttpsClient} makes it require a client certificate its
 * trust managers accept (mutual TLS), as Nomad's {@code tls} block with {@code verify_https_client}
 * does.
 *
 * <p>Faults: {@link HttpFault}s through {@link #inject} (as every {@link FakeHttpServer}; their
 * error bodies plain text, as Nomad's), and {@link #loseLeader}. Recorded requests ({@link
 * #takeRequest()}, {@link #takeRequest(Duration)}, {@link #requests()}) have the {@code
 * X-Nomad-Token} and {@code Authorization} headers masked, and name the token's {@linkplain
 * RecordedRequest#principal() principal}. Standalone: {@link #main} (see its description).
 * Thread-safe; single-use: close it after each test.
 */
public final class FakeNomadServer extends FakeHttpServer {

  /** Nomad's longest blocking wait; longer waits are capped to it. */
  public static final Duration MAX_BLOCKING_WAIT = Duration.ofMinutes(5);

  /** The wait of a blocking query that names none. */
  public static final Duration DEFAULT_BLOCKING_WAIT = Duration.ofMinutes(5);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN_HEADER = "X-Nomad-Token";
  private static final String TEXT = "text/plain; charset=utf-8";

  /** How often a blocking query looks at the cluster again even when nothing signalled a change. */
  private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private final NomadState state;
  private final NomadViews views;
  private final NomadVariables variables;
  private final Map<String, Token> tokens;
  private final boolean acl;
  private final AtomicInteger blocked = new AtomicInteger();

  private record Token(String name, String secret, Set<String> capabilities) {}

  private FakeNomadServer(Builder b) {
    super(
        "Nomad",
        b.cluster.clock(),
        b.port,
        b.tls,
        b.verifyHttpsClient,
        Set.of(TOKEN_HEADER, "Authorization"),
        Set.of());
    state =
        new NomadState(
            b.cluster,
            new NomadState.Settings(
                b.region,
                b.datacenter,
                b.serverRole,
                b.clientRole,
                b.heartbeatTtl,
                b.heartbeatGrace,
                b.clientInitialization,
                b.raftCatchUp,
                b.followerLag,
                b.systemJobs));
    tokens = new LinkedHashMap<>(b.tokens);
    acl = !tokens.isEmpty();
    views = new NomadViews(state, b.legacyAgentVersion, acl);
    variables = new NomadVariables(state.clock::now, state::nextIndex);
    b.cluster.clock().afterEachEvent(this::afterClockEvent);
    serve();
  }

  /**
   * A builder for a server in front of {@code cluster}, region {@code global}, datacenter {@code
   * dc1}, ACLs off. Not thread-safe.
   */
  public static Builder builder(FakeCluster cluster) {
    return new Builder(Objects.requireNonNull(cluster, "cluster"));
  }

  // ------------------------------------------------------------------ public API

  /** The cluster behind the API. */
  public FakeCluster cluster() {
    return state.cluster;
  }

  /** The region the servers are in; member names are {@code <node>.<region>}. */
  public String region() {
    return state.settings.region();
  }

  /**
   * The Nomad node ID (a UUID) the API gives the client {@code node}.
   *
   * @throws UnknownNodeException if {@code node} is not a client the API lists
   */
  public String nodeId(NodeId node) {
    return withState(
        () -> {
          Client c = state.clients.get(node);
          if (c == null) {
            throw new UnknownNodeException(node, List.copyOf(state.clients.keySet()));
          }
          return c.uuid;
        });
  }

  /** The raft log index the region is at: every change the API has seen took one. */
  public long raftIndex() {
    return withState(() -> state.raftIndex);
  }

  /**
   * Makes the region lose its leader for {@code duration} of the cluster's virtual time, as during
   * an election: requests that need the leader (writes, operator endpoints, {@code
   * /v1/status/leader}, and reads without {@code stale}) answer 500 {@code No cluster leader};
   * stale reads answer with {@code X-Nomad-KnownLeader: false}. The cluster's own leader is not
   * changed.
   *
   * @throws IllegalArgumentException if {@code duration} is not positive
   */
  public FakeNomadServer loseLeader(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("duration must be longer than zero, got " + duration);
    }
    withState(
        () -> {
          state.loseLeader(duration);
          return null;
        });
    return this;
  }

  /**
   * Makes the server named {@code server} trail the leader's raft log by {@code entries} more than
   * {@link Builder#followerLag} from now on, as a follower whose disk or network cannot keep up:
   * its {@code LastIndex} in {@code /v1/operator/autopilot/health} falls behind; 0 ends it. For
   * gates that watch raft health during a soak.
   *
   * @throws IllegalArgumentException if {@code entries} is negative or there is no such server
   */
  public FakeNomadServer lagServer(String server, long entries) {
    Objects.requireNonNull(server, "server");
    if (entries < 0) {
      throw new IllegalArgumentException("entries must be 0 or more, got " + entries);
    }
    withState(
        () -> {
          state.lag(NodeId.of(server), entries);
          return null;
        });
    return this;
  }

  /** How many blocking queries are waiting for a change right now. */
  public int blockedQueries() {
    return blocked.get();
  }

  @Override
  public String toString() {
    return "FakeNomadServer["
        + baseUrl()
        + ", region "
        + region()
        + ", ACL "
        + (acl ? "on" : "off")
        + "]";
  }

  // ------------------------------------------------------------------ serving

  private <T> T withState(java.util.function.Supplier<T> body) {
    state.lock.lock();
    try {
      state.refresh();
      return body.get();
    } finally {
      state.lock.unlock();
    }
  }

  /** Runs on the clock's thread after each event: follow the cluster without ever blocking it. */
  private void afterClockEvent() {
    if (!isClosed() && state.lock.tryLock()) {
      try {
        state.refresh();
      } finally {
        state.lock.unlock();
      }
    }
  }

  private static final class Answer {
    int status = 200;
    String contentType = "application/json";
    String body = "";
    final Map<String, String> headers = new LinkedHashMap<>();

    static Answer json(int status, Object value) {
      Answer a = new Answer();
      a.status = status;
      try {
        a.body = JSON.writeValueAsString(value);
      } catch (JsonProcessingException e) {
        throw new UncheckedIOException(e);
      }
      return a;
    }

    static Answer text(int status, String text) {
      Answer a = new Answer();
      a.status = status;
      a.contentType = TEXT;
      a.body = text;
      return a;
    }

    Answer index(long index) {
      headers.put("X-Nomad-Index", Long.toString(index));
      return this;
    }
  }

  @Override
  protected Response answer(
      String method,
      String target,
      String path,
      String query,
      Map<String, String> headers,
      String body) {
    String secret = token(headers);
    Token token = secret == null ? null : findToken(secret);
    Answer a;
    state.lock.lock();
    try {
      state.refresh();
      if (state.servers.values().stream().noneMatch(s -> s.status.equals("alive"))) {
        return Response.dropped(); // no server runs: nothing answers on the API's address
      }
      a =
          route(
              method,
              path,
              queryParameters(query),
              body,
              token,
              acl && secret != null && token == null);
    } finally {
      state.lock.unlock();
    }
    return new Response(a.status, a.contentType, a.body, a.headers);
  }

  /** Nomad's errors: plain text. */
  @Override
  protected Response error(int status, String message) {
    return new Response(status, TEXT, message, Map.of());
  }

  /**
   * The name of the ACL token sent: {@code anonymous} if none, {@code unknown} if the server does
   * not know it.
   */
  @Override
  protected String principal(Map<String, String> headers, String query) {
    String secret = token(headers);
    Token token = secret == null ? null : findToken(secret);
    return secret == null ? "anonymous" : token == null ? "unknown" : token.name();
  }

  /**
   * The secret of {@code X-Nomad-Token}, else of {@code Authorization: Bearer}; null if neither.
   */
  private static String token(Map<String, String> headers) {
    String t = headers.get(TOKEN_HEADER.toLowerCase(Locale.ROOT));
    if (t != null && !t.isEmpty()) {
      return t;
    }
    String auth = headers.get("authorization");
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return auth.substring(7).trim();
    }
    return null;
  }

  private Token findToken(String secret) {
    for (Token t : tokens.values()) {
      if (t.secret().equals(secret)) {
        return t;
      }
    }
    return null;
  }

  /** The capability {@code token} needs; answers 403 if it lacks it, or null when allowed. */
  private Answer deny(Token token, String... capabilities) {
    if (!acl || capabilities.length == 0) {
      return null;
    }
    if (token == null) {
      return Answer.text(403, "Permission denied");
    }
    if (token.capabilities().contains("management")) {
      return null;
    }
    for (String c : capabilities) {
      if (!token.capabilities().contains(c)) {
        return Answer.text(403, "Permission denied");
      }
    }
    return null;
  }

  private static boolean write(String method) {
    return method.equals("PUT") || method.equals("POST");
  }

  /**
   * Endpoints whose RPC ignores the token: Nomad authenticates the caller only to measure request
   * rates and throws the error away ({@code nomad/status_endpoint.go} {@code Leader}, {@code
   * Peers}; {@code nomad/regions_endpoint.go} {@code List}; the agent's health check asks {@code
   * Status.Leader}). The documentation's ACL column says {@code none} for each.
   */
  private static final Set<String> TOKEN_FREE =
      Set.of("/v1/status/leader", "/v1/status/peers", "/v1/regions", "/v1/agent/health");

  /**
   * Endpoints the agent answers itself, whatever {@code region} says: its own config and serf pool
   * ({@code Status.Members} does not forward), {@code force-leave}, and {@code Region.List}, which
   * reads the gossip pool and needs no leader. Every other endpoint forwards to {@code region} and
   * fails with {@code No path to region} for a region nobody knows.
   */
  private static final Set<String> LOCAL =
      Set.of(
          "/v1/agent/self",
          "/v1/agent/members",
          "/v1/agent/force-leave",
          "/v1/regions",
          "/v1/agent/health");

  private Answer route(
      String method,
      String path,
      Map<String, String> q,
      String body,
      Token token,
      boolean unknownToken) {
    List<String> seg = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
    if (seg.size() < 2 || !seg.get(0).equals("v1")) {
      return Answer.text(404, "Invalid URL path");
    }
    String p = "/" + String.join("/", seg);
    String region = q.get("region");
    boolean foreign = region != null && !region.isEmpty() && !region.equals(region());
    if (foreign && !LOCAL.contains(p)) {
      return Answer.text(500, "No path to region");
    }
    if (unknownToken && !TOKEN_FREE.contains(p)) {
      return Answer.text(403, "ACL token not found");
    }
    if (q.containsKey("stale")
        && !q.get("stale").isEmpty()
        && !q.get("stale").equals("true")
        && !q.get("stale").equals("false")) {
      return Answer.text(400, "Expect `true` or `false` for `stale` query string parameter");
    }
    boolean allowStale = q.containsKey("stale") && !"false".equals(q.get("stale"));
    if (seg.get(1).equals("var") || p.equals("/v1/vars")) {
      return variables(method, seg, q, body, token);
    }
    switch (p) {
      case "/v1/agent/self" -> {
        if (!method.equals("GET")) {
          return Answer.text(405, "Invalid method");
        }
        Answer d = deny(token, "agent:read");
        return d != null ? d : Answer.json(200, views.agentSelf());
      }
      case "/v1/agent/members" -> {
        if (!method.equals("GET")) {
          return Answer.text(405, "Invalid method");
        }
        Answer d = deny(token, "node:read");
        return d != null ? d : Answer.json(200, views.members());
      }
      case "/v1/agent/force-leave" -> {
        return forceLeave(method, q, token);
      }
      case "/v1/status/leader" -> {
        if (!method.equals("GET")) {
          return Answer.text(405, "Invalid method");
        }
        Server leader = state.leaderServer();
        if (leader == null) {
          return allowStale ? Answer.json(200, "") : noLeader();
        }
        return Answer.json(200, leader.rpcAddress());
      }
      case "/v1/status/peers" -> {
        if (!method.equals("GET")) {
          return Answer.text(405, "Invalid method");
        }
        if (!state.hasLeader() && !allowStale) {
          return noLeader();
        }
        // Every server of the raft configuration, voter or not ([] when none).
        return Answer.json(200, state.raftServers().stream().map(Server::rpcAddress).toList());
      }
      case "/v1/regions" -> {
        if (!method.equals("GET")) {
          return Answer.text(405, "Invalid method");
        }
        return Answer.json(200, List.of(region()));
      }
      case "/v1/agent/health" -> {
        if (!method.equals("GET")) {
          return Answer.text(405, "Invalid method");
        }
        return agentHealth(q.get("type"), foreign, allowStale);
      }
      case "/v1/operator/raft/configuration" -> {
        if (!method.equals("GET")) {
          return Answer.text(405, "");
        }
        Answer d = deny(token, "management");
        if (d != null) {
          return d;
        }
        return !state.hasLeader() && !allowStale
            ? noLeader()
            : Answer.json(200, views.raftConfiguration());
      }
      case "/v1/operator/raft/transfer-leadership" -> {
        return transferLeadership(method, q, token);
      }
      case "/v1/operator/autopilot/health" -> {
        if (!method.equals("GET")) {
          return Answer.text(404, "Invalid method");
        }
        Answer d = deny(token, "operator:read");
        if (d != null) {
          return d;
        }
        if (!state.hasLeader()) {
          return noLeader();
        }
        Map<String, Object> health = views.autopilotHealth();
        Answer a = Answer.json(Boolean.TRUE.equals(health.get("Healthy")) ? 200 : 429, health);
        if (a.status == 429) {
          a.contentType = TEXT; // Nomad writes the 429 header before it sets the JSON content type
        }
        return a;
      }
      case "/v1/operator/autopilot/configuration" -> {
        if (!method.equals("GET")) {
          return Answer.text(404, "Invalid method");
        }
        Answer d = deny(token, "operator:read");
        if (d != null) {
          return d;
        }
        return !state.hasLeader()
            ? noLeader()
            : Answer.json(200, NomadViews.autopilotConfiguration());
      }
      case "/v1/nodes" -> {
        if (!method.equals("GET")) {
          return Answer.text(405, "Invalid method");
        }
        Answer d = deny(token, "node:read");
        if (d != null) {
          return d;
        }
        return blocking(
            q,
            allowStale,
            () -> state.nodesIndex,
            () -> Answer.json(200, views.nodes(q.get("prefix"))));
      }
      default -> {
        if (seg.size() >= 3 && seg.get(1).equals("node")) {
          return nodeRoute(method, seg, q, body, token, allowStale);
        }
        if (seg.size() >= 3 && seg.get(1).equals("allocation")) {
          return allocation(method, seg, q, token, allowStale);
        }
        return Answer.text(404, "Invalid URL path");
      }
    }
  }

  /**
   * {@code /v1/var/:path} and {@code /v1/vars}: Nomad Variables, by {@link NomadVariables}; a wrong
   * method is 400 {@code Invalid method} here, as Nomad's variable handler answers.
   */
  private Answer variables(
      String method, List<String> seg, Map<String, String> q, String body, Token token) {
    String namespace = q.getOrDefault("namespace", "");
    if (namespace.isEmpty()) {
      namespace = NomadVariables.DEFAULT_NAMESPACE;
    }
    NomadVariables.Access access = access(token);
    NomadVariables.Reply r;
    if (seg.get(1).equals("vars")) {
      if (!method.equals("GET")) {
        return Answer.text(405, "Invalid method");
      }
      r = variables.list(namespace, q.get("prefix"), access);
    } else {
      String path = String.join("/", seg.subList(2, seg.size()));
      if (path.isEmpty()) {
        return Answer.text(400, "missing variable path");
      }
      if (!q.containsKey("namespace") && body != null && !body.isBlank()) {
        try {
          JsonNode ns = JSON.readTree(body).path("Namespace");
          if (ns.isTextual() && !ns.asText().isEmpty()) {
            namespace = ns.asText();
          }
        } catch (JsonProcessingException e) {
          // the variables model answers 400 for a body that is not JSON
        }
      }
      r =
          switch (method) {
            case "GET" -> variables.read(namespace, path, access);
            case "PUT", "POST" -> variables.write(namespace, path, q, body, access);
            case "DELETE" -> variables.delete(namespace, path, q, access);
            default -> NomadVariables.Reply.text(400, "Invalid method");
          };
    }
    Answer a =
        r.text() != null ? Answer.text(r.status(), r.text()) : Answer.json(r.status(), r.json());
    if (r.status() == 204) {
      a.body = "";
    }
    return r.index() > 0 ? a.index(r.index()) : a;
  }

  /**
   * What {@code token} may do with variables: everything with ACLs off or a management token;
   * otherwise what its {@code variables:<capability>} (any path) and {@code
   * variables:<capability>:<path glob>} capabilities grant, a {@code *} in the glob matching any
   * characters, as the {@code path} blocks of a Nomad policy's {@code variables} block.
   */
  private NomadVariables.Access access(Token token) {
    boolean all = !acl || (token != null && token.capabilities().contains("management"));
    return new NomadVariables.Access() {
      @Override
      public boolean may(String capability, String namespace, String path) {
        if (all) {
          return true;
        }
        if (token == null) {
          return false;
        }
        String exact = "variables:" + capability;
        for (String c : token.capabilities()) {
          if (c.equals(exact)) {
            return true;
          }
          if (c.startsWith(exact + ":") && glob(c.substring(exact.length() + 1), path)) {
            return true;
          }
        }
        return false;
      }

      @Override
      public boolean management() {
        return all;
      }
    };
  }

  private static boolean glob(String pattern, String path) {
    StringBuilder re = new StringBuilder();
    String[] parts = pattern.split("\\*", -1);
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        re.append(".*");
      }
      re.append(java.util.regex.Pattern.quote(parts[i]));
    }
    return path.matches(re.toString());
  }

  private Answer nodeRoute(
      String method,
      List<String> seg,
      Map<String, String> q,
      String body,
      Token token,
      boolean allowStale) {
    String id = seg.get(2);
    String sub = seg.size() > 3 ? seg.get(3) : "";
    if (seg.size() > 4) {
      return Answer.text(404, "Invalid URL path");
    }
    switch (sub) {
      case "" -> {
        if (!method.equals("GET")) {
          return Answer.text(405, "Invalid method");
        }
        Answer d = deny(token, "node:read");
        if (d != null) {
          return d;
        }
        return blocking(
            q,
            allowStale,
            () -> {
              Client c = state.clientByUuid(id);
              return c == null ? state.nodesIndex : c.modifyIndex;
            },
            () -> {
              Client c = state.clientByUuid(id);
              return c == null
                  ? Answer.text(404, "node not found")
                  : Answer.json(200, views.node(c));
            });
      }
      case "allocations" -> {
        if (!method.equals("GET")) {
          return Answer.text(405, "Invalid method");
        }
        Answer d = deny(token, "node:read", "namespace:read-job");
        if (d != null) {
          return d;
        }
        return blocking(
            q,
            allowStale,
            () -> {
              Client c = state.clientByUuid(id);
              return c == null ? state.allocsIndex : state.allocIndexOf(c);
            },
            () -> {
              Client c = state.clientByUuid(id);
              return Answer.json(200, c == null ? List.of() : views.allocations(c));
            });
      }
      case "drain", "eligibility", "purge" -> {
        if (!write(method)) {
          return Answer.text(405, "Invalid method");
        }
        Answer d = deny(token, "node:write");
        if (d != null) {
          return d;
        }
        if (!sub.equals("purge") && body.isBlank()) {
          return Answer.text(400, "Request body is empty");
        }
        if (!state.hasLeader()) {
          return noLeader();
        }
        Client c = state.clientByUuid(id);
        if (c == null) {
          return Answer.text(500, "node not found");
        }
        return switch (sub) {
          case "drain" -> drain(c, body);
          case "eligibility" -> eligibility(c, body);
          default -> purge(c);
        };
      }
      default -> {
        return Answer.text(404, "Invalid URL path");
      }
    }
  }

  /**
   * {@code GET /v1/agent/health} of this server-only agent, as {@code HealthRequest} answers it:
   * the server is ok when {@code Status.Leader} names a leader; {@code ?type=client} asks for a
   * client this agent does not run. 200 with the JSON when every part asked for is ok, else 500
   * with the same JSON as the (plain-text) error body.
   */
  private Answer agentHealth(String type, boolean foreignRegion, boolean allowStale) {
    Map<String, Object> health = new LinkedHashMap<>();
    if ("client".equals(type)) {
      health.put("client", NomadState.map("ok", false, "message", "client not enabled"));
    }
    if (type == null || "server".equals(type)) {
      String problem =
          foreignRegion
              ? "No path to region"
              : state.hasLeader() ? null : allowStale ? "no leader" : "No cluster leader";
      health.put(
          "server",
          problem == null
              ? NomadState.map("ok", true, "message", "ok")
              : NomadState.map("ok", false, "message", problem));
    }
    boolean ok =
        health.values().stream().allMatch(v -> Boolean.TRUE.equals(((Map<?, ?>) v).get("ok")));
    Answer a = Answer.json(ok ? 200 : 500, health);
    if (!ok) {
      a.contentType =
          TEXT; // Nomad returns the JSON as a coded error, which it writes as plain text
    }
    return a;
  }

  /**
   * {@code GET /v1/allocation/:id}: a full allocation, blocking on its modify index; 404 {@code
   * alloc not found}.
   */
  private Answer allocation(
      String method, List<String> seg, Map<String, String> q, Token token, boolean allowStale) {
    if (seg.size() > 4) {
      return Answer.text(404, "Resource not found");
    }
    if (seg.size() == 4) {
      return seg.get(3).equals("stop")
          ? Answer.text(501, "the fake Nomad server does not stop allocations")
          : Answer.text(404, "Resource not found");
    }
    if (!method.equals("GET")) {
      return Answer.text(405, "Invalid method");
    }
    Answer d = deny(token, "namespace:read-job");
    if (d != null) {
      return d;
    }
    String id = seg.get(2);
    return blocking(
        q,
        allowStale,
        () -> {
          NomadState.Placed p = state.allocById(id);
          return p == null ? state.allocsIndex : p.alloc().modifyIndex;
        },
        () -> {
          NomadState.Placed p = state.allocById(id);
          return p == null
              ? Answer.text(404, "alloc not found")
              : Answer.json(200, views.allocation(p.client(), p.alloc()));
        });
  }

  private static Answer noLeader() {
    return Answer.text(500, "No cluster leader");
  }

  /**
   * Serves a read that supports blocking: with {@code index} it waits (releasing the lock) until
   * {@code current} passes it or the wait ends; sets the query-meta headers.
   */
  private Answer blocking(
      Map<String, String> q,
      boolean allowStale,
      LongSupplier current,
      java.util.function.Supplier<Answer> render) {
    long index = 0;
    Duration wait = DEFAULT_BLOCKING_WAIT;
    if (q.containsKey("index")) {
      try {
        index = Long.parseUnsignedLong(q.get("index"));
      } catch (NumberFormatException e) {
        return Answer.text(400, "Invalid index");
      }
    }
    if (q.containsKey("wait")) {
      try {
        wait = GoDuration.parse(q.get("wait"));
      } catch (IllegalArgumentException e) {
        return Answer.text(400, "Invalid wait time");
      }
      if (wait.isZero()) {
        wait = DEFAULT_BLOCKING_WAIT;
      }
    }
    if (wait.compareTo(MAX_BLOCKING_WAIT) > 0) {
      wait = MAX_BLOCKING_WAIT;
    }
    if (!state.hasLeader() && !allowStale) {
      return noLeader();
    }
    if (index > 0) {
      long deadline = System.nanoTime() + wait.toNanos();
      blocked.incrementAndGet();
      try {
        waitFor(index, deadline, current);
      } finally {
        blocked.decrementAndGet();
      }
      if (!state.hasLeader() && !allowStale) {
        return noLeader();
      }
    }
    Answer a = render.get();
    a.index(Math.max(1, current.getAsLong()));
    a.headers.put("X-Nomad-KnownLeader", Boolean.toString(state.hasLeader()));
    a.headers.put("X-Nomad-LastContact", "0");
    return a;
  }

  /**
   * Waits, with the state's lock released meanwhile, until {@code current} passes {@code index} or
   * {@code deadline}.
   */
  private void waitFor(long index, long deadline, LongSupplier current) {
    while (current.getAsLong() <= index && !isClosed()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      try {
        state.changed.awaitNanos(Math.min(left, RECHECK_NANOS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      state.refresh();
    }
  }

  private Answer drain(Client c, String body) {
    JsonNode req;
    try {
      req = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      return Answer.text(400, "Failed to parse JSON input: " + e.getOriginalMessage());
    }
    JsonNode spec = field(req, "DrainSpec");
    if (spec == null || spec.isNull()) {
      state.cancelDrain(
          c, field(req, "MarkEligible") != null && field(req, "MarkEligible").asBoolean());
    } else {
      JsonNode deadline = field(spec, "Deadline");
      JsonNode ignore = field(spec, "IgnoreSystemJobs");
      Map<String, String> meta = new LinkedHashMap<>();
      JsonNode m = field(req, "Meta");
      if (m != null && m.isObject()) {
        m.properties().forEach(e -> meta.put(e.getKey(), e.getValue().asText()));
      }
      state.drain(
          c, deadline == null ? 0 : deadline.asLong(), ignore != null && ignore.asBoolean(), meta);
    }
    return Answer.json(200, NomadViews.writeResult(c.modifyIndex)).index(c.modifyIndex);
  }

  private Answer eligibility(Client c, String body) {
    JsonNode req;
    try {
      req = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      return Answer.text(400, "Failed to parse JSON input: " + e.getOriginalMessage());
    }
    JsonNode e = field(req, "Eligibility");
    String value = e == null ? "" : e.asText();
    if (!value.equals("eligible") && !value.equals("ineligible")) {
      return Answer.text(500, "invalid scheduling eligibility \"" + value + "\"");
    }
    if (value.equals("eligible") && c.drain != null) {
      return Answer.text(
          500, "can not set node's scheduling eligibility to eligible while it is draining");
    }
    state.eligibility(c, value.equals("eligible"));
    return Answer.json(200, NomadViews.writeResult(c.modifyIndex)).index(c.modifyIndex);
  }

  private Answer purge(Client c) {
    try {
      state.cluster.removeMember(c.id);
    } catch (ClusterOperationException e) {
      return Answer.text(500, e.getMessage());
    }
    state.refresh();
    return Answer.json(200, NomadViews.writeResult(state.nodesIndex)).index(state.nodesIndex);
  }

  private Answer transferLeadership(String method, Map<String, String> q, Token token) {
    if (!write(method)) {
      return Answer.text(405, "Invalid method");
    }
    Answer d = deny(token, "management");
    if (d != null) {
      return d;
    }
    String id = q.get("id");
    String address = q.get("address");
    if ((id == null || id.isEmpty()) == (address == null || address.isEmpty())) {
      return Answer.text(400, "must specify either id or address, but not both");
    }
    if (!state.hasLeader()) {
      return noLeader();
    }
    Server to =
        state.servers.values().stream()
            .filter(
                s ->
                    !s.status.equals("left")
                        && (s.raftId.equals(id) || s.rpcAddress().equals(address)))
            .findFirst()
            .orElse(null);
    if (to == null || !to.voter) {
      return Answer.text(
          400,
          "cannot transfer leadership: no voter with "
              + (id != null ? "id " + id : "address " + address));
    }
    if (!state.healthy(to, state.clock.now())) {
      return Answer.text(500, "cannot transfer leadership to " + to.name + ": it is not healthy");
    }
    if (!to.leader) {
      state.transferLeadership(to);
    }
    Answer a = Answer.json(200, NomadState.map("Index", state.raftIndex));
    return a;
  }

  private Answer forceLeave(String method, Map<String, String> q, Token token) {
    if (!write(method)) {
      return Answer.text(405, "Invalid method");
    }
    Answer d = deny(token, "agent:write");
    if (d != null) {
      return d;
    }
    String node = q.get("node");
    if (node == null || node.isEmpty()) {
      return Answer.text(400, "missing node to force leave");
    }
    String prune = q.get("prune");
    if (prune != null && !prune.isEmpty() && !prune.equals("true") && !prune.equals("false")) {
      return Answer.text(400, "invalid prune value");
    }
    Server s = state.serverByName(node);
    if (s != null && s.status.equals("failed")) {
      state.cluster.removeMember(s.id);
      state.refresh();
    }
    if (s != null && "true".equals(prune) && s.status.equals("left")) {
      state.servers.remove(s.id);
    }
    Answer a = new Answer();
    a.contentType = TEXT;
    return a;
  }

  /** Nomad decodes request bodies with Go's encoding/json: field names match case-insensitively. */
  private static JsonNode field(JsonNode node, String name) {
    if (node == null || !node.isObject()) {
      return null;
    }
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }

  // ------------------------------------------------------------------ standalone

  /**
   * Runs a fake Nomad region standalone until interrupted, for trying a tool against it: three
   * servers on Nomad 1.7.7 and some clients running work, ACLs on. Prints the address and the
   * management token (as {@code NOMAD_ADDR} and {@code NOMAD_TOKEN} lines), then advances the
   * cluster's virtual time in step with real time. From the repository root:
   *
   * <pre>
   * mvn -q compile exec:java -Dupkeep.main=io.upkeep.testkit.http.nomad.FakeNomadServer
   * mvn -q compile exec:java -Dupkeep.main=io.upkeep.testkit.http.nomad.FakeNomadServer \
   *     -Dexec.args="--clients 10 --speed 60 --port 4646 --token my-token"
   * </pre>
   *
   * Options: {@code --clients N} (default 5), {@code --speed X} virtual seconds per real second
   * (default 1), {@code --port P} (default: any free port), {@code --token T} (default: a random
   * UUID).
   */
  public static void main(String[] args) throws InterruptedException {
    int clients = 5;
    double speed = 1;
    int port = 0;
    String token = UUID.randomUUID().toString();
    for (int i = 0; i < args.length; i += 2) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      if (value == null) {
        System.err.println(args[i] + " needs a value");
        System.exit(2);
      }
      switch (args[i]) {
        case "--clients" -> clients = Integer.parseInt(value);
        case "--speed" -> speed = Double.parseDouble(value);
        case "--port" -> port = Integer.parseInt(value);
        case "--token" -> token = value;
        default -> {
          System.err.println(
              "unknown option '" + args[i] + "': use --clients N, --speed X, --port P, --token T");
          System.exit(2);
        }
      }
    }
    Platform nomad = Platform.of("Ubuntu 22.04", "", "1.7.7");
    FakeCluster cluster =
        FakeCluster.builder()
            .forcesDrainAtDeadline(true)
            .workload(Duration.ofSeconds(10), Duration.ofMinutes(2))
            .nodes(
                "server",
                3,
                n ->
                    n.role("server")
                        .voter(true)
                        .runsWork(false)
                        .taskCap(TaskCap.UNLIMITED)
                        .platform(nomad))
            .nodes(
                "client", clients, n -> n.role("client").taskCap(TaskCap.UNLIMITED).platform(nomad))
            .build();
    FakeNomadServer server;
    try {
      server = builder(cluster).port(port).acl(token).start();
    } catch (UncheckedIOException e) {
      System.err.println("cannot start the fake Nomad server: " + e.getCause().getMessage());
      System.exit(1);
      return;
    }
    System.out.println(
        "Fake Nomad region '"
            + server.region()
            + "': 3 servers, "
            + clients
            + " clients, Nomad 1.7.7"
            + " (virtual time at "
            + speed
            + "x); Ctrl-C to stop");
    System.out.println("NOMAD_ADDR=" + server.baseUrl());
    System.out.println("NOMAD_TOKEN=" + token);
    System.out.flush();
    long stepMillis = 100;
    Duration virtualStep = Duration.ofNanos((long) (stepMillis * 1_000_000L * speed));
    while (true) {
      Thread.sleep(stepMillis);
      cluster.clock().sleep(virtualStep);
    }
  }

  // ------------------------------------------------------------------ builder

  /** Builds and starts a {@link FakeNomadServer}. Not thread-safe. */
  public static final class Builder {
    private final FakeCluster cluster;
    private String region = "global";
    private String datacenter = "dc1";
    private Role serverRole = Role.of("server");
    private Role clientRole = Role.of("client");
    private final Map<String, Token> tokens = new LinkedHashMap<>();
    private Duration heartbeatTtl = Duration.ofSeconds(10);
    private Duration heartbeatGrace = Duration.ofSeconds(10);
    private Duration clientInitialization = Duration.ofSeconds(2);
    private Duration raftCatchUp = Duration.ofSeconds(5);
    private long followerLag;
    private boolean systemJobs;
    private boolean legacyAgentVersion;
    private int port;
    private SSLContext tls;
    private boolean verifyHttpsClient;

    private Builder(FakeCluster cluster) {
      this.cluster = cluster;
    }

    /** The region; default {@code global}. @throws IllegalArgumentException if blank */
    public Builder region(String value) {
      region = requireText(value, "region");
      return this;
    }

    /** The datacenter; default {@code dc1}. @throws IllegalArgumentException if blank */
    public Builder datacenter(String value) {
      datacenter = requireText(value, "datacenter");
      return this;
    }

    /** The cluster role whose nodes are Nomad servers; default {@code server}. */
    public Builder serverRole(String value) {
      serverRole = Role.of(value);
      return this;
    }

    /** The cluster role whose nodes are Nomad clients; default {@code client}. */
    public Builder clientRole(String value) {
      clientRole = Role.of(value);
      return this;
    }

    /**
     * Turns ACLs on with a management token whose secret is {@code managementSecret}, named {@code
     * management} in {@link RecordedRequest#principal()}.
     *
     * @throws IllegalArgumentException if blank
     */
    public Builder acl(String managementSecret) {
      return token("management", managementSecret, "management");
    }

    /**
     * Turns ACLs on and adds a token named {@code name} with {@code capabilities}, as Nomad's
     * documentation names them per endpoint: {@code agent:read}, {@code agent:write}, {@code
     * node:read}, {@code node:write}, {@code operator:read}, {@code namespace:read-job}, {@code
     * management} (everything); for Nomad Variables {@code variables:<capability>} (any path) or
     * {@code variables:<capability>:<path glob>} (as a policy's {@code path} block, {@code *}
     * matching any characters), the capability one of {@code read}, {@code write}, {@code list},
     * {@code destroy}.
     *
     * @throws IllegalArgumentException if a name or the secret is blank, or the name is taken
     */
    public Builder token(String name, String secret, String... capabilities) {
      requireText(name, "name");
      requireText(secret, "secret");
      if (tokens.containsKey(name)) {
        throw new IllegalArgumentException("a token named '" + name + "' is already configured");
      }
      tokens.put(
          name, new Token(name, secret, Set.copyOf(new LinkedHashSet<>(List.of(capabilities)))));
      return this;
    }

    /**
     * A client's heartbeat TTL and the servers' {@code heartbeat_grace}: a stopped client turns
     * {@code down} when both have passed; defaults 10 s and 10 s.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder heartbeat(Duration ttl, Duration grace) {
      heartbeatTtl = notNegative(ttl, "ttl");
      heartbeatGrace = notNegative(grace, "grace");
      return this;
    }

    /** How long a client that was down reports {@code initializing} once back; default 2 s. */
    public Builder clientInitialization(Duration value) {
      clientInitialization = notNegative(value, "clientInitialization");
      return this;
    }

    /**
     * How long a server that (re)joins trails the leader's raft index and is unhealthy to
     * autopilot; default 5 s of virtual time.
     */
    public Builder raftCatchUp(Duration value) {
      raftCatchUp = notNegative(value, "raftCatchUp");
      return this;
    }

    /**
     * How many raft log entries a healthy follower's last index trails the leader's by; default 0.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder followerLag(long entries) {
      if (entries < 0) {
        throw new IllegalArgumentException("followerLag must be 0 or more, got " + entries);
      }
      followerLag = entries;
      return this;
    }

    /**
     * Whether every ready, eligible client also runs one allocation of a {@code system} job ({@code
     * node-exporter}) that the cluster does not count as work: stopped when a drain completes
     * unless the drain ignores system jobs, placed again once the node is eligible; default false.
     */
    public Builder systemJobs(boolean value) {
      systemJobs = value;
      return this;
    }

    /**
     * Whether {@code /v1/agent/self} writes {@code config.Version} in the old flat form (a string,
     * with {@code VersionPrerelease} beside it) instead of today's object; default false.
     */
    public Builder legacyAgentVersion(boolean value) {
      legacyAgentVersion = value;
      return this;
    }

    /**
     * The port on 127.0.0.1; default 0 (any free port). @throws IllegalArgumentException if out of
     * range
     */
    public Builder port(int value) {
      port = checkPort(value);
      return this;
    }

    /**
     * Serves HTTPS instead of plain HTTP, presenting the certificate of {@code context}'s key
     * manager: issue it for {@code 127.0.0.1}, the address {@link #baseUrl()} names, so that
     * clients can verify the host name. Default none: plain HTTP.
     */
    public Builder tls(SSLContext context) {
      tls = Objects.requireNonNull(context, "context");
      return this;
    }

    /**
     * Whether a client must present a certificate that the {@linkplain #tls TLS context}'s trust
     * managers accept, as Nomad's {@code verify_https_client}; a connection without one fails its
     * handshake. Default false.
     */
    public Builder verifyHttpsClient(boolean value) {
      verifyHttpsClient = value;
      return this;
    }

    /**
     * Starts the server.
     *
     * @throws IllegalStateException if {@link #verifyHttpsClient} is on without {@link #tls}
     * @throws UncheckedIOException if the port cannot be bound
     */
    public FakeNomadServer start() {
      if (verifyHttpsClient && tls == null) {
        throw new IllegalStateException(
            "verifyHttpsClient(true) needs tls(sslContext): a client certificate is "
                + "checked only over HTTPS");
      }
      return new FakeNomadServer(this);
    }

    private static String requireText(String value, String name) {
      Objects.requireNonNull(value, name);
      if (value.isBlank()) {
        throw new IllegalArgumentException(name + " must not be blank");
      }
      return value;
    }

    private static Duration notNegative(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative()) {
        throw new IllegalArgumentException(name + " must not be negative, got " + d);
      }
      return d;
    }
  }
}
