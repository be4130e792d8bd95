package io.upkeep;

import java.util.Objects;

/**
 * One step of a plan: an action on one node, with the reason it is there. Steps of a unit run in
 * order, each after the one before. Immutable.
 *
 * @param id unique within the plan, stable across serialisation (the journal's key)
 * @param node the node acted on (a unit may act on a new node or on the cluster's other nodes)
 * @param action what the step does
 * @param reason why the step is there, for people
 */
public record PlanStep(String id, NodeId node, Action action, String reason) {
  /**
   * @throws NullPointerException if a component is null
   */
  public PlanStep {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(reason, "reason");
  }
}
