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
 * @param after units that must have finished before this one starts (ordering constraints)
 * @param steps the steps, in order
 */
public record PlanUnit(
    NodeId node,
    Role role,
    boolean canary,
    Duration expected,
    List<NodeId> after,
    List<PlanStep> steps) {

  /**
   * @throws NullPointerException if a component is null
   * @throws IllegalArgumentException if there are no steps
   */
  public PlanUnit {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(expected, "expected");
    after = List.copyOf(after);
    steps = List.copyOf(steps);
    if (steps.isEmpty()) {
      throw new IllegalArgumentException("unit " + node + " has no steps");
    }
  }
}
