package io.upkeep.testkit.http.nomad;

import io.upkeep.ClusterSnapshot;
import io.upkeep.Constraints;
import io.upkeep.DrainState;
import io.upkeep.Health;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.Role;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.VirtualClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What a Nomad region's servers would know about a {@link FakeCluster}: raft indexes, serf member
 * statuses, node records with drain strategies, eligibility and heartbeats, and allocations. It is
 * worked out again from the cluster on every request and after every clock event ({@link
 * #refresh}), and every observed change takes a new raft index, as a write to Nomad's state store
 * would. Guarded by {@link #lock}; {@link #changed} is signalled whenever an index moves.
 */
final class NomadState {

  static final String ZERO_TIME = "0001-01-01T00:00:00Z";

  /** Nomad keeps the last 10 events of a node. */
  private static final int MAX_NODE_EVENTS = 10;

  /** How many finished allocations a node keeps listing before the fake "garbage collects" them. */
  private static final int MAX_TERMINAL_ALLOCS = 5;

  /** A drain without a deadline is given one this far away, which nothing ever reaches. */
  private static final Duration NEVER = Duration.ofDays(365L * 100);

  final ReentrantLock lock = new ReentrantLock();
  final Condition changed = lock.newCondition();

  final FakeCluster cluster;
  final VirtualClock clock;
  final Settings settings;

  long raftIndex = 10;
  long nodesIndex;
  long allocsIndex;
  long term = 1;
  Instant noLeaderUntil;
  private NodeId lastLeader;

  /**
   * Leadership moved through the API: holds while the cluster's own leader stays the one it was
   * moved from.
   */
  private NodeId transferredTo;

  private NodeId transferredFrom;
  private final Set<Instant> wakeups = new HashSet<>();
  final Map<NodeId, Server> servers = new LinkedHashMap<>();
  final Map<NodeId, Client> clients = new LinkedHashMap<>();
  private int allocCounter;
  private int addressCounter;

  /** The fixed settings of one fake server. */
  record Settings(
      String region,
      String datacenter,
      Role serverRole,
      Role clientRole,
      Duration heartbeatTtl,
      Duration heartbeatGrace,
      Duration clientInitialization,
      Duration raftCatchUp,
      long followerLag,
      boolean systemJobs) {}

  NomadState(FakeCluster cluster, Settings settings) {
    this.cluster = cluster;
    this.clock = cluster.clock();
    this.settings = settings;
    lock.lock();
    try {
      refresh(true);
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------ model

  static final class Server {
    final NodeId id;
    final String name;
    final String raftId;
    final String ip;
    String status = "alive";
    String build;
    boolean voter;
    boolean leader;
    Instant upSince;
    long frozenIndex;
    long frozenTerm;
    Instant stableSince;

    /** How many raft entries it trails by beyond the region's follower lag ({@link #lag}). */
    long lag;

    String fingerprint = "";

    Server(NodeId id, String name, String raftId, String ip) {
      this.id = id;
      this.name = name;
      this.raftId = raftId;
      this.ip = ip;
    }

    String rpcAddress() {
      return ip + ":4647";
    }
  }

  /**
   * A drain strategy as Nomad stores it: {@code forceDeadline} is null (Go's zero time) unless the
   * deadline is positive, then the time of the request that set it (the first or an update) plus
   * the deadline; a negative deadline forces at once, 0 never forces. {@code startedAt} is the
   * first's.
   */
  record DrainSpec(
      long deadlineNanos, boolean ignoreSystemJobs, Instant startedAt, Instant forceDeadline) {}

  static final class LastDrain {
    Instant startedAt;
    Instant updatedAt;
    String status;
    Map<String, String> meta;
  }

  record NodeEvent(String message, String subsystem, Instant at, long createIndex) {}

  static final class Alloc {
    final String id;
    final String evalId;
    final String name;
    final String jobId;
    final String jobType;
    final long createIndex;
    final Instant createTime;
    String clientStatus = "running";
    String clientDescription = "Tasks are running";
    String desiredStatus = "run";
    String desiredDescription = "";
    Boolean migrate;
    long modifyIndex;
    Instant modifyTime;

    Alloc(
        String id,
        String evalId,
        String name,
        String jobId,
        String jobType,
        long index,
        Instant at) {
      this.id = id;
      this.evalId = evalId;
      this.name = name;
      this.jobId = jobId;
      this.jobType = jobType;
      this.createIndex = index;
      this.modifyIndex = index;
      this.createTime = at;
      this.modifyTime = at;
    }

    boolean live() {
      return clientStatus.equals("running") || clientStatus.equals("pending");
    }
  }

  static final class Client {
    final NodeId id;
    final String uuid;
    final String ip;
    final long createIndex;
    long modifyIndex;
    String status = "ready";
    String eligibility = "eligible";
    Instant statusUpdatedAt;
    DrainSpec drain;
    LastDrain lastDrain;
    boolean markedIneligible;
    boolean clusterDrain;
    Instant unhealthySince;
    Instant healthySince;
    boolean wentDown;
    String os = "";
    String version = "";
    final List<NodeEvent> events = new ArrayList<>();
    final List<Alloc> allocs = new ArrayList<>();
    Alloc systemAlloc;
    String fingerprint = "";

    Client(NodeId id, String uuid, String ip, long createIndex, Instant at) {
      this.id = id;
      this.uuid = uuid;
      this.ip = ip;
      this.createIndex = createIndex;
      this.modifyIndex = createIndex;
      this.statusUpdatedAt = at;
    }

    int liveAllocs() {
      int n = 0;
      for (Alloc a : allocs) {
        if (a.live() && !a.jobType.equals("system")) {
          n++;
        }
      }
      return n;
    }
  }

  // ------------------------------------------------------------------ refresh

  /** Works the Nomad view out again from the cluster; call with {@link #lock} held. */
  void refresh() {
    refresh(false);
  }

  private void refresh(boolean initial) {
    long before = raftIndex;
    ClusterSnapshot snap = cluster.observe();
    Instant now = clock.now();
    NodeId leader = effectiveLeader(snap, now);
    if (!Objects.equals(leader, lastLeader)) {
      if (leader != null && lastLeader != null) {
        term++;
      }
      lastLeader = leader;
    }
    Set<NodeId> seen = new HashSet<>();
    for (Node n : snap.nodes()) {
      seen.add(n.id());
      if (n.role().equals(settings.serverRole())) {
        updateServer(n, leader, now, initial);
      } else if (n.role().equals(settings.clientRole())) {
        updateClient(n, now, initial);
      }
    }
    for (Server s : servers.values()) {
      if (!seen.contains(s.id) && !s.status.equals("left")) {
        s.status = "left";
        s.voter = false;
        s.leader = false;
        s.frozenIndex = raftIndex;
        s.fingerprint = serverFingerprint(s, now);
        bump();
      }
    }
    for (Iterator<Client> it = clients.values().iterator(); it.hasNext(); ) {
      Client c = it.next();
      if (!seen.contains(c.id)) {
        it.remove();
        nodesIndex = bump();
        allocsIndex = raftIndex;
      }
    }
    if (raftIndex != before) {
      changed.signalAll();
    }
  }

  private NodeId effectiveLeader(ClusterSnapshot snap, Instant now) {
    if (noLeaderUntil != null && now.isBefore(noLeaderUntil)) {
      return null;
    }
    // Raft elects a leader only with a majority of its voters healthy.
    long voters =
        snap.nodes().stream()
            .filter(n -> n.role().equals(settings.serverRole()) && n.voter())
            .count();
    long healthyVoters =
        snap.nodes().stream()
            .filter(
                n ->
                    n.role().equals(settings.serverRole())
                        && n.voter()
                        && n.health() == Health.HEALTHY)
            .count();
    if (healthyVoters < Constraints.quorum((int) voters)) {
      return null;
    }
    NodeId clusters =
        snap.nodes().stream()
            .filter(
                n ->
                    n.role().equals(settings.serverRole())
                        && n.leader()
                        && n.health() == Health.HEALTHY)
            .map(Node::id)
            .findFirst()
            .orElse(null);
    if (transferredTo != null) {
      boolean targetUp =
          snap.nodes().stream()
              .anyMatch(n -> n.id().equals(transferredTo) && n.health() == Health.HEALTHY);
      if (targetUp && Objects.equals(clusters, transferredFrom)) {
        return transferredTo;
      }
      transferredTo = null;
      transferredFrom = null;
    }
    return clusters;
  }

  /**
   * Moves leadership to {@code to} (a healthy voter) as far as the API shows: the FakeCluster
   * cannot move its own leader, so this holds until the cluster's leader changes.
   */
  void transferLeadership(Server to) {
    ClusterSnapshot snap = cluster.observe();
    transferredFrom =
        snap.nodes().stream()
            .filter(n -> n.role().equals(settings.serverRole()) && n.leader())
            .map(Node::id)
            .findFirst()
            .orElse(null);
    transferredTo = to.id;
    refresh();
  }

  /** Whether the region has a leader right now. */
  boolean hasLeader() {
    return lastLeader != null;
  }

  Server leaderServer() {
    return lastLeader == null ? null : servers.get(lastLeader);
  }

  private long bump() {
    return ++raftIndex;
  }

  /** The next raft index, for a write outside the node model (a variable). */
  long nextIndex() {
    return bump();
  }

  private void wakeAt(Instant at) {
    Instant now = clock.now();
    if (at.isAfter(now) && wakeups.add(at)) {
      clock.schedule(Duration.between(now, at), () -> {});
    }
    wakeups.removeIf(t -> !t.isAfter(now));
  }

  private void updateServer(Node n, NodeId leader, Instant now, boolean initial) {
    Server s = servers.get(n.id());
    if (s == null) {
      String name = n.id().value() + "." + settings.region();
      s = new Server(n.id(), name, uuid("server:" + n.id()), "10.0.0." + (++addressCounter));
      s.status = "none";
      servers.put(n.id(), s);
      if (initial) {
        s.upSince = Instant.MIN;
        s.stableSince = now;
      }
    }
    String status = n.health() == Health.HEALTHY ? "alive" : "failed";
    if (!status.equals(s.status)) {
      if (status.equals("alive")) {
        if (s.upSince == null || !initial) {
          s.upSince = initial ? Instant.MIN : now;
        }
        s.stableSince = null;
        if (!initial) {
          wakeAt(now.plus(settings.raftCatchUp()));
        }
      } else {
        s.frozenIndex = raftIndex;
        s.frozenTerm = term;
        s.stableSince = null;
      }
      s.status = status;
    }
    s.build = n.platform().product().text();
    s.voter = n.voter();
    s.leader = n.id().equals(leader);
    if (healthy(s, now) && s.stableSince == null) {
      s.stableSince = now;
    }
    String fp = serverFingerprint(s, now);
    if (!fp.equals(s.fingerprint)) {
      s.fingerprint = fp;
      if (!initial) {
        bump();
      }
    }
  }

  private String serverFingerprint(Server s, Instant now) {
    return s.status + "|" + s.build + "|" + s.voter + "|" + s.leader + "|" + caughtUp(s, now);
  }

  boolean caughtUp(Server s, Instant now) {
    return s.upSince != null
        && (s.upSince.equals(Instant.MIN) || !now.isBefore(s.upSince.plus(settings.raftCatchUp())));
  }

  /** Autopilot's verdict on one server: alive, caught up with the leader, and a leader exists. */
  boolean healthy(Server s, Instant now) {
    return s.status.equals("alive") && caughtUp(s, now) && hasLeader();
  }

  long lastIndex(Server s, Instant now) {
    if (!healthy(s, now)) {
      return s.frozenIndex;
    }
    return s.leader ? raftIndex : Math.max(0, raftIndex - settings.followerLag() - s.lag);
  }

  long lastTerm(Server s, Instant now) {
    return healthy(s, now) ? term : s.frozenTerm;
  }

  private void updateClient(Node n, Instant now, boolean initial) {
    Client c = clients.get(n.id());
    if (c == null) {
      long index = initial ? raftIndex : bump();
      c = new Client(n.id(), uuid("node:" + n.id()), "10.0.1." + (++addressCounter), index, now);
      clients.put(n.id(), c);
      event(c, "Node registered", "Cluster", now);
    }
    boolean healthy = n.health() == Health.HEALTHY;
    // Heartbeats: Nomad notices a stopped client only when its TTL and the grace have passed.
    if (!healthy) {
      if (c.unhealthySince == null) {
        c.unhealthySince = now;
        c.healthySince = null;
        wakeAt(now.plus(settings.heartbeatTtl()).plus(settings.heartbeatGrace()));
      }
    } else if (c.unhealthySince != null || (c.healthySince == null && !initial)) {
      c.unhealthySince = null;
      c.healthySince = now;
      if (c.wentDown) {
        wakeAt(now.plus(settings.clientInitialization()));
      }
    }
    String status;
    if (!healthy) {
      boolean missed =
          !now.isBefore(
              c.unhealthySince.plus(settings.heartbeatTtl()).plus(settings.heartbeatGrace()));
      status = missed ? "down" : c.status;
      if (missed && !c.wentDown) {
        c.wentDown = true;
        event(c, "Node heartbeat missed", "Heartbeat", now);
      }
    } else if (c.wentDown
        && c.healthySince != null
        && now.isBefore(c.healthySince.plus(settings.clientInitialization()))) {
      status = "initializing";
    } else {
      if (c.wentDown) {
        c.wentDown = false;
        event(c, "Node reregistered by heartbeat", "Heartbeat", now);
      }
      status = "ready";
    }
    if (!status.equals(c.status)) {
      c.status = status;
      c.statusUpdatedAt = now;
    }
    c.os = n.platform().os();
    c.version = n.platform().product().text();

    boolean clusterDrain = n.drainState() != DrainState.ACTIVE;
    if (clusterDrain && !c.clusterDrain && c.drain == null && !c.markedIneligible) {
      // Drained through the FakeCluster itself, not through this API: a drain without a deadline.
      startDrain(c, new DrainSpec(0, false, now, null), Map.of(), now);
    }
    if (!clusterDrain) {
      if (c.drain != null) {
        c.drain = null;
        c.lastDrain.status = "canceled";
        c.lastDrain.updatedAt = now;
        event(c, "Node drain disabled", "Drain", now);
      }
      c.markedIneligible = false;
    }
    c.clusterDrain = clusterDrain;
    syncAllocs(c, n, healthy, now);
    if (c.drain != null && clusterDrain && n.runningWork() == 0) {
      if (c.systemAlloc != null && c.systemAlloc.live() && !c.drain.ignoreSystemJobs()) {
        endAlloc(c.systemAlloc, "complete", "stop", "alloc is being migrated", true, now);
      }
      c.drain = null;
      c.lastDrain.status = "complete";
      c.lastDrain.updatedAt = now;
      c.markedIneligible = true;
      event(c, "Node drain complete", "Drain", now);
    }
    c.eligibility = clusterDrain ? "ineligible" : "eligible";
    if (settings.systemJobs()) {
      syncSystemAlloc(c, now);
    }
    String fp = clientFingerprint(c);
    if (!fp.equals(c.fingerprint)) {
      c.fingerprint = fp;
      if (!initial) {
        c.modifyIndex = bump();
        nodesIndex = c.modifyIndex;
      }
    }
    if (initial) {
      nodesIndex = raftIndex;
      allocsIndex = raftIndex;
    }
  }

  private static String clientFingerprint(Client c) {
    return c.status
        + "|"
        + c.eligibility
        + "|"
        + c.drain
        + "|"
        + (c.lastDrain == null ? "" : c.lastDrain.status + c.lastDrain.updatedAt)
        + "|"
        + c.os
        + "|"
        + c.version
        + "|"
        + c.events.size()
        + (c.events.isEmpty() ? "" : c.events.get(c.events.size() - 1).at());
  }

  /** Gives the node as many running allocations as the cluster says it runs tasks. */
  private void syncAllocs(Client c, Node n, boolean healthy, Instant now) {
    int want = n.runningWork();
    int have = c.liveAllocs();
    for (int i = have; i < want; i++) {
      int k = ++allocCounter;
      long index = bump();
      Alloc a =
          new Alloc(
              uuid("alloc:" + k),
              uuid("eval:" + k),
              "web.web[" + k + "]",
              "web",
              "service",
              index,
              now);
      a.migrate = c.drain != null ? Boolean.TRUE : null;
      c.allocs.add(a);
      allocsIndex = index;
    }
    int surplus = have - want;
    for (Alloc a : c.allocs) {
      if (surplus <= 0) {
        break;
      }
      if (a.live() && !a.jobType.equals("system")) {
        if (c.drain != null) {
          endAlloc(a, "complete", "stop", "alloc is being migrated", true, now);
        } else if (!healthy) {
          endAlloc(a, "lost", "stop", "alloc is lost since its node is down", null, now);
        } else {
          endAlloc(a, "complete", "run", "", null, now);
        }
        surplus--;
      }
    }
    gc(c);
  }

  private void syncSystemAlloc(Client c, Instant now) {
    Alloc sys = c.systemAlloc;
    if (sys != null && sys.live() && c.status.equals("down")) {
      endAlloc(sys, "lost", "stop", "alloc is lost since its node is down", null, now);
    }
    if ((sys == null || !sys.live())
        && c.status.equals("ready")
        && c.eligibility.equals("eligible")) {
      int k = ++allocCounter;
      long index = bump();
      Alloc a =
          new Alloc(
              uuid("alloc:" + k),
              uuid("eval:" + k),
              "node-exporter.node-exporter[0]",
              "node-exporter",
              "system",
              index,
              now);
      c.allocs.add(a);
      c.systemAlloc = a;
      allocsIndex = index;
    }
    gc(c);
  }

  private void endAlloc(
      Alloc a,
      String clientStatus,
      String desiredStatus,
      String why,
      Boolean migrate,
      Instant now) {
    a.clientStatus = clientStatus;
    a.clientDescription =
        clientStatus.equals("lost") ? "alloc is lost" : "All tasks have completed";
    a.desiredStatus = desiredStatus;
    a.desiredDescription = why;
    if (migrate != null) {
      a.migrate = migrate;
    }
    a.modifyIndex = bump();
    a.modifyTime = now;
    allocsIndex = a.modifyIndex;
  }

  private static void gc(Client c) {
    long terminal = c.allocs.stream().filter(a -> !a.live()).count();
    for (Iterator<Alloc> it = c.allocs.iterator();
        it.hasNext() && terminal > MAX_TERMINAL_ALLOCS; ) {
      if (!it.next().live()) {
        it.remove();
        terminal--;
      }
    }
  }

  private void event(Client c, String message, String subsystem, Instant at) {
    c.events.add(new NodeEvent(message, subsystem, at, raftIndex));
    if (c.events.size() > MAX_NODE_EVENTS) {
      c.events.remove(0);
    }
  }

  // ------------------------------------------------------------------ writes

  /**
   * Starts (or updates) a drain through the API; {@code deadlineNanos} as Nomad's
   * DrainSpec.Deadline. As Nomad's {@code Node.UpdateDrain}: {@code StartedAt} is set by the first
   * drain and kept by updates, {@code ForceDeadline} is now plus the deadline only when it is
   * positive (zero time otherwise: a negative deadline forces at once, 0 never forces).
   */
  void drain(Client c, long deadlineNanos, boolean ignoreSystemJobs, Map<String, String> meta) {
    Instant now = clock.now();
    Instant force = deadlineNanos > 0 ? now.plusNanos(deadlineNanos) : null;
    // When the cluster behind forces what still runs: at ForceDeadline, at once, or (no deadline)
    // never.
    Instant clusterDeadline = deadlineNanos > 0 ? force : deadlineNanos < 0 ? now : now.plus(NEVER);
    boolean already = c.drain != null;
    startDrain(
        c,
        new DrainSpec(deadlineNanos, ignoreSystemJobs, already ? c.drain.startedAt() : now, force),
        meta,
        now);
    if (!c.clusterDrain) {
      cluster.drain(c.id, clusterDeadline);
    } else if (c.markedIneligible) {
      // Ineligible but not draining (an operator's choice, or a finished drain): drain again, with
      // this deadline.
      cluster.undrain(c.id);
      cluster.drain(c.id, clusterDeadline);
    } else if (deadlineNanos != 0) {
      // An update of a running drain (or one the operator started without a deadline): a sooner
      // deadline
      // brings the forced migration forward.
      cluster.drain(c.id, clusterDeadline);
    }
    c.markedIneligible = false;
    c.clusterDrain = true;
    for (Alloc a : c.allocs) {
      if (a.live() && !a.jobType.equals("system") && a.migrate == null) {
        a.migrate = true;
        a.modifyIndex = bump();
        allocsIndex = a.modifyIndex;
      }
    }
    refresh();
  }

  private void startDrain(Client c, DrainSpec spec, Map<String, String> meta, Instant now) {
    boolean fresh = c.drain == null;
    c.drain = spec;
    if (fresh) {
      c.lastDrain = new LastDrain();
      c.lastDrain.startedAt = now;
      c.lastDrain.meta = Map.copyOf(meta);
      event(c, "Node drain strategy set", "Drain", now);
    } else {
      event(c, "Node drain strategy updated", "Drain", now);
    }
    c.lastDrain.status = "draining";
    c.lastDrain.updatedAt = now;
  }

  /** Cancels a drain through the API; the node stays ineligible unless {@code markEligible}. */
  void cancelDrain(Client c, boolean markEligible) {
    Instant now = clock.now();
    if (c.drain != null) {
      c.drain = null;
      c.lastDrain.status = "canceled";
      c.lastDrain.updatedAt = now;
      event(c, "Node drain disabled", "Drain", now);
      c.markedIneligible = true;
    }
    if (markEligible) {
      c.markedIneligible = false;
      cluster.undrain(c.id);
    } else if (c.clusterDrain) {
      // Nomad stops draining but leaves the node ineligible: what runs there stays, nothing is
      // forced.
      c.markedIneligible = true;
      cluster.undrain(c.id);
      cluster.drain(c.id, now.plus(NEVER));
    }
    refresh();
  }

  /** Sets scheduling eligibility; the caller has refused "eligible" while draining. */
  void eligibility(Client c, boolean eligible) {
    Instant now = clock.now();
    if (eligible) {
      c.markedIneligible = false;
      cluster.undrain(c.id);
    } else if (!c.clusterDrain) {
      c.markedIneligible = true;
      c.clusterDrain = true;
      cluster.drain(c.id, now.plus(NEVER));
    }
    refresh();
  }

  /** Server {@code id} trails the leader by {@code entries} more from now on. */
  void lag(NodeId id, long entries) {
    Server s = servers.get(id);
    if (s == null) {
      throw new IllegalArgumentException(
          "no Nomad server named " + id + " (servers: " + servers.keySet() + ")");
    }
    s.lag = entries;
    refresh();
  }

  /** Leader lost for {@code d} of virtual time from now. */
  void loseLeader(Duration d) {
    Instant until = clock.now().plus(d);
    noLeaderUntil = noLeaderUntil == null || until.isAfter(noLeaderUntil) ? until : noLeaderUntil;
    wakeAt(noLeaderUntil);
    refresh();
  }

  Client clientByUuid(String uuid) {
    for (Client c : clients.values()) {
      if (c.uuid.equals(uuid)) {
        return c;
      }
    }
    return null;
  }

  /** An allocation and the client it is placed on. */
  record Placed(Client client, Alloc alloc) {}

  /**
   * The allocation whose ID is {@code id} (the full UUID, as Nomad's {@code Alloc.GetAlloc} wants),
   * or null.
   */
  Placed allocById(String id) {
    for (Client c : clients.values()) {
      for (Alloc a : c.allocs) {
        if (a.id.equals(id)) {
          return new Placed(c, a);
        }
      }
    }
    return null;
  }

  Server serverByName(String name) {
    for (Server s : servers.values()) {
      if (s.name.equals(name)) {
        return s;
      }
    }
    return null;
  }

  long allocIndexOf(Client c) {
    long max = 0;
    for (Alloc a : c.allocs) {
      max = Math.max(max, a.modifyIndex);
    }
    return max == 0 ? allocsIndex : max;
  }

  /** The raft configuration: every server that has not left, voter or not. */
  List<Server> raftServers() {
    return servers.values().stream().filter(s -> !s.status.equals("left")).toList();
  }

  /** Voters in raft now: servers not left that vote. */
  List<Server> voters() {
    return servers.values().stream().filter(s -> s.voter && !s.status.equals("left")).toList();
  }

  int failureTolerance(Instant now) {
    List<Server> voters = voters();
    long healthy = voters.stream().filter(s -> healthy(s, now)).count();
    return (int) Math.max(0, healthy - Constraints.quorum(voters.size()));
  }

  static String uuid(String seed) {
    return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString();
  }

  static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  static Map<String, Object> copy(Map<String, ?> m) {
    return new HashMap<>(m);
  }
}
