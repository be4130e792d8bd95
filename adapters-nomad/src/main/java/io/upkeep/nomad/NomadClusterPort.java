package io.upkeep.nomad;

import com.fasterxml.jackson.core.type.TypeReference;
import io.upkeep.Budget;
import io.upkeep.ClusterOperationException;
import io.upkeep.ClusterSnapshot;
import io.upkeep.Constraints;
import io.upkeep.DrainState;
import io.upkeep.Health;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.Role;
import io.upkeep.TaskCap;
import io.upkeep.UnknownNodeException;
import io.upkeep.Version;
import io.upkeep.VersionSkew;
import io.upkeep.http.HttpResponse;
import io.upkeep.http.HttpTransport;
import io.upkeep.nomad.internal.NomadApi;
import io.upkeep.nomad.internal.Wire;
import io.upkeep.spi.ClusterPort;
import io.upkeep.spi.HealthProbe.ProbeResult;
import io.upkeep.spi.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ClusterPort} for a HashiCorp Nomad region over its HTTP API. Servers (role {@value
 * #SERVER_ROLE}) come from {@code /v1/agent/members} and {@code /v1/operator/autopilot/health} (the
 * raft configuration without a leader); clients (role {@value #CLIENT_ROLE}) from {@code
 * /v1/nodes}, {@code /v1/node/:id} and {@code /v1/node/:id/allocations}.
 *
 * <p>Mapping to core: a server's id is its member name without the {@code .<region>} suffix, its
 * product version the member's {@code build} tag; it is a voter and the leader as the raft
 * configuration says, {@code HEALTHY} when alive and healthy to autopilot, {@code UNHEALTHY} when
 * alive but not, {@code UNREACHABLE} when {@code failed}; it runs no work; {@code left} servers are
 * not members. A client's id is its node name; its platform is {@code os.name} and {@code
 * os.version} as a display name ({@code ubuntu}, {@code 22.04} read {@code Ubuntu 22.04}; see
 * {@link NomadOs}) and {@code nomad.version}; it is {@code HEALTHY} when {@code ready}, {@code
 * UNHEALTHY} when {@code initializing}, {@code UNREACHABLE} when {@code down} or {@code
 * disconnected}; its running work is its pending and running allocations ({@code system} jobs
 * excluded when {@link NomadConfig#ignoreSystemJobs}), counted when it may have changed and matters
 * (see {@link #observe}); it is {@code DRAINING} while it has a drain strategy or is ineligible
 * with work left, {@code DRAINED} when ineligible, without a drain strategy and idle (the two
 * conditions the {@code nomad node drain} CLI waits for), {@code ACTIVE} when eligible. Task caps
 * are {@link TaskCap#UNLIMITED}: Nomad has none.
 *
 * <p>Waiting ({@link #awaitChange}): a blocking query on {@code /v1/nodes} ({@code index}, {@code
 * wait}, {@code X-Nomad-Index}) waits in real time for at most {@link NomadConfig#blockingWait}. In
 * production ({@code TimeSource.system()}, blocking wait 5 min) one query covers the executor's
 * whole wait and returns the moment a client changes, except for this port's own changes, and its
 * answer serves the observation that follows; server changes are seen at the next observation, at
 * most one poll interval of the executor later. When the blocking wait is shorter than the wait
 * asked for (zero in tests with a virtual clock, where waiting in real time cannot make anything
 * happen), the adapter advances the {@link NomadConfig#time time source} by {@link
 * NomadConfig#pollInterval} at a time and looks at the node index and the server members after each
 * step, so it never waits in real time longer than a query's round trip.
 *
 * <p>Thread-safe. Close it to release its connections.
 */
public final class NomadClusterPort implements ClusterPort, AutoCloseable {

  /** The role of Nomad servers. */
  public static final String SERVER_ROLE = "server";

  /** The role of Nomad clients. */
  public static final String CLIENT_ROLE = "client";

  static final Role SERVER = Role.of(SERVER_ROLE);
  static final Role CLIENT = Role.of(CLIENT_ROLE);

  private static final Logger LOG = LoggerFactory.getLogger(NomadClusterPort.class);
  private static final TypeReference<List<Wire.NodeStub>> NODE_LIST = new TypeReference<>() {};
  private static final TypeReference<List<Wire.Allocation>> ALLOC_LIST = new TypeReference<>() {};
  private static final TypeReference<Wire.NodeDetail> NODE = new TypeReference<>() {};
  private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};

  /**
   * How much later than the requested deadline a drain already set may force and still be left
   * alone: Nomad computes {@code ForceDeadline} on its own clock, which may run a little ahead of
   * ours.
   */
  static final Duration DRAIN_DEADLINE_SLACK = Duration.ofMinutes(1);

  private final NomadConfig config;
  private final HttpTransport http;
  private final NomadApi api;
  private final TimeSource time;
  private final Map<String, Wire.NodeDetail> details = new ConcurrentHashMap<>();
  private final Map<NodeId, Instant> failedSince = new ConcurrentHashMap<>();
  private final Map<String, CountedWork> works = new ConcurrentHashMap<>();
  private volatile Map<NodeId, String> clientIds = Map.of();
  private volatile Observation last;

  /**
   * Counts the events after which an observation may no longer stand for the region: every change
   * this port sends and every wait ({@link #awaitChange}). An observation, or a node list, stands
   * only while the count is still the one it was read at; see {@link #observe}.
   */
  private final AtomicLong changes = new AtomicLong();

  /**
   * The node list a blocking query answered as the last thing {@link #awaitChange} did, for the
   * observation that follows it; taken by that observation.
   */
  private final AtomicReference<FreshNodes> freshNodes = new AtomicReference<>();

  /** The servers as last read; see {@link #serverView}. */
  private volatile ServerView servers;

  /** The clients (node IDs) this port drained and has not let take work again since. */
  private final java.util.Set<String> drainedHere = ConcurrentHashMap.newKeySet();

  private volatile String region;
  private volatile boolean regionChecked;
  private volatile boolean announced;

  /**
   * What one observation saw beyond the snapshot: the node-list index, the servers' fingerprint,
   * and the count of {@link #changes} it was read at (-1: never to be reused).
   */
  private record Observation(
      ClusterSnapshot snapshot,
      long nodesIndex,
      String servers,
      Map<NodeId, RaftPeer> peers,
      long changes,
      Map<NodeId, Wire.NodeStub> clients,
      Map<String, Long> shown) {

    /** This observation, the node list at {@code index} known to show nothing new. */
    Observation at(long index) {
      return new Observation(snapshot, index, servers, peers, changes, clients, shown);
    }

    /**
     * Whether {@code stubs} lists the very clients this observation shows, each at the {@code
     * ModifyIndex} it was shown at: an index that moved for this port's own changes only.
     */
    boolean shows(List<Wire.NodeStub> stubs) {
      return stubs.size() == shown.size()
          && stubs.stream().allMatch(st -> Objects.equals(shown.get(st.id()), st.modifyIndex()));
    }
  }

  /** The servers as one observation read them, and whether the region was steady. */
  private record ServerView(
      List<Node> nodes,
      String fingerprint,
      Map<NodeId, RaftPeer> peers,
      boolean stale,
      boolean steady,
      Instant at) {}

  /** A node list and the count of {@link #changes} before it was asked for. */
  private record FreshNodes(NomadApi.Indexed<List<Wire.NodeStub>> list, long changes) {}

  /** A client's count of running allocations, when it was taken and at which node ModifyIndex. */
  private record CountedWork(int count, Instant at, long modifyIndex) {}

  /** A server's raft identity, for peers.json. */
  record RaftPeer(String id, String address) {}

  private NomadClusterPort(NomadConfig config) {
    this.config = config;
    Map<String, io.upkeep.Secret> headers =
        config.token().map(t -> Map.of("X-Nomad-Token", t)).orElse(Map.of());
    // 429 is autopilot's "unhealthy" answer, with data: never retry it as "too many requests".
    this.http = HttpTransport.create(config.http(), headers, HttpTransport.RetryOn.SERVER_ERRORS);
    this.api = new NomadApi(http, config.region(), config.token(), config.http().requestTimeout());
    this.time = config.time();
    this.region = config.region().orElse(null);
  }

  /**
   * A port for the region {@code config} describes. Nothing is sent until it is used.
   *
   * @throws io.upkeep.UpkeepException if the TLS files cannot be read, naming the file
   */
  public static NomadClusterPort create(NomadConfig config) {
    return new NomadClusterPort(Objects.requireNonNull(config, "config"));
  }

  /** The configuration this port uses. */
  /**
   * The configured {@link NomadConfig#time()}: a run through this port uses it, and may use no
   * other.
   */
  @Override
  public java.util.Optional<io.upkeep.spi.TimeSource> time() {
    return java.util.Optional.of(config.time());
  }

  public NomadConfig config() {
    return config;
  }

  /**
   * The {@code nomad-raft} health gate bound to this port, to register with the executor and name
   * in the policy (see {@link NomadProcedures#policy}).
   */
  public NomadServerHealthProbe raftHealthProbe() {
    return new NomadServerHealthProbe(this, config.maxTrailingLogs());
  }

  @Override
  public long requestsSent() {
    return http.requestsSent();
  }

  // ------------------------------------------------------------------ observe

  /**
   * Every server and client of the region, reading again only what may have changed and matters.
   * While the last observation stands (no wait and no change to servers since, younger than {@link
   * NomadConfig#observationReuse}) it is given again, with the clients this port drained or made
   * eligible since read again: the executor observes straight after each of its actions, and counts
   * what it did to hosts itself. Otherwise the node list comes from the blocking query that ended
   * the last wait if it was the wait's last request, a client's record is read when its {@code
   * ModifyIndex} moved, its allocations as {@link NomadConfig#activeWorkRefresh} describes for
   * active clients, not while a drain strategy is set (it is {@code DRAINING} whatever runs), and
   * at every observation for an ineligible one unless it was counted idle at the same {@code
   * ModifyIndex}; the servers as {@link NomadConfig#serverRefresh} says. Without a leader: during
   * an election (a majority of the voters alive in gossip) this throws, retryably, and the run
   * waits; with the majority lost it reports the region from stale reads, every server unhealthy
   * and none leading, so that a run which stopped a server can start it again. With {@link
   * NomadConfig#peersJsonRecovery} and a single server, an unreachable API while that server
   * restarts is reported as the last observation with the server unreachable.
   *
   * @throws NomadPermissionException if the token lacks a read capability, naming it
   * @throws NomadNoLeaderException if the region is electing a leader (retryable)
   * @throws ClusterOperationException if Nomad cannot be reached (retryable) or answers nonsense
   */
  @Override
  public ClusterSnapshot observe() {
    Observation standing = last;
    if (stands(standing)) {
      return withClientsReread(standing);
    }
    try {
      return observeNow();
    } catch (ClusterOperationException e) {
      Observation o = last;
      if (e.retryable()
          && config.peersJsonRecovery().isPresent()
          && o != null
          && o.peers().size() == 1) {
        // The region's only server restarts (peers.json recovery): nothing answers until it is
        // back.
        // Report it unreachable so the run can start it again; clients as last seen.
        NodeId only = o.peers().keySet().iterator().next();
        List<Node> nodes = new ArrayList<>();
        for (Node n : o.snapshot().nodes()) {
          nodes.add(
              n.id().equals(only)
                  ? n.withHealth(Health.UNREACHABLE).withQuorumRole(true, false)
                  : n);
        }
        LOG.warn(
            "Nomad is unreachable while its only server {} restarts ({}); reporting it unreachable",
            only,
            e.getMessage());
        ClusterSnapshot s = new ClusterSnapshot(time.now(), nodes, false);
        last = new Observation(s, o.nodesIndex(), "", o.peers(), -1, o.clients(), o.shown());
        return s;
      }
      throw e;
    }
  }

  /**
   * Whether {@code o} still stands for the region: no change sent and no wait since it was read,
   * and younger than {@link NomadConfig#observationReuse}.
   */
  private boolean stands(Observation o) {
    return o != null
        && o.changes() == changes.get()
        && time.now().isBefore(o.snapshot().observedAt().plus(config.observationReuse()));
  }

  /**
   * {@code o}'s snapshot with the clients this port changed since read again (their records were
   * dropped by {@link #writeClient}); the same snapshot if there are none.
   */
  private ClusterSnapshot withClientsReread(Observation o) {
    List<Node> nodes = new ArrayList<>();
    Map<String, Long> shown = new HashMap<>(o.shown());
    for (Node n : o.snapshot().nodes()) {
      Wire.NodeStub stub = o.clients().get(n.id());
      if (stub != null && !details.containsKey(stub.id())) {
        Wire.NodeDetail d = node(n.id(), stub.id());
        shown.put(stub.id(), d.modifyIndex());
        n = client(n.id(), d, stub, observedWork(n.id(), d, false));
      }
      nodes.add(n);
    }
    if (shown.equals(o.shown())) {
      return o.snapshot();
    }
    // Read at the same instant as the rest, so the observation stands no longer than it would have.
    ClusterSnapshot s = new ClusterSnapshot(o.snapshot().observedAt(), nodes, false);
    last =
        new Observation(
            s, o.nodesIndex(), o.servers(), o.peers(), o.changes(), o.clients(), Map.copyOf(shown));
    return s;
  }

  private ClusterSnapshot observeNow() {
    long seen = changes.get();
    ServerView sv = serverView();
    boolean stale = sv.stale();
    List<Node> nodes = new ArrayList<>(sv.nodes());
    FreshNodes fresh = freshNodes.getAndSet(null);
    NomadApi.Indexed<List<Wire.NodeStub>> list =
        fresh != null && fresh.changes() == seen
            ? fresh.list()
            : api.blocking(
                stale ? "/v1/nodes?stale=true" : "/v1/nodes",
                0,
                Duration.ZERO,
                NomadApi.NODE_READ,
                null,
                NODE_LIST);
    Map<NodeId, Wire.NodeStub> byName =
        pickClients(list.value(), nodes.stream().map(Node::id).collect(Collectors.toSet()));
    Map<NodeId, String> ids = new HashMap<>();
    Map<String, Long> shown = new HashMap<>();
    for (Wire.NodeStub stub : list.value()) {
      shown.put(stub.id(), stub.modifyIndex());
    }
    for (Map.Entry<NodeId, Wire.NodeStub> e : byName.entrySet()) {
      Wire.NodeStub stub = e.getValue();
      Wire.NodeDetail d = details.get(stub.id());
      if (d == null || d.modifyIndex() != stub.modifyIndex()) {
        d = node(e.getKey(), stub.id(), stale);
      }
      ids.put(e.getKey(), stub.id());
      shown.put(stub.id(), d.modifyIndex());
      nodes.add(client(e.getKey(), d, stub, observedWork(e.getKey(), d, stale)));
    }
    details.keySet().retainAll(ids.values());
    works.keySet().retainAll(ids.values());
    drainedHere.retainAll(ids.values());
    clientIds = Map.copyOf(ids);
    ClusterSnapshot snapshot = new ClusterSnapshot(time.now(), nodes, false);
    last =
        new Observation(
            snapshot,
            list.index(),
            sv.fingerprint(),
            sv.peers(),
            seen,
            Map.copyOf(byName),
            Map.copyOf(shown));
    return snapshot;
  }

  /**
   * The servers for an observation: read now, or, while the run is busy with clients only, as read
   * last. A view is reused when it was steady (every voter alive and healthy to autopilot, a
   * leader, autopilot healthy with its full failure tolerance), is younger than {@link
   * NomadConfig#serverRefresh}, and this port has a client drained that it has not let take work
   * again: servers are upgraded before clients, one at a time, so no server is stopped while a
   * client drain of the run is in flight, and nothing about a steady region decides what a client
   * step does. Any change this port makes to servers (a leadership transfer, a removal) and the
   * hooks run before a server stops drop it.
   */
  private ServerView serverView() {
    ServerView v = servers;
    if (v != null
        && v.steady()
        && !drainedHere.isEmpty()
        && time.now().isBefore(v.at().plus(config.serverRefresh()))) {
      return v;
    }
    v = readServers();
    servers = v;
    return v;
  }

  private ServerView readServers() {
    Instant at = time.now();
    Wire.Members members = members();
    String r = region(members);
    announce(r);
    List<Wire.Member> servers =
        members.list().stream()
            .filter(
                m -> m.name() != null && r.equals(m.tag("region")) && !"left".equals(m.status()))
            .toList();
    RaftView raft;
    try {
      raft = raftView(false);
    } catch (NomadNoLeaderException e) {
      raft = quorumLost(servers, e);
    }
    boolean stale = raft.health == null;
    Map<NodeId, RaftPeer> peers = new LinkedHashMap<>();
    List<Node> nodes = new ArrayList<>();
    for (Wire.Member m : servers) {
      NodeId id = serverId(m, r);
      Wire.RaftServer rs = raft.find(m);
      Wire.ServerHealth sh = raft.health(m);
      boolean voter = rs != null && rs.voter();
      boolean leader = voter && rs.leader() && !stale;
      // Without a leader no server is healthy: autopilot cannot say, and the region takes no
      // writes.
      Health health =
          !"alive".equals(m.status())
              ? Health.UNREACHABLE
              : stale
                  ? Health.UNHEALTHY
                  : sh == null || sh.healthy() ? Health.HEALTHY : Health.UNHEALTHY;
      if (voter) {
        peers.put(id, new RaftPeer(rs.id(), rs.address()));
      }
      Platform platform =
          new Platform(serverOs(id), "", version(m.tag("build"), "server " + id + " (build tag)"));
      nodes.add(
          new Node(
              id,
              SERVER,
              platform,
              TaskCap.UNLIMITED,
              DrainState.ACTIVE,
              health,
              leader,
              voter,
              0,
              false));
    }
    Wire.AutopilotHealth h = raft.health;
    int voters = peers.size();
    boolean steady =
        h != null
            && h.healthy()
            && h.failureTolerance() >= voters - Constraints.quorum(voters)
            && nodes.stream().allMatch(n -> n.health() == Health.HEALTHY)
            && nodes.stream().anyMatch(Node::leader);
    return new ServerView(List.copyOf(nodes), fingerprint(members), peers, stale, steady, at);
  }

  /**
   * No leader. An election (a majority of the voters still alive in gossip) passes by itself: the
   * caller waits and asks again. A lost quorum does not, and may be the run's own doing (a server
   * stopped for its upgrade when another failed): then the region is reported from stale reads,
   * every server without a leader unhealthy, so the run can bring its server back rather than wait
   * forever.
   */
  private RaftView quorumLost(List<Wire.Member> servers, NomadNoLeaderException noLeader) {
    RaftView stale = raftView(true);
    if (stale.servers.isEmpty()) {
      stale = new RaftView(peersFromStatus(servers), null);
    }
    RaftView view = stale;
    List<Wire.RaftServer> voters = view.servers.stream().filter(Wire.RaftServer::voter).toList();
    long alive =
        servers.stream()
            .filter(m -> "alive".equals(m.status()))
            .filter(
                m -> {
                  Wire.RaftServer rs = view.find(m);
                  return rs != null && rs.voter();
                })
            .count();
    if (voters.isEmpty() || alive >= Constraints.quorum(voters.size())) {
      throw noLeader;
    }
    LOG.warn(
        "the Nomad region has lost its raft quorum ({} of {} voters alive): reporting it from stale reads, "
            + "every server unhealthy, until a majority is back",
        alive,
        voters.size());
    return view;
  }

  /**
   * The raft peers from {@code /v1/status/peers?stale}, which every token may read (Nomad's status
   * endpoints need no ACL), matched to the serf members by their RPC address: what the adapter
   * knows of the raft configuration when the token may not read it. Peers lists voters and
   * non-voters alike; without the configuration they are all taken as voters, as they are outside
   * Enterprise.
   */
  private List<Wire.RaftServer> peersFromStatus(List<Wire.Member> servers) {
    List<String> peers;
    try {
      peers =
          api.get(
              api.path("/v1/status/peers", "stale", "true"), "none (no ACL needed)", null, STRINGS);
    } catch (ClusterOperationException e) {
      LOG.debug("cannot read /v1/status/peers: {}", e.getMessage());
      return List.of();
    }
    List<Wire.RaftServer> out = new ArrayList<>();
    for (String address : peers) {
      Wire.Member m =
          servers.stream()
              .filter(x -> address.equals(x.tag("rpc_addr") + ":" + x.tag("port")))
              .findFirst()
              .orElse(null);
      out.add(
          new Wire.RaftServer(
              m == null ? null : m.tag("id"),
              m == null ? "(unknown)" : m.name(),
              address,
              false,
              true));
    }
    return out;
  }

  private void announce(String r) {
    if (announced) {
      return;
    }
    announced = true;
    try {
      Wire.AgentSelf self =
          api.get(api.path("/v1/agent/self"), NomadApi.AGENT_READ, Wire.AgentSelf.class);
      LOG.info(
          "Nomad at {}: region {}, answered by {} (Nomad {}, raft {})",
          config.address(),
          r,
          self.member() == null ? "?" : self.member().name(),
          self.version(),
          self.stat("raft", "state"));
      if (!"true".equals(self.stat("nomad", "server"))) {
        LOG.warn(
            "the Nomad agent at {} is not a server: point the adapter at a server's HTTP API",
            config.address());
      }
    } catch (ClusterOperationException e) {
      LOG.debug("cannot read /v1/agent/self ({}); carrying on without it", e.getMessage());
    }
  }

  private String serverOs(NodeId id) {
    String os = config.serverOs().apply(id);
    return os == null || os.isBlank() ? NomadConfig.UNKNOWN_OS : NomadOs.normalise(os);
  }

  private static Version version(String text, String what) {
    if (text == null || text.isBlank()) {
      throw new ClusterOperationException(
          what + " reports no Nomad version: is it a Nomad agent?", false);
    }
    try {
      return Version.of(text);
    } catch (IllegalArgumentException e) {
      throw new ClusterOperationException(
          what
              + " reports Nomad version '"
              + text
              + "', which is not a version Upkeep can compare: "
              + e.getMessage(),
          false);
    }
  }

  /**
   * One client per node name: a name reused by a replacement keeps the node that is not down, then
   * the newest.
   */
  private static Map<NodeId, Wire.NodeStub> pickClients(
      List<Wire.NodeStub> stubs, java.util.Set<NodeId> servers) {
    Map<NodeId, Wire.NodeStub> out = new LinkedHashMap<>();
    Comparator<Wire.NodeStub> better =
        Comparator.comparing((Wire.NodeStub s) -> !"down".equals(s.status()))
            .thenComparingLong(Wire.NodeStub::createIndex);
    for (Wire.NodeStub s : stubs) {
      if (s.id() == null || s.name() == null || s.name().isBlank()) {
        continue;
      }
      // A combined server and client agent: keep both halves apart.
      NodeId id =
          NodeId.of(servers.contains(NodeId.of(s.name())) ? s.name() + ":client" : s.name());
      Wire.NodeStub had = out.get(id);
      if (had == null || better.compare(s, had) > 0) {
        out.put(id, s);
      }
    }
    return out;
  }

  private Node client(NodeId id, Wire.NodeDetail d, Wire.NodeStub stub, int work) {
    // Nomad's os.name is gopsutil's lower-case platform (ubuntu, 22.04): shown as users write it
    // (Ubuntu 22.04).
    String os = NomadOs.displayName(d.attribute("os.name"), d.attribute("os.version"));
    String v = Optional.ofNullable(d.attribute("nomad.version")).orElse(stub.version());
    Platform platform = new Platform(os, "", version(v, "client " + id + " (nomad.version)"));
    String status = d.status() == null ? stub.status() : d.status();
    Health health =
        switch (status == null ? "" : status) {
          case "ready" -> Health.HEALTHY;
          case "down", "disconnected" -> Health.UNREACHABLE;
          default -> Health.UNHEALTHY;
        };
    return new Node(
        id,
        CLIENT,
        platform,
        TaskCap.UNLIMITED,
        drainState(d, work),
        health,
        false,
        false,
        work,
        true);
  }

  /**
   * The CLI's view of a drain: done when the strategy has cleared and no allocation is pending or
   * running.
   */
  private static DrainState drainState(Wire.NodeDetail d, int work) {
    boolean eligible = "eligible".equals(d.schedulingEligibility());
    if (eligible && d.drainStrategy() == null) {
      return DrainState.ACTIVE;
    }
    return d.drainStrategy() != null || work > 0 ? DrainState.DRAINING : DrainState.DRAINED;
  }

  private Wire.Members members() {
    return api.get(api.path("/v1/agent/members"), NomadApi.NODE_READ, Wire.Members.class);
  }

  private String region(Wire.Members members) {
    config.region().ifPresent(this::checkRegion);
    String r = region;
    if (r == null) {
      r = members.serverRegion();
      if (r == null || r.isBlank()) {
        throw new ClusterOperationException(
            "Nomad's /v1/agent/members names no region: set NomadConfig.Builder.region(...)",
            false);
      }
      region = r;
    }
    return r;
  }

  /**
   * Refuses a configured region Nomad does not know, once, from {@code /v1/regions} (no token
   * needed). Without this check the adapter would see no servers at all: {@code /v1/agent/members}
   * answers for the agent's own gossip pool whatever {@code region=} says, and its members carry
   * their own region.
   */
  private void checkRegion(String configured) {
    if (regionChecked) {
      return;
    }
    List<String> known;
    try {
      known = api.get(api.path("/v1/regions"), "none (no ACL needed)", null, STRINGS);
    } catch (NomadApiException e) {
      if (e.status() != 404) {
        throw e;
      }
      LOG.debug(
          "this Nomad has no /v1/regions ({}); the region {} is not checked",
          e.getMessage(),
          configured);
      regionChecked = true;
      return;
    }
    if (!known.contains(configured)) {
      throw new ClusterOperationException(
          "Nomad at "
              + config.address()
              + " knows no region '"
              + configured
              + "' (its regions, from /v1/regions: "
              + known
              + "); set NomadConfig.Builder.region(...) to one of them, "
              + "or leave it unset to act on the agent's own region",
          false);
    }
    regionChecked = true;
  }

  private static NodeId serverId(Wire.Member m, String region) {
    String suffix = "." + region;
    String name =
        m.name().endsWith(suffix)
            ? m.name().substring(0, m.name().length() - suffix.length())
            : m.name();
    return NodeId.of(name);
  }

  private static String fingerprint(Wire.Members members) {
    return members.list().stream()
        .map(m -> m.name() + "=" + m.status() + "/" + m.tag("build"))
        .sorted()
        .collect(Collectors.joining(","));
  }

  /** Raft configuration and autopilot health, matched to serf members. */
  private static final class RaftView {
    final List<Wire.RaftServer> servers;
    final Wire.AutopilotHealth health;

    RaftView(List<Wire.RaftServer> servers, Wire.AutopilotHealth health) {
      this.servers = servers;
      this.health = health;
    }

    Wire.RaftServer find(Wire.Member m) {
      String id = m.tag("id");
      for (Wire.RaftServer s : servers) {
        if (m.name().equals(s.node()) || (id != null && id.equals(s.id()))) {
          return s;
        }
      }
      return null;
    }

    Wire.ServerHealth health(Wire.Member m) {
      if (health == null) {
        return null;
      }
      String id = m.tag("id");
      for (Wire.ServerHealth s : health.list()) {
        if (m.name().equals(s.name()) || (id != null && id.equals(s.id()))) {
          return s;
        }
      }
      return null;
    }
  }

  /**
   * The raft servers and their health. With a leader, both from autopilot health, which lists every
   * server of the raft configuration with its ID, address, voter and leader flags (the facts {@code
   * /v1/operator/raft/configuration} has, without needing a management token). Without one ({@code
   * stale}), from the raft configuration as any server last knew it, without health.
   */
  private RaftView raftView(boolean stale) {
    if (!stale) {
      Wire.AutopilotHealth health = autopilot();
      List<Wire.RaftServer> servers = new ArrayList<>();
      for (Wire.ServerHealth s : health.list()) {
        servers.add(new Wire.RaftServer(s.id(), s.name(), s.address(), s.leader(), s.voter()));
      }
      return new RaftView(servers, health);
    }
    try {
      return new RaftView(
          api.get(
                  api.path("/v1/operator/raft/configuration", "stale", "true"),
                  NomadApi.MANAGEMENT,
                  Wire.RaftConfiguration.class)
              .list(),
          null);
    } catch (NomadPermissionException e) {
      // Reading the raft configuration takes a management token: the peers' addresses instead.
      LOG.debug(
          "the token may not read /v1/operator/raft/configuration (it needs management); "
              + "taking the raft peers from /v1/status/peers");
      return new RaftView(List.of(), null);
    }
  }

  /**
   * Autopilot health: 200 when healthy, 429 (with the same JSON) when not; both are answers, not
   * errors.
   */
  Wire.AutopilotHealth autopilot() {
    HttpResponse r = api.getAnyStatus(api.path("/v1/operator/autopilot/health"));
    if (r.status() != 200 && r.status() != 429) {
      throw api.failure(r, NomadApi.OPERATOR_READ, null);
    }
    return api.read(r, new TypeReference<Wire.AutopilotHealth>() {});
  }

  private Wire.NodeDetail node(NodeId id, String uuid) {
    return node(id, uuid, false);
  }

  /**
   * The client's record as the last observation read it while that observation stands (see {@link
   * #observe}), else as Nomad answers now.
   */
  private Wire.NodeDetail current(NodeId id, String uuid) {
    Wire.NodeDetail d = details.get(uuid);
    return d != null && stands(last) ? d : node(id, uuid);
  }

  /**
   * PUT through the API; whatever the answer, no observation made before it stands any more, nor
   * the servers as last read.
   */
  private void write(String path, Object body, String capability, NodeId node) {
    try {
      api.put(path, body, capability, node);
    } finally {
      serversMayChange();
    }
  }

  /** Drops the observation and the servers as last read: the next observation reads all again. */
  private void serversMayChange() {
    servers = null;
    changes.incrementAndGet();
  }

  /**
   * PUT a change of one client's record ({@code node:write}); whatever the answer, the client is
   * read again at the next observation, and only it while the rest of that observation stands.
   */
  private void writeClient(String uuid, String path, Object body, NodeId node) {
    try {
      api.put(path, body, NomadApi.NODE_WRITE, node);
    } finally {
      details.remove(uuid);
    }
  }

  private Wire.NodeDetail node(NodeId id, String uuid, boolean stale) {
    Wire.NodeDetail d =
        api.get(
            api.path("/v1/node/" + uuid, "stale", stale ? "true" : null),
            NomadApi.NODE_READ,
            id,
            NODE);
    details.put(uuid, d);
    return d;
  }

  /**
   * A client's running work for a snapshot, counted again only when the count may have changed and
   * matters: for an active client at most every {@link NomadConfig#activeWorkRefresh} (its work
   * only orders the queue, longest first); for a draining one not while its drain strategy is set
   * (it is {@code DRAINING} whatever runs, and the count that decides is taken once the strategy
   * clears); for an ineligible one at every observation, except that an idle one stays idle while
   * its {@code ModifyIndex} holds, since Nomad places nothing on an ineligible node.
   */
  private int observedWork(NodeId id, Wire.NodeDetail d, boolean stale) {
    Instant now = time.now();
    boolean active = "eligible".equals(d.schedulingEligibility()) && d.drainStrategy() == null;
    CountedWork cached = works.get(d.id());
    if (cached != null
        && (active
            ? now.isBefore(cached.at().plus(config.activeWorkRefresh()))
            : d.drainStrategy() != null
                || (cached.count() == 0 && cached.modifyIndex() == d.modifyIndex()))) {
      return cached.count();
    }
    int n = work(id, d.id(), stale);
    works.put(d.id(), new CountedWork(n, now, d.modifyIndex()));
    return n;
  }

  private int work(NodeId id, String uuid) {
    return work(id, uuid, false);
  }

  private int work(NodeId id, String uuid, boolean stale) {
    List<Wire.Allocation> allocs =
        api.readList(
            api.get(
                api.path(
                    "/v1/node/" + uuid + "/allocations",
                    "namespace",
                    config.namespace(),
                    "stale",
                    stale ? "true" : null),
                NomadApi.ALLOCATIONS_READ,
                id),
            ALLOC_LIST);
    int n = 0;
    for (Wire.Allocation a : allocs) {
      boolean live = "pending".equals(a.clientStatus()) || "running".equals(a.clientStatus());
      String type = a.jobType();
      // As the CLI's drain monitor: allocations without a job type are skipped, system jobs per
      // -ignore-system.
      if (live && type != null && !(config.ignoreSystemJobs() && type.equals("system"))) {
        n++;
      }
    }
    return n;
  }

  // ------------------------------------------------------------------ constraints

  /**
   * Nomad's upgrade rules: servers before clients, one server at a time, the servers' raft quorum
   * with the leader last, and at most {@link NomadConfig#maxMinorHops} minor releases per upgrade
   * (no downgrade). A single-server region has no quorum rule only when the operator opted into
   * {@link NomadConfig#peersJsonRecovery}.
   *
   * @throws ClusterOperationException if the servers cannot be read
   */
  @Override
  public Constraints constraints() {
    Constraints c =
        Constraints.NONE
            .withRoleOrder(SERVER, CLIENT)
            .withBudget(SERVER, Budget.ofNodes(1))
            .withSkew(new VersionSkew(config.maxMinorHops()));
    if (config.peersJsonRecovery().isPresent() && voters() == 1) {
      return c;
    }
    return c.withQuorum(SERVER);
  }

  private int voters() {
    Observation o = last;
    if (o == null) {
      observe();
      o = last;
    }
    return o.peers().size();
  }

  // ------------------------------------------------------------------ changes

  /**
   * Does nothing for {@link TaskCap#UNLIMITED}, the only cap Nomad nodes have.
   *
   * @throws ClusterOperationException for any other cap: Nomad has no per-node task cap; drain or
   *     mark the node ineligible instead
   */
  @Override
  public void setTaskCap(NodeId node, TaskCap cap) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(cap, "cap");
    if (!cap.isUnlimited()) {
      throw new ClusterOperationException(
          "Nomad has no per-node task cap, so "
              + node
              + " cannot be set to "
              + cap
              + ": Nomad nodes report an unlimited cap and the planner never asks for another; drain the node or mark it "
              + "ineligible instead",
          false);
    }
  }

  /**
   * Drains the client {@code node} with a deadline ({@code PUT /v1/node/:id/drain}); Nomad forces
   * what still runs at {@code deadline}. Nothing is sent if a drain already set forces by then (a
   * forced drain, or a {@code ForceDeadline} no later than {@code deadline} plus {@link
   * #DRAIN_DEADLINE_SLACK}); a drain without a deadline (an operator's {@code -no-deadline}) or
   * with a later one is updated to {@code deadline}, which Nomad records as {@code Node drain
   * strategy updated} while keeping its {@code StartedAt}.
   *
   * @throws UnknownNodeException if no client has that name
   * @throws ClusterOperationException if {@code node} is a server (servers run no allocations)
   * @throws NomadPermissionException if the token lacks {@code node:write}
   */
  @Override
  public void drain(NodeId node, Instant deadline) {
    Objects.requireNonNull(deadline, "deadline");
    String uuid = clientUuid(node);
    Wire.NodeDetail d = current(node, uuid);
    if (d.drainStrategy() != null && forcesBy(d.drainStrategy(), deadline)) {
      return;
    }
    long nanos;
    try {
      nanos = Duration.between(time.now(), deadline).toNanos();
    } catch (ArithmeticException e) {
      nanos = Long.MAX_VALUE;
    }
    // Deadline 0 would mean "no deadline" to Nomad and negative "force now": a passed deadline
    // forces.
    long deadlineNanos = nanos <= 0 ? -1 : nanos;
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("Deadline", deadlineNanos);
    spec.put("IgnoreSystemJobs", config.ignoreSystemJobs());
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("NodeID", uuid);
    body.put("DrainSpec", spec);
    body.put("MarkEligible", false);
    body.put("Meta", Map.of("message", "Upkeep: drained for an upgrade"));
    writeClient(uuid, api.path("/v1/node/" + uuid + "/drain"), body, node);
    drainedHere.add(uuid);
    LOG.debug(
        "drain of {} {}, deadline in {} ms",
        node,
        d.drainStrategy() == null ? "requested" : "updated",
        deadlineNanos / 1_000_000);
  }

  /**
   * Whether a drain strategy already set stops what still runs by {@code deadline} (give or take
   * {@link #DRAIN_DEADLINE_SLACK}), read as Nomad sets it: a negative {@code Deadline} forces at
   * once, 0 never forces, a positive one forces at {@code ForceDeadline} (an RFC 3339 time; Go's
   * zero time {@code 0001-01-01T00:00:00Z} when there is none).
   */
  static boolean forcesBy(Wire.DrainStrategy s, Instant deadline) {
    if (s.deadline() < 0) {
      return true;
    }
    if (s.deadline() == 0) {
      return false;
    }
    Instant force;
    try {
      force =
          s.forceDeadline() == null
              ? null
              : java.time.OffsetDateTime.parse(s.forceDeadline()).toInstant();
    } catch (java.time.format.DateTimeParseException e) {
      force = null;
    }
    if (force == null || force.getEpochSecond() <= 0) {
      return false; // a deadline without its time: send ours
    }
    Instant latest;
    try {
      latest = deadline.plus(DRAIN_DEADLINE_SLACK);
    } catch (java.time.DateTimeException | ArithmeticException e) {
      latest = Instant.MAX;
    }
    return !force.isAfter(latest);
  }

  /**
   * Lets the client {@code node} take work again: cancels its drain if one is still set (marking it
   * eligible), else marks it eligible ({@code PUT /v1/node/:id/eligibility}), since a finished
   * drain leaves a node ineligible. Nothing is sent for an eligible node or a server.
   *
   * @throws UnknownNodeException if no node has that name
   */
  @Override
  public void undrain(NodeId node) {
    Objects.requireNonNull(node, "node");
    if (isServer(node)) {
      return;
    }
    String uuid = clientUuid(node);
    drainedHere.remove(uuid);
    Wire.NodeDetail d = current(node, uuid);
    if (d.drainStrategy() != null) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("NodeID", uuid);
      body.put("DrainSpec", null);
      body.put("MarkEligible", true);
      body.put("Meta", Map.of("cancel_message", "Upkeep: upgrade done"));
      writeClient(uuid, api.path("/v1/node/" + uuid + "/drain"), body, node);
    } else if (!"eligible".equals(d.schedulingEligibility())) {
      writeClient(
          uuid,
          api.path("/v1/node/" + uuid + "/eligibility"),
          Map.of("NodeID", uuid, "Eligibility", "eligible"),
          node);
    }
  }

  /**
   * Does nothing when turning it off (it is never on).
   *
   * @throws ClusterOperationException when turning it on: Nomad has no cluster-wide maintenance
   *     mode
   */
  @Override
  public void setMaintenanceMode(boolean on) {
    if (on) {
      throw new ClusterOperationException(
          "Nomad has no cluster-wide maintenance mode: a plan that needs one "
              + "(a single-node cluster, clone-and-migrate) cannot run on Nomad; use in-place or rolling replacement on a "
              + "region with more than one node",
          false);
    }
  }

  /**
   * The pending and running allocations of the client {@code node}; 0 for a server.
   *
   * @throws UnknownNodeException if no node has that name
   */
  @Override
  public int runningWork(NodeId node) {
    Objects.requireNonNull(node, "node");
    if (isServer(node)) {
      return 0;
    }
    return work(node, clientUuid(node));
  }

  /**
   * Removes {@code node}. A server must have stopped: once {@code left} it is gone; while {@code
   * failed} it is forced out with {@code force-leave} (after {@link NomadConfig#forceLeaveAfter});
   * while still {@code alive} this fails, retryably. A client that is drained or no longer {@code
   * ready} is purged ({@code /v1/node/:id/purge}).
   *
   * @throws UnknownNodeException if no node has that name
   * @throws ClusterOperationException if the node is still in service
   */
  @Override
  public void removeMember(NodeId node) {
    Objects.requireNonNull(node, "node");
    Wire.Members members = members();
    String r = region(members);
    for (Wire.Member m : members.list()) {
      if (m.name() != null && r.equals(m.tag("region")) && serverId(m, r).equals(node)) {
        removeServer(node, m);
        return;
      }
    }
    String uuid = clientUuid(node);
    Wire.NodeDetail d = node(node, uuid);
    if ("ready".equals(d.status()) && "eligible".equals(d.schedulingEligibility())) {
      throw new ClusterOperationException(
          "cannot remove client "
              + node
              + ": it is ready and eligible, still in "
              + "service; drain it and stop its Nomad agent first",
          false);
    }
    write(api.path("/v1/node/" + uuid + "/purge"), null, NomadApi.NODE_WRITE, node);
    details.remove(uuid);
  }

  private void removeServer(NodeId node, Wire.Member m) {
    String status = m.status() == null ? "" : m.status();
    if (status.equals("left")) {
      failedSince.remove(node);
      return;
    }
    if (status.equals("alive")) {
      throw new ClusterOperationException(
          "server "
              + node
              + " is still alive in the gossip pool: stop its Nomad agent "
              + "before removing it; Upkeep tries again",
          true);
    }
    Instant since = failedSince.computeIfAbsent(node, n -> time.now());
    if (time.now().isBefore(since.plus(config.forceLeaveAfter()))) {
      throw new ClusterOperationException(
          "server "
              + node
              + " is "
              + status
              + ", not yet left; waiting up to "
              + config.forceLeaveAfter()
              + " before forcing it to leave",
          true);
    }
    write(api.path("/v1/agent/force-leave", "node", m.name()), null, NomadApi.AGENT_WRITE, node);
    LOG.info("server {} was {}: forced it to leave (force-leave {})", node, status, m.name());
  }

  private java.util.Set<NodeId> serverIds() {
    Observation o = last;
    if (o != null) {
      return o.snapshot().withRole(SERVER).stream().map(Node::id).collect(Collectors.toSet());
    }
    Wire.Members members = members();
    String r = region(members);
    return members.list().stream()
        .filter(m -> m.name() != null && r.equals(m.tag("region")))
        .map(m -> serverId(m, r))
        .collect(Collectors.toSet());
  }

  private boolean isServer(NodeId node) {
    Observation o = last;
    if (o != null) {
      Optional<Node> n = o.snapshot().find(node);
      if (n.isPresent()) {
        return n.get().role().equals(SERVER);
      }
    }
    Wire.Members members = members();
    String r = region(members);
    return members.list().stream()
        .anyMatch(
            m -> m.name() != null && r.equals(m.tag("region")) && serverId(m, r).equals(node));
  }

  private String clientUuid(NodeId node) {
    Objects.requireNonNull(node, "node");
    String uuid = clientIds.get(node);
    if (uuid == null) {
      List<Wire.NodeStub> stubs =
          api.blocking("/v1/nodes", 0, Duration.ZERO, NomadApi.NODE_READ, null, NODE_LIST).value();
      Map<NodeId, Wire.NodeStub> byName = pickClients(stubs, serverIds());
      Wire.NodeStub s = byName.get(node);
      if (s == null) {
        if (isServer(node)) {
          throw new ClusterOperationException(
              node
                  + " is a Nomad server: servers run no allocations, so there is "
                  + "nothing to drain or count; only clients can be drained",
              false);
        }
        throw new UnknownNodeException(node, List.copyOf(byName.keySet()));
      }
      uuid = s.id();
    }
    return uuid;
  }

  // ------------------------------------------------------------------ waiting

  /**
   * Waits until the region may have changed since {@code since}, or {@code maxWait} has passed; see
   * the class description for how blocking queries and the time source share the wait.
   *
   * @return whether a change was seen; true at once if {@code since} is not this port's latest
   *     observation
   */
  @Override
  @SuppressWarnings(
      "ReferenceEquality") // by design: "since" must be the very snapshot observe() returned last
  public boolean awaitChange(ClusterSnapshot since, Duration maxWait) {
    Objects.requireNonNull(since, "since");
    Objects.requireNonNull(maxWait, "maxWait");
    Observation o = last;
    if (o == null || o.snapshot() != since) {
      return true;
    }
    changes.incrementAndGet(); // time passes: the observation no longer stands
    Instant deadline = time.now().plus(maxWait);
    while (true) {
      Duration rest = Duration.between(time.now(), deadline);
      if (rest.isNegative() || rest.isZero()) {
        return false;
      }
      Duration wait = config.blockingWait().compareTo(rest) < 0 ? config.blockingWait() : rest;
      Instant before = time.now();
      long asked = changes.get();
      NomadApi.Indexed<List<Wire.NodeStub>> nodes =
          api.blocking("/v1/nodes", o.nodesIndex(), wait, NomadApi.NODE_READ, null, NODE_LIST);
      if (nodes.index() != o.nodesIndex() && o.shows(nodes.value())) {
        // Moved for this port's own changes, which the observation already shows: wait on.
        o = o.at(nodes.index());
        last = o;
        continue;
      }
      boolean changed = nodes.index() != o.nodesIndex();
      if (changed || (wait.equals(rest) && !time.now().isBefore(deadline))) {
        // The answer ends the wait: the observation that follows needs no other list.
        freshNodes.set(new FreshNodes(nodes, asked));
        return changed;
      }
      if (wait.equals(rest)) {
        continue; // the blocking query returned before the deadline: wait on for the rest
      }
      // Advance the time source by what the real wait did not cover: all of the step with a virtual
      // clock.
      Duration step = rest.compareTo(config.pollInterval()) < 0 ? rest : config.pollInterval();
      Duration covered = Duration.between(before, time.now());
      if (covered.compareTo(step) < 0) {
        time.sleep(step.minus(covered));
      }
      if (!fingerprint(members()).equals(o.servers())) {
        return true;
      }
    }
  }

  // ------------------------------------------------------------------ the raft gate

  /** The {@code nomad-raft} gate's verdict on {@code node}; see {@link NomadServerHealthProbe}. */
  ProbeResult raftGate(Node node, long maxTrailingLogs) {
    if (!node.role().equals(SERVER)) {
      return ProbeResult.pass("not a Nomad server: the raft gate does not apply");
    }
    try {
      Wire.Members members = members();
      String r = region(members);
      Wire.Member m =
          members.list().stream()
              .filter(
                  x ->
                      x.name() != null
                          && r.equals(x.tag("region"))
                          && serverId(x, r).equals(node.id()))
              .findFirst()
              .orElse(null);
      if (m == null || !"alive".equals(m.status())) {
        return ProbeResult.fail(
            "has not rejoined: its gossip status is "
                + (m == null ? "unknown (not a member)" : m.status()));
      }
      Wire.AutopilotHealth h = autopilot();
      String id = m.tag("id");
      Wire.ServerHealth self =
          h.list().stream()
              .filter(s -> m.name().equals(s.name()) || (id != null && id.equals(s.id())))
              .findFirst()
              .orElse(null);
      if (self == null) {
        return ProbeResult.fail("autopilot does not list it yet");
      }
      if (!self.healthy()) {
        return ProbeResult.fail(
            "autopilot reports it unhealthy (last contact "
                + self.lastContact()
                + ", last index "
                + self.lastIndex()
                + ")");
      }
      Wire.ServerHealth leader =
          h.list().stream().filter(Wire.ServerHealth::leader).findFirst().orElse(null);
      if (leader == null) {
        return ProbeResult.fail("autopilot names no leader");
      }
      long behind = leader.lastIndex() - self.lastIndex();
      if (behind > maxTrailingLogs) {
        return ProbeResult.fail(
            "its last_log_index "
                + self.lastIndex()
                + " trails the leader's "
                + leader.lastIndex()
                + " by "
                + behind
                + ", more than "
                + maxTrailingLogs);
      }
      int voters =
          h.voterIds().isEmpty()
              ? (int) h.list().stream().filter(Wire.ServerHealth::voter).count()
              : h.voterIds().size();
      int expected = voters - Constraints.quorum(voters);
      if (h.failureTolerance() < expected) {
        return ProbeResult.fail(
            "failure tolerance is "
                + h.failureTolerance()
                + " of "
                + voters
                + " voters, not yet back to "
                + expected);
      }
      if (!h.healthy()) {
        return ProbeResult.fail(
            "autopilot reports the region unhealthy: "
                + h.list().stream().filter(s -> !s.healthy()).map(Wire.ServerHealth::name).toList()
                + " not healthy");
      }
      String agentIndex = agentIndexIfSelf(m);
      return ProbeResult.pass(
          "rejoined; autopilot healthy, failure tolerance "
              + h.failureTolerance()
              + ", last_log_index "
              + self.lastIndex()
              + " (leader "
              + leader.lastIndex()
              + ")"
              + agentIndex);
    } catch (ClusterOperationException e) {
      return ProbeResult.fail("cannot check it: " + e.getMessage());
    }
  }

  /**
   * When the agent answering the API is this server, its own {@code stats.raft.last_log_index} (a
   * string).
   */
  private String agentIndexIfSelf(Wire.Member m) {
    try {
      Wire.AgentSelf self =
          api.get(api.path("/v1/agent/self"), NomadApi.AGENT_READ, Wire.AgentSelf.class);
      if (self.member() != null && m.name().equals(self.member().name())) {
        return "; its agent reports last_log_index " + self.stat("raft", "last_log_index");
      }
    } catch (ClusterOperationException e) {
      LOG.debug("cannot read /v1/agent/self: {}", e.getMessage());
    }
    return "";
  }

  /**
   * If {@code server} leads the raft now, moves leadership to another healthy voter, the newest
   * version first. Best effort: where the token may not (it needs management) or the server cannot
   * (before Nomad 1.7), it says so in the log and the leader-last ordering alone applies.
   */
  void transferLeadershipAway(NodeId server) {
    serversMayChange(); // the server stops next: the observation before it reads them again
    try {
      Wire.AutopilotHealth h = autopilot();
      String name = server.value() + "." + region(members());
      Wire.ServerHealth leader =
          h.list().stream().filter(Wire.ServerHealth::leader).findFirst().orElse(null);
      if (leader == null || !name.equals(leader.name())) {
        return;
      }
      Wire.ServerHealth to =
          h.list().stream()
              .filter(s -> s.voter() && s.healthy() && !s.leader() && s.id() != null)
              .max(
                  Comparator.comparing((Wire.ServerHealth s) -> sortableVersion(s.version()))
                      .thenComparing(Wire.ServerHealth::name, Comparator.reverseOrder()))
              .orElse(null);
      if (to == null) {
        LOG.warn(
            "{} leads and no other voter is healthy: it stops as the leader, and the region elects a new one",
            server);
        return;
      }
      write(
          api.path("/v1/operator/raft/transfer-leadership", "id", to.id()),
          null,
          NomadApi.MANAGEMENT,
          null);
      LOG.info("moved raft leadership from {} to {} before stopping it", server, to.name());
    } catch (NomadPermissionException e) {
      LOG.info(
          "cannot move raft leadership away from {} (the token needs management); it stops last, as the leader",
          server);
    } catch (ClusterOperationException e) {
      LOG.info(
          "cannot move raft leadership away from {} ({}); it stops last, as the leader",
          server,
          e.getMessage());
    }
  }

  private static Version sortableVersion(String text) {
    try {
      return Version.of(text == null ? "0" : text);
    } catch (IllegalArgumentException e) {
      return Version.of("0");
    }
  }

  /**
   * The raft identity of {@code server} as last observed, for peers.json; empty if it was not a
   * voter.
   */
  Optional<RaftPeer> raftPeer(NodeId server) {
    Observation o = last;
    return o == null ? Optional.empty() : Optional.ofNullable(o.peers().get(server));
  }

  /** Whether the last observation saw exactly one voter: a single-server region. */
  boolean singleServer() {
    Observation o = last;
    return o != null && o.peers().size() == 1;
  }

  // ------------------------------------------------------------------ lifecycle

  /** Releases the HTTP connections. */
  @Override
  public void close() {
    http.close();
  }

  /** The address, region and where the token comes from; never the token. */
  @Override
  public String toString() {
    return "NomadClusterPort["
        + config.address()
        + ", region "
        + (region == null ? "(agent's)" : region)
        + ", token "
        + config.token().map(Object::toString).orElse("none")
        + "]";
  }
}
