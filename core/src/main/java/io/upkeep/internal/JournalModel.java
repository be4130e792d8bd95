package io.upkeep.internal;

import io.upkeep.LeaseLostException;
import io.upkeep.spi.JournalEntry;
import io.upkeep.spi.Lease;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@link io.upkeep.spi.JournalStore} contract over plain memory: seqs, fencing, the lease and
 * compaction. The in-memory store is this under a lock; the file store is this, kept in step with
 * its files. Not thread-safe: its owner locks.
 */
public final class JournalModel {

  private final List<JournalEntry> entries = new ArrayList<>();
  private long lastSeq;
  private Lease lease;
  private boolean released;

  /** The entries, in seq order. */
  public List<JournalEntry> entries() {
    return entries;
  }

  /** Adds an entry read back from storage, which has its seq. */
  public void load(JournalEntry e) {
    if (e.seq() <= lastSeq) {
      throw new IllegalStateException(
          "journal entry " + e.seq() + " follows " + lastSeq + ": the journal is out of order");
    }
    entries.add(e);
    lastSeq = e.seq();
  }

  /** Sets the lease read back from storage. */
  public void loadLease(Lease l, boolean isReleased) {
    lease = l;
    released = isReleased;
  }

  /** Whether the current lease was released. */
  public boolean released() {
    return released;
  }

  /** The entries after {@code afterSeq}. */
  public List<JournalEntry> read(long afterSeq) {
    int i = entries.size();
    while (i > 0 && entries.get(i - 1).seq() > afterSeq) {
      i--;
    }
    return List.copyOf(entries.subList(i, entries.size()));
  }

  /** Checks the fence and gives {@code batch} its seqs; the caller stores them, then adds them. */
  public List<JournalEntry> number(List<JournalEntry> batch, Lease writer, Instant now) {
    if (writer != null) {
      fence(writer, now, "append to");
    }
    List<JournalEntry> out = new ArrayList<>(batch.size());
    long seq = lastSeq;
    for (JournalEntry e : batch) {
      out.add(e.withSeq(++seq));
    }
    return out;
  }

  /** Adds entries {@link #number numbered} and stored. */
  public void add(List<JournalEntry> numbered) {
    numbered.forEach(this::load);
  }

  /** The entries that remain after compacting with {@code snapshot}, checking the fence. */
  public List<JournalEntry> compacted(JournalEntry snapshot, Lease writer, Instant now) {
    fence(writer, now, "compact");
    String run = snapshot.runId();
    long upTo = snapshot.seq();
    if (entries.stream().noneMatch(e -> e.seq() == upTo && e.runId().equals(run))) {
      throw new IllegalArgumentException(
          "a snapshot of run "
              + run
              + " must take the seq of that run's last entry it replaces; the journal has no entry "
              + upTo
              + " of that run");
    }
    List<JournalEntry> kept = new ArrayList<>();
    for (JournalEntry e : entries) {
      if (!e.runId().equals(run) || e.seq() > upTo) {
        kept.add(e);
      }
    }
    int i = 0;
    while (i < kept.size() && kept.get(i).seq() < upTo) {
      i++;
    }
    kept.add(i, snapshot);
    return kept;
  }

  /** Replaces the entries by {@link #compacted}'s answer, once stored. */
  public void replace(List<JournalEntry> kept) {
    entries.clear();
    entries.addAll(kept);
  }

  /** The lease {@code owner} would get now, or empty if one is held; the caller stores it. */
  public Optional<Lease> acquire(String owner, Duration ttl, Instant now) {
    Objects.requireNonNull(owner, "owner");
    checkTtl(ttl);
    if (lease != null && !released && lease.heldAt(now)) {
      return Optional.empty();
    }
    return Optional.of(new Lease(owner, lease == null ? 1 : lease.token() + 1, now.plus(ttl)));
  }

  /** {@code held} renewed to {@code now + ttl}, checking the fence; the caller stores it. */
  public Lease renew(Lease held, Duration ttl, Instant now) {
    checkTtl(ttl);
    fence(held, now, "renew the lease of");
    return new Lease(held.owner(), held.token(), now.plus(ttl));
  }

  /** Whether {@code held} is the current lease, so releasing it changes something. */
  public boolean current(Lease held) {
    return lease != null && !released && lease.equals(held);
  }

  /** Sets the current lease, once stored. */
  public void setLease(Lease l, boolean isReleased) {
    lease = l;
    released = isReleased;
  }

  /** The current lease, unless released. */
  public Optional<Lease> lease() {
    return released ? Optional.empty() : Optional.ofNullable(lease);
  }

  /** The current lease, released or not (its token must only grow). */
  public Lease lastLease() {
    return lease;
  }

  private void fence(Lease writer, Instant now, String what) {
    Objects.requireNonNull(writer, "lease");
    if (lease == null
        || released
        || lease.token() != writer.token()
        || !lease.owner().equals(writer.owner())) {
      throw new LeaseLostException(
          "runner '"
              + writer.owner()
              + "' may not "
              + what
              + " the journal: its lease (token "
              + writer.token()
              + ") "
              + (lease == null || released
                  ? "was released"
                  : "was taken over by '" + lease.owner() + "' (token " + lease.token() + ")")
              + "; the runner that holds the lease now drives the run");
    }
    if (!lease.heldAt(now)) {
      throw new LeaseLostException(
          "runner '"
              + writer.owner()
              + "' may not "
              + what
              + " the journal: its lease lapsed at "
              + lease.expiresAt()
              + " (now "
              + now
              + "); resume to take the lease again");
    }
  }

  private static void checkTtl(Duration ttl) {
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("a lease's time to live must be positive, got " + ttl);
    }
  }
}
