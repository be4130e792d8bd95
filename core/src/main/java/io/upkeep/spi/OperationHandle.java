package io.upkeep.spi;

import java.util.Objects;

/**
 * A reference to a long operation started through {@link HostPort}: a plain value a run keeps in
 * its state, so that after a restart it polls the same operation instead of starting it again.
 *
 * @param id the host implementation's identifier for the operation
 */
public record OperationHandle(String id) {
  /**
   * @throws IllegalArgumentException if {@code id} is blank
   */
  public OperationHandle {
    Objects.requireNonNull(id, "id");
    if (id.isBlank()) {
      throw new IllegalArgumentException("an operation handle needs an id");
    }
  }
}
