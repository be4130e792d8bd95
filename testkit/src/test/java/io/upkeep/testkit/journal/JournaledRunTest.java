package io.upkeep.testkit.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.upkeep.Budget;
import io.upkeep.ClusterSnapshot;
import io.upkeep.LeaseHeldException;
import io.upkeep.LeaseLostException;
import io.upkeep.MaintenanceWindow;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.RunControl;
import io.upkeep.RunReport;
import io.upkeep.RunStatus;
import io.upkeep.Strategy;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeRun;
import io.upkeep.UpgradeTarget;
import io.upkeep.UpkeepException;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.journal.FileJournalStore;
import io.upkeep.journal.InMemoryJournalStore;
import io.upkeep.spi.ClusterPort;
import io.upkeep.spi.HostPort;
import io.upkeep.spi.JournalEntry;
import io.upkeep.spi.JournalStore;
import io.upkeep.spi.TrafficPort;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.ForwardingClusterPort;
import io.upkeep.testkit.InvariantMonitor;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 9's durable runs, in one process: the executor journals itself, and a run killed at any
 * action boundary is carried on by a fresh executor from the journal alone, ending as the run that
 * never crashed, with every safety property intact and no host operation issued twice.
 */
class JournaledRunTest {

  /** Stands for the process dying: an Error, so nothing in the executor catches it. */
  static final class SimulatedCrash extends Error {
    SimulatedCrash() {
      super("simulated crash", null, false, false);
    }
  }

  static final Platform FROM = Platform.of("Windows Server 2019", ".NET 6.0", "2024.1.0");

  /** The calls that act on the cluster or a host: the boundaries a crash can fall between. */
  static final Set<String> ACTIONS =
      Set.of(
          "provision",
          "upgrade",
          "stopService",
          "startService",
          "snapshot",
          "restore",
          "copyFolders",
          "decommission",
          "setTaskCap",
          "drain",
          "undrain",
          "setMaintenanceMode",
          "removeMember",
          "setWeight");

  static FakeCluster cluster() {
    return cluster(3);
  }

  static FakeCluster cluster(int nodes) {
    return FakeCluster.builder()
        .seed(7)
        .nodes(
            "octo",
            nodes,
            n ->
                n.role("octopus-node").platform(FROM).taskCap(5).runningTask(Duration.ofMinutes(4)))
        .workload(Duration.ofMinutes(1), Duration.ofMinutes(3))
        .build();
  }

  static UpgradePlan plan(FakeCluster c, Strategy strategy, Policy.Builder policy) {
    return UpgradePlanner.create(c.clock())
        .plan(c, strategy, UpgradeTarget.os("Windows Server 2022"), policy.build());
  }

  static Policy.Builder policy() {
    return Policy.builder()
        .allowDowntime(true) // the single-node path: maintenance mode
        .drainDeadline(Duration.ofMinutes(30))
        .budget(Budget.ofNodes(1))
        .trafficRamp(50, 100);
  }

  /** One object that is the cluster, host and traffic ports, each call going to {@code h}. */
  static Object ports(InvocationHandler h) {
    return Proxy.newProxyInstance(
        JournaledRunTest.class.getClassLoader(),
        new Class<?>[] {ClusterPort.class, HostPort.class, TrafficPort.class},
        h);
  }

  /** The cluster, host and traffic ports of {@code c} in one object that crashes on cue. */
  static final class Crashing implements InvocationHandler {
    final FakeCluster target;
    final int crashAt;
    final boolean duringTheCall;
    final AtomicInteger actions = new AtomicInteger();

    Crashing(FakeCluster target, int crashAt, boolean duringTheCall) {
      this.target = target;
      this.crashAt = crashAt;
      this.duringTheCall = duringTheCall;
    }

    Object port() {
      return ports(this);
    }

    @Override
    public Object invoke(Object proxy, java.lang.reflect.Method m, Object[] args) throws Throwable {
      boolean acts = ACTIONS.contains(m.getName());
      int n = acts ? actions.incrementAndGet() : 0;
      if (acts && n == crashAt && !duringTheCall) {
        throw new SimulatedCrash();
      }
      Object result;
      try {
        result = m.invoke(target, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
      if (acts && n == crashAt) {
        throw new SimulatedCrash(); // the call took effect; its answer is lost
      }
      return result;
    }
  }

  static UpgradeExecutor executor(Object port, FakeCluster c, JournalStore journal) {
    return UpgradeExecutor.builder()
        .cluster((ClusterPort) port)
        .host((HostPort) port)
        .traffic((TrafficPort) port)
        .journal(journal)
        .build();
  }

  static Map<String, String> endState(FakeCluster c) {
    Map<String, String> out = new TreeMap<>();
    for (Node n : c.observe().nodes()) {
      out.put(
          n.id().value(),
          n.platform()
              + " cap "
              + n.taskCap()
              + " "
              + n.drainState()
              + " "
              + n.health()
              + " weight "
              + c.weight(n.id()));
    }
    return out;
  }

  static Map<String, Long> hostOperations(FakeCluster c) {
    return c.events().stream()
        .filter(
            e ->
                e instanceof ClusterEvent.Upgraded
                    || e instanceof ClusterEvent.Provisioned
                    || e instanceof ClusterEvent.Decommissioned
                    || e instanceof ClusterEvent.SnapshotTaken
                    || e instanceof ClusterEvent.ServiceStopped)
        .collect(
            Collectors.groupingBy(
                e -> e.getClass().getSimpleName() + " " + ((ClusterEvent.NodeEvent) e).node(),
                TreeMap::new,
                Collectors.counting()));
  }

  /** Executes {@code run} to its end, approving every gate it waits at (the migration cut-over). */
  static RunReport toTheEnd(UpgradeRun run) {
    RunReport r = run.execute();
    while (r.status() == RunStatus.AWAITING_APPROVAL) {
      r.awaitingApproval().forEach(run::approve);
      r = run.execute();
    }
    return r;
  }

  /** How many actions the crash-free run of {@code strategy} on {@code nodes} nodes takes. */
  static int actionsOf(Strategy strategy, int nodes) {
    FakeCluster c = cluster(nodes);
    Crashing counting = new Crashing(c, -1, false);
    RunReport r =
        toTheEnd(
            executor(counting.port(), c, new InMemoryJournalStore())
                .start(plan(c, strategy, policy())));
    assertThat(r.succeeded()).as(r.summary()).isTrue();
    return counting.actions.get();
  }

  static Stream<Arguments> everyBoundary() {
    List<Arguments> out = new ArrayList<>();
    // Every strategy, and the single-node path through maintenance mode.
    Map<Strategy, Integer> shapes = new java.util.LinkedHashMap<>();
    shapes.put(Strategy.inPlace(), 2);
    shapes.put(Strategy.rollingReplace(), 2);
    shapes.put(Strategy.cloneAndMigrate(true), 1);
    List<Arguments> single = new ArrayList<>();
    int alone = actionsOf(Strategy.inPlace(), 1);
    for (int k = 1; k <= alone; k++) {
      single.add(Arguments.of(Strategy.inPlace(), 1, k, false));
      single.add(Arguments.of(Strategy.inPlace(), 1, k, true));
    }
    shapes.forEach(
        (s, nodes) -> {
          int n = actionsOf(s, nodes);
          for (int k = 1; k <= n; k++) {
            out.add(Arguments.of(s, nodes, k, false));
            out.add(Arguments.of(s, nodes, k, true));
          }
        });
    out.addAll(single);
    return out.stream();
  }

  @ParameterizedTest(name = "{0} on {1} node(s): crash at action {2}, during the call: {3}")
  @MethodSource("everyBoundary")
  void aRunKilledAtAnyActionIsCarriedOnFromTheJournalAloneAndEndsAsIfNothingHappened(
      Strategy strategy, int nodes, int crashAt, boolean duringTheCall) {
    FakeCluster reference = cluster(nodes);
    RunReport clean =
        toTheEnd(
            executor(
                    new Crashing(reference, -1, false).port(),
                    reference,
                    new InMemoryJournalStore())
                .start(plan(reference, strategy, policy())));

    FakeCluster c = cluster(nodes);
    UpgradePlan plan = plan(c, strategy, policy());
    InvariantMonitor monitor = InvariantMonitor.watch(c, plan);
    JournalStore journal = new InMemoryJournalStore();
    UpgradeRun first =
        executor(new Crashing(c, crashAt, duringTheCall).port(), c, journal).start(plan);
    assertThatThrownBy(() -> toTheEnd(first)).isInstanceOf(SimulatedCrash.class);

    // A fresh process: nothing but the journal. The dead runner's lease lapses first.
    c.clock().sleep(UpgradeExecutor.DEFAULT_LEASE_TTL);
    RunReport resumed = toTheEnd(executor(new Crashing(c, -1, false).port(), c, journal).resume());

    assertThat(resumed.succeeded()).as(resumed.summary()).isEqualTo(clean.succeeded());
    monitor.assertRestored();
    assertThat(endState(c)).isEqualTo(endState(reference));
    assertThat(hostOperations(c)).isEqualTo(hostOperations(reference));
    assertThat(hostOperations(c).values()).allMatch(count -> count == 1L);
  }

  /** Records every action's method and first argument (the request id of host operations). */
  static final class Recording implements InvocationHandler {
    final FakeCluster target;
    final List<String> calls = new ArrayList<>();
    final List<Object> answers = new ArrayList<>();

    Recording(FakeCluster target) {
      this.target = target;
    }

    Object port() {
      return ports(this);
    }

    @Override
    public Object invoke(Object proxy, java.lang.reflect.Method m, Object[] args) throws Throwable {
      Object result;
      try {
        result = m.invoke(target, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
      if (ACTIONS.contains(m.getName())) {
        calls.add(m.getName() + " " + args[0]);
        answers.add(result);
      }
      return result;
    }
  }

  /**
   * Runs until the first stopService has returned, then crashes before the next action; gives the
   * journal and what the first runner was answered.
   */
  static Map.Entry<InMemoryJournalStore, Recording> crashAfterTheFirstStop(FakeCluster c) {
    UpgradePlan plan = plan(c, Strategy.inPlace(), policy());
    Recording first = new Recording(c);
    InMemoryJournalStore journal = new InMemoryJournalStore();
    AtomicInteger stops = new AtomicInteger();
    InvocationHandler crashAfterStop =
        (proxy, m, args) -> {
          if (ACTIONS.contains(m.getName()) && stops.get() > 0) {
            throw new SimulatedCrash();
          }
          Object r = first.invoke(proxy, m, args);
          if (m.getName().equals("stopService")) {
            stops.incrementAndGet();
          }
          return r;
        };
    Object port = ports(crashAfterStop);
    UpgradeRun run = executor(port, c, journal).start(plan);
    assertThatThrownBy(run::execute).isInstanceOf(SimulatedCrash.class);
    c.clock().sleep(UpgradeExecutor.DEFAULT_LEASE_TTL);
    return Map.entry(journal, first);
  }

  static String lastStop(Recording r) {
    return r.calls.stream()
        .filter(x -> x.startsWith("stopService "))
        .reduce((a, b) -> b)
        .orElseThrow();
  }

  @Test
  void aResumedRunPollsTheOperationAlreadyIssuedInsteadOfIssuingItAgain() {
    FakeCluster c = cluster();
    Map.Entry<InMemoryJournalStore, Recording> crashed = crashAfterTheFirstStop(c);
    Recording resumed = new Recording(c);

    assertThat(executor(resumed.port(), c, crashed.getKey()).resume().execute().succeeded())
        .isTrue();
    assertThat(resumed.calls).doesNotContain(lastStop(crashed.getValue()));
  }

  @Test
  void aNegativeControlThatLosesTheHandleRecordIssuesTheOperationAgain() {
    // The same crash, with the journal cut back to before the record of the handle the call
    // returned, as an executor that did not journal it would leave it: the resumed run calls
    // stopService again. This is what the test above would catch.
    FakeCluster c = cluster();
    Map.Entry<InMemoryJournalStore, Recording> crashed = crashAfterTheFirstStop(c);
    List<Object> answers = crashed.getValue().answers;
    String handleId = ((io.upkeep.spi.OperationHandle) answers.get(answers.size() - 1)).id();
    List<JournalEntry> all = crashed.getKey().read(0);
    int cutAt = 0;
    while (!all.get(cutAt).body().contains(handleId)) {
      cutAt++;
    }
    InMemoryJournalStore cut = new InMemoryJournalStore();
    cut.append(
        all.subList(0, cutAt).stream()
            .map(e -> JournalEntry.of(e.runId(), e.at(), e.kind(), e.body()))
            .toList(),
        null,
        c.clock().now());
    Recording resumed = new Recording(c);

    executor(resumed.port(), c, cut).resume().execute();
    assertThat(resumed.calls).contains(lastStop(crashed.getValue()));
  }

  @Test
  void aLongRunsJournalIsCompactedToTheWorkInFlightSoThatItsReplayStaysShort() throws IOException {
    FakeCluster c =
        FakeCluster.builder()
            .seed(7)
            .nodes("octo", 40, n -> n.role("octopus-node").platform(FROM).taskCap(5))
            .build();
    InMemoryJournalStore journal = new InMemoryJournalStore();
    UpgradePlan plan = plan(c, Strategy.rollingReplace(), policy().budget(Budget.ofNodes(4)));
    UpgradeRun run = executor(c, c, journal).start(plan);
    assertThat(run.execute().succeeded()).isTrue();

    List<JournalEntry> entries = journal.read(0);
    assertThat(entries.stream().filter(e -> e.kind().equals(JournalEntry.SNAPSHOT)))
        .as("compacted")
        .hasSize(1);
    // One snapshot, then at most one compaction interval of progress (256 records at this size).
    assertThat(entries).hasSizeLessThanOrEqualTo(257);
    // A done unit's step states are history: they leave the state, so that it and every snapshot
    // stay the size of the work in flight, not of the cluster.
    assertThat(run.state().steps()).as("steps of a finished run").isEmpty();
    Map<String, NodeId> unitOfStep = new TreeMap<>();
    plan.units().forEach(u -> u.steps().forEach(st -> unitOfStep.put(st.id(), u.node())));
    JsonNode snapshot =
        new ObjectMapper()
            .readTree(
                entries.stream()
                    .filter(e -> e.kind().equals(JournalEntry.SNAPSHOT))
                    .findFirst()
                    .orElseThrow()
                    .body())
            .path("state");
    List<String> stepIds = new ArrayList<>();
    snapshot.path("steps").fieldNames().forEachRemaining(stepIds::add);
    assertThat(stepIds).as("steps in flight when the journal was compacted").isNotEmpty();
    for (String id : stepIds) {
      String unit = unitOfStep.get(id).value();
      assertThat(snapshot.path("units").path(unit).path("status").asText())
          .as("status of %s, whose step %s is in the state", unit, id)
          .isNotEqualTo("DONE");
    }
  }

  @Nested
  class TheLease {

    @Test
    void aSecondRunnerCannotStartOrResumeWhileTheFirstHoldsTheLease() {
      FakeCluster c = cluster();
      InMemoryJournalStore journal = new InMemoryJournalStore();
      UpgradePlan plan = plan(c, Strategy.inPlace(), policy());
      UpgradeExecutor.builder()
          .cluster(c)
          .host(c)
          .traffic(c)
          .journal(journal)
          .runner("a")
          .build()
          .start(plan);

      UpgradeExecutor b =
          UpgradeExecutor.builder()
              .cluster(c)
              .host(c)
              .traffic(c)
              .journal(journal)
              .runner("b")
              .build();
      assertThatThrownBy(() -> b.start(plan))
          .isInstanceOf(LeaseHeldException.class)
          .hasMessageContaining("runner 'a' holds the journal's lease");
      assertThatThrownBy(b::resume).isInstanceOf(LeaseHeldException.class);
    }

    @Test
    void aRunnerThatWakesAfterLosingItsLeaseIssuesNotOneMoreAction() {
      FakeCluster c = cluster();
      InMemoryJournalStore journal = new InMemoryJournalStore();
      UpgradePlan plan = plan(c, Strategy.inPlace(), policy().approveCanaries(true));
      Crashing a = new Crashing(c, -1, false);
      UpgradeRun first = executor(a.port(), c, journal).start(plan);
      RunReport waiting = first.execute();
      assertThat(waiting.status()).isEqualTo(RunStatus.AWAITING_APPROVAL);
      int actionsBefore = a.actions.get();

      // Runner a stalls past its lease; b takes over, approves and finishes the run.
      c.clock().sleep(UpgradeExecutor.DEFAULT_LEASE_TTL.plusSeconds(1));
      UpgradeRun second = executor(new Crashing(c, -1, false).port(), c, journal).resume();
      RunControl.of(journal, c.clock()).approve("canary:octo-1");
      assertThat(second.execute().succeeded()).isTrue();

      first.approve("canary:octo-1");
      assertThatThrownBy(first::execute)
          .isInstanceOf(LeaseLostException.class)
          .hasMessageContaining("another runner drove the run");
      assertThat(a.actions.get()).as("actions by the fenced runner").isEqualTo(actionsBefore);
    }
  }

  @Nested
  class OperatorControl {

    @Test
    void anApprovalGivenWhileTheRunnerIsDownIsAppliedWhenItResumes() {
      FakeCluster c = cluster();
      InMemoryJournalStore journal = new InMemoryJournalStore();
      UpgradePlan plan = plan(c, Strategy.inPlace(), policy().approveCanaries(true));
      RunReport waiting = executor(c, c, journal).start(plan).execute();
      assertThat(waiting.status()).isEqualTo(RunStatus.AWAITING_APPROVAL);

      // The runner is gone; an operator on another machine reads the status and approves.
      RunControl control = RunControl.of(journal, c.clock());
      RunControl.Status status = control.status();
      assertThat(status.nodes().get("octo-1"))
          .contains("waiting for approval of gate 'canary:octo-1'");
      assertThat(status.counts()).containsEntry("waiting", 1).containsEntry("pending", 2);
      assertThat(status.toText()).contains("AWAITING_APPROVAL").contains("octo-1: waiting");
      assertThat(status.toJson()).contains("\"runId\"");
      control.approve("canary:octo-1");
      assertThatThrownBy(() -> control.approve("no-such-gate"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("its gates are [canary:octo-1]");

      c.clock().sleep(Duration.ofDays(14)); // weeks later
      RunReport done = executor(c, c, journal).resume().execute();

      assertThat(done.succeeded()).as(done.summary()).isTrue();
      assertThat(control.status().counts()).containsEntry("done", 3);
      assertThatThrownBy(() -> control.pause("late"))
          .isInstanceOf(UpkeepException.class)
          .hasMessageContaining("has ended");
    }

    @Test
    void anAbortWithoutRollbackFinishesTheNodeInFlightStartsNoOtherAndStaysAborted() {
      FakeCluster c = cluster();
      InMemoryJournalStore journal = new InMemoryJournalStore();
      UpgradePlan plan = plan(c, Strategy.inPlace(), policy());
      InvariantMonitor monitor = InvariantMonitor.watch(c, plan);
      UpgradeRun[] run = new UpgradeRun[1];
      run[0] =
          UpgradeExecutor.builder()
              .cluster(c)
              .host(c)
              .traffic(c)
              .journal(journal)
              .listener(
                  e -> {
                    // The second node has just started: abort it forward, from another process.
                    if (e instanceof UpgradeEvent.UnitStarted s
                        && s.unit().value().equals("octo-2")) {
                      RunControl.of(journal, c.clock()).abortWithoutRollback("enough for tonight");
                    }
                  })
              .build()
              .start(plan);

      RunReport ended = run[0].execute();

      assertThat(ended.status()).isEqualTo(RunStatus.ABORTED);
      assertThat(ended.reason()).contains("without rollback: enough for tonight");
      assertThat(ended.upgraded()).extracting(n -> n.value()).containsExactly("octo-1", "octo-2");
      assertThat(ended.restored()).isEmpty();
      assertThat(c.observe().node(io.upkeep.NodeId.of("octo-3")).platform()).isEqualTo(FROM);
      monitor.assertRestored();
      run[0].resume();
      assertThat(run[0].execute().status())
          .as("an aborted run never moves on")
          .isEqualTo(RunStatus.ABORTED);
    }

    @Test
    void anAbortWithRollbackRestoresTheNodeInFlight() {
      FakeCluster c = cluster();
      InMemoryJournalStore journal = new InMemoryJournalStore();
      UpgradePlan plan = plan(c, Strategy.inPlace(), policy());
      UpgradeRun run =
          UpgradeExecutor.builder()
              .cluster(c)
              .host(c)
              .traffic(c)
              .journal(journal)
              .listener(
                  e -> {
                    if (e instanceof UpgradeEvent.UnitStarted s
                        && s.unit().value().equals("octo-2")) {
                      RunControl.of(journal, c.clock()).abort("changed my mind");
                    }
                  })
              .build()
              .start(plan);

      RunReport ended = run.execute();

      assertThat(ended.status()).isEqualTo(RunStatus.ABORTED);
      assertThat(ended.upgraded()).extracting(n -> n.value()).containsExactly("octo-1");
      assertThat(ended.restored()).extracting(n -> n.value()).containsExactly("octo-2");
    }

    @Test
    void aPauseGivenFromAnotherProcessStopsTheRunAndSurvivesItsRestart() {
      FakeCluster c = cluster();
      InMemoryJournalStore journal = new InMemoryJournalStore();
      UpgradePlan plan = plan(c, Strategy.inPlace(), policy());
      RunControl.of(journal, c.clock());
      UpgradeRun run = executor(c, c, journal).start(plan);
      RunControl.of(journal, c.clock()).pause("change freeze");

      RunReport paused = run.execute();
      assertThat(paused.status()).isEqualTo(RunStatus.PAUSED);
      c.clock().sleep(UpgradeExecutor.DEFAULT_LEASE_TTL);
      UpgradeRun again = executor(c, c, journal).resume();
      assertThat(again.execute().status())
          .as("still paused after a restart")
          .isEqualTo(RunStatus.PAUSED);

      RunControl.of(journal, c.clock()).resume();
      assertThat(again.execute().succeeded()).isTrue();
    }
  }

  @Test
  void aThreeWeekSoakWithWindowsACrashAndAnApprovalGivenWhileTheRunnerIsDownEndsOnTime() {
    FakeCluster c = cluster();
    MaintenanceWindow nights =
        MaintenanceWindow.weekly(
            ZoneId.of("Europe/Berlin"),
            LocalTime.of(22, 0),
            LocalTime.of(4, 0),
            DayOfWeek.TUESDAY,
            DayOfWeek.THURSDAY);
    Duration soak = Duration.ofDays(21);
    UpgradePlan plan =
        plan(
            c,
            Strategy.inPlace(),
            policy()
                .windows(nights)
                .canarySoak(soak)
                .approveCanaries(true)
                .pollInterval(Duration.ofMinutes(5)));
    InMemoryJournalStore journal = new InMemoryJournalStore();
    List<UpgradeEvent> events = new ArrayList<>();
    Instant[] crashAt = new Instant[1];
    // The process dies ten days into the soak.
    ClusterPort dying =
        new ForwardingClusterPort(c) {
          @Override
          public ClusterSnapshot observe() {
            Instant soakStarted = soakStart(events);
            if (crashAt[0] == null
                && soakStarted != null
                && !c.clock().now().isBefore(soakStarted.plus(Duration.ofDays(10)))) {
              crashAt[0] = c.clock().now();
              throw new SimulatedCrash();
            }
            return super.observe();
          }
        };
    UpgradeRun first =
        UpgradeExecutor.builder()
            .cluster(dying)
            .host(c)
            .traffic(c)
            .journal(journal)
            .listener(events::add)
            .build()
            .start(plan);
    assertThatThrownBy(first::execute).isInstanceOf(SimulatedCrash.class);

    c.clock().sleep(Duration.ofDays(2)); // down for two days
    UpgradeExecutor again =
        UpgradeExecutor.builder()
            .cluster(c)
            .host(c)
            .traffic(c)
            .journal(journal)
            .listener(events::add)
            .build();
    RunReport waiting = again.resume().execute();
    assertThat(waiting.status()).isEqualTo(RunStatus.AWAITING_APPROVAL);
    Instant asked =
        events.stream()
            .filter(UpgradeEvent.ApprovalRequested.class::isInstance)
            .map(UpgradeEvent::at)
            .findFirst()
            .orElseThrow();
    assertThat(Duration.between(soakStart(events), asked))
        .as("the soak counts from the journal's time, not from the restart")
        .isBetween(soak, soak.plusMinutes(10));

    // The runner is down again; an operator approves from elsewhere; a week later it resumes.
    RunControl.of(journal, c.clock()).approve("canary:octo-1");
    c.clock().sleep(Duration.ofDays(7));
    RunReport done = again.resume().execute();

    assertThat(done.succeeded()).as(done.summary()).isTrue();
    assertThat(events)
        .filteredOn(UpgradeEvent.UnitStarted.class::isInstance)
        .extracting(UpgradeEvent::at)
        .as("every node started inside a window")
        .allMatch(nights::isOpen);
  }

  @Test
  void theStatusSaysWhenTheRunWaitsForAWindow() {
    FakeCluster c = cluster();
    // Sundays only: the run starts on a Thursday and waits.
    MaintenanceWindow sundays =
        MaintenanceWindow.weekly(
            ZoneId.of("UTC"), LocalTime.of(1, 0), LocalTime.of(5, 0), DayOfWeek.SUNDAY);
    UpgradePlan plan = plan(c, Strategy.inPlace(), policy().windows(sundays));
    InMemoryJournalStore journal = new InMemoryJournalStore();
    AtomicInteger turns = new AtomicInteger();
    ClusterPort dying =
        new ForwardingClusterPort(c) {
          @Override
          public ClusterSnapshot observe() {
            if (turns.incrementAndGet() == 3) {
              throw new SimulatedCrash();
            }
            return super.observe();
          }
        };
    UpgradeRun run =
        UpgradeExecutor.builder()
            .cluster(dying)
            .host(c)
            .traffic(c)
            .journal(journal)
            .build()
            .start(plan);
    assertThatThrownBy(run::execute).isInstanceOf(SimulatedCrash.class);

    RunControl.Status status = RunControl.of(journal, c.clock()).status();
    assertThat(status.blocked())
        .singleElement()
        .asString()
        .startsWith("outside the maintenance windows");
    assertThat(status.nodes().get("octo-1"))
        .startsWith("pending, waiting: outside the maintenance");
    assertThat(status.counts()).containsEntry("waiting", 3);
    assertThat(status.toText()).contains("blocked: outside the maintenance windows");
  }

  @Test
  void theStatusTellsEachNodeWhatHoldsItBackAndOnlyThat() {
    FakeCluster c = cluster(3);
    UpgradePlan plan =
        plan(
            c,
            Strategy.inPlace(),
            policy().only("octo-1", "octo-2").blockedTimeout(Duration.ofMinutes(5)));
    c.operatorDrain(NodeId.of("octo-3")); // after planning: it holds the budget of one
    JournalStore journal = new InMemoryJournalStore();

    RunReport report =
        UpgradeExecutor.builder()
            .cluster(c)
            .host(c)
            .traffic(c)
            .journal(journal)
            .build()
            .start(plan)
            .execute();

    assertThat(report.status()).isEqualTo(RunStatus.PAUSED);
    RunControl.Status status = RunControl.of(journal, c.clock()).status();
    assertThat(status.nodes().get("octo-1"))
        .startsWith(
            "pending, blocked: role octopus-node has 1 node(s) out of service outside this run"
                + " [octo-3 ");
    assertThat(status.nodes().get("octo-2")).isEqualTo(status.nodes().get("octo-1"));
    assertThat(status.counts()).containsEntry("blocked", 2).doesNotContainKey("pending");
    assertThat(status.toText()).contains("  octo-1: pending, blocked: role octopus-node");
  }

  static Instant soakStart(List<UpgradeEvent> events) {
    return events.stream()
        .filter(
            e ->
                e instanceof UpgradeEvent.StepStarted s
                    && s.step().action() instanceof io.upkeep.Action.Soak)
        .map(UpgradeEvent::at)
        .findFirst()
        .orElse(null);
  }

  @Nested
  class RefusedJournals {

    @Test
    void aJournalOfAnotherPlanIsRefusedUnlessTheOperatorOptsIn() {
      FakeCluster c = cluster();
      InMemoryJournalStore journal = new InMemoryJournalStore();
      UpgradePlan plan = plan(c, Strategy.inPlace(), policy().approveCanaries(true));
      executor(c, c, journal).start(plan).execute();
      c.clock().sleep(UpgradeExecutor.DEFAULT_LEASE_TTL);
      UpgradePlan changed =
          plan(
              c, Strategy.inPlace(), policy().approveCanaries(true).settle(Duration.ofSeconds(20)));

      assertThatThrownBy(() -> executor(c, c, journal).resume(changed, false))
          .isInstanceOf(UpkeepException.class)
          .hasMessageContaining("is of plan " + plan.id() + ", not of " + changed.id());
      assertThat(journal.lease()).as("a refusal lets go of the lease").isEmpty();
    }

    @Test
    void anOperatorWhoOptsInCarriesTheRunIntoTheChangedPlan() {
      FakeCluster c = cluster();
      InMemoryJournalStore journal = new InMemoryJournalStore();
      UpgradePlan plan = plan(c, Strategy.inPlace(), policy());
      UpgradeRun first = executor(c, c, journal).start(plan);
      RunControl.of(journal, c.clock()).pause("a longer drain deadline first");
      assertThat(first.execute().status()).isEqualTo(RunStatus.PAUSED);
      c.clock().sleep(UpgradeExecutor.DEFAULT_LEASE_TTL);
      UpgradePlan changed =
          plan(c, Strategy.inPlace(), policy().drainDeadline(Duration.ofMinutes(45)));

      UpgradeRun carried = executor(c, c, journal).resume(changed, true);
      assertThat(carried.state().planId()).isEqualTo(changed.id());
      carried.resume();
      RunReport done = toTheEnd(carried);

      assertThat(done.succeeded()).as(done.summary()).isTrue();
      assertThat(RunControl.of(journal, c.clock()).status().planId()).isEqualTo(changed.id());
      assertThat(hostOperations(c).values()).allMatch(count -> count == 1L);
    }

    @Test
    void aChangedPlanThatChangesTheStepsOfANodeInFlightIsRefusedEvenWithTheOptIn() {
      FakeCluster c = cluster();
      InMemoryJournalStore journal = new InMemoryJournalStore();
      UpgradePlan plan = plan(c, Strategy.inPlace(), policy().approveCanaries(true));
      executor(c, c, journal).start(plan).execute(); // the canary waits at its gate, in flight
      c.clock().sleep(UpgradeExecutor.DEFAULT_LEASE_TTL);
      // Planned again from the cluster as it is now, the canary (already on the target, drained)
      // has no unit of its own any more: carrying the run over would strand it.
      UpgradePlan changed =
          plan(
              c,
              Strategy.inPlace(),
              policy().approveCanaries(true).drainDeadline(Duration.ofMinutes(45)));

      assertThatThrownBy(() -> executor(c, c, journal).resume(changed, true))
          .isInstanceOf(UpkeepException.class)
          .hasMessageContaining("the steps of [octo-1], in flight, changed");
    }

    @Test
    void startingANewRunOverAnUnfinishedOneIsRefused() {
      FakeCluster c = cluster();
      InMemoryJournalStore journal = new InMemoryJournalStore();
      UpgradePlan plan = plan(c, Strategy.inPlace(), policy().approveCanaries(true));
      executor(c, c, journal).start(plan).execute();
      c.clock().sleep(UpgradeExecutor.DEFAULT_LEASE_TTL);

      assertThatThrownBy(() -> executor(c, c, journal).start(plan))
          .isInstanceOf(UpkeepException.class)
          .hasMessageContaining("which has not ended (AWAITING_APPROVAL)");
    }
  }

  @Nested
  class TheFileJournal {

    @TempDir Path dir;

    @Test
    void aRunResumesFromTheFileAndATornLastLineIsDropped() throws IOException {
      FakeCluster c = cluster();
      UpgradePlan plan = plan(c, Strategy.inPlace(), policy().approveCanaries(true));
      try (FileJournalStore journal = FileJournalStore.open(dir)) {
        executor(c, c, journal).start(plan).execute();
      }
      Path file = dir.resolve("journal.jsonl");
      Files.writeString(
          file,
          "{\"seq\":999,\"run\":\"x\",\"at\":\"20",
          StandardCharsets.UTF_8,
          StandardOpenOption.APPEND);
      c.clock().sleep(UpgradeExecutor.DEFAULT_LEASE_TTL);

      try (FileJournalStore journal = FileJournalStore.open(dir)) {
        RunControl.of(journal, c.clock()).approve("canary:octo-1");
        RunReport done = executor(c, c, journal).resume().execute();
        assertThat(done.succeeded()).as(done.summary()).isTrue();
      }
      assertThat(Files.readString(file)).doesNotContain("\"seq\":999");
      assertThat(Files.readAllLines(file)).allMatch(l -> l.endsWith("\"}"));
    }

    @Test
    void aDamagedLineInTheMiddleIsAnErrorNotAGuess() throws IOException {
      FakeCluster c = cluster();
      UpgradePlan plan = plan(c, Strategy.inPlace(), policy().approveCanaries(true));
      try (FileJournalStore journal = FileJournalStore.open(dir)) {
        executor(c, c, journal).start(plan).execute();
      }
      Path file = dir.resolve("journal.jsonl");
      List<String> lines = new ArrayList<>(Files.readAllLines(file));
      lines.set(1, lines.get(1).replace("RUNNING", "PAUSED"));
      Files.write(file, lines);

      assertThatThrownBy(() -> FileJournalStore.open(dir))
          .isInstanceOf(UpkeepException.class)
          .hasMessageContaining("is damaged at line 2");
    }
  }
}
