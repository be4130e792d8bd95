package io.upkeep;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a run has achieved when {@link UpgradeRun#execute()} returns. Immutable.
 *
 * @param status where the run stands: terminal, or paused / awaiting approval
 * @param reason why, or empty
 * @param startedAt when the run started
 * @param at when this report was made
 * @param upgraded units that finished every step
 * @param failed units that failed, with the reason, whether restored or not
 * @param needsOperator units whose restore failed too: an operator must look at them
 * @param notStarted units that never started
 * @param awaitingApproval gates waiting for {@link UpgradeRun#approve(String)}
 */
public record RunReport(
    RunStatus status,
    String reason,
    Instant startedAt,
    Instant at,
    List<NodeId> upgraded,
    Map<NodeId, String> failed,
    List<NodeId> needsOperator,
    List<NodeId> notStarted,
    List<String> awaitingApproval) {

  /** @throws NullPointerException if a component is null */
  public RunReport {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(reason, "reason");
    upgraded = List.copyOf(upgraded);
    failed = Map.copyOf(failed);
    needsOperator = List.copyOf(needsOperator);
    notStarted = List.copyOf(notStarted);
    awaitingApproval = List.copyOf(awaitingApproval);
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
    sb.append(status).append(reason.isEmpty() ? "" : " (" + reason + ")")
        .append(" after ").append(Durations.format(duration()))
        .append(": ").append(upgraded.size()).append(" upgraded");
    if (!failed.isEmpty()) {
      sb.append(", ").append(failed.size()).append(" failed ").append(failed.keySet());
    }
    if (!needsOperator.isEmpty()) {
      sb.append(", ").append(needsOperator.size()).append(" need an operator ").append(needsOperator);
    }
    if (!notStarted.isEmpty()) {
      sb.append(", ").append(notStarted.size()).append(" not started");
    }
    if (!awaitingApproval.isEmpty()) {
      sb.append(", awaiting approval of ").append(awaitingApproval);
    }
    return sb.toString();
  }
}
