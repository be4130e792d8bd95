package io.upkeep.testkit.junit5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upkeep.LeaseHeldException;
import io.upkeep.LeaseLostException;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.RunReport;
import io.upkeep.Strategy;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeRun;
import io.upkeep.UpgradeTarget;
import io.upkeep.spi.JournalEntry;
import io.upkeep.spi.JournalStore;
import io.upkeep.spi.Lease;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.InvariantMonitor;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link JournalStore} contract as tests: extend it with a store of your own and every test
 * here runs against it, down to a standby runner taking over a dead runner's upgrade through it.
 * {@link #open()} gives a handle on one journal, empty at the start of each test; {@link
 * #openAgain()} a second, independent handle on the same journal, as another process or machine
 * would have (a new file handle, a new connection, a new HTTP client).
 */
public abstract class JournalStoreContract {

  /** A fixed start for the runners' clock. */
  protected static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  /** The lease time the tests use. */
  protected static final Duration TTL = Duration.ofSeconds(30);

  private final List<JournalStore> opened = new ArrayList<>();

  /** A handle on an empty journal, the same one for every call within a test. */
  protected abstract JournalStore open() throws Exception;

  /** Another handle on the journal {@link #open()} gives, as a second process has it. */
  protected abstract JournalStore openAgain() throws Exception;

  /**
   * Lets {@code d} pass on the store's own clock too, for a store whose server keeps time (a lock
   * TTL): the takeover scenario calls it when its runners' clock moves on. Default: nothing.
   */
  protected void elapse(Duration d) {}

  private JournalStore a;
  private JournalStore b;

  @BeforeEach
  void openBoth() throws Exception {
    a = open();
    b = openAgain();
    opened.add(a);
    opened.add(b);
  }

  @AfterEach
  void closeAll() {
    opened.forEach(JournalStore::close);
  }

  private static JournalEntry entry(String run, String kind, int n) {
    return JournalEntry.of(run, T0.plusSeconds(n), kind, "{\"n\":" + n + "}");
  }

  private Lease lease(JournalStore s, String owner, Instant now) {
    return s.acquire(owner, TTL, now).orElseThrow();
  }

  @Test
  void appendsGetIncreasingSeqsAndEveryHandleReadsThemInOrder() {
    Lease l = lease(a, "runner-1", T0);
    List<JournalEntry> first =
        a.append(List.of(entry("r1", JournalEntry.START, 1), entry("r1", "progress", 2)), l, T0);
    List<JournalEntry> second = a.append(List.of(entry("r1", "progress", 3)), l, T0);

    assertThat(first).extracting(JournalEntry::seq).isSorted().doesNotHaveDuplicates();
    assertThat(second.get(0).seq()).isGreaterThan(first.get(1).seq());
    assertThat(b.read(0)).containsExactlyElementsOf(concat(first, second));
    assertThat(b.read(first.get(1).seq())).containsExactlyElementsOf(second);
    assertThat(b.read(second.get(0).seq())).isEmpty();
    assertThat(b.read(0).get(0).body()).isEqualTo("{\"n\":1}");
  }

  @Test
  void aControlRecordNeedsNoLeaseAndReachesTheRunner() {
    Lease l = lease(a, "runner-1", T0);
    List<JournalEntry> control =
        b.append(List.of(entry("r1", JournalEntry.CONTROL, 1)), null, T0.plusSeconds(1));

    assertThat(a.read(0)).containsExactlyElementsOf(control);
    assertThat(a.append(List.of(entry("r1", "progress", 2)), l, T0.plusSeconds(2))).hasSize(1);
  }

  @Test
  void onlyOneRunnerHoldsTheLeaseUntilItLapsesAndATakeoverGetsALargerToken() {
    Lease first = lease(a, "runner-1", T0);

    assertThat(b.acquire("runner-2", TTL, T0.plus(TTL).minusMillis(1))).isEmpty();
    assertThat(b.lease()).contains(first);
    Lease second = b.acquire("runner-2", TTL, T0.plus(TTL)).orElseThrow();

    assertThat(second.token()).isGreaterThan(first.token());
    assertThat(second.owner()).isEqualTo("runner-2");
    assertThat(a.lease()).contains(second);
  }

  @Test
  void renewingExtendsTheLeaseButALapsedOrTakenOverLeaseCannotBeRenewed() {
    Lease first = lease(a, "runner-1", T0);
    Lease renewed = a.renew(first, TTL, T0.plusSeconds(20));

    assertThat(renewed.expiresAt()).isEqualTo(T0.plusSeconds(20).plus(TTL));
    assertThat(b.acquire("runner-2", TTL, T0.plusSeconds(40))).as("still held").isEmpty();
    assertThatThrownBy(() -> a.renew(renewed, TTL, renewed.expiresAt()))
        .isInstanceOf(LeaseLostException.class)
        .hasMessageContaining("lapsed");

    Lease taken = b.acquire("runner-2", TTL, renewed.expiresAt()).orElseThrow();
    assertThatThrownBy(() -> a.renew(renewed, TTL, renewed.expiresAt()))
        .isInstanceOf(LeaseLostException.class)
        .hasMessageContaining("runner-2");
    assertThat(b.lease()).contains(taken);
  }

  @Test
  void aReleasedLeaseCanBeTakenAtOnceWithALargerToken() {
    Lease first = lease(a, "runner-1", T0);
    a.release(first);

    assertThat(a.lease()).isEmpty();
    Lease next = b.acquire("runner-2", TTL, T0.plusSeconds(1)).orElseThrow();
    assertThat(next.token()).isGreaterThan(first.token());
    a.release(first);
    assertThat(b.lease()).as("releasing an old lease is harmless").contains(next);
  }

  @Test
  void aRunnerWhoseLeaseWasTakenOverOrLapsedCannotAppendAndChangesNothing() {
    Lease first = lease(a, "runner-1", T0);
    a.append(List.of(entry("r1", JournalEntry.START, 1)), first, T0);

    assertThatThrownBy(() -> a.append(List.of(entry("r1", "progress", 2)), first, T0.plus(TTL)))
        .isInstanceOf(LeaseLostException.class)
        .hasMessageContaining("lapsed");
    Lease second = b.acquire("runner-2", TTL, T0.plus(TTL)).orElseThrow();
    assertThatThrownBy(
            () -> a.append(List.of(entry("r1", "progress", 3)), first, T0.plus(TTL).plusSeconds(1)))
        .isInstanceOf(LeaseLostException.class)
        .hasMessageContaining("runner-2");
    assertThat(b.read(0)).hasSize(1);
    assertThat(b.append(List.of(entry("r1", "progress", 4)), second, T0.plus(TTL))).hasSize(1);
  }

  @Test
  void compactionReplacesARunsEntriesUpToTheSnapshotAndKeepsTheRest() {
    Lease l = lease(a, "runner-1", T0);
    List<JournalEntry> old = a.append(List.of(entry("r0", JournalEntry.SNAPSHOT, 0)), l, T0);
    List<JournalEntry> run =
        a.append(
            List.of(
                entry("r1", JournalEntry.START, 1),
                entry("r1", "progress", 2),
                entry("r1", "progress", 3)),
            l,
            T0);
    List<JournalEntry> later = a.append(List.of(entry("r1", "progress", 4)), l, T0);
    JournalEntry snapshot =
        new JournalEntry(run.get(2).seq(), "r1", T0, JournalEntry.SNAPSHOT, "{\"all\":3}");

    a.compact(snapshot, l, T0);

    assertThat(b.read(0)).containsExactly(old.get(0), snapshot, later.get(0));
    List<JournalEntry> next = b.append(List.of(entry("r1", "progress", 5)), l, T0);
    assertThat(next.get(0).seq()).isGreaterThan(later.get(0).seq());
  }

  @Test
  void compactionIsFencedToo() {
    Lease first = lease(a, "runner-1", T0);
    List<JournalEntry> run = a.append(List.of(entry("r1", JournalEntry.START, 1)), first, T0);
    assertThat(b.acquire("runner-2", TTL, T0.plus(TTL))).isPresent();
    JournalEntry snapshot = run.get(0).withSeq(run.get(0).seq());

    assertThatThrownBy(() -> a.compact(snapshot, first, T0.plus(TTL)))
        .isInstanceOf(LeaseLostException.class);
    assertThat(b.read(0)).containsExactlyElementsOf(run);
  }

  @Test
  void twoRunnersRacingForTheLeaseNeverBothWin() throws Exception {
    for (int round = 0; round < 20; round++) {
      Instant now = T0.plus(TTL.multipliedBy(2L * round));
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        Callable<Optional<Lease>> onA =
            () -> {
              go.await();
              return a.acquire("runner-a", TTL, now);
            };
        Callable<Optional<Lease>> onB =
            () -> {
              go.await();
              return b.acquire("runner-b", TTL, now);
            };
        Future<Optional<Lease>> fa = pool.submit(onA);
        Future<Optional<Lease>> fb = pool.submit(onB);
        go.countDown();
        Optional<Lease> la = fa.get();
        Optional<Lease> lb = fb.get();
        assertThat(la.isPresent() ^ lb.isPresent()).as("round " + round).isTrue();
        Lease winner = la.orElseGet(lb::orElseThrow);
        assertThat(a.lease()).contains(winner);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void badInputIsRefusedAndChangesNothing() {
    assertThatThrownBy(() -> a.acquire("runner-1", Duration.ZERO, T0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("time to live");
    assertThat(a.lease()).isEmpty();
  }

  /** Stands for a runner's process dying: an Error, so nothing in the executor catches it. */
  private static final class RunnerDied extends Error {
    RunnerDied() {
      super("the runner died", null, false, false);
    }
  }

  @Test
  void aStandbyTakesOverADeadRunnersUpgradeAndFinishesIt() {
    Platform from = Platform.of("Windows Server 2019", ".NET 6.0", "2024.1.0");
    FakeCluster cluster =
        FakeCluster.builder()
            .seed(3)
            .nodes("octo", 3, n -> n.role("octopus-node").platform(from).taskCap(5))
            .build();
    UpgradePlan plan =
        UpgradePlanner.create(cluster.clock())
            .plan(
                cluster,
                Strategy.inPlace(),
                UpgradeTarget.os("Windows Server 2022"),
                Policy.builder().drainDeadline(Duration.ofMinutes(30)).build());
    InvariantMonitor monitor = InvariantMonitor.watch(cluster, plan);
    AtomicInteger events = new AtomicInteger();
    UpgradeRun first =
        UpgradeExecutor.builder()
            .cluster(cluster)
            .host(cluster)
            .journal(a)
            .runner("primary")
            .listener(
                e -> {
                  if (events.incrementAndGet() == 25) {
                    throw new RunnerDied();
                  }
                })
            .build()
            .start(plan);
    assertThatThrownBy(first::execute).isInstanceOf(RunnerDied.class);

    UpgradeExecutor standby =
        UpgradeExecutor.builder()
            .cluster(cluster)
            .host(cluster)
            .journal(b)
            .runner("standby")
            .build();
    assertThatThrownBy(standby::resume).isInstanceOf(LeaseHeldException.class);
    // The dead runner's lease lapses (and a store's own lock delay, such as Nomad's, passes).
    Duration dead = UpgradeExecutor.DEFAULT_LEASE_TTL.plusSeconds(30);
    cluster.clock().sleep(dead);
    elapse(dead);
    RunReport done = standby.resume().execute();

    assertThat(done.succeeded()).as(done.summary()).isTrue();
    monitor.assertRestored();
    assertThat(cluster.observe().nodes())
        .allMatch(n -> n.platform().os().equals("Windows Server 2022"));
    assertThat(
            cluster.events().stream()
                .filter(e -> e instanceof ClusterEvent.Upgraded)
                .map(e -> ((ClusterEvent.NodeEvent) e).node())
                .toList())
        .as("each node upgraded once")
        .doesNotHaveDuplicates()
        .hasSize(3);
  }

  private static List<JournalEntry> concat(List<JournalEntry> x, List<JournalEntry> y) {
    List<JournalEntry> all = new ArrayList<>(x);
    all.addAll(y);
    return all;
  }
}
