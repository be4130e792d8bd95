package io.upkeep.internal;

import io.upkeep.Action;
import io.upkeep.NodeId;
import io.upkeep.PlanStep;
import java.util.ArrayList;
import java.util.List;

/** Collects one unit's steps, giving each a stable id: {@code <unit>#<prefix><n>-<Action>}. */
final class StepList {
  private final NodeId unit;
  private final String prefix;
  final List<PlanStep> steps = new ArrayList<>();

  StepList(NodeId unit, String prefix) {
    this.unit = unit;
    this.prefix = prefix;
  }

  void add(NodeId node, Action action, String reason) {
    steps.add(
        new PlanStep(
            unit + "#" + prefix + (steps.size() + 1) + "-" + action.getClass().getSimpleName(),
            node,
            action,
            reason));
  }
}
