package io.upkeep;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a run has achieved when {@link UpgradeRun#execute()} returns. Immutable. A record Upkeep
 * makes, which may gain components: read it through its accessors, never positionally.
 *
 * @param status where the run stands: terminal, or paused / awaiting approval
 * @param reason why, or empty
 * @param startedAt when the run started
 * @param at when this report was made
 * @param upgraded units that finished every step
 * @param failed units that failed or were stopped, with the reason, whether restored or not
 * @param restored units that failed or were stopped and are back exactly as they were
 * @param needsOperator units an operator must finish: a restore step failed (the reason names what
 *     could not be put back), or the unit was past its point of no return (roll forward)
 * @param notStarted units that never started
 * @param awaitingApproval gates waiting for {@link UpgradeRun#approve(String)}
 * @param blocked why nothing more can start or go on right now (budget, quorum, leader, a node out
 *     of service outside the run, every maintenance window closed), empty when nothing is blocked
 * @param notes what an operator should know that is not a failure: nodes left alone as the operator
 *     had them, traffic weights to set by hand
 * @param apiRequests requests the cluster port sent to the system's API while this process drove
 *     the run, retries included ({@link io.upkeep.spi.ClusterPort#requestsSent()}); zero for a port
 *     without an API
 */
public record RunReport(
    RunStatus status,
    String reason,
    Instant startedAt,
    Instant at,
    List<NodeId> upgraded,
    Map<NodeId, String> failed,
    List<NodeId> restored,
    List<NodeId> needsOperator,
    List<NodeId> notStarted,
    List<String> awaitingApproval,
    List<String> blocked,
    List<String> notes,
    long apiRequests) {

  /**
   * @throws NullPointerException if a component is null
   */
  public RunReport {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(reason, "reason");
    upgraded = List.copyOf(upgraded);
    failed = Map.copyOf(failed);
    restored = List.copyOf(restored);
    needsOperator = List.copyOf(needsOperator);
    notStarted = List.copyOf(notStarted);
    awaitingApproval = List.copyOf(awaitingApproval);
    blocked = List.copyOf(blocked);
    notes = List.copyOf(notes);
  }

  /** Whether every unit was upgraded. */
  public boolean succeeded() {
    return status == RunStatus.SUCCEEDED;
  }

  /** How long the run has taken so far, in the run's time. */
  public Duration duration() {
    return Duration.between(startedAt, at);
  }

  /** A short summary for people. */
  public String summary() {
    StringBuilder sb = new StringBuilder();
    sb.append(status)
        .append(reason.isEmpty() ? "" : " (" + reason + ")")
        .append(" after ")
        .append(Durations.format(duration()))
        .append(": ")
        .append(upgraded.size())
        .append(" upgraded");
    if (!failed.isEmpty()) {
      sb.append(", ")
          .append(failed.size())
          .append(" failed ")
          .append(new java.util.TreeSet<>(failed.keySet()));
    }
    if (!restored.isEmpty()) {
      sb.append(", ").append(restored.size()).append(" restored");
    }
    if (!needsOperator.isEmpty()) {
      sb.append(", ")
          .append(needsOperator.size())
          .append(" need an operator ")
          .append(needsOperator);
      needsOperator.forEach(id -> sb.append("\n  ").append(id).append(": ").append(failed.get(id)));
    }
    if (!notStarted.isEmpty()) {
      sb.append(", ").append(notStarted.size()).append(" not started");
    }
    if (!awaitingApproval.isEmpty()) {
      sb.append(", awaiting approval of ").append(awaitingApproval);
    }
    if (apiRequests > 0) {
      sb.append("; ").append(apiRequests).append(" API requests");
    }
    blocked.forEach(b -> sb.append("\n  blocked: ").append(b));
    notes.forEach(n -> sb.append("\n  note: ").append(n));
    return sb.toString();
  }
}
