package io.upkeep;

/** How a node looks to the target system right now. */
public enum Health {
  /** Reachable and reporting itself healthy. */
  HEALTHY,
  /** Reachable but failing its checks (for example a raft follower far behind the leader). */
  UNHEALTHY,
  /** Not reachable: stopped, rebooting, lost, or its heartbeat is late. */
  UNREACHABLE
}
