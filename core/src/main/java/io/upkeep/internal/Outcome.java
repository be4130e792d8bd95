package io.upkeep.internal;

import java.time.Instant;

/** What advancing a step this turn came to. */
record Outcome(Kind kind, String detail, Instant wake, boolean issued, boolean awaitingApproval) {

  enum Kind {
    DONE,
    /** Done, with something an operator should know (it goes to the report's notes). */
    NOTED,
    WAIT,
    FAIL,
    /** The step must not run yet and its unit has done nothing disruptive: give its slot back. */
    DEFER
  }

  static Outcome done(String detail) {
    return new Outcome(Kind.DONE, detail, null, false, false);
  }

  static Outcome note(String note) {
    return new Outcome(Kind.NOTED, note, null, false, false);
  }

  static Outcome fail(String reason) {
    return new Outcome(Kind.FAIL, reason, null, false, false);
  }

  static Outcome deferred(String reason) {
    return new Outcome(Kind.DEFER, reason, null, false, false);
  }

  /** Waiting for the cluster; {@code wake} (may be null) is when a timer of this step runs out. */
  static Outcome waitUntil(Instant wake) {
    return new Outcome(Kind.WAIT, "", wake, false, false);
  }

  /** Sent a command; the next turn should observe again at once. */
  static Outcome sent() {
    return new Outcome(Kind.WAIT, "", null, true, false);
  }

  static Outcome atGate() {
    return new Outcome(Kind.WAIT, "", null, false, true);
  }

  /** Waiting because a safety rule does not allow the step yet. */
  static Outcome blocked(String reason) {
    return new Outcome(Kind.WAIT, reason, null, false, false);
  }
}
