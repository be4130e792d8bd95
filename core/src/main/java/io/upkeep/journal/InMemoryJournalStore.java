package io.upkeep.journal;

import io.upkeep.internal.JournalModel;
import io.upkeep.spi.JournalEntry;
import io.upkeep.spi.JournalStore;
import io.upkeep.spi.Lease;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A journal in this process's memory: the executor's default when none is given, and the store for
 * tests that crash and resume a run inside one JVM. It survives a run, not a process. Thread-safe.
 */
public final class InMemoryJournalStore implements JournalStore {

  private final JournalModel model = new JournalModel();

  /** An empty journal. */
  public InMemoryJournalStore() {}

  @Override
  public synchronized List<JournalEntry> append(
      List<JournalEntry> entries, Lease lease, Instant now) {
    List<JournalEntry> numbered = model.number(entries, lease, now);
    model.add(numbered);
    return numbered;
  }

  @Override
  public synchronized List<JournalEntry> read(long afterSeq) {
    return model.read(afterSeq);
  }

  @Override
  public synchronized void compact(JournalEntry snapshot, Lease lease, Instant now) {
    model.replace(model.compacted(snapshot, lease, now));
  }

  @Override
  public synchronized Optional<Lease> acquire(String owner, Duration ttl, Instant now) {
    Optional<Lease> taken = model.acquire(owner, ttl, now);
    taken.ifPresent(l -> model.setLease(l, false));
    return taken;
  }

  @Override
  public synchronized Lease renew(Lease lease, Duration ttl, Instant now) {
    Lease renewed = model.renew(lease, ttl, now);
    model.setLease(renewed, false);
    return renewed;
  }

  @Override
  public synchronized void release(Lease lease) {
    if (model.current(lease)) {
      model.setLease(lease, true);
    }
  }

  @Override
  public synchronized Optional<Lease> lease() {
    return model.lease();
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "InMemoryJournalStore";
  }
}
