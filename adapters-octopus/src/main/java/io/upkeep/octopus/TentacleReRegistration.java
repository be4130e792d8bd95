package io.upkeep.octopus;

import io.upkeep.NodeId;

/**
 * Your way of pointing polling Tentacles at a cloned Octopus Server whose address (DNS name)
 * differs from the source's. A polling Tentacle connects to one server address, so after a
 * clone-and-migrate to a new address each one must be re-registered (for example {@code tentacle
 * poll-server --server <new address> ...} on each deployment target, or a clone of the Tentacle
 * instance made with Octopus's {@code CloneTentacleInstance.ps1}); it has to run on the targets
 * themselves, which only your tooling can reach.
 *
 * <p>The clone-and-migrate preset ({@link OctopusProcedures#cloneAndMigrate(OctopusClusterPort,
 * TentacleReRegistration)}) calls it while it verifies the clone: after the clone is up and
 * healthy, before it takes work and long before the source is decommissioned. A call that returns
 * false (or throws) fails that verification attempt and is made again at the next attempt, until
 * the policy's health deadline, so implementations must be idempotent. Must be thread-safe.
 */
@FunctionalInterface
public interface TentacleReRegistration {

  /**
   * Makes every polling Tentacle that polled {@code source} poll {@code clone}.
   *
   * @param source the node being migrated away from
   * @param clone the clone that replaces it, answering at the new address
   * @return true when every polling Tentacle has been re-registered; false to be asked again later
   */
  boolean reRegister(NodeId source, NodeId clone);
}
