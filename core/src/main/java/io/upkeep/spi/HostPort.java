package io.upkeep.spi;

import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.TaskCap;
import io.upkeep.UpgradeTarget;

/**
 * The user's infrastructure (a cloud SDK, Terraform, Ansible, a script): what changes hosts rather
 * than cluster membership. Long operations return a handle at once and are then {@linkplain #poll
 * polled}. Every call carries a {@code requestId} that is unique to one step of one run; calling
 * again with the same id must return the handle of the operation already started (idempotency), so
 * a run resumed after a crash never does the same thing twice. Implementations must be thread-safe.
 */
public interface HostPort {

  /**
   * Provisions a new host on {@code platform} and installs the product so that it joins the cluster
   * as {@code node}, taking at most {@code initialCap} tasks (0: none) from the start. For
   * clone-and-migrate the product is the same version, pointed at the same database.
   */
  OperationHandle provision(
      String requestId, NodeId node, NodeId replacing, Platform platform, TaskCap initialCap);

  /**
   * Upgrades {@code node}'s host in place to {@code target} (patches, new OS or runtime, new
   * binary).
   */
  OperationHandle upgrade(String requestId, NodeId node, UpgradeTarget target);

  /** Stops the product's service on {@code node}'s host. */
  OperationHandle stopService(String requestId, NodeId node);

  /** Starts the product's service on {@code node}'s host. */
  OperationHandle startService(String requestId, NodeId node);

  /** Takes a snapshot of {@code node}'s host (VM snapshot, disk image) to restore on failure. */
  OperationHandle snapshot(String requestId, NodeId node);

  /** Restores {@code node}'s host to the snapshot taken by the operation {@code snapshot}. */
  OperationHandle restore(String requestId, NodeId node, OperationHandle snapshot);

  /**
   * Copies the product's state folders (for Octopus: the backed-up folders) from one host to
   * another.
   */
  OperationHandle copyFolders(String requestId, NodeId from, NodeId to);

  /** Destroys {@code node}'s host for good. */
  OperationHandle decommission(String requestId, NodeId node);

  /** Where the operation behind {@code handle} stands. */
  OperationStatus poll(OperationHandle handle);
}
