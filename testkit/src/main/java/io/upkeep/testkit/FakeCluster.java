package io.upkeep.testkit;

import io.upkeep.ClusterOperationException;
import io.upkeep.ClusterSnapshot;
import io.upkeep.Constraints;
import io.upkeep.DrainState;
import io.upkeep.Health;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.Role;
import io.upkeep.TaskCap;
import io.upkeep.UnknownNodeException;
import io.upkeep.UpgradeTarget;
import io.upkeep.spi.ClusterPort;
import io.upkeep.spi.HostPort;
import io.upkeep.spi.OperationHandle;
import io.upkeep.spi.OperationStatus;
import io.upkeep.spi.TrafficPort;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * An in-memory cluster in virtual time that plays the target system, the user's infrastructure and
 * the load balancer at once: script it, run the code under test against it, then verify what
 * happened with {@link #events()} or {@link #takeEvent()}.
 *
 * <pre>{@code
 * FakeCluster cluster = FakeCluster.builder()
 *     .seed(7)
 *     .nodes("octo", 3, n -> n.role("octopus-node").taskCap(5))
 *     .workload(Duration.ofSeconds(20), Duration.ofMinutes(3))
 *     .build();
 * cluster.inject(Fault.stuckDrain(NodeId.of("octo-2")));
 * }</pre>
 *
 * <p>It behaves like the real systems where it matters to an orchestrator. Tasks wait in one FIFO
 * queue and go to the least-loaded member that is in service and below its task cap; a drained node
 * takes no new task but finishes what it runs. Host operations take virtual time, are idempotent by
 * request id, and refuse what the real host would refuse (an in-place upgrade while the service
 * runs). A provisioned host joins the cluster when its service first starts. Among the voters of a
 * role exactly one leads while any is healthy. Every observable change is recorded as a {@link
 * ClusterEvent} and bumps a version that {@link #awaitChange} waits on by running the clock. All
 * randomness (the workload) comes from the seed, so the same seed and the same calls give the same
 * events.
 *
 * <p>Thread-safe: every method locks the cluster; {@link #awaitChange} runs clock events with the
 * lock held. Single-use: make a new one for each test.
 */
public final class FakeCluster implements ClusterPort, HostPort, TrafficPort {

  /** The seed of a cluster whose seed is not set. */
  public static final long DEFAULT_SEED = 1L;

  private static final int EXISTING_NODE_WEIGHT = 100;

  private final VirtualClock clock;
  private final long seed;
  private final SplittableRandom random;
  private final Constraints constraints;
  private final boolean forcesDrainAtDeadline;
  private final Map<HostOperation, Duration> durations;
  private final Map<NodeId, List<Fault>> pendingFaults = new HashMap<>();
  private final Map<NodeId, Host> hosts = new LinkedHashMap<>();
  private final Map<Role, NodeId> leaders = new HashMap<>();

  /**
   * The members that take work now, least loaded first, then in insertion order: where a task goes.
   */
  private final TreeSet<Host> available =
      new TreeSet<>(
          Comparator.comparingInt((Host h) -> h.indexedLoad).thenComparingLong(h -> h.order));

  private final Deque<Task> queue = new ArrayDeque<>();
  private final List<ClusterEvent> events = new ArrayList<>();
  private final Map<String, Operation> operationsByRequest = new HashMap<>();
  private final Map<String, Operation> operationsById = new HashMap<>();
  private final List<Runnable> afterEachCall = new CopyOnWriteArrayList<>();
  private final List<Consumer<TaskChange>> taskWatchers = new CopyOnWriteArrayList<>();
  private final List<Consumer<ClusterEvent>> eventWatchers = new CopyOnWriteArrayList<>();
  private long nextTaskId = 1;
  private boolean maintenanceMode;
  private boolean maintenanceRunsQueue;
  private long version;
  private int taken;
  private long tasksCompleted;
  private long hostsAdded;

  /**
   * Whether every observation, updated from the last one with the hosts that changed, is checked
   * against a full one (system property {@code upkeep.testkit.verifyObservations}, on in Upkeep's
   * own build): a missed change would make the fake show a stale cluster.
   */
  private static final boolean VERIFY_OBSERVATIONS =
      Boolean.getBoolean("upkeep.testkit.verifyObservations");

  private ClusterSnapshot lastObserved;
  private long lastObservedVersion;

  /** Hosts whose view may have changed since {@link #lastObserved}. */
  private Set<NodeId> touched = new HashSet<>();

  /** Who led each role at {@link #lastObserved}. */
  private Map<Role, NodeId> observedLeaders = Map.of();

  private FakeCluster(Builder b) {
    clock = b.clock != null ? b.clock : new VirtualClock();
    seed = b.seed;
    random = new SplittableRandom(seed);
    constraints = b.constraints;
    forcesDrainAtDeadline = b.forcesDrainAtDeadline;
    durations = new EnumMap<>(b.durations);
    b.nodes.forEach(this::addHost);
    hosts.values().stream().filter(h -> h.voter).forEach(h -> elect(h.role, false));
    if (b.meanInterArrival != null) {
      scheduleArrival(b.meanInterArrival, b.meanTaskDuration);
    }
  }

  /**
   * A builder for a cluster with no nodes, no work, a new clock and {@link #DEFAULT_SEED}. Not
   * thread-safe.
   */
  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------- ClusterPort

  /** Every member in insertion order, observed now, and the maintenance flag. */
  @Override
  public synchronized ClusterSnapshot observe() {
    Instant now = clock.now();
    if (!leaders.equals(observedLeaders)) {
      touched.addAll(observedLeaders.values());
      touched.addAll(leaders.values());
      observedLeaders = Map.copyOf(leaders);
    }
    ClusterSnapshot next = lastObserved == null ? null : updatedObservation(now);
    if (next == null) {
      next = new ClusterSnapshot(now, members(), maintenanceMode);
    } else if (VERIFY_OBSERVATIONS) {
      ClusterSnapshot full = new ClusterSnapshot(now, members(), maintenanceMode);
      if (!full.equals(next)) {
        throw new IllegalStateException(
            "FakeCluster's observation, updated from the last one, differs from a full one at "
                + full.changedSince(next)
                + ": a change to a host that did not touch it");
      }
    }
    touched = new HashSet<>(); // not clear(): it would keep, and cost, the largest capacity
    lastObserved = next;
    lastObservedVersion = version;
    return lastObserved;
  }

  /**
   * The last observation with the touched hosts looked at again, in time proportional to them; null
   * if a member joined or left, which takes a full observation to keep the members' order.
   */
  private ClusterSnapshot updatedObservation(Instant now) {
    List<Node> changed = new ArrayList<>(touched.size());
    for (NodeId id : touched) {
      Host h = hosts.get(id);
      boolean member = h != null && h.member;
      if (member != lastObserved.find(id).isPresent()) {
        return null;
      }
      if (member) {
        changed.add(view(h));
      }
    }
    return lastObserved.updated(now, changed, List.of(), maintenanceMode);
  }

  private void touch(Host h) {
    touched.add(h.id);
  }

  /**
   * Its {@link #clock()}: a run on this cluster uses it unless told otherwise, and may use no
   * other.
   */
  @Override
  public Optional<io.upkeep.spi.TimeSource> time() {
    return Optional.of(clock);
  }

  /** The constraints given to the builder; {@link Constraints#NONE} by default. */
  @Override
  public Constraints constraints() {
    return constraints;
  }

  /**
   * Sets {@code node}'s task cap; lowering it never stops running tasks.
   *
   * @throws UnknownNodeException if {@code node} is not a member
   */
  @Override
  public synchronized void setTaskCap(NodeId node, TaskCap cap) {
    Objects.requireNonNull(cap, "cap");
    Host h = member(node);
    if (!h.cap.equals(cap)) {
      TaskCap from = h.cap;
      h.cap = cap;
      touch(h);
      record(new ClusterEvent.TaskCapChanged(clock.now(), node, from, cap));
      reindex(h);
      dispatch();
    }
    afterCall();
  }

  /**
   * Stops {@code node} taking new work; it is drained once its running tasks finish. If the cluster
   * {@linkplain Builder#forcesDrainAtDeadline forces drains}, what still runs at {@code deadline}
   * is moved back to the queue (and restarts elsewhere); otherwise the drain just waits. Asking
   * again changes nothing, except that a node drained by the operator without a deadline gets
   * {@code deadline} (Nomad drains an ineligible node for real), and that a sooner deadline brings
   * a forced drain forward (an updated Nomad drain strategy forces at its new deadline); a later
   * one leaves it as it is.
   *
   * @throws UnknownNodeException if {@code node} is not a member
   */
  @Override
  public synchronized void drain(NodeId node, Instant deadline) {
    Objects.requireNonNull(deadline, "deadline");
    Host h = member(node);
    if (!h.drainRequested) {
      h.drainRequested = true;
      touch(h);
      reindex(h);
      record(new ClusterEvent.DrainStarted(clock.now(), node, deadline));
      if (h.running.isEmpty()) {
        record(new ClusterEvent.Drained(clock.now(), node, 0));
      } else if (forcesDrainAtDeadline) {
        scheduleForcedDrain(h, deadline);
      }
    } else if (forcesDrainAtDeadline
        && !h.running.isEmpty()
        && (h.forcedDrain == null || deadline.isBefore(h.forcedDrain.due()))) {
      // Drained (or made ineligible) by the operator without a deadline: a drain with one now
      // migrates its work, as Nomad's drain of an ineligible node does. Or a sooner deadline.
      if (h.forcedDrain != null) {
        h.forcedDrain.cancel();
      }
      record(new ClusterEvent.DrainStarted(clock.now(), node, deadline));
      scheduleForcedDrain(h, deadline);
    }
    afterCall();
  }

  private void scheduleForcedDrain(Host h, Instant deadline) {
    Duration wait = Duration.between(clock.now(), deadline);
    h.forcedDrain = clock.schedule(wait.isNegative() ? Duration.ZERO : wait, () -> forceDrain(h));
  }

  /**
   * Lets {@code node} take new work again.
   *
   * @throws UnknownNodeException if {@code node} is not a member
   */
  @Override
  public synchronized void undrain(NodeId node) {
    undrain(node, new ClusterEvent.Undrained(clock.now(), node));
  }

  /** Lets {@code node} take work again, recording {@code event} if it was drained. */
  private void undrain(NodeId node, ClusterEvent event) {
    Host h = member(node);
    if (h.drainRequested) {
      h.drainRequested = false;
      touch(h);
      if (h.forcedDrain != null) {
        h.forcedDrain.cancel();
        h.forcedDrain = null;
      }
      record(event);
      reindex(h);
      dispatch();
    }
    afterCall();
  }

  /**
   * Turns cluster-wide maintenance mode on or off. While it is on, no task is dispatched anywhere,
   * unless {@link #maintenanceModeRunsQueue} says otherwise.
   */
  @Override
  public synchronized void setMaintenanceMode(boolean on) {
    if (maintenanceMode != on) {
      maintenanceMode = on;
      record(new ClusterEvent.MaintenanceModeChanged(clock.now(), on));
      dispatch();
    }
    afterCall();
  }

  /**
   * How many tasks {@code node} runs now.
   *
   * @throws UnknownNodeException if {@code node} is not a member
   */
  @Override
  public synchronized int runningWork(NodeId node) {
    return member(node).running.size();
  }

  /**
   * Removes {@code node} from the membership; its vote goes with it. Removing a node that is no
   * longer a member changes nothing.
   *
   * @throws ClusterOperationException if the node is still in service: its service runs and it is
   *     not drained and idle
   * @throws UnknownNodeException if the cluster never knew {@code node}
   */
  @Override
  public synchronized void removeMember(NodeId node) {
    Host h = known(node);
    if (!h.member) {
      return;
    }
    if (h.healthy() && !(h.drainRequested && h.running.isEmpty())) {
      throw new ClusterOperationException(
          "cannot remove "
              + node
              + ": it is still in service"
              + (h.running.isEmpty() ? "" : " running " + h.running.size() + " task(s)")
              + "; drain it and wait until it runs no work, or stop its service first",
          false);
    }
    h.member = false;
    touch(h);
    reindex(h);
    record(new ClusterEvent.Removed(clock.now(), node));
    if (h.voter) {
      elect(h.role, true);
    }
    afterCall();
  }

  /**
   * Runs clock events one by one until the cluster changes, or advances the clock by {@code
   * maxWait} if it does not. Returns at once if the cluster already differs from {@code since} (its
   * nodes or maintenance flag). A task starting or finishing, and a host operation ending, count as
   * changes, so a run waiting on either wakes the moment it happens.
   *
   * @return whether the cluster changed; false after advancing the clock to the deadline
   * @throws IllegalArgumentException if {@code maxWait} is negative
   */
  @Override
  @SuppressWarnings(
      "ReferenceEquality") // by design: whether "since" is the very snapshot observe() returned
  // last
  public synchronized boolean awaitChange(ClusterSnapshot since, Duration maxWait) {
    Objects.requireNonNull(since, "since");
    NodeSpec.requireNotNegative(maxWait, "maxWait");
    boolean changed =
        since == lastObserved
            ? version != lastObservedVersion
            : since.maintenanceMode() != maintenanceMode || !since.nodes().equals(members());
    if (changed) {
      return true;
    }
    long at = version;
    Instant deadline = clock.now().plus(maxWait);
    while (version == at) {
      if (!clock.runNextEventUntil(deadline)) {
        Duration rest = Duration.between(clock.now(), deadline);
        clock.sleep(rest.isNegative() ? Duration.ZERO : rest);
        return version != at;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- HostPort

  /**
   * Provisions a host named {@code node} with {@code replacing}'s role; it joins as a member, with
   * {@code initialCap}, drain off, traffic weight 0, and as a voter if its role has voters, when
   * its service is first started. Fails if a host of that name exists and is not decommissioned.
   *
   * @throws UnknownNodeException if the cluster never knew {@code replacing}
   */
  @Override
  public synchronized OperationHandle provision(
      String requestId, NodeId node, NodeId replacing, Platform platform, TaskCap initialCap) {
    String call =
        "provision("
            + node
            + " replacing "
            + replacing
            + " on "
            + platform
            + ", cap "
            + initialCap
            + ")";
    Operation done = existing(requestId, call);
    if (done != null) {
      return done.handle;
    }
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(platform, "platform");
    Objects.requireNonNull(initialCap, "initialCap");
    Host old = known(replacing);
    Host occupant = hosts.get(node);
    if (occupant != null && !(occupant.decommissioned && !occupant.member)) {
      return launch(
          requestId,
          call,
          occupant,
          HostOperation.PROVISION,
          "a host named " + node + " already exists; decommission it first or choose another name",
          op -> null);
    }
    hosts.remove(node);
    Host h = new Host(node, old.role, old.runsWork, Map.of(), hostsAdded++);
    h.platform = platform;
    touch(h);
    h.cap = initialCap;
    hosts.put(node, h);
    List<Fault> waiting = pendingFaults.remove(node);
    if (waiting != null) {
      waiting.forEach(f -> apply(h, f));
    }
    return launch(
        requestId,
        call,
        h,
        HostOperation.PROVISION,
        null,
        op -> {
          h.provisioned = true;
          record(new ClusterEvent.Provisioned(clock.now(), node, replacing, platform));
          return null;
        });
  }

  /**
   * Upgrades {@code node}'s host in place to {@code target}: its platform becomes {@code
   * target.applyTo(platform)} when the operation ends. Fails at once if the service runs.
   *
   * @throws UnknownNodeException if the cluster never knew {@code node}
   */
  @Override
  public synchronized OperationHandle upgrade(String requestId, NodeId node, UpgradeTarget target) {
    Objects.requireNonNull(target, "target");
    return operate(
        requestId,
        "upgrade(" + node + " to " + target + ")",
        node,
        HostOperation.UPGRADE,
        h ->
            h.serviceRunning
                ? "the service on " + node + " is running; stop it before upgrading in place"
                : null,
        (h, op) -> {
          if (h.upgradeFails) {
            String reason = "the upgrade of " + node + " to " + target + " failed (injected fault)";
            record(new ClusterEvent.UpgradeFailed(clock.now(), node, reason));
            return reason;
          }
          Platform from = h.platform;
          h.platform = target.applyTo(from);
          touch(h);
          record(new ClusterEvent.Upgraded(clock.now(), node, from, h.platform));
          return null;
        });
  }

  /**
   * Stops {@code node}'s service when the operation ends; tasks it still runs then are interrupted.
   *
   * @throws UnknownNodeException if the cluster never knew {@code node}
   */
  @Override
  public synchronized OperationHandle stopService(String requestId, NodeId node) {
    return operate(
        requestId,
        "stopService(" + node + ")",
        node,
        HostOperation.STOP_SERVICE,
        h -> null,
        (h, op) -> {
          if (h.serviceRunning) {
            h.serviceRunning = false;
            touch(h);
            record(new ClusterEvent.ServiceStopped(clock.now(), node));
            interrupt(h);
            if (h.voter) {
              elect(h.role, true);
            }
          }
          return null;
        });
  }

  /**
   * Starts {@code node}'s service when the operation ends; the node is healthy from then on, and
   * joins the cluster if it is not a member.
   *
   * @throws UnknownNodeException if the cluster never knew {@code node}
   */
  @Override
  public synchronized OperationHandle startService(String requestId, NodeId node) {
    return operate(
        requestId,
        "startService(" + node + ")",
        node,
        HostOperation.START_SERVICE,
        h -> null,
        (h, op) -> {
          if (!h.serviceRunning) {
            h.serviceRunning = true;
            touch(h);
            h.hung = h.neverReturns;
            record(new ClusterEvent.ServiceStarted(clock.now(), node));
            if (!h.member && h.healthy()) {
              h.member = true;
              touch(h);
              h.voter |=
                  hosts.values().stream()
                      .anyMatch(o -> o.member && o.voter && o.role.equals(h.role));
              record(new ClusterEvent.Joined(clock.now(), node, h.cap, h.voter));
            }
            if (h.voter && h.member) {
              elect(h.role, true);
            }
            reindex(h);
          }
          return null;
        });
  }

  /**
   * Snapshots {@code node}'s host: the platform it has when the operation ends.
   *
   * @throws UnknownNodeException if the cluster never knew {@code node}
   */
  @Override
  public synchronized OperationHandle snapshot(String requestId, NodeId node) {
    return operate(
        requestId,
        "snapshot(" + node + ")",
        node,
        HostOperation.SNAPSHOT,
        h -> null,
        (h, op) -> {
          op.captured = h.platform;
          record(new ClusterEvent.SnapshotTaken(clock.now(), node, h.platform));
          return null;
        });
  }

  /**
   * Puts back the platform that {@code snapshot} captured of {@code node}. Fails at once if {@code
   * snapshot} is not a completed snapshot of that node.
   *
   * @throws UnknownNodeException if the cluster never knew {@code node}
   */
  @Override
  public synchronized OperationHandle restore(
      String requestId, NodeId node, OperationHandle snapshot) {
    Objects.requireNonNull(snapshot, "snapshot");
    Operation snap = operationsById.get(snapshot.id());
    boolean usable = snap != null && snap.captured != null && snap.node.equals(node);
    return operate(
        requestId,
        "restore(" + node + " from " + snapshot + ")",
        node,
        HostOperation.RESTORE,
        h ->
            usable
                ? null
                : snapshot.id()
                    + " is not a completed snapshot of "
                    + node
                    + "; restore from a snapshot of this host that succeeded",
        (h, op) -> {
          h.platform = snap.captured;
          touch(h);
          record(new ClusterEvent.SnapshotRestored(clock.now(), node, snap.captured));
          return null;
        });
  }

  /**
   * Copies state folders from {@code from} to {@code to}; fails if either host is gone.
   *
   * @throws UnknownNodeException if the cluster never knew one of them
   */
  @Override
  public synchronized OperationHandle copyFolders(String requestId, NodeId from, NodeId to) {
    return operate(
        requestId,
        "copyFolders(" + from + " to " + to + ")",
        to,
        HostOperation.COPY_FOLDERS,
        h -> unavailable(known(from), HostOperation.COPY_FOLDERS),
        (h, op) -> {
          String gone = unavailable(known(from), HostOperation.COPY_FOLDERS);
          if (gone == null) {
            record(new ClusterEvent.FoldersCopied(clock.now(), to, from));
          }
          return gone;
        });
  }

  /**
   * Destroys {@code node}'s host when the operation ends; tasks it still runs are interrupted, and
   * if it is still a member it stays one, unreachable.
   *
   * @throws UnknownNodeException if the cluster never knew {@code node}
   */
  @Override
  public synchronized OperationHandle decommission(String requestId, NodeId node) {
    return operate(
        requestId,
        "decommission(" + node + ")",
        node,
        HostOperation.DECOMMISSION,
        h -> null,
        (h, op) -> {
          if (!h.decommissioned) {
            h.decommissioned = true;
            h.serviceRunning = false;
            touch(h);
            record(new ClusterEvent.Decommissioned(clock.now(), node));
            interrupt(h);
            if (h.voter) {
              elect(h.role, true);
            }
          }
          return null;
        });
  }

  /**
   * Where the operation behind {@code handle} stands.
   *
   * @throws ClusterOperationException if this cluster never issued {@code handle}
   */
  @Override
  public synchronized OperationStatus poll(OperationHandle handle) {
    Operation op = operationsById.get(Objects.requireNonNull(handle, "handle").id());
    if (op == null) {
      throw new ClusterOperationException(
          "no operation has handle "
              + handle.id()
              + ": handles are only valid for the FakeCluster that issued them",
          false);
    }
    return op.status;
  }

  // ---------------------------------------------------------------- TrafficPort

  /**
   * Sets {@code node}'s load-balancer weight; nodes start at 100, provisioned ones at 0.
   *
   * @throws IllegalArgumentException if the weight is not 0 to 100
   * @throws UnknownNodeException if the cluster never knew {@code node}
   */
  @Override
  public synchronized void setWeight(NodeId node, int percentOfEqualShare) {
    Host h = known(node);
    if (percentOfEqualShare < 0 || percentOfEqualShare > 100) {
      throw new IllegalArgumentException(
          "a weight is 0 to 100 percent of an equal share, got " + percentOfEqualShare);
    }
    if (h.weight != percentOfEqualShare) {
      h.weight = percentOfEqualShare;
      record(new ClusterEvent.WeightChanged(clock.now(), node, percentOfEqualShare));
    }
    afterCall();
  }

  /**
   * {@code node}'s load-balancer weight, percent of an equal share.
   *
   * @throws UnknownNodeException if the cluster never knew {@code node}
   */
  public synchronized int weight(NodeId node) {
    return known(node).weight;
  }

  // ---------------------------------------------------------------- scripting and verification

  /**
   * Adds a member as if it had been there from the start (no event): for setting up a cluster made
   * without nodes, such as the one {@code @EnableFakeCluster} injects. To model a node joining
   * mid-run, use {@link #join} (someone else adds it) or provision a host and start its service
   * (the orchestrator adds it).
   *
   * @throws IllegalArgumentException if the id is taken, or the node leads a role that has a leader
   */
  public synchronized void addNode(NodeSpec spec) {
    addHost(spec);
    if (spec.voter()) {
      elect(spec.role(), false);
    }
    dispatch();
  }

  /**
   * Puts a task that takes {@code duration} at the end of the queue, and dispatches it if a node
   * can take it.
   */
  public synchronized void submitTask(Duration duration) {
    NodeSpec.requireNotNegative(duration, "duration");
    enqueue(new Task(nextTaskId++, duration, clock.now()));
    dispatch();
    afterCall();
  }

  /**
   * Makes {@code fault} happen; see each {@link Fault} for what it does. A fault on a node that
   * does not exist yet (a replacement or a clone still to be provisioned) waits for its host to be
   * provisioned, and then happens to it.
   */
  public synchronized void inject(Fault fault) {
    Objects.requireNonNull(fault, "fault");
    Host h = hosts.get(fault.node());
    if (h == null) {
      pendingFaults.computeIfAbsent(fault.node(), n -> new ArrayList<>()).add(fault);
      return;
    }
    apply(h, fault);
  }

  private void apply(Host h, Fault fault) {
    if (fault instanceof Fault.SlowDrain slow) {
      h.slowBy = h.slowBy.plus(slow.extra());
      for (Task t : h.running) {
        if (t.completion != null) {
          t.completion.cancel();
          t.due = t.due.plus(slow.extra());
          scheduleCompletion(t);
        }
      }
    } else if (fault instanceof Fault.StuckDrain) {
      Optional<Task> first = h.running.stream().filter(t -> t.completion != null).findFirst();
      first.ifPresentOrElse(
          t -> {
            t.completion.cancel();
            t.completion = null;
          },
          () -> h.stuckArmed = true);
    } else if (fault instanceof Fault.UpgradeFails) {
      h.upgradeFails = true;
    } else if (fault instanceof Fault.NeverReturns) {
      h.neverReturns = true;
    } else if (fault instanceof Fault.NodeLost lost) {
      clock.schedule(lost.after(), () -> lose(h));
    } else if (fault instanceof Fault.OperationHangs hang) {
      h.hanging.add(hang.operation());
    } else if (fault instanceof Fault.Vanishes gone) {
      clock.schedule(gone.after(), () -> vanish(h));
    }
  }

  /**
   * Adds a member mid-run, as an operator scaling out would: its service running, healthy, and
   * drained only if {@code spec} says so; its running tasks start at once. Records {@link
   * ClusterEvent.Appeared} (and {@link ClusterEvent.LeaderElected} if it takes the lead of a role
   * that had no leader), so checkers can tell it from a node the orchestrator provisioned.
   *
   * @throws IllegalArgumentException if the id is taken, or the node leads a role that has a leader
   */
  public synchronized void join(NodeSpec spec) {
    Objects.requireNonNull(spec, "spec");
    addHost(spec);
    Host h = hosts.get(spec.id());
    record(
        new ClusterEvent.Appeared(
            clock.now(), h.id, h.role, h.platform, h.cap, h.voter, h.drainRequested));
    if (h.voter) {
      if (spec.leader()) {
        record(new ClusterEvent.LeaderElected(clock.now(), h.id));
      } else {
        elect(h.role, true);
      }
    }
    dispatch();
    afterCall();
  }

  /**
   * The operator drains {@code node} themselves, with no deadline (Octopus: drain; Nomad: drain or
   * mark ineligible): it takes no new work and finishes what it runs. Records {@link
   * ClusterEvent.OperatorDrained}, not {@link ClusterEvent.DrainStarted}, so checkers can tell the
   * operator's intent from the run's. Changes nothing if the node is already drained or draining,
   * whoever asked.
   *
   * @throws UnknownNodeException if {@code node} is not a member
   */
  public synchronized void operatorDrain(NodeId node) {
    Host h = member(node);
    if (!h.drainRequested) {
      h.drainRequested = true;
      touch(h);
      reindex(h);
      record(new ClusterEvent.OperatorDrained(clock.now(), node));
      if (h.running.isEmpty()) {
        record(new ClusterEvent.Drained(clock.now(), node, 0));
      }
    }
    afterCall();
  }

  /**
   * The operator lets {@code node} take new work again themselves. Records {@link
   * ClusterEvent.OperatorUndrained}, not {@link ClusterEvent.Undrained}. Changes nothing if the
   * node is active.
   *
   * @throws UnknownNodeException if {@code node} is not a member
   */
  public synchronized void operatorUndrain(NodeId node) {
    undrain(node, new ClusterEvent.OperatorUndrained(clock.now(), node));
  }

  /**
   * Moves the leadership of {@code node}'s role to {@code node}, as an election or an operator's
   * leadership transfer would; records {@link ClusterEvent.LeaderElected}. Nothing changes if it
   * already leads.
   *
   * @throws IllegalArgumentException if {@code node} is not a healthy voting member
   * @throws UnknownNodeException if the cluster never knew {@code node}
   */
  public synchronized void transferLeadership(NodeId node) {
    Host h = known(node);
    if (!h.member || !h.voter || !h.healthy()) {
      throw new IllegalArgumentException(node + " cannot lead: only a healthy voting member can");
    }
    if (!node.equals(leaders.get(h.role))) {
      leaders.put(h.role, node);
      record(new ClusterEvent.LeaderElected(clock.now(), node));
    }
    afterCall();
  }

  /** Every event recorded so far, in order. */
  public synchronized List<ClusterEvent> events() {
    return List.copyOf(events);
  }

  /**
   * How many events have been recorded so far: the index the next event will have in {@link
   * #events()}, to mark a point in the log without copying it.
   */
  public synchronized int eventCount() {
    return events.size();
  }

  /**
   * The oldest event not yet taken, like MockWebServer's {@code takeRequest()}.
   *
   * @throws NoSuchElementException if every recorded event has been taken
   */
  public synchronized ClusterEvent takeEvent() {
    if (taken >= events.size()) {
      throw new NoSuchElementException(
          "no event left to take: all " + events.size() + " recorded events were taken");
    }
    return events.get(taken++);
  }

  /**
   * The host behind {@code node}, whether or not it is a member.
   *
   * @throws UnknownNodeException if the cluster never knew {@code node}
   */
  public synchronized FakeHost host(NodeId node) {
    Host h = known(node);
    return new FakeHost(
        h.id,
        h.role,
        h.platform,
        h.voter,
        h.provisioned,
        h.member,
        h.serviceRunning,
        h.lost,
        h.decommissioned,
        h.lost || h.neverReturns || !h.hanging.isEmpty());
  }

  /**
   * {@code node} as {@link #observe()} would show it now, or empty if it is not a member; cheaper
   * than observing the whole cluster.
   *
   * @throws UnknownNodeException if the cluster never knew {@code node}
   */
  public synchronized Optional<Node> node(NodeId node) {
    Host h = known(node);
    return h.member ? Optional.of(view(h)) : Optional.empty();
  }

  /** The clock the cluster runs on. */
  public VirtualClock clock() {
    return clock;
  }

  /** The seed all of the cluster's randomness comes from; print it to replay a failure. */
  public long seed() {
    return seed;
  }

  /** How many tasks have finished normally. */
  public synchronized long tasksCompleted() {
    return tasksCompleted;
  }

  /**
   * Gives maintenance mode Octopus Deploy's meaning (its maintenance-mode guide): while it is on
   * the task queue is still processed, so tasks already queued start and run to completion, but the
   * users behind the {@linkplain Builder#workload workload} cannot queue new ones, so its arrivals
   * are refused; {@link #submitTask} still queues, as an administrator may. Off by default: then
   * maintenance mode holds every task in the queue. The fake Octopus server turns it on.
   */
  public synchronized void maintenanceModeRunsQueue(boolean value) {
    if (maintenanceRunsQueue != value) {
      maintenanceRunsQueue = value;
      dispatch();
    }
  }

  /**
   * Tells {@code watcher} of every task's life from now on, for fakes of a vendor's task API:
   * first, at once, each task queued or running now (a {@link TaskChange.Kind#QUEUED} change, and a
   * {@link TaskChange.Kind#STARTED} one for those running, stamped with when they happened), then
   * each change as it happens. Called under the cluster's lock, in order; it must not block.
   */
  public synchronized void watchTasks(Consumer<TaskChange> watcher) {
    Objects.requireNonNull(watcher, "watcher");
    for (Host h : hosts.values()) {
      for (Task t : h.running) {
        watcher.accept(new TaskChange(t.id, TaskChange.Kind.QUEUED, null, t.queuedAt));
        watcher.accept(new TaskChange(t.id, TaskChange.Kind.STARTED, h.id, t.startedAt));
      }
    }
    for (Task t : queue) {
      watcher.accept(new TaskChange(t.id, TaskChange.Kind.QUEUED, null, t.queuedAt));
    }
    taskWatchers.add(watcher);
  }

  /**
   * Tells {@code watcher} of every event recorded from now on, as it is recorded, under the
   * cluster's lock; it may call the cluster back (a fake server registering a joining node, say).
   */
  public void watchEvents(Consumer<ClusterEvent> watcher) {
    eventWatchers.add(Objects.requireNonNull(watcher, "watcher"));
  }

  /**
   * Cancels the task {@code task} (an id of a {@link TaskChange}): a queued task leaves the queue,
   * a running one stops at once and frees its slot, as a vendor's "cancel task" does once the task
   * has stopped. Watchers learn it as {@link TaskChange.Kind#CANCELED}.
   *
   * @return false if the task is not queued or running (it finished, or never existed)
   */
  public synchronized boolean cancelTask(long task) {
    for (Iterator<Task> it = queue.iterator(); it.hasNext(); ) {
      Task t = it.next();
      if (t.id == task) {
        it.remove();
        version++;
        tell(t, TaskChange.Kind.CANCELED, null);
        afterCall();
        return true;
      }
    }
    for (Host h : hosts.values()) {
      for (Task t : h.running) {
        if (t.id == task) {
          h.running.remove(t);
          if (t.completion != null) {
            t.completion.cancel();
            t.completion = null;
          }
          t.host = null;
          reindex(h);
          version++;
          tell(t, TaskChange.Kind.CANCELED, h);
          drainedIfIdle(h, 0);
          dispatch();
          afterCall();
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Registers {@code check} to run after every mutating port call; the invariant monitor's hook.
   */
  void afterEachCall(Runnable check) {
    afterEachCall.add(check);
  }

  /**
   * The live event log, for the monitor to read from where it left off; only under the cluster's
   * lock.
   */
  List<ClusterEvent> eventLog() {
    return events;
  }

  @Override
  public synchronized String toString() {
    return "FakeCluster[seed "
        + seed
        + ", "
        + hosts.size()
        + " hosts, "
        + events.size()
        + " events, "
        + queue.size()
        + " queued tasks, "
        + clock.now()
        + "]";
  }

  // ---------------------------------------------------------------- internals

  private void addHost(NodeSpec spec) {
    if (hosts.containsKey(spec.id())) {
      throw new IllegalArgumentException(
          "two nodes are named " + spec.id() + ": node ids must be unique");
    }
    if (spec.leader() && leaders.containsKey(spec.role())) {
      throw new IllegalArgumentException(
          "role "
              + spec.role()
              + " already has leader "
              + leaders.get(spec.role())
              + ", so "
              + spec.id()
              + " cannot lead too; mark only one voter of a role as leader");
    }
    Host h = new Host(spec.id(), spec.role(), spec.runsWork(), spec.durations(), hostsAdded++);
    h.platform = spec.platform();
    touch(h);
    h.cap = spec.taskCap();
    h.voter = spec.voter();
    h.provisioned = true;
    h.member = true;
    h.serviceRunning = true;
    h.drainRequested = spec.drained();
    h.weight = EXISTING_NODE_WEIGHT;
    hosts.put(h.id, h);
    if (spec.leader()) {
      leaders.put(h.role, h.id);
    }
    spec.runningTasks().forEach(d -> startTask(h, new Task(nextTaskId++, d, clock.now())));
    reindex(h);
    version++;
  }

  private List<Node> members() {
    List<Node> out = new ArrayList<>(hosts.size());
    for (Host h : hosts.values()) {
      if (h.member) {
        out.add(view(h));
      }
    }
    return out;
  }

  private Node view(Host h) {
    DrainState drain =
        !h.drainRequested
            ? DrainState.ACTIVE
            : h.running.isEmpty() ? DrainState.DRAINED : DrainState.DRAINING;
    return new Node(
        h.id,
        h.role,
        h.platform,
        h.cap,
        drain,
        h.healthy() ? Health.HEALTHY : Health.UNREACHABLE,
        h.id.equals(leaders.get(h.role)),
        h.voter,
        h.running.size(),
        h.runsWork);
  }

  private Host known(NodeId node) {
    Host h = hosts.get(Objects.requireNonNull(node, "node"));
    if (h == null) {
      throw new UnknownNodeException(node, List.copyOf(hosts.keySet()));
    }
    return h;
  }

  private Host member(NodeId node) {
    Host h = hosts.get(Objects.requireNonNull(node, "node"));
    if (h == null || !h.member) {
      throw new UnknownNodeException(node, members().stream().map(Node::id).toList());
    }
    return h;
  }

  private void record(ClusterEvent event) {
    events.add(event);
    version++;
    eventWatchers.forEach(w -> w.accept(event));
  }

  private void enqueue(Task t) {
    queue.addLast(t);
    tell(t, TaskChange.Kind.QUEUED, null);
  }

  private void tell(Task t, TaskChange.Kind kind, Host h) {
    if (!taskWatchers.isEmpty()) {
      TaskChange change = new TaskChange(t.id, kind, h == null ? null : h.id, clock.now());
      taskWatchers.forEach(w -> w.accept(change));
    }
  }

  private void afterCall() {
    afterEachCall.forEach(Runnable::run);
  }

  /**
   * Makes the first healthy voter of {@code role} its leader unless a healthy member already leads.
   */
  private void elect(Role role, boolean recordIt) {
    NodeId current = leaders.get(role);
    Host leader = current == null ? null : hosts.get(current);
    if (leader != null && leader.member && leader.healthy()) {
      return;
    }
    leaders.remove(role);
    for (Host h : hosts.values()) {
      if (h.voter && h.member && h.healthy() && h.role.equals(role)) {
        leaders.put(role, h.id);
        if (recordIt) {
          record(new ClusterEvent.LeaderElected(clock.now(), h.id));
        }
        return;
      }
    }
  }

  private void dispatch() {
    while ((!maintenanceMode || maintenanceRunsQueue) && !queue.isEmpty() && !available.isEmpty()) {
      startTask(available.first(), queue.pollFirst());
    }
  }

  /**
   * Puts {@code h} where it belongs in {@link #available}; call after anything that may change it.
   */
  private void reindex(Host h) {
    touch(h);
    if (h.indexedLoad >= 0) {
      available.remove(h);
      h.indexedLoad = -1;
    }
    if (h.takesWork()) {
      h.indexedLoad = h.running.size();
      available.add(h);
    }
  }

  private void startTask(Host h, Task t) {
    t.host = h;
    t.startedAt = clock.now();
    h.running.add(t);
    reindex(h);
    version++;
    tell(t, TaskChange.Kind.STARTED, h);
    if (h.stuckArmed) {
      h.stuckArmed = false;
    } else {
      t.due = clock.now().plus(t.duration).plus(h.slowBy);
      scheduleCompletion(t);
    }
  }

  private void scheduleCompletion(Task t) {
    t.completion = clock.schedule(Duration.between(clock.now(), t.due), () -> complete(t));
  }

  private synchronized void complete(Task t) {
    Host h = t.host;
    if (h == null) {
      return;
    }
    h.running.remove(t);
    t.host = null;
    reindex(h);
    tasksCompleted++;
    version++;
    tell(t, TaskChange.Kind.COMPLETED, h);
    drainedIfIdle(h, 0);
    dispatch();
  }

  /**
   * Takes every task off {@code h}, cancelling their completions; watchers learn it as {@code
   * kind}.
   */
  private List<Task> takeTasks(Host h, TaskChange.Kind kind) {
    List<Task> tasks = new ArrayList<>(h.running);
    h.running.clear();
    reindex(h);
    for (Task t : tasks) {
      if (t.completion != null) {
        t.completion.cancel();
      }
      t.completion = null;
      t.host = null;
      tell(t, kind, h);
    }
    return tasks;
  }

  /** Ends the tasks {@code h} runs because the orchestrator stopped or destroyed it. */
  private void interrupt(Host h) {
    int n = takeTasks(h, TaskChange.Kind.INTERRUPTED).size();
    if (n > 0) {
      record(new ClusterEvent.WorkInterrupted(clock.now(), h.id, n));
      drainedIfIdle(h, 0);
    }
  }

  /** Records the end of a drain; called only when work was just taken off {@code h}. */
  private void drainedIfIdle(Host h, int migrated) {
    if (h.drainRequested && h.running.isEmpty()) {
      record(new ClusterEvent.Drained(clock.now(), h.id, migrated));
    }
  }

  private synchronized void forceDrain(Host h) {
    h.forcedDrain = null;
    if (!h.drainRequested || h.running.isEmpty()) {
      return;
    }
    List<Task> moved = takeTasks(h, TaskChange.Kind.REQUEUED);
    for (int i = moved.size() - 1; i >= 0; i--) {
      queue.addFirst(moved.get(i));
    }
    drainedIfIdle(h, moved.size());
    dispatch();
  }

  private synchronized void lose(Host h) {
    if (h.lost || h.decommissioned) {
      return;
    }
    h.lost = true;
    touch(h);
    h.serviceRunning = false;
    int tasks = takeTasks(h, TaskChange.Kind.INTERRUPTED).size();
    record(new ClusterEvent.NodeLost(clock.now(), h.id, tasks));
    if (tasks > 0) {
      drainedIfIdle(h, 0);
    }
    if (h.voter) {
      elect(h.role, true);
    }
    dispatch();
  }

  private synchronized void vanish(Host h) {
    if (!h.member) {
      return;
    }
    h.member = false;
    touch(h);
    h.lost = true;
    h.serviceRunning = false;
    if (h.forcedDrain != null) {
      h.forcedDrain.cancel();
      h.forcedDrain = null;
    }
    int tasks = takeTasks(h, TaskChange.Kind.INTERRUPTED).size();
    reindex(h);
    record(new ClusterEvent.Vanished(clock.now(), h.id, tasks));
    if (h.voter) {
      elect(h.role, true);
    }
    dispatch();
  }

  private void scheduleArrival(Duration meanInterArrival, Duration meanTaskDuration) {
    clock.schedule(
        exponential(meanInterArrival),
        () -> {
          synchronized (this) {
            Task t = new Task(nextTaskId++, exponential(meanTaskDuration), clock.now());
            if (!(maintenanceMode && maintenanceRunsQueue)) {
              enqueue(t); // else refused: in Octopus's maintenance mode users cannot queue tasks
            }
            dispatch();
            scheduleArrival(meanInterArrival, meanTaskDuration);
          }
        });
  }

  private Duration exponential(Duration mean) {
    double draw = -Math.log(1 - random.nextDouble()) * mean.toMillis();
    return Duration.ofMillis(Math.max(1, Math.round(draw)));
  }

  private Operation existing(String requestId, String call) {
    Objects.requireNonNull(requestId, "requestId");
    Operation op = operationsByRequest.get(requestId);
    if (op != null && !op.call.equals(call)) {
      throw new IllegalArgumentException(
          "request id '"
              + requestId
              + "' was already used for "
              + op.call
              + ", not "
              + call
              + ": a request id must be unique to one step of one run");
    }
    return op;
  }

  /**
   * Returns the operation already started for {@code requestId}, or launches one on {@code node}'s
   * host; {@code refusal} says why the host refuses it now, or null.
   */
  private OperationHandle operate(
      String requestId,
      String call,
      NodeId node,
      HostOperation kind,
      Function<Host, String> refusal,
      BiFunction<Host, Operation, String> effect) {
    Operation done = existing(requestId, call);
    if (done != null) {
      return done.handle;
    }
    Host h = known(node);
    return launch(requestId, call, h, kind, refusal.apply(h), op -> effect.apply(h, op));
  }

  /**
   * Starts an operation on {@code h} that fails at once with {@code refusal} if there is one, or
   * runs {@code effect} after the operation's duration; the effect returns why it failed, or null.
   */
  private OperationHandle launch(
      String requestId,
      String call,
      Host h,
      HostOperation kind,
      String refusal,
      Function<Operation, String> effect) {
    Operation op =
        new Operation(
            new OperationHandle(
                "op-" + (operationsById.size() + 1) + "-" + kind.name().toLowerCase(Locale.ROOT)),
            call,
            h.id);
    operationsByRequest.put(requestId, op);
    operationsById.put(op.handle.id(), op);
    String why = refusal != null ? refusal : unavailable(h, kind);
    if (why != null) {
      op.status = OperationStatus.failed(why);
      afterCall();
      return op.handle;
    }
    record(new ClusterEvent.OperationRequested(clock.now(), h.id, kind));
    if (!h.hanging.contains(kind)) {
      clock.schedule(
          h.durations.getOrDefault(kind, durations.getOrDefault(kind, kind.defaultDuration())),
          () -> {
            synchronized (this) {
              String failure = unavailable(h, kind);
              if (failure == null) {
                failure = effect.apply(op);
              }
              op.status =
                  failure == null ? OperationStatus.succeeded() : OperationStatus.failed(failure);
              version++;
              dispatch();
            }
          });
    }
    afterCall();
    return op.handle;
  }

  /** Why {@code h} cannot undergo {@code kind} now, or null if it can. */
  private static String unavailable(Host h, HostOperation kind) {
    if (h.decommissioned) {
      return kind == HostOperation.DECOMMISSION ? null : "host " + h.id + " was decommissioned";
    }
    if (h.lost && kind != HostOperation.DECOMMISSION) {
      return "host " + h.id + " was lost and cannot be reached; decommission it";
    }
    if (!h.provisioned && kind != HostOperation.PROVISION && kind != HostOperation.DECOMMISSION) {
      return "host "
          + h.id
          + " is still being provisioned; wait until its provision operation succeeds";
    }
    return null;
  }

  /** A host, whether or not it is a member. Guarded by the cluster's lock. */
  private static final class Host {
    final NodeId id;
    final Role role;
    final boolean runsWork;
    final Map<HostOperation, Duration> durations;
    final long order;
    final Set<Task> running = new LinkedHashSet<>();
    int indexedLoad = -1;
    Platform platform;
    TaskCap cap;
    boolean voter;
    boolean provisioned;
    boolean member;
    boolean serviceRunning;
    boolean lost;
    boolean decommissioned;
    boolean hung;
    boolean drainRequested;
    VirtualClock.Scheduled forcedDrain;
    int weight;
    Duration slowBy = Duration.ZERO;
    boolean stuckArmed;
    boolean upgradeFails;
    boolean neverReturns;
    final Set<HostOperation> hanging = java.util.EnumSet.noneOf(HostOperation.class);

    Host(
        NodeId id,
        Role role,
        boolean runsWork,
        Map<HostOperation, Duration> durations,
        long order) {
      this.id = id;
      this.role = role;
      this.runsWork = runsWork;
      this.durations = durations;
      this.order = order;
    }

    boolean healthy() {
      return serviceRunning && !hung;
    }

    boolean takesWork() {
      return member
          && healthy()
          && !drainRequested
          && runsWork
          && (cap.isUnlimited() || running.size() < cap.value());
    }
  }

  /** A task: queued, or running on a host with a completion due (none while stuck). */
  private static final class Task {
    final long id;
    final Duration duration;
    final Instant queuedAt;
    Instant startedAt;
    Host host;
    Instant due;
    VirtualClock.Scheduled completion;

    Task(long id, Duration duration, Instant queuedAt) {
      this.id = id;
      this.duration = duration;
      this.queuedAt = queuedAt;
    }
  }

  /** A host operation and where it stands. Guarded by the cluster's lock. */
  private static final class Operation {
    final OperationHandle handle;
    final String call;
    final NodeId node;
    OperationStatus status = OperationStatus.running();
    Platform captured;

    Operation(OperationHandle handle, String call, NodeId node) {
      this.handle = handle;
      this.call = call;
      this.node = node;
    }
  }

  /** Builds a {@link FakeCluster}. Not thread-safe. */
  public static final class Builder {
    private VirtualClock clock;
    private long seed = DEFAULT_SEED;
    private final List<NodeSpec> nodes = new ArrayList<>();
    private Constraints constraints = Constraints.NONE;
    private Duration meanInterArrival;
    private Duration meanTaskDuration;
    private boolean forcesDrainAtDeadline;
    private final Map<HostOperation, Duration> durations = new EnumMap<>(HostOperation.class);

    private Builder() {}

    /**
     * The clock to run on, shared with the code under test; a new {@link VirtualClock} by default.
     */
    public Builder clock(VirtualClock value) {
      clock = Objects.requireNonNull(value, "clock");
      return this;
    }

    /** The seed all randomness comes from; {@link FakeCluster#DEFAULT_SEED} by default. */
    public Builder seed(long value) {
      seed = value;
      return this;
    }

    /** Adds a node, after those added before. */
    public Builder node(NodeSpec spec) {
      nodes.add(Objects.requireNonNull(spec, "spec"));
      return this;
    }

    /** Adds a node named {@code id}, set up by {@code spec}. */
    public Builder node(String id, Consumer<NodeSpec.Builder> spec) {
      NodeSpec.Builder b = NodeSpec.builder(id);
      spec.accept(b);
      return node(b.build());
    }

    /**
     * Adds {@code count} nodes named {@code prefix-1} to {@code prefix-count}, each set up by
     * {@code spec}; if they are voters and none is made leader, the first leads.
     *
     * @throws IllegalArgumentException if {@code count} is negative
     */
    public Builder nodes(String prefix, int count, Consumer<NodeSpec.Builder> spec) {
      if (count < 0) {
        throw new IllegalArgumentException("count must be 0 or more, got " + count);
      }
      for (int i = 1; i <= count; i++) {
        node(prefix + "-" + i, spec);
      }
      return this;
    }

    /** What {@link FakeCluster#constraints()} returns; {@link Constraints#NONE} by default. */
    public Builder constraints(Constraints value) {
      constraints = Objects.requireNonNull(value, "constraints");
      return this;
    }

    /**
     * Makes tasks arrive into the queue with exponentially distributed gaps averaging {@code
     * meanInterArrival}, each taking an exponentially distributed time averaging {@code
     * meanTaskDuration}, both drawn from the seed. Without it, no task arrives.
     *
     * @throws IllegalArgumentException if a duration is not positive
     */
    public Builder workload(Duration meanInterArrival, Duration meanTaskDuration) {
      for (Duration d : List.of(meanInterArrival, meanTaskDuration)) {
        if (d.toMillis() < 1) {
          throw new IllegalArgumentException("workload durations must be at least 1ms, got " + d);
        }
      }
      this.meanInterArrival = meanInterArrival;
      this.meanTaskDuration = meanTaskDuration;
      return this;
    }

    /**
     * Whether a drain deadline forces the drain, moving the node's remaining tasks back to the
     * queue (Nomad) rather than waiting for them (Octopus Deploy, the default).
     */
    public Builder forcesDrainAtDeadline(boolean value) {
      forcesDrainAtDeadline = value;
      return this;
    }

    /**
     * How long {@code operation} takes on every host whose node does not say otherwise; see {@link
     * HostOperation} for the defaults.
     *
     * @throws IllegalArgumentException if {@code value} is negative
     */
    public Builder duration(HostOperation operation, Duration value) {
      NodeSpec.requireNotNegative(value, operation + " duration");
      durations.put(Objects.requireNonNull(operation, "operation"), value);
      return this;
    }

    /**
     * The cluster, its nodes members with their services running, healthy and active.
     *
     * @throws IllegalArgumentException if two nodes share an id or two nodes lead one role
     */
    public FakeCluster build() {
      return new FakeCluster(this);
    }
  }
}
