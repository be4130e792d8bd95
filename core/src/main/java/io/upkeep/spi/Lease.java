package io.upkeep.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * The right of one runner to drive the runs of one journal until {@code expiresAt}: at most one
 * runner holds it at a time. Each acquisition gets a larger {@code token} than every earlier one,
 * so a store can refuse the writes of a runner whose lease was taken over (fencing).
 *
 * @param owner who holds it (a runner's name: host, process, or what the user chose)
 * @param token the fencing token, larger on every acquisition
 * @param expiresAt when it lapses unless renewed, on the runners' clock
 */
public record Lease(String owner, long token, Instant expiresAt) {

  /**
   * @throws NullPointerException if a component is null
   * @throws IllegalArgumentException if {@code owner} is blank or {@code token} is not positive
   */
  public Lease {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(expiresAt, "expiresAt");
    if (owner.isBlank()) {
      throw new IllegalArgumentException("a lease needs an owner");
    }
    if (token <= 0) {
      throw new IllegalArgumentException("a lease token must be positive, got " + token);
    }
  }

  /** Whether it is still in force at {@code now}. */
  public boolean heldAt(Instant now) {
    return now.isBefore(expiresAt);
  }
}
