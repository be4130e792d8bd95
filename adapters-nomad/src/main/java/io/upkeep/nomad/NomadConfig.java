package io.upkeep.nomad;

import io.upkeep.NodeId;
import io.upkeep.Secret;
import io.upkeep.http.HttpSettings;
import io.upkeep.http.Tls;
import io.upkeep.spi.TimeSource;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * How {@link NomadClusterPort} reaches a Nomad region and which of Nomad's rules it applies.
 * Immutable and thread-safe; build with {@link #builder(URI)} or take {@link #ofDefaults(URI)}.
 * Every default is a public constant. {@link #toString()} never shows the token.
 *
 * <p>A final class rather than a record, so that it can gain settings without breaking callers:
 * build it with {@link #builder(URI)}, derive a variant with {@link #toBuilder()}, read it with the
 * accessors. Equal when every setting is (the token, the hooks and functions by identity).
 */
public final class NomadConfig {

  /** Default namespace. */
  public static final String DEFAULT_NAMESPACE = "default";

  /** Default longest single blocking query: Nomad's own default wait. */
  public static final Duration DEFAULT_BLOCKING_WAIT = Duration.ofMinutes(5);

  /** Default step between two looks at the cluster when waiting cannot block. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

  /**
   * The step of {@link Builder#virtualTime}: a virtual clock jumps a step for the price of a step's
   * two requests, so a finer one only multiplies requests (a second-long step cost a 7-node
   * rehearsal 13,000 of them); the executor itself looks every 10 s by default.
   */
  static final Duration VIRTUAL_TIME_POLL_INTERVAL = Duration.ofSeconds(10);

  /**
   * Default version window: one minor release per upgrade. Nomad's upgrade guide promised one point
   * release for years and says two since 2024; one is the conservative reading.
   */
  public static final int DEFAULT_MAX_MINOR_HOPS = 1;

  /**
   * Default longest time an observation is given again, when the port has neither changed anything
   * nor waited since it was made.
   */
  public static final Duration DEFAULT_OBSERVATION_REUSE = Duration.ofSeconds(1);

  /** Default longest age of a steady region's servers in a snapshot while clients are upgraded. */
  public static final Duration DEFAULT_SERVER_REFRESH = Duration.ofSeconds(30);

  /** Default age of an active client's allocation count in a snapshot. */
  public static final Duration DEFAULT_ACTIVE_WORK_REFRESH = Duration.ofMinutes(1);

  /**
   * Default grace before a stopped, removed server is forced to leave: none, as the upgrade guide.
   */
  public static final Duration DEFAULT_FORCE_LEAVE_AFTER = Duration.ZERO;

  /** Default trailing logs allowed by the health gate: autopilot's {@code max_trailing_logs}. */
  public static final long DEFAULT_MAX_TRAILING_LOGS = 250;

  /** What a server's operating system reads as when the operator does not say. */
  public static final String UNKNOWN_OS = "unknown";

  private final HttpSettings http;
  private final Optional<String> region;
  private final String namespace;
  private final Optional<Secret> token;
  private final TimeSource time;
  private final Duration blockingWait;
  private final Duration pollInterval;
  private final Duration observationReuse;
  private final Duration serverRefresh;
  private final int maxMinorHops;
  private final boolean ignoreSystemJobs;
  private final Duration activeWorkRefresh;
  private final Duration forceLeaveAfter;
  private final long maxTrailingLogs;
  private final Optional<PeersJsonHook> peersJsonRecovery;
  private final boolean transferLeadership;
  private final Function<NodeId, String> serverOs;

  private NomadConfig(Builder b) {
    http = b.http.build();
    region = Optional.ofNullable(b.region);
    namespace = b.namespace;
    token = Optional.ofNullable(b.token);
    time = b.time;
    blockingWait = b.blockingWait;
    pollInterval = b.pollInterval;
    observationReuse = b.observationReuse;
    serverRefresh = b.serverRefresh;
    maxMinorHops = b.maxMinorHops;
    ignoreSystemJobs = b.ignoreSystemJobs;
    activeWorkRefresh = b.activeWorkRefresh;
    forceLeaveAfter = b.forceLeaveAfter;
    maxTrailingLogs = b.maxTrailingLogs;
    peersJsonRecovery = Optional.ofNullable(b.peersJsonRecovery);
    transferLeadership = b.transferLeadership;
    serverOs = b.serverOs;
  }

  /**
   * Where and how to talk HTTP: the address of a Nomad server's HTTP API as {@code NOMAD_ADDR}
   * ({@code http://nomad.example:4646}), TLS and the client certificate for mutual TLS, timeouts,
   * the request deadline, the response size cap, retries with backoff (for IO errors and 5xx
   * answers) and the rate limit; blocking queries add their wait to the request timeout.
   */
  public HttpSettings http() {
    return http;
  }

  /** The region to act on ({@code region=} on every request), or empty for the agent's own. */
  public Optional<String> region() {
    return region;
  }

  /** The namespace whose allocations count as work ({@code *} for all). */
  public String namespace() {
    return namespace;
  }

  /** The ACL token sent as {@code X-Nomad-Token}, or empty when ACLs are off. */
  public Optional<Secret> token() {
    return token;
  }

  /**
   * The time source the adapter reads and waits on: the run's ({@code TimeSource.system()} in
   * production, the testkit's virtual clock in tests).
   */
  public TimeSource time() {
    return time;
  }

  /** The longest a single blocking query may wait in real time. */
  public Duration blockingWait() {
    return blockingWait;
  }

  /**
   * How far {@link NomadClusterPort#awaitChange} advances {@link #time} between two looks at the
   * cluster when a blocking query cannot cover the wait (see the class description of {@link
   * NomadClusterPort}).
   */
  public Duration pollInterval() {
    return pollInterval;
  }

  /**
   * How long {@link NomadClusterPort#observe} may answer with its previous observation when the
   * port has neither sent a change nor waited for one since: the executor observes again straight
   * after each action it takes, and what it did to a host it counts itself.
   */
  public Duration observationReuse() {
    return observationReuse;
  }

  /**
   * How old the servers in a snapshot may be while this port has clients drained and the servers
   * were steady when last read (see {@link NomadClusterPort#observe}); otherwise they are read at
   * every observation.
   */
  public Duration serverRefresh() {
    return serverRefresh;
  }

  /** The widest supported version jump in minor releases. */
  public int maxMinorHops() {
    return maxMinorHops;
  }

  /**
   * Whether drains leave {@code system} jobs running and running work does not count them (Nomad's
   * {@code -ignore-system}).
   */
  public boolean ignoreSystemJobs() {
    return ignoreSystemJobs;
  }

  /**
   * How old an active client's count of running allocations may be in a snapshot (draining and
   * ineligible clients are counted at every observation).
   */
  public Duration activeWorkRefresh() {
    return activeWorkRefresh;
  }

  /**
   * How long a removed server may stay {@code failed} before it is forced to leave with {@code
   * force-leave}.
   */
  public Duration forceLeaveAfter() {
    return forceLeaveAfter;
  }

  /**
   * How many raft log entries a server may trail the leader by and still pass the {@code
   * nomad-raft} health gate.
   */
  public long maxTrailingLogs() {
    return maxTrailingLogs;
  }

  /**
   * The operator's opt-in to Nomad's documented {@code peers.json} recovery, which makes an
   * in-place upgrade of a single-server region possible.
   */
  public Optional<PeersJsonHook> peersJsonRecovery() {
    return peersJsonRecovery;
  }

  /**
   * Whether the raft leader hands leadership to another healthy voter before its service is stopped
   * (a step {@link NomadProcedures#plan} places, which {@link NomadProcedures#executor} runs).
   */
  public boolean transferLeadership() {
    return transferLeadership;
  }

  /**
   * The operating system of each server as the operator knows it (Nomad does not report a server's
   * OS), for OS upgrades of servers; the adapter reads it through {@link
   * NomadOs#normalise(String)}, as it reads targets.
   */
  public Function<NodeId, String> serverOs() {
    return serverOs;
  }

  /** Equal to another NomadConfig with the same settings. */
  @Override
  public boolean equals(Object other) {
    if (this == other) {
      return true;
    }
    if (!(other instanceof NomadConfig o)) {
      return false;
    }
    return http.equals(o.http)
        && region.equals(o.region)
        && namespace.equals(o.namespace)
        && token.equals(o.token)
        && time.equals(o.time)
        && blockingWait.equals(o.blockingWait)
        && pollInterval.equals(o.pollInterval)
        && observationReuse.equals(o.observationReuse)
        && serverRefresh.equals(o.serverRefresh)
        && maxMinorHops == o.maxMinorHops
        && ignoreSystemJobs == o.ignoreSystemJobs
        && activeWorkRefresh.equals(o.activeWorkRefresh)
        && forceLeaveAfter.equals(o.forceLeaveAfter)
        && maxTrailingLogs == o.maxTrailingLogs
        && peersJsonRecovery.equals(o.peersJsonRecovery)
        && transferLeadership == o.transferLeadership
        && serverOs.equals(o.serverOs);
  }

  /** A hash of every setting. */
  @Override
  public int hashCode() {
    return Objects.hash(
        http,
        region,
        namespace,
        token,
        time,
        blockingWait,
        pollInterval,
        observationReuse,
        serverRefresh,
        maxMinorHops,
        ignoreSystemJobs,
        activeWorkRefresh,
        forceLeaveAfter,
        maxTrailingLogs,
        peersJsonRecovery,
        transferLeadership,
        serverOs);
  }

  /** A builder for the server at {@code address} with every default. Not thread-safe. */
  public static Builder builder(URI address) {
    return new Builder(address);
  }

  /** A builder holding this configuration's settings, to derive a variant. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Every default, for the server at {@code address}: no token, the JDK's CA certificates, system
   * time.
   *
   * @throws IllegalArgumentException if the address is not absolute http(s)
   */
  public static NomadConfig ofDefaults(URI address) {
    return builder(address).build();
  }

  /** The Nomad server's HTTP API, as {@code NOMAD_ADDR}. */
  public URI address() {
    return http.baseUri();
  }

  /** The settings, with the token shown only as where it comes from. */
  @Override
  public String toString() {
    return "NomadConfig[address="
        + address()
        + ", region="
        + region.orElse("(agent's)")
        + ", namespace="
        + namespace
        + ", token="
        + token.map(Secret::toString).orElse("none")
        + ", tls="
        + (http.tls().verify() ? "verified" : "insecure")
        + (http.tls().clientCertificatePem().isPresent() ? " with client certificate" : "")
        + ", maxAttempts="
        + http.maxAttempts()
        + ", blockingWait="
        + blockingWait
        + ", pollInterval="
        + pollInterval
        + ", observationReuse="
        + observationReuse
        + ", serverRefresh="
        + serverRefresh
        + ", maxMinorHops="
        + maxMinorHops
        + ", ignoreSystemJobs="
        + ignoreSystemJobs
        + ", peersJsonRecovery="
        + peersJsonRecovery.isPresent()
        + ", transferLeadership="
        + transferLeadership
        + "]";
  }

  /**
   * Builds a {@link NomadConfig}; every setter validates at once. Not thread-safe. New settings
   * arrive as new setters with a default, so code that builds a configuration keeps compiling and
   * linking.
   */
  public static final class Builder {
    private final URI address;
    private String region;
    private String namespace = DEFAULT_NAMESPACE;
    private Secret token;
    private final HttpSettings.Builder http;
    private TimeSource time = TimeSource.system();
    private Duration blockingWait = DEFAULT_BLOCKING_WAIT;
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private Duration observationReuse = DEFAULT_OBSERVATION_REUSE;
    private Duration serverRefresh = DEFAULT_SERVER_REFRESH;
    private int maxMinorHops = DEFAULT_MAX_MINOR_HOPS;
    private boolean ignoreSystemJobs;
    private Duration activeWorkRefresh = DEFAULT_ACTIVE_WORK_REFRESH;
    private Duration forceLeaveAfter = DEFAULT_FORCE_LEAVE_AFTER;
    private long maxTrailingLogs = DEFAULT_MAX_TRAILING_LOGS;
    private PeersJsonHook peersJsonRecovery;
    private boolean transferLeadership = true;
    private Function<NodeId, String> serverOs = id -> UNKNOWN_OS;

    private Builder(URI address) {
      this.address = Objects.requireNonNull(address, "address");
      checkAddress(address);
      this.http = HttpSettings.builder(address);
    }

    private Builder(NomadConfig c) {
      address = c.address();
      http = c.http.toBuilder();
      region = c.region.orElse(null);
      namespace = c.namespace;
      token = c.token.orElse(null);
      time = c.time;
      blockingWait = c.blockingWait;
      pollInterval = c.pollInterval;
      observationReuse = c.observationReuse;
      serverRefresh = c.serverRefresh;
      maxMinorHops = c.maxMinorHops;
      ignoreSystemJobs = c.ignoreSystemJobs;
      activeWorkRefresh = c.activeWorkRefresh;
      forceLeaveAfter = c.forceLeaveAfter;
      maxTrailingLogs = c.maxTrailingLogs;
      peersJsonRecovery = c.peersJsonRecovery.orElse(null);
      transferLeadership = c.transferLeadership;
      serverOs = c.serverOs;
    }

    /**
     * The region to act on; default the region of the agent at the address.
     *
     * @throws IllegalArgumentException if blank
     */
    public Builder region(String value) {
      Objects.requireNonNull(value, "region");
      if (value.isBlank()) {
        throw new IllegalArgumentException("region must not be blank");
      }
      region = value;
      return this;
    }

    /**
     * The namespace whose allocations count as running work; default {@value #DEFAULT_NAMESPACE};
     * {@code *} for all. (Node allocation listings are not filtered by namespace in Nomad; this is
     * sent for ACL resolution.)
     *
     * @throws IllegalArgumentException if blank
     */
    public Builder namespace(String value) {
      Objects.requireNonNull(value, "namespace");
      if (value.isBlank()) {
        throw new IllegalArgumentException("namespace must not be blank: use \"default\" or \"*\"");
      }
      namespace = value;
      return this;
    }

    /**
     * The ACL token, sent as {@code X-Nomad-Token}: {@code Secret.of(value)}, {@code
     * Secret.fromEnvironment("NOMAD_TOKEN")} or {@code Secret.fromFile(path)}. It needs {@code
     * node:read}, {@code node:write}, {@code agent:read}, {@code agent:write}, {@code
     * operator:read} and {@code namespace:read-job}; with {@code management} the adapter can also
     * transfer leadership, and reads the raft configuration when the region has no leader. Default:
     * none (ACLs off).
     */
    public Builder token(Secret value) {
      token = Objects.requireNonNull(value, "token");
      return this;
    }

    /**
     * TLS: {@code Tls.caCertificate(Path.of("nomad-ca.pem"))} as Nomad's {@code ca_file}, plus
     * {@code .withClientCertificate(cert, key)} for mutual TLS ({@code verify_https_client});
     * default the JDK's CA certificates.
     */
    public Builder tls(Tls value) {
      http.tls(value);
      return this;
    }

    /**
     * How long to wait for a connection; default 5 s. @throws IllegalArgumentException if not
     * positive
     */
    public Builder connectTimeout(Duration value) {
      http.connectTimeout(value);
      return this;
    }

    /**
     * How long to wait for an ordinary answer; default 30 s. @throws IllegalArgumentException if
     * not positive
     */
    public Builder requestTimeout(Duration value) {
      http.requestTimeout(value);
      return this;
    }

    /**
     * The longest one ordinary attempt may take in all, however slowly the server sends its answer;
     * default 60 s. Blocking queries get their own, longer, timeout as their deadline.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder requestDeadline(Duration value) {
      http.requestDeadline(value);
      return this;
    }

    /**
     * The most bytes of an answer that are read; default 16 MiB. @throws IllegalArgumentException
     * if below 1
     */
    public Builder maxResponseBytes(int value) {
      http.maxResponseBytes(value);
      return this;
    }

    /**
     * Attempts per request for IO errors and 5xx answers (never for 4xx), the first included;
     * default {@link HttpSettings#DEFAULT_MAX_ATTEMPTS}.
     *
     * @throws IllegalArgumentException if below 1
     */
    public Builder maxAttempts(int value) {
      http.maxAttempts(value);
      return this;
    }

    /**
     * Exponential backoff between attempts, from {@code initial} up to {@code max}; zero for none
     * (tests).
     *
     * @throws IllegalArgumentException if a wait is negative, or max is below initial
     */
    public Builder backoff(Duration initial, Duration max) {
      http.backoff(initial, max);
      return this;
    }

    /**
     * The preset for tests on a virtual clock (the testkit's {@code VirtualClock}): {@code clock}
     * as the time source, no backoff between attempts, no rate limit to speak of, no real blocking
     * (waiting in real time cannot make a virtual cluster change), and a poll interval of 10 s.
     */
    public Builder virtualTime(TimeSource clock) {
      return time(clock)
          .backoff(Duration.ZERO, Duration.ZERO)
          .requestsPerSecond(HttpSettings.VIRTUAL_TIME_REQUESTS_PER_SECOND)
          .blockingWait(Duration.ZERO)
          .pollInterval(VIRTUAL_TIME_POLL_INTERVAL);
    }

    /**
     * Whether the token may go over plain {@code http} to a host other than this machine, where
     * anyone on the way can read it; default false: use the https address of a Nomad with TLS.
     * Plain http to {@code localhost} is always allowed, and so is any address without a token.
     */
    public Builder allowInsecureHttp(boolean value) {
      http.allowInsecureHttp(value);
      return this;
    }

    /** The most requests a second; default 20. @throws IllegalArgumentException if not positive */
    public Builder requestsPerSecond(double value) {
      http.requestsPerSecond(value);
      return this;
    }

    /**
     * The time source to read and wait on: the same as the executor's. Default {@code
     * TimeSource.system()}; in tests the testkit's {@code VirtualClock}, with {@link #blockingWait}
     * zero.
     */
    public Builder time(TimeSource value) {
      time = Objects.requireNonNull(value, "time");
      return this;
    }

    /**
     * The longest one blocking query may wait in real time; default {@link
     * NomadConfig#DEFAULT_BLOCKING_WAIT}. Zero makes {@code awaitChange} poll without blocking:
     * right for a virtual time source, where real waiting cannot make the cluster change.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder blockingWait(Duration value) {
      notNegative(value, "blockingWait");
      blockingWait = value;
      return this;
    }

    /**
     * How far {@code awaitChange} advances the time source between two looks at the cluster when it
     * polls; default {@link NomadConfig#DEFAULT_POLL_INTERVAL}.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder pollInterval(Duration value) {
      positive(value, "pollInterval");
      pollInterval = value;
      return this;
    }

    /**
     * How long {@code observe} may answer with its previous observation when the port has neither
     * sent a change nor waited for one since; default {@link
     * NomadConfig#DEFAULT_OBSERVATION_REUSE}; zero to read the region at every observation. Each
     * change the port sends and each wait ({@code awaitChange}) ends it, so it spares only the
     * observations the executor makes straight after its own actions, none of which it decides on
     * without counting what it did itself.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder observationReuse(Duration value) {
      notNegative(value, "observationReuse");
      observationReuse = value;
      return this;
    }

    /**
     * How old a steady region's servers may be in a snapshot while the port has clients drained;
     * default {@link NomadConfig#DEFAULT_SERVER_REFRESH}; zero to read them at every observation.
     * Servers have no blocking query, so each read costs two requests; servers are upgraded before
     * clients, one at a time, so while a client drained by this port is out of service no server is
     * stopped, and a steady region is read again at least this often. Servers that are not steady
     * (one down, unhealthy or catching up, no leader, autopilot below its full failure tolerance)
     * are read at every observation.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder serverRefresh(Duration value) {
      notNegative(value, "serverRefresh");
      serverRefresh = value;
      return this;
    }

    /**
     * The widest supported version jump, in minor releases; default {@link
     * NomadConfig#DEFAULT_MAX_MINOR_HOPS}. Wider jumps are refused unless the policy forces them.
     *
     * @throws IllegalArgumentException if below 1
     */
    public Builder maxMinorHops(int value) {
      if (value < 1) {
        throw new IllegalArgumentException("maxMinorHops must be 1 or more, got " + value);
      }
      maxMinorHops = value;
      return this;
    }

    /**
     * Whether drains leave {@code system} jobs running and they do not count as work; default
     * false.
     */
    public Builder ignoreSystemJobs(boolean value) {
      ignoreSystemJobs = value;
      return this;
    }

    /**
     * How old an active (eligible, not draining) client's count of running allocations may be in a
     * snapshot; default {@link NomadConfig#DEFAULT_ACTIVE_WORK_REFRESH}; zero to count every client
     * at every observation. Counting takes one request per client, and an active client's work only
     * orders the queue; draining and ineligible clients are always counted afresh.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder activeWorkRefresh(Duration value) {
      notNegative(value, "activeWorkRefresh");
      activeWorkRefresh = value;
      return this;
    }

    /**
     * How long a stopped server being removed may stay {@code failed} (rather than {@code left})
     * before {@code force-leave}; default zero, as the upgrade guide.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder forceLeaveAfter(Duration value) {
      notNegative(value, "forceLeaveAfter");
      forceLeaveAfter = value;
      return this;
    }

    /**
     * How many raft log entries an upgraded server may trail the leader by and pass the {@code
     * nomad-raft} gate; default {@link NomadConfig#DEFAULT_MAX_TRAILING_LOGS}.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder maxTrailingLogs(long value) {
      if (value < 0) {
        throw new IllegalArgumentException("maxTrailingLogs must be 0 or more, got " + value);
      }
      maxTrailingLogs = value;
      return this;
    }

    /**
     * Opts into Nomad's documented outage recovery for a single-server region
     * (https://developer.hashicorp.com/nomad/tutorials/manage-clusters/outage-recovery#manual-recovery-using-peersjson):
     * with it, the only server may be upgraded in place; {@code hook} writes the given {@code
     * peers.json} on the server's host before it starts again: {@link NomadProcedures#plan} places
     * the steps, and {@link NomadProcedures#executor} runs them.
     */
    public Builder peersJsonRecovery(PeersJsonHook hook) {
      peersJsonRecovery = Objects.requireNonNull(hook, "hook");
      return this;
    }

    /**
     * Whether, before the raft leader's service is stopped, leadership is handed to another healthy
     * voter on the newest version ({@code /v1/operator/raft/transfer-leadership}, Nomad 1.7 and
     * later, needs a management token); default true. The leader is upgraded last either way;
     * without the transfer, stopping it starts an election. Takes effect as a step {@link
     * NomadProcedures#plan} places before each server's stop, run by {@link
     * NomadProcedures#executor}.
     */
    public Builder transferLeadership(boolean value) {
      transferLeadership = value;
      return this;
    }

    /**
     * Where each server's operating system comes from (your inventory, your cloud API): Nomad
     * reports a client's OS but not a server's, so without this every server's OS reads {@value
     * NomadConfig#UNKNOWN_OS} and OS upgrades of servers cannot be verified.
     */
    public Builder serverOs(Function<NodeId, String> value) {
      serverOs = Objects.requireNonNull(value, "serverOs");
      return this;
    }

    /**
     * The config.
     *
     * @throws IllegalStateException if a client certificate is given for an {@code http} address
     */
    public NomadConfig build() {
      NomadConfig config = new NomadConfig(this);
      if (!address.getScheme().equals("https")
          && config.http.tls().clientCertificatePem().isPresent()) {
        throw new IllegalStateException(
            "a client certificate (mutual TLS) is configured but the address "
                + address
                + " is plain http: use the https:// address of the Nomad API");
      }
      return config;
    }

    private static void checkAddress(URI address) {
      if (address.getScheme() == null
          || !(address.getScheme().equals("http") || address.getScheme().equals("https"))
          || address.getHost() == null) {
        throw new IllegalArgumentException(
            "the Nomad address must be an absolute http or https URL such as "
                + "https://nomad.example.com:4646 (NOMAD_ADDR), got '"
                + address
                + "'");
      }
    }

    private static void positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be longer than zero, got " + d);
      }
    }

    private static void notNegative(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative()) {
        throw new IllegalArgumentException(name + " must not be negative, got " + d);
      }
    }
  }
}
