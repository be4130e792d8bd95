package io.upkeep.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * One record of a run's journal, as a {@link JournalStore} keeps it: an opaque JSON body that core
 * writes and reads, with the few fields a store needs to order, find and compact records. Bodies
 * hold ids, times, states and operation handles, never credentials.
 *
 * @param seq its position in the journal, assigned by the store on append (0 before that): strictly
 *     increasing, never reused
 * @param runId the run it belongs to
 * @param at when it was written, on the writer's clock
 * @param kind what it is: {@link #START}, {@link #PROGRESS}, {@link #SNAPSHOT} or {@link #CONTROL}
 * @param body its content, one JSON object
 */
public record JournalEntry(long seq, String runId, Instant at, String kind, String body) {

  /** A run began: its id, its plan (as JSON) and who started it. */
  public static final String START = "start";

  /** What changed in a run's state, and why (its decisions and outcomes). */
  public static final String PROGRESS = "progress";

  /** A run's whole state, replacing every earlier record of that run (compaction). */
  public static final String SNAPSHOT = "snapshot";

  /** An operator's command (pause, resume, abort, approve, decline), from any process. */
  public static final String CONTROL = "control";

  /**
   * @throws NullPointerException if a component is null
   * @throws IllegalArgumentException if {@code seq} is negative or a text is blank
   */
  public JournalEntry {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(body, "body");
    if (seq < 0) {
      throw new IllegalArgumentException("a journal entry's seq must not be negative, got " + seq);
    }
    if (runId.isBlank() || kind.isBlank() || body.isBlank()) {
      throw new IllegalArgumentException("a journal entry needs a run id, a kind and a body");
    }
  }

  /** A record to append: the store gives it its seq. */
  public static JournalEntry of(String runId, Instant at, String kind, String body) {
    return new JournalEntry(0, runId, at, kind, body);
  }

  /** A copy at position {@code seq}. */
  public JournalEntry withSeq(long seq) {
    return new JournalEntry(seq, runId, at, kind, body);
  }
}
