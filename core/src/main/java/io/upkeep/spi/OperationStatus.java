package io.upkeep.spi;

import java.util.Objects;

/**
 * Where a {@link HostPort} operation stands.
 *
 * @param state running, succeeded or failed
 * @param detail a message for people: progress, or why it failed
 */
public record OperationStatus(State state, String detail) {

  /** The states of an operation. */
  public enum State {
    /** Still running. */
    RUNNING,
    /** Finished and did what was asked. */
    SUCCEEDED,
    /** Finished without doing what was asked. */
    FAILED
  }

  /**
   * @throws NullPointerException if a component is null
   */
  public OperationStatus {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(detail, "detail");
  }

  /** Still running. */
  public static OperationStatus running() {
    return new OperationStatus(State.RUNNING, "");
  }

  /** Succeeded. */
  public static OperationStatus succeeded() {
    return new OperationStatus(State.SUCCEEDED, "");
  }

  /** Failed because of {@code reason}. */
  public static OperationStatus failed(String reason) {
    return new OperationStatus(State.FAILED, reason);
  }
}
