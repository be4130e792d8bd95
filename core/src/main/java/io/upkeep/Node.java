package io.upkeep;

import java.util.Objects;

/**
 * One member of the cluster as observed at one instant. Immutable and thread-safe; use the {@code
 * with...} methods for a changed copy.
 *
 * @param id the node's identity
 * @param role the group it belongs to for budgets, quorum and ordering
 * @param platform what it runs on now
 * @param taskCap how many tasks it may run; {@link TaskCap#UNLIMITED} where the system has no cap
 * @param drainState whether it takes new work
 * @param health how it looks to the system
 * @param leader whether it is the current leader of its quorum group
 * @param voter whether it counts towards a quorum
 * @param runningWork how many tasks or allocations it runs now
 * @param runsWork whether it runs work at all (Nomad servers do not), so draining it means anything
 */
public record Node(
    NodeId id,
    Role role,
    Platform platform,
    TaskCap taskCap,
    DrainState drainState,
    Health health,
    boolean leader,
    boolean voter,
    int runningWork,
    boolean runsWork) {

  /**
   * @throws NullPointerException if any reference is null
   * @throws IllegalArgumentException if {@code runningWork} is negative or a leader is not a voter
   */
  public Node {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(platform, "platform");
    Objects.requireNonNull(taskCap, "taskCap");
    Objects.requireNonNull(drainState, "drainState");
    Objects.requireNonNull(health, "health");
    if (runningWork < 0) {
      throw new IllegalArgumentException("runningWork must be 0 or more, got " + runningWork);
    }
    if (leader && !voter) {
      throw new IllegalArgumentException("node " + id + " is a leader but not a voter");
    }
  }

  /** A healthy, active worker node (no quorum role) with the given cap and platform. */
  public static Node worker(String id, String role, Platform platform, int taskCap) {
    return new Node(
        NodeId.of(id),
        Role.of(role),
        platform,
        TaskCap.of(taskCap),
        DrainState.ACTIVE,
        Health.HEALTHY,
        false,
        false,
        0,
        true);
  }

  /** Whether the node serves now: healthy and taking new work. */
  public boolean inService() {
    return health == Health.HEALTHY && drainState == DrainState.ACTIVE;
  }

  /** A copy with {@code cap}. */
  public Node withTaskCap(TaskCap cap) {
    return new Node(
        id, role, platform, cap, drainState, health, leader, voter, runningWork, runsWork);
  }

  /** A copy with {@code state}. */
  public Node withDrainState(DrainState state) {
    return new Node(
        id, role, platform, taskCap, state, health, leader, voter, runningWork, runsWork);
  }

  /** A copy with {@code newHealth}. */
  public Node withHealth(Health newHealth) {
    return new Node(
        id, role, platform, taskCap, drainState, newHealth, leader, voter, runningWork, runsWork);
  }

  /** A copy on {@code newPlatform}. */
  public Node withPlatform(Platform newPlatform) {
    return new Node(
        id, role, newPlatform, taskCap, drainState, health, leader, voter, runningWork, runsWork);
  }

  /** A copy running {@code work} tasks. */
  public Node withRunningWork(int work) {
    return new Node(id, role, platform, taskCap, drainState, health, leader, voter, work, runsWork);
  }

  /** A copy with the given quorum role. */
  public Node withQuorumRole(boolean isVoter, boolean isLeader) {
    return new Node(
        id, role, platform, taskCap, drainState, health, isLeader, isVoter, runningWork, runsWork);
  }

  /** A copy that does or does not run work. */
  public Node withRunsWork(boolean runs) {
    return new Node(
        id, role, platform, taskCap, drainState, health, leader, voter, runningWork, runs);
  }
}
