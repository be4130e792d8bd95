package io.upkeep.octopus;

import io.upkeep.http.ApiException;
import java.util.List;

/**
 * The Octopus Server refused or failed a request, or answered something the adapter cannot read.
 * The message names the request, the status, and what Octopus said in its error body ({@code
 * ErrorMessage}, the {@linkplain #vendorMessage() vendor message}, and each of {@code Errors}),
 * then what to do. Retryable for 5xx and 429 (after the transport's own retries were used up), not
 * for 4xx or malformed answers.
 */
public class OctopusApiException extends ApiException {

  private static final long serialVersionUID = 1L;

  private final List<String> errors;

  /**
   * An exception for {@code method path} answered with {@code status}.
   *
   * @param message the full message, naming the request and the fix
   * @param retryable whether trying again later may succeed
   * @param method the request's method, or an empty string
   * @param path the request's path, or an empty string
   * @param status the HTTP status (200 for an unreadable 2xx answer)
   * @param errorMessage Octopus's {@code ErrorMessage}, or an empty string
   * @param errors Octopus's {@code Errors}
   */
  public OctopusApiException(
      String message,
      boolean retryable,
      String method,
      String path,
      int status,
      String errorMessage,
      List<String> errors) {
    super(message, retryable, method, path, status, errorMessage);
    this.errors = List.copyOf(errors);
  }

  /** Octopus's {@code Errors}, in order; empty if the answer had none. */
  public List<String> errors() {
    return errors;
  }
}
