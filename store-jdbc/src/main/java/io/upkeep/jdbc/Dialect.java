package io.upkeep.jdbc;

import java.util.Locale;
import java.util.Optional;

/**
 * The one part of the store's SQL that differs between the engines it supports: the column types of
 * its tables. Every query and update is standard SQL that PostgreSQL and SQL Server both run
 * unchanged (no SERIAL, identity columns, upserts, ON CONFLICT, MERGE or row-locking hints).
 */
enum Dialect {
  /** PostgreSQL, and engines that speak its dialect and say so in their product name. */
  POSTGRESQL("PostgreSQL", "VARCHAR", "TEXT"),
  /** Microsoft SQL Server and Azure SQL: Unicode text types, TEXT being deprecated there. */
  SQL_SERVER("Microsoft SQL Server", "NVARCHAR", "NVARCHAR(MAX)");

  private final String product;
  private final String shortText;
  private final String largeText;

  Dialect(String product, String shortText, String largeText) {
    this.product = product;
    this.shortText = shortText;
    this.largeText = largeText;
  }

  /** A text column of at most {@code length} characters. */
  String text(int length) {
    return shortText + "(" + length + ")";
  }

  /** A text column for a record's body, which may be large. */
  String largeText() {
    return largeText;
  }

  /** The dialect of the database whose JDBC driver names its product {@code productName}. */
  static Optional<Dialect> of(String productName) {
    String name = productName == null ? "" : productName.toLowerCase(Locale.ROOT);
    if (name.contains("postgres")) {
      return Optional.of(POSTGRESQL);
    }
    if (name.contains("sql server")) {
      return Optional.of(SQL_SERVER);
    }
    return Optional.empty();
  }

  /** The products supported, for error messages. */
  static String supported() {
    return POSTGRESQL.product + " and " + SQL_SERVER.product;
  }
}
