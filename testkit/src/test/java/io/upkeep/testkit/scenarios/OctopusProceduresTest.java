package io.upkeep.testkit.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upkeep.Action;
import io.upkeep.Health;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.PlanValidationException;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.RunStatus;
import io.upkeep.Strategy;
import io.upkeep.TaskCap;
import io.upkeep.UpgradeTarget;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.spi.HealthProbe;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.Fault;
import io.upkeep.testkit.Rehearsal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The Octopus Deploy procedures of the seed documents, as scenarios on the fake cluster. */
class OctopusProceduresTest {

  static final Platform WIN2019 = Platform.of("Windows Server 2019", ".NET 6.0", "2024.1.0");
  static final UpgradeTarget WIN2022_NET8 =
      UpgradeTarget.os("Windows Server 2022").andRuntime(".NET 8.0");

  /**
   * Passes when the node answers healthy on its own address: the seed's "navigate directly to the
   * new VM".
   */
  static final HealthProbe UI =
      new HealthProbe() {
        @Override
        public String name() {
          return "ui";
        }

        @Override
        public ProbeResult check(Node node) {
          return node.health() == Health.HEALTHY
              ? ProbeResult.pass("UI answers as " + node.id())
              : ProbeResult.fail(node.id() + " is " + node.health());
        }
      };

  static FakeCluster octopusCluster(int nodes) {
    return FakeCluster.builder()
        .seed(11)
        .nodes(
            "octo",
            nodes,
            n ->
                n.role("octopus-node")
                    .platform(WIN2019)
                    .taskCap(5)
                    .runningTask(Duration.ofMinutes(3))
                    .runningTask(Duration.ofMinutes(7)))
        .workload(Duration.ofSeconds(30), Duration.ofMinutes(3))
        .build();
  }

  static Policy.Builder policy() {
    return Policy.builder().drainDeadline(Duration.ofMinutes(30));
  }

  static <T extends ClusterEvent> List<T> events(FakeCluster c, Class<T> type) {
    return c.events().stream().filter(type::isInstance).map(type::cast).toList();
  }

  static int indexOf(FakeCluster c, Class<? extends ClusterEvent> type, NodeId node) {
    List<ClusterEvent> all = c.events();
    for (int i = 0; i < all.size(); i++) {
      if (type.isInstance(all.get(i)) && node.equals(nodeOf(all.get(i)))) {
        return i;
      }
    }
    return -1;
  }

  static NodeId nodeOf(ClusterEvent e) {
    return e instanceof ClusterEvent.NodeEvent n ? n.node() : null;
  }

  static NodeId id(String s) {
    return NodeId.of(s);
  }

  @Nested
  class HighAvailabilityHostUpgrade {

    FakeCluster cluster = octopusCluster(3);
    Rehearsal.Result r =
        Rehearsal.on(cluster)
            .probe(UI)
            .run(
                Strategy.rollingReplace(),
                WIN2022_NET8,
                policy().trafficRamp(20, 100).probes("ui").build());

    @Test
    void replacesEveryNodeWithANewOneOnTheNewOsAndDotNetWithoutBreakingAnyRule() {
      assertThat(r.report().succeeded()).as(r.report().summary()).isTrue();
      r.monitor().assertRestored();
      for (String old : List.of("octo-1", "octo-2", "octo-3")) {
        assertThat(cluster.host(id(old)).decommissioned()).as(old + " decommissioned").isTrue();
        Node next = cluster.node(id(old + "-next")).orElseThrow();
        assertThat(next.platform())
            .isEqualTo(Platform.of("Windows Server 2022", ".NET 8.0", "2024.1.0"));
        assertThat(next.taskCap()).isEqualTo(TaskCap.of(5));
        assertThat(next.inService()).isTrue();
        assertThat(cluster.weight(next.id())).isEqualTo(100);
      }
      assertThat(cluster.observe().nodes())
          .extracting(n -> n.id().value())
          .containsExactlyInAnyOrder("octo-1-next", "octo-2-next", "octo-3-next");
    }

    @Test
    void eachNewNodeJoinsAtTaskCapZeroAndIsVerifiedDirectlyBeforeItGetsTraffic() {
      for (ClusterEvent.Joined j : events(cluster, ClusterEvent.Joined.class)) {
        assertThat(j.cap()).as(j.node() + " joined with cap").isEqualTo(TaskCap.ZERO);
      }
      Set<NodeId> seen = new HashSet<>();
      for (UpgradeEvent.StepCompleted verified : r.events(UpgradeEvent.StepCompleted.class)) {
        if (verified.step().action() instanceof Action.Verify && seen.add(verified.step().node())) {
          NodeId node = verified.step().node();
          ClusterEvent.WeightChanged first =
              events(cluster, ClusterEvent.WeightChanged.class).stream()
                  .filter(w -> w.node().equals(node))
                  .findFirst()
                  .orElseThrow();
          assertThat(first.at())
              .as(node + " gets traffic only after its first direct verification")
              .isAfterOrEqualTo(verified.at());
        }
      }
      assertThat(seen).hasSize(3);
    }

    @Test
    void rampsTrafficToTwentyPercentThenToAnEqualShare() {
      List<Integer> weights =
          events(cluster, ClusterEvent.WeightChanged.class).stream()
              .filter(w -> w.node().equals(id("octo-2-next")))
              .map(ClusterEvent.WeightChanged::weight)
              .toList();
      assertThat(weights).containsExactly(20, 100);
      assertThat(
              events(cluster, ClusterEvent.WeightChanged.class).stream()
                  .filter(w -> w.node().equals(id("octo-2"))))
          .extracting(ClusterEvent.WeightChanged::weight)
          .containsExactly(0);
    }

    @Test
    void theCanaryTrialRunsTasksOnTheNewNodeAloneThenRestoresTheOldCaps() {
      NodeId canary =
          r.plan().units().stream().filter(u -> u.canary()).findFirst().orElseThrow().node();
      NodeId next = id(canary + "-next");
      List<ClusterEvent.TaskCapChanged> caps = events(cluster, ClusterEvent.TaskCapChanged.class);
      ClusterEvent.TaskCapChanged trial =
          caps.stream()
              .filter(c -> c.node().equals(next) && c.to().equals(TaskCap.of(5)))
              .findFirst()
              .orElseThrow();
      // At the trial, every old node takes no new tasks.
      Set<NodeId> zeroedBefore = new HashSet<>();
      for (ClusterEvent.TaskCapChanged c : caps) {
        if (c == trial) {
          break;
        }
        if (c.to().equals(TaskCap.ZERO)) {
          zeroedBefore.add(c.node());
        }
      }
      assertThat(zeroedBefore).contains(id("octo-1"), id("octo-2"), id("octo-3"));
      // Then the new node steps down to 1 and the old ones get their cap back, before it matches
      // them.
      List<TaskCap> nextCaps =
          caps.stream()
              .filter(c -> c.node().equals(next))
              .map(ClusterEvent.TaskCapChanged::to)
              .toList();
      assertThat(nextCaps).containsSubsequence(TaskCap.of(5), TaskCap.of(1), TaskCap.of(5));
    }

    @Test
    void oldNodesAreDrainedAndIdleBeforeTheyStopAndTheirWorkIsNeverInterrupted() {
      for (String old : List.of("octo-1", "octo-2", "octo-3")) {
        int drained = indexOf(cluster, ClusterEvent.Drained.class, id(old));
        int stopped = indexOf(cluster, ClusterEvent.ServiceStopped.class, id(old));
        int removed = indexOf(cluster, ClusterEvent.Removed.class, id(old));
        int gone = indexOf(cluster, ClusterEvent.Decommissioned.class, id(old));
        assertThat(drained).as(old).isGreaterThanOrEqualTo(0).isLessThan(stopped);
        assertThat(stopped).isLessThan(removed);
        assertThat(removed).isLessThan(gone);
      }
      assertThat(events(cluster, ClusterEvent.WorkInterrupted.class)).isEmpty();
      assertThat(cluster.tasksCompleted()).isPositive();
    }
  }

  @Nested
  class OperatingSystemPatching {

    @Test
    void aSingleServerUsesMaintenanceModeWaitsForTasksAndSaysTheDowntime() {
      FakeCluster cluster = octopusCluster(1);
      Rehearsal.Result r =
          Rehearsal.on(cluster)
              .run(
                  Strategy.inPlace(),
                  UpgradeTarget.os("Windows Server 2019 (2026-11 patches)"),
                  policy().allowDowntime(true).build());

      assertThat(r.report().succeeded()).as(r.report().summary()).isTrue();
      r.monitor().assertRestored();
      assertThat(r.plan().warnings()).anyMatch(w -> w.startsWith("DOWNTIME"));
      List<ClusterEvent> seq =
          cluster.events().stream()
              .filter(
                  e ->
                      e instanceof ClusterEvent.MaintenanceModeChanged
                          || e instanceof ClusterEvent.ServiceStopped
                          || e instanceof ClusterEvent.Upgraded
                          || e instanceof ClusterEvent.ServiceStarted)
              .toList();
      assertThat(seq)
          .extracting(e -> e.getClass().getSimpleName())
          .containsExactly(
              "MaintenanceModeChanged",
              "ServiceStopped",
              "Upgraded",
              "ServiceStarted",
              "MaintenanceModeChanged");
      assertThat(((ClusterEvent.MaintenanceModeChanged) seq.get(0)).on()).isTrue();
      assertThat(((ClusterEvent.MaintenanceModeChanged) seq.get(4)).on()).isFalse();
      assertThat(events(cluster, ClusterEvent.WorkInterrupted.class))
          .as("tasks finished before the stop")
          .isEmpty();
      assertThat(cluster.observe().maintenanceMode()).isFalse();
    }

    @Test
    void aSingleServerIsRefusedWithoutTheDowntimeOptInAndNothingIsTouched() {
      FakeCluster cluster = octopusCluster(1);
      int before = cluster.events().size();

      assertThatThrownBy(
              () ->
                  Rehearsal.on(cluster)
                      .run(
                          Strategy.inPlace(),
                          UpgradeTarget.os("Windows Server 2022"),
                          policy().build()))
          .isInstanceOf(PlanValidationException.class)
          .hasMessageContaining("allowDowntime(true)");
      assertThat(cluster.events()).hasSize(before);
    }

    @Test
    void anHaClusterDrainsOneNodeAtATimeWhileTheOthersKeepWorking() {
      FakeCluster cluster = octopusCluster(4);
      Rehearsal.Result r =
          Rehearsal.on(cluster)
              .run(
                  Strategy.inPlace(),
                  UpgradeTarget.os("Windows Server 2019 (2026-11 patches)"),
                  policy().build());

      assertThat(r.report().succeeded()).as(r.report().summary()).isTrue();
      r.monitor().assertRestored();
      assertThat(r.monitor().checks()).isPositive();
      int drained = 0;
      int maxDrained = 0;
      for (ClusterEvent e : cluster.events()) {
        if (e instanceof ClusterEvent.DrainStarted) {
          maxDrained = Math.max(maxDrained, ++drained);
        } else if (e instanceof ClusterEvent.Undrained) {
          drained--;
        }
      }
      assertThat(maxDrained).isEqualTo(1);
      for (int i = 1; i <= 4; i++) {
        NodeId n = id("octo-" + i);
        assertThat(indexOf(cluster, ClusterEvent.Drained.class, n))
            .isLessThan(indexOf(cluster, ClusterEvent.ServiceStopped.class, n));
      }
      assertThat(events(cluster, ClusterEvent.WorkInterrupted.class)).isEmpty();
      assertThat(cluster.observe().nodes())
          .allMatch(n -> n.inService() && n.taskCap().equals(TaskCap.of(5)));
    }
  }

  @Nested
  class CloneAndMigrate {

    @Test
    void clonesAtTheSameVersionCopiesFoldersVerifiesAndDecommissionsTheSourceOnlyAfterApproval() {
      FakeCluster cluster = octopusCluster(1);
      Rehearsal.Result r =
          Rehearsal.on(cluster)
              .probe(UI)
              .run(
                  Strategy.cloneAndMigrate(true),
                  WIN2022_NET8,
                  policy().allowDowntime(true).probes("ui").build());

      assertThat(r.report().status()).isEqualTo(RunStatus.AWAITING_APPROVAL);
      assertThat(r.report().awaitingApproval()).containsExactly("migration:octo-1");
      assertThat(cluster.host(id("octo-1")).decommissioned())
          .as("source kept for rollback")
          .isFalse();
      assertThat(r.plan().warnings()).anyMatch(w -> w.contains("polling Tentacles"));

      r.run().approve("migration:octo-1");
      assertThat(r.run().execute().succeeded()).isTrue();

      r.monitor().assertRestored();
      assertThat(cluster.host(id("octo-1")).decommissioned()).isTrue();
      Node clone = cluster.node(id("octo-1-clone")).orElseThrow();
      assertThat(clone.platform().product()).isEqualTo(WIN2019.product());
      assertThat(clone.inService()).isTrue();
      assertThat(indexOf(cluster, ClusterEvent.ServiceStopped.class, id("octo-1")))
          .isLessThan(indexOf(cluster, ClusterEvent.Provisioned.class, id("octo-1-clone")));
      assertThat(events(cluster, ClusterEvent.FoldersCopied.class))
          .singleElement()
          .satisfies(f -> assertThat(f.from()).isEqualTo(id("octo-1")));
      assertThat(cluster.observe().maintenanceMode()).isFalse();
      assertThat(events(cluster, ClusterEvent.WorkInterrupted.class)).isEmpty();
    }

    @Test
    void aCloneThatNeverComesUpIsStoppedAndTheSourceStartsAgain() {
      FakeCluster cluster = octopusCluster(1);
      cluster.inject(Fault.neverReturns(id("octo-1-clone")));
      Rehearsal.Result r =
          Rehearsal.on(cluster)
              .run(
                  Strategy.cloneAndMigrate(false),
                  WIN2022_NET8,
                  policy().allowDowntime(true).build());

      assertThat(r.report().status()).isEqualTo(RunStatus.FAILED);
      assertThat(r.report().failed().get(id("octo-1")))
          .contains("octo-1-clone is not a member of the cluster after 5m");
      r.monitor().assertRestored();
      assertThat(cluster.host(id("octo-1-clone")).serviceRunning()).isFalse();
      assertThat(cluster.node(id("octo-1")).orElseThrow().inService()).isTrue();
      assertThat(cluster.observe().maintenanceMode()).isFalse();
    }

    @Test
    void aCloneThatFailsVerificationIsStoppedAndTheSourceStartsAgain() {
      FakeCluster cluster = octopusCluster(1);
      HealthProbe brokenClone =
          new HealthProbe() {
            @Override
            public String name() {
              return "api-scripts";
            }

            @Override
            public ProbeResult check(Node node) {
              return ProbeResult.fail("the CI integration cannot reach " + node.id());
            }
          };
      Rehearsal.Result r =
          Rehearsal.on(cluster)
              .probe(brokenClone)
              .run(
                  Strategy.cloneAndMigrate(false),
                  WIN2022_NET8,
                  policy().allowDowntime(true).probes("api-scripts").build());

      assertThat(r.report().status()).isEqualTo(RunStatus.FAILED);
      assertThat(r.report().failed()).containsKey(id("octo-1"));
      r.monitor().assertRestored();
      assertThat(cluster.host(id("octo-1-clone")).serviceRunning()).isFalse();
      Node source = cluster.node(id("octo-1")).orElseThrow();
      assertThat(source.inService()).isTrue();
      assertThat(source.platform()).isEqualTo(WIN2019);
      assertThat(cluster.observe().maintenanceMode()).isFalse();
      List<String> order = new ArrayList<>();
      cluster.events().stream()
          .filter(
              e ->
                  e instanceof ClusterEvent.ServiceStopped
                      || e instanceof ClusterEvent.ServiceStarted)
          .forEach(e -> order.add(e.getClass().getSimpleName() + " " + nodeOf(e)));
      assertThat(order).containsSubsequence("ServiceStopped octo-1-clone", "ServiceStarted octo-1");
    }
  }
}
