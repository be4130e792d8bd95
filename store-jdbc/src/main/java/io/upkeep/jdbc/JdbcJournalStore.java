package io.upkeep.jdbc;

import io.upkeep.LeaseLostException;
import io.upkeep.UpkeepException;
import io.upkeep.spi.JournalEntry;
import io.upkeep.spi.JournalStore;
import io.upkeep.spi.Lease;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link JournalStore} in a SQL database over JDBC, so that runners on several machines share one
 * journal and one lease, and a standby takes over a dead runner's upgrade: PostgreSQL, and
 * Microsoft SQL Server (or Azure SQL). One database holds the journals of many clusters, each under
 * its own journal name, in three tables that the store creates on first use (names start with the
 * {@linkplain Builder#tablePrefix table prefix}, {@value #DEFAULT_TABLE_PREFIX} by default):
 *
 * <ul>
 *   <li>{@code upkeep_journal}: one row per record: journal name, seq, run id, time, kind and body;
 *       primary key (journal, seq).
 *   <li>{@code upkeep_lease}: one row per journal: the lease (owner, fencing token, expiry, whether
 *       it was released) and the journal's head (the last seq given, and a version number).
 *   <li>{@code upkeep_schema_version}: the schema versions installed; a later Upkeep migrates the
 *       tables forward, and a store refuses tables newer than it knows ({@value #SCHEMA_VERSION}).
 * </ul>
 *
 * <p>Concurrency: every operation is one transaction on a connection of its own from the data
 * source. Every write (append, compaction, acquire, renew, release) reads the journal's lease row,
 * checks the fence against it, then updates it on the condition that its version is still the one
 * read, and rolls back and tries again if another writer got there first (optimistic concurrency;
 * no row-locking dialect). So an append and a takeover of the lease are ordered one way or the
 * other, never both: a runner whose lease was taken over cannot append one more record. Works at
 * the databases' default isolation, READ COMMITTED (with or without SQL Server's row versioning);
 * reads run at REPEATABLE READ, so they never see half of a compaction.
 *
 * <p>Times are stored as UTC epoch milliseconds ({@code at_ms}, {@code expires_ms}) with the
 * nanoseconds within the millisecond beside them ({@code at_ns}, {@code expires_ns}), so every time
 * reads back exactly as written. They are the runners' clock, passed in, never the database's.
 *
 * <p>The store never prints, logs or puts into a message the data source (whose {@code toString}
 * may hold a password) nor a password that a driver echoes in its own messages. It does not close
 * the data source: that is the caller's. Thread-safe.
 */
public final class JdbcJournalStore implements JournalStore {

  /** The table prefix unless another is given: the tables are {@code upkeep_journal} and so on. */
  public static final String DEFAULT_TABLE_PREFIX = "upkeep_";

  /** The schema version this store creates, migrates to and reads. */
  public static final int SCHEMA_VERSION = Schema.CURRENT;

  /** The longest journal name, run id or lease owner, in characters. */
  public static final int MAX_NAME_LENGTH = 200;

  /** The longest table prefix: the tables' names stay within every engine's limit. */
  public static final int MAX_PREFIX_LENGTH = 40;

  static final int MAX_KIND_LENGTH = 64;

  /** Attempts of one operation that keeps losing races before it gives up. */
  private static final int MAX_ATTEMPTS = 1000;

  private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9_]*");

  private static final Logger LOG = LoggerFactory.getLogger(JdbcJournalStore.class);

  private final DataSource dataSource;
  private final String journal;
  private final String prefix;
  private final Schema schema;
  private final String database;
  private final String leaseSelect;
  private volatile boolean closed;

  private JdbcJournalStore(
      DataSource dataSource, String journal, String prefix, Schema schema, String database) {
    this.dataSource = dataSource;
    this.journal = journal;
    this.prefix = prefix;
    this.schema = schema;
    this.database = database;
    this.leaseSelect =
        "SELECT owner, token, expires_ms, expires_ns, released, last_seq, version FROM "
            + schema.lease()
            + " WHERE journal = ?";
  }

  /** A builder: give it a data source and a journal name, then {@link Builder#open() open} it. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Opens journal {@code journal} in the database of {@code dataSource}, with the default table
   * prefix: short for {@code builder().dataSource(dataSource).journal(journal).open()}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code journal} is blank or too long
   * @throws UpkeepException as {@link Builder#open()}
   */
  public static JdbcJournalStore open(DataSource dataSource, String journal) {
    return builder().dataSource(dataSource).journal(journal).open();
  }

  /** The journal's name: the runs of one cluster. */
  public String journal() {
    return journal;
  }

  /** The prefix of the store's tables' names. */
  public String tablePrefix() {
    return prefix;
  }

  // ---- the JournalStore contract ----

  @Override
  public List<JournalEntry> append(List<JournalEntry> entries, Lease lease, Instant now) {
    Objects.requireNonNull(entries, "entries");
    Objects.requireNonNull(now, "now");
    List<JournalEntry> batch = List.copyOf(entries);
    batch.forEach(JdbcJournalStore::check);
    return write(
        "append to",
        c -> {
          Head head = head(c);
          if (lease != null) {
            head.fence(lease, now, "append to");
          }
          if (batch.isEmpty()) {
            return List.of();
          }
          List<JournalEntry> numbered = new ArrayList<>(batch.size());
          long seq = head.lastSeq;
          for (JournalEntry e : batch) {
            numbered.add(e.withSeq(++seq));
          }
          // The head first: a concurrent writer waits on it, or finds it moved and tries again.
          advance(c, head, "last_seq = ?", seq);
          insert(c, numbered);
          return numbered;
        });
  }

  @Override
  public List<JournalEntry> read(long afterSeq) {
    return transaction(
        "read",
        Connection.TRANSACTION_REPEATABLE_READ,
        c -> {
          List<JournalEntry> out = new ArrayList<>();
          try (PreparedStatement p =
              c.prepareStatement(
                  "SELECT seq, run_id, at_ms, at_ns, kind, body FROM "
                      + schema.journal()
                      + " WHERE journal = ? AND seq > ? ORDER BY seq")) {
            p.setFetchSize(500);
            p.setString(1, journal);
            p.setLong(2, afterSeq);
            try (ResultSet r = p.executeQuery()) {
              while (r.next()) {
                out.add(
                    new JournalEntry(
                        r.getLong(1),
                        r.getString(2),
                        instant(r.getLong(3), r.getInt(4)),
                        r.getString(5),
                        r.getString(6)));
              }
            }
          }
          return List.copyOf(out);
        });
  }

  @Override
  public void compact(JournalEntry snapshot, Lease lease, Instant now) {
    Objects.requireNonNull(snapshot, "snapshot");
    Objects.requireNonNull(lease, "lease");
    Objects.requireNonNull(now, "now");
    check(snapshot);
    write(
        "compact",
        c -> {
          Head head = head(c);
          head.fence(lease, now, "compact");
          try (PreparedStatement p =
              c.prepareStatement(
                  "SELECT COUNT(*) FROM "
                      + schema.journal()
                      + " WHERE journal = ? AND seq = ? AND run_id = ?")) {
            p.setString(1, journal);
            p.setLong(2, snapshot.seq());
            p.setString(3, snapshot.runId());
            try (ResultSet r = p.executeQuery()) {
              if (!r.next() || r.getLong(1) == 0) {
                throw new IllegalArgumentException(
                    "a snapshot of run "
                        + snapshot.runId()
                        + " must take the seq of that run's last entry it replaces; the journal has"
                        + " no entry "
                        + snapshot.seq()
                        + " of that run");
              }
            }
          }
          advance(c, head, null, 0);
          try (PreparedStatement p =
              c.prepareStatement(
                  "DELETE FROM "
                      + schema.journal()
                      + " WHERE journal = ? AND run_id = ? AND seq <= ?")) {
            p.setString(1, journal);
            p.setString(2, snapshot.runId());
            p.setLong(3, snapshot.seq());
            p.executeUpdate();
          }
          insert(c, List.of(snapshot));
          return null;
        });
  }

  @Override
  public Optional<Lease> acquire(String owner, Duration ttl, Instant now) {
    checkOwner(owner);
    checkTtl(ttl);
    Objects.requireNonNull(now, "now");
    Instant expires = checkTime(now.plus(ttl), "the lease's expiry");
    return write(
        "take the lease of",
        c -> {
          Head head = head(c);
          Lease current = head.lease();
          if (current != null && !head.released && current.heldAt(now)) {
            return Optional.empty();
          }
          Lease taken = new Lease(owner, head.token + 1, expires);
          try (PreparedStatement p =
              c.prepareStatement(
                  "UPDATE "
                      + schema.lease()
                      + " SET owner = ?, token = ?, expires_ms = ?, expires_ns = ?, released = 0,"
                      + " version = ? WHERE journal = ? AND version = ?")) {
            p.setString(1, owner);
            p.setLong(2, taken.token());
            p.setLong(3, expires.toEpochMilli());
            p.setInt(4, nanosOfMilli(expires));
            p.setLong(5, head.version + 1);
            p.setString(6, journal);
            p.setLong(7, head.version);
            if (p.executeUpdate() != 1) {
              throw new Conflict();
            }
          }
          return Optional.of(taken);
        });
  }

  @Override
  public Lease renew(Lease lease, Duration ttl, Instant now) {
    Objects.requireNonNull(lease, "lease");
    checkTtl(ttl);
    Objects.requireNonNull(now, "now");
    Instant expires = checkTime(now.plus(ttl), "the lease's expiry");
    return write(
        "renew the lease of",
        c -> {
          Head head = head(c);
          head.fence(lease, now, "renew the lease of");
          try (PreparedStatement p =
              c.prepareStatement(
                  "UPDATE "
                      + schema.lease()
                      + " SET expires_ms = ?, expires_ns = ?, version = ?"
                      + " WHERE journal = ? AND version = ?")) {
            p.setLong(1, expires.toEpochMilli());
            p.setInt(2, nanosOfMilli(expires));
            p.setLong(3, head.version + 1);
            p.setString(4, journal);
            p.setLong(5, head.version);
            if (p.executeUpdate() != 1) {
              throw new Conflict();
            }
          }
          return new Lease(lease.owner(), lease.token(), expires);
        });
  }

  @Override
  public void release(Lease lease) {
    Objects.requireNonNull(lease, "lease");
    write(
        "release the lease of",
        c -> {
          Head head = head(c);
          if (head.holds(lease)) {
            advance(c, head, "released = 1", 0);
          }
          return null;
        });
  }

  @Override
  public Optional<Lease> lease() {
    return transaction(
        "read the lease of",
        Connection.TRANSACTION_READ_COMMITTED,
        c -> {
          Head head = head(c);
          return head.released ? Optional.<Lease>empty() : Optional.ofNullable(head.lease());
        });
  }

  /**
   * Marks the store closed: later calls throw {@link IllegalStateException}. It holds no connection
   * between calls, and leaves the data source, which is the caller's, open.
   */
  @Override
  public void close() {
    closed = true;
  }

  /** The journal, the tables and the database's product: never the data source or credentials. */
  @Override
  public String toString() {
    return "JdbcJournalStore[journal="
        + journal
        + ", tables="
        + prefix
        + "*, database="
        + database
        + "]";
  }

  // ---- the lease row ----

  /** The journal's lease row as one transaction read it. */
  private final class Head {
    final String owner;
    final long token;
    final Instant expiresAt;
    final boolean released;
    final long lastSeq;
    final long version;

    Head(ResultSet r) throws SQLException {
      owner = r.getString(1);
      token = r.getLong(2);
      long ms = r.getLong(3);
      expiresAt = r.wasNull() ? null : instant(ms, r.getInt(4));
      released = r.getInt(5) != 0;
      lastSeq = r.getLong(6);
      version = r.getLong(7);
    }

    /** The current lease, released or not; null if none was ever taken. */
    Lease lease() {
      return token == 0 || owner == null || expiresAt == null
          ? null
          : new Lease(owner, token, expiresAt);
    }

    /** Whether {@code writer} is the current, unreleased lease (same owner and token). */
    boolean holds(Lease writer) {
      return token != 0 && !released && token == writer.token() && writer.owner().equals(owner);
    }

    /** Throws unless {@code writer} is the current lease and held at {@code now}. */
    void fence(Lease writer, Instant now, String what) {
      if (!holds(writer)) {
        throw new LeaseLostException(
            "runner '"
                + writer.owner()
                + "' may not "
                + what
                + " journal '"
                + journal
                + "': its lease (token "
                + writer.token()
                + ") "
                + (token == 0 || released
                    ? "was released"
                    : "was taken over by '" + owner + "' (token " + token + ")")
                + "; the runner that holds the lease now drives the run");
      }
      if (!now.isBefore(expiresAt)) {
        throw new LeaseLostException(
            "runner '"
                + writer.owner()
                + "' may not "
                + what
                + " journal '"
                + journal
                + "': its lease lapsed at "
                + expiresAt
                + " (now "
                + now
                + "); resume to take the lease again");
      }
    }
  }

  private Head head(Connection c) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(leaseSelect)) {
      p.setString(1, journal);
      try (ResultSet r = p.executeQuery()) {
        if (!r.next()) {
          throw new UpkeepException(
              "journal '"
                  + journal
                  + "' has no row in "
                  + schema.lease()
                  + " (was it deleted by hand?): open the store again, which recreates it");
        }
        return new Head(r);
      }
    }
  }

  /**
   * Moves the head on from the version {@code head} read, setting {@code column = value} too if a
   * column is given; throws {@link Conflict} if another writer moved it first.
   */
  private void advance(Connection c, Head head, String assignment, long value)
      throws SQLException, Conflict {
    boolean withValue = assignment != null && assignment.contains("?");
    String set = assignment == null ? "" : assignment + ", ";
    try (PreparedStatement p =
        c.prepareStatement(
            "UPDATE "
                + schema.lease()
                + " SET "
                + set
                + "version = ? WHERE journal = ? AND version = ?")) {
      int i = 1;
      if (withValue) {
        p.setLong(i++, value);
      }
      p.setLong(i++, head.version + 1);
      p.setString(i++, journal);
      p.setLong(i, head.version);
      if (p.executeUpdate() != 1) {
        throw new Conflict();
      }
    }
  }

  private void insert(Connection c, List<JournalEntry> numbered) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement(
            "INSERT INTO "
                + schema.journal()
                + " (journal, seq, run_id, at_ms, at_ns, kind, body) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      for (JournalEntry e : numbered) {
        p.setString(1, journal);
        p.setLong(2, e.seq());
        p.setString(3, e.runId());
        p.setLong(4, e.at().toEpochMilli());
        p.setInt(5, nanosOfMilli(e.at()));
        p.setString(6, e.kind());
        p.setString(7, e.body());
        p.addBatch();
      }
      p.executeBatch();
    }
  }

  // ---- transactions ----

  /** The body of one transaction. */
  private interface Work<T> {
    T run(Connection c) throws SQLException, Conflict;
  }

  /** A guarded update found the row changed by another writer: roll back and run again. */
  private static final class Conflict extends Exception {
    Conflict() {
      super("the journal's head moved", null, false, false);
    }
  }

  private <T> T write(String what, Work<T> work) {
    return transaction(what, Connection.TRANSACTION_READ_COMMITTED, work);
  }

  private <T> T transaction(String what, int isolation, Work<T> work) {
    if (closed) {
      throw new IllegalStateException(this + " was closed; open the journal again");
    }
    return run(dataSource, what + " journal '" + journal + "' in " + database, isolation, work);
  }

  /**
   * Runs {@code work} in one transaction at {@code isolation} on a connection of its own, again
   * while it loses races, and restores the connection's settings before giving it back (a pool may
   * not reset them).
   */
  private static <T> T run(DataSource source, String what, int isolation, Work<T> work) {
    for (int attempt = 1; ; attempt++) {
      try (Connection c = source.getConnection()) {
        boolean autoCommit = c.getAutoCommit();
        int level = c.getTransactionIsolation();
        try {
          c.setAutoCommit(false);
          if (level != isolation) {
            c.setTransactionIsolation(isolation);
          }
          T result = work.run(c);
          c.commit();
          return result;
        } catch (Conflict e) {
          c.rollback();
        } catch (SQLException | RuntimeException e) {
          rollbackQuietly(c, e);
          throw e;
        } finally {
          restore(c, autoCommit, level);
        }
      } catch (SQLException e) {
        if (!SqlErrors.retryable(e)) {
          throw new UpkeepException(
              "cannot "
                  + what
                  + ": "
                  + SqlErrors.describe(e)
                  + "; check that the database is reachable and that its user may read and write"
                  + " the journal's tables, then try again",
              SqlErrors.safe(e));
        }
      }
      if (attempt >= MAX_ATTEMPTS) {
        throw new UpkeepException(
            "cannot "
                + what
                + ": it lost the race to other writers "
                + MAX_ATTEMPTS
                + " times in a row; fewer processes should write one journal at once");
      }
      LOG.trace("{}: lost a race (attempt {}), trying again", what, attempt);
    }
  }

  private static void rollbackQuietly(Connection c, Exception failure) {
    try {
      c.rollback();
    } catch (SQLException e) {
      failure.addSuppressed(SqlErrors.safe(e));
    }
  }

  private static void restore(Connection c, boolean autoCommit, int level) {
    try {
      if (c.getTransactionIsolation() != level) {
        c.setTransactionIsolation(level);
      }
      c.setAutoCommit(autoCommit);
    } catch (SQLException e) {
      // The connection is broken; closing it is all that is left, and the caller does.
      LOG.debug("could not restore a connection's settings: {}", SqlErrors.describe(e));
    }
  }

  // ---- opening ----

  private static JdbcJournalStore open(DataSource source, String journal, String prefix) {
    String where = "journal '" + journal + "' (tables " + prefix + "*)";
    String[] product = new String[1];
    Dialect dialect =
        run(
            source,
            "open " + where,
            Connection.TRANSACTION_READ_COMMITTED,
            c -> {
              DatabaseMetaData meta = c.getMetaData();
              String name = meta.getDatabaseProductName();
              product[0] = name + " " + meta.getDatabaseProductVersion();
              return Dialect.of(name)
                  .orElseThrow(
                      () ->
                          new UpkeepException(
                              "cannot open "
                                  + where
                                  + ": the database is "
                                  + name
                                  + ", and the JDBC journal supports "
                                  + Dialect.supported()
                                  + "; use one of those, or the file journal"));
            });
    Schema schema = new Schema(dialect, prefix);
    JdbcJournalStore store = new JdbcJournalStore(source, journal, prefix, schema, product[0]);
    store.migrate();
    store.createHead();
    return store;
  }

  /** Brings the tables to {@link #SCHEMA_VERSION}, creating them if there are none. */
  private void migrate() {
    while (true) {
      int found = installed();
      if (found > Schema.CURRENT) {
        throw new UpkeepException(
            "cannot open journal '"
                + journal
                + "': its tables ("
                + prefix
                + "*) in "
                + database
                + " have schema version "
                + found
                + ", newer than this Upkeep knows ("
                + Schema.CURRENT
                + "): a newer Upkeep migrated them. Run that version or a later one on every runner"
                + " that shares this journal, or give this one a table prefix of its own");
      }
      if (found == Schema.CURRENT) {
        return;
      }
      boolean migrated;
      try {
        migrated =
            write(
                "create or migrate the tables of",
                c -> {
                  if (schema.installed(c) != found) {
                    return false; // another runner migrated meanwhile: look again
                  }
                  for (int v = found + 1; v <= Schema.CURRENT; v++) {
                    schema.migrate(c, v);
                  }
                  return true;
                });
      } catch (UpkeepException e) {
        // Two runners creating the tables at once: one wins, the other's DDL fails. Look again.
        if (installed() <= found) {
          throw e;
        }
        continue;
      }
      if (migrated) {
        LOG.info(
            "journal tables {}* in {}: {} schema version {}",
            prefix,
            database,
            found == 0 ? "created at" : "migrated from " + found + " to",
            Schema.CURRENT);
        return;
      }
    }
  }

  private int installed() {
    return write("read the schema version of", schema::installed);
  }

  /** Inserts the journal's lease row unless it is there. */
  private void createHead() {
    try {
      write(
          "create the lease row of",
          c -> {
            try (PreparedStatement p =
                c.prepareStatement(
                    "SELECT COUNT(*) FROM " + schema.lease() + " WHERE journal = ?")) {
              p.setString(1, journal);
              try (ResultSet r = p.executeQuery()) {
                if (r.next() && r.getLong(1) > 0) {
                  return null;
                }
              }
            }
            try (PreparedStatement p =
                c.prepareStatement(
                    "INSERT INTO "
                        + schema.lease()
                        + " (journal, owner, token, expires_ms, expires_ns, released, last_seq,"
                        + " version) VALUES (?, NULL, 0, NULL, NULL, 0, 0, 0)")) {
              p.setString(1, journal);
              p.executeUpdate();
            }
            return null;
          });
    } catch (UpkeepException e) {
      // Another handle inserted it at the same moment (the primary key refused ours): fine.
      if (!headExists()) {
        throw e;
      }
    }
  }

  private boolean headExists() {
    return write(
        "read the lease row of",
        c -> {
          try (PreparedStatement p =
              c.prepareStatement("SELECT COUNT(*) FROM " + schema.lease() + " WHERE journal = ?")) {
            p.setString(1, journal);
            try (ResultSet r = p.executeQuery()) {
              return r.next() && r.getLong(1) > 0;
            }
          }
        });
  }

  // ---- values ----

  private static void check(JournalEntry e) {
    Objects.requireNonNull(e, "entry");
    checkLength(e.runId(), MAX_NAME_LENGTH, "a run id");
    checkLength(e.kind(), MAX_KIND_LENGTH, "a journal entry's kind");
    checkTime(e.at(), "a journal entry's time");
  }

  private static void checkOwner(String owner) {
    Objects.requireNonNull(owner, "owner");
    if (owner.isBlank()) {
      throw new IllegalArgumentException("a lease needs an owner");
    }
    checkLength(owner, MAX_NAME_LENGTH, "a lease's owner");
  }

  private static void checkLength(String text, int max, String what) {
    if (text.length() > max) {
      throw new IllegalArgumentException(
          what + " may have at most " + max + " characters, got " + text.length());
    }
  }

  private static void checkTtl(Duration ttl) {
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("a lease's time to live must be positive, got " + ttl);
    }
  }

  private static Instant checkTime(Instant t, String what) {
    try {
      return Instant.ofEpochMilli(t.toEpochMilli()).plusNanos(nanosOfMilli(t));
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(what + " is out of range: " + t, e);
    }
  }

  // The nanoseconds within the second, cut to those within the millisecond: what at_ms leaves out.
  @SuppressWarnings("JavaInstantGetSecondsGetNano")
  private static int nanosOfMilli(Instant t) {
    return t.getNano() % 1_000_000;
  }

  private static Instant instant(long millis, int nanos) {
    return Instant.ofEpochMilli(millis).plusNanos(nanos);
  }

  /**
   * Builds a {@link JdbcJournalStore}: a {@linkplain #dataSource data source} and a {@linkplain
   * #journal journal name} are required, the {@linkplain #tablePrefix table prefix} is optional.
   * Each setting is checked when it is given. Not thread-safe; the store it opens is.
   */
  public static final class Builder {

    private DataSource dataSource;
    private String journal;
    private String tablePrefix = DEFAULT_TABLE_PREFIX;

    private Builder() {}

    /**
     * The database: a connection pool (HikariCP, your application server's) or your driver's own
     * data source. The store takes one connection per operation and gives it back at once; the
     * database's user needs to create tables on the first open only (see the class documentation).
     *
     * @throws NullPointerException if {@code dataSource} is null
     */
    public Builder dataSource(DataSource dataSource) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
      return this;
    }

    /**
     * The journal's name: the runs of one cluster, such as {@code "octopus-prod"}. Runners that
     * drive the same cluster use the same name; other clusters' journals in the same tables are
     * never seen.
     *
     * @throws NullPointerException if {@code journal} is null
     * @throws IllegalArgumentException if it is blank, longer than {@value #MAX_NAME_LENGTH}
     *     characters, or holds a control character
     */
    public Builder journal(String journal) {
      Objects.requireNonNull(journal, "journal");
      if (journal.isBlank()) {
        throw new IllegalArgumentException(
            "a journal needs a name, such as the cluster's (\"octopus-prod\"); got a blank one");
      }
      checkLength(journal, MAX_NAME_LENGTH, "a journal's name");
      if (journal.chars().anyMatch(Character::isISOControl)) {
        throw new IllegalArgumentException(
            "a journal's name must not hold control characters (line breaks, tabs)");
      }
      this.journal = journal;
      return this;
    }

    /**
     * The start of the store's tables' names ({@value #DEFAULT_TABLE_PREFIX} unless given): lower
     * case letters, digits and underscores, starting with a letter, at most {@value
     * #MAX_PREFIX_LENGTH} characters. The tables go into the connection's default schema (its
     * {@code search_path} on PostgreSQL, the user's default schema on SQL Server).
     *
     * @throws NullPointerException if {@code tablePrefix} is null
     * @throws IllegalArgumentException if it is not such a name
     */
    public Builder tablePrefix(String tablePrefix) {
      Objects.requireNonNull(tablePrefix, "tablePrefix");
      if (!PREFIX.matcher(tablePrefix).matches() || tablePrefix.length() > MAX_PREFIX_LENGTH) {
        throw new IllegalArgumentException(
            "a table prefix must be lower case letters, digits and underscores, start with a letter"
                + " and have at most "
                + MAX_PREFIX_LENGTH
                + " characters, such as \""
                + DEFAULT_TABLE_PREFIX
                + "\"; got \""
                + tablePrefix
                + "\"");
      }
      this.tablePrefix = tablePrefix;
      return this;
    }

    /**
     * Opens the journal: connects once, creates the tables if there are none (or migrates them from
     * an older schema version), and adds the journal's lease row if it is new. Safe to call from
     * several processes at once.
     *
     * @throws IllegalStateException if no data source or no journal name was given
     * @throws UpkeepException if the database cannot be reached or is not PostgreSQL or SQL Server,
     *     if the tables cannot be created, or if they have a schema version newer than {@value
     *     #SCHEMA_VERSION}; the message says which, without credentials
     */
    public JdbcJournalStore open() {
      if (dataSource == null) {
        throw new IllegalStateException(
            "a JDBC journal needs a data source: call dataSource(...) before open()");
      }
      if (journal == null) {
        throw new IllegalStateException(
            "a JDBC journal needs a journal name: call journal(...) before open()");
      }
      return JdbcJournalStore.open(dataSource, journal, tablePrefix);
    }
  }
}
