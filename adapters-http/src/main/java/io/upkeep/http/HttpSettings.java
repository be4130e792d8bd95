package io.upkeep.http;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * How an adapter talks HTTP to its system: where, how long it waits, how it retries and how fast it
 * may go. Immutable and thread-safe; build with {@link #builder(URI)}. Defaults are public
 * constants and protect both sides: four attempts with exponential backoff, 20 requests a second, a
 * deadline on every attempt and a cap on the size of every answer.
 *
 * <p>A final class rather than a record, so that it can gain settings without breaking callers:
 * build it with {@link #builder(URI)}, derive a variant with {@link #toBuilder()}, read it with the
 * accessors. Equal when every setting is; {@link #toString()} names every setting, and none of them
 * is a credential ({@link Tls} shows its password only as where it comes from).
 */
public final class HttpSettings {

  /** Default connect timeout. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /** Default request timeout. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Default deadline of one attempt: twice the default request timeout, so that an answer that
   * starts late may still arrive, and a server that drips it byte by byte cannot hold a call for
   * ever.
   */
  public static final Duration DEFAULT_REQUEST_DEADLINE = Duration.ofSeconds(60);

  /** Default cap on an answer's body: 16 MiB, far above any list the adapters read. */
  public static final int DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

  /** Default attempts per request. */
  public static final int DEFAULT_MAX_ATTEMPTS = 4;

  /** Default first backoff. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(500);

  /** Default longest backoff. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(10);

  /** Default rate limit. */
  public static final double DEFAULT_REQUESTS_PER_SECOND = 20;

  /**
   * The rate for runs in virtual time (the adapters' {@code virtualTime} presets): no limit to
   * speak of, since a virtual clock lets thousands of requests fall into one real second.
   */
  public static final double VIRTUAL_TIME_REQUESTS_PER_SECOND = 1_000_000;

  /** Default for credentials over plain http to another host: refused. */
  public static final boolean DEFAULT_ALLOW_INSECURE_HTTP = false;

  private final URI baseUri;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final Duration requestDeadline;
  private final int maxResponseBytes;
  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final double requestsPerSecond;
  private final Tls tls;
  private final boolean allowInsecureHttp;

  private HttpSettings(Builder b) {
    if (b.baseUri.getScheme() == null
        || !(b.baseUri.getScheme().equals("http") || b.baseUri.getScheme().equals("https"))
        || b.baseUri.getHost() == null) {
      throw new IllegalArgumentException(
          "the base URI must be an absolute http or https URL such as "
              + "https://octopus.example.com, got '"
              + b.baseUri
              + "'");
    }
    baseUri = b.baseUri;
    connectTimeout = b.connectTimeout;
    requestTimeout = b.requestTimeout;
    requestDeadline = b.requestDeadline;
    maxResponseBytes = b.maxResponseBytes;
    maxAttempts = b.maxAttempts;
    initialBackoff = b.initialBackoff;
    maxBackoff = b.maxBackoff;
    requestsPerSecond = b.requestsPerSecond;
    tls = b.tls;
    allowInsecureHttp = b.allowInsecureHttp;
  }

  /** Where the API lives; relative paths are resolved against it. */
  public URI baseUri() {
    return baseUri;
  }

  /** How long to wait for a connection. */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /**
   * How long to wait for the answer to start, and then for each next piece of it (blocking queries
   * pass their own).
   */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /**
   * The longest one attempt may take in all, from asking for a connection to the last byte of the
   * answer, however slowly the server sends it; a call that passes a longer timeout of its own (a
   * blocking query) gets that instead.
   */
  public Duration requestDeadline() {
    return requestDeadline;
  }

  /**
   * The most bytes of an answer's body that are read; a longer answer is an error, so that a
   * runaway or hostile server cannot exhaust the memory.
   */
  public int maxResponseBytes() {
    return maxResponseBytes;
  }

  /** Attempts per request, the first included, for retryable failures. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** The wait before the second attempt, doubled after each, zero for none (tests). */
  public Duration initialBackoff() {
    return initialBackoff;
  }

  /** The longest wait between attempts, however long a server's {@code Retry-After} asks. */
  public Duration maxBackoff() {
    return maxBackoff;
  }

  /** The most requests sent per second, to protect the server. */
  public double requestsPerSecond() {
    return requestsPerSecond;
  }

  /** How the server's certificate is checked, and the client's own certificate. */
  public Tls tls() {
    return tls;
  }

  /**
   * Whether credentials may go over plain {@code http} to a host other than this machine, where
   * anyone on the way can read them.
   */
  public boolean allowInsecureHttp() {
    return allowInsecureHttp;
  }

  /** Equal to another HttpSettings with the same settings. */
  @Override
  public boolean equals(Object other) {
    if (this == other) {
      return true;
    }
    if (!(other instanceof HttpSettings o)) {
      return false;
    }
    return baseUri.equals(o.baseUri)
        && connectTimeout.equals(o.connectTimeout)
        && requestTimeout.equals(o.requestTimeout)
        && requestDeadline.equals(o.requestDeadline)
        && maxResponseBytes == o.maxResponseBytes
        && maxAttempts == o.maxAttempts
        && initialBackoff.equals(o.initialBackoff)
        && maxBackoff.equals(o.maxBackoff)
        && Double.compare(requestsPerSecond, o.requestsPerSecond) == 0
        && tls.equals(o.tls)
        && allowInsecureHttp == o.allowInsecureHttp;
  }

  /** A hash of every setting. */
  @Override
  public int hashCode() {
    return Objects.hash(
        baseUri,
        connectTimeout,
        requestTimeout,
        requestDeadline,
        maxResponseBytes,
        maxAttempts,
        initialBackoff,
        maxBackoff,
        requestsPerSecond,
        tls,
        allowInsecureHttp);
  }

  /** Every setting, by name. */
  @Override
  public String toString() {
    return "HttpSettings["
        + "baseUri="
        + baseUri
        + ", connectTimeout="
        + connectTimeout
        + ", requestTimeout="
        + requestTimeout
        + ", requestDeadline="
        + requestDeadline
        + ", maxResponseBytes="
        + maxResponseBytes
        + ", maxAttempts="
        + maxAttempts
        + ", initialBackoff="
        + initialBackoff
        + ", maxBackoff="
        + maxBackoff
        + ", requestsPerSecond="
        + requestsPerSecond
        + ", tls="
        + tls
        + ", allowInsecureHttp="
        + allowInsecureHttp
        + "]";
  }

  /** A builder for {@code baseUri} with every default. Not thread-safe. */
  public static Builder builder(URI baseUri) {
    return new Builder(baseUri);
  }

  /** A builder holding these settings, to derive a variant. */
  public Builder toBuilder() {
    return new Builder(baseUri)
        .connectTimeout(connectTimeout)
        .requestTimeout(requestTimeout)
        .requestDeadline(requestDeadline)
        .maxResponseBytes(maxResponseBytes)
        .maxAttempts(maxAttempts)
        .backoff(initialBackoff, maxBackoff)
        .requestsPerSecond(requestsPerSecond)
        .tls(tls)
        .allowInsecureHttp(allowInsecureHttp);
  }

  private static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be longer than zero, got " + d);
    }
  }

  private static void atLeastOneByte(int maxResponseBytes) {
    if (maxResponseBytes < 1) {
      throw new IllegalArgumentException(
          "maxResponseBytes must be 1 or more (a cap in bytes on each answer's body, "
              + "default "
              + DEFAULT_MAX_RESPONSE_BYTES
              + "), got "
              + maxResponseBytes);
    }
  }

  /**
   * Builds {@link HttpSettings}. Not thread-safe. New settings arrive as new setters with a
   * default, so code that builds settings keeps compiling and linking.
   */
  public static final class Builder {
    private final URI baseUri;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private Duration requestDeadline = DEFAULT_REQUEST_DEADLINE;
    private int maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private double requestsPerSecond = DEFAULT_REQUESTS_PER_SECOND;
    private Tls tls = Tls.system();
    private boolean allowInsecureHttp = DEFAULT_ALLOW_INSECURE_HTTP;

    private Builder(URI baseUri) {
      this.baseUri = Objects.requireNonNull(baseUri, "baseUri");
    }

    /** How long to wait for a connection; default {@link #DEFAULT_CONNECT_TIMEOUT}. */
    public Builder connectTimeout(Duration value) {
      positive(value, "connectTimeout");
      connectTimeout = value;
      return this;
    }

    /**
     * How long to wait for the answer to start, and then for each next piece of it; default {@link
     * #DEFAULT_REQUEST_TIMEOUT}. A server that keeps sending a little at a time is bounded by
     * {@link #requestDeadline} instead.
     *
     * @throws NullPointerException if {@code value} is null
     * @throws IllegalArgumentException if {@code value} is not longer than zero
     */
    public Builder requestTimeout(Duration value) {
      positive(value, "requestTimeout");
      requestTimeout = value;
      return this;
    }

    /**
     * The longest one attempt may take in all, from asking for a connection to the last byte of the
     * answer; default {@link #DEFAULT_REQUEST_DEADLINE}. When it passes, the attempt is aborted and
     * fails as an IO error would (retried if the request is idempotent). A call that passes a
     * longer timeout of its own, such as a blocking query, gets that timeout as its deadline.
     *
     * @throws NullPointerException if {@code value} is null
     * @throws IllegalArgumentException if {@code value} is not longer than zero
     */
    public Builder requestDeadline(Duration value) {
      positive(value, "requestDeadline");
      requestDeadline = value;
      return this;
    }

    /**
     * The most bytes of an answer's body that are read; default {@link
     * #DEFAULT_MAX_RESPONSE_BYTES}. A longer answer fails the request (not retried) with an error
     * naming this setting.
     *
     * @throws IllegalArgumentException if {@code value} is below 1
     */
    public Builder maxResponseBytes(int value) {
      atLeastOneByte(value);
      maxResponseBytes = value;
      return this;
    }

    /** Attempts per request, the first included; default {@link #DEFAULT_MAX_ATTEMPTS}. */
    public Builder maxAttempts(int value) {
      if (value < 1) {
        throw new IllegalArgumentException("maxAttempts must be 1 or more, got " + value);
      }
      maxAttempts = value;
      return this;
    }

    /**
     * Exponential backoff from {@code initial} up to {@code max}; zero for none (tests). A 429 or
     * 503 that asks for a longer wait in {@code Retry-After} gets it, up to {@code max}.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code initial} is negative or {@code max} below it
     */
    public Builder backoff(Duration initial, Duration max) {
      Objects.requireNonNull(initial, "initial");
      Objects.requireNonNull(max, "max");
      if (initial.isNegative() || max.compareTo(initial) < 0) {
        throw new IllegalArgumentException(
            "backoff must be 0 or more and maxBackoff at least initialBackoff, got "
                + initial
                + " and "
                + max);
      }
      initialBackoff = initial;
      maxBackoff = max;
      return this;
    }

    /** The most requests a second; default {@link #DEFAULT_REQUESTS_PER_SECOND}. */
    public Builder requestsPerSecond(double value) {
      if (!(value > 0)) {
        throw new IllegalArgumentException("requestsPerSecond must be more than 0, got " + value);
      }
      requestsPerSecond = value;
      return this;
    }

    /** TLS settings; default {@link Tls#system()}. */
    public Builder tls(Tls value) {
      tls = Objects.requireNonNull(value, "tls");
      return this;
    }

    /**
     * Whether credentials may go over plain {@code http} to a host other than this machine; default
     * {@link #DEFAULT_ALLOW_INSECURE_HTTP} (refused: use the server's {@code https} address). Plain
     * http to {@code localhost} and loopback addresses, as test servers use, is always allowed.
     */
    public Builder allowInsecureHttp(boolean value) {
      allowInsecureHttp = value;
      return this;
    }

    /** The settings. @throws IllegalArgumentException if the base URI is not absolute http(s) */
    public HttpSettings build() {
      return new HttpSettings(this);
    }
  }
}
