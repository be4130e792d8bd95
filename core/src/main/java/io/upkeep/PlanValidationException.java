package io.upkeep;

import java.util.List;

/**
 * Thrown by the planner when a plan cannot be made safely: the policy cannot be met, a node is
 * unknown, the cluster is empty, the target is a downgrade. Nothing has been touched when it is
 * thrown.
 */
public class PlanValidationException extends UpkeepException {

  private final List<String> problems;

  /** For one or more {@code problems}, each naming the thing and the fix. */
  public PlanValidationException(List<String> problems) {
    super("cannot plan this upgrade:\n  - " + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  /** Every problem found, each naming the thing and the fix. */
  public List<String> problems() {
    return problems;
  }
}
