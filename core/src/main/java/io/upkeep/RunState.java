package io.upkeep;

import io.upkeep.internal.Json;
import io.upkeep.spi.OperationHandle;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything a run knows about its progress, as a plain value: write it down after any turn ({@link
 * #toJson()}), read it back after a crash ({@link #fromJson(String)}) and hand it to {@link
 * UpgradeExecutor#resume(UpgradePlan, RunState)}. Together with idempotent steps and host
 * operations keyed by {@code runId/stepId}, that resumes without repeating any step wrongly. Holds
 * ids, times and operation handles only: never credentials. Immutable. A record Upkeep makes, which
 * may gain components: read it through its accessors, never positionally.
 *
 * @param runId the run's id, the prefix of every host operation's request id
 * @param planId the plan it executes
 * @param status where the run stands
 * @param reason why it is in that status (pause, failure, abort), or empty
 * @param startedAt when the run started
 * @param updatedAt when this state was taken
 * @param units per original node, its unit's progress
 * @param steps per step id, what the step has done so far: steps that started, of units not done (a
 *     done unit's steps are history, in its events, and leave the state)
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

  /**
   * @throws NullPointerException if a component is null
   */
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
    /** Failed, and some of its restore steps failed too: it needs an operator (see its failure). */
    RESTORE_FAILED,
    /**
     * Failed or stopped past its point of no return (its original node removed or destroyed): it is
     * <em>not</em> restored, and its replacement stays in service. An operator finishes it by hand
     * (roll forward): its failure names what is left to do.
     */
    NEEDS_ROLL_FORWARD,
    /** Never started: a unit it depends on failed, or the run stopped first. */
    SKIPPED
  }

  /**
   * One unit's progress.
   *
   * @param status where it stands
   * @param cursor index of the current step (of the plan's steps, or of {@code restoreSteps} when
   *     restoring)
   * @param startedAt when it took its slot, or null
   * @param finishedAt when it finished, or null
   * @param failure why it failed, or empty
   * @param restoreSteps the steps that undo what it did, once it failed
   * @param unrestored what its restore steps could not put back ({@code null} reads as empty)
   */
  public record UnitState(
      UnitStatus status,
      int cursor,
      Instant startedAt,
      Instant finishedAt,
      String failure,
      List<PlanStep> restoreSteps,
      List<Unrestored> unrestored) {
    /**
     * @throws NullPointerException if a required component is null
     */
    public UnitState {
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(failure, "failure");
      restoreSteps = List.copyOf(restoreSteps);
      unrestored = unrestored == null ? List.of() : List.copyOf(unrestored);
    }

    /** A unit with nothing left to restore. */
    public UnitState(
        UnitStatus status,
        int cursor,
        Instant startedAt,
        Instant finishedAt,
        String failure,
        List<PlanStep> restoreSteps) {
      this(status, cursor, startedAt, finishedAt, failure, restoreSteps, List.of());
    }

    /** A unit that has not started. */
    public static UnitState pending() {
      return new UnitState(UnitStatus.PENDING, 0, null, null, "", List.of());
    }

    /** A copy at {@code next}, the index of its next step. */
    public UnitState at(int next) {
      return new UnitState(status, next, startedAt, finishedAt, failure, restoreSteps, unrestored);
    }

    /** Whether it is over, one way or another. */
    public boolean finished() {
      return status != UnitStatus.PENDING
          && status != UnitStatus.RUNNING
          && status != UnitStatus.RESTORING;
    }
  }

  /**
   * Something a unit's restore could not put back.
   *
   * @param node the node it concerns
   * @param step what the restore step was to do
   * @param why why it was not done
   */
  public record Unrestored(NodeId node, String step, String why) {
    /**
     * @throws NullPointerException if a component is null
     */
    public Unrestored {
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(step, "step");
      Objects.requireNonNull(why, "why");
    }

    @Override
    public String toString() {
      return node + ": " + step + ": " + why;
    }
  }

  /**
   * What one step has done so far.
   *
   * @param startedAt when it started
   * @param issuedAt when its command was last sent to the cluster (a soak: when its probes were
   *     last checked), or null
   * @param operation the host operation it started, or null
   * @param healthySince since when its node has been seen healthy (settle and soak), or null
   * @param requested whether it has announced itself (approval requested, blocked reason said)
   * @param actingSince when it first acted, past its safety checks (the drain and operation
   *     deadlines count from here), or null
   */
  public record StepState(
      Instant startedAt,
      Instant issuedAt,
      OperationHandle operation,
      Instant healthySince,
      boolean requested,
      Instant actingSince) {
    /**
     * @throws NullPointerException if {@code startedAt} is null
     */
    public StepState {
      Objects.requireNonNull(startedAt, "startedAt");
    }

    /** A step that started at {@code at} and has done nothing yet. */
    public static StepState startedAt(Instant at) {
      return new StepState(at, null, null, null, false, null);
    }

    /** A copy whose command was sent at {@code at}. */
    public StepState issued(Instant at) {
      return new StepState(
          startedAt,
          at,
          operation,
          healthySince,
          requested,
          actingSince == null ? at : actingSince);
    }

    /** A copy of a soak whose probes were checked at {@code at}. */
    public StepState watched(Instant at) {
      return new StepState(startedAt, at, operation, healthySince, requested, actingSince);
    }

    /** A copy that started host operation {@code handle} at {@code at}. */
    public StepState operating(OperationHandle handle, Instant at) {
      return new StepState(
          startedAt, at, handle, healthySince, requested, actingSince == null ? at : actingSince);
    }

    /** A copy whose node has been healthy since {@code at} (null: not healthy now). */
    public StepState healthy(Instant at) {
      return new StepState(startedAt, issuedAt, operation, at, requested, actingSince);
    }

    /** A copy that has announced itself. */
    public StepState announced() {
      return new StepState(startedAt, issuedAt, operation, healthySince, true, actingSince);
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
    /**
     * @throws NullPointerException if a component is null
     */
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
