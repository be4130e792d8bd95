package io.upkeep.testkit;

import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.Role;
import java.util.Objects;

/**
 * One host of a {@link FakeCluster} as it is at one instant, whether or not it is a cluster member:
 * what a test verifies about the infrastructure side. Immutable and thread-safe; get one with
 * {@link FakeCluster#host}.
 *
 * @param id the node id the host serves as
 * @param role its role
 * @param platform what it runs on now
 * @param voter whether it votes in its role's quorum while a member
 * @param provisioned whether it exists: false while its provision operation runs
 * @param member whether it is a member of the cluster now
 * @param serviceRunning whether the product's service runs on it
 * @param lost whether it was lost to a fault
 * @param decommissioned whether it was destroyed
 * @param broken whether a fault left it beyond an orchestrator's repair: lost, never returning from
 *     a restart, or with host operations that hang
 */
public record FakeHost(
    NodeId id,
    Role role,
    Platform platform,
    boolean voter,
    boolean provisioned,
    boolean member,
    boolean serviceRunning,
    boolean lost,
    boolean decommissioned,
    boolean broken) {

  /**
   * @throws NullPointerException if a reference is null
   */
  public FakeHost {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(platform, "platform");
  }
}
