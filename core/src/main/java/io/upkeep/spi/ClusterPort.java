package io.upkeep.spi;

import io.upkeep.ClusterSnapshot;
import io.upkeep.Constraints;
import io.upkeep.NodeId;
import io.upkeep.TaskCap;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The target system, as core sees it: what adapters (Octopus Deploy, Nomad) implement and the
 * testkit fakes. Only core types cross it. Every change is idempotent: asking for the state a node
 * already has is a no-op, so a resumed run may safely ask again. Failures are reported as {@link
 * io.upkeep.ClusterOperationException} (or {@link io.upkeep.UnknownNodeException} for a node the
 * system does not know). Implementations must be thread-safe.
 */
public interface ClusterPort {

  /** An observation of every member and the cluster-wide maintenance flag. */
  ClusterSnapshot observe();

  /** The safety rules of this system (quorum, ordering, version skew, budgets). */
  Constraints constraints();

  /** Sets how many tasks {@code node} may run; {@link TaskCap#ZERO} stops it taking new ones. */
  void setTaskCap(NodeId node, TaskCap cap);

  /**
   * Stops {@code node} taking new work and lets its running work finish or migrate away. The system
   * may force what is left at {@code deadline}, if it supports that (Nomad does).
   */
  void drain(NodeId node, Instant deadline);

  /** Lets {@code node} take new work again. */
  void undrain(NodeId node);

  /** Turns cluster-wide maintenance mode (no new work on any node) on or off. */
  void setMaintenanceMode(boolean on);

  /** How much work {@code node} runs right now, counted the most precise way the system offers. */
  int runningWork(NodeId node);

  /**
   * Cancels the work still running on {@code node}, where the system offers a way (Octopus: each
   * executing task through the API, as its documented drain script does), so that it ends canceled
   * rather than cut off when the node stops. The executor calls it when a drain's deadline passes
   * and the policy says {@link io.upkeep.Policy.DrainTimeoutAction#FORCE}; it may call it again for
   * the same node after a crash, so it must be idempotent. By default it cancels nothing (a Nomad
   * drain's deadline stops what still runs by itself).
   *
   * @return how many pieces of work it asked to cancel
   */
  default int cancelWork(NodeId node) {
    return 0;
  }

  /**
   * Removes {@code node} from the cluster's membership (it must be stopped or drained and idle).
   */
  void removeMember(NodeId node);

  /**
   * Waits until the cluster may have changed since {@code since}, or {@code maxWait} has passed.
   * Systems with blocking queries use them; others poll through the run's {@link TimeSource}.
   *
   * @return whether a change was seen (false on timeout; spurious true is allowed)
   */
  boolean awaitChange(ClusterSnapshot since, Duration maxWait);

  /**
   * The time source this port reads and waits on, if it has one of its own (an adapter's configured
   * clock, the testkit's virtual clock). The executor uses it when it is given no other, and
   * refuses a different one: a port and a run on two clocks would wait in real time in virtual
   * tests, or time out at once in production. Empty by default.
   */
  default Optional<TimeSource> time() {
    return Optional.empty();
  }

  /**
   * How many requests this port has sent to the system's API since it was made, retries included; a
   * run reports how many it cost ({@link io.upkeep.RunReport#apiRequests()}). Zero for a port that
   * sends none (the testkit's in-memory fake), the default.
   */
  default long requestsSent() {
    return 0;
  }
}
