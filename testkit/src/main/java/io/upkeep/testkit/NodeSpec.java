package io.upkeep.testkit;

import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.Role;
import io.upkeep.TaskCap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How one node of a {@link FakeCluster} starts out: a member, its service running, healthy and
 * active. Immutable and thread-safe; build one with {@link #builder(String)}.
 *
 * <p>A final class rather than a record, so that it can gain settings without breaking callers:
 * build it with {@link #builder(String)}, derive a variant with {@link #toBuilder()}, read it with
 * the accessors. Equal when every setting is.
 */
public final class NodeSpec {

  /** The role of a node whose role is not set. */
  public static final Role DEFAULT_ROLE = Role.of("node");

  /** The platform of a node whose platform is not set. */
  public static final Platform DEFAULT_PLATFORM =
      Platform.of("Windows Server 2019", ".NET 6.0", "2024.1.0");

  /** The task cap of a node whose cap is not set: Octopus Deploy's default. */
  public static final TaskCap DEFAULT_TASK_CAP = TaskCap.of(5);

  private final NodeId id;
  private final Role role;
  private final Platform platform;
  private final TaskCap taskCap;
  private final boolean voter;
  private final boolean leader;
  private final boolean runsWork;
  private final boolean drained;
  private final List<Duration> runningTasks;
  private final Map<HostOperation, Duration> durations;

  private NodeSpec(Builder b) {
    id = b.id;
    role = b.role;
    platform = b.platform;
    taskCap = b.taskCap;
    voter = b.voter;
    leader = b.leader;
    runsWork = b.runsWork;
    drained = b.drained;
    runningTasks = List.copyOf(b.runningTasks);
    durations = Map.copyOf(b.durations);
    if (leader && !voter) {
      throw new IllegalArgumentException(
          "node " + id + " is a leader but not a voter: make it a voter too");
    }
    if (!runsWork && !runningTasks.isEmpty()) {
      throw new IllegalArgumentException(
          "node " + id + " runs no work but starts with " + runningTasks.size() + " task(s)");
    }
    runningTasks.forEach(d -> requireNotNegative(d, "running task of " + id));
  }

  /** The node's id. */
  public NodeId id() {
    return id;
  }

  /** Its role (budget, quorum and ordering group). */
  public Role role() {
    return role;
  }

  /** What it runs on. */
  public Platform platform() {
    return platform;
  }

  /** How many tasks it may run; {@link TaskCap#UNLIMITED} for Nomad-like nodes. */
  public TaskCap taskCap() {
    return taskCap;
  }

  /** Whether it counts towards its role's quorum. */
  public boolean voter() {
    return voter;
  }

  /** Whether it is its role's leader; if no voter of a role is, the first voter leads. */
  public boolean leader() {
    return leader;
  }

  /** Whether it takes tasks at all (Nomad servers do not). */
  public boolean runsWork() {
    return runsWork;
  }

  /**
   * Whether the operator drained it (or made it ineligible) before the run: it takes no new work
   * but finishes what it runs.
   */
  public boolean drained() {
    return drained;
  }

  /** The durations of the tasks it runs at the start, beyond its cap if need be. */
  public List<Duration> runningTasks() {
    return runningTasks;
  }

  /** How long host operations take on this node, where they differ from the cluster's. */
  public Map<HostOperation, Duration> durations() {
    return durations;
  }

  /** Equal to another NodeSpec with the same settings. */
  @Override
  public boolean equals(Object other) {
    if (this == other) {
      return true;
    }
    if (!(other instanceof NodeSpec o)) {
      return false;
    }
    return id.equals(o.id)
        && role.equals(o.role)
        && platform.equals(o.platform)
        && taskCap.equals(o.taskCap)
        && voter == o.voter
        && leader == o.leader
        && runsWork == o.runsWork
        && drained == o.drained
        && runningTasks.equals(o.runningTasks)
        && durations.equals(o.durations);
  }

  /** A hash of every setting. */
  @Override
  public int hashCode() {
    return Objects.hash(
        id, role, platform, taskCap, voter, leader, runsWork, drained, runningTasks, durations);
  }

  /** Every setting, by name. */
  @Override
  public String toString() {
    return "NodeSpec["
        + "id="
        + id
        + ", role="
        + role
        + ", platform="
        + platform
        + ", taskCap="
        + taskCap
        + ", voter="
        + voter
        + ", leader="
        + leader
        + ", runsWork="
        + runsWork
        + ", drained="
        + drained
        + ", runningTasks="
        + runningTasks
        + ", durations="
        + durations
        + "]";
  }

  /** A builder for a node named {@code id}, with the defaults above. Not thread-safe. */
  public static Builder builder(String id) {
    return new Builder(NodeId.of(id));
  }

  /** A builder holding this spec's settings, to derive a variant of the same node. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  static void requireNotNegative(Duration d, String what) {
    Objects.requireNonNull(d, what);
    if (d.isNegative()) {
      throw new IllegalArgumentException(what + " must not be negative, got " + d);
    }
  }

  /**
   * Builds a {@link NodeSpec}. Not thread-safe. New settings arrive as new setters with a default,
   * so code that builds a spec keeps compiling and linking.
   */
  public static final class Builder {
    private final NodeId id;
    private Role role = DEFAULT_ROLE;
    private Platform platform = DEFAULT_PLATFORM;
    private TaskCap taskCap = DEFAULT_TASK_CAP;
    private boolean voter;
    private boolean leader;
    private boolean runsWork = true;
    private boolean drained;
    private final List<Duration> runningTasks = new ArrayList<>();
    private final Map<HostOperation, Duration> durations = new EnumMap<>(HostOperation.class);

    private Builder(NodeId id) {
      this.id = id;
    }

    private Builder(NodeSpec s) {
      id = s.id;
      role = s.role;
      platform = s.platform;
      taskCap = s.taskCap;
      voter = s.voter;
      leader = s.leader;
      runsWork = s.runsWork;
      drained = s.drained;
      runningTasks.addAll(s.runningTasks);
      durations.putAll(s.durations);
    }

    /** The node's role, such as {@code server} or {@code octopus-node}. */
    public Builder role(String value) {
      role = Role.of(value);
      return this;
    }

    /** What the node runs on. */
    public Builder platform(Platform value) {
      platform = Objects.requireNonNull(value, "platform");
      return this;
    }

    /** How many tasks the node may run; {@link TaskCap#UNLIMITED} for a Nomad-like node. */
    public Builder taskCap(TaskCap value) {
      taskCap = Objects.requireNonNull(value, "taskCap");
      return this;
    }

    /** How many tasks the node may run. */
    public Builder taskCap(int value) {
      return taskCap(TaskCap.of(value));
    }

    /** Whether the node counts towards its role's quorum. */
    public Builder voter(boolean value) {
      voter = value;
      return this;
    }

    /** Whether the node leads its role; a leader is also made a voter. */
    public Builder leader(boolean value) {
      leader = value;
      voter |= value;
      return this;
    }

    /** Whether the node takes tasks at all. */
    public Builder runsWork(boolean value) {
      runsWork = value;
      return this;
    }

    /**
     * Whether the operator drained the node (Octopus: drain; Nomad: drain or ineligible) before the
     * run, on purpose: a run must leave it so.
     */
    public Builder drained(boolean value) {
      drained = value;
      return this;
    }

    /** Adds a task the node runs from the start, finishing after {@code duration}. */
    public Builder runningTask(Duration duration) {
      runningTasks.add(duration);
      return this;
    }

    /** How long {@code operation} takes on this node. */
    public Builder duration(HostOperation operation, Duration value) {
      requireNotNegative(value, operation + " duration");
      durations.put(Objects.requireNonNull(operation, "operation"), value);
      return this;
    }

    /** How long an in-place upgrade takes on this node. */
    public Builder upgradeDuration(Duration value) {
      return duration(HostOperation.UPGRADE, value);
    }

    /**
     * The spec.
     *
     * @throws IllegalArgumentException if a leader is not a voter, a node that runs no work starts
     *     with tasks, or a running task's duration is negative
     */
    public NodeSpec build() {
      return new NodeSpec(this);
    }
  }
}
