package io.upkeep;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;

/**
 * The role a node plays, which is also the group that budgets, quorum and ordering apply to: for
 * example {@code server} and {@code client} in Nomad, {@code octopus-node} in Octopus Deploy.
 * Immutable and thread-safe.
 *
 * @param name the role's name; not blank
 */
public record Role(@JsonValue String name) implements Comparable<Role> {

  /**
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public Role {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("a role name must not be blank");
    }
  }

  /** Returns the role named {@code name}. */
  @JsonCreator
  public static Role of(String name) {
    return new Role(name);
  }

  @Override
  public int compareTo(Role other) {
    return name.compareTo(other.name);
  }

  @Override
  public String toString() {
    return name;
  }
}
