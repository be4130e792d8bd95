package io.upkeep.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.upkeep.ClusterOperationException;
import io.upkeep.Secret;
import io.upkeep.UpkeepException;
import io.upkeep.http.internal.CredentialSafeConnections;
import io.upkeep.http.internal.RequestRate;
import io.upkeep.http.internal.TlsContexts;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.io.ManagedHttpClientConnection;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.HttpConnectionFactory;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP transport every adapter uses: Apache HttpClient 5 underneath, JSON through Jackson,
 * retries with exponential backoff through Resilience4j, a request rate limit that lets a burst of
 * one second's worth through and then paces requests evenly ({@link RequestRate}), TLS as {@link
 * Tls} says. Thread-safe; close it when done.
 *
 * <p>Credentials travel in headers revealed per request and never reach a log or an exception: an
 * answer that echoes one has it replaced by {@value #REDACTED}; HttpClient's header log (DEBUG)
 * shows them as {@value #REDACTED} and its wire log stays silent for the connections that carry
 * them; they go over plain http only to this machine unless {@link
 * HttpSettings#allowInsecureHttp()}; redirects are never followed (a 3xx is an error naming where
 * it points).
 *
 * <p>Idempotent requests (GET, PUT, DELETE) are retried after IO failures and on the statuses
 * {@link RetryOn} names, waiting at least as long as a 429's or 503's {@code Retry-After} asks, up
 * to {@link HttpSettings#maxBackoff()}; a POST is retried only when it could not connect, since
 * once sent the server may have acted on it; a 4xx other than 429 is never retried. Every other
 * answer is returned as it is, for the adapter to interpret. Every attempt ends by its deadline
 * ({@link HttpSettings#requestDeadline()}) and reads at most {@link
 * HttpSettings#maxResponseBytes()} of the answer.
 */
public final class HttpTransport implements AutoCloseable {

  /** What stands in an answer where the server echoed a credential. */
  public static final String REDACTED = "[redacted]";

  private static final Logger LOG = LoggerFactory.getLogger(HttpTransport.class);

  /**
   * Methods whose repetition has the effect of one request (RFC 9110, 9.2.2): safe to send again.
   */
  private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "PUT", "DELETE");

  /** Which answers to an idempotent request are worth another attempt; IO failures always are. */
  public enum RetryOn {
    /** 5xx answers. */
    SERVER_ERRORS,
    /** 5xx answers and 429 Too Many Requests. */
    SERVER_ERRORS_AND_TOO_MANY_REQUESTS
  }

  private final HttpSettings settings;
  private final Map<String, Secret> secretHeaders;
  private final RetryOn retryOn;
  private final CloseableHttpClient client;
  private final IntervalBiFunction<HttpResponse> waits;
  private final RequestRate rate;
  private final ScheduledThreadPoolExecutor deadlines;
  private final AtomicInteger sent = new AtomicInteger();

  /**
   * Whether the server asked for a client certificate in the handshake of this thread's latest
   * attempt.
   */
  private final ThreadLocal<Boolean> askedForClientCertificate =
      ThreadLocal.withInitial(() -> false);

  private HttpTransport(
      HttpSettings settings,
      Map<String, Secret> secretHeaders,
      RetryOn retryOn,
      HttpConnectionFactory<ManagedHttpClientConnection> connections) {
    this.settings = settings;
    this.secretHeaders = Map.copyOf(secretHeaders);
    this.retryOn = retryOn;
    refuseCredentialsInTheClear(settings.baseUri());
    noteWhatHttpClientLogsShow(connections);
    // Classic HttpClient connects, and so shakes hands, in the thread that sends the request.
    SSLContext sslContext =
        TlsContexts.create(settings.tls(), () -> askedForClientCertificate.set(true));
    DefaultClientTlsStrategy tls =
        settings.tls().verify()
            ? new DefaultClientTlsStrategy(sslContext, TlsContexts.hostnameVerifier())
            : new DefaultClientTlsStrategy(sslContext, NoopHostnameVerifier.INSTANCE);
    this.client =
        HttpClients.custom()
            .setConnectionManager(
                PoolingHttpClientConnectionManagerBuilder.create()
                    .setTlsSocketStrategy(tls)
                    .setConnectionFactory(connections)
                    .setDefaultConnectionConfig(
                        ConnectionConfig.custom()
                            .setConnectTimeout(Timeout.of(settings.connectTimeout()))
                            .setSocketTimeout(Timeout.of(settings.requestTimeout()))
                            .build())
                    .build())
            .setDefaultRequestConfig(
                RequestConfig.custom()
                    .setResponseTimeout(Timeout.of(settings.requestTimeout()))
                    .build())
            .disableAutomaticRetries()
            .disableRedirectHandling()
            .build();
    this.waits = waits(settings);
    this.rate = new RequestRate(settings.requestsPerSecond());
    this.deadlines =
        new ScheduledThreadPoolExecutor(
            1,
            task -> {
              Thread t = new Thread(task, "upkeep-http-deadlines");
              t.setDaemon(true);
              return t;
            });
    // Most attempts end long before their deadline: drop their abort at once rather than keep it
    // queued.
    deadlines.setRemoveOnCancelPolicy(true);
  }

  /**
   * A transport for {@code settings}, sending {@code secretHeaders} (such as {@code
   * X-Octopus-ApiKey}) with every request. If there are any, its connections write their headers to
   * HttpClient's header log with the credentials masked, and nothing to HttpClient's wire log;
   * without any, they are HttpClient's own, and log all HttpClient would.
   *
   * @throws UpkeepException if the TLS settings cannot be loaded, naming the file
   * @throws ClusterOperationException if credentials would go over plain http to a host other than
   *     this machine without {@link HttpSettings#allowInsecureHttp()}, naming the host and the fix
   */
  public static HttpTransport create(
      HttpSettings settings, Map<String, Secret> secretHeaders, RetryOn retryOn) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(secretHeaders, "secretHeaders");
    Objects.requireNonNull(retryOn, "retryOn");
    return new HttpTransport(
        settings,
        secretHeaders,
        retryOn,
        secretHeaders.isEmpty()
            ? ManagedHttpClientConnectionFactory.INSTANCE
            : new CredentialSafeConnections(secretHeaders.keySet(), REDACTED));
  }

  /**
   * A transport whose connections {@code connections} makes, whatever it sends: for the test that
   * shows HttpClient's own connections would log the credentials.
   */
  static HttpTransport create(
      HttpSettings settings,
      Map<String, Secret> secretHeaders,
      RetryOn retryOn,
      HttpConnectionFactory<ManagedHttpClientConnection> connections) {
    return new HttpTransport(
        Objects.requireNonNull(settings, "settings"),
        Objects.requireNonNull(secretHeaders, "secretHeaders"),
        Objects.requireNonNull(retryOn, "retryOn"),
        Objects.requireNonNull(connections, "connections"));
  }

  /** GET {@code pathOrUrl}. */
  public HttpResponse get(String pathOrUrl) {
    return send("GET", pathOrUrl, null, settings.requestTimeout(), false, HttpTransport::never);
  }

  /**
   * GET {@code pathOrUrl}, waiting up to {@code timeout} for the answer: a long poll, such as a
   * blocking query. One the server held for at least the rate limit's interval between two requests
   * does not count against the limit, so the requests its answer calls for are not held.
   */
  public HttpResponse get(String pathOrUrl, Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    return send("GET", pathOrUrl, null, timeout, true, HttpTransport::never);
  }

  /** PUT {@code body} as JSON to {@code pathOrUrl}. */
  public HttpResponse put(String pathOrUrl, Object body) {
    return send("PUT", pathOrUrl, body, settings.requestTimeout(), false, HttpTransport::never);
  }

  /**
   * PUT {@code body} as JSON to {@code pathOrUrl}, returning at once, without another attempt, an
   * answer that {@code deterministic} recognises as one the server will give again however often it
   * is asked (Nomad's 500 "node not found" on a write, say), whatever its status.
   */
  public HttpResponse put(String pathOrUrl, Object body, Predicate<HttpResponse> deterministic) {
    Objects.requireNonNull(deterministic, "deterministic");
    return send("PUT", pathOrUrl, body, settings.requestTimeout(), false, deterministic);
  }

  /**
   * POST {@code body} as JSON (none if null) to {@code pathOrUrl}. Not idempotent: tried again only
   * when no connection could be made, never once the request may have reached the server.
   */
  public HttpResponse post(String pathOrUrl, Object body) {
    return send("POST", pathOrUrl, body, settings.requestTimeout(), false, HttpTransport::never);
  }

  /** DELETE {@code pathOrUrl}. */
  public HttpResponse delete(String pathOrUrl) {
    return send("DELETE", pathOrUrl, null, settings.requestTimeout(), false, HttpTransport::never);
  }

  /** The JSON mapper: unknown fields ignored. */
  public ObjectMapper mapper() {
    return HttpResponse.MAPPER;
  }

  /** How many requests went on the wire, retries included. */
  public int requestsSent() {
    return sent.get();
  }

  /** The settings this transport uses. */
  public HttpSettings settings() {
    return settings;
  }

  @Override
  public void close() {
    deadlines.shutdownNow();
    try {
      client.close();
    } catch (IOException e) {
      LOG.debug("closing the HTTP client failed: {}", e.toString());
    }
  }

  /** For requests with no answer that is known to repeat itself. */
  private static boolean never(HttpResponse response) {
    return false;
  }

  private boolean retryable(int status) {
    return status >= 500
        || (status == 429 && retryOn == RetryOn.SERVER_ERRORS_AND_TOO_MANY_REQUESTS);
  }

  /**
   * How long to wait before the next attempt: the backoff, or longer if a 429 or 503 asked so in
   * {@code Retry-After}, but never more than {@link HttpSettings#maxBackoff()} (zero in tests).
   */
  static IntervalBiFunction<HttpResponse> waits(HttpSettings settings) {
    IntervalFunction backoff =
        settings.initialBackoff().isZero()
            ? attempt -> 0L
            : IntervalFunction.ofExponentialBackoff(
                settings.initialBackoff(), 2.0, settings.maxBackoff());
    return (attempt, outcome) -> {
      Duration wait = Duration.ofMillis(backoff.apply(attempt));
      if (outcome.isRight() && outcome.get().retryAfter().compareTo(wait) > 0) {
        wait = outcome.get().retryAfter();
      }
      return (wait.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : wait).toMillis();
    };
  }

  /** Whether {@code e} came before a byte of the request was sent: no connection was made. */
  private static boolean neverSent(Throwable e) {
    return e instanceof ConnectException
        || e instanceof ConnectTimeoutException
        || e instanceof UnknownHostException;
  }

  private HttpResponse send(
      String method,
      String pathOrUrl,
      Object body,
      Duration timeout,
      boolean longPoll,
      Predicate<HttpResponse> deterministic) {
    URI uri = resolve(pathOrUrl);
    refuseCredentialsInTheClear(uri);
    String shown = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    String json = body == null ? null : toJson(body, method, shown);
    Duration deadline =
        timeout.compareTo(settings.requestDeadline()) > 0 ? timeout : settings.requestDeadline();
    boolean idempotent = IDEMPOTENT.contains(method);
    // An answer, or a failure once connected, means the request may have arrived and taken effect.
    Retry retry =
        Retry.of(
            "upkeep-http",
            RetryConfig.<HttpResponse>custom()
                .maxAttempts(settings.maxAttempts())
                .intervalBiFunction(waits)
                .retryOnResult(r -> idempotent && retryable(r.status()) && !deterministic.test(r))
                .retryOnException(
                    e ->
                        e instanceof IOException
                            && !certificateRefused(e)
                            && (idempotent || neverSent(e)))
                .build());
    AtomicInteger attempts = new AtomicInteger();
    Callable<HttpResponse> once =
        () -> {
          if (!rate.acquire(settings.requestTimeout())) {
            throw new RequestNotPermitted();
          }
          attempts.incrementAndGet();
          long start = System.nanoTime();
          try {
            return exchange(method, uri, shown, json, timeout, deadline);
          } finally {
            if (longPoll) {
              rate.refund(System.nanoTime() - start);
            }
          }
        };
    HttpResponse response;
    try {
      response = Retry.decorateCallable(retry, once).call();
    } catch (IOException e) {
      String tried =
          " after "
              + attempts
              + " attempt(s)"
              + (idempotent || neverSent(e)
                  ? ""
                  : " (a " + method + " is not sent again once it may have reached the server)");
      if (e instanceof DeadlineExceeded) {
        throw new ClusterOperationException(
            method
                + " "
                + shown
                + " to "
                + uri.getHost()
                + ":"
                + port(uri)
                + " did not finish within its deadline of "
                + deadline.toMillis()
                + " ms"
                + tried
                + ": the server answers too slowly; check its load, or raise requestDeadline in the HTTP settings",
            true,
            e);
      }
      if (certificateRefused(e)) {
        throw new ClusterOperationException(
            "refused the TLS connection to "
                + uri.getHost()
                + ":"
                + port(uri)
                + " for "
                + method
                + " "
                + shown
                + ": "
                + certificateProblem(e, uri.getHost()),
            false,
            e);
      }
      String failure =
          e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")");
      if (askedForClientCertificate.get()) {
        throw new ClusterOperationException(
            uri.getHost()
                + ":"
                + port(uri)
                + " dropped the connection for "
                + method
                + " "
                + shown
                + tried
                + ": "
                + failure
                + "; "
                + clientCertificateHint(),
            true,
            e);
      }
      throw new ClusterOperationException(
          "cannot reach "
              + uri.getHost()
              + ":"
              + port(uri)
              + " for "
              + method
              + " "
              + shown
              + tried
              + ": "
              + failure
              + "; check the address and that the server is up",
          true,
          e);
    } catch (RequestNotPermitted e) {
      throw new ClusterOperationException(
          "the request rate limit ("
              + settings.requestsPerSecond()
              + "/s) kept "
              + method
              + " "
              + shown
              + " waiting longer than "
              + settings.requestTimeout(),
          true,
          e);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new ClusterOperationException(method + " " + shown + " failed: " + e, true, e);
    }
    if (response.status() >= 300 && response.status() < 400) {
      // Following it would send the credentials wherever the answer says.
      throw new ClusterOperationException(
          method
              + " "
              + shown
              + " was redirected (HTTP "
              + response.status()
              + ") to "
              + response.header("Location").orElse("(no Location given)")
              + ", and redirects are not followed so that "
              + "credentials go only where they were configured to: configure the final URL (where the redirect points) "
              + "as the address instead",
          false);
    }
    return response;
  }

  /**
   * Whether this client refused the server's certificate: not trusted, or not for the host. Sending
   * again changes nothing until the settings or the certificate do.
   */
  private static boolean certificateRefused(Throwable e) {
    return e instanceof SSLPeerUnverifiedException
        || (e instanceof SSLHandshakeException && causedBy(e, GeneralSecurityException.class));
  }

  private static String certificateProblem(Throwable e, String host) {
    if (e instanceof SSLPeerUnverifiedException) {
      return "the server's certificate is not for "
          + host
          + " ("
          + e.getMessage()
          + "); use an address the "
          + "certificate names, or have it issued with "
          + host
          + " among its subject alternative names";
    }
    return "the server's certificate is not trusted ("
        + e.getMessage()
        + "); trust the CA that issued it with "
        + "Tls.caCertificate(pem) or Tls.trustStore(file, password) in the TLS settings";
  }

  /**
   * Why a server that asked for a client certificate in this attempt's handshake then dropped the
   * connection, most likely. Only likely: the attempt is still retried, as any other IO failure.
   */
  private String clientCertificateHint() {
    return settings
        .tls()
        .clientCertificatePem()
        .map(
            cert ->
                "it had asked for a client certificate (mutual TLS), so it likely refused "
                    + cert
                    + ": check that a CA the server trusts issued it and that it has not expired")
        .orElse(
            "it had asked for a client certificate (mutual TLS, as Nomad's verify_https_client) and none is "
                + "configured: add one with Tls.withClientCertificate(certificatePem, keyPem) in the TLS settings");
  }

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable c = e.getCause(); c != null && c != e; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Says once, at INFO, when HttpClient's header or wire log is at DEBUG, what they will and will
   * not show of the requests that carry credentials, so that a silent wire log is not a mystery.
   */
  private void noteWhatHttpClientLogsShow(
      HttpConnectionFactory<ManagedHttpClientConnection> connections) {
    List<String> on =
        List.of(CredentialSafeConnections.HEADER_LOG, CredentialSafeConnections.WIRE_LOG).stream()
            .filter(name -> LoggerFactory.getLogger(name).isDebugEnabled())
            .toList();
    if (connections instanceof CredentialSafeConnections && !on.isEmpty()) {
      LOG.info(
          "DEBUG is on for HttpClient's {}, and the requests to {} carry the credential header(s) {}: their "
              + "headers are logged to {} with those values shown as {}, and their bytes are not logged to {}, where the "
              + "credentials would be in clear",
          String.join(" and ", on),
          settings.baseUri().getHost(),
          new TreeSet<>(secretHeaders.keySet()),
          CredentialSafeConnections.HEADER_LOG,
          REDACTED,
          CredentialSafeConnections.WIRE_LOG);
    }
  }

  /**
   * Credentials in clear may go to this machine (the fakes of tests), or anywhere if the settings
   * allow it.
   */
  private void refuseCredentialsInTheClear(URI uri) {
    if (!secretHeaders.isEmpty()
        && "http".equals(uri.getScheme())
        && !settings.allowInsecureHttp()
        && !loopback(uri.getHost())) {
      throw new ClusterOperationException(
          "refusing to send "
              + new TreeSet<>(secretHeaders.keySet())
              + " over plain http "
              + "to "
              + uri.getHost()
              + ", where anyone on the way can read it: use the server's https:// address, or, on a "
              + "network you trust, allow it explicitly with allowInsecureHttp(true) on the HTTP settings' builder",
          false);
    }
  }

  /**
   * Whether {@code host} is this machine: {@code localhost} or a loopback address, never a name
   * looked up.
   */
  private static boolean loopback(String host) {
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    String literal = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (!literal.contains(":") && !literal.matches("[0-9.]+")) {
      return false;
    }
    try {
      return InetAddress.getByName(literal).isLoopbackAddress();
    } catch (UnknownHostException notAnAddress) {
      return false;
    }
  }

  private HttpResponse exchange(
      String method, URI uri, String shown, String json, Duration timeout, Duration deadline)
      throws IOException {
    HttpUriRequestBase request = new HttpUriRequestBase(method, uri);
    request.setConfig(RequestConfig.custom().setResponseTimeout(Timeout.of(timeout)).build());
    request.setHeader("Accept", "application/json");
    List<String> credentials = new ArrayList<>();
    secretHeaders.forEach(
        (name, secret) -> {
          String value = secret.reveal();
          credentials.add(value);
          request.setHeader(name, value);
        });
    if (json != null) {
      request.setEntity(new StringEntity(json, ContentType.APPLICATION_JSON));
    }
    sent.incrementAndGet();
    askedForClientCertificate.set(false);
    long start = System.nanoTime();
    // The socket timeout restarts with every byte, so a server that drips its answer is stopped
    // here.
    AtomicBoolean late = new AtomicBoolean();
    ScheduledFuture<?> abort =
        deadlines.schedule(
            () -> {
              late.set(true);
              request.cancel();
            },
            deadline.toNanos(),
            TimeUnit.NANOSECONDS);
    HttpResponse response;
    try {
      response =
          client.execute(
              request,
              r -> {
                Map<String, String> headers = new HashMap<>();
                for (Header h : r.getHeaders()) {
                  headers.putIfAbsent(
                      h.getName().toLowerCase(Locale.ROOT), redact(h.getValue(), credentials));
                }
                String text =
                    r.getEntity() == null ? "" : read(r.getEntity(), request, method, shown);
                return new HttpResponse(
                    method, shown, r.getCode(), headers, redact(text, credentials));
              });
    } catch (IOException e) {
      if (late.get()) {
        throw new DeadlineExceeded(e);
      }
      throw e;
    } finally {
      abort.cancel(false);
    }
    LOG.debug(
        "{} {} -> {} ({} ms)",
        method,
        shown,
        response.status(),
        (System.nanoTime() - start) / 1_000_000);
    return response;
  }

  /**
   * {@code text} with every credential in it replaced, for a server that echoes what it was sent.
   */
  private static String redact(String text, List<String> credentials) {
    for (String credential : credentials) {
      text = text.replace(credential, REDACTED);
    }
    return text;
  }

  /** The body, as text, if it is within the cap. */
  private String read(HttpEntity entity, HttpUriRequestBase request, String method, String shown)
      throws IOException {
    try (InputStream in = entity.getContent()) {
      byte[] bytes = in.readNBytes(settings.maxResponseBytes());
      if (in.read() != -1) {
        // Closing the stream would otherwise read the rest of the answer, however long, to reuse
        // the connection.
        request.cancel();
        throw new ClusterOperationException(
            "the answer to "
                + method
                + " "
                + shown
                + " is longer than "
                + settings.maxResponseBytes()
                + " bytes (maxResponseBytes): if answers that large are expected, raise "
                + "maxResponseBytes in the HTTP settings; otherwise the address may point at the wrong server",
            false);
      }
      return new String(
          bytes,
          ContentType.getCharset(
              ContentType.parseLenient(entity.getContentType()), StandardCharsets.UTF_8));
    }
  }

  private URI resolve(String pathOrUrl) {
    Objects.requireNonNull(pathOrUrl, "pathOrUrl");
    if (pathOrUrl.startsWith("http://") || pathOrUrl.startsWith("https://")) {
      return URI.create(pathOrUrl);
    }
    String base = settings.baseUri().toString();
    String joined =
        (base.endsWith("/") ? base.substring(0, base.length() - 1) : base)
            + (pathOrUrl.startsWith("/") ? pathOrUrl : "/" + pathOrUrl);
    return URI.create(joined);
  }

  private static int port(URI uri) {
    return uri.getPort() >= 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
  }

  private static String toJson(Object body, String method, String shown) {
    try {
      return HttpResponse.MAPPER.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new UpkeepException(
          "cannot write the body of "
              + method
              + " "
              + shown
              + " as JSON: "
              + e.getOriginalMessage(),
          e);
    }
  }

  /** An attempt the rate limit would have kept waiting longer than the request timeout. */
  private static final class RequestNotPermitted extends Exception {
    private static final long serialVersionUID = 1L;

    RequestNotPermitted() {
      super("the request rate limit", null, false, false);
    }
  }

  /** An attempt its deadline aborted: retried as any IO failure, reported with the deadline. */
  private static final class DeadlineExceeded extends InterruptedIOException {
    DeadlineExceeded(IOException cause) {
      super("aborted at the request deadline");
      initCause(cause);
    }
  }

  /** Headers that would be sent, with every credential masked: for diagnostics. */
  public Map<String, String> describeHeaders() {
    Map<String, String> out = new LinkedHashMap<>();
    secretHeaders.forEach((name, secret) -> out.put(name, secret.toString()));
    return out;
  }
}
