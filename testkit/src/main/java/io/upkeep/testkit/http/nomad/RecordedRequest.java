package io.upkeep.testkit.http.nomad;

import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One request a {@link FakeNomadServer} received, as it arrived, with its credentials masked:
 * the {@code X-Nomad-Token} and {@code Authorization} headers read {@value #MASKED}, and
 * {@link #principal()} names the token that was used instead. Immutable and thread-safe.
 *
 * @param method the HTTP method
 * @param path the path, without the query
 * @param query the raw query string, empty if none
 * @param headers the request's headers, names in lower case, first value, credentials masked
 * @param body the request body, empty if none
 * @param principal the name of the ACL token that was sent ({@code anonymous} if none, {@code unknown}
 *     if the server does not know it)
 * @param status the status the server answered with, or 0 if it dropped the connection
 * @param at the cluster's virtual time when the request arrived
 */
public record RecordedRequest(String method, String path, String query, Map<String, String> headers, String body,
    String principal, int status, Instant at) {

  /** What a credential header's value reads in {@link #headers()}. */
  public static final String MASKED = "<masked>";

  /** @throws NullPointerException if a reference is null */
  public RecordedRequest {
    Objects.requireNonNull(method, "method");
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

  /** The query parameter {@code name} (URL-decoded), if present; an empty string for a bare flag such as {@code stale}. */
  public Optional<String> queryParameter(String name) {
    return Optional.ofNullable(Query.parse(query).get(name));
  }

  /** {@code "GET /v1/nodes?index=12"}: the method, the path and the query. */
  public String requestLine() {
    return method + " " + path + (query.isEmpty() ? "" : "?" + query);
  }

  @Override
  public String toString() {
    return requestLine() + " -> " + status + " (" + principal + ")";
  }
}
