package io.upkeep.nomad;

import io.upkeep.ClusterOperationException;
import java.util.Objects;

/**
 * Nomad answered a request with an error the adapter has no more specific exception for; carries
 * the request and the status. Nomad's error bodies are plain text, quoted in the message (they never
 * contain the token).
 */
public class NomadApiException extends ClusterOperationException {

  private final String method;
  private final String path;
  private final int status;

  /**
   * An error for {@code method path} answered with {@code status}.
   *
   * @param message what happened and what to do next
   * @param retryable whether trying again later may succeed
   * @param method the request's method
   * @param path the request's path and query
   * @param status the HTTP status, 0 if there was none
   */
  public NomadApiException(String message, boolean retryable, String method, String path, int status) {
    super(message, retryable);
    this.method = Objects.requireNonNull(method, "method");
    this.path = Objects.requireNonNull(path, "path");
    this.status = status;
  }

  /** The request's method. */
  public String method() {
    return method;
  }

  /** The request's path and query. */
  public String path() {
    return path;
  }

  /** The HTTP status Nomad answered with. */
  public int status() {
    return status;
  }
}
