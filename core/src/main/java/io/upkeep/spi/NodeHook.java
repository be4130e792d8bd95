package io.upkeep.spi;

import io.upkeep.NodeId;

/**
 * A named step that an integration or the operator adds around each node's upgrade, shown in the
 * plan as a step of its own: a vendor's extra action (Nomad moving raft leadership away before a
 * server stops, writing a single server's {@code peers.json}; Octopus re-registering polling
 * Tentacles with a clone), or the operator's own (open a change ticket, take the node out of
 * monitoring, a smoke test). A policy places it with {@link io.upkeep.Policy.Builder#hook}; the
 * executor runs it by its {@link #name()}, registered like a health probe, and refuses a plan that
 * names a hook it lacks.
 *
 * <p>{@link #run} is called again, with the same request id, until it reports success or failure (a
 * hook may start something long and report it {@linkplain OperationStatus.State#RUNNING running}),
 * within the policy's operation deadline; a failure fails the unit, which is then restored. After a
 * crash the run calls it again with the same request id, so implementations must be idempotent by
 * request id, and thread-safe.
 */
public interface NodeHook {

  /** The name policies use for this hook. */
  String name();

  /**
   * Runs the hook for {@code node}, or reports how an earlier call with this request id stands.
   *
   * @param requestId unique to one step of one run: the same on every call for that step
   * @param node the node the step is about (a unit's original node, or its replacement or clone)
   * @return running, succeeded or failed; the detail goes to the run's events
   */
  OperationStatus run(String requestId, NodeId node);
}
