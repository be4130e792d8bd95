package io.upkeep;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;

/**
 * The identity of one cluster member, as the target system names it (an Octopus node name, a Nomad
 * node or server name). Immutable and thread-safe.
 *
 * @param value the name; not blank
 */
public record NodeId(@JsonValue String value) implements Comparable<NodeId> {

  /**
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is blank
   */
  public NodeId {
    Objects.requireNonNull(value, "value");
    if (value.isBlank()) {
      throw new IllegalArgumentException("a node id must not be blank");
    }
  }

  /** Returns the id for {@code value}; see the constructor for validation. */
  @JsonCreator
  public static NodeId of(String value) {
    return new NodeId(value);
  }

  @Override
  public int compareTo(NodeId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
