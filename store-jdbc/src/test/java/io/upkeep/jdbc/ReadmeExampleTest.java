package io.upkeep.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.spi.JournalEntry;
import io.upkeep.spi.JournalStore;
import io.upkeep.spi.Lease;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.ds.PGSimpleDataSource;

/** The README's example, against the test server, so that it cannot rot. */
@ExtendWith(RealPostgres.class)
class ReadmeExampleTest {

  @Test
  void opensAJournalAsTheReadmeShows() {
    PGSimpleDataSource pg =
        new PGSimpleDataSource(); // or SQLServerDataSource, HikariDataSource, ...
    pg.setUrl(RealPostgres.jdbcUrl()); // "jdbc:postgresql://db.example.com:5432/ops" in the README
    pg.setUser("postgres");
    pg.setPassword("unused-by-the-test-server");

    JournalStore journal =
        JdbcJournalStore.builder()
            .dataSource(pg)
            .journal(
                "octopus-prod") // the cluster's runs; other clusters' journals share the tables
            .tablePrefix("upkeep_") // optional; this is the default
            .open(); // creates or migrates the tables, then adds this journal's row

    try (journal) {
      Instant now = Instant.parse("2026-12-01T10:00:00Z");
      Lease lease = journal.acquire("runner-1", Duration.ofSeconds(30), now).orElseThrow();
      List<JournalEntry> written =
          journal.append(List.of(JournalEntry.of("run-1", now, "start", "{}")), lease, now);
      assertThat(journal.read(0)).isEqualTo(written);
      assertThat(journal.toString()).doesNotContain("unused-by-the-test-server");
    }
  }
}
