package io.upkeep.octopus;

import static io.upkeep.octopus.Octopus.id;
import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.ClusterSnapshot;
import io.upkeep.DrainState;
import io.upkeep.NodeId;
import io.upkeep.TaskCap;
import io.upkeep.UpgradeTarget;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.HostOperation;
import io.upkeep.testkit.NodeSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Waiting for a change adaptively, end to end over HTTP in virtual time: the summary alone, fast,
 * while a node drains with tasks running, less often as the drain lasts; the whole cluster at the
 * poll interval otherwise; and what that does to a run of the HA patching preset.
 */
@Timeout(60)
class OctopusAdaptivePollingTest {

  static final Duration FAST = OctopusConfig.DEFAULT_FAST_POLL_INTERVAL;
  static final Duration SLOW = OctopusConfig.DEFAULT_POLL_INTERVAL;
  static final String SUMMARY = "/api/octopusservernodes/summary";
  static final String MAINTENANCE = "/api/maintenanceconfiguration";

  final List<Octopus> opened = new ArrayList<>();

  @AfterEach
  void close() {
    opened.forEach(Octopus::close);
  }

  /**
   * Three nodes and no new work: octo-2 runs one task of {@code task}, octo-1 one of an hour,
   * octo-3 one of three seconds (ending while octo-2 drains).
   */
  Octopus octopus(Duration task, UnaryOperator<OctopusConfig.Builder> tune) {
    FakeCluster cluster =
        FakeCluster.builder()
            .node("octo-1", n -> node(n).runningTask(Duration.ofHours(1)))
            .node("octo-2", n -> node(n).runningTask(task))
            .node("octo-3", n -> node(n).runningTask(Duration.ofSeconds(3)))
            .build();
    return open(new Octopus(cluster, production(tune)));
  }

  /**
   * {@code tune} after the production fast poll interval, which the virtual-time preset makes
   * coarser: these tests measure the production one.
   */
  static UnaryOperator<OctopusConfig.Builder> production(
      UnaryOperator<OctopusConfig.Builder> tune) {
    return b -> tune.apply(b.fastPollInterval(FAST));
  }

  static NodeSpec.Builder node(NodeSpec.Builder n) {
    return n.role("octopus-node").platform(Octopus.WIN2019).taskCap(5);
  }

  Octopus open(Octopus o) {
    opened.add(o);
    return o;
  }

  static long count(Octopus o, String path) {
    return o.server.requests().stream()
        .filter(r -> r.method().equals("GET") && r.path().equals(path))
        .count();
  }

  /** Drains octo-2 through the port and observes it draining. */
  static ClusterSnapshot drainOcto2(Octopus o) {
    o.port.drain(id("octo-2"), Instant.MAX);
    ClusterSnapshot since = o.port.observe();
    assertThat(since.node(id("octo-2")).drainState()).isEqualTo(DrainState.DRAINING);
    return since;
  }

  static Instant idleAt(FakeCluster cluster, NodeId node) {
    return cluster.events().stream()
        .filter(e -> e instanceof ClusterEvent.Drained d && d.node().equals(node))
        .map(ClusterEvent::at)
        .findFirst()
        .orElseThrow();
  }

  @Nested
  class WhileANodeDrains {

    @Test
    void wakesWithinTheFastPollIntervalOfItGoingIdleReadingOnlyTheSummaryUntilThen() {
      Octopus o = octopus(Duration.ofMillis(7500), b -> b);
      ClusterSnapshot since = drainOcto2(o);
      long summaries = count(o, SUMMARY);
      long maintenance = count(o, MAINTENANCE);

      boolean changed = o.port.awaitChange(since, SLOW);

      assertThat(changed).isTrue();
      Duration lag = Duration.between(idleAt(o.cluster, id("octo-2")), o.cluster.clock().now());
      assertThat(lag).isPositive().isLessThanOrEqualTo(FAST);
      // one summary a second, octo-3's task ending on the way waking nothing; then the rest of one
      // observation, which the next observe() is served
      assertThat(count(o, SUMMARY) - summaries).isEqualTo(8);
      assertThat(count(o, MAINTENANCE) - maintenance).isEqualTo(1);
      int sent = o.server.requestCount();
      assertThat(o.port.observe().node(id("octo-2")).drainState()).isEqualTo(DrainState.DRAINED);
      assertThat(o.server.requestCount()).isEqualTo(sent);
    }

    @Test
    void negativeControlWithoutFastPollingTheSameWakeComesOnlyAtThePollInterval() {
      Octopus o = octopus(Duration.ofMillis(7500), b -> b.fastPollInterval(SLOW));
      ClusterSnapshot since = drainOcto2(o);

      o.port.awaitChange(since, SLOW);

      Duration lag = Duration.between(idleAt(o.cluster, id("octo-2")), o.cluster.clock().now());
      assertThat(lag).isGreaterThan(FAST).isEqualTo(Duration.ofMillis(12_500));
    }

    @Test
    void pollsADrainOfMinutesLessOftenAsItLastsAndStillSeesItsEndWithinThePollInterval() {
      Octopus o = octopus(Duration.ofMinutes(10), b -> b);
      ClusterSnapshot since = drainOcto2(o);
      long summaries = count(o, SUMMARY);

      while (since.node(id("octo-2")).drainState() == DrainState.DRAINING) {
        o.port.awaitChange(since, SLOW); // as the executor does: wait, then observe
        since = o.port.observe();
      }

      Duration lag = Duration.between(idleAt(o.cluster, id("octo-2")), o.cluster.clock().now());
      assertThat(lag).isLessThanOrEqualTo(SLOW);
      // at the fast interval throughout, 600; at the poll interval, 30 (each with two more)
      assertThat(count(o, SUMMARY) - summaries).isBetween(30L, 80L);
    }

    @Test
    void aChangeOfTaskCapOnAnotherNodeEndsTheWaitAtTheNextPoll() {
      Octopus o = octopus(Duration.ofMinutes(10), b -> b);
      ClusterSnapshot since = drainOcto2(o);
      o.cluster
          .clock()
          .schedule(
              Duration.ofMillis(4200), () -> o.cluster.setTaskCap(id("octo-1"), TaskCap.of(9)));
      Instant start = o.cluster.clock().now();

      assertThat(o.port.awaitChange(since, SLOW)).isTrue();

      assertThat(Duration.between(start, o.cluster.clock().now())).isEqualTo(Duration.ofSeconds(5));
      assertThat(o.port.observe().node(id("octo-1")).taskCap()).isEqualTo(TaskCap.of(9));
    }
  }

  @Nested
  class WhileNoNodeDrains {

    @Test
    void pollsTheWholeClusterOnlyEveryPollInterval() {
      Octopus o = octopus(Duration.ofMinutes(10), b -> b);
      ClusterSnapshot since = o.port.observe();
      long summaries = count(o, SUMMARY);
      Instant start = o.cluster.clock().now();

      // octo-3's task ends after three seconds: seen at the poll, not sooner
      assertThat(o.port.awaitChange(since, SLOW)).isTrue();

      assertThat(Duration.between(start, o.cluster.clock().now())).isEqualTo(SLOW);
      assertThat(count(o, SUMMARY) - summaries).isEqualTo(1);
      assertThat(count(o, MAINTENANCE)).isEqualTo(2);
    }
  }

  @Nested
  class TheObservationThatEndedAWait {

    @Test
    void isNotServedOnceTheFastPollIntervalHasPassed() {
      Octopus o = octopus(Duration.ofMinutes(10), b -> b);
      o.port.awaitChange(o.port.observe(), SLOW);
      o.cluster.clock().sleep(FAST);
      int sent = o.server.requestCount();

      o.port.observe();

      assertThat(o.server.requestCount()).isGreaterThan(sent);
    }

    @Test
    void isNotServedOnceThisPortChangedSomething() {
      Octopus o = octopus(Duration.ofMinutes(10), b -> b);
      o.port.awaitChange(o.port.observe(), SLOW);
      o.port.setTaskCap(id("octo-1"), TaskCap.of(7));
      int sent = o.server.requestCount();

      ClusterSnapshot next = o.port.observe();

      assertThat(o.server.requestCount()).isGreaterThan(sent);
      assertThat(next.node(id("octo-1")).taskCap()).isEqualTo(TaskCap.of(7));
    }
  }

  @Nested
  class APatchingRun {

    static final UpgradeTarget PATCHES = UpgradeTarget.os("Windows Server 2019 (2026-11 patches)");

    /** Four nodes running tasks of about two seconds, about two at a time each. */
    Octopus busy(UnaryOperator<OctopusConfig.Builder> tune) {
      FakeCluster cluster =
          FakeCluster.builder()
              .seed(3)
              .nodes("octo", 4, n -> node(n).runningTask(Duration.ofSeconds(2)))
              .workload(Duration.ofMillis(250), Duration.ofSeconds(2))
              .duration(HostOperation.SNAPSHOT, Duration.ofSeconds(1))
              .duration(HostOperation.STOP_SERVICE, Duration.ofSeconds(1))
              .duration(HostOperation.UPGRADE, Duration.ofSeconds(1))
              .duration(HostOperation.START_SERVICE, Duration.ofSeconds(1))
              .build();
      return open(new Octopus(cluster, production(tune)));
    }

    /**
     * The nodes whose next host operation after going idle (drained, its last task ended) came
     * later than the adaptive polling promises: a tenth of the drain's age, between the fast and
     * the slow poll interval.
     */
    List<String> lateReactions(Octopus o) {
      // no soak nor settle time, which would cost the same polls with or without adaptive polling
      Octopus.Rehearsal r =
          o.rehearse(
              OctopusProcedures.highAvailabilityPatching(o.port)
                  .withPolicy(p -> p.canarySoak(Duration.ZERO).settle(Duration.ZERO)),
              PATCHES,
              true);
      assertThat(r.report().succeeded()).as(r.report().summary()).isTrue();
      r.monitor().assertRestored();
      Map<NodeId, Instant> asked = new HashMap<>();
      Map<NodeId, Instant> idle = new HashMap<>();
      List<String> late = new ArrayList<>();
      int samples = 0;
      for (ClusterEvent e : o.cluster.events()) {
        if (e instanceof ClusterEvent.DrainStarted d) {
          asked.put(d.node(), d.at());
        } else if (e instanceof ClusterEvent.Drained d && !d.at().equals(asked.get(d.node()))) {
          idle.put(d.node(), d.at());
        } else if (e instanceof ClusterEvent.OperationRequested op && idle.containsKey(op.node())) {
          Instant idleAt = idle.remove(op.node());
          Duration age = Duration.between(asked.get(op.node()), idleAt);
          Duration promised = age.dividedBy(OctopusClusterPort.DRAIN_AGE_PER_POLL);
          promised =
              promised.compareTo(FAST) < 0 ? FAST : promised.compareTo(SLOW) > 0 ? SLOW : promised;
          Duration lag = Duration.between(idleAt, op.at());
          samples++;
          if (lag.compareTo(promised) > 0) {
            late.add(op.node() + " after " + lag + " (drained in " + age + ")");
          }
        }
      }
      assertThat(samples).as("nodes still running tasks when drained").isGreaterThanOrEqualTo(3);
      double perNode = (double) r.report().apiRequests() / r.report().upgraded().size();
      assertThat(perNode)
          .as("requests per node upgraded")
          .isLessThanOrEqualTo(MAX_REQUESTS_PER_NODE);
      return late;
    }

    static final double MAX_REQUESTS_PER_NODE = 60;

    @Test
    void actsOnEveryNodeWithinTheFastPollIntervalOfAShortDrainEnding() {
      assertThat(lateReactions(busy(b -> b))).isEmpty();
    }

    @Test
    void negativeControlWithoutFastPollingSomeNodeWaitsLonger() {
      assertThat(lateReactions(busy(b -> b.fastPollInterval(SLOW)))).isNotEmpty();
    }
  }
}
