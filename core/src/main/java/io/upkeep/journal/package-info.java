/**
 * The journals Upkeep ships: {@link io.upkeep.journal.FileJournalStore}, the embedded default, and
 * {@link io.upkeep.journal.InMemoryJournalStore} for tests within one process. Other modules offer
 * stores on shared engines; all implement {@link io.upkeep.spi.JournalStore}.
 */
package io.upkeep.journal;
