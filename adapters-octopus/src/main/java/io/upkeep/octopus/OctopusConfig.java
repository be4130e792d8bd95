package io.upkeep.octopus;

import io.upkeep.Secret;
import io.upkeep.http.HttpSettings;
import io.upkeep.http.Tls;
import io.upkeep.spi.TimeSource;
import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * How {@link OctopusClusterPort} reaches an Octopus Server HA cluster and what to assume where it
 * cannot ask. Immutable and thread-safe; build one with {@link #builder(URI, Secret)}. Its {@link
 * #toString()} never shows the API key (a {@link Secret} prints only where it comes from).
 *
 * <pre>{@code
 * OctopusConfig config = OctopusConfig.builder(URI.create("https://octopus.example.com"),
 *         Secret.fromEnvironment("OCTOPUS_API_KEY"))
 *     .nodeUrlTemplate("https://{name}.octopus.example.com")  // each node's own address, bypassing the load balancer
 *     .hostPlatform("Windows Server 2019", ".NET 6.0")         // for a node that is offline before it was seen
 *     .build();
 * }</pre>
 *
 * <p>A final class rather than a record, so that it can gain settings without breaking callers:
 * build it with {@link #builder(URI, Secret)}, derive a variant with {@link #toBuilder()}, read it
 * with the accessors. Equal when every setting is (the API key, the lookup and the time source by
 * identity).
 */
public final class OctopusConfig {

  /** Default spaces whose tasks count: all of them. */
  public static final String ALL_SPACES = "all";

  /** Default poll interval: how often Octopus nodes themselves look for new tasks. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(20);

  /**
   * Default fast poll interval: how often waiting polls while a change is due, at most one request
   * a second.
   */
  public static final Duration DEFAULT_FAST_POLL_INTERVAL = Duration.ofSeconds(1);

  /** The shortest fast poll interval: at most ten polls a second, to protect the server. */
  public static final Duration MIN_FAST_POLL_INTERVAL = Duration.ofMillis(100);

  /**
   * The fast poll interval of {@link Builder#virtualTime}: a virtual clock jumps a poll for the
   * price of its request, so a finer one only multiplies requests; the executor itself looks every
   * 10 s by default.
   */
  static final Duration VIRTUAL_TIME_FAST_POLL_INTERVAL = Duration.ofSeconds(10);

  /** Default page size for node lists. */
  public static final int DEFAULT_PAGE_SIZE = 100;

  /** What stands for the node's name in {@link #nodeUrlTemplate()}. */
  public static final String NAME_PLACEHOLDER = "{name}";

  private final HttpSettings http;
  private final Secret apiKey;
  private final String spaces;
  private final Map<String, URI> nodeUrls;
  private final Optional<String> nodeUrlTemplate;
  private final HostPlatform defaultHostPlatform;
  private final Map<String, HostPlatform> hostPlatforms;
  private final Optional<HostPlatformLookup> hostPlatformLookup;
  private final int minimumCapacity;
  private final Duration pollInterval;
  private final Duration fastPollInterval;
  private final int pageSize;
  private final TimeSource time;

  private OctopusConfig(Builder b) {
    http = b.http.build();
    apiKey = b.apiKey;
    spaces = b.spaces;
    nodeUrls = Collections.unmodifiableSortedMap(new TreeMap<>(b.nodeUrls));
    nodeUrlTemplate = Optional.ofNullable(b.nodeUrlTemplate);
    defaultHostPlatform = b.defaultHostPlatform;
    hostPlatforms = Collections.unmodifiableSortedMap(new TreeMap<>(b.hostPlatforms));
    hostPlatformLookup = Optional.ofNullable(b.hostPlatformLookup);
    minimumCapacity = b.minimumCapacity;
    pollInterval = b.pollInterval;
    fastPollInterval = b.fastPollInterval;
    pageSize = b.pageSize;
    time = b.time;
  }

  /**
   * Where and how to talk HTTP: base URL (the load balancer), timeouts, retries, rate limit, TLS.
   */
  public HttpSettings http() {
    return http;
  }

  /**
   * The API key sent as {@code X-Octopus-ApiKey}; its user needs the System Administrator role
   * (Administer System) to change nodes and maintenance mode.
   */
  public Secret apiKey() {
    return apiKey;
  }

  /**
   * Which spaces' tasks count as a node's running work: {@code all} (the default, and the only safe
   * choice: a node runs tasks of every space) or a comma-separated list of space ids.
   */
  public String spaces() {
    return spaces;
  }

  /** Each node's own address by node name, for direct verification. */
  public Map<String, URI> nodeUrls() {
    return nodeUrls;
  }

  /**
   * The own address of every node not in {@code nodeUrls}, with {@code {name}} standing for the
   * node's name.
   */
  public Optional<String> nodeUrlTemplate() {
    return nodeUrlTemplate;
  }

  /** The OS and runtime of a node nothing else names. */
  public HostPlatform defaultHostPlatform() {
    return defaultHostPlatform;
  }

  /** The OS and runtime of named nodes. */
  public Map<String, HostPlatform> hostPlatforms() {
    return hostPlatforms;
  }

  /** Asked first on every observation, if set. */
  public Optional<HostPlatformLookup> hostPlatformLookup() {
    return hostPlatformLookup;
  }

  /** The least sum of task caps in service the planner must keep; 0 for none. */
  public int minimumCapacity() {
    return minimumCapacity;
  }

  /**
   * How often {@link OctopusClusterPort#awaitChange} polls while no change is due (Octopus has no
   * blocking queries; its nodes look for new tasks every 20 seconds).
   */
  public Duration pollInterval() {
    return pollInterval;
  }

  /**
   * How often {@link OctopusClusterPort#awaitChange} polls, at the most, while a change is due (a
   * node draining with tasks still running): one request ({@code /api/octopusservernodes/summary})
   * each, so this bounds the rate of polls. The gap then grows with the drain's age (see {@link
   * OctopusClusterPort#awaitChange}) up to {@link #pollInterval()}, which is used instead when it
   * is the shorter.
   */
  public Duration fastPollInterval() {
    return fastPollInterval;
  }

  /** How many nodes to ask for per page of {@code /api/octopusservernodes}. */
  public int pageSize() {
    return pageSize;
  }

  /** The run's time source: observations are stamped with it and waits go through it. */
  public TimeSource time() {
    return time;
  }

  /** Equal to another OctopusConfig with the same settings. */
  @Override
  public boolean equals(Object other) {
    if (this == other) {
      return true;
    }
    if (!(other instanceof OctopusConfig o)) {
      return false;
    }
    return http.equals(o.http)
        && apiKey.equals(o.apiKey)
        && spaces.equals(o.spaces)
        && nodeUrls.equals(o.nodeUrls)
        && nodeUrlTemplate.equals(o.nodeUrlTemplate)
        && defaultHostPlatform.equals(o.defaultHostPlatform)
        && hostPlatforms.equals(o.hostPlatforms)
        && hostPlatformLookup.equals(o.hostPlatformLookup)
        && minimumCapacity == o.minimumCapacity
        && pollInterval.equals(o.pollInterval)
        && fastPollInterval.equals(o.fastPollInterval)
        && pageSize == o.pageSize
        && time.equals(o.time);
  }

  /** A hash of every setting. */
  @Override
  public int hashCode() {
    return Objects.hash(
        http,
        apiKey,
        spaces,
        nodeUrls,
        nodeUrlTemplate,
        defaultHostPlatform,
        hostPlatforms,
        hostPlatformLookup,
        minimumCapacity,
        pollInterval,
        fastPollInterval,
        pageSize,
        time);
  }

  /** Every setting, by name; the API key only as where it comes from. */
  @Override
  public String toString() {
    return "OctopusConfig["
        + "http="
        + http
        + ", apiKey="
        + apiKey
        + ", spaces="
        + spaces
        + ", nodeUrls="
        + nodeUrls
        + ", nodeUrlTemplate="
        + nodeUrlTemplate
        + ", defaultHostPlatform="
        + defaultHostPlatform
        + ", hostPlatforms="
        + hostPlatforms
        + ", hostPlatformLookup="
        + hostPlatformLookup
        + ", minimumCapacity="
        + minimumCapacity
        + ", pollInterval="
        + pollInterval
        + ", fastPollInterval="
        + fastPollInterval
        + ", pageSize="
        + pageSize
        + ", time="
        + time
        + "]";
  }

  /**
   * A builder for the cluster behind {@code baseUrl} (its load balancer; the server's address, not
   * {@code .../api}), authenticating with {@code apiKey}. Not thread-safe.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code baseUrl} is not an absolute http(s) URL, or ends in
   *     {@code /api}
   */
  public static Builder builder(URI baseUrl, Secret apiKey) {
    return new Builder(baseUrl, apiKey);
  }

  /** A builder holding this configuration's settings, to derive a variant. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The cluster's address (its load balancer). */
  public URI baseUrl() {
    return http.baseUri();
  }

  /** The own address of the node named {@code nodeName}, if one is configured. */
  public Optional<URI> nodeUrl(String nodeName) {
    Objects.requireNonNull(nodeName, "nodeName");
    URI explicit = nodeUrls.get(nodeName);
    if (explicit != null) {
      return Optional.of(explicit);
    }
    return nodeUrlTemplate.map(
        t ->
            URI.create(
                t.replace(
                    NAME_PLACEHOLDER,
                    java.net.URLEncoder.encode(nodeName, java.nio.charset.StandardCharsets.UTF_8)
                        .replace("+", "%20"))));
  }

  /**
   * The OS and runtime of the node named {@code nodeName}: the lookup's answer if it has one, else
   * the node's configured value, else the default.
   */
  public HostPlatform hostPlatformOf(String nodeName) {
    return givenHostPlatformOf(nodeName).orElse(defaultHostPlatform);
  }

  /**
   * What the user says the node named {@code nodeName} runs on: the lookup's answer if it has one,
   * else the node's configured value; empty if neither names it (the default is not counted).
   */
  Optional<HostPlatform> givenHostPlatformOf(String nodeName) {
    Objects.requireNonNull(nodeName, "nodeName");
    if (hostPlatformLookup.isPresent()) {
      Optional<HostPlatform> live = hostPlatformLookup.get().platformOf(nodeName);
      if (live != null && live.isPresent()) {
        return live;
      }
    }
    return Optional.ofNullable(hostPlatforms.get(nodeName));
  }

  private static void requireHttpUrl(String node, URI url) {
    Objects.requireNonNull(url, "url of " + node);
    if (!url.isAbsolute()
        || url.getHost() == null
        || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
      throw new IllegalArgumentException(
          "the address of node "
              + node
              + " must be an absolute http or https URL such as "
              + "https://octo-1.example.com, got '"
              + url
              + "'");
    }
  }

  private static void requireTemplate(String template) {
    if (!template.contains(NAME_PLACEHOLDER)) {
      throw new IllegalArgumentException(
          "the node URL template must contain "
              + NAME_PLACEHOLDER
              + " where the node's name goes, such as https://{name}.octopus.example.com; got '"
              + template
              + "'");
    }
    requireHttpUrl("{name}", URI.create(template.replace(NAME_PLACEHOLDER, "node")));
  }

  private static void requirePositive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(name + " must be longer than zero, got " + d);
    }
  }

  /**
   * Builds an {@link OctopusConfig}; every setter validates eagerly. Not thread-safe. New settings
   * arrive as new setters with a default, so code that builds a configuration keeps compiling and
   * linking.
   */
  public static final class Builder {
    private final HttpSettings.Builder http;
    private final Secret apiKey;
    private String spaces = ALL_SPACES;
    private final Map<String, URI> nodeUrls = new LinkedHashMap<>();
    private String nodeUrlTemplate;
    private HostPlatform defaultHostPlatform = HostPlatform.UNKNOWN;
    private final Map<String, HostPlatform> hostPlatforms = new LinkedHashMap<>();
    private HostPlatformLookup hostPlatformLookup;
    private int minimumCapacity;
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private Duration fastPollInterval = DEFAULT_FAST_POLL_INTERVAL;
    private int pageSize = DEFAULT_PAGE_SIZE;
    private TimeSource time = TimeSource.system();

    private Builder(URI baseUrl, Secret apiKey) {
      Objects.requireNonNull(baseUrl, "baseUrl");
      this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
      String path = baseUrl.getPath() == null ? "" : baseUrl.getPath();
      if (path.endsWith("/api") || path.endsWith("/api/")) {
        throw new IllegalArgumentException(
            "the base URL is the Octopus Server's address, without /api: use '"
                + baseUrl.toString().replaceAll("/api/?$", "")
                + "' instead of '"
                + baseUrl
                + "'");
      }
      this.http = HttpSettings.builder(baseUrl);
      // Validates the URL now rather than at build().
      HttpSettings.builder(baseUrl).build();
    }

    private Builder(OctopusConfig c) {
      http = c.http.toBuilder();
      apiKey = c.apiKey;
      spaces = c.spaces;
      nodeUrls.putAll(c.nodeUrls);
      nodeUrlTemplate = c.nodeUrlTemplate.orElse(null);
      defaultHostPlatform = c.defaultHostPlatform;
      hostPlatforms.putAll(c.hostPlatforms);
      hostPlatformLookup = c.hostPlatformLookup.orElse(null);
      minimumCapacity = c.minimumCapacity;
      pollInterval = c.pollInterval;
      fastPollInterval = c.fastPollInterval;
      pageSize = c.pageSize;
      time = c.time;
    }

    /**
     * Which spaces' tasks count as a node's running work: {@code all} (default) or space ids
     * separated by commas. Counting fewer than all lets a drain look finished while tasks of
     * another space still run.
     *
     * @throws IllegalArgumentException if blank
     */
    public Builder spaces(String value) {
      Objects.requireNonNull(value, "spaces");
      if (value.isBlank()) {
        throw new IllegalArgumentException(
            "spaces must be 'all' or space ids such as Spaces-1, not blank");
      }
      spaces = value.strip();
      return this;
    }

    /**
     * The own address of the node named {@code nodeName} (not the load balancer's), used by the
     * direct probe.
     *
     * @throws IllegalArgumentException if it is not an absolute http(s) URL
     */
    public Builder nodeUrl(String nodeName, URI url) {
      Objects.requireNonNull(nodeName, "nodeName");
      requireHttpUrl(nodeName, url);
      nodeUrls.put(nodeName, url);
      return this;
    }

    /**
     * The own address of every node without a {@link #nodeUrl}, with {@code {name}} for its name,
     * such as {@code https://{name}.octopus.example.com}; new nodes (replacements, clones) need it.
     *
     * @throws IllegalArgumentException if it lacks {@code {name}} or is not an http(s) URL
     */
    public Builder nodeUrlTemplate(String template) {
      Objects.requireNonNull(template, "template");
      requireTemplate(template);
      nodeUrlTemplate = template;
      return this;
    }

    /**
     * The OS and runtime of a node that neither reports them (its {@code system-info}, read while
     * it is online) nor is named otherwise; default {@link HostPlatform#UNKNOWN}.
     *
     * @throws IllegalArgumentException if {@code os} is blank
     */
    public Builder hostPlatform(String os, String runtime) {
      defaultHostPlatform = HostPlatform.of(os, runtime);
      return this;
    }

    /**
     * The OS and runtime of the node named {@code nodeName}, instead of what it reports: only for a
     * node whose {@code system-info} says something else than its host (an upgrade of that node is
     * verified against this value, so keep it current).
     *
     * @throws IllegalArgumentException if {@code os} is blank
     */
    public Builder hostPlatform(String nodeName, String os, String runtime) {
      Objects.requireNonNull(nodeName, "nodeName");
      hostPlatforms.put(nodeName, HostPlatform.of(os, runtime));
      return this;
    }

    /**
     * Asks {@code lookup} for every node's OS and runtime on every observation, before the
     * configured values and what the nodes report: for an inventory (a CMDB, a cloud API) that
     * knows the hosts better than Octopus's {@code system-info}.
     */
    public Builder hostPlatforms(HostPlatformLookup lookup) {
      hostPlatformLookup = Objects.requireNonNull(lookup, "lookup");
      return this;
    }

    /**
     * The least sum of task caps that in-service nodes must keep during an upgrade; default 0.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder minimumCapacity(int value) {
      if (value < 0) {
        throw new IllegalArgumentException("minimumCapacity must be 0 or more, got " + value);
      }
      minimumCapacity = value;
      return this;
    }

    /**
     * How often waiting for a change polls the server while no change is due; default {@link
     * #DEFAULT_POLL_INTERVAL}.
     *
     * @throws IllegalArgumentException if not longer than zero
     */
    public Builder pollInterval(Duration value) {
      requirePositive(value, "pollInterval");
      pollInterval = value;
      return this;
    }

    /**
     * How often waiting for a change polls the server, at the most, while a change is due (a node
     * draining with tasks still running), one request each; default {@link
     * #DEFAULT_FAST_POLL_INTERVAL}. Shorter reacts sooner to a node going idle and sends more
     * requests; {@link #pollInterval} wins when it is the shorter.
     *
     * @throws IllegalArgumentException if shorter than {@link #MIN_FAST_POLL_INTERVAL}
     */
    public Builder fastPollInterval(Duration value) {
      Objects.requireNonNull(value, "fastPollInterval");
      if (value.compareTo(MIN_FAST_POLL_INTERVAL) < 0) {
        throw new IllegalArgumentException(
            "fastPollInterval must be at least "
                + MIN_FAST_POLL_INTERVAL.toMillis()
                + " ms (at most ten polls a second, to protect the Octopus Server), got "
                + value
                + "; raise it, or leave it at its default of 1 s");
      }
      fastPollInterval = value;
      return this;
    }

    /**
     * Nodes per page when listing; default {@link #DEFAULT_PAGE_SIZE}.
     *
     * @throws IllegalArgumentException if not 1 to 1000
     */
    public Builder pageSize(int value) {
      if (value < 1 || value > 1000) {
        throw new IllegalArgumentException("pageSize must be 1 to 1000, got " + value);
      }
      pageSize = value;
      return this;
    }

    /** The run's time source (the executor's); default {@link TimeSource#system()}. */
    public Builder time(TimeSource value) {
      time = Objects.requireNonNull(value, "time");
      return this;
    }

    /**
     * The preset for tests on a virtual clock (the testkit's {@code VirtualClock}): {@code clock}
     * as the time source, no backoff between attempts, no rate limit to speak of, and a fast poll
     * interval of 10 s.
     */
    public Builder virtualTime(TimeSource clock) {
      return time(clock)
          .backoff(Duration.ZERO, Duration.ZERO)
          .requestsPerSecond(HttpSettings.VIRTUAL_TIME_REQUESTS_PER_SECOND)
          .fastPollInterval(VIRTUAL_TIME_FAST_POLL_INTERVAL);
    }

    /** How long to wait for a connection; default {@link HttpSettings#DEFAULT_CONNECT_TIMEOUT}. */
    public Builder connectTimeout(Duration value) {
      http.connectTimeout(value);
      return this;
    }

    /** How long to wait for an answer; default {@link HttpSettings#DEFAULT_REQUEST_TIMEOUT}. */
    public Builder requestTimeout(Duration value) {
      http.requestTimeout(value);
      return this;
    }

    /**
     * The longest one attempt may take in all, however slowly the server sends its answer; default
     * {@link HttpSettings#DEFAULT_REQUEST_DEADLINE}.
     *
     * @throws IllegalArgumentException if not longer than zero
     */
    public Builder requestDeadline(Duration value) {
      http.requestDeadline(value);
      return this;
    }

    /**
     * The most bytes of an answer that are read; default {@link
     * HttpSettings#DEFAULT_MAX_RESPONSE_BYTES}.
     *
     * @throws IllegalArgumentException if below 1
     */
    public Builder maxResponseBytes(int value) {
      http.maxResponseBytes(value);
      return this;
    }

    /**
     * Attempts per request for IO errors, 5xx and 429 (never for other 4xx), the first included;
     * default {@link HttpSettings#DEFAULT_MAX_ATTEMPTS}.
     */
    public Builder maxAttempts(int value) {
      http.maxAttempts(value);
      return this;
    }

    /**
     * Exponential backoff between attempts, from {@code initial} up to {@code max}; zero for none
     * (tests).
     */
    public Builder backoff(Duration initial, Duration max) {
      http.backoff(initial, max);
      return this;
    }

    /**
     * The most requests a second, to protect the server; default {@link
     * HttpSettings#DEFAULT_REQUESTS_PER_SECOND}.
     */
    public Builder requestsPerSecond(double value) {
      http.requestsPerSecond(value);
      return this;
    }

    /** How the server's certificate is checked; default {@link Tls#system()} (verification on). */
    public Builder tls(Tls value) {
      http.tls(value);
      return this;
    }

    /**
     * Whether the API key may go over plain {@code http} to a host other than this machine, where
     * anyone on the way can read it; default {@link HttpSettings#DEFAULT_ALLOW_INSECURE_HTTP}: use
     * the server's {@code https} address. Plain http to {@code localhost} is always allowed.
     */
    public Builder allowInsecureHttp(boolean value) {
      http.allowInsecureHttp(value);
      return this;
    }

    /** The configuration. */
    public OctopusConfig build() {
      return new OctopusConfig(this);
    }
  }
}
