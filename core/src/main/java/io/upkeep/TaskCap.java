package io.upkeep;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How many tasks a node may run at once; {@code 0} means it takes no new work. Systems without a
 * per-node cap (Nomad) report {@link #UNLIMITED}. Immutable and thread-safe.
 *
 * @param value the cap; zero or more
 */
public record TaskCap(@JsonValue int value) implements Comparable<TaskCap> {

  /** The cap of a node that takes no new work. */
  public static final TaskCap ZERO = new TaskCap(0);

  /** The cap reported by systems that have no per-node task cap. */
  public static final TaskCap UNLIMITED = new TaskCap(Integer.MAX_VALUE);

  /**
   * @throws IllegalArgumentException if {@code value} is negative
   */
  public TaskCap {
    if (value < 0) {
      throw new IllegalArgumentException("a task cap must be 0 or more, got " + value);
    }
  }

  /** Returns the cap {@code value}. */
  @JsonCreator
  public static TaskCap of(int value) {
    return new TaskCap(value);
  }

  /** Whether this is {@link #UNLIMITED}, i.e. the system has no task cap. */
  public boolean isUnlimited() {
    return value == Integer.MAX_VALUE;
  }

  /**
   * The cap as task slots counted towards capacity: 0 for {@link #UNLIMITED}, which systems without
   * caps report.
   */
  public int finiteValue() {
    return isUnlimited() ? 0 : value;
  }

  @Override
  public int compareTo(TaskCap other) {
    return Integer.compare(value, other.value);
  }

  @Override
  public String toString() {
    return isUnlimited() ? "unlimited" : Integer.toString(value);
  }
}
