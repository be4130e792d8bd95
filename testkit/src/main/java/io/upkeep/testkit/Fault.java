package io.upkeep.testkit;

import io.upkeep.NodeId;
import java.time.Duration;
import java.util.Objects;

/**
 * Something that goes wrong in a {@link FakeCluster}, injected with {@link FakeCluster#inject}. A
 * closed set of immutable, thread-safe records, made with the static factories. A fault holds for
 * the rest of the cluster's life unless its description says otherwise.
 */
public sealed interface Fault {

  /** The node the fault hits. */
  NodeId node();

  /** Every task running on {@code node}, now or later, takes {@code extra} longer. */
  static Fault slowDrain(NodeId node, Duration extra) {
    return new SlowDrain(node, extra);
  }

  /**
   * One task on {@code node} never finishes: the first one running now, or else the next one it
   * takes. Only stopping the node or a forced drain ends it.
   */
  static Fault stuckDrain(NodeId node) {
    return new StuckDrain(node);
  }

  /** Every in-place upgrade of {@code node} fails, leaving its platform as it was. */
  static Fault upgradeFails(NodeId node) {
    return new UpgradeFails(node);
  }

  /**
   * From the next time its service is started, {@code node} stays unreachable and never joins
   * healthy.
   */
  static Fault neverReturns(NodeId node) {
    return new NeverReturns(node);
  }

  /**
   * At {@code after} from now, {@code node} becomes unreachable for good and its running tasks are
   * lost.
   */
  static Fault nodeLost(NodeId node, Duration after) {
    return new NodeLost(node, after);
  }

  /**
   * At {@code after} from now, {@code node} leaves the membership without the orchestrator removing
   * it (an autoscaler or another operator took it away): its host is gone for good, its running
   * tasks are lost, its vote goes with it. Recorded as {@link ClusterEvent.Vanished}, not {@link
   * ClusterEvent.Removed}. Nothing happens if it is no longer a member by then.
   */
  static Fault vanishes(NodeId node, Duration after) {
    return new Vanishes(node, after);
  }

  /**
   * Every {@code operation} on {@code node} from now on hangs: it is accepted and then stays
   * running for ever, as a host call whose script never returns.
   */
  static Fault operationHangs(NodeId node, HostOperation operation) {
    return new OperationHangs(node, operation);
  }

  /**
   * See {@link Fault#operationHangs}.
   *
   * @param node the node
   * @param operation the host operation that hangs
   */
  record OperationHangs(NodeId node, HostOperation operation) implements Fault {
    /**
     * @throws NullPointerException if a reference is null
     */
    public OperationHangs {
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(operation, "operation");
    }
  }

  /**
   * See {@link Fault#slowDrain}.
   *
   * @param node the node
   * @param extra how much longer each task takes
   */
  record SlowDrain(NodeId node, Duration extra) implements Fault {
    /**
     * @throws NullPointerException if a reference is null
     * @throws IllegalArgumentException if {@code extra} is negative
     */
    public SlowDrain {
      Objects.requireNonNull(node, "node");
      NodeSpec.requireNotNegative(extra, "extra");
    }
  }

  /**
   * See {@link Fault#stuckDrain}.
   *
   * @param node the node
   */
  record StuckDrain(NodeId node) implements Fault {
    /**
     * @throws NullPointerException if {@code node} is null
     */
    public StuckDrain {
      Objects.requireNonNull(node, "node");
    }
  }

  /**
   * See {@link Fault#upgradeFails}.
   *
   * @param node the node
   */
  record UpgradeFails(NodeId node) implements Fault {
    /**
     * @throws NullPointerException if {@code node} is null
     */
    public UpgradeFails {
      Objects.requireNonNull(node, "node");
    }
  }

  /**
   * See {@link Fault#neverReturns}.
   *
   * @param node the node
   */
  record NeverReturns(NodeId node) implements Fault {
    /**
     * @throws NullPointerException if {@code node} is null
     */
    public NeverReturns {
      Objects.requireNonNull(node, "node");
    }
  }

  /**
   * See {@link Fault#nodeLost}.
   *
   * @param node the node
   * @param after how long from injection until it is lost
   */
  record NodeLost(NodeId node, Duration after) implements Fault {
    /**
     * @throws NullPointerException if a reference is null
     * @throws IllegalArgumentException if {@code after} is negative
     */
    public NodeLost {
      Objects.requireNonNull(node, "node");
      NodeSpec.requireNotNegative(after, "after");
    }
  }

  /**
   * See {@link Fault#vanishes}.
   *
   * @param node the node
   * @param after how long from injection until it vanishes
   */
  record Vanishes(NodeId node, Duration after) implements Fault {
    /**
     * @throws NullPointerException if a reference is null
     * @throws IllegalArgumentException if {@code after} is negative
     */
    public Vanishes {
      Objects.requireNonNull(node, "node");
      NodeSpec.requireNotNegative(after, "after");
    }
  }
}
