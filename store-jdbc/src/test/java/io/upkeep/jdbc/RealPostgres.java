package io.upkeep.jdbc;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real PostgreSQL server (zonky's embedded binaries, PostgreSQL 14) for the module's tests:
 * started once per test run on a free port, kept in JUnit's root store and stopped when the run
 * ends. Test classes {@code @ExtendWith} it, then take {@link #dataSource() data sources} on it:
 * each is a new object whose every connection is a new server session, as another process has.
 */
final class RealPostgres implements BeforeAllCallback {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(RealPostgres.class);

  private static volatile Server server;

  @Override
  public void beforeAll(ExtensionContext context) {
    server =
        context
            .getRoot()
            .getStore(NAMESPACE)
            .getOrComputeIfAbsent(Server.class, k -> new Server(), Server.class);
  }

  /** A new data source on the server's {@code postgres} database. */
  static DataSource dataSource() {
    if (server == null) {
      throw new IllegalStateException("@ExtendWith(RealPostgres.class) on the test class");
    }
    return server.postgres.getPostgresDatabase();
  }

  /** The JDBC URL of the server's {@code postgres} database. */
  static String jdbcUrl() {
    dataSource();
    return server.postgres.getJdbcUrl("postgres", "postgres");
  }

  /** A journal name no other test uses. */
  static String freshJournal(String what) {
    return what + "-" + UUID.randomUUID();
  }

  /** A table prefix no other test uses. */
  static String freshPrefix() {
    return "t" + UUID.randomUUID().toString().substring(0, 8) + "_";
  }

  /** Runs {@code sql} as the database's superuser, outside any store. */
  static int update(String sql, Object... args) {
    try (Connection c = dataSource().getConnection();
        PreparedStatement p = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        p.setObject(i + 1, args[i]);
      }
      return p.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** The first column of every row {@code sql} selects, as strings. */
  static List<String> column(String sql, Object... args) {
    try (Connection c = dataSource().getConnection();
        PreparedStatement p = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        p.setObject(i + 1, args[i]);
      }
      List<String> out = new ArrayList<>();
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.add(r.getString(1));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** The started server, closed with the test run's root context. */
  private static final class Server implements AutoCloseable {
    final EmbeddedPostgres postgres;

    Server() {
      try {
        postgres = EmbeddedPostgres.builder().start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the embedded PostgreSQL server", e);
      }
    }

    @Override
    public void close() throws IOException {
      postgres.close();
    }
  }
}
