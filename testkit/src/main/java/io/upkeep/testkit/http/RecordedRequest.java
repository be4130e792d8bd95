package io.upkeep.testkit.http;

import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One request a {@link FakeHttpServer} received, as MockWebServer records them, with its
 * credentials masked: the vendor's credential headers and query parameters read {@value #MASKED}
 * (Octopus: {@code X-Octopus-ApiKey} and {@code apikey}; Nomad: {@code X-Nomad-Token} and {@code
 * Authorization}), and {@link #principal()} names the credential that was used instead. No
 * component, nor {@link #toString()}, ever holds a secret. Immutable and thread-safe; the servers
 * make them, tests read them.
 *
 * @param method the HTTP method, as sent
 * @param target which of the server's addresses it was sent to: empty for the base URL; a vendor
 *     fake with more than one address on its port names the other ones (the Octopus fake: the node
 *     whose own address {@code <base>/node/<name>} was called)
 * @param path the raw path within the target, without the query, such as {@code /api/tasks}
 * @param query the raw query string, credentials masked, or an empty string
 * @param headers the request's headers, names in lower case, first value each, credentials masked
 * @param body the request body, or an empty string
 * @param principal who the server took the caller for, as the vendor fake names its credentials:
 *     {@code anonymous} if none was sent, {@code unknown} if the server does not know it
 * @param status the status the server answered with, or 0 if it dropped the connection
 * @param at the virtual time (the fake cluster's clock) at which the request arrived
 */
public record RecordedRequest(
    String method,
    String target,
    String path,
    String query,
    Map<String, String> headers,
    String body,
    String principal,
    int status,
    Instant at) {

  /** What a credential reads in {@link #headers()} and {@link #query()}. */
  public static final String MASKED = "<masked>";

  /**
   * @throws NullPointerException if a reference is null
   */
  public RecordedRequest {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(query, "query");
    headers = Map.copyOf(headers);
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(principal, "principal");
    Objects.requireNonNull(at, "at");
  }

  /** The header {@code name}, in any case. */
  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
  }

  /**
   * The query parameter {@code name} (URL-decoded, first value), if present; an empty string for a
   * bare flag such as {@code stale}.
   */
  public Optional<String> queryParameter(String name) {
    return Optional.ofNullable(Query.parse(query).get(name));
  }

  /** The method and the path with its query, such as {@code GET /v1/nodes?index=12}. */
  public String requestLine() {
    return method + " " + path + (query.isEmpty() ? "" : "?" + query);
  }

  /** Such as {@code [octo-2] GET /api/tasks -> 200 (api-key)}: no secret, ever. */
  @Override
  public String toString() {
    return (target.isEmpty() ? "" : "[" + target + "] ")
        + requestLine()
        + " -> "
        + status
        + " ("
        + principal
        + ")";
  }
}
