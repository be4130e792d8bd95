package io.upkeep.octopus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import io.upkeep.http.HttpResponse;
import io.upkeep.octopus.internal.OctopusApi;
import io.upkeep.octopus.internal.Wire;
import io.upkeep.spi.ClusterPort;
import io.upkeep.spi.TimeSource;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ClusterPort} for an Octopus Deploy Server HA cluster, over its REST API. Core's concepts
 * map onto Octopus's as follows:
 *
 * <ul>
 *   <li><b>node</b>: an Octopus Server node, identified by its <em>name</em> (the opaque Octopus
 *       ids such as {@code OctopusServerNodes-1} are looked up by the adapter), all with role
 *       {@link #ROLE}, none a leader or voter; observed, with what follows, from {@code
 *       /api/octopusservernodes/summary}, which lists every node (offline ones too) with the fields
 *       of its resource and its status, so that an observation costs two requests (with maintenance
 *       mode), not three;
 *   <li><b>task cap</b>: {@code MaxConcurrentTasks}; <b>drain</b>: the node's {@code
 *       IsInMaintenanceMode} ({@code DRAINING} while {@code RunningTaskCount} is above 0, {@code
 *       DRAINED} at 0); both changed by GET-modify-PUT of the whole node resource, {@code
 *       MaxConcurrentTasks} always sent (0 too), and read back;
 *   <li><b>health</b>: {@code IsOffline} means {@link Health#UNREACHABLE}, else {@link
 *       Health#HEALTHY};
 *   <li><b>running work</b>: {@code RunningTaskCount} of {@code /api/octopusservernodes/summary}
 *       when observing; {@link #runningWork} counts precisely with {@code
 *       /api/tasks?node=...&states=Executing,Cancelling&spaces=all&includeSystem=true};
 *   <li><b>platform</b>: the product version is the summary's {@code Version} (else the root
 *       document's); the OS and .NET runtime are what each online node reports on its own address
 *       ({@link OctopusConfig#nodeUrl(String)}) in {@code /api/serverstatus/system-info} ({@code
 *       OSVersion}, {@code ClrVersion}), unless {@link OctopusConfig}'s lookup or per-node values
 *       say otherwise; without an own address, its default. It is read when a node is first seen
 *       online, again each time it is back after being seen offline or after the cluster could not
 *       be observed, and otherwise at most every {@link #PLATFORM_REFRESH}: an OS or .NET changes
 *       only across a restart, so a poll costs the two requests of an observation, not one more per
 *       node;
 *   <li><b>cluster maintenance mode</b>: {@code /api/maintenanceconfiguration};
 *   <li><b>remove member</b>: {@code DELETE /api/octopusservernodes/{id}}, refused unless the node
 *       is offline, or drained and idle;
 *   <li><b>waiting for a change</b>: polling through the configured {@link TimeSource} (Octopus has
 *       no blocking queries), adaptively: while a node drains with tasks still running, the summary
 *       alone, soon after the drain began every {@link OctopusConfig#fastPollInterval()}, then less
 *       often as the drain lasts; otherwise the whole cluster every {@link
 *       OctopusConfig#pollInterval()} (see {@link #awaitChange});
 *   <li><b>constraints</b>: none beyond the configured minimum capacity. Product upgrades by adding
 *       nodes are refused by {@link OctopusProcedures#validate}.
 * </ul>
 *
 * <p>Errors: 401 and 403 become {@link OctopusCredentialException}, 404 on a node {@link
 * UnknownNodeException}, other refusals and malformed answers {@link OctopusApiException} with
 * Octopus's {@code ErrorMessage} and {@code Errors}. IO errors, 5xx and 429 are retried with
 * backoff by the transport, then reported as retryable. The API key is never logged or shown.
 *
 * <p>Thread-safe. Close it to release its connections.
 */
public final class OctopusClusterPort implements ClusterPort, AutoCloseable {

  /** The role of every Octopus Server node. */
  public static final Role ROLE = Role.of("octopus-node");

  private static final Logger LOG = LoggerFactory.getLogger(OctopusClusterPort.class);

  private static final String SUMMARY = "GET /api/octopusservernodes/summary";

  private final OctopusConfig config;
  private final OctopusApi api;
  private final TimeSource time;

  /** Octopus ids by node name, from the latest listing. */
  private final Map<String, String> ids = new ConcurrentHashMap<>();

  /**
   * How long what a node reported about its OS and runtime is used without asking again, while it
   * answers every poll: a restart too quick for any poll to see offline is noticed within this.
   */
  public static final Duration PLATFORM_REFRESH = Duration.ofMinutes(1);

  /** What each node last reported about its OS and runtime, by name. */
  private final Map<String, HostPlatform> reportedPlatforms = new ConcurrentHashMap<>();

  /**
   * When each node last answered about its OS and runtime, by name; forgotten when it is seen
   * offline or the cluster cannot be observed, so that it is asked again when it is back.
   */
  private final Map<String, Instant> platformReadAt = new ConcurrentHashMap<>();

  /**
   * Nodes this port deleted, so that removing them again is the no-op the port contract asks for.
   */
  private final Set<String> removed = ConcurrentHashMap.newKeySet();

  /**
   * Since when each node has been seen draining with tasks running, by name, for the pace of
   * awaitChange's polls; forgotten as soon as an observation shows it otherwise. It only paces
   * polls: nothing is decided on it.
   */
  private final Map<String, Instant> drainingSince = new ConcurrentHashMap<>();

  /**
   * How much of a drain's age awaitChange waits between two polls of it: a drain that has lasted
   * ten minutes is polled every minute (bounded by the poll interval), one of seconds every fast
   * poll interval; so the end of a drain is seen within about a tenth of its length, at a few dozen
   * requests however long it takes.
   */
  static final int DRAIN_AGE_PER_POLL = 10;

  private final Object handoffLock = new Object();

  /**
   * The observation awaitChange made last, for the observe() that follows it; guarded by
   * handoffLock.
   */
  private ClusterSnapshot handoff;

  /**
   * The last observation that succeeded, for a single server's own downtime; guarded by
   * handoffLock.
   */
  private ClusterSnapshot lastGood;

  private boolean outageReported;

  private OctopusClusterPort(OctopusConfig config) {
    this.config = config;
    this.api = new OctopusApi(config);
    this.time = config.time();
  }

  /** A port for the cluster {@code config} describes. Sends nothing until first used. */
  public static OctopusClusterPort create(OctopusConfig config) {
    return new OctopusClusterPort(Objects.requireNonNull(config, "config"));
  }

  /** The configuration this port uses. */
  /**
   * The configured {@link OctopusConfig#time()}: a run through this port uses it, and may use no
   * other.
   */
  @Override
  public java.util.Optional<io.upkeep.spi.TimeSource> time() {
    return java.util.Optional.of(config.time());
  }

  public OctopusConfig config() {
    return config;
  }

  // ------------------------------------------------------------------ observing

  /**
   * Reads every node with its status ({@code /api/octopusservernodes/summary}: each node's {@code
   * Id}, {@code Name}, {@code MaxConcurrentTasks} and {@code IsInMaintenanceMode} as its resource
   * has them, and its {@code IsOffline} and {@code RunningTaskCount}, offline nodes included) and
   * maintenance mode ({@code /api/maintenanceconfiguration}): two requests. The observation with
   * which {@link #awaitChange} ended its wait is returned instead, once, if it is younger than
   * {@link OctopusConfig#fastPollInterval()} (as fresh as the fastest polling would be) and this
   * port has sent no change since.
   *
   * <p>When no node answers at all (the server is unreachable, or answers 5xx or 429 after the
   * retries) and the last observation had at most one healthy node, this is a single Octopus Server
   * that is down, which its own patching and clone-and-migrate do on purpose: then the last
   * observed members are reported again, unchanged but {@link Health#UNREACHABLE} (running work and
   * drain as last seen, so nothing looks idle that was not), so that the run can go on with its
   * host steps until the server is back. With more healthy nodes last seen, the failure is thrown,
   * and the run retries.
   *
   * @throws OctopusCredentialException if the key or its permissions are refused
   * @throws OctopusApiException if Octopus refuses or answers something unreadable
   * @throws ClusterOperationException (retryable) if the server cannot be reached, see above
   */
  @Override
  public ClusterSnapshot observe() {
    ClusterSnapshot last;
    synchronized (handoffLock) {
      ClusterSnapshot h = handoff;
      handoff = null;
      // The executor observes right after a wait: the wait's last observation is as fresh as a
      // new one, unless this port changed something since (forgetHandoff) or time went on.
      if (h != null && time.now().isBefore(h.observedAt().plus(config.fastPollInterval()))) {
        return h;
      }
    }
    try {
      return fetch(null);
    } catch (ClusterOperationException e) {
      synchronized (handoffLock) {
        last = lastGood;
        if (!e.retryable()
            || last == null
            || last.nodes().stream().filter(n -> n.health() == Health.HEALTHY).count() > 1) {
          throw e;
        }
        if (!outageReported) {
          outageReported = true;
          LOG.warn(
              "no Octopus node answers, as expected while a single server is stopped; reporting {} as unreachable "
                  + "until it is back: {}",
              last.ids(),
              e.getMessage());
        }
      }
      List<Node> down = last.nodes().stream().map(n -> n.withHealth(Health.UNREACHABLE)).toList();
      return new ClusterSnapshot(time.now(), down, last.maintenanceMode());
    }
  }

  /**
   * Observes the cluster now, with {@code polled} as its summary if awaitChange has just read it,
   * else reading it too.
   */
  private ClusterSnapshot fetch(Map<String, JsonNode> polled) {
    Instant at = time.now();
    Map<String, JsonNode> summary = polled != null ? polled : answering(api::summary);
    JsonNode maintenanceConfiguration = answering(api::maintenance);
    boolean maintenance =
        Wire.bool(
            maintenanceConfiguration,
            "IsInMaintenanceMode",
            "the answer",
            "GET /api/maintenanceconfiguration");
    String rootVersion = null;
    List<Node> nodes = new ArrayList<>(summary.size());
    Map<String, String> names = new LinkedHashMap<>();
    for (JsonNode s : summary.values()) {
      Entry e = Entry.of(s);
      String other = names.put(e.name(), e.id());
      if (other != null) {
        throw new OctopusApiException(
            "two Octopus nodes are named '"
                + e.name()
                + "' ("
                + other
                + " and "
                + e.id()
                + "): node names must be unique for Upkeep to tell them apart; delete the stale node record in "
                + "Configuration > Nodes",
            false,
            "",
            "",
            200,
            "",
            List.of());
      }
      String versionText = Wire.optionalText(s, "Version");
      if (versionText == null) {
        // Older servers have no Version in the summary: every node of a cluster runs the same one.
        if (rootVersion == null) {
          rootVersion = Wire.text(api.root(), "Version", "the answer", "GET /api");
        }
        versionText = rootVersion;
      }
      HostPlatform host = hostPlatform(e.name(), !e.offline(), at);
      DrainState drainState = e.drainState();
      if (drainState == DrainState.DRAINING) {
        drainingSince.putIfAbsent(e.name(), at);
      } else {
        drainingSince.remove(e.name());
      }
      nodes.add(
          new Node(
              NodeId.of(e.name()),
              ROLE,
              new Platform(host.os(), host.runtime(), version(versionText, e.name())),
              e.cap(),
              drainState,
              e.offline() ? Health.UNREACHABLE : Health.HEALTHY,
              false,
              false,
              e.running(),
              true));
    }
    ids.keySet().retainAll(names.keySet());
    ids.putAll(names);
    reportedPlatforms.keySet().retainAll(names.keySet());
    platformReadAt.keySet().retainAll(names.keySet());
    drainingSince.keySet().retainAll(names.keySet());
    ClusterSnapshot snapshot = new ClusterSnapshot(at, nodes, maintenance);
    synchronized (handoffLock) {
      lastGood = snapshot;
      outageReported = false;
    }
    return snapshot;
  }

  /**
   * One node of {@code /api/octopusservernodes/summary}: every field of the node resource that
   * observing needs ({@code Id}, {@code Name}, {@code MaxConcurrentTasks}, {@code
   * IsInMaintenanceMode}) and its status ({@code IsOffline}, {@code RunningTaskCount}).
   */
  private record Entry(
      String id, String name, TaskCap cap, boolean drain, boolean offline, int running) {

    static Entry of(JsonNode s) {
      String id = Wire.text(s, "Id", "Nodes[]", SUMMARY);
      String where = "Nodes[" + id + "]";
      return new Entry(
          id,
          Wire.text(s, "Name", where, SUMMARY),
          TaskCap.of(Wire.count(s, "MaxConcurrentTasks", where, SUMMARY)),
          Wire.bool(s, "IsInMaintenanceMode", where, SUMMARY),
          Wire.bool(s, "IsOffline", where, SUMMARY),
          Wire.count(s, "RunningTaskCount", where, SUMMARY));
    }

    /**
     * {@code DRAINING} while a drained node still runs tasks, {@code DRAINED} once it runs none.
     */
    DrainState drainState() {
      return !drain ? DrainState.ACTIVE : running > 0 ? DrainState.DRAINING : DrainState.DRAINED;
    }
  }

  /**
   * What {@code call} answers; if the cluster does not answer, nodes are asked for their platform
   * again.
   */
  private <T> T answering(Supplier<T> call) {
    try {
      return call.get();
    } catch (ClusterOperationException e) {
      // Nothing answers: every node may be restarting, unseen; ask each again when it is back.
      platformReadAt.clear();
      throw e;
    }
  }

  /**
   * The OS and runtime of the node named {@code name}: the configured lookup's answer if it has one
   * (an override), else the node's configured value, else what the node itself reports on its own
   * address in {@code /api/serverstatus/system-info} ({@code OSVersion}, {@code ClrVersion}), read
   * as the class documentation says (an OS or .NET changes only while its node is down; meanwhile,
   * and while it does not answer, what it reported last: a lag, not a guess), else the configured
   * default.
   */
  private HostPlatform hostPlatform(String name, boolean online, Instant at) {
    Optional<HostPlatform> given;
    try {
      given = config.givenHostPlatformOf(name);
    } catch (RuntimeException e) {
      throw new ClusterOperationException(
          "the host platform lookup failed for node "
              + name
              + ": "
              + e
              + "; fix the HostPlatformLookup given to OctopusConfig",
          true,
          e);
    }
    if (given.isPresent()) {
      return given.get();
    }
    if (!online) {
      platformReadAt.remove(name);
    }
    Instant readAt = platformReadAt.get(name);
    boolean fresh = readAt != null && at.isBefore(readAt.plus(PLATFORM_REFRESH));
    Optional<URI> own = online && !fresh ? config.nodeUrl(name) : Optional.empty();
    Optional<HostPlatform> now = own.flatMap(url -> reported(name, url));
    now.ifPresent(
        p -> {
          reportedPlatforms.put(name, p);
          platformReadAt.put(name, at);
        });
    return now.orElseGet(() -> reportedPlatforms.getOrDefault(name, config.defaultHostPlatform()));
  }

  /** What the node reports about its machine on its own address, or empty if it does not say. */
  private Optional<HostPlatform> reported(String name, URI own) {
    String url = own.toString().replaceAll("/+$", "") + OctopusApi.SYSTEM_INFO;
    try {
      HttpResponse r = api.getRaw(url);
      if (!r.ok()) {
        LOG.debug(
            "{}: GET {} answered HTTP {}; using the configured host platform",
            name,
            url,
            r.status());
        return Optional.empty();
      }
      JsonNode info = r.json();
      String os = Wire.optionalText(info, "OSVersion");
      String runtime = Wire.optionalText(info, "ClrVersion");
      return os == null || os.isBlank()
          ? Optional.empty()
          : Optional.of(HostPlatform.of(os, runtime == null ? "" : runtime));
    } catch (ClusterOperationException e) {
      LOG.debug(
          "{}: GET {} failed ({}); using the configured host platform", name, url, e.getMessage());
      return Optional.empty();
    }
  }

  private static Version version(String text, String node) {
    try {
      return Version.of(text);
    } catch (IllegalArgumentException e) {
      throw new OctopusApiException(
          "node "
              + node
              + " reports the version '"
              + text
              + "', which is not a dotted "
              + "version such as 2024.1.10309; is the base URL pointing at an Octopus Server?",
          false,
          "",
          "",
          200,
          "",
          List.of());
    }
  }

  /** No rule beyond the configured minimum capacity: Octopus nodes have no quorum and no leader. */
  @Override
  public Constraints constraints() {
    return Constraints.NONE.withMinimumCapacity(config.minimumCapacity());
  }

  // ------------------------------------------------------------------ changes

  /**
   * Sets the node's {@code MaxConcurrentTasks} by GET-modify-PUT of its resource, and reads it
   * back.
   *
   * @throws IllegalArgumentException if {@code cap} is {@link TaskCap#UNLIMITED}: Octopus caps are
   *     finite
   * @throws UnknownNodeException if Octopus has no node of that name
   */
  @Override
  public void setTaskCap(NodeId node, TaskCap cap) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(cap, "cap");
    if (cap.isUnlimited()) {
      throw new IllegalArgumentException(
          "Octopus task caps are finite: give " + node + " a number, such as TaskCap.of(5)");
    }
    modify(
        node,
        "task cap " + cap,
        r -> r.path("MaxConcurrentTasks").asInt(-1) == cap.value(),
        r -> r.put("MaxConcurrentTasks", cap.value()));
  }

  /**
   * Drains the node (its {@code IsInMaintenanceMode} on): it starts no new task and finishes those
   * it runs. Octopus never interrupts them, so {@code deadline} is not passed on; the executor
   * applies it.
   *
   * @throws UnknownNodeException if Octopus has no node of that name
   */
  @Override
  public void drain(NodeId node, Instant deadline) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(deadline, "deadline");
    modify(
        node,
        "drain on",
        r -> r.path("IsInMaintenanceMode").asBoolean(false),
        r -> r.put("IsInMaintenanceMode", true));
  }

  /**
   * Lets the node take tasks again (its {@code IsInMaintenanceMode} off).
   *
   * @throws UnknownNodeException if Octopus has no node of that name
   */
  @Override
  public void undrain(NodeId node) {
    Objects.requireNonNull(node, "node");
    modify(
        node,
        "drain off",
        r -> !r.path("IsInMaintenanceMode").asBoolean(true),
        r -> r.put("IsInMaintenanceMode", false));
  }

  private void modify(
      NodeId node, String what, Predicate<ObjectNode> done, Consumer<ObjectNode> change) {
    String id = idOf(node);
    ObjectNode resource;
    try {
      resource = api.node(id, node);
    } catch (UnknownNodeException e) {
      ids.remove(node.value(), id);
      throw e;
    }
    String request = "GET /api/octopusservernodes/" + id;
    // Both writable fields must travel back: a PUT without MaxConcurrentTasks would set the cap to
    // 0.
    Wire.count(resource, "MaxConcurrentTasks", "the node", request);
    Wire.bool(resource, "IsInMaintenanceMode", "the node", request);
    if (done.test(resource)) {
      return;
    }
    change.accept(resource);
    forgetHandoff();
    ObjectNode stored = api.putNode(id, node, resource);
    if (!done.test(stored)) {
      throw new ClusterOperationException(
          "Octopus accepted PUT /api/octopusservernodes/"
              + id
              + " for "
              + node
              + " but answered with the node without "
              + what
              + "; it will be asked again",
          true);
    }
    LOG.info("{}: {} (Octopus node {})", node, what, id);
  }

  /**
   * Turns global maintenance mode ({@code /api/maintenanceconfiguration}) on or off: while on, only
   * administrators can change anything or queue tasks; running and already queued tasks still run.
   */
  @Override
  public void setMaintenanceMode(boolean on) {
    String request = "GET /api/maintenanceconfiguration";
    ObjectNode resource = api.maintenance();
    if (Wire.bool(resource, "IsInMaintenanceMode", "the answer", request) == on) {
      return;
    }
    resource.put("IsInMaintenanceMode", on);
    forgetHandoff();
    ObjectNode stored = api.putMaintenance(resource);
    if (stored.path("IsInMaintenanceMode").asBoolean(!on) != on) {
      throw new ClusterOperationException(
          "Octopus accepted PUT /api/maintenanceconfiguration but still reports "
              + "maintenance mode "
              + (on ? "off" : "on")
              + "; it will be asked again",
          true);
    }
    LOG.info("cluster maintenance mode {}", on ? "on" : "off");
  }

  /**
   * The tasks executing or cancelling on the node, in every configured space and the system tasks:
   * {@code TotalResults} of {@code
   * /api/tasks?node=...&states=Executing,Cancelling&spaces=...&includeSystem=true}.
   *
   * @throws UnknownNodeException if Octopus has no node of that name
   */
  @Override
  public int runningWork(NodeId node) {
    Objects.requireNonNull(node, "node");
    return api.runningTasks(idOf(node), node);
  }

  /**
   * Deletes the node's record, which Octopus allows only once it has nothing to do: it must be
   * offline (its service stopped), or drained with no task running. Removing a node this port
   * already removed does nothing.
   *
   * @throws ClusterOperationException (not retryable) if the node is online and not drained and
   *     idle
   * @throws UnknownNodeException if Octopus has no node of that name
   */
  /**
   * Cancels each task executing on {@code node} through the API ({@code POST
   * /api/tasks/{id}/cancel}), as the documented drain script does when a drain's deadline passes; a
   * task that completed meanwhile is skipped, and one already cancelling is left to its node.
   */
  @Override
  public int cancelWork(NodeId node) {
    Objects.requireNonNull(node, "node");
    int asked = 0;
    for (String task : api.executingTasks(idOf(node), node)) {
      if (api.cancelTask(task)) {
        asked++;
        LOG.warn("{}: canceled task {} still running after the drain deadline", node, task);
      }
    }
    return asked;
  }

  @Override
  public void removeMember(NodeId node) {
    Objects.requireNonNull(node, "node");
    if (removed.contains(node.value()) && !ids.containsKey(node.value())) {
      refreshIds();
      if (!ids.containsKey(node.value())) {
        return;
      }
    }
    String id = idOf(node);
    JsonNode s = api.summary().get(id);
    Entry e = s == null ? null : Entry.of(s);
    boolean offline = e == null || e.offline();
    boolean drained = e != null && e.drain();
    int running = e == null ? 0 : e.running();
    if (!offline && !(drained && running == 0)) {
      throw new ClusterOperationException(
          "cannot remove "
              + node
              + " from the Octopus cluster: it is online and "
              + (drained ? "drained but still runs " + running + " task(s)" : "not drained")
              + "; drain it and wait until its tasks have finished, or stop its Octopus Server service first "
              + "(a running node would register itself again, and tasks of a deleted node are failed)",
          false);
    }
    if (offline && running > 0) {
      LOG.warn(
          "{}: deleting offline node {} that still shows {} running task(s); Octopus fails them",
          node,
          id,
          running);
    }
    forgetHandoff();
    api.deleteNode(id, node);
    ids.remove(node.value(), id);
    removed.add(node.value());
    LOG.info("{}: removed from the Octopus cluster (Octopus node {})", node, id);
  }

  /**
   * Polls the cluster through the configured {@link TimeSource} until it differs from {@code since}
   * (its nodes or maintenance mode) or {@code maxWait} has passed, adaptively:
   *
   * <ul>
   *   <li>while a change is due, that is while a node of {@code since} drains with tasks still
   *       running, it reads only the summary ({@code /api/octopusservernodes/summary}, one
   *       request), at a gap of a tenth of the youngest such drain's age ({@link
   *       #DRAIN_AGE_PER_POLL}), no shorter than {@link OctopusConfig#fastPollInterval()} and no
   *       longer than {@link OctopusConfig#pollInterval()}; when a node's membership, task cap,
   *       drain state (a drain ending included) or health is not as in {@code since}, it completes
   *       the observation with that summary and returns;
   *   <li>otherwise it observes the whole cluster every {@link OctopusConfig#pollInterval()}.
   * </ul>
   *
   * <p>At {@code maxWait} it observes the whole cluster and compares all of it. The observation
   * that ends the wait serves the {@link #observe()} that follows. A poll that cannot reach the
   * server ends the wait early (true), so that the caller's own observation reports the problem.
   *
   * @throws IllegalArgumentException if {@code maxWait} is negative
   */
  @Override
  public boolean awaitChange(ClusterSnapshot since, Duration maxWait) {
    Objects.requireNonNull(since, "since");
    Objects.requireNonNull(maxWait, "maxWait");
    if (maxWait.isNegative()) {
      throw new IllegalArgumentException("maxWait must not be negative, got " + maxWait);
    }
    List<String> draining =
        since.nodes().stream()
            .filter(n -> n.drainState() == DrainState.DRAINING)
            .map(n -> n.id().value())
            .toList();
    Duration left = maxWait;
    while (true) {
      Duration step =
          shorter(left, draining.isEmpty() ? config.pollInterval() : drainPollGap(draining));
      time.sleep(step);
      left = left.minus(step);
      ClusterSnapshot now;
      try {
        if (!left.isZero() && !draining.isEmpty()) {
          Map<String, JsonNode> summary = answering(api::summary);
          if (!moved(since, summary)) {
            continue;
          }
          now = fetch(summary);
        } else {
          now = fetch(null);
        }
      } catch (ClusterOperationException e) {
        if (!e.retryable()) {
          throw e;
        }
        LOG.debug("polling the Octopus cluster failed, ending the wait: {}", e.getMessage());
        return true;
      }
      boolean changed =
          now.maintenanceMode() != since.maintenanceMode() || !now.nodes().equals(since.nodes());
      if (changed || left.isZero()) {
        synchronized (handoffLock) {
          handoff = now;
        }
        return changed;
      }
    }
  }

  /**
   * The gap before the next poll while the nodes named {@code draining} drain: a tenth of the
   * youngest drain's age as observed, between the fast and the slow poll interval.
   */
  private Duration drainPollGap(List<String> draining) {
    Instant now = time.now();
    Duration youngest =
        draining.stream()
            .map(name -> Duration.between(drainingSince.getOrDefault(name, now), now))
            .min(Comparator.naturalOrder())
            .orElse(Duration.ZERO);
    Duration slow = config.pollInterval();
    Duration fast = shorter(config.fastPollInterval(), slow);
    Duration gap = youngest.dividedBy(DRAIN_AGE_PER_POLL);
    return gap.compareTo(fast) < 0 ? fast : shorter(gap, slow);
  }

  private static Duration shorter(Duration a, Duration b) {
    return a.compareTo(b) < 0 ? a : b;
  }

  /**
   * Whether {@code summary} shows a node that joined, left, or has another task cap, drain state or
   * health than in {@code since}: what a change due shows in. Running task counts that change
   * without ending a drain do not count; the observation at the end of the wait compares them.
   */
  private static boolean moved(ClusterSnapshot since, Map<String, JsonNode> summary) {
    if (summary.size() != since.nodes().size()) {
      return true;
    }
    for (JsonNode s : summary.values()) {
      Entry e = Entry.of(s);
      Optional<Node> before = since.find(NodeId.of(e.name()));
      if (before.isEmpty()
          || !e.cap().equals(before.get().taskCap())
          || e.drainState() != before.get().drainState()
          || e.offline() != (before.get().health() != Health.HEALTHY)) {
        return true;
      }
    }
    return false;
  }

  // ------------------------------------------------------------------ versions and probes

  /**
   * The product version the cluster reports in its root document ({@code GET /api}), such as {@code
   * 2024.1.10309}.
   */
  public Version productVersion() {
    return version(
        Wire.text(api.root(), "Version", "the answer", "GET /api"), "answering the load balancer");
  }

  /**
   * The direct probe, named {@value OctopusNodeProbe#DIRECT}: calls a node's own address (never the
   * load balancer) for {@code /api/octopusservernodes/ping} and {@code /api}, and passes when both
   * answer, the {@code Octopus-Node} header names the node and its version is the observed one. A
   * drained node answers ping with 418 and does not pass; see {@link #nodeApiProbe()} for one that
   * tolerates that.
   */
  public OctopusNodeProbe nodeProbe() {
    return new OctopusNodeProbe(OctopusNodeProbe.DIRECT, true, api, config);
  }

  /**
   * The direct probe without ping, named {@value OctopusNodeProbe#API_ONLY}: for nodes verified
   * while still drained (in-place patching), whose ping answers 418 by design.
   */
  public OctopusNodeProbe nodeApiProbe() {
    return new OctopusNodeProbe(OctopusNodeProbe.API_ONLY, false, api, config);
  }

  /**
   * The gate that watches each node's failed and timed-out tasks during its soaks against the other
   * nodes', named {@value OctopusTaskGate#NAME}; see {@link OctopusTaskGate}.
   *
   * @param maxFailures how many failed tasks a node may have before its share is compared with the
   *     others' (0: any failure counts)
   * @throws IllegalArgumentException if {@code maxFailures} is negative
   */
  public OctopusTaskGate taskGate(int maxFailures) {
    return new OctopusTaskGate(api, config, n -> idOf(n.id()), maxFailures);
  }

  /**
   * The trial's health check ({@value OctopusTrialHealthCheck#NAME}), queued in space {@code
   * spaceId} for environment {@code environmentId}; see {@link OctopusTrialHealthCheck}.
   *
   * @throws IllegalArgumentException if an id is blank
   */
  public OctopusTrialHealthCheck trialHealthCheck(String spaceId, String environmentId) {
    return new OctopusTrialHealthCheck(api, this::idOf, spaceId, environmentId);
  }

  /**
   * The wait for a quiet queue before a trial ({@value OctopusQuietQueue#NAME}): done once at most
   * {@code maxTasks} tasks are queued or running; see {@link OctopusQuietQueue}.
   *
   * @throws IllegalArgumentException if {@code maxTasks} is negative
   */
  public OctopusQuietQueue quietQueue(int maxTasks) {
    return new OctopusQuietQueue(api, maxTasks);
  }

  @Override
  public long requestsSent() {
    return api.requestsSent();
  }

  /** Releases the HTTP connections. */
  @Override
  public void close() {
    api.close();
  }

  @Override
  public String toString() {
    return "OctopusClusterPort[" + config.baseUrl() + "]";
  }

  // ------------------------------------------------------------------ names and ids

  private String idOf(NodeId node) {
    String id = ids.get(node.value());
    if (id == null) {
      refreshIds();
      id = ids.get(node.value());
    }
    if (id == null) {
      throw new UnknownNodeException(node, ids.keySet().stream().sorted().map(NodeId::of).toList());
    }
    return id;
  }

  private void refreshIds() {
    Map<String, String> names = new LinkedHashMap<>();
    for (JsonNode item : api.listNodes()) {
      String id = Wire.text(item, "Id", "Items[]", "GET /api/octopusservernodes");
      names.put(Wire.text(item, "Name", "Items[" + id + "]", "GET /api/octopusservernodes"), id);
    }
    ids.keySet().retainAll(names.keySet());
    ids.putAll(names);
  }

  private void forgetHandoff() {
    synchronized (handoffLock) {
      handoff = null;
    }
  }
}
