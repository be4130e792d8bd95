package io.upkeep.nomad;

import io.upkeep.http.ApiException;

/**
 * Nomad answered a request with an error the adapter has no more specific exception for; carries
 * the request, the status, and Nomad's plain-text error body as the {@linkplain #vendorMessage()
 * vendor message} (credentials redacted), also quoted in the message.
 */
public class NomadApiException extends ApiException {

  private static final long serialVersionUID = 1L;

  /**
   * An error for {@code method path} answered with {@code status}.
   *
   * @param message what happened and what to do next
   * @param retryable whether trying again later may succeed
   * @param method the request's method
   * @param path the request's path and query
   * @param status the HTTP status, 0 if there was none
   * @param vendorMessage Nomad's error body, or an empty string
   */
  public NomadApiException(
      String message,
      boolean retryable,
      String method,
      String path,
      int status,
      String vendorMessage) {
    super(message, retryable, method, path, status, vendorMessage);
  }
}
