package io.upkeep.octopus;

import io.upkeep.ClusterOperationException;
import io.upkeep.NodeId;
import io.upkeep.octopus.internal.OctopusApi;
import io.upkeep.spi.NodeHook;
import io.upkeep.spi.OperationStatus;

/**
 * Seed 000's "pick a time with minimal deployments" before the task-cap trial, as a plan step
 * ({@link io.upkeep.HookPoint#BEFORE_TRIAL}): it waits, asked again at each poll, until at most
 * {@code maxTasks} server tasks are queued, executing or cancelling in the configured spaces and
 * the system (one {@code GET /api/tasks?states=Queued,Executing,Cancelling&take=0} a look), so the
 * trial, which leaves one node taking tasks, does not meet a busy queue. A queue that never quiets
 * fails the step at the policy's operation deadline, and the canary is restored. Place it with
 * {@link OctopusProcedure#withHook}: {@code
 * highAvailabilityHostUpgrade(octopus).withHook(octopus.quietQueue(2), HookPoint.BEFORE_TRIAL)}.
 * Reads only, so it is idempotent. Thread-safe.
 */
public final class OctopusQuietQueue implements NodeHook {

  /** The hook's name in policies and plans. */
  public static final String NAME = "octopus-quiet-queue";

  private final OctopusApi api;
  private final int maxTasks;

  OctopusQuietQueue(OctopusApi api, int maxTasks) {
    if (maxTasks < 0) {
      throw new IllegalArgumentException(
          "maxTasks is how many tasks may be queued or running when the trial starts: 0 or more,"
              + " got "
              + maxTasks);
    }
    this.api = api;
    this.maxTasks = maxTasks;
  }

  /** {@value #NAME}. */
  @Override
  public String name() {
    return NAME;
  }

  /** Done once the queue is quiet enough; running while it is not, or cannot be read. */
  @Override
  public OperationStatus run(String requestId, NodeId node) {
    int busy;
    try {
      busy = api.busyTasks();
    } catch (ClusterOperationException e) {
      if (!e.retryable()) {
        return OperationStatus.failed("cannot read the task queue: " + e.getMessage());
      }
      return new OperationStatus(
          OperationStatus.State.RUNNING, "cannot read the task queue now: " + e.getMessage());
    }
    String seen = busy + " task(s) queued or running";
    return busy <= maxTasks
        ? new OperationStatus(
            OperationStatus.State.SUCCEEDED, seen + ", at most " + maxTasks + ": quiet enough")
        : new OperationStatus(
            OperationStatus.State.RUNNING,
            seen + ", waiting for at most " + maxTasks + " before the trial");
  }

  @Override
  public String toString() {
    return "OctopusQuietQueue[" + NAME + ", max tasks " + maxTasks + "]";
  }
}
