package io.upkeep.testkit.http;

import java.time.Duration;
import java.util.Objects;

/**
 * Something that goes wrong on the wire of any {@link FakeHttpServer} (the Octopus and the Nomad
 * fake alike), injected with {@link FakeHttpServer#inject}: the next {@code times} requests whose
 * path starts with {@code pathPrefix} (every request when it is empty) meet the fault instead of,
 * or before, the normal answer. Faults act before authentication, as a proxy or a crashing server
 * would; a request meets at most one fault, the first queued that matches it. A closed set of
 * immutable, thread-safe records, made with the static factories and narrowed with {@link
 * #on(String)}.
 *
 * <pre>{@code
 * octopus.inject(HttpFault.status(503, 2).on("/api/octopusservernodes/summary"));
 * nomad.inject(HttpFault.respond(500, "No cluster leader", 1).on("/v1/nodes"));
 * nomad.inject(HttpFault.dropConnection(1));
 * }</pre>
 */
public sealed interface HttpFault {

  /** How many matching requests meet the fault. */
  int times();

  /**
   * The prefix a request's {@linkplain RecordedRequest#path() path} must have (the path within its
   * target: after the {@code /node/<name>} of an Octopus node's address); empty for all.
   */
  String pathPrefix();

  /**
   * The same fault, only for requests whose path starts with {@code prefix}, such as {@code
   * /api/tasks} or {@code /v1/nodes}.
   *
   * @throws IllegalArgumentException if {@code prefix} is neither empty nor starts with {@code /}
   */
  HttpFault on(String prefix);

  /**
   * The next {@code times} requests answer {@code status} with the vendor's own error body naming
   * the fault: the Octopus fake's error JSON ({@code ErrorMessage}, {@code Errors}; a 429 also
   * carries {@code Retry-After: 1}), the Nomad fake's plain text.
   *
   * @throws IllegalArgumentException if the status is not 100 to 599 or {@code times} is below 1
   */
  static HttpFault status(int status, int times) {
    return new Status(status, null, times, "");
  }

  /**
   * The next {@code times} requests answer {@code status} with exactly {@code body} (JSON or not),
   * with the content type and headers of the vendor's error answer.
   *
   * @throws IllegalArgumentException if the status is not 100 to 599 or {@code times} is below 1
   */
  static HttpFault respond(int status, String body, int times) {
    return new Status(status, Objects.requireNonNull(body, "body"), times, "");
  }

  /**
   * The next {@code times} requests answer 200 with a body that is not valid JSON (cut off inside
   * an object), with the content type of the vendor's error answer.
   *
   * @throws IllegalArgumentException if {@code times} is below 1
   */
  static HttpFault malformedJson(int times) {
    return new Status(200, "{\"Items\": [ {\"Id\": \"fault-1\", ", times, "");
  }

  /**
   * The next {@code times} requests get no answer: the server closes the connection (recorded with
   * status 0).
   *
   * @throws IllegalArgumentException if {@code times} is below 1
   */
  static HttpFault dropConnection(int times) {
    return new DropConnection(times, "");
  }

  /**
   * The next {@code times} requests are answered normally, as at their arrival, but the answer is
   * sent only after {@code delay} of real time: the one fault that costs wall-clock time, so keep
   * it small (a client timeout shorter than it turns it into an IO error).
   *
   * @throws IllegalArgumentException if {@code delay} is negative or longer than 10 seconds
   */
  static HttpFault latency(Duration delay, int times) {
    return new Latency(delay, times, "");
  }

  private static void check(int times, String pathPrefix) {
    if (times < 1) {
      throw new IllegalArgumentException(
          "a fault must hit at least one request, got times=" + times);
    }
    Objects.requireNonNull(pathPrefix, "pathPrefix");
    if (!pathPrefix.isEmpty() && !pathPrefix.startsWith("/")) {
      throw new IllegalArgumentException(
          "a fault's path prefix is empty (every request) or starts with '/', such as "
              + "/api/tasks; got '"
              + pathPrefix
              + "'");
    }
  }

  /**
   * See {@link HttpFault#status} and {@link HttpFault#respond}.
   *
   * @param status the HTTP status to answer
   * @param body the body to answer, or null for the vendor's error body naming the fault
   * @param times how many requests it hits
   * @param pathPrefix which requests it hits; empty for all
   */
  record Status(int status, String body, int times, String pathPrefix) implements HttpFault {
    /**
     * @throws IllegalArgumentException if the status is not 100 to 599, {@code times} is below 1 or
     *     the path prefix does not start with {@code /}
     */
    public Status {
      if (status < 100 || status > 599) {
        throw new IllegalArgumentException("an HTTP status is 100 to 599, got " + status);
      }
      check(times, pathPrefix);
    }

    @Override
    public HttpFault on(String prefix) {
      return new Status(status, body, times, prefix);
    }
  }

  /**
   * See {@link HttpFault#dropConnection}.
   *
   * @param times how many requests it hits
   * @param pathPrefix which requests it hits; empty for all
   */
  record DropConnection(int times, String pathPrefix) implements HttpFault {
    /**
     * @throws IllegalArgumentException if {@code times} is below 1 or the path prefix does not
     *     start with {@code /}
     */
    public DropConnection {
      check(times, pathPrefix);
    }

    @Override
    public HttpFault on(String prefix) {
      return new DropConnection(times, prefix);
    }
  }

  /**
   * See {@link HttpFault#latency}.
   *
   * @param delay how long each hit request waits, in real time
   * @param times how many requests it hits
   * @param pathPrefix which requests it hits; empty for all
   */
  record Latency(Duration delay, int times, String pathPrefix) implements HttpFault {
    /**
     * @throws IllegalArgumentException if {@code delay} is negative or above 10 seconds, {@code
     *     times} below 1, or the path prefix does not start with {@code /}
     */
    public Latency {
      Objects.requireNonNull(delay, "delay");
      if (delay.isNegative() || delay.compareTo(Duration.ofSeconds(10)) > 0) {
        throw new IllegalArgumentException(
            "a latency fault waits 0 to 10 seconds of real time, got " + delay);
      }
      check(times, pathPrefix);
    }

    @Override
    public HttpFault on(String prefix) {
      return new Latency(delay, times, prefix);
    }
  }
}
