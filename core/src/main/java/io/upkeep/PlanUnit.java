package io.upkeep;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The work for one original node: its steps in order, and the units that must finish first. A unit
 * holds one slot of its role's budget from its first step to its last; the executor starts the next
 * unit the moment a slot frees (a sliding window), longest expected first. Immutable.
 *
 * @param node the original node this unit upgrades, replaces or migrates
 * @param role the node's role: the budget group the unit counts against
 * @param canary whether the unit is a canary that the others wait for
 * @param expected the expected duration, used to start the longest units first
 * @param estimate where {@code expected} comes from
 * @param after units that must have finished before this one starts (ordering constraints)
 * @param steps the steps, in order
 */
public record PlanUnit(
    NodeId node,
    Role role,
    boolean canary,
    Duration expected,
    Estimate estimate,
    List<NodeId> after,
    List<PlanStep> steps) {

  /** Where a unit's expected duration comes from, best first. */
  public enum Estimate {
    /** The policy's {@linkplain Policy.Builder#durationHint duration hint} for the node. */
    HINT,
    /**
     * What the node took in the latest run of the journal the planner {@linkplain
     * UpgradePlanner#learnFrom learns from}: the same cluster's earlier upgrade.
     */
    LEARNED,
    /**
     * Nothing known about the node itself: 10 minutes, plus a minute per task it runs now; once
     * units of the run are done, the executor takes their mean instead of the 10 minutes.
     */
    DEFAULT
  }

  /**
   * @throws NullPointerException if a component is null
   * @throws IllegalArgumentException if there are no steps
   */
  public PlanUnit {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(expected, "expected");
    // A plan journaled before estimates had a source knows only hints and defaults: default.
    estimate = estimate == null ? Estimate.DEFAULT : estimate;
    after = List.copyOf(after);
    steps = List.copyOf(steps);
    if (steps.isEmpty()) {
      throw new IllegalArgumentException("unit " + node + " has no steps");
    }
  }
}
