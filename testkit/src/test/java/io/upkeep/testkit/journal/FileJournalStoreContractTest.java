package io.upkeep.testkit.journal;

import io.upkeep.journal.FileJournalStore;
import io.upkeep.spi.JournalStore;
import io.upkeep.testkit.junit5.JournalStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file journal keeps the store contract, two handles on one directory standing for two
 * processes.
 */
class FileJournalStoreContractTest extends JournalStoreContract {

  @TempDir Path dir;

  @Override
  protected JournalStore open() {
    return FileJournalStore.open(dir);
  }

  @Override
  protected JournalStore openAgain() {
    return FileJournalStore.open(dir);
  }
}
