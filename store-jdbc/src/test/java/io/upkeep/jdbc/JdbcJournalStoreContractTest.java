package io.upkeep.jdbc;

import io.upkeep.spi.JournalStore;
import io.upkeep.testkit.junit5.JournalStoreContract;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The JDBC journal keeps the store contract on a real PostgreSQL server: each test has a journal of
 * its own in the shared tables, and the second handle has a data source of its own, whose
 * connections are other server sessions, as a second process's would be.
 */
@ExtendWith(RealPostgres.class)
class JdbcJournalStoreContractTest extends JournalStoreContract {

  private final String journal = RealPostgres.freshJournal("contract");

  @Override
  protected JournalStore open() {
    return JdbcJournalStore.open(RealPostgres.dataSource(), journal);
  }

  @Override
  protected JournalStore openAgain() {
    return JdbcJournalStore.open(RealPostgres.dataSource(), journal);
  }
}
