package io.upkeep.nomad;

/**
 * The region has no raft leader right now (500 {@code No cluster leader}): an election is under way
 * or quorum is lost. Retryable: the executor waits and observes again, changing nothing meanwhile;
 * if it lasts, check the servers ({@code nomad server members}, {@code nomad operator raft
 * list-peers}).
 */
public final class NomadNoLeaderException extends NomadApiException {

  /**
   * For {@code method path}.
   *
   * @param message what happened and what to do next
   * @param method the request's method
   * @param path the request's path and query
   * @param vendorMessage Nomad's error body, or an empty string
   */
  public NomadNoLeaderException(String message, String method, String path, String vendorMessage) {
    super(message, true, method, path, 500, vendorMessage);
  }
}
