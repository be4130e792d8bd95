package io.upkeep.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The one engine-specific part, the tables' column types, chosen by the product name the driver
 * reports.
 */
class DialectTest {

  @Test
  void isChosenByTheDriversProductName() {
    assertThat(Dialect.of("PostgreSQL")).contains(Dialect.POSTGRESQL);
    assertThat(Dialect.of("Microsoft SQL Server")).contains(Dialect.SQL_SERVER);
    assertThat(Dialect.of("MySQL")).isEmpty();
    assertThat(Dialect.of(null)).isEmpty();
  }

  @Test
  void givesSqlServerUnicodeTextTypes() {
    assertThat(Dialect.SQL_SERVER.text(200)).isEqualTo("NVARCHAR(200)");
    assertThat(Dialect.SQL_SERVER.largeText()).isEqualTo("NVARCHAR(MAX)");
    assertThat(Dialect.POSTGRESQL.text(200)).isEqualTo("VARCHAR(200)");
    assertThat(Dialect.POSTGRESQL.largeText()).isEqualTo("TEXT");
  }

  @Test
  void keepsTheSqlServerTablesInStandardSqlWithItsTypes() {
    String ddl = String.join("\n", new Schema(Dialect.SQL_SERVER, "upkeep_").statements(1));

    assertThat(ddl)
        .contains("body NVARCHAR(MAX) NOT NULL", "journal NVARCHAR(200) NOT NULL")
        .contains("CONSTRAINT upkeep_journal_pk PRIMARY KEY (journal, seq)")
        .doesNotContain("TEXT", "SERIAL", "BOOLEAN", "IF NOT EXISTS", "TIMESTAMP");
  }
}
