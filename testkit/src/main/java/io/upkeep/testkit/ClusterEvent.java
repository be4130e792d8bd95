package io.upkeep.testkit;

import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.Role;
import io.upkeep.TaskCap;
import java.time.Instant;
import java.util.Objects;

/**
 * An observable change of a {@link FakeCluster}, recorded in order: the cluster's side of the
 * story, to verify after a run with {@link FakeCluster#events()} or {@link
 * FakeCluster#takeEvent()}. A closed set of immutable, thread-safe records; all but {@link
 * MaintenanceModeChanged} are about one node. The {@link Outside} events are changes nobody asked
 * the cluster for through its ports: faults, an operator's own actions, other tools; a checker
 * tells them from the orchestrator's by type alone.
 */
public sealed interface ClusterEvent {

  /** When the change happened, in the cluster's virtual time. */
  Instant at();

  /** A change of one node. */
  sealed interface NodeEvent extends ClusterEvent {
    /** The node that changed. */
    NodeId node();
  }

  /**
   * A change of one node that the orchestrator did not make: a fault ({@link NodeLost}, {@link
   * Vanished}), the operator's own drain or undrain ({@link OperatorDrained}, {@link
   * OperatorUndrained}), or a member added by someone else ({@link Appeared}). What such an event
   * takes out of service counts against the budget, but is never the orchestrator's breach.
   */
  sealed interface Outside extends NodeEvent {}

  /**
   * Cluster-wide maintenance mode was turned on or off.
   *
   * @param at when
   * @param on whether it is on now
   */
  record MaintenanceModeChanged(Instant at, boolean on) implements ClusterEvent {
    /**
     * @throws NullPointerException if {@code at} is null
     */
    public MaintenanceModeChanged {
      Objects.requireNonNull(at, "at");
    }
  }

  /**
   * The node's task cap changed.
   *
   * @param at when
   * @param node the node
   * @param from the cap before
   * @param to the cap after
   */
  record TaskCapChanged(Instant at, NodeId node, TaskCap from, TaskCap to) implements NodeEvent {
    /**
     * @throws NullPointerException if a reference is null
     */
    public TaskCapChanged {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
    }
  }

  /**
   * The node was asked to drain: it takes no new work from now on.
   *
   * @param at when
   * @param node the node
   * @param deadline when the drain may be forced
   */
  record DrainStarted(Instant at, NodeId node, Instant deadline) implements NodeEvent {
    /**
     * @throws NullPointerException if a reference is null
     */
    public DrainStarted {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(deadline, "deadline");
    }
  }

  /**
   * The node runs no work any more after a drain.
   *
   * @param at when
   * @param node the node
   * @param migrated how many tasks were moved to other nodes at the drain deadline
   */
  record Drained(Instant at, NodeId node, int migrated) implements NodeEvent {
    /**
     * @throws NullPointerException if a reference is null
     * @throws IllegalArgumentException if a count is negative
     */
    public Drained {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
      if (migrated < 0) {
        throw new IllegalArgumentException("migrated must be 0 or more, got " + migrated);
      }
    }
  }

  /**
   * The node takes new work again.
   *
   * @param at when
   * @param node the node
   */
  record Undrained(Instant at, NodeId node) implements NodeEvent {
    /**
     * @throws NullPointerException if a reference is null
     */
    public Undrained {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
    }
  }

  /**
   * A host operation on the node was accepted and has begun; its effect comes when it ends. Safety
   * checks judge a disruptive operation (a stop, a decommission) here, when it was decided, not
   * when it lands: a fault that strikes while it runs is not the orchestrator's doing.
   *
   * @param at when
   * @param node the node
   * @param operation what was asked
   */
  record OperationRequested(Instant at, NodeId node, HostOperation operation) implements NodeEvent {
    /**
     * @throws NullPointerException if a reference is null
     */
    public OperationRequested {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(operation, "operation");
    }
  }

  /**
   * The node's service stopped; it is unreachable.
   *
   * @param at when
   * @param node the node
   */
  record ServiceStopped(Instant at, NodeId node) implements NodeEvent {
    /**
     * @throws NullPointerException if a reference is null
     */
    public ServiceStopped {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
    }
  }

  /**
   * The node's service started.
   *
   * @param at when
   * @param node the node
   */
  record ServiceStarted(Instant at, NodeId node) implements NodeEvent {
    /**
     * @throws NullPointerException if a reference is null
     */
    public ServiceStarted {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
    }
  }

  /**
   * The node's host was upgraded in place.
   *
   * @param at when
   * @param node the node
   * @param from the platform before
   * @param to the platform after
   */
  record Upgraded(Instant at, NodeId node, Platform from, Platform to) implements NodeEvent {
    /**
     * @throws NullPointerException if a reference is null
     */
    public Upgraded {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
    }
  }

  /**
   * An in-place upgrade of the node's host failed; its platform is unchanged.
   *
   * @param at when
   * @param node the node
   * @param reason why
   */
  record UpgradeFailed(Instant at, NodeId node, String reason) implements NodeEvent {
    /**
     * @throws NullPointerException if a reference is null
     */
    public UpgradeFailed {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * A new host was provisioned; it joins the cluster when its service starts.
   *
   * @param at when
   * @param node the node
   * @param replacing the node it replaces
   * @param platform what it runs on
   */
  record Provisioned(Instant at, NodeId node, NodeId replacing, Platform platform)
      implements NodeEvent {
    /**
     * @throws NullPointerException if a reference is null
     */
    public Provisioned {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(replacing, "replacing");
      Objects.requireNonNull(platform, "platform");
    }
  }

  /**
   * The node joined the cluster's membership.
   *
   * @param at when
   * @param node the node
   * @param cap its task cap
   * @param voter whether it votes
   */
  record Joined(Instant at, NodeId node, TaskCap cap, boolean voter) implements NodeEvent {
    /**
     * @throws NullPointerException if a reference is null
     */
    public Joined {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(cap, "cap");
    }
  }

  /**
   * The node was removed from the cluster's membership.
   *
   * @param at when
   * @param node the node
   */
  record Removed(Instant at, NodeId node) implements NodeEvent {
    /**
     * @throws NullPointerException if a reference is null
     */
    public Removed {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
    }
  }

  /**
   * The node's host was destroyed.
   *
   * @param at when
   * @param node the node
   */
  record Decommissioned(Instant at, NodeId node) implements NodeEvent {
    /**
     * @throws NullPointerException if a reference is null
     */
    public Decommissioned {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
    }
  }

  /**
   * A snapshot of the node's host was taken.
   *
   * @param at when
   * @param node the node
   * @param platform the platform it captured
   */
  record SnapshotTaken(Instant at, NodeId node, Platform platform) implements NodeEvent {
    /**
     * @throws NullPointerException if a reference is null
     */
    public SnapshotTaken {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(platform, "platform");
    }
  }

  /**
   * The node's host was restored from a snapshot.
   *
   * @param at when
   * @param node the node
   * @param platform the platform it is back on
   */
  record SnapshotRestored(Instant at, NodeId node, Platform platform) implements NodeEvent {
    /**
     * @throws NullPointerException if a reference is null
     */
    public SnapshotRestored {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(platform, "platform");
    }
  }

  /**
   * State folders were copied to the node from another.
   *
   * @param at when
   * @param node the node
   * @param from where they came from
   */
  record FoldersCopied(Instant at, NodeId node, NodeId from) implements NodeEvent {
    /**
     * @throws NullPointerException if a reference is null
     */
    public FoldersCopied {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(from, "from");
    }
  }

  /**
   * The node's load-balancer weight changed.
   *
   * @param at when
   * @param node the node
   * @param weight the new weight, percent of an equal share
   */
  record WeightChanged(Instant at, NodeId node, int weight) implements NodeEvent {
    /**
     * @throws NullPointerException if a reference is null
     * @throws IllegalArgumentException if a count is negative
     */
    public WeightChanged {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
      if (weight < 0) {
        throw new IllegalArgumentException("weight must be 0 or more, got " + weight);
      }
    }
  }

  /**
   * The node became its role's leader.
   *
   * @param at when
   * @param node the node
   */
  record LeaderElected(Instant at, NodeId node) implements NodeEvent {
    /**
     * @throws NullPointerException if a reference is null
     */
    public LeaderElected {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
    }
  }

  /**
   * The node was lost (a fault): it is unreachable and its tasks are gone.
   *
   * @param at when
   * @param node the node
   * @param lostTasks how many running tasks were lost
   */
  record NodeLost(Instant at, NodeId node, int lostTasks) implements Outside {
    /**
     * @throws NullPointerException if a reference is null
     * @throws IllegalArgumentException if a count is negative
     */
    public NodeLost {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
      if (lostTasks < 0) {
        throw new IllegalArgumentException("lostTasks must be 0 or more, got " + lostTasks);
      }
    }
  }

  /**
   * Tasks running on the node were interrupted by the orchestrator (a stop or decommission).
   *
   * @param at when
   * @param node the node
   * @param tasks how many
   */
  record WorkInterrupted(Instant at, NodeId node, int tasks) implements NodeEvent {
    /**
     * @throws NullPointerException if a reference is null
     * @throws IllegalArgumentException if a count is negative
     */
    public WorkInterrupted {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
      if (tasks < 0) {
        throw new IllegalArgumentException("tasks must be 0 or more, got " + tasks);
      }
    }
  }

  /**
   * The node left the membership without the orchestrator removing it (an autoscaler terminated it,
   * another operator deleted it): its host is gone for good and its running tasks are lost.
   *
   * @param at when
   * @param node the node
   * @param lostTasks how many running tasks were lost
   */
  record Vanished(Instant at, NodeId node, int lostTasks) implements Outside {
    /**
     * @throws NullPointerException if a reference is null
     * @throws IllegalArgumentException if a count is negative
     */
    public Vanished {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
      if (lostTasks < 0) {
        throw new IllegalArgumentException("lostTasks must be 0 or more, got " + lostTasks);
      }
    }
  }

  /**
   * A member was added by someone other than the orchestrator (an operator scaling out), with its
   * service running and healthy.
   *
   * @param at when
   * @param node the node
   * @param role its role
   * @param platform what it runs on
   * @param cap its task cap
   * @param voter whether it votes in its role's quorum
   * @param drained whether it joined drained, taking no new work
   */
  record Appeared(
      Instant at,
      NodeId node,
      Role role,
      Platform platform,
      TaskCap cap,
      boolean voter,
      boolean drained)
      implements Outside {
    /**
     * @throws NullPointerException if a reference is null
     */
    public Appeared {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(role, "role");
      Objects.requireNonNull(platform, "platform");
      Objects.requireNonNull(cap, "cap");
    }
  }

  /**
   * The operator drained the node themselves (Octopus: drain; Nomad: drain or ineligible), without
   * a deadline: it takes no new work and finishes what it runs. A run must leave it so.
   *
   * @param at when
   * @param node the node
   */
  record OperatorDrained(Instant at, NodeId node) implements Outside {
    /**
     * @throws NullPointerException if a reference is null
     */
    public OperatorDrained {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
    }
  }

  /**
   * The operator let the node take new work again themselves.
   *
   * @param at when
   * @param node the node
   */
  record OperatorUndrained(Instant at, NodeId node) implements Outside {
    /**
     * @throws NullPointerException if a reference is null
     */
    public OperatorUndrained {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(node, "node");
    }
  }
}
