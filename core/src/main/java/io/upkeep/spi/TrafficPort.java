package io.upkeep.spi;

import io.upkeep.NodeId;

/**
 * The load balancer in front of the nodes. Optional: without one, every traffic step becomes a
 * manual approval gate that tells the operator which weight to set. Implementations must be
 * thread-safe and idempotent.
 */
public interface TrafficPort {

  /**
   * Sets {@code node}'s share of requests, in percent of an equal share: 100 means "as much as
   * every other node", 10 a tenth of that, 0 out of the load balancer.
   */
  void setWeight(NodeId node, int percentOfEqualShare);
}
