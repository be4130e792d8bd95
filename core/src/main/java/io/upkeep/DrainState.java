package io.upkeep;

/**
 * Whether a node takes new work. A drain is asked for by the orchestrator and completed by the
 * target system once the node's running work has finished (or been migrated away).
 */
public enum DrainState {
  /** Takes new work. */
  ACTIVE,
  /** Takes no new work but still runs some. */
  DRAINING,
  /** Takes no new work and runs none. */
  DRAINED
}
