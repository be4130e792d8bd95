package io.upkeep.octopus;

import io.upkeep.ClusterOperationException;
import io.upkeep.Durations;
import io.upkeep.Node;
import io.upkeep.octopus.internal.OctopusApi;
import io.upkeep.spi.HealthProbe;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Seed 000's "wait a few days and keep an eye out for any failures", as a gate: it watches the
 * server tasks that a node failed or that timed out ({@code Failed}, {@code TimedOut}) during its
 * soaks, and fails the node when they are more than {@code maxFailures} <em>and</em> a larger share
 * of its finished tasks than the other nodes' failed over the same time, so that failures every
 * node sees (a broken deployment target, a bad release) are not blamed on the new one. Canceled
 * tasks count for neither side.
 *
 * <p>During a soak the executor calls {@link #watch(Node, Instant)} every {@link
 * io.upkeep.Policy#soakWatchInterval()} with the soak's start; a one-shot verification calls {@link
 * #check(Node)}, which judges the last {@value #CHECK_WINDOW_MINUTES} minutes. Each look is one
 * listing of the tasks finished since then ({@code GET
 * /api/tasks?states=Success,Failed,TimedOut&spaces=...&includeSystem=true}, newest first, paged),
 * at most {@value #MAX_TASKS} of them. Get one from {@link OctopusClusterPort#taskGate(int)} and
 * register it with the executor; policies refer to it by {@value #NAME}. It never throws for a
 * failing node: it reports what it saw (or that it could not see, which fails the look).
 * Thread-safe.
 */
public final class OctopusTaskGate implements HealthProbe {

  /** The gate's name in policies. */
  public static final String NAME = "octopus-task-failures";

  /** How far back a one-shot {@link #check(Node)} looks, in minutes. */
  public static final int CHECK_WINDOW_MINUTES = 60;

  /** The most finished tasks one look reads. */
  public static final int MAX_TASKS = 1000;

  private final OctopusApi api;
  private final OctopusConfig config;
  private final java.util.function.Function<Node, String> idOf;
  private final int maxFailures;

  OctopusTaskGate(
      OctopusApi api,
      OctopusConfig config,
      java.util.function.Function<Node, String> idOf,
      int maxFailures) {
    if (maxFailures < 0) {
      throw new IllegalArgumentException(
          "maxFailures is how many failed tasks a node may have before it is compared with the"
              + " others: 0 or more, got "
              + maxFailures);
    }
    this.api = api;
    this.config = config;
    this.idOf = idOf;
    this.maxFailures = maxFailures;
  }

  /** {@value #NAME}. */
  @Override
  public String name() {
    return NAME;
  }

  /** Judges the tasks {@code node} finished in the last {@value #CHECK_WINDOW_MINUTES} minutes. */
  @Override
  public ProbeResult check(Node node) {
    return watch(node, config.time().now().minus(Duration.ofMinutes(CHECK_WINDOW_MINUTES)));
  }

  /** Judges the tasks {@code node} and the other nodes finished since {@code since}. */
  @Override
  public ProbeResult watch(Node node, Instant since) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(since, "since");
    OctopusApi.TaskTally tally;
    String id;
    try {
      id = idOf.apply(node);
      tally = api.finishedTasks(since, MAX_TASKS);
    } catch (ClusterOperationException e) {
      return ProbeResult.fail("cannot read the tasks of " + node.id() + ": " + e.getMessage());
    }
    long failed = tally.failed(id);
    long finished = tally.finished(id);
    long othersFailed = tally.failedElsewhere(id);
    long othersFinished = tally.finishedElsewhere(id);
    String seen =
        node.id()
            + ": "
            + failed
            + " of "
            + finished
            + " finished task(s) failed or timed out since "
            + since
            + " ("
            + Durations.format(Duration.between(since, config.time().now()))
            + "), the other nodes "
            + othersFailed
            + " of "
            + othersFinished;
    // failed / finished > othersFailed / othersFinished, without dividing by zero
    boolean worse = othersFinished == 0 || failed * othersFinished > othersFailed * finished;
    if (failed > maxFailures && worse) {
      return ProbeResult.fail(
          seen
              + "; more than "
              + maxFailures
              + " and a larger share than the others: look at its task logs");
    }
    return ProbeResult.pass(seen);
  }

  @Override
  public String toString() {
    return "OctopusTaskGate[" + NAME + ", max failures " + maxFailures + "]";
  }
}
