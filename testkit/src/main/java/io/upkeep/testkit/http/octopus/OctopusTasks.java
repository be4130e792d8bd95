package io.upkeep.testkit.http.octopus;

import io.upkeep.NodeId;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.TaskChange;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * Octopus's server tasks, following the {@link FakeCluster}'s simulated work: a task the cluster
 * queues is a {@code Queued} server task, one a node starts is {@code Executing} there, one that
 * ends is {@code Success} (or {@code Failed} when {@linkplain #failNext made to fail}), one whose
 * node stops under it is {@code Failed}. Ids are {@code ServerTasks-N}, from 1, never reused.
 *
 * <p>Cancelling follows the real server: a queued task is {@code Canceled} at once; an executing
 * one becomes {@code Cancelling}, and the node running it moves it to {@code Canceled} when it next
 * looks ("the node that a task is running on handles the transition from Cancelling to Canceled",
 * OctopusDeploy/Issues#4538), here {@link #CANCEL_PICKUP} later; until then it still counts as
 * running (the documented drain script counts {@code Executing,Cancelling}).
 *
 * <p>Guarded by the cluster's lock: every method is called with it held.
 */
final class OctopusTasks {

  /**
   * How long the node running a task takes to act on its cancellation; not documented, a short poll
   * [inferred].
   */
  static final Duration CANCEL_PICKUP = Duration.ofSeconds(1);

  static final String SECOND_SPACE = "Spaces-2";

  /** The states of {@code TaskState} in the swagger file, spelled as on the wire. */
  enum State {
    Queued,
    Executing,
    Failed,
    Canceled,
    TimedOut,
    Success,
    Cancelling;

    /**
     * Whether the task has ended ({@code IsCompleted}): all but Queued, Executing and Cancelling.
     */
    boolean completed() {
      return this != Queued && this != Executing && this != Cancelling;
    }

    /**
     * The state named {@code text}, matched case-insensitively as the server's model binding does.
     */
    static Optional<State> parse(String text) {
      for (State s : values()) {
        if (s.name().equalsIgnoreCase(text.trim())) {
          return Optional.of(s);
        }
      }
      return Optional.empty();
    }
  }

  /** One server task. */
  static final class ServerTask {
    final String id;
    final long clusterTask;

    /** The space, or null for a system task. */
    final String spaceId;

    final String name;
    final String description;

    /** Its {@code Arguments}, as queued; empty for the cluster's own work. */
    final Map<String, Object> arguments;

    State state = State.Queued;
    final Instant queueTime;
    Instant startTime;
    Instant completedTime;
    Instant lastUpdated;

    /** The node that runs or ran it; null while queued. */
    NodeId node;

    String errorMessage = "";

    ServerTask(
        String id,
        long clusterTask,
        String spaceId,
        String name,
        String description,
        Map<String, Object> arguments,
        Instant queueTime) {
      this.id = id;
      this.clusterTask = clusterTask;
      this.spaceId = spaceId;
      this.name = name;
      this.description = description;
      this.arguments = arguments;
      this.queueTime = queueTime;
      this.lastUpdated = queueTime;
    }

    boolean system() {
      return spaceId == null;
    }
  }

  private final FakeCluster cluster;
  private final SplittableRandom random;

  /** Every task, oldest first. */
  private final List<ServerTask> tasks = new ArrayList<>();

  private final Map<Long, ServerTask> byClusterTask = new HashMap<>();
  private final Map<String, ServerTask> byId = new HashMap<>();

  /** How many of the next tasks to end on a node fail, by node name. */
  private final Map<String, Integer> failNext = new LinkedHashMap<>();

  /** The share of the tasks ending on a node that fail, by node name. */
  private final Map<String, Double> failShare = new LinkedHashMap<>();

  OctopusTasks(FakeCluster cluster) {
    this.cluster = cluster;
    this.random = new SplittableRandom(cluster.seed() ^ 0x7A5C5L);
    cluster.watchTasks(this::apply);
  }

  private void apply(TaskChange c) {
    ServerTask t = byClusterTask.get(c.task());
    if (t == null) {
      if (c.kind() != TaskChange.Kind.QUEUED) {
        return;
      }
      int n = tasks.size();
      String id = "ServerTasks-" + (n + 1);
      if (queuing != null) {
        t =
            new ServerTask(
                id,
                c.task(),
                queuing.spaceId,
                queuing.name,
                queuing.description,
                queuing.arguments,
                c.at());
        queuing = t;
      } else {
        // A mix of the default space, a second space and system tasks, so that only
        // spaces=all&includeSystem=true sees every one of them.
        String space = n % 3 == 0 ? OctopusRoutes.DEFAULT_SPACE : n % 3 == 1 ? SECOND_SPACE : null;
        t =
            new ServerTask(
                id,
                c.task(),
                space,
                space == null ? "Health" : "Deploy",
                space == null ? "Check deployment target health" : "Deploy to Production",
                Map.of(),
                c.at());
      }
      tasks.add(t);
      byClusterTask.put(c.task(), t);
      byId.put(t.id.toLowerCase(Locale.ROOT), t);
      return;
    }
    t.lastUpdated = c.at();
    switch (c.kind()) {
      case QUEUED, REQUEUED -> {
        t.state = State.Queued;
        t.node = null;
      }
      case STARTED -> {
        t.state = State.Executing;
        t.startTime = c.at();
        t.node = c.node();
      }
      case COMPLETED ->
          end(
              t,
              t.state == State.Cancelling
                  ? State.Canceled
                  : fails(c.node()) ? State.Failed : State.Success,
              c.at(),
              "The task failed (made to fail by the fake Octopus server).");
      // Documented: a node restarted under its tasks makes them fail (how-high-availability-works).
      // The real server shows them Executing until the node is back or an hour passes; the fake
      // cluster frees their slots at once, so they fail at once here.
      case INTERRUPTED ->
          end(
              t,
              State.Failed,
              c.at(),
              "The Octopus Server node running this task stopped before the task completed.");
      case CANCELED -> end(t, State.Canceled, c.at(), "The task was canceled.");
      default -> throw new IllegalStateException("unknown task change " + c.kind());
    }
  }

  private static void end(ServerTask t, State state, Instant at, String failure) {
    t.state = state;
    t.completedTime = at;
    t.errorMessage = state == State.Success ? "" : failure;
  }

  private boolean fails(NodeId node) {
    String name = node.value();
    Integer left = failNext.get(name);
    if (left != null) {
      if (left <= 1) {
        failNext.remove(name);
      } else {
        failNext.put(name, left - 1);
      }
      return true;
    }
    Double share = failShare.get(name);
    return share != null && random.nextDouble() < share;
  }

  /**
   * Makes the next {@code count} tasks to end on the node named {@code node} fail, on top of any
   * asked before.
   */
  void failNext(String node, int count) {
    failNext.merge(node, count, Integer::sum);
  }

  /**
   * Makes each task ending on the node named {@code node} fail with probability {@code share},
   * drawn from the seed.
   */
  void failShare(String node, double share) {
    if (share == 0) {
      failShare.remove(node);
    } else {
      failShare.put(node, share);
    }
  }

  /** How long a health check queued through the API runs [inferred: it depends on the targets]. */
  static final Duration HEALTH_CHECK = Duration.ofMinutes(1);

  /** The task being queued through the API, while the cluster tells of it; else null. */
  private ServerTask queuing;

  /**
   * Queues a task as {@code POST /api/tasks} does: the cluster runs it as work of {@link
   * #HEALTH_CHECK} on whichever node picks it up, as it runs its own.
   */
  ServerTask queue(String spaceId, String name, String description, Map<String, Object> arguments) {
    queuing = new ServerTask("", 0, spaceId, name, description, arguments, cluster.clock().now());
    try {
      cluster.submitTask(HEALTH_CHECK);
      return queuing;
    } finally {
      queuing = null;
    }
  }

  /** The task with id {@code id} (matched case-insensitively), if any. */
  Optional<ServerTask> get(String id) {
    return Optional.ofNullable(byId.get(id.toLowerCase(Locale.ROOT)));
  }

  /** The tasks {@code filter} accepts, newest first, as the server sorts them. */
  List<ServerTask> list(Predicate<ServerTask> filter) {
    List<ServerTask> out = new ArrayList<>();
    for (int i = tasks.size() - 1; i >= 0; i--) {
      if (filter.test(tasks.get(i))) {
        out.add(tasks.get(i));
      }
    }
    return out;
  }

  /**
   * Asks to cancel {@code t}: a queued task is canceled at once; an executing one is {@code
   * Cancelling} until its node acts; a cancelling one stays so.
   *
   * @return false if it has already completed
   */
  boolean cancel(ServerTask t) {
    switch (t.state) {
      case Queued -> {
        cluster.cancelTask(t.clusterTask);
        return true;
      }
      case Executing -> {
        t.state = State.Cancelling;
        t.lastUpdated = cluster.clock().now();
        cluster
            .clock()
            .schedule(
                CANCEL_PICKUP,
                () -> {
                  synchronized (cluster) {
                    if (t.state == State.Cancelling) {
                      cluster.cancelTask(t.clusterTask);
                    }
                  }
                });
        return true;
      }
      case Cancelling -> {
        return true;
      }
      default -> {
        return false;
      }
    }
  }
}
