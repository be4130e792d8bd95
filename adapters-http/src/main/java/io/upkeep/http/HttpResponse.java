package io.upkeep.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.upkeep.ClusterOperationException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One answer from the server, whatever its status: the adapter decides what a status means.
 * Immutable.
 *
 * @param method the request's method
 * @param path the request's path and query, never with credentials
 * @param status the HTTP status
 * @param headers the answer's headers, names in lower case, first value, any credential the
 *     transport sent replaced by {@value HttpTransport#REDACTED}
 * @param body the answer's body, empty if none, any credential the transport sent replaced by
 *     {@value HttpTransport#REDACTED}
 */
public record HttpResponse(
    String method, String path, int status, Map<String, String> headers, String body) {

  static final ObjectMapper MAPPER =
      new ObjectMapper()
          .configure(
              com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
              false);

  /**
   * @throws NullPointerException if a reference is null
   */
  public HttpResponse {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    headers = Map.copyOf(headers);
    Objects.requireNonNull(body, "body");
  }

  /** The header {@code name}, in any case. */
  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
  }

  /**
   * How long the server asked to be left alone: {@code Retry-After} on a 429 or 503, in seconds or
   * as an HTTP-date counted from the answer's own {@code Date} (so that clock skew does not
   * matter); zero when it asks nothing readable.
   */
  Duration retryAfter() {
    String asked =
        status == 429 || status == 503 ? header("Retry-After").map(String::strip).orElse("") : "";
    try {
      if (asked.matches("\\d+")) {
        return Duration.ofSeconds(Long.parseLong(asked));
      }
      Instant until = DateTimeFormatter.RFC_1123_DATE_TIME.parse(asked, Instant::from);
      Instant now =
          DateTimeFormatter.RFC_1123_DATE_TIME.parse(header("Date").orElse(""), Instant::from);
      return now.isBefore(until) ? Duration.between(now, until) : Duration.ZERO;
    } catch (NumberFormatException | DateTimeParseException unreadable) {
      return Duration.ZERO;
    }
  }

  /** Whether the status is 2xx. */
  public boolean ok() {
    return status >= 200 && status < 300;
  }

  /**
   * The body as a JSON tree.
   *
   * @throws ClusterOperationException if the body is not JSON, naming the request
   */
  public JsonNode json() {
    if (body.isBlank()) {
      throw malformed("the answer is empty", null);
    }
    try {
      return MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw malformed(e.getOriginalMessage(), e);
    }
  }

  /**
   * The body read as {@code type}; fields the type does not know are ignored.
   *
   * @throws ClusterOperationException if the body is not JSON of that shape, naming the request
   */
  public <T> T as(Class<T> type) {
    try {
      T value = MAPPER.readValue(body, type);
      if (value == null) {
        throw malformed("the answer is JSON null", null);
      }
      return value;
    } catch (JsonProcessingException e) {
      throw malformed(e.getOriginalMessage(), e);
    }
  }

  private ClusterOperationException malformed(String why, Exception cause) {
    return new ClusterOperationException(
        "malformed JSON in the answer to "
            + method
            + " "
            + path
            + " (HTTP "
            + status
            + "): "
            + why
            + "; is the address pointing at the right server and version?",
        false,
        cause);
  }
}
