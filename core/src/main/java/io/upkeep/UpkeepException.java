package io.upkeep;

/**
 * The root of every exception Upkeep throws. Unchecked; subclasses are named for the condition and
 * carry its context. Messages say what happened and what to do next.
 */
public class UpkeepException extends RuntimeException {

  /** An exception with {@code message}. */
  public UpkeepException(String message) {
    super(message);
  }

  /** An exception with {@code message} caused by {@code cause}. */
  public UpkeepException(String message, Throwable cause) {
    super(message, cause);
  }
}
