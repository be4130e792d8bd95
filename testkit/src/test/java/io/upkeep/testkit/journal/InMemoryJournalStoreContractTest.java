package io.upkeep.testkit.journal;

import io.upkeep.journal.InMemoryJournalStore;
import io.upkeep.spi.JournalStore;
import io.upkeep.testkit.junit5.JournalStoreContract;

/** The in-memory journal keeps the store contract; both handles are the same store. */
class InMemoryJournalStoreContractTest extends JournalStoreContract {

  private final InMemoryJournalStore store = new InMemoryJournalStore();

  @Override
  protected JournalStore open() {
    return store;
  }

  @Override
  protected JournalStore openAgain() {
    return store;
  }
}
