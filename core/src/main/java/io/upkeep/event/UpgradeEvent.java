package io.upkeep.event;

import io.upkeep.NodeId;
import io.upkeep.PlanStep;
import io.upkeep.RunStatus;
import java.time.Duration;
import java.time.Instant;

/**
 * Something that happened in a run, stamped with the run's time source. A closed set of records (a
 * later version may add to it); listeners dispatch with {@code instanceof}. Events carry ids,
 * actions and reasons only, never credentials.
 */
public sealed interface UpgradeEvent {

  /** When it happened. */
  Instant at();

  /** One line for people, as the simulation prints it. */
  String describe();

  /** The run started (or was resumed from a saved state). */
  record RunStarted(Instant at, String runId, String planId, int units) implements UpgradeEvent {
    @Override
    public String describe() {
      return "run " + runId + " started: plan " + planId + ", " + units + " node(s)";
    }
  }

  /** A unit took a budget slot and started its first step. */
  record UnitStarted(Instant at, NodeId unit, int inFlight) implements UpgradeEvent {
    @Override
    public String describe() {
      return unit + ": started (" + inFlight + " in flight)";
    }
  }

  /** A unit could not start yet; said once per reason. */
  record UnitBlocked(Instant at, NodeId unit, String reason) implements UpgradeEvent {
    @Override
    public String describe() {
      return unit + ": waiting: " + reason;
    }
  }

  /** A step started. */
  record StepStarted(Instant at, NodeId unit, PlanStep step) implements UpgradeEvent {
    @Override
    public String describe() {
      return unit
          + ": "
          + (step.node().equals(unit) ? "" : step.node() + " ")
          + step.action().describe();
    }
  }

  /** A step finished as asked. */
  record StepCompleted(Instant at, NodeId unit, PlanStep step, String detail)
      implements UpgradeEvent {
    @Override
    public String describe() {
      return unit
          + ": done: "
          + step.action().describe()
          + (detail.isEmpty() ? "" : " (" + detail + ")");
    }
  }

  /** A step failed; its unit fails with it. */
  record StepFailed(Instant at, NodeId unit, PlanStep step, String reason) implements UpgradeEvent {
    @Override
    public String describe() {
      return unit + ": FAILED: " + step.action().describe() + ": " + reason;
    }
  }

  /** A unit finished all its steps and freed its slot. */
  record UnitCompleted(Instant at, NodeId unit, Duration took) implements UpgradeEvent {
    @Override
    public String describe() {
      return unit + ": upgraded in " + io.upkeep.Durations.format(took);
    }
  }

  /** A unit failed and was restored to its original state. */
  record UnitRestored(Instant at, NodeId unit) implements UpgradeEvent {
    @Override
    public String describe() {
      return unit + ": restored to its original state";
    }
  }

  /**
   * A unit ended in a state an operator must finish: a restore step failed, or it was past its
   * point of no return (its original node removed or destroyed) and is not restored.
   */
  record UnitNeedsOperator(Instant at, NodeId unit, String reason) implements UpgradeEvent {
    @Override
    public String describe() {
      return unit + ": NEEDS AN OPERATOR: " + reason;
    }
  }

  /** Nothing more can start or go on for now; said each time the reasons change. */
  record RunBlocked(Instant at, java.util.List<String> reasons) implements UpgradeEvent {
    /**
     * @throws NullPointerException if {@code reasons} is null
     */
    public RunBlocked {
      reasons = java.util.List.copyOf(reasons);
    }

    @Override
    public String describe() {
      return "blocked: " + String.join("; ", reasons);
    }
  }

  /** An approval gate is waiting for an operator. */
  record ApprovalRequested(Instant at, NodeId unit, String gate, String instructions)
      implements UpgradeEvent {
    @Override
    public String describe() {
      return unit + ": awaiting approval '" + gate + "': " + instructions;
    }
  }

  /** An approval gate was approved. */
  record Approved(Instant at, String gate) implements UpgradeEvent {
    @Override
    public String describe() {
      return "approved '" + gate + "'";
    }
  }

  /** An approval gate was declined: its unit fails and is restored. */
  record Declined(Instant at, String gate, String reason) implements UpgradeEvent {
    @Override
    public String describe() {
      return "declined '" + gate + "'" + (reason.isEmpty() ? "" : ": " + reason);
    }
  }

  /** The run's status changed (paused, resumed, rolling back, finished...). */
  record RunStatusChanged(Instant at, RunStatus status, String reason) implements UpgradeEvent {
    @Override
    public String describe() {
      return "run "
          + status.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
          + (reason.isEmpty() ? "" : ": " + reason);
    }
  }
}
