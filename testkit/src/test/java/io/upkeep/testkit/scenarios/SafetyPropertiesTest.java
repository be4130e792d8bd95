package io.upkeep.testkit.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upkeep.Action;
import io.upkeep.Budget;
import io.upkeep.Constraints;
import io.upkeep.Health;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.PlanValidationException;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.Role;
import io.upkeep.RunReport;
import io.upkeep.RunState;
import io.upkeep.RunStatus;
import io.upkeep.Strategy;
import io.upkeep.TaskCap;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeRun;
import io.upkeep.UpgradeTarget;
import io.upkeep.UpkeepException;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.Fault;
import io.upkeep.testkit.InvariantMonitor;
import io.upkeep.testkit.Rehearsal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The "properties that must hold" of the architecture guide, each checked twice: by the {@link
 * InvariantMonitor} and by direct assertions on the cluster's and the run's events. Everything runs
 * in virtual time.
 */
class SafetyPropertiesTest {

  static final Platform WIN2019 = Platform.of("Windows Server 2019", ".NET 6.0", "2024.1.0");
  static final UpgradeTarget PATCHES = UpgradeTarget.os("Windows Server 2019 (2026-11 patches)");
  static final Platform PATCHED = PATCHES.applyTo(WIN2019);
  static final Role OCTOPUS = Role.of("octopus-node");

  static final Platform NOMAD_17 = Platform.of("Ubuntu 22.04", "", "1.7.5");
  static final UpgradeTarget NOMAD_18 = UpgradeTarget.product("1.8.0");
  static final Role SERVER = Role.of("server");
  static final Role CLIENT = Role.of("client");

  static Policy.Builder policy() {
    return Policy.builder().drainDeadline(Duration.ofMinutes(45));
  }

  static NodeId id(String s) {
    return NodeId.of(s);
  }

  static <T extends ClusterEvent> List<T> events(FakeCluster c, Class<T> type) {
    return c.events().stream().filter(type::isInstance).map(type::cast).toList();
  }

  static <T extends ClusterEvent.NodeEvent> List<T> events(
      FakeCluster c, Class<T> type, NodeId node) {
    return events(c, type).stream().filter(e -> e.node().equals(node)).toList();
  }

  /** Index in the cluster's log of the first event of {@code type} about {@code node}, or -1. */
  static int indexOf(FakeCluster c, Class<? extends ClusterEvent.NodeEvent> type, NodeId node) {
    List<ClusterEvent> all = c.events();
    for (int i = 0; i < all.size(); i++) {
      if (type.isInstance(all.get(i))
          && ((ClusterEvent.NodeEvent) all.get(i)).node().equals(node)) {
        return i;
      }
    }
    return -1;
  }

  /** Index in the cluster's log of the last event of {@code type} about {@code node}, or -1. */
  static int lastIndexOf(FakeCluster c, Class<? extends ClusterEvent.NodeEvent> type, NodeId node) {
    List<ClusterEvent> all = c.events();
    for (int i = all.size() - 1; i >= 0; i--) {
      if (type.isInstance(all.get(i))
          && ((ClusterEvent.NodeEvent) all.get(i)).node().equals(node)) {
        return i;
      }
    }
    return -1;
  }

  /** Index in the run's events of the first event matching {@code p}, or -1. */
  static int indexOf(List<UpgradeEvent> events, Predicate<UpgradeEvent> p) {
    for (int i = 0; i < events.size(); i++) {
      if (p.test(events.get(i))) {
        return i;
      }
    }
    return -1;
  }

  static Predicate<UpgradeEvent> completed(String node) {
    return e -> e instanceof UpgradeEvent.UnitCompleted c && c.unit().equals(id(node));
  }

  static Predicate<UpgradeEvent> started(String node) {
    return e -> e instanceof UpgradeEvent.UnitStarted s && s.unit().equals(id(node));
  }

  /**
   * The most original nodes of {@code role} that the orchestrator had out of service at once,
   * replayed from the cluster's log: drained (from DrainStarted to Undrained) or stopped (from
   * ServiceStopped to ServiceStarted).
   */
  static int maxOutOfService(FakeCluster c, Role role) {
    Set<NodeId> drained = new HashSet<>();
    Set<NodeId> stopped = new HashSet<>();
    int max = 0;
    for (ClusterEvent e : c.events()) {
      if (!(e instanceof ClusterEvent.NodeEvent ne) || !c.host(ne.node()).role().equals(role)) {
        continue;
      }
      if (e instanceof ClusterEvent.DrainStarted) {
        drained.add(ne.node());
      } else if (e instanceof ClusterEvent.Undrained) {
        drained.remove(ne.node());
      } else if (e instanceof ClusterEvent.ServiceStopped) {
        stopped.add(ne.node());
      } else if (e instanceof ClusterEvent.ServiceStarted) {
        stopped.remove(ne.node());
      }
      Set<NodeId> out = new HashSet<>(drained);
      out.addAll(stopped);
      max = Math.max(max, out.size());
    }
    return max;
  }

  /** Replays UnitStarted / UnitCompleted / UnitRestored: the most units in flight at once. */
  static int maxInFlight(List<UpgradeEvent> events) {
    int inFlight = 0;
    int max = 0;
    for (UpgradeEvent e : events) {
      if (e instanceof UpgradeEvent.UnitStarted s) {
        inFlight++;
        assertThat(s.inFlight())
            .as("UnitStarted(%s).inFlight agrees with the replayed count", s.unit())
            .isEqualTo(inFlight);
        max = Math.max(max, inFlight);
      } else if (e instanceof UpgradeEvent.UnitCompleted
          || e instanceof UpgradeEvent.UnitRestored) {
        inFlight--;
      }
    }
    return max;
  }

  /**
   * Every stop of a node that ran work came after its drain ended (Drained); no work was
   * interrupted.
   */
  static void assertStoppedOnlyWhenIdle(FakeCluster c) {
    for (ClusterEvent.ServiceStopped s : events(c, ClusterEvent.ServiceStopped.class)) {
      int stopped = c.events().indexOf(s);
      int drained = indexOf(c, ClusterEvent.Drained.class, s.node());
      if (c.host(s.node()).role().equals(SERVER)) {
        continue;
      }
      assertThat(drained).as("%s drained before it was stopped", s.node()).isBetween(0, stopped);
    }
    assertThat(events(c, ClusterEvent.WorkInterrupted.class)).as("interrupted work").isEmpty();
  }

  // ------------------------------------------------------------------------------------------------

  /** Property 1: never more nodes of a group out of service than its budget; a sliding window. */
  @Nested
  class BudgetAndSlidingWindow {

    /** 20 Octopus nodes with varied running work and upgrade times, and a steady workload. */
    FakeCluster twentyWorkers(long seed) {
      FakeCluster.Builder b =
          FakeCluster.builder().seed(seed).workload(Duration.ofMinutes(1), Duration.ofMinutes(4));
      for (int i = 1; i <= 20; i++) {
        int tasks = i % 4;
        int upgradeMinutes = 4 + (i * 7) % 13;
        int taskMinutes = 1 + (i * 37) % 25;
        b.node(
            "octo-" + i,
            n -> {
              n.role("octopus-node")
                  .platform(WIN2019)
                  .taskCap(5)
                  .upgradeDuration(Duration.ofMinutes(upgradeMinutes));
              for (int t = 0; t < tasks; t++) {
                n.runningTask(Duration.ofMinutes(taskMinutes + 3L * t));
              }
            });
      }
      return b.build();
    }

    @Test
    void aBudgetOfThreeNodesIsFilledButNeverExceededAndTheWindowSlides() {
      FakeCluster cluster = twentyWorkers(21);
      Rehearsal.Result r =
          Rehearsal.on(cluster)
              .run(
                  Strategy.inPlace(),
                  PATCHES,
                  policy().budget(Budget.ofNodes(3)).canaries(0).build());

      assertThat(r.report().succeeded()).as(r.report().summary()).isTrue();
      r.monitor().assertRestored();
      assertThat(r.plan().budgets()).containsEntry(OCTOPUS, 3);
      assertThat(r.events(UpgradeEvent.UnitStarted.class))
          .hasSize(20)
          .allSatisfy(s -> assertThat(s.inFlight()).as(s.describe()).isBetween(1, 3));
      assertThat(maxInFlight(r.events())).isEqualTo(3);
      assertThat(maxOutOfService(cluster, OCTOPUS))
          .as("original nodes out of service at once")
          .isEqualTo(3);

      // Sliding window: a unit takes the slot another frees at the same instant, while others still
      // run.
      int inFlight = 0;
      Instant lastCompleted = null;
      List<String> slides = new ArrayList<>();
      for (UpgradeEvent e : r.events()) {
        if (e instanceof UpgradeEvent.UnitCompleted c) {
          inFlight--;
          lastCompleted = c.at();
        } else if (e instanceof UpgradeEvent.UnitStarted s) {
          if (s.at().equals(lastCompleted) && inFlight > 0) {
            slides.add(s.describe() + " at " + s.at());
          }
          inFlight++;
        }
      }
      assertThat(slides)
          .as("units started into a freed slot while others were still in flight")
          .isNotEmpty();
      // Not batch by batch: some unit starts while units started earlier in another wave still run.
      assertThat(slides.size()).isGreaterThanOrEqualTo(5);

      assertStoppedOnlyWhenIdle(cluster);
      for (int i = 1; i <= 20; i++) {
        Node n = cluster.node(id("octo-" + i)).orElseThrow();
        assertThat(n.platform()).isEqualTo(PATCHED);
        assertThat(n.inService()).isTrue();
        assertThat(n.taskCap()).isEqualTo(TaskCap.of(5));
      }
    }

    @Test
    void aBudgetOfTenPercentOfTwentyBehavesLikeTwoNodes() {
      FakeCluster cluster = twentyWorkers(22);
      Rehearsal.Result r =
          Rehearsal.on(cluster)
              .run(
                  Strategy.inPlace(),
                  PATCHES,
                  policy().budget(Budget.ofPercent(10)).canaries(0).build());

      assertThat(r.report().succeeded()).as(r.report().summary()).isTrue();
      r.monitor().assertRestored();
      assertThat(r.plan().budgets()).containsEntry(OCTOPUS, 2);
      assertThat(maxInFlight(r.events())).isEqualTo(2);
      assertThat(maxOutOfService(cluster, OCTOPUS)).isEqualTo(2);
      assertStoppedOnlyWhenIdle(cluster);
    }

    @Test
    void theLongestExpectedNodesStartFirst() {
      FakeCluster cluster = twentyWorkers(23);
      Rehearsal.Result r =
          Rehearsal.on(cluster)
              .run(
                  Strategy.inPlace(),
                  PATCHES,
                  policy()
                      .budget(Budget.ofNodes(3))
                      .canaries(0)
                      .durationHint("octo-17", Duration.ofHours(3))
                      .durationHint("octo-4", Duration.ofHours(2))
                      .durationHint("octo-9", Duration.ofHours(1))
                      .build());

      assertThat(r.report().succeeded()).as(r.report().summary()).isTrue();
      assertThat(r.events(UpgradeEvent.UnitStarted.class))
          .extracting(s -> s.unit().value())
          .startsWith("octo-17", "octo-4", "octo-9");
    }
  }

  // ------------------------------------------------------------------------------------------------

  /** Property 1 with a node already out of service: it uses up part of the budget. */
  @Nested
  class NodeOutOfServiceOutsideTheRun {

    FakeCluster tenWorkers() {
      return FakeCluster.builder()
          .seed(5)
          .nodes(
              "octo",
              10,
              n ->
                  n.role("octopus-node")
                      .platform(WIN2019)
                      .taskCap(5)
                      .runningTask(Duration.ofMinutes(2))
                      .upgradeDuration(Duration.ofMinutes(6)))
          .workload(Duration.ofMinutes(2), Duration.ofMinutes(3))
          .build();
    }

    Policy budgetTwoWithoutOcto10() {
      return policy()
          .budget(Budget.ofNodes(2))
          .canaries(0)
          .only(
              "octo-1", "octo-2", "octo-3", "octo-4", "octo-5", "octo-6", "octo-7", "octo-8",
              "octo-9")
          .build();
    }

    @Test
    void aLostNodeConsumesOneSlotOfTheBudgetSoOnlyOneUnitIsInFlight() {
      FakeCluster cluster = tenWorkers();
      cluster.inject(Fault.nodeLost(id("octo-10"), Duration.ZERO));
      cluster.clock().sleep(Duration.ofSeconds(1));
      assertThat(cluster.node(id("octo-10")).orElseThrow().inService())
          .as("lost before the run")
          .isFalse();

      Rehearsal.Result r =
          Rehearsal.on(cluster).run(Strategy.inPlace(), PATCHES, budgetTwoWithoutOcto10());

      assertThat(r.report().succeeded()).as(r.report().summary()).isTrue();
      assertThat(r.plan().budgets()).containsEntry(OCTOPUS, 2);
      assertThat(r.events(UpgradeEvent.UnitStarted.class)).hasSize(9);
      assertThat(maxInFlight(r.events())).as("units in flight while octo-10 is out").isEqualTo(1);
      assertThat(maxOutOfService(cluster, OCTOPUS))
          .as("nodes the run took out at once")
          .isEqualTo(1);
      r.monitor().assertHeld();
      r.monitor().checkFinal();
      assertThat(r.monitor().violations())
          .as("only the lost node is left out of service")
          .allSatisfy(
              v -> {
                assertThat(v.invariant()).isEqualTo("restored");
                assertThat(v.detail()).startsWith("octo-10 ");
              });
      assertThat(events(cluster, ClusterEvent.DrainStarted.class, id("octo-10"))).isEmpty();
      assertStoppedOnlyWhenIdle(cluster);
    }

    @Test
    void withoutTheLostNodeTheSamePlanRunsTwoAtOnce() {
      FakeCluster cluster = tenWorkers();
      Rehearsal.Result r =
          Rehearsal.on(cluster).run(Strategy.inPlace(), PATCHES, budgetTwoWithoutOcto10());

      assertThat(r.report().succeeded()).as(r.report().summary()).isTrue();
      r.monitor().assertRestored();
      assertThat(maxInFlight(r.events())).isEqualTo(2);
    }
  }

  // ------------------------------------------------------------------------------------------------

  /**
   * Property 2: never fewer healthy voters than quorum; servers before clients; the leader last.
   */
  @Nested
  class QuorumAndLeaderLast {

    FakeCluster nomad() {
      return FakeCluster.builder()
          .seed(3)
          .constraints(Constraints.NONE.withQuorum(SERVER).withRoleOrder(SERVER, CLIENT))
          .node(
              "server-1",
              n ->
                  n.role("server")
                      .platform(NOMAD_17)
                      .taskCap(TaskCap.UNLIMITED)
                      .runsWork(false)
                      .leader(true))
          .node(
              "server-2",
              n ->
                  n.role("server")
                      .platform(NOMAD_17)
                      .taskCap(TaskCap.UNLIMITED)
                      .runsWork(false)
                      .voter(true))
          .node(
              "server-3",
              n ->
                  n.role("server")
                      .platform(NOMAD_17)
                      .taskCap(TaskCap.UNLIMITED)
                      .runsWork(false)
                      .voter(true))
          .nodes(
              "client",
              4,
              n ->
                  n.role("client")
                      .platform(NOMAD_17)
                      .taskCap(TaskCap.UNLIMITED)
                      .runningTask(Duration.ofMinutes(4)))
          .workload(Duration.ofMinutes(1), Duration.ofMinutes(3))
          .forcesDrainAtDeadline(true)
          .build();
    }

    @Test
    void serversGoOneAtATimeTheLeaderAfterTheOthersAreUpgradedAndHealthyThenTheClients() {
      FakeCluster cluster = nomad();
      assertThat(cluster.observe().leader()).map(Node::id).contains(id("server-1"));
      Rehearsal.Result r =
          Rehearsal.on(cluster)
              .run(Strategy.inPlace(), NOMAD_18, policy().budget(Budget.ofNodes(2)).build());

      assertThat(r.report().succeeded()).as(r.report().summary()).isTrue();
      r.monitor().assertRestored();
      assertThat(r.plan().budgets()).containsEntry(SERVER, 1).containsEntry(CLIENT, 2);

      // One server at a time, each stopped exactly once.
      assertThat(maxOutOfService(cluster, SERVER)).isEqualTo(1);
      assertThat(
              events(cluster, ClusterEvent.ServiceStopped.class).stream()
                  .filter(s -> cluster.host(s.node()).role().equals(SERVER)))
          .extracting(s -> s.node().value())
          .containsExactlyInAnyOrder("server-1", "server-2", "server-3");

      // The leader goes last: after both others are upgraded, started and their units done
      // (healthy, settled).
      int leaderStopped = indexOf(cluster, ClusterEvent.ServiceStopped.class, id("server-1"));
      for (String follower : List.of("server-2", "server-3")) {
        assertThat(indexOf(cluster, ClusterEvent.Upgraded.class, id(follower)))
            .as(follower + " upgraded first")
            .isBetween(0, leaderStopped);
        assertThat(lastIndexOf(cluster, ClusterEvent.ServiceStarted.class, id(follower)))
            .as(follower + " back first")
            .isBetween(0, leaderStopped);
        assertThat(indexOf(r.events(), completed(follower)))
            .as(follower + " done before the leader starts")
            .isBetween(0, indexOf(r.events(), started("server-1")));
      }
      // When the leader stops, both followers are healthy on the target: quorum holds.
      ClusterEvent.ServiceStopped leaderStop =
          events(cluster, ClusterEvent.ServiceStopped.class, id("server-1")).get(0);
      assertThat(
              events(cluster, ClusterEvent.Upgraded.class).stream()
                  .filter(
                      u ->
                          !u.at().isAfter(leaderStop.at())
                              && u.to().product().equals(NOMAD_18.product().orElseThrow())))
          .extracting(u -> u.node().value())
          .contains("server-2", "server-3");
      assertThat(events(cluster, ClusterEvent.LeaderElected.class))
          .as("leadership moved when server-1 stopped")
          .isNotEmpty()
          .allSatisfy(l -> assertThat(l.at()).isAfterOrEqualTo(leaderStop.at()));

      // Every client drains only after the last server's upgrade.
      int lastServerUpgraded = indexOf(cluster, ClusterEvent.Upgraded.class, id("server-1"));
      assertThat(lastServerUpgraded)
          .isGreaterThan(indexOf(cluster, ClusterEvent.Upgraded.class, id("server-2")))
          .isGreaterThan(indexOf(cluster, ClusterEvent.Upgraded.class, id("server-3")));
      for (int i = 1; i <= 4; i++) {
        NodeId client = id("client-" + i);
        assertThat(indexOf(cluster, ClusterEvent.DrainStarted.class, client))
            .as(client + " drains after the servers")
            .isGreaterThan(lastServerUpgraded);
        assertThat(cluster.node(client).orElseThrow().platform().product())
            .isEqualTo(NOMAD_18.product().orElseThrow());
      }
      assertThat(cluster.observe().nodes()).allMatch(Node::inService);
    }

    @Test
    void withAFollowerLostBeforeTheRunAndExcludedThePlanIsRefusedNamingTheFailureTolerance() {
      FakeCluster cluster = nomad();
      cluster.inject(Fault.nodeLost(id("server-3"), Duration.ZERO));
      cluster.clock().sleep(Duration.ofSeconds(1));

      assertRefusedForFailureTolerance(
          cluster,
          policy()
              .only("server-1", "server-2", "client-1", "client-2", "client-3", "client-4")
              .build());
    }

    @Test
    void withAFollowerLostBeforeTheRunAndStillPlannedThePlanIsRefusedNamingTheFailureTolerance() {
      FakeCluster cluster = nomad();
      cluster.inject(Fault.nodeLost(id("server-3"), Duration.ZERO));
      cluster.clock().sleep(Duration.ofSeconds(1));

      assertRefusedForFailureTolerance(cluster, policy().build());
    }

    void assertRefusedForFailureTolerance(FakeCluster cluster, Policy policy) {
      int before = cluster.events().size();

      assertThatThrownBy(() -> Rehearsal.on(cluster).run(Strategy.inPlace(), NOMAD_18, policy))
          .isInstanceOf(PlanValidationException.class)
          .hasMessageContaining("role server has a failure tolerance of 0")
          .hasMessageContaining("2 of 3 voters are healthy")
          .hasMessageContaining("bring back [server-3]");
      assertThat(cluster.events()).as("nothing was touched").hasSize(before);
    }

    @Test
    void
        aFollowerLostWhileAnotherServerIsInFlightKeepsThatServerRunningAndGivesUpAfterTheBlockedTimeout() {
      FakeCluster cluster =
          FakeCluster.builder()
              .seed(3)
              .constraints(Constraints.NONE.withQuorum(SERVER).withRoleOrder(SERVER, CLIENT))
              .node(
                  "server-1",
                  n ->
                      n.role("server")
                          .platform(NOMAD_17)
                          .taskCap(TaskCap.UNLIMITED)
                          .runsWork(false)
                          .leader(true))
              .node(
                  "server-2",
                  n ->
                      n.role("server")
                          .platform(NOMAD_17)
                          .taskCap(TaskCap.UNLIMITED)
                          .runsWork(false)
                          .voter(true))
              .node(
                  "server-3",
                  n ->
                      n.role("server")
                          .platform(NOMAD_17)
                          .taskCap(TaskCap.UNLIMITED)
                          .runsWork(false)
                          .voter(true))
              .nodes(
                  "client", 2, n -> n.role("client").platform(NOMAD_17).taskCap(TaskCap.UNLIMITED))
              .build();
      Duration blockedTimeout = Duration.ofMinutes(30);
      UpgradePlan plan =
          UpgradePlanner.create(cluster.clock())
              .plan(
                  cluster,
                  Strategy.inPlace(),
                  NOMAD_18,
                  policy()
                      .canaries(0)
                      .blockedTimeout(blockedTimeout)
                      .durationHint("server-2", Duration.ofHours(1))
                      .build());
      InvariantMonitor monitor = InvariantMonitor.watch(cluster, plan);
      List<UpgradeEvent> seen = new ArrayList<>();
      UpgradeRun[] run = new UpgradeRun[1];
      run[0] =
          UpgradeExecutor.builder()
              .cluster(cluster)
              .host(cluster)
              .time(cluster.clock())
              .listener(
                  e -> {
                    seen.add(e);
                    // server-2 is snapshotting (2 minutes): lose server-3 before server-2's
                    // StopService.
                    if (e instanceof UpgradeEvent.StepStarted s
                        && s.step().action() instanceof Action.Snapshot) {
                      cluster.inject(Fault.nodeLost(id("server-3"), Duration.ofMinutes(1)));
                    }
                  })
              .build()
              .start(plan);
      // A guard in virtual time, so that a run that never pauses ends the test instead of spinning.
      cluster
          .clock()
          .schedule(Duration.ofHours(6), () -> run[0].abort("test guard: the run never paused"));

      RunReport report = run[0].execute();

      assertThat(events(cluster, ClusterEvent.ServiceStopped.class))
          .as("stopping server-2 would break quorum")
          .isEmpty();
      monitor.assertHeld();
      assertThat(seen)
          .anySatisfy(
              e ->
                  assertThat(e)
                      .isInstanceOfSatisfying(
                          UpgradeEvent.UnitBlocked.class,
                          b -> assertThat(b.reason()).contains("server-3")));
      // server-2 gives up its upgrade (it is restored: never stopped, still serving) and the run
      // stops.
      assertThat(report.status()).as(report.summary()).isEqualTo(RunStatus.FAILED);
      assertThat(report.failed()).containsOnlyKeys(id("server-2"));
      assertThat(report.failed().get(id("server-2")))
          .contains("could not go on safely")
          .contains("server-3");
      assertThat(report.restored()).containsExactly(id("server-2"));
      assertThat(report.duration()).isLessThan(blockedTimeout.plus(Duration.ofMinutes(10)));
    }
  }

  // ------------------------------------------------------------------------------------------------

  /**
   * Property 3: a node stops only when its work is done, or its drain deadline passed by policy.
   */
  @Nested
  class DrainDeadline {

    static final Duration DEADLINE = Duration.ofMinutes(30);

    /** octo-2 runs the most work, so it goes first (the canary); one of its tasks never ends. */
    /**
     * octo-2 runs the least work, so it is the canary (the quickest goes first), and its drain
     * sticks.
     */
    FakeCluster clusterWithStuckOcto2() {
      FakeCluster cluster =
          FakeCluster.builder()
              .seed(9)
              .node(
                  "octo-1",
                  n ->
                      n.role("octopus-node")
                          .platform(WIN2019)
                          .taskCap(5)
                          .runningTask(Duration.ofMinutes(2))
                          .runningTask(Duration.ofMinutes(2)))
              .node(
                  "octo-2",
                  n ->
                      n.role("octopus-node")
                          .platform(WIN2019)
                          .taskCap(5)
                          .runningTask(Duration.ofMinutes(8)))
              .node(
                  "octo-3",
                  n ->
                      n.role("octopus-node")
                          .platform(WIN2019)
                          .taskCap(5)
                          .runningTask(Duration.ofMinutes(2))
                          .runningTask(Duration.ofMinutes(2)))
              .build();
      cluster.inject(Fault.stuckDrain(id("octo-2")));
      return cluster;
    }

    @Test
    void withTheDefaultFailTheUnitFailsAtTheDeadlineAndTheNodeIsBackInServiceNeverStopped() {
      FakeCluster cluster = clusterWithStuckOcto2();
      Policy p = Policy.builder().drainDeadline(DEADLINE).build();
      assertThat(p.onDrainTimeout()).isEqualTo(Policy.DrainTimeoutAction.FAIL);

      Rehearsal.Result r = Rehearsal.on(cluster).run(Strategy.inPlace(), PATCHES, p);

      assertThat(r.report().status()).as(r.report().summary()).isEqualTo(RunStatus.FAILED);
      assertThat(r.report().failed()).containsOnlyKeys(id("octo-2"));
      assertThat(r.report().failed().get(id("octo-2"))).contains("drain deadline");
      r.monitor().assertRestored();

      ClusterEvent.DrainStarted drain =
          events(cluster, ClusterEvent.DrainStarted.class, id("octo-2")).get(0);
      UpgradeEvent.StepFailed failed = r.events(UpgradeEvent.StepFailed.class).get(0);
      assertThat(failed.unit()).isEqualTo(id("octo-2"));
      assertThat(failed.step().action()).isInstanceOf(Action.Drain.class);
      assertThat(failed.at())
          .as("fails at the deadline, not before")
          .isBetween(drain.at().plus(DEADLINE), drain.at().plus(DEADLINE).plus(p.pollInterval()));
      assertThat(r.events(UpgradeEvent.UnitRestored.class))
          .extracting(UpgradeEvent.UnitRestored::unit)
          .containsExactly(id("octo-2"));

      assertThat(events(cluster, ClusterEvent.Undrained.class, id("octo-2")))
          .singleElement()
          .satisfies(u -> assertThat(u.at()).isAfterOrEqualTo(failed.at()));
      Node octo2 = cluster.node(id("octo-2")).orElseThrow();
      assertThat(octo2.inService()).isTrue();
      assertThat(octo2.taskCap()).isEqualTo(TaskCap.of(5));
      assertThat(octo2.platform()).isEqualTo(WIN2019);
      assertThat(octo2.runningWork())
          .as("the stuck task still runs: never interrupted")
          .isEqualTo(1);
      assertThat(events(cluster, ClusterEvent.ServiceStopped.class))
          .as("nothing stopped")
          .isEmpty();
      assertThat(events(cluster, ClusterEvent.SnapshotTaken.class)).isEmpty();
      assertThat(events(cluster, ClusterEvent.WorkInterrupted.class)).isEmpty();
      assertThat(r.report().notStarted()).containsExactlyInAnyOrder(id("octo-1"), id("octo-3"));
    }

    @Test
    void withForceTheNodeIsStoppedAtTheDeadlineAndTheInterruptedWorkIsRecorded() {
      FakeCluster cluster = clusterWithStuckOcto2();
      Policy p =
          Policy.builder()
              .drainDeadline(DEADLINE)
              .onDrainTimeout(Policy.DrainTimeoutAction.FORCE)
              .build();

      Rehearsal.Result r = Rehearsal.on(cluster).run(Strategy.inPlace(), PATCHES, p);

      assertThat(r.report().succeeded()).as(r.report().summary()).isTrue();
      ClusterEvent.DrainStarted drain =
          events(cluster, ClusterEvent.DrainStarted.class, id("octo-2")).get(0);
      ClusterEvent.ServiceStopped stop =
          events(cluster, ClusterEvent.ServiceStopped.class, id("octo-2")).get(0);
      assertThat(stop.at())
          .as("stopped only after the deadline")
          .isAfterOrEqualTo(drain.at().plus(DEADLINE));
      assertThat(events(cluster, ClusterEvent.WorkInterrupted.class))
          .singleElement()
          .satisfies(
              w -> {
                assertThat(w.node()).isEqualTo(id("octo-2"));
                assertThat(w.tasks()).isEqualTo(1);
                assertThat(w.at()).isEqualTo(stop.at());
              });
      assertThat(r.events(UpgradeEvent.StepCompleted.class))
          .anySatisfy(
              c -> {
                assertThat(c.unit()).isEqualTo(id("octo-2"));
                assertThat(c.step().action()).isInstanceOf(Action.Drain.class);
                assertThat(c.detail()).startsWith("forced");
              });
      r.monitor().checkFinal();
      assertThat(r.monitor().violations())
          .as("the only violation is the forced interruption")
          .isNotEmpty()
          .allSatisfy(
              v -> {
                assertThat(v.invariant()).isEqualTo("no-work-interrupted");
                assertThat(v.detail()).contains("octo-2");
              });
      for (String n : List.of("octo-1", "octo-2", "octo-3")) {
        Node node = cluster.node(id(n)).orElseThrow();
        assertThat(node.platform()).isEqualTo(PATCHED);
        assertThat(node.inService()).isTrue();
        assertThat(node.taskCap()).isEqualTo(TaskCap.of(5));
      }
    }
  }

  // ------------------------------------------------------------------------------------------------

  /** Property 4: after a failure, back as it was; nothing left drained by accident. */
  @Nested
  class FailureAndRestore {

    /** node-1..node-4, hinted so that they start in that order; node-2's upgrade always fails. */
    FakeCluster fourNodes() {
      FakeCluster cluster =
          FakeCluster.builder()
              .seed(17)
              .nodes(
                  "node", 4, n -> n.platform(WIN2019).taskCap(5).runningTask(Duration.ofMinutes(3)))
              .workload(Duration.ofMinutes(2), Duration.ofMinutes(2))
              .build();
      cluster.inject(Fault.upgradeFails(id("node-2")));
      return cluster;
    }

    Policy.Builder inOrder() {
      return policy()
          .canaries(0)
          .snapshots(true)
          .durationHint("node-1", Duration.ofMinutes(40))
          .durationHint("node-2", Duration.ofMinutes(30))
          .durationHint("node-3", Duration.ofMinutes(20))
          .durationHint("node-4", Duration.ofMinutes(10));
    }

    void assertNode2Restored(FakeCluster cluster, Rehearsal.Result r) {
      assertThat(r.report().failed()).containsKey(id("node-2"));
      assertThat(r.report().failed().get(id("node-2"))).contains("failed");
      assertThat(events(cluster, ClusterEvent.UpgradeFailed.class))
          .extracting(e -> e.node().value())
          .containsExactly("node-2");
      int snapshotRestored = indexOf(cluster, ClusterEvent.SnapshotRestored.class, id("node-2"));
      assertThat(snapshotRestored)
          .as("restored from its snapshot")
          .isGreaterThan(indexOf(cluster, ClusterEvent.UpgradeFailed.class, id("node-2")));
      assertThat(events(cluster, ClusterEvent.SnapshotRestored.class, id("node-2")))
          .singleElement()
          .satisfies(s -> assertThat(s.platform()).isEqualTo(WIN2019));
      assertThat(lastIndexOf(cluster, ClusterEvent.ServiceStarted.class, id("node-2")))
          .as("started after the restore")
          .isGreaterThan(snapshotRestored);
      assertThat(lastIndexOf(cluster, ClusterEvent.Undrained.class, id("node-2")))
          .as("undrained after the restore")
          .isGreaterThan(snapshotRestored);
      assertThat(r.events(UpgradeEvent.UnitRestored.class))
          .extracting(UpgradeEvent.UnitRestored::unit)
          .contains(id("node-2"));
      Node n2 = cluster.node(id("node-2")).orElseThrow();
      assertThat(n2.health()).isEqualTo(Health.HEALTHY);
      assertThat(n2.platform()).as("its ORIGINAL platform").isEqualTo(WIN2019);
      assertThat(n2.inService()).as("undrained").isTrue();
      assertThat(n2.taskCap()).isEqualTo(TaskCap.of(5));
      assertThat(cluster.host(id("node-2")).serviceRunning()).isTrue();
    }

    @Test
    void theFailedNodeIsRestoredFromItsSnapshotDoneNodesStayUpgradedTheRestIsUntouched() {
      FakeCluster cluster = fourNodes();
      Rehearsal.Result r =
          Rehearsal.on(cluster)
              .run(
                  Strategy.inPlace(),
                  PATCHES,
                  inOrder().failureThreshold(0).onFailure(Policy.FailureAction.ROLLBACK).build());

      assertThat(r.report().status()).as(r.report().summary()).isEqualTo(RunStatus.FAILED);
      assertThat(r.events(UpgradeEvent.UnitStarted.class))
          .extracting(s -> s.unit().value())
          .containsExactly("node-1", "node-2");
      assertNode2Restored(cluster, r);
      assertThat(r.report().upgraded()).containsExactly(id("node-1"));
      assertThat(cluster.node(id("node-1")).orElseThrow().platform())
          .as("done nodes stay upgraded")
          .isEqualTo(PATCHED);
      assertThat(r.report().notStarted()).containsExactlyInAnyOrder(id("node-3"), id("node-4"));
      for (String untouched : List.of("node-3", "node-4")) {
        assertThat(cluster.events())
            .as(untouched + " untouched")
            .noneMatch(
                e -> e instanceof ClusterEvent.NodeEvent ne && ne.node().equals(id(untouched)));
        assertThat(cluster.node(id(untouched)).orElseThrow().platform()).isEqualTo(WIN2019);
      }
      assertThat(r.events(UpgradeEvent.RunStatusChanged.class))
          .extracting(UpgradeEvent.RunStatusChanged::status)
          .containsSubsequence(RunStatus.ROLLING_BACK, RunStatus.FAILED);
      r.monitor().assertRestored();
      assertThat(events(cluster, ClusterEvent.WorkInterrupted.class)).isEmpty();
    }

    @Test
    void withAThresholdOfOneTheRunGoesOnPastTheFailureAndEndsFailedWithTheOthersUpgraded() {
      FakeCluster cluster = fourNodes();
      Rehearsal.Result r =
          Rehearsal.on(cluster)
              .run(Strategy.inPlace(), PATCHES, inOrder().failureThreshold(1).build());

      assertThat(r.report().status()).as(r.report().summary()).isEqualTo(RunStatus.FAILED);
      assertThat(r.report().succeeded()).isFalse();
      assertNode2Restored(cluster, r);
      assertThat(r.report().upgraded())
          .containsExactlyInAnyOrder(id("node-1"), id("node-3"), id("node-4"));
      assertThat(r.report().notStarted()).isEmpty();
      for (String n : List.of("node-1", "node-3", "node-4")) {
        assertThat(cluster.node(id(n)).orElseThrow().platform()).as(n).isEqualTo(PATCHED);
      }
      assertThat(r.events(UpgradeEvent.RunStatusChanged.class))
          .extracting(UpgradeEvent.RunStatusChanged::status)
          .doesNotContain(RunStatus.ROLLING_BACK);
      int failedAt = indexOf(r.events(), e -> e instanceof UpgradeEvent.StepFailed);
      assertThat(indexOf(r.events(), started("node-3")))
          .as("continues past the failure")
          .isGreaterThan(failedAt);
      r.monitor().assertRestored();
    }

    @Test
    void withPauseTheRunFinishesTheUnitsInFlightThenPausesNamingTheFailedNode() {
      FakeCluster cluster =
          FakeCluster.builder()
              .seed(17)
              .node(
                  "node-1",
                  n -> n.platform(WIN2019).taskCap(5).upgradeDuration(Duration.ofMinutes(40)))
              .node(
                  "node-2", n -> n.platform(WIN2019).taskCap(5).runningTask(Duration.ofMinutes(3)))
              .node(
                  "node-3", n -> n.platform(WIN2019).taskCap(5).runningTask(Duration.ofMinutes(3)))
              .node(
                  "node-4", n -> n.platform(WIN2019).taskCap(5).runningTask(Duration.ofMinutes(3)))
              .build();
      cluster.inject(Fault.upgradeFails(id("node-2")));

      Rehearsal.Result r =
          Rehearsal.on(cluster)
              .run(
                  Strategy.inPlace(),
                  PATCHES,
                  inOrder()
                      .budget(Budget.ofNodes(2))
                      .failureThreshold(0)
                      .onFailure(Policy.FailureAction.PAUSE)
                      .build());

      assertThat(r.report().status()).as(r.report().summary()).isEqualTo(RunStatus.PAUSED);
      assertThat(r.report().reason()).contains("failed");
      assertThat(r.report().failed()).containsOnlyKeys(id("node-2"));
      assertNode2Restored(cluster, r);
      int failedAt = indexOf(r.events(), e -> e instanceof UpgradeEvent.StepFailed);
      int node1Done = indexOf(r.events(), completed("node-1"));
      assertThat(node1Done)
          .as("node-1 was in flight at the failure and finished")
          .isGreaterThan(failedAt);
      assertThat(r.report().upgraded()).containsExactly(id("node-1"));
      assertThat(r.report().notStarted()).containsExactlyInAnyOrder(id("node-3"), id("node-4"));
      assertThat(r.events().subList(failedAt, r.events().size()))
          .as("no unit starts after the failure")
          .noneMatch(e -> e instanceof UpgradeEvent.UnitStarted);
      assertThat(r.report().at())
          .isAfterOrEqualTo(r.events(UpgradeEvent.UnitCompleted.class).get(0).at());
      r.monitor().assertRestored();
    }
  }

  // ------------------------------------------------------------------------------------------------

  /**
   * Property 7: bad input gives a clear error that names the thing and the fix, and changes
   * nothing.
   */
  @Nested
  class BadInputChangesNothing {

    FakeCluster cluster =
        FakeCluster.builder()
            .seed(2)
            .nodes(
                "octo",
                3,
                n ->
                    n.role("octopus-node")
                        .platform(WIN2019)
                        .taskCap(5)
                        .runningTask(Duration.ofMinutes(3)))
            .build();

    UpgradePlan plan(Policy p) {
      return UpgradePlanner.create(cluster.clock()).plan(cluster, Strategy.inPlace(), PATCHES, p);
    }

    UpgradeExecutor.Builder executor() {
      return UpgradeExecutor.builder()
          .cluster(cluster)
          .host(cluster)
          .traffic(cluster)
          .time(cluster.clock());
    }

    @Test
    void aProbeThePolicyNamesButTheExecutorLacksIsRefusedByStartNamingTheProbeAndTheFix() {
      UpgradePlan plan = plan(policy().probes("smoke-test").build());
      List<ClusterEvent> before = cluster.events();
      Instant at = cluster.clock().now();

      assertThatThrownBy(() -> executor().build().start(plan))
          .isInstanceOf(UpkeepException.class)
          .hasMessageContaining("'smoke-test'")
          .hasMessageContaining("probe(...)")
          .hasMessageContaining(plan.id());
      assertThat(cluster.events()).isEqualTo(before);
      assertThat(cluster.clock().now()).isEqualTo(at);
      assertThat(cluster.observe().nodes())
          .allMatch(n -> n.inService() && n.platform().equals(WIN2019));
    }

    @Test
    void aPlanThatChangesHostsIsRefusedByAnExecutorWithoutAHostPort() {
      UpgradePlan plan = plan(policy().build());
      List<ClusterEvent> before = cluster.events();

      assertThatThrownBy(
              () ->
                  UpgradeExecutor.builder()
                      .cluster(cluster)
                      .time(cluster.clock())
                      .build()
                      .start(plan))
          .isInstanceOf(UpkeepException.class)
          .hasMessageContaining("host port")
          .hasMessageContaining("host(...)");
      assertThat(cluster.events()).isEqualTo(before);
    }

    @Test
    void resumingWithTheStateOfAnotherPlanIsRefusedNamingBothPlans() {
      UpgradePlan a = plan(policy().build());
      UpgradePlan b = plan(policy().budget(Budget.ofNodes(2)).build());
      assertThat(a.id()).isNotEqualTo(b.id());
      UpgradeExecutor executor = executor().build();
      RunState stateOfA = executor.start(a).state();
      List<ClusterEvent> before = cluster.events();

      assertThatThrownBy(() -> executor.resume(b, stateOfA))
          .isInstanceOf(UpkeepException.class)
          .hasMessageContaining(a.id())
          .hasMessageContaining(b.id())
          .hasMessageContaining(stateOfA.runId());
      assertThat(cluster.events()).isEqualTo(before);
    }

    @Test
    void anUnknownNodeInThePolicyIsRefusedNamingItAndTheKnownOnes() {
      List<ClusterEvent> before = cluster.events();

      assertThatThrownBy(() -> plan(policy().only("octo-9").build()))
          .isInstanceOf(PlanValidationException.class)
          .hasMessageContaining("octo-9")
          .hasMessageContaining("octo-1")
          .hasMessageContaining("correct the name");
      assertThat(cluster.events()).isEqualTo(before);
    }
  }

  // ------------------------------------------------------------------------------------------------

  /**
   * The testkit's promise behind every replayable failure: the same seed and calls give the same
   * story.
   */
  @Nested
  class Determinism {

    record Story(List<String> cluster, List<String> run, RunStatus status) {}

    Story rehearse(long seed) {
      FakeCluster cluster =
          FakeCluster.builder()
              .seed(seed)
              .nodes(
                  "octo",
                  8,
                  n ->
                      n.role("octopus-node")
                          .platform(WIN2019)
                          .taskCap(5)
                          .runningTask(Duration.ofMinutes(4)))
              .workload(Duration.ofSeconds(40), Duration.ofMinutes(5))
              .build();
      cluster.inject(Fault.upgradeFails(id("octo-3")));
      cluster.inject(Fault.slowDrain(id("octo-5"), Duration.ofMinutes(7)));
      Rehearsal.Result r =
          Rehearsal.on(cluster)
              .run(
                  Strategy.inPlace(),
                  PATCHES,
                  policy().budget(Budget.ofNodes(3)).failureThreshold(1).build());
      return new Story(
          cluster.events().stream().map(Object::toString).toList(),
          // Run ids are unique per run by design; everything else must repeat exactly.
          r.events().stream()
              .map(e -> e.at() + " " + e.describe().replace(r.run().state().runId(), "<run>"))
              .toList(),
          r.report().status());
    }

    @Test
    void theSameSeedAndCallsGiveIdenticalClusterAndRunEvents() {
      Story first = rehearse(42);
      Story second = rehearse(42);

      assertThat(first.cluster()).hasSizeGreaterThan(50);
      assertThat(second.cluster()).containsExactlyElementsOf(first.cluster());
      assertThat(second.run()).containsExactlyElementsOf(first.run());
      assertThat(second.status()).isEqualTo(first.status()).isEqualTo(RunStatus.FAILED);
    }

    @Test
    void anotherSeedGivesAnotherStory() {
      assertThat(rehearse(43).cluster()).isNotEqualTo(rehearse(42).cluster());
    }
  }
}
