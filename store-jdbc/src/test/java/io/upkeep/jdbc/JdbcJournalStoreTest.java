package io.upkeep.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upkeep.LeaseLostException;
import io.upkeep.UpkeepException;
import io.upkeep.spi.JournalEntry;
import io.upkeep.spi.Lease;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the JDBC journal does beyond the store contract, on a real PostgreSQL server: its tables and
 * their versions, many writers at once, exact times, and the errors it gives.
 */
@ExtendWith(RealPostgres.class)
class JdbcJournalStoreTest {

  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
  private static final Duration TTL = Duration.ofSeconds(30);

  private final List<JdbcJournalStore> opened = new ArrayList<>();

  @AfterEach
  void closeAll() {
    opened.forEach(JdbcJournalStore::close);
  }

  /** A store on {@code journal} with a data source of its own, as another process has. */
  private JdbcJournalStore open(String journal) {
    return keep(JdbcJournalStore.open(RealPostgres.dataSource(), journal));
  }

  private JdbcJournalStore open(String journal, String prefix) {
    return keep(
        JdbcJournalStore.builder()
            .dataSource(RealPostgres.dataSource())
            .journal(journal)
            .tablePrefix(prefix)
            .open());
  }

  private JdbcJournalStore keep(JdbcJournalStore store) {
    synchronized (opened) {
      opened.add(store);
    }
    return store;
  }

  private static JournalEntry entry(String run, int n) {
    return JournalEntry.of(run, T0.plusSeconds(n), JournalEntry.PROGRESS, "{\"n\":" + n + "}");
  }

  @Nested
  class Tables {

    @Test
    void areCreatedOnceAndReopenedAsTheyAre() {
      String prefix = RealPostgres.freshPrefix();
      JdbcJournalStore first = open("cluster-a", prefix);
      Lease l = first.acquire("runner-1", TTL, T0).orElseThrow();
      List<JournalEntry> written = first.append(List.of(entry("r1", 1)), l, T0);

      JdbcJournalStore again = open("cluster-a", prefix);
      JdbcJournalStore other = open("cluster-b", prefix);

      assertThat(RealPostgres.column("SELECT version FROM " + prefix + "schema_version"))
          .containsExactly("1");
      assertThat(
              RealPostgres.column(
                  "SELECT table_name FROM information_schema.tables WHERE table_name LIKE ?"
                      + " ORDER BY table_name",
                  prefix.replace("_", "\\_") + "%"))
          .containsExactly(prefix + "journal", prefix + "lease", prefix + "schema_version");
      assertThat(again.read(0)).isEqualTo(written);
      assertThat(again.lease()).contains(l);
      assertThat(again.tablePrefix()).isEqualTo(prefix);
      assertThat(again.journal()).isEqualTo("cluster-a");
      assertThat(other.read(0)).isEmpty();
    }

    @Test
    void areCreatedOnceWhenManyRunnersOpenAnEmptyDatabaseAtOnce() throws Exception {
      String prefix = RealPostgres.freshPrefix();
      int runners = 6;
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(runners);
      try {
        List<Future<JdbcJournalStore>> opening = new ArrayList<>();
        for (int i = 0; i < runners; i++) {
          String journal = "cluster-" + (i % 2);
          opening.add(
              pool.submit(
                  () -> {
                    go.await();
                    return open(journal, prefix);
                  }));
        }
        go.countDown();
        for (Future<JdbcJournalStore> f : opening) {
          assertThat(f.get().read(0)).isEmpty();
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(RealPostgres.column("SELECT version FROM " + prefix + "schema_version"))
          .containsExactly("1");
      assertThat(RealPostgres.column("SELECT journal FROM " + prefix + "lease ORDER BY journal"))
          .containsExactly("cluster-0", "cluster-1");
    }

    @Test
    void ofANewerSchemaVersionAreRefusedAndLeftAsTheyAre() {
      String prefix = RealPostgres.freshPrefix();
      JdbcJournalStore before = open("cluster-a", prefix);
      before.append(List.of(entry("r1", 1)), null, T0);
      RealPostgres.update(
          "INSERT INTO " + prefix + "schema_version (version, description) VALUES (2, 'later')");

      assertThatThrownBy(() -> open("cluster-a", prefix))
          .isInstanceOf(UpkeepException.class)
          .hasMessageContaining("schema version 2")
          .hasMessageContaining("newer than this Upkeep knows (1)")
          .hasMessageContaining(prefix)
          .hasMessageContaining("table prefix of its own");
      assertThat(RealPostgres.column("SELECT version FROM " + prefix + "schema_version"))
          .containsExactly("1", "2");
      assertThat(RealPostgres.column("SELECT COUNT(*) FROM " + prefix + "journal"))
          .containsExactly("1");
    }

    @Test
    void holdManyJournalsThatNeverSeeEachOther() {
      JdbcJournalStore a = open(RealPostgres.freshJournal("a"));
      JdbcJournalStore b = open(RealPostgres.freshJournal("b"));
      Lease la = a.acquire("runner-a", TTL, T0).orElseThrow();
      a.append(List.of(entry("r1", 1), entry("r1", 2)), la, T0);

      assertThat(b.read(0)).isEmpty();
      assertThat(b.lease()).isEmpty();
      Lease lb = b.acquire("runner-b", TTL, T0).orElseThrow();
      assertThat(lb.token()).as("each journal has its own tokens").isEqualTo(1);
      assertThat(b.append(List.of(entry("r9", 9)), lb, T0).get(0).seq()).isEqualTo(1);
      assertThatThrownBy(() -> b.append(List.of(entry("r9", 10)), la, T0))
          .isInstanceOf(LeaseLostException.class);
    }

    @Test
    void keepTimesToTheNanosecond() {
      String journal = RealPostgres.freshJournal("nanos");
      JdbcJournalStore a = open(journal);
      Instant now = Instant.parse("2026-12-01T10:00:00.123456789Z");
      Lease l = a.acquire("runner-1", Duration.ofNanos(1_000_000_001), now).orElseThrow();
      JournalEntry early =
          JournalEntry.of("r1", Instant.parse("1969-12-31T23:59:59.999999999Z"), "start", "{}");
      List<JournalEntry> written =
          a.append(List.of(JournalEntry.of("r1", now, "progress", "{\"x\":1}"), early), l, now);

      JdbcJournalStore b = open(journal);
      assertThat(b.read(0)).isEqualTo(written);
      assertThat(b.lease()).contains(l);
      assertThat(l.expiresAt()).isEqualTo(Instant.parse("2026-12-01T10:00:01.123456790Z"));
    }

    @Test
    void keepLargeBodiesAndAnyText() {
      JdbcJournalStore a = open(RealPostgres.freshJournal("large"));
      String big = "{\"text\":\"" + "ü€😀 ".repeat(100_000) + "\"}";
      List<JournalEntry> written =
          a.append(List.of(JournalEntry.of("r1", T0, "start", big)), null, T0);

      assertThat(a.read(0)).isEqualTo(written);
    }
  }

  @Nested
  class ManyWriters {

    @Test
    void appendingAtOnceGetUniqueGapFreeSeqsInWholeBatchesAndLoseNothing() throws Exception {
      String journal = RealPostgres.freshJournal("writers");
      JdbcJournalStore runner = open(journal);
      Lease lease = runner.acquire("runner-1", Duration.ofDays(1), T0).orElseThrow();
      int writers = 6;
      int batches = 15;
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(writers);
      List<List<JournalEntry>> all = new ArrayList<>();
      try {
        List<Future<List<List<JournalEntry>>>> work = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
          int writer = w;
          // Half are the runner's threads, on its store and with its lease; half are operators,
          // each on a store (a data source) of their own, appending control records.
          JdbcJournalStore store = writer % 2 == 0 ? runner : open(journal);
          Lease with = writer % 2 == 0 ? lease : null;
          Callable<List<List<JournalEntry>>> task =
              () -> {
                go.await();
                List<List<JournalEntry>> mine = new ArrayList<>();
                for (int b = 0; b < batches; b++) {
                  List<JournalEntry> batch = new ArrayList<>();
                  for (int k = 0; k <= b % 3; k++) {
                    batch.add(
                        JournalEntry.of(
                            "w" + writer,
                            T0,
                            with == null ? JournalEntry.CONTROL : JournalEntry.PROGRESS,
                            "{\"w\":" + writer + ",\"b\":" + b + ",\"k\":" + k + "}"));
                  }
                  mine.add(store.append(batch, with, T0.plusSeconds(b)));
                }
                return mine;
              };
          work.add(pool.submit(task));
        }
        go.countDown();
        for (Future<List<List<JournalEntry>>> f : work) {
          List<List<JournalEntry>> mine = f.get();
          List<Long> seqs =
              mine.stream()
                  .flatMap(List::stream)
                  .map(JournalEntry::seq)
                  .collect(Collectors.toList());
          assertThat(seqs).as("one writer's seqs").isSorted().doesNotHaveDuplicates();
          all.addAll(mine);
        }
      } finally {
        pool.shutdownNow();
      }

      for (List<JournalEntry> batch : all) {
        long first = batch.get(0).seq();
        assertThat(batch)
            .as("a batch is contiguous")
            .extracting(JournalEntry::seq)
            .containsExactlyElementsOf(
                LongStream.range(first, first + batch.size()).boxed().collect(Collectors.toList()));
      }
      List<JournalEntry> appended =
          all.stream()
              .flatMap(List::stream)
              .sorted((x, y) -> Long.compare(x.seq(), y.seq()))
              .collect(Collectors.toList());
      int total = writers * IntStream.range(0, batches).map(b -> 1 + b % 3).sum();
      assertThat(appended).hasSize(total);
      assertThat(appended)
          .extracting(JournalEntry::seq)
          .containsExactlyElementsOf(
              LongStream.rangeClosed(1, total).boxed().collect(Collectors.toList()));
      assertThat(open(journal).read(0)).as("nothing lost").containsExactlyElementsOf(appended);
    }

    @Test
    void aRunnerTakenOverWhileItsThreadsAppendCannotAppendOneMoreRecord() throws Exception {
      String journal = RealPostgres.freshJournal("takeover");
      JdbcJournalStore old = open(journal);
      Lease first = old.acquire("runner-1", TTL, T0).orElseThrow();
      int threads = 3;
      CountDownLatch someWritten = new CountDownLatch(10);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<List<JournalEntry>>> work = new ArrayList<>();
      AtomicInteger n = new AtomicInteger();
      try {
        for (int t = 0; t < threads; t++) {
          work.add(
              pool.submit(
                  () -> {
                    List<JournalEntry> mine = new ArrayList<>();
                    for (int i = 0; i < 10_000; i++) {
                      try {
                        mine.addAll(
                            old.append(List.of(entry("r1", n.incrementAndGet())), first, T0));
                        someWritten.countDown();
                      } catch (LeaseLostException e) {
                        assertThat(e).hasMessageContaining("runner-2");
                        return mine;
                      }
                    }
                    throw new AssertionError("the old runner was never fenced");
                  }));
        }
        someWritten.await();
        JdbcJournalStore standby = open(journal);
        // The standby's clock says the lease lapsed; the old runner's does not, so only the token
        // can fence it.
        Lease second = standby.acquire("runner-2", TTL, T0.plus(TTL)).orElseThrow();
        JournalEntry marker = standby.append(List.of(entry("r1", -1)), second, T0.plus(TTL)).get(0);

        List<JournalEntry> oldOnes = new ArrayList<>();
        for (Future<List<JournalEntry>> f : work) {
          oldOnes.addAll(f.get());
        }
        assertThat(oldOnes).isNotEmpty().allMatch(e -> e.seq() < marker.seq());
        List<JournalEntry> expected = new ArrayList<>(oldOnes);
        expected.sort((x, y) -> Long.compare(x.seq(), y.seq()));
        expected.add(marker);
        assertThat(standby.read(0)).containsExactlyElementsOf(expected);
      } finally {
        pool.shutdownNow();
      }
    }

    @Test
    void racingForTheLeaseFromManyProcessesOnlyOneWinsEachTime() throws Exception {
      String journal = RealPostgres.freshJournal("race");
      int runners = 6;
      List<JdbcJournalStore> stores = new ArrayList<>();
      for (int i = 0; i < runners; i++) {
        stores.add(open(journal));
      }
      ExecutorService pool = Executors.newFixedThreadPool(runners);
      long lastToken = 0;
      try {
        for (int round = 0; round < 8; round++) {
          Instant now = T0.plus(TTL.multipliedBy(2L * round));
          CountDownLatch go = new CountDownLatch(1);
          List<Future<Optional<Lease>>> tries = new ArrayList<>();
          for (int i = 0; i < runners; i++) {
            JdbcJournalStore s = stores.get(i);
            String owner = "runner-" + i;
            tries.add(
                pool.submit(
                    () -> {
                      go.await();
                      return s.acquire(owner, TTL, now);
                    }));
          }
          go.countDown();
          List<Lease> won = new ArrayList<>();
          for (Future<Optional<Lease>> f : tries) {
            f.get().ifPresent(won::add);
          }
          assertThat(won).as("round " + round).hasSize(1);
          assertThat(won.get(0).token()).isGreaterThan(lastToken);
          lastToken = won.get(0).token();
          for (JdbcJournalStore s : stores) {
            assertThat(s.lease()).contains(won.get(0));
          }
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Nested
  class BadInput {

    @Test
    void aBuilderRefusesWhatCannotWorkAndSaysWhatToGive() {
      JdbcJournalStore.Builder b = JdbcJournalStore.builder();
      assertThatThrownBy(() -> b.journal("  "))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("a journal needs a name");
      assertThatThrownBy(() -> b.journal("x".repeat(201)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("at most 200");
      assertThatThrownBy(() -> b.journal("a\nb"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("control characters");
      assertThatThrownBy(() -> b.journal(null)).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> b.dataSource(null)).isInstanceOf(NullPointerException.class);
      for (String prefix : List.of("", "Upkeep_", "1st_", "up; DROP TABLE x", "a".repeat(41))) {
        assertThatThrownBy(() -> b.tablePrefix(prefix))
            .as(prefix)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("a table prefix must be lower case letters");
      }
      assertThatThrownBy(b::open)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("dataSource(...)");
      assertThatThrownBy(() -> b.dataSource(RealPostgres.dataSource()).open())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("journal(...)");
    }

    @Test
    void entriesAndOwnersTooLongForTheTablesAreRefusedAndChangeNothing() {
      JdbcJournalStore a = open(RealPostgres.freshJournal("long"));
      Lease l = a.acquire("runner-1", TTL, T0).orElseThrow();

      assertThatThrownBy(() -> a.append(List.of(entry("r1", 1), entry("r".repeat(201), 2)), l, T0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("a run id may have at most 200 characters");
      assertThatThrownBy(
              () -> a.append(List.of(JournalEntry.of("r1", T0, "k".repeat(65), "{}")), l, T0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("kind");
      assertThatThrownBy(() -> a.acquire("o".repeat(201), TTL, T0.plus(TTL)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("owner");
      assertThatThrownBy(() -> a.acquire(" ", TTL, T0.plus(TTL)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("owner");
      assertThatThrownBy(() -> a.renew(l, Duration.ofSeconds(-1), T0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("time to live");
      assertThatThrownBy(() -> a.acquire("runner-2", TTL, Instant.MAX.minus(TTL)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("out of range");
      assertThat(a.read(0)).isEmpty();
      assertThat(a.lease()).contains(l);
    }

    @Test
    void aSnapshotMustTakeTheSeqOfAnEntryOfItsRun() {
      JdbcJournalStore a = open(RealPostgres.freshJournal("snapshot"));
      Lease l = a.acquire("runner-1", TTL, T0).orElseThrow();
      List<JournalEntry> written = a.append(List.of(entry("r1", 1), entry("r2", 2)), l, T0);

      assertThatThrownBy(
              () ->
                  a.compact(
                      new JournalEntry(written.get(1).seq(), "r1", T0, JournalEntry.SNAPSHOT, "{}"),
                      l,
                      T0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no entry 2 of that run");
      assertThat(a.read(0)).isEqualTo(written);
    }

    @Test
    void aClosedStoreSaysSo() {
      JdbcJournalStore a = open(RealPostgres.freshJournal("closed"));
      a.close();

      assertThatThrownBy(() -> a.read(0))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("was closed");
    }
  }

  @Nested
  class Secrets {

    private static final String PASSWORD = "hunter2-secret";

    @Test
    void aPasswordADriverEchoesReachesNoMessageNorCause() {
      DataSource unreachable =
          dataSource(
              () -> {
                throw new SQLException(
                    "No suitable driver found for jdbc:postgresql://db.example:5432/upkeep?user=upkeep&password="
                        + PASSWORD,
                    "08001",
                    new SQLException(
                        "url was jdbc:sqlserver://db;user=u;Password=" + PASSWORD + ";"));
              });

      assertThatThrownBy(() -> JdbcJournalStore.open(unreachable, "cluster-a"))
          .isInstanceOf(UpkeepException.class)
          .hasMessageContaining("journal 'cluster-a'")
          .hasMessageContaining("08001")
          .hasMessageContaining("password=***")
          .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(PASSWORD));
    }

    @Test
    void theDataSourceIsNeverPrinted() {
      DataSource real = RealPostgres.dataSource();
      DataSource wrapped =
          (DataSource)
              Proxy.newProxyInstance(
                  getClass().getClassLoader(),
                  new Class<?>[] {DataSource.class},
                  (proxy, method, args) ->
                      method.getName().equals("toString")
                          ? "DataSource[password=" + PASSWORD + "]"
                          : method.invoke(real, args));
      JdbcJournalStore a = keep(JdbcJournalStore.open(wrapped, "cluster-a"));

      assertThat(a.toString())
          .doesNotContain(PASSWORD)
          .contains("cluster-a", "upkeep_*", "PostgreSQL");
    }

    @Test
    void anEngineThatIsNeitherPostgresNorSqlServerIsRefusedByName() {
      DataSource other =
          dataSource(
              () ->
                  proxy(
                      Connection.class,
                      (p, m, a) -> {
                        switch (m.getName()) {
                          case "getMetaData":
                            return proxy(
                                DatabaseMetaData.class,
                                (p2, m2, a2) ->
                                    m2.getName().equals("getDatabaseProductName")
                                        ? "MySQL"
                                        : "8.0");
                          case "getAutoCommit":
                            return true;
                          case "getTransactionIsolation":
                            return Connection.TRANSACTION_READ_COMMITTED;
                          default:
                            return null;
                        }
                      }));

      assertThatThrownBy(() -> JdbcJournalStore.open(other, "cluster-a"))
          .isInstanceOf(UpkeepException.class)
          .hasMessageContaining("the database is MySQL")
          .hasMessageContaining("PostgreSQL and Microsoft SQL Server");
    }

    private String stackTrace(Throwable t) {
      StringWriter out = new StringWriter();
      t.printStackTrace(new PrintWriter(out));
      return out.toString();
    }
  }

  /** A data source whose every connection is {@code connect}'s. */
  private static DataSource dataSource(Callable<Connection> connect) {
    return proxy(
        DataSource.class,
        (p, m, a) -> {
          if (m.getName().equals("getConnection")) {
            return connect.call();
          }
          if (m.getName().equals("toString")) {
            return "FakeDataSource";
          }
          return null;
        });
  }

  private static <T> T proxy(Class<T> type, InvocationHandler handler) {
    return type.cast(
        Proxy.newProxyInstance(
            JdbcJournalStoreTest.class.getClassLoader(), new Class<?>[] {type}, handler));
  }
}
