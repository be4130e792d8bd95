package io.upkeep.nomad;

import java.util.Objects;

/**
 * Nomad refused a request for lack of permission: 403 {@code Permission denied} (the token's
 * policies do not grant the capability) or 403 {@code ACL token not found} (the token is unknown,
 * expired, or from another region). Not retryable: the token or its policy must change.
 */
public final class NomadPermissionException extends NomadApiException {

  private final String capability;

  /**
   * A refusal of {@code method path} for a call that needs {@code capability}.
   *
   * @param message what happened and what to do next
   * @param capability the capability the call needs, as Nomad's documentation names it (such as
   *     {@code node:write})
   * @param method the request's method
   * @param path the request's path and query
   * @param vendorMessage Nomad's error body, or an empty string
   */
  public NomadPermissionException(
      String message, String capability, String method, String path, String vendorMessage) {
    super(message, false, method, path, 403, vendorMessage);
    this.capability = Objects.requireNonNull(capability, "capability");
  }

  /** The capability the refused call needs, such as {@code node:write} or {@code operator:read}. */
  public String capability() {
    return capability;
  }
}
