package io.upkeep;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.upkeep.internal.FinishEstimate;
import io.upkeep.internal.Json;
import io.upkeep.internal.Windows;
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

  /**
   * When the run is expected to finish if it starts at {@code start}: a simulation of the units at
   * their {@linkplain PlanUnit#expected() expected} durations, as many at once as each role's
   * budget allows, the executor's order among those ready (canaries, nodes already out of service,
   * then longest first; the leader of a quorum role last), and new units started only while one of
   * the policy's {@linkplain Policy#windows() maintenance windows} is open. As in a run, a unit in
   * flight when a window closes carries on past its end. Assumed: every unit takes its expected
   * time, nothing fails, gates and approvals pass at once, and the minimum task capacity holds no
   * unit back; so the estimate is as good as the expected durations (give hints with {@link
   * Policy.Builder#durationHint}). Deterministic: the same plan and start give the same instant.
   *
   * @param start when the run starts
   * @return when its last unit is expected to finish; {@code start} for a plan with no units
   * @throws NullPointerException if {@code start} is null
   */
  public Instant estimatedFinish(Instant start) {
    Objects.requireNonNull(start, "start");
    return FinishEstimate.of(this, start);
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
   * The plan as text for a person: the rules, the maintenance windows (if the policy has any) with
   * each one's next opening and the {@linkplain #estimatedFinish estimated finish} of a run started
   * when the plan was made, any warnings, then every unit's steps with reasons.
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
    if (!policy.windows().isEmpty()) {
      windowsText(sb);
    }
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
          .append(
              switch (u.estimate()) {
                case HINT -> " hinted";
                case LEARNED -> " learned";
                case DEFAULT -> "";
              })
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

  private void windowsText(StringBuilder sb) {
    sb.append("  maintenance windows: new nodes start only while one is open; ")
        .append("a node in flight when it closes finishes its steps\n");
    for (MaintenanceWindow w : policy.windows()) {
      sb.append("    ")
          .append(w)
          .append("; next opens ")
          .append(new Windows(List.of(w)).nextOpening(createdAt))
          .append('\n');
    }
    sb.append("  estimated finish ")
        .append(estimatedFinish(createdAt).atZone(policy.windows().get(0).zone()))
        .append(" if started when planned (")
        .append(createdAt)
        .append("), each node taking its expected time\n");
  }

  private String strategyName() {
    if (strategy instanceof Strategy.InPlace) {
      return "in-place";
    }
    return strategy instanceof Strategy.RollingReplace ? "rolling replace" : "clone-and-migrate";
  }
}
