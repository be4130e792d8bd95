package io.upkeep.octopus;

import java.util.List;

/**
 * Octopus refused the API key (401) or the permissions of its user (403). Never retryable: the same
 * key fails the same way until someone fixes it. The message says which of the two it is and how to
 * fix it, and never contains the key.
 */
public final class OctopusCredentialException extends OctopusApiException {

  private static final long serialVersionUID = 1L;

  /** Which credential problem it is. */
  public enum Problem {
    /** 401: the key is missing, wrong, expired or revoked. */
    INVALID_API_KEY,
    /** 403: the key is valid, but its user lacks a permission the request needs. */
    MISSING_PERMISSION
  }

  private final Problem problem;

  /**
   * An exception for {@code problem}.
   *
   * @param message the full message, naming the request and the fix
   * @param method the request's method
   * @param path the request's path
   * @param problem which problem
   * @param errorMessage Octopus's {@code ErrorMessage}, or an empty string
   * @param errors Octopus's {@code Errors}
   */
  public OctopusCredentialException(
      String message,
      String method,
      String path,
      Problem problem,
      String errorMessage,
      List<String> errors) {
    super(
        message,
        false,
        method,
        path,
        problem == Problem.INVALID_API_KEY ? 401 : 403,
        errorMessage,
        errors);
    this.problem = problem;
  }

  /** Which credential problem it is. */
  public Problem problem() {
    return problem;
  }
}
