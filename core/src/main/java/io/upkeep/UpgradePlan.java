package io.upkeep;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.upkeep.internal.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * An inspectable, immutable upgrade plan, made by {@link UpgradePlanner} before anything is
 * touched: per node, ordered steps with the reason for each, plus the rules it obeys. Print it with
 * {@link #toText()} for a person (a dry run) or {@link #toJson()} for a machine; read it back with
 * {@link #fromJson(String)}. Thread-safe. A record Upkeep makes, which may gain components: read it
 * through its accessors, never positionally.
 *
 * @param id a stable id derived from the plan's content
 * @param createdAt when it was made, by the planner's time source
 * @param strategy how nodes are moved
 * @param target where they are moved to
 * @param policy how cautiously
 * @param constraints the system's rules, as observed
 * @param budgets per role, how many units may be in flight at once (policy and system combined)
 * @param units the work per original node
 * @param warnings what a person must know before running it (planned downtime, re-registration)
 * @param observed every member as the planner saw it: a run refuses to start if the cluster has
 *     changed since (versions, caps, membership)
 */
public record UpgradePlan(
    String id,
    Instant createdAt,
    Strategy strategy,
    UpgradeTarget target,
    Policy policy,
    Constraints constraints,
    Map<Role, Integer> budgets,
    List<PlanUnit> units,
    List<String> warnings,
    List<Node> observed) {

  /**
   * @throws NullPointerException if a component is null
   */
  public UpgradePlan {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(constraints, "constraints");
    budgets = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(budgets));
    units = List.copyOf(units);
    warnings = List.copyOf(warnings);
    observed = observed == null ? List.of() : List.copyOf(observed);
  }

  /** Every step of every unit, in plan order. */
  @JsonIgnore
  public List<PlanStep> steps() {
    List<PlanStep> out = new ArrayList<>();
    units.forEach(u -> out.addAll(u.steps()));
    return out;
  }

  /**
   * The unit for original node {@code node}.
   *
   * @throws UnknownNodeException if the plan has no unit for it
   */
  public PlanUnit unit(NodeId node) {
    return units.stream()
        .filter(u -> u.node().equals(node))
        .findFirst()
        .orElseThrow(
            () -> new UnknownNodeException(node, units.stream().map(PlanUnit::node).toList()));
  }

  /** The plan as JSON, for machines and journals. */
  public String toJson() {
    return Json.write(this);
  }

  /**
   * Reads a plan written by {@link #toJson()}.
   *
   * @throws UpkeepException if {@code json} is not a plan, naming what is wrong
   */
  public static UpgradePlan fromJson(String json) {
    return Json.read(json, UpgradePlan.class);
  }

  /**
   * The plan as text for a person: the rules, any warnings, then every unit's steps with reasons.
   */
  public String toText() {
    StringBuilder sb = new StringBuilder();
    sb.append("Upgrade plan ")
        .append(id)
        .append(": ")
        .append(strategyName())
        .append(" to ")
        .append(target)
        .append('\n');
    sb.append("  ")
        .append(units.size())
        .append(" node(s); in flight at once per role: ")
        .append(
            budgets.entrySet().stream()
                .sorted(Map.Entry.comparingByKey((a, b) -> a.name().compareTo(b.name())))
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", ")))
        .append("; drain deadline ")
        .append(Durations.format(policy.drainDeadline()))
        .append(", settle ")
        .append(Durations.format(policy.settle()))
        .append('\n');
    for (String w : warnings) {
      sb.append("  WARNING: ").append(w).append('\n');
    }
    for (PlanUnit u : units) {
      sb.append("  ")
          .append(u.node())
          .append(" [")
          .append(u.role())
          .append(u.canary() ? ", canary" : "")
          .append(", ~")
          .append(Durations.format(u.expected()))
          .append(']');
      if (!u.after().isEmpty()) {
        sb.append(" after ")
            .append(u.after().size() <= 4 ? u.after().toString() : u.after().size() + " nodes");
      }
      sb.append('\n');
      int i = 1;
      for (PlanStep s : u.steps()) {
        sb.append(
            String.format(
                "    %2d. %-12s %s  -- %s%n", i++, s.node(), s.action().describe(), s.reason()));
      }
    }
    return sb.toString();
  }

  private String strategyName() {
    if (strategy instanceof Strategy.InPlace) {
      return "in-place";
    }
    return strategy instanceof Strategy.RollingReplace ? "rolling replace" : "clone-and-migrate";
  }
}
