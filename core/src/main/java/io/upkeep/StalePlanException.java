package io.upkeep;

import java.util.List;

/**
 * Thrown when a run is started with a plan the cluster no longer matches: a node left or joined, or
 * runs another version, role or task cap than when the plan was made. Nothing has been touched when
 * it is thrown; make a new plan from the cluster as it is now.
 */
public class StalePlanException extends UpkeepException {

  private final List<String> changes;

  /** For plan {@code planId} and what changed since it was made, each naming the node. */
  public StalePlanException(String planId, List<String> changes) {
    super(
        "the cluster changed since plan "
            + planId
            + " was made, so it is not started:\n  - "
            + String.join("\n  - ", changes)
            + "\nmake a new plan (UpgradePlanner.plan) from the cluster as it is now");
    this.changes = List.copyOf(changes);
  }

  /** What changed, one line per node. */
  public List<String> changes() {
    return changes;
  }
}
