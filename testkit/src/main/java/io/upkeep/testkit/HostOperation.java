package io.upkeep.testkit;

import java.time.Duration;

/**
 * The operations a {@link FakeCluster} carries out as a {@link io.upkeep.spi.HostPort}, each with
 * how long it takes unless the cluster or the node says otherwise.
 */
public enum HostOperation {
  /** Provisions a new host; 15 minutes. */
  PROVISION(Duration.ofMinutes(15)),
  /** Upgrades a host in place; 10 minutes. */
  UPGRADE(Duration.ofMinutes(10)),
  /** Stops the product's service; 30 seconds. */
  STOP_SERVICE(Duration.ofSeconds(30)),
  /** Starts the product's service; 1 minute. */
  START_SERVICE(Duration.ofMinutes(1)),
  /** Snapshots a host; 2 minutes. */
  SNAPSHOT(Duration.ofMinutes(2)),
  /** Restores a host from a snapshot; 5 minutes. */
  RESTORE(Duration.ofMinutes(5)),
  /** Copies state folders from one host to another; 5 minutes. */
  COPY_FOLDERS(Duration.ofMinutes(5)),
  /** Destroys a host; 1 minute. */
  DECOMMISSION(Duration.ofMinutes(1));

  private final Duration defaultDuration;

  HostOperation(Duration defaultDuration) {
    this.defaultDuration = defaultDuration;
  }

  /** How long the operation takes when neither the cluster nor the node overrides it. */
  public Duration defaultDuration() {
    return defaultDuration;
  }
}
