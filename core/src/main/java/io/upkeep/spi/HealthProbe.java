package io.upkeep.spi;

import io.upkeep.Node;
import java.time.Instant;

/**
 * A check of one node made directly against it (its own URL, not through the load balancer), such
 * as "the Octopus UI answers on this node and names it in the {@code Octopus-Node} header".
 * Registered with the executor under {@link #name()}; policies refer to it by that name.
 * Implementations must be thread-safe.
 */
public interface HealthProbe {

  /** The name policies use for this probe. */
  String name();

  /** Checks {@code node}; must not throw for an unhealthy node, only report it. */
  ProbeResult check(Node node);

  /**
   * Checks {@code node} again during a soak (a canary's, a ramp step's, a trial's) that began at
   * {@code since}: the executor calls it every {@link io.upkeep.Policy#soakWatchInterval()} of the
   * soak, and the first failure fails the node's unit. A probe that judges a span of time (the
   * tasks the node failed since the soak began, against the other nodes' over the same time)
   * overrides it; by default it is {@link #check}. Must not throw for an unhealthy node, only
   * report it.
   */
  default ProbeResult watch(Node node, Instant since) {
    return check(node);
  }

  /**
   * The verdict of a probe.
   *
   * @param passed whether the node passed
   * @param detail what was seen, for people
   */
  record ProbeResult(boolean passed, String detail) {
    /** A pass. */
    public static ProbeResult pass(String detail) {
      return new ProbeResult(true, detail);
    }

    /** A failure. */
    public static ProbeResult fail(String detail) {
      return new ProbeResult(false, detail);
    }
  }
}
