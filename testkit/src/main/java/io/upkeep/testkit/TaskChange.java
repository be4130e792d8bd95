package io.upkeep.testkit;

import io.upkeep.NodeId;
import java.time.Instant;
import java.util.Objects;

/**
 * One step in the life of a {@link FakeCluster} task, as {@link FakeCluster#watchTasks} reports it:
 * for fakes of a vendor's task API, which follow the cluster's simulated work. Immutable.
 *
 * @param task the task's id, unique within its cluster, from 1 in the order tasks were created
 * @param kind what happened
 * @param node the node it happened on: where the task started, ran or stopped; null while queued
 * @param at when it happened, in the cluster's virtual time
 */
public record TaskChange(long task, Kind kind, NodeId node, Instant at) {

  /** What happened to a task. */
  public enum Kind {
    /** It joined the queue (or was already there, or running, when the watch began). */
    QUEUED,
    /** A node took it from the queue and runs it. */
    STARTED,
    /** It ran to its end. */
    COMPLETED,
    /** It stopped unfinished because its node stopped, was lost or left. */
    INTERRUPTED,
    /** A forced drain took it off its node and put it back at the head of the queue. */
    REQUEUED,
    /** {@link FakeCluster#cancelTask} ended it, queued or running. */
    CANCELED
  }

  /**
   * @throws NullPointerException if {@code kind} or {@code at} is null
   */
  public TaskChange {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(at, "at");
  }
}
