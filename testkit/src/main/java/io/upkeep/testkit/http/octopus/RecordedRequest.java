package io.upkeep.testkit.http.octopus;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One request a {@link FakeOctopusServer} received, as MockWebServer records them. The API key is
 * never kept: its header is recorded as {@value FakeOctopusServer#MASK}. Immutable and thread-safe.
 *
 * @param method the HTTP method
 * @param target the node whose own address it was sent to, or an empty string for the base URL
 *     (the load balancer)
 * @param path the API path, without the {@code /node/<name>} prefix of a node address, such as
 *     {@code /api/octopusservernodes/summary}
 * @param query the raw query string, or an empty string
 * @param headers the request's headers, names in lower case, first value each, the API key masked
 * @param body the request body, or an empty string
 */
public record RecordedRequest(
    String method, String target, String path, String query, Map<String, String> headers, String body) {

  /** @throws NullPointerException if a component is null */
  public RecordedRequest {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(query, "query");
    headers = Map.copyOf(headers);
    Objects.requireNonNull(body, "body");
  }

  /** The header {@code name}, in any case. */
  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
  }

  /** The method and the path with its query, such as {@code GET /api/tasks?node=OctopusServerNodes-1}. */
  public String line() {
    return method + " " + path + (query.isEmpty() ? "" : "?" + query);
  }

  @Override
  public String toString() {
    return (target.isEmpty() ? "" : "[" + target + "] ") + line();
  }
}
