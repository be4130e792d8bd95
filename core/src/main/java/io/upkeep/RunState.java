package io.upkeep;

import io.upkeep.internal.Json;
import io.upkeep.spi.OperationHandle;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything a run knows about its progress, as a plain value: write it down after any turn
 * ({@link #toJson()}), read it back after a crash ({@link #fromJson(String)}) and hand it to
 * {@link UpgradeExecutor#resume(UpgradePlan, RunState)}. Together with idempotent steps and host
 * operations keyed by {@code runId/stepId}, that resumes without repeating any step wrongly.
 * Holds ids, times and operation handles only: never credentials. Immutable.
 *
 * @param runId the run's id, the prefix of every host operation's request id
 * @param planId the plan it executes
 * @param status where the run stands
 * @param reason why it is in that status (pause, failure, abort), or empty
 * @param startedAt when the run started
 * @param updatedAt when this state was taken
 * @param units per original node, its unit's progress
 * @param steps per step id, what the step has done so far (only steps that started)
 * @param origins per touched node, its cap and drain state before the run touched it
 * @param approvals gates an operator approved
 * @param failuresSinceResume failed units since the run started or was last resumed
 */
public record RunState(
    String runId,
    String planId,
    RunStatus status,
    String reason,
    Instant startedAt,
    Instant updatedAt,
    Map<NodeId, UnitState> units,
    Map<String, StepState> steps,
    Map<NodeId, NodeOrigin> origins,
    Set<String> approvals,
    int failuresSinceResume) {

  /** @throws NullPointerException if a component is null */
  public RunState {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(planId, "planId");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(updatedAt, "updatedAt");
    units = Map.copyOf(units);
    steps = Map.copyOf(steps);
    origins = Map.copyOf(origins);
    approvals = java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(approvals));
  }

  /** The state as JSON. */
  public String toJson() {
    return Json.write(this);
  }

  /**
   * Reads a state written by {@link #toJson()}.
   *
   * @throws UpkeepException if {@code json} is not a run state, naming what is wrong
   */
  public static RunState fromJson(String json) {
    return Json.read(json, RunState.class);
  }

  /** Where one unit stands. */
  public enum UnitStatus {
    /** Not started. */
    PENDING,
    /** Holding a budget slot and working through its steps. */
    RUNNING,
    /** Every step done. */
    DONE,
    /** Failed; undoing what it did. */
    RESTORING,
    /** Failed, then restored to how it was. */
    RESTORED,
    /** Failed, and restoring it failed too: it needs an operator. */
    RESTORE_FAILED,
    /** Never started: a unit it depends on failed, or the run stopped first. */
    SKIPPED
  }

  /**
   * One unit's progress.
   *
   * @param status where it stands
   * @param cursor index of the current step (of the plan's steps, or of {@code restoreSteps} when restoring)
   * @param startedAt when it took its slot, or null
   * @param finishedAt when it finished, or null
   * @param failure why it failed, or empty
   * @param restoreSteps the steps that undo what it did, once it failed
   */
  public record UnitState(
      UnitStatus status, int cursor, Instant startedAt, Instant finishedAt, String failure, List<PlanStep> restoreSteps) {
    /** @throws NullPointerException if a required component is null */
    public UnitState {
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(failure, "failure");
      restoreSteps = List.copyOf(restoreSteps);
    }

    /** A unit that has not started. */
    public static UnitState pending() {
      return new UnitState(UnitStatus.PENDING, 0, null, null, "", List.of());
    }
  }

  /**
   * What one step has done so far.
   *
   * @param startedAt when it started
   * @param issuedAt when its command was last sent to the cluster, or null
   * @param operation the host operation it started, or null
   * @param healthySince since when its node has been seen healthy (settle and soak), or null
   * @param requested whether it has announced itself (approval requested, blocked reason said)
   */
  public record StepState(
      Instant startedAt, Instant issuedAt, OperationHandle operation, Instant healthySince, boolean requested) {
    /** @throws NullPointerException if {@code startedAt} is null */
    public StepState {
      Objects.requireNonNull(startedAt, "startedAt");
    }
  }

  /**
   * How a node was before the run touched it.
   *
   * @param taskCap its task cap
   * @param drainState its drain state
   * @param platform what it ran on
   */
  public record NodeOrigin(TaskCap taskCap, DrainState drainState, Platform platform) {
    /** @throws NullPointerException if a component is null */
    public NodeOrigin {
      Objects.requireNonNull(taskCap, "taskCap");
      Objects.requireNonNull(drainState, "drainState");
      Objects.requireNonNull(platform, "platform");
    }

    /** How {@code node} is now. */
    public static NodeOrigin of(Node node) {
      return new NodeOrigin(node.taskCap(), node.drainState(), node.platform());
    }
  }
}
