package io.upkeep;

/**
 * Where in each unit a {@link io.upkeep.spi.NodeHook} runs, as a plan step of its own. The planner
 * places one step per point and per node the point applies to; the unit's own steps go on only once
 * the hook's step is done.
 */
public enum HookPoint {
  /**
   * The unit's first step, before anything is touched (open a change ticket, silence monitoring).
   */
  BEFORE_UNIT,
  /** Just before each stop of a node's service (Nomad: move raft leadership away). */
  BEFORE_STOP,
  /** Just before each start of a node's service (Nomad: write a single server's peers.json). */
  BEFORE_START,
  /**
   * Just after a started node was found healthy and verified, before it takes work (Octopus:
   * re-register polling Tentacles with a clone at a new address; a smoke test).
   */
  AFTER_VERIFY,
  /**
   * In a canary replacement's trial, before its first step (before any task cap changes for it):
   * wait for a quiet moment (Octopus: few tasks queued or running, seed 000's "pick a time with
   * minimal deployments").
   */
  BEFORE_TRIAL,
  /**
   * In a canary replacement's trial, just after the new node got its trial task cap (the other
   * nodes at 0, when the trial is exclusive) and before the trial's soak: queue test work that can
   * only run on the new node, and require it to succeed there (Octopus: a health-check task, seed
   * 000's "do a couple of test deployments and health checks").
   */
  DURING_TRIAL,
  /** The unit's last step (close the change ticket, bring monitoring back). */
  AFTER_UNIT
}
