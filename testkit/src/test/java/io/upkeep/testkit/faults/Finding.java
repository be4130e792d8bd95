package io.upkeep.testkit.faults;

import java.time.Instant;

/**
 * One violation found in one schedule, by one checker.
 *
 * @param checker who found it: {@code monitor} (the testkit's InvariantMonitor), {@code replay}
 *     (the independent event-log checker) or {@code driver} (liveness, exceptions)
 * @param invariant which property: budget, quorum, leader-last, no-work-interrupted, restored,
 *     final-state, honesty, liveness, executor-threw
 * @param at when, in virtual time, or null for the end of the run
 * @param detail what happened, naming the nodes
 */
record Finding(String checker, String invariant, Instant at, String detail) {

  /** The category a failure summary groups by. */
  String category() {
    return checker + "/" + invariant;
  }

  @Override
  public String toString() {
    return category() + (at == null ? "" : " at " + at) + ": " + detail;
  }
}
