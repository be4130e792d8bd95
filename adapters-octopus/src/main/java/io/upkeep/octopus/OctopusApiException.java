package io.upkeep.octopus;

import io.upkeep.ClusterOperationException;
import java.util.List;
import java.util.Objects;

/**
 * The Octopus Server refused or failed a request, or answered something the adapter cannot read.
 * The message names the request, the status, and what Octopus said in its error body
 * ({@code ErrorMessage} and each of {@code Errors}), then what to do. Retryable for 5xx and 429
 * (after the transport's own retries were used up), not for 4xx or malformed answers.
 */
public class OctopusApiException extends ClusterOperationException {

  private static final long serialVersionUID = 1L;

  private final int status;
  private final String errorMessage;
  private final List<String> errors;

  /**
   * An exception for a request answered with {@code status}.
   *
   * @param message the full message, naming the request and the fix
   * @param status the HTTP status (200 for an unreadable 2xx answer)
   * @param errorMessage Octopus's {@code ErrorMessage}, or an empty string
   * @param errors Octopus's {@code Errors}
   * @param retryable whether trying again later may succeed
   */
  public OctopusApiException(String message, int status, String errorMessage, List<String> errors, boolean retryable) {
    super(message, retryable);
    this.status = status;
    this.errorMessage = Objects.requireNonNull(errorMessage, "errorMessage");
    this.errors = List.copyOf(errors);
  }

  /** The HTTP status of the answer. */
  public int status() {
    return status;
  }

  /** Octopus's {@code ErrorMessage}, or an empty string if the answer had none. */
  public String errorMessage() {
    return errorMessage;
  }

  /** Octopus's {@code Errors}, in order; empty if the answer had none. */
  public List<String> errors() {
    return errors;
  }
}
