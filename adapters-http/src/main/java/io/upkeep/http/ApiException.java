package io.upkeep.http;

import io.upkeep.ClusterOperationException;
import java.util.Objects;

/**
 * A target system's API refused or failed a request, or answered something an adapter cannot read:
 * the base every vendor's API exception extends, so that callers handle both the same way. Carries
 * the request (method and path, empty when the failure concerns no single request), the HTTP
 * status, and the vendor's own message with every credential redacted; the message says what
 * happened and what to do next. Retryable where trying again later may succeed (5xx, 429, an
 * election), never for a rejected credential or a malformed answer.
 */
public class ApiException extends ClusterOperationException {

  private static final long serialVersionUID = 1L;

  private final String method;
  private final String path;
  private final int status;
  private final String vendorMessage;

  /**
   * An error for {@code method path} answered with {@code status}.
   *
   * @param message what happened and what to do next
   * @param retryable whether trying again later may succeed
   * @param method the request's method, or an empty string
   * @param path the request's path and query, or an empty string
   * @param status the HTTP status (200 for an unreadable 2xx answer, 0 if there was no answer)
   * @param vendorMessage what the vendor said in its error body, credentials redacted, or an empty
   *     string
   * @throws NullPointerException if a reference is null
   */
  public ApiException(
      String message,
      boolean retryable,
      String method,
      String path,
      int status,
      String vendorMessage) {
    super(message, retryable);
    this.method = Objects.requireNonNull(method, "method");
    this.path = Objects.requireNonNull(path, "path");
    this.status = status;
    this.vendorMessage = Objects.requireNonNull(vendorMessage, "vendorMessage");
  }

  /** The request's method, or an empty string if the failure concerns no single request. */
  public String method() {
    return method;
  }

  /** The request's path and query, or an empty string if the failure concerns no single request. */
  public String path() {
    return path;
  }

  /** The HTTP status of the answer (200 for an unreadable 2xx answer, 0 if there was none). */
  public int status() {
    return status;
  }

  /** What the vendor said in its error body, credentials redacted; empty if it said nothing. */
  public String vendorMessage() {
    return vendorMessage;
  }
}
