package io.upkeep.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where the executor keeps the journal of one cluster's runs, and the lease that lets one runner at
 * a time drive them. The executor appends a record before it moves on from every decision, action
 * and outcome; a runner on a fresh process reads the journal back and resumes. Operators' commands
 * are records too, appended from any process, so they reach the runner and survive restarts.
 *
 * <p>Implementations: {@link io.upkeep.journal.FileJournalStore} (the embedded default, JSON lines
 * on a local disk), an in-memory one for tests ({@link io.upkeep.journal.InMemoryJournalStore}),
 * and stores on shared engines (a SQL database, Nomad Variables) in other modules. Every
 * implementation must pass the testkit's {@code JournalStoreContract}.
 *
 * <p>The contract:
 *
 * <ul>
 *   <li><b>Order and durability</b>: {@link #append} gives entries strictly increasing seqs and is
 *       durable when it returns; a batch is appended whole or not at all; {@link #read} returns
 *       them in seq order.
 *   <li><b>Fencing</b>: an append or compaction with a lease succeeds only if that lease (same
 *       owner and token) is the store's current one and is still held at {@code now}; otherwise it
 *       changes nothing and throws {@link io.upkeep.LeaseLostException}. An append without a lease
 *       (an operator's {@link JournalEntry#CONTROL} record) needs none.
 *   <li><b>The lease</b>: {@link #acquire} succeeds when no lease is held at {@code now} (none was
 *       ever taken, it was released, or it lapsed), with a token larger than every earlier one;
 *       {@link #renew} extends the current lease only while it is held; {@link #release} ends it.
 *   <li><b>Compaction</b>: {@link #compact} replaces every entry of one run up to a seq by a
 *       snapshot at that seq, keeping every other entry.
 * </ul>
 *
 * <p>Times are the runners' clock ({@link TimeSource}), passed in: runners on several machines must
 * keep their clocks within a small fraction of the lease's time to live. Implementations must be
 * thread-safe.
 */
public interface JournalStore extends AutoCloseable {

  /**
   * Appends {@code entries} in order, atomically, and returns them with their seqs.
   *
   * @param lease the writer's lease, or null for operators' control records
   * @param now the writer's current time
   * @throws io.upkeep.LeaseLostException if {@code lease} is given and is not the current lease
   *     held at {@code now}
   * @throws io.upkeep.UpkeepException if the store cannot be written, naming it and the cause
   */
  List<JournalEntry> append(List<JournalEntry> entries, Lease lease, Instant now);

  /** Every entry with a seq above {@code afterSeq}, in seq order (all of them for 0). */
  List<JournalEntry> read(long afterSeq);

  /**
   * Replaces every entry of {@code snapshot.runId()} with a seq up to {@code snapshot.seq()} by
   * {@code snapshot} (whose seq is the last one it replaces); other runs' entries and later entries
   * stay.
   *
   * @throws io.upkeep.LeaseLostException if {@code lease} is not the current lease held at {@code
   *     now}
   */
  void compact(JournalEntry snapshot, Lease lease, Instant now);

  /**
   * Takes the lease for {@code owner} for {@code ttl} if no lease is held at {@code now}.
   *
   * @return the new lease, or empty with nothing changed if another is held
   */
  Optional<Lease> acquire(String owner, Duration ttl, Instant now);

  /**
   * Extends {@code lease} to {@code now + ttl}.
   *
   * @throws io.upkeep.LeaseLostException if it is not the current lease or lapsed before {@code
   *     now}
   */
  Lease renew(Lease lease, Duration ttl, Instant now);

  /** Ends {@code lease} if it is the current one; harmless otherwise. */
  void release(Lease lease);

  /** The current lease, if one was taken and not released (it may have lapsed). */
  Optional<Lease> lease();

  /** Releases what the store holds open (files, connections); the journal stays. */
  @Override
  void close();
}
