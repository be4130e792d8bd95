package io.upkeep.jdbc;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The store's tables and their versions. Version {@code n} is installed by migration {@code n}, in
 * one transaction that also records it in the schema-version table, so a later version of this code
 * adds a migration and every store that opens the tables brings them up to date; two runners
 * migrating at once cannot both record a version (it is that table's primary key).
 */
final class Schema {

  /** The schema version this code writes and reads. */
  static final int CURRENT = 1;

  private final Dialect dialect;
  private final String prefix;

  Schema(Dialect dialect, String prefix) {
    this.dialect = dialect;
    this.prefix = prefix;
  }

  Dialect dialect() {
    return dialect;
  }

  String versions() {
    return prefix + "schema_version";
  }

  String journal() {
    return prefix + "journal";
  }

  String lease() {
    return prefix + "lease";
  }

  /** The installed schema version: 0 if there are no tables yet. */
  int installed(Connection c) throws SQLException {
    if (!exists(c, versions())) {
      return 0;
    }
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT MAX(version) FROM " + versions())) {
      return r.next() ? r.getInt(1) : 0;
    }
  }

  /** Applies migration {@code version} and records it; the caller commits. */
  void migrate(Connection c, int version) throws SQLException {
    try (Statement s = c.createStatement()) {
      for (String ddl : statements(version)) {
        s.executeUpdate(ddl);
      }
    }
    try (PreparedStatement p =
        c.prepareStatement("INSERT INTO " + versions() + " (version, description) VALUES (?, ?)")) {
      p.setInt(1, version);
      p.setString(2, description(version));
      p.executeUpdate();
    }
  }

  static String description(int version) {
    if (version == 1) {
      return "journal and lease tables";
    }
    throw new IllegalArgumentException("no schema version " + version);
  }

  /** The DDL of migration {@code version}. */
  List<String> statements(int version) {
    if (version != 1) {
      throw new IllegalArgumentException("no schema version " + version);
    }
    String name = dialect.text(JdbcJournalStore.MAX_NAME_LENGTH);
    return List.of(
        "CREATE TABLE "
            + versions()
            + " (version INTEGER NOT NULL, description "
            + dialect.text(200)
            + " NOT NULL, CONSTRAINT "
            + versions()
            + "_pk PRIMARY KEY (version))",
        // One row per record. The seq is unique within a journal: the primary key guards it.
        "CREATE TABLE "
            + journal()
            + " (journal "
            + name
            + " NOT NULL, seq BIGINT NOT NULL, run_id "
            + name
            + " NOT NULL, at_ms BIGINT NOT NULL, at_ns INTEGER NOT NULL, kind "
            + dialect.text(JdbcJournalStore.MAX_KIND_LENGTH)
            + " NOT NULL, body "
            + dialect.largeText()
            + " NOT NULL, CONSTRAINT "
            + journal()
            + "_pk PRIMARY KEY (journal, seq))",
        // One row per journal: its lease and its head (the last seq given, and a version that
        // every write bumps, which makes every write of one journal an optimistic compare-and-set).
        "CREATE TABLE "
            + lease()
            + " (journal "
            + name
            + " NOT NULL, owner "
            + name
            + ", token BIGINT NOT NULL, expires_ms BIGINT, expires_ns INTEGER,"
            + " released SMALLINT NOT NULL, last_seq BIGINT NOT NULL, version BIGINT NOT NULL,"
            + " CONSTRAINT "
            + lease()
            + "_pk PRIMARY KEY (journal))");
  }

  private static boolean exists(Connection c, String table) throws SQLException {
    DatabaseMetaData meta = c.getMetaData();
    String escape = meta.getSearchStringEscape();
    String schema = c.getSchema();
    // Unquoted names: PostgreSQL keeps them in lower case, SQL Server as written (here the same).
    for (String candidate : List.of(table, table.toUpperCase(java.util.Locale.ROOT))) {
      try (ResultSet r =
          meta.getTables(
              c.getCatalog(),
              schema == null ? null : like(schema, escape),
              like(candidate, escape),
              new String[] {"TABLE"})) {
        if (r.next()) {
          return true;
        }
      }
    }
    return false;
  }

  private static String like(String name, String escape) {
    if (escape == null || escape.isEmpty()) {
      return name;
    }
    return name.replace(escape, escape + escape)
        .replace("_", escape + "_")
        .replace("%", escape + "%");
  }
}
