package io.upkeep;

/**
 * Thrown by a port when the target system or the user's infrastructure failed an operation.
 * Adapters translate HTTP, JSON and IO failures into this (or a subclass) at their boundary.
 */
public class ClusterOperationException extends UpkeepException {

  private final boolean retryable;

  /**
   * A failure described by {@code message}; {@code retryable} if trying again later may succeed.
   */
  public ClusterOperationException(String message, boolean retryable, Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
  }

  /** A failure described by {@code message}. */
  public ClusterOperationException(String message, boolean retryable) {
    this(message, retryable, null);
  }

  /** Whether trying the same operation again later may succeed. */
  public boolean retryable() {
    return retryable;
  }
}
