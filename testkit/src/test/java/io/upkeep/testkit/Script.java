package io.upkeep.testkit;

import io.upkeep.NodeId;
import io.upkeep.UpgradeTarget;
import io.upkeep.spi.OperationHandle;
import io.upkeep.spi.OperationStatus;
import java.time.Duration;

/** A hand-written orchestrator for tests: the steps of an in-place upgrade, one call each. */
final class Script {

  private Script() {}

  static NodeId id(String node) {
    return NodeId.of(node);
  }

  /** Waits in virtual time until the operation ends, and returns how it ended. */
  static OperationStatus await(FakeCluster cluster, OperationHandle handle) {
    while (cluster.poll(handle).state() == OperationStatus.State.RUNNING) {
      cluster.clock().sleep(Duration.ofSeconds(1));
    }
    return cluster.poll(handle);
  }

  static OperationStatus stop(FakeCluster cluster, String node) {
    return await(cluster, cluster.stopService(node + "/stop", id(node)));
  }

  static OperationStatus start(FakeCluster cluster, String node) {
    return await(cluster, cluster.startService(node + "/start", id(node)));
  }

  /** Drains, waits until idle, stops, upgrades, starts and undrains {@code node}. */
  static void upgradeInPlace(FakeCluster cluster, String node, UpgradeTarget target) {
    cluster.drain(id(node), cluster.clock().now().plus(Duration.ofHours(1)));
    while (cluster.runningWork(id(node)) > 0) {
      cluster.awaitChange(cluster.observe(), Duration.ofMinutes(1));
    }
    stop(cluster, node);
    await(cluster, cluster.upgrade(node + "/upgrade", id(node), target));
    start(cluster, node);
    cluster.undrain(id(node));
  }
}
