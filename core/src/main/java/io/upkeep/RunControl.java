package io.upkeep;

import io.upkeep.RunState.StepState;
import io.upkeep.RunState.UnitState;
import io.upkeep.RunState.UnitStatus;
import io.upkeep.internal.Json;
import io.upkeep.internal.RunJournal;
import io.upkeep.spi.JournalStore;
import io.upkeep.spi.Lease;
import io.upkeep.spi.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Operator control of the latest run in a journal, from any process or machine, whether its runner
 * is up or down: pause, resume, abort, approve, decline, and a status report. Commands are records
 * in the journal's store, so they survive restarts; the runner applies them at its next turn (or
 * when it resumes). Thread-safe.
 *
 * <pre>{@code
 * RunControl control = RunControl.of(FileJournalStore.open(dir), TimeSource.system());
 * System.out.println(control.status().toText());
 * control.approve("canaries");
 * }</pre>
 */
public final class RunControl {

  private final JournalStore store;
  private final TimeSource time;

  private RunControl(JournalStore store, TimeSource time) {
    this.store = store;
    this.time = time;
  }

  /** Control over the latest run in {@code store}, dating commands by {@code time}. */
  public static RunControl of(JournalStore store, TimeSource time) {
    return new RunControl(
        Objects.requireNonNull(store, "store"), Objects.requireNonNull(time, "time"));
  }

  /** Stops the run starting new nodes; nodes in flight carry on. */
  public void pause(String reason) {
    command("pause", "", reason);
  }

  /** Lets a paused run go on. */
  public void resume() {
    command("resume", "", "");
  }

  /** Stops the run for good; nodes in flight are restored (see {@link UpgradeRun#abort}). */
  public void abort(String reason) {
    command("abort", "", reason);
  }

  /**
   * Stops the run for good without rollback: nodes in flight finish, none starts (see {@link
   * UpgradeRun#abortWithoutRollback}).
   */
  public void abortWithoutRollback(String reason) {
    command("abort-forward", "", reason);
  }

  /**
   * Approves the gate named {@code gate}.
   *
   * @throws IllegalArgumentException if the run's plan has no such gate, listing those it has
   */
  public void approve(String gate) {
    gated("approve", gate, "");
  }

  /**
   * Declines the gate named {@code gate}: the unit waiting there fails and is restored.
   *
   * @throws IllegalArgumentException if the run's plan has no such gate, listing those it has
   */
  public void decline(String gate, String reason) {
    gated("decline", gate, reason);
  }

  /**
   * Where the latest run stands, as its journal tells it.
   *
   * @throws UpkeepException if the journal holds no run
   */
  public Status status() {
    RunJournal.Replayed r = latest();
    return Status.of(r.plan(), r.state(), r.blocked(), store.lease().orElse(null), time.now());
  }

  private void command(String command, String gate, String reason) {
    append(latest(), command, gate, reason);
  }

  /** As {@link #command}, for a command on a gate, which must be one of the run's plan's. */
  private void gated(String command, String gate, String reason) {
    RunJournal.Replayed latest = latest();
    checkGate(latest.plan(), gate);
    append(latest, command, gate, reason);
  }

  private void append(RunJournal.Replayed latest, String command, String gate, String reason) {
    RunState s = latest.state();
    if (s.status().terminal()) {
      throw new UpkeepException(
          "run " + s.runId() + " has ended (" + s.status() + "): there is nothing to " + command);
    }
    RunJournal.control(
        store,
        time.now(),
        s.runId(),
        new RunJournal.Control(command, gate, reason == null ? "" : reason));
  }

  private static void checkGate(UpgradePlan plan, String gate) {
    List<String> gates = gates(plan);
    if (gate == null || !gates.contains(gate)) {
      throw new IllegalArgumentException(
          "the run's plan has no gate named '"
              + gate
              + "'; its gates are "
              + (gates.isEmpty() ? "none" : gates)
              + ": pass the name the status or an ApprovalRequested event gave");
    }
  }

  private static List<String> gates(UpgradePlan plan) {
    TreeSet<String> gates = new TreeSet<>();
    plan.units()
        .forEach(
            u ->
                u.steps().stream()
                    .filter(s -> s.action() instanceof Action.Approval)
                    .forEach(s -> gates.add(((Action.Approval) s.action()).gate())));
    return List.copyOf(gates);
  }

  private RunJournal.Replayed latest() {
    return RunJournal.replay(store.read(0))
        .orElseThrow(
            () ->
                new UpkeepException("the journal " + store + " holds no run: nothing to control"));
  }

  /**
   * Where a run stands, per node and in counts, with who drives it and an estimated finish.
   *
   * @param runId the run
   * @param planId its plan
   * @param status the run's status
   * @param reason why it is in that status, or empty
   * @param runner who holds the lease, or empty if nobody does
   * @param leaseUntil until when, or null
   * @param nodes per node (sorted by id), one line: done, in flight (step, since when), waiting
   *     (which gate, or the maintenance windows), blocked (why: the reasons the runner gave that
   *     concern this node), failed (why), pending
   * @param counts how many nodes are in each state
   * @param blocked why no further node can start now (a closed maintenance window, a budget or a
   *     safety rule), as the runner last said; empty if nothing holds it
   * @param estimatedFinish when the run should end at this pace, or null if it cannot say
   */
  public record Status(
      String runId,
      String planId,
      RunStatus status,
      String reason,
      String runner,
      Instant leaseUntil,
      Map<String, String> nodes,
      Map<String, Integer> counts,
      List<String> blocked,
      Instant estimatedFinish) {

    /** Copies the maps. */
    public Status {
      nodes = Map.copyOf(nodes);
      counts = Map.copyOf(counts);
      blocked = List.copyOf(blocked);
    }

    static Status of(
        UpgradePlan plan, RunState state, List<String> blocked, Lease lease, Instant now) {
      Map<String, String> nodes = new TreeMap<>();
      Map<String, Integer> counts = new TreeMap<>();
      Duration left = Duration.ZERO;
      for (PlanUnit u : plan.units()) {
        UnitState us = state.units().getOrDefault(u.node(), UnitState.pending());
        String kind;
        String line;
        switch (us.status()) {
          case DONE -> {
            kind = "done";
            line = "done at " + us.finishedAt();
          }
          case PENDING -> {
            List<String> mine = concerning(blocked, u);
            boolean window = mine.stream().anyMatch(b -> b.startsWith(WINDOW));
            kind = mine.isEmpty() ? "pending" : window ? "waiting" : "blocked";
            line =
                mine.isEmpty()
                    ? "pending"
                    : (window ? "pending, waiting: " : "pending, blocked: ")
                        + String.join("; ", mine);
            left = left.plus(u.expected());
          }
          case RUNNING, RESTORING -> {
            List<PlanStep> steps =
                us.status() == UnitStatus.RESTORING ? us.restoreSteps() : u.steps();
            PlanStep step = us.cursor() < steps.size() ? steps.get(us.cursor()) : null;
            StepState ss = step == null ? null : state.steps().get(step.id());
            String since = ss == null ? "" : " since " + ss.startedAt();
            if (step != null
                && step.action() instanceof Action.Approval a
                && !state.approvals().contains(a.gate())) {
              kind = "waiting";
              line = "waiting for approval of gate '" + a.gate() + "'" + since;
            } else {
              kind = us.status() == UnitStatus.RESTORING ? "restoring" : "in flight";
              line = kind + (step == null ? "" : ": " + step.action().describe()) + since;
              List<String> mine = concerning(blocked, u);
              if (!mine.isEmpty()) {
                kind = "blocked";
                line += ", blocked: " + String.join("; ", mine);
              }
            }
            left = left.plus(u.expected());
          }
          default -> {
            kind = "failed";
            line =
                us.status().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                    + (us.failure().isEmpty() ? "" : ": " + us.failure());
          }
        }
        nodes.put(u.node().value(), line);
        counts.merge(kind, 1, Integer::sum);
      }
      int budget = Math.max(1, plan.budgets().values().stream().mapToInt(Integer::intValue).sum());
      Instant finish =
          state.status().terminal() ? state.updatedAt() : now.plus(left.dividedBy(budget));
      return new Status(
          state.runId(),
          state.planId(),
          state.status(),
          state.reason(),
          lease != null && lease.heldAt(now) ? lease.owner() : "",
          lease != null && lease.heldAt(now) ? lease.expiresAt() : null,
          nodes,
          counts,
          blocked,
          finish);
    }

    private static final String WINDOW = "outside the maintenance windows";

    /**
     * The reasons, of those the runner last gave, that hold {@code u}: its own ("node: ..."), its
     * role's budget, its taking capacity below the minimum, or the maintenance windows.
     */
    private static List<String> concerning(List<String> blocked, PlanUnit u) {
      String id = u.node().value();
      return blocked.stream()
          .filter(
              b ->
                  b.startsWith(id + ": ")
                      || b.startsWith("taking " + id + " ")
                      || b.startsWith("role " + u.role() + " ")
                      || b.startsWith(WINDOW))
          .toList();
    }

    /** The status as lines for a person. */
    public String toText() {
      StringBuilder b = new StringBuilder();
      b.append("run ").append(runId).append(" (plan ").append(planId).append("): ").append(status);
      if (!reason.isEmpty()) {
        b.append(" - ").append(reason);
      }
      b.append('\n');
      b.append(
          runner.isEmpty()
              ? "no runner holds the lease"
              : "driven by " + runner + " (lease until " + leaseUntil + ")");
      b.append('\n');
      List<String> parts = new ArrayList<>();
      new TreeMap<>(counts).forEach((k, v) -> parts.add(v + " " + k));
      b.append("nodes: ").append(String.join(", ", parts));
      if (estimatedFinish != null) {
        b.append("; estimated finish ").append(estimatedFinish);
      }
      b.append('\n');
      if (!blocked.isEmpty()) {
        b.append("blocked: ").append(String.join("; ", blocked)).append('\n');
      }
      new TreeMap<>(nodes)
          .forEach((n, line) -> b.append("  ").append(n).append(": ").append(line).append('\n'));
      return b.toString();
    }

    /** The status as JSON for a machine. */
    public String toJson() {
      return Json.write(this);
    }
  }
}
