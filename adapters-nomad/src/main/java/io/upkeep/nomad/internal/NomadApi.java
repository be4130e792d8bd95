package io.upkeep.nomad.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.upkeep.ClusterOperationException;
import io.upkeep.NodeId;
import io.upkeep.Secret;
import io.upkeep.UnknownNodeException;
import io.upkeep.http.HttpResponse;
import io.upkeep.http.HttpTransport;
import io.upkeep.nomad.NomadApiException;
import io.upkeep.nomad.NomadNoLeaderException;
import io.upkeep.nomad.NomadPermissionException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Nomad's HTTP API over the shared transport: paths with the region, blocking queries, and Nomad's
 * plain-text errors turned into exceptions that name the capability or the node and the fix.
 */
public final class NomadApi {

  /** Capabilities as Nomad's API documentation names them per endpoint. */
  public static final String NODE_READ = "node:read";

  public static final String NODE_WRITE = "node:write";
  public static final String AGENT_READ = "agent:read";
  public static final String AGENT_WRITE = "agent:write";
  public static final String OPERATOR_READ = "operator:read";
  public static final String MANAGEMENT = "management";
  public static final String ALLOCATIONS_READ = "node:read and namespace:read-job";

  private static final int MAX_BODY_SHOWN = 300;

  private final HttpTransport http;
  private final Optional<String> region;
  private final Optional<Secret> token;
  private final Duration requestTimeout;

  /** A body read along with the {@code X-Nomad-Index} it was answered at (0 if none). */
  public record Indexed<T>(T value, long index) {}

  public NomadApi(
      HttpTransport http,
      Optional<String> region,
      Optional<Secret> token,
      Duration requestTimeout) {
    this.http = http;
    this.region = region;
    this.token = token;
    this.requestTimeout = requestTimeout;
  }

  /**
   * {@code path} with the region and {@code params} (name, value pairs; a null value is skipped).
   */
  public String path(String path, String... params) {
    StringBuilder sb = new StringBuilder(path);
    char sep = path.indexOf('?') < 0 ? '?' : '&';
    for (int i = 0; i < params.length; i += 2) {
      if (params[i + 1] != null) {
        sb.append(sep)
            .append(params[i])
            .append('=')
            .append(URLEncoder.encode(params[i + 1], StandardCharsets.UTF_8));
        sep = '&';
      }
    }
    if (region.isPresent()) {
      sb.append(sep)
          .append("region=")
          .append(URLEncoder.encode(region.get(), StandardCharsets.UTF_8));
    }
    return sb.toString();
  }

  /** GET, failing on any non-2xx answer. */
  public HttpResponse get(String path, String capability, NodeId node) {
    HttpResponse r = http.get(path);
    if (!r.ok()) {
      throw failure(r, capability, node);
    }
    return r;
  }

  /** GET and read the body as {@code type}. */
  public <T> T get(String path, String capability, Class<T> type) {
    return get(path, capability, (NodeId) null).as(type);
  }

  /** GET and read the body as {@code type}, failing on any non-2xx answer. */
  public <T> T get(String path, String capability, NodeId node, TypeReference<T> type) {
    return read(get(path, capability, node), type);
  }

  /** GET whatever the status: for endpoints whose non-2xx answers carry data (autopilot's 429). */
  public HttpResponse getAnyStatus(String path) {
    return http.get(path);
  }

  /**
   * A blocking query: waits in real time until the answer's index passes {@code index} or {@code
   * wait} ends; with {@code index} 0 or {@code wait} zero, an ordinary read.
   */
  public <T> Indexed<T> blocking(
      String path,
      long index,
      Duration wait,
      String capability,
      NodeId node,
      TypeReference<T> type) {
    boolean block = index > 0 && !wait.isZero();
    String full =
        block
            ? path(
                path,
                "index",
                Long.toUnsignedString(index),
                "wait",
                Math.max(1, wait.toMillis()) + "ms")
            : path(path);
    // Nomad adds up to wait/16 of jitter to a blocking query's wait.
    HttpResponse r =
        block ? http.get(full, requestTimeout.plus(wait).plus(wait.dividedBy(16))) : http.get(full);
    if (!r.ok()) {
      throw failure(r, capability, node);
    }
    return new Indexed<>(read(r, type), index(r));
  }

  /**
   * PUT {@code body}, failing on any non-2xx answer; a "node not found" is not retried, as no
   * attempt changes it.
   */
  public HttpResponse put(String path, Object body, String capability, NodeId node) {
    HttpResponse r = http.put(path, body, NomadApi::nodeNotFound);
    if (!r.ok()) {
      throw failure(r, capability, node);
    }
    return r;
  }

  /** {@code X-Nomad-Index}, or 0 when absent or unreadable (Nomad's own client is as lenient). */
  public static long index(HttpResponse r) {
    try {
      return r.header("X-Nomad-Index").map(Long::parseUnsignedLong).orElse(0L);
    } catch (NumberFormatException e) {
      return 0L;
    }
  }

  /** Reads {@code r}'s body as {@code type}, or fails naming the request. */
  public <T> T read(HttpResponse r, TypeReference<T> type) {
    if (r.body().isBlank()) {
      throw malformed(r, "the answer is empty");
    }
    try {
      T value = http.mapper().readValue(r.body(), type);
      if (value == null) {
        throw malformed(r, "the answer is JSON null");
      }
      return value;
    } catch (JsonProcessingException e) {
      throw malformed(r, e.getOriginalMessage());
    }
  }

  /** Reads {@code r}'s body as a list of {@code type}, a JSON null as an empty list. */
  public <T> List<T> readList(HttpResponse r, TypeReference<List<T>> type) {
    if (r.body().strip().equals("null")) {
      return List.of();
    }
    return read(r, type);
  }

  public static ClusterOperationException malformed(HttpResponse r, String why) {
    return new ClusterOperationException(
        "malformed answer to "
            + r.method()
            + " "
            + r.path()
            + " (HTTP "
            + r.status()
            + "): "
            + why
            + "; is the address pointing at a Nomad server's HTTP API?",
        false);
  }

  /** Whether {@code r} says the node is unknown: a 404, or the 500 Nomad gives for it on writes. */
  static boolean nodeNotFound(HttpResponse r) {
    return (r.status() == 404 || r.status() == 500)
        && r.body().toLowerCase(Locale.ROOT).contains("node not found");
  }

  /** The exception for a non-2xx answer. */
  public RuntimeException failure(HttpResponse r, String capability, NodeId node) {
    String body = r.body().strip();
    String lower = body.toLowerCase(Locale.ROOT);
    String call = r.method() + " " + r.path();
    String shown =
        body.length() > MAX_BODY_SHOWN ? body.substring(0, MAX_BODY_SHOWN) + "..." : body;
    if (r.status() == 403) {
      String who =
          token
              .map(t -> "the ACL token (" + t + ")")
              .orElse("the anonymous policy (no ACL token is configured)");
      if (lower.contains("acl token not found")) {
        return new NomadPermissionException(
            "Nomad does not know "
                + who
                + " used for "
                + call
                + " (403 ACL token not found): give the SecretID of a current token of this region, "
                + "for example NomadConfig.Builder.token(Secret.fromEnvironment(\"NOMAD_TOKEN\"))",
            capability,
            r.method(),
            r.path(),
            body);
      }
      return new NomadPermissionException(
          "Nomad refused "
              + call
              + " (403 "
              + (shown.isEmpty() ? "Forbidden" : shown)
              + "): "
              + who
              + " lacks the "
              + capability
              + " capability; add it to the token's ACL policy"
              + (token.isEmpty()
                  ? ", or configure a token with NomadConfig.Builder.token(...)"
                  : ""),
          capability,
          r.method(),
          r.path(),
          body);
    }
    if (node != null && nodeNotFound(r)) {
      return new UnknownNodeException(
          node,
          "Nomad does not know it (HTTP "
              + r.status()
              + " node not found on "
              + call
              + "): it may have been purged or replaced; observe the cluster again");
    }
    if (r.status() == 500 && lower.contains("no cluster leader")) {
      return new NomadNoLeaderException(
          "the Nomad region has no leader (500 No cluster leader on "
              + call
              + "): an election is under way or quorum is lost; nothing was changed, and the call can be tried again. "
              + "If it lasts, check the servers with 'nomad server members' and 'nomad operator raft list-peers'",
          r.method(),
          r.path(),
          body);
    }
    boolean retryable = r.status() >= 500;
    return new NomadApiException(
        "Nomad answered HTTP "
            + r.status()
            + " to "
            + call
            + (shown.isEmpty() ? "" : ": " + shown)
            + (retryable
                ? "; the server failed, trying again later may succeed"
                : "; check the request and the Nomad version"),
        retryable,
        r.method(),
        r.path(),
        r.status(),
        body);
  }
}
