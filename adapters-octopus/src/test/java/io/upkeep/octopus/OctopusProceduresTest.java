package io.upkeep.octopus;

import static io.upkeep.octopus.Octopus.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upkeep.Action;
import io.upkeep.HookPoint;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.PlanValidationException;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.RunReport;
import io.upkeep.RunStatus;
import io.upkeep.Strategy;
import io.upkeep.TaskCap;
import io.upkeep.UpgradeTarget;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.http.RecordedRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The Octopus procedures end to end over real HTTP: the presets planned and executed through the
 * adapter against the fake Octopus Server, the fake cluster behind it as host and load balancer, in
 * its virtual time, with every safety invariant checked after every event.
 */
@Timeout(60) // a run that stops making progress fails here instead of hanging the build
class OctopusProceduresTest {

  static final UpgradeTarget WIN2022_NET8 =
      UpgradeTarget.os("Windows Server 2022").andRuntime(".NET 8.0");
  static final UpgradeTarget PATCHES = UpgradeTarget.os("Windows Server 2019 (2026-11 patches)");

  final List<Octopus> opened = new ArrayList<>();

  @AfterEach
  void close() {
    opened.forEach(Octopus::close);
  }

  Octopus octopus(int nodes) {
    Octopus o = new Octopus(Octopus.cluster(nodes));
    opened.add(o);
    return o;
  }

  static <T extends ClusterEvent> List<T> events(FakeCluster c, Class<T> type) {
    return c.events().stream().filter(type::isInstance).map(type::cast).toList();
  }

  static int indexOf(FakeCluster c, Class<? extends ClusterEvent> type, NodeId node) {
    List<ClusterEvent> all = c.events();
    for (int i = 0; i < all.size(); i++) {
      if (type.isInstance(all.get(i))
          && all.get(i) instanceof ClusterEvent.NodeEvent n
          && n.node().equals(node)) {
        return i;
      }
    }
    return -1;
  }

  static List<RecordedRequest> requests(Octopus o, String method, String pathPrefix) {
    return o.server.requests().stream()
        .filter(r -> r.method().equals(method) && r.path().startsWith(pathPrefix))
        .toList();
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS) // one rehearsal, looked at by every test
  class HighAvailabilityHostUpgrade {

    final Octopus octopus = new Octopus(Octopus.cluster(3));
    final FakeCluster cluster = octopus.cluster;
    final Octopus.Rehearsal r =
        octopus.rehearse(
            OctopusProcedures.highAvailabilityHostUpgrade(octopus.port), WIN2022_NET8, true);

    @AfterAll
    void closeServer() {
      octopus.close();
    }

    @Test
    void replacesEveryNodeWithOneOnTheNewOsAndDotNetWithoutBreakingAnyRule() {
      assertThat(r.report().succeeded()).as(r.report().summary()).isTrue();
      r.monitor().assertRestored();
      for (String old : List.of("octo-1", "octo-2", "octo-3")) {
        assertThat(cluster.host(id(old)).decommissioned()).as(old + " decommissioned").isTrue();
        Node next = cluster.node(id(old + "-next")).orElseThrow();
        assertThat(next.platform())
            .isEqualTo(Platform.of("Windows Server 2022", ".NET 8.0", "2024.1.10309"));
        assertThat(next.taskCap()).isEqualTo(TaskCap.of(5));
        assertThat(next.inService()).isTrue();
        assertThat(cluster.weight(next.id())).isEqualTo(100);
      }
      assertThat(octopus.port.observe().ids())
          .extracting(NodeId::value)
          .containsExactlyInAnyOrder("octo-1-next", "octo-2-next", "octo-3-next");
      assertThat(events(cluster, ClusterEvent.WorkInterrupted.class)).isEmpty();
      assertThat(cluster.tasksCompleted()).isPositive();
    }

    @Test
    void deletesEachOldNodesRecordFromOctopusOnlyAfterItWasDrainedAndStopped() {
      assertThat(requests(octopus, "DELETE", "/api/octopusservernodes"))
          .extracting(RecordedRequest::path)
          .containsExactlyInAnyOrder(
              "/api/octopusservernodes/OctopusServerNodes-1",
              "/api/octopusservernodes/OctopusServerNodes-2",
              "/api/octopusservernodes/OctopusServerNodes-3");
      for (String old : List.of("octo-1", "octo-2", "octo-3")) {
        int drained = indexOf(cluster, ClusterEvent.Drained.class, id(old));
        int stopped = indexOf(cluster, ClusterEvent.ServiceStopped.class, id(old));
        int removed = indexOf(cluster, ClusterEvent.Removed.class, id(old));
        assertThat(drained).as(old).isGreaterThanOrEqualTo(0).isLessThan(stopped);
        assertThat(stopped).isLessThan(removed);
      }
    }

    @Test
    void eachNewNodeJoinsAtTaskCapZeroAndIsVerifiedOnItsOwnAddressBeforeItGetsTraffic() {
      for (ClusterEvent.Joined j : events(cluster, ClusterEvent.Joined.class)) {
        assertThat(j.cap()).as(j.node() + " joined with cap").isEqualTo(TaskCap.ZERO);
      }
      Set<NodeId> verified = new HashSet<>();
      for (UpgradeEvent.StepCompleted done : r.events(UpgradeEvent.StepCompleted.class)) {
        if (done.step().action() instanceof Action.Verify && verified.add(done.step().node())) {
          NodeId node = done.step().node();
          ClusterEvent.WeightChanged first =
              events(cluster, ClusterEvent.WeightChanged.class).stream()
                  .filter(w -> w.node().equals(node))
                  .findFirst()
                  .orElseThrow();
          assertThat(first.at())
              .as(node + " gets traffic only after its direct verification")
              .isAfterOrEqualTo(done.at());
          assertThat(requests(octopus, "GET", "/api/octopusservernodes/ping"))
              .as(node + " was pinged on its own address")
              .anyMatch(q -> q.target().equals(node.value()));
        }
      }
      assertThat(verified)
          .containsExactlyInAnyOrder(id("octo-1-next"), id("octo-2-next"), id("octo-3-next"));
    }

    @Test
    void rampsTrafficToTwentyPercentThenToAnEqualShareAndTakesTheOldNodeOut() {
      for (String old : List.of("octo-1", "octo-2", "octo-3")) {
        assertThat(
                events(cluster, ClusterEvent.WeightChanged.class).stream()
                    .filter(w -> w.node().equals(id(old + "-next"))))
            .extracting(ClusterEvent.WeightChanged::weight)
            .containsExactly(20, 100);
        assertThat(
                events(cluster, ClusterEvent.WeightChanged.class).stream()
                    .filter(w -> w.node().equals(id(old))))
            .extracting(ClusterEvent.WeightChanged::weight)
            .containsExactly(0);
      }
    }

    @Test
    void theTrialPutsEveryOldNodeAtCapZeroAndTheNewOneAtFiveThenOneThenItsMatch() {
      NodeId canary =
          r.plan().units().stream().filter(u -> u.canary()).findFirst().orElseThrow().node();
      NodeId next = id(canary + "-next");
      List<ClusterEvent.TaskCapChanged> caps = events(cluster, ClusterEvent.TaskCapChanged.class);
      // The new node registers at Octopus's default cap of 5 and is capped at 0 before its trial.
      ClusterEvent.TaskCapChanged capped =
          caps.stream()
              .filter(c -> c.node().equals(next) && c.to().equals(TaskCap.ZERO))
              .findFirst()
              .orElseThrow();
      ClusterEvent.TaskCapChanged trial =
          caps.stream()
              .skip(caps.indexOf(capped))
              .filter(c -> c.node().equals(next) && c.to().equals(TaskCap.of(5)))
              .findFirst()
              .orElseThrow();
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
      assertThat(
              caps.stream().filter(c -> c.node().equals(next)).map(ClusterEvent.TaskCapChanged::to))
          .containsSubsequence(TaskCap.of(5), TaskCap.of(1), TaskCap.of(5));
    }

    @Test
    void everyChangeIsAPutOfTheWholeNodeResourceWithItsTaskCap() {
      List<RecordedRequest> puts = requests(octopus, "PUT", "/api/octopusservernodes/");
      assertThat(puts)
          .isNotEmpty()
          .allSatisfy(
              p ->
                  assertThat(p.body())
                      .contains(
                          "\"MaxConcurrentTasks\":",
                          "\"IsInMaintenanceMode\":",
                          "\"Name\":",
                          "\"Links\":"));
      assertThat(puts).anySatisfy(p -> assertThat(p.body()).contains("\"MaxConcurrentTasks\":0"));
    }

    @Test
    void theRestWaitForTheCanaryToBeApproved() {
      assertThat(r.events(UpgradeEvent.ApprovalRequested.class))
          .singleElement()
          .satisfies(a -> assertThat(a.gate()).startsWith("canary:"));
    }
  }

  @Nested
  class ProductVersions {

    @Test
    void aRollingReplaceThatChangesTheOctopusVersionIsRefusedSayingWhyAndNothingIsTouched() {
      Octopus octopus = octopus(3);
      int events = octopus.cluster.events().size();
      OctopusProcedure ha = OctopusProcedures.highAvailabilityHostUpgrade(octopus.port);

      assertThatThrownBy(
              () ->
                  ha.plan(
                      octopus.port, WIN2022_NET8.andProduct("2024.2.100"), octopus.cluster.clock()))
          .isInstanceOf(PlanValidationException.class)
          .hasMessageContaining("cannot change the Octopus version (2024.1.10309 to 2024.2.100)")
          .hasMessageContaining("2023.2.9755")
          .hasMessageContaining("only the OS and .NET");
      assertThat(octopus.cluster.events()).hasSize(events);
      assertThat(octopus.server.requests()).allMatch(q -> q.method().equals("GET"));
    }

    @Test
    void aRollingReplaceAtTheSameVersionIsFine() {
      Octopus octopus = octopus(3);
      OctopusProcedure ha = OctopusProcedures.highAvailabilityHostUpgrade(octopus.port);

      assertThat(
              ha.plan(
                      octopus.port,
                      WIN2022_NET8.andProduct("2024.1.10309"),
                      octopus.cluster.clock())
                  .units())
          .hasSize(3);
    }

    @Test
    void aCloneAtAnotherVersionAndAnInPlaceVersionUpgradeOfAnHaClusterAreRefused() {
      Octopus single = octopus(1);
      assertThatThrownBy(
              () ->
                  OctopusProcedures.cloneAndMigrate(single.port)
                      .plan(
                          single.port,
                          WIN2022_NET8.andProduct("2024.2.100"),
                          single.cluster.clock()))
          .isInstanceOf(PlanValidationException.class)
          .hasMessageContaining("same Octopus version as the source (2024.1.10309)");

      Octopus ha = octopus(3);
      assertThatThrownBy(
              () ->
                  OctopusProcedures.highAvailabilityPatching(ha.port)
                      .plan(ha.port, UpgradeTarget.product("2024.2.100"), ha.cluster.clock()))
          .isInstanceOf(PlanValidationException.class)
          .hasMessageContaining("one node at a time");
    }

    @Test
    void aSingleServerMayUpgradeItsProductInItsMaintenanceWindow() {
      Octopus single = octopus(1);

      assertThat(
              OctopusProcedures.singleServerPatching(single.port)
                  .plan(single.port, UpgradeTarget.product("2024.2.100"), single.cluster.clock())
                  .units())
          .hasSize(1);
    }
  }

  @Nested
  class OperatingSystemPatching {

    @Test
    void aSingleServerGoesIntoMaintenanceModeWaitsForItsTasksIsPatchedAndComesBack() {
      Octopus octopus = octopus(1);
      FakeCluster cluster = octopus.cluster;

      Octopus.Rehearsal r =
          octopus.rehearse(OctopusProcedures.singleServerPatching(octopus.port), PATCHES, true);

      assertThat(r.report().succeeded()).as(r.report().summary()).isTrue();
      r.monitor().assertRestored();
      assertThat(r.plan().warnings()).anyMatch(w -> w.startsWith("DOWNTIME"));
      assertThat(
              cluster.events().stream()
                  .filter(
                      e ->
                          e instanceof ClusterEvent.MaintenanceModeChanged
                              || e instanceof ClusterEvent.ServiceStopped
                              || e instanceof ClusterEvent.Upgraded
                              || e instanceof ClusterEvent.ServiceStarted)
                  .map(e -> e.getClass().getSimpleName()))
          .containsExactly(
              "MaintenanceModeChanged",
              "ServiceStopped",
              "Upgraded",
              "ServiceStarted",
              "MaintenanceModeChanged");
      assertThat(requests(octopus, "PUT", "/api/maintenanceconfiguration"))
          .extracting(RecordedRequest::body)
          .satisfiesExactly(
              on -> assertThat(on).contains("\"IsInMaintenanceMode\":true"),
              off -> assertThat(off).contains("\"IsInMaintenanceMode\":false"));
      assertThat(events(cluster, ClusterEvent.WorkInterrupted.class))
          .as("tasks finished before the stop")
          .isEmpty();
      assertThat(cluster.node(id("octo-1")).orElseThrow().platform().os())
          .isEqualTo("Windows Server 2019 (2026-11 patches)");
      assertThat(requests(octopus, "GET", "/api/octopusservernodes/ping"))
          .anyMatch(q -> q.target().equals("octo-1"));
    }

    @Test
    void anHaClusterDrainsOneNodeAtATimeWhileTheOthersKeepWorking() {
      Octopus octopus = octopus(3);
      FakeCluster cluster = octopus.cluster;

      Octopus.Rehearsal r =
          octopus.rehearse(OctopusProcedures.highAvailabilityPatching(octopus.port), PATCHES, true);

      assertThat(r.report().succeeded()).as(r.report().summary()).isTrue();
      r.monitor().assertRestored();
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
      for (String n : List.of("octo-1", "octo-2", "octo-3")) {
        assertThat(indexOf(cluster, ClusterEvent.Drained.class, id(n)))
            .isLessThan(indexOf(cluster, ClusterEvent.ServiceStopped.class, id(n)));
        assertThat(requests(octopus, "GET", "/api"))
            .as(n + " verified on its own address")
            .anyMatch(q -> q.target().equals(n) && q.path().equals("/api"));
      }
      assertThat(requests(octopus, "PUT", "/api/octopusservernodes/"))
          .anyMatch(p -> p.body().contains("\"IsInMaintenanceMode\":true"))
          .anyMatch(p -> p.body().contains("\"IsInMaintenanceMode\":false"));
      assertThat(events(cluster, ClusterEvent.WorkInterrupted.class)).isEmpty();
      assertThat(octopus.port.observe().nodes())
          .allMatch(n -> n.inService() && n.taskCap().equals(TaskCap.of(5)));
    }

    @Test
    void theHaPresetRefusesASingleServerRatherThanAcceptDowntime() {
      Octopus octopus = octopus(1);

      assertThatThrownBy(
              () ->
                  OctopusProcedures.highAvailabilityPatching(octopus.port)
                      .plan(octopus.port, PATCHES, octopus.cluster.clock()))
          .isInstanceOf(PlanValidationException.class)
          .hasMessageContaining("allowDowntime(true)");
      assertThat(octopus.server.requests()).allMatch(q -> q.method().equals("GET"));
    }
  }

  @Nested
  class CloneAndMigrate {

    @Test
    void clonesAtTheSameVersionCopiesTheFoldersVerifiesAndRetiresTheSourceOnlyAfterApproval() {
      Octopus octopus = octopus(1);
      FakeCluster cluster = octopus.cluster;

      Octopus.Rehearsal r =
          octopus.rehearse(OctopusProcedures.cloneAndMigrate(octopus.port), WIN2022_NET8, false);

      assertThat(r.report().status()).isEqualTo(RunStatus.AWAITING_APPROVAL);
      assertThat(r.report().awaitingApproval()).containsExactly("migration:octo-1");
      assertThat(cluster.host(id("octo-1")).decommissioned())
          .as("source kept for rollback")
          .isFalse();
      assertThat(r.plan().warnings()).noneMatch(w -> w.contains("polling Tentacles"));
      assertThat(requests(octopus, "DELETE", "/api")).isEmpty();

      r.run().approve("migration:octo-1");
      RunReport done = r.run().execute();

      assertThat(done.succeeded()).as(done.summary()).isTrue();
      r.monitor().assertRestored();
      assertThat(cluster.host(id("octo-1")).decommissioned()).isTrue();
      assertThat(requests(octopus, "DELETE", "/api"))
          .extracting(RecordedRequest::path)
          .containsExactly("/api/octopusservernodes/OctopusServerNodes-1");
      Node clone = cluster.node(id("octo-1-clone")).orElseThrow();
      assertThat(clone.platform())
          .isEqualTo(Platform.of("Windows Server 2022", ".NET 8.0", "2024.1.10309"));
      assertThat(clone.inService()).isTrue();
      assertThat(indexOf(cluster, ClusterEvent.ServiceStopped.class, id("octo-1")))
          .isLessThan(indexOf(cluster, ClusterEvent.Provisioned.class, id("octo-1-clone")));
      assertThat(events(cluster, ClusterEvent.FoldersCopied.class))
          .singleElement()
          .satisfies(f -> assertThat(f.from()).isEqualTo(id("octo-1")));
      assertThat(cluster.observe().maintenanceMode()).isFalse();
      assertThat(events(cluster, ClusterEvent.WorkInterrupted.class)).isEmpty();
      assertThat(requests(octopus, "GET", "/api/octopusservernodes/ping"))
          .anyMatch(q -> q.target().equals("octo-1-clone"));
    }

    @Test
    void toANewAddressItReRegistersPollingTentaclesWhileTheCloneIsVerifiedBeforeItTakesWork() {
      Octopus octopus = octopus(1);
      FakeCluster cluster = octopus.cluster;
      List<String> calls = new ArrayList<>();
      TentacleReRegistration reRegister =
          (source, clone) -> {
            calls.add(
                source
                    + "->"
                    + clone
                    + " maintenance="
                    + cluster.observe().maintenanceMode()
                    + " sourceDecommissioned="
                    + cluster.host(source).decommissioned());
            return calls.size() >= 2; // the first attempt is still in progress
          };

      Octopus.Rehearsal r =
          octopus.rehearse(
              OctopusProcedures.cloneAndMigrate(octopus.port, reRegister), WIN2022_NET8, true);

      assertThat(r.report().succeeded()).as(r.report().summary()).isTrue();
      r.monitor().assertRestored();
      assertThat(r.plan().warnings()).anyMatch(w -> w.contains("polling Tentacles"));
      assertThat(calls)
          .hasSize(2)
          .allMatch(
              c -> c.equals("octo-1->octo-1-clone maintenance=true sourceDecommissioned=false"));
      assertThat(cluster.host(id("octo-1")).decommissioned()).isTrue();
    }

    @Test
    void aCloneThatFailsVerificationIsStoppedAndTheSourceComesBack() {
      Octopus octopus = octopus(1);
      FakeCluster cluster = octopus.cluster;
      AtomicInteger attempts = new AtomicInteger();
      TentacleReRegistration broken =
          (source, clone) -> {
            attempts.incrementAndGet();
            throw new IllegalStateException("cannot reach the deployment targets");
          };

      Octopus.Rehearsal r =
          octopus.rehearse(
              OctopusProcedures.cloneAndMigrate(octopus.port, broken), WIN2022_NET8, true);

      assertThat(r.report().status()).isEqualTo(RunStatus.FAILED);
      assertThat(r.report().failed().get(id("octo-1")))
          .contains("cannot reach the deployment targets");
      assertThat(attempts.get()).isGreaterThan(1);
      r.monitor().assertRestored();
      assertThat(cluster.host(id("octo-1-clone")).serviceRunning()).isFalse();
      Node source = octopus.port.observe().node(id("octo-1"));
      assertThat(source.inService()).isTrue();
      assertThat(source.platform()).isEqualTo(Octopus.WIN2019);
      assertThat(cluster.observe().maintenanceMode()).isFalse();
      assertThat(requests(octopus, "DELETE", "/api")).isEmpty();
    }
  }

  @Nested
  class Presets {

    @Test
    void theHaHostUpgradeFollowsTheGuidesNumbers() {
      Octopus octopus = octopus(1);
      OctopusProcedure ha = OctopusProcedures.highAvailabilityHostUpgrade(octopus.port);
      Policy p = ha.policy();

      assertThat(ha.strategy()).isEqualTo(Strategy.rollingReplace());
      assertThat(p.trafficRamp()).containsExactly(20, 100);
      assertThat(p.trialTaskCap()).isEqualTo(5);
      assertThat(p.exclusiveTrial()).isTrue();
      assertThat(p.taskRamp()).containsExactly(1);
      assertThat(p.approveCanaries()).isTrue();
      assertThat(p.probes()).containsExactly(OctopusNodeProbe.DIRECT, OctopusTaskGate.NAME);
      assertThat(p.allowDowntime()).isFalse();
      assertThat(ha.probes())
          .extracting(pr -> pr.name())
          .containsExactly(OctopusNodeProbe.DIRECT, OctopusTaskGate.NAME);
      assertThat(String.join("\n", ha.notes()))
          .contains("SAME Octopus version", "Polling Tentacles");
    }

    @Test
    void presetsCanBeAdjustedAndStayConsistent() {
      Octopus octopus = octopus(1);
      OctopusProcedure quick =
          OctopusProcedures.highAvailabilityHostUpgrade(octopus.port)
              .withPolicy(b -> b.rampSoak(Duration.ofMinutes(5)).approveCanaries(false));

      assertThat(quick.policy().rampSoak()).isEqualTo(Duration.ofMinutes(5));
      assertThat(quick.policy().trafficRamp()).containsExactly(20, 100);
      assertThatThrownBy(
              () ->
                  OctopusProcedures.highAvailabilityHostUpgrade(octopus.port)
                      .withPolicy(b -> b.probes("not-registered")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("not-registered");
    }

    @Test
    void theSingleServerAndClonePresetsAcceptTheirPlannedDowntimeAndTheHaOnesDoNot() {
      Octopus octopus = octopus(1);

      assertThat(OctopusProcedures.singleServerPatching(octopus.port).policy().allowDowntime())
          .isTrue();
      assertThat(OctopusProcedures.cloneAndMigrate(octopus.port).policy().allowDowntime()).isTrue();
      assertThat(OctopusProcedures.cloneAndMigrate(octopus.port, (s, c) -> true).strategy())
          .isEqualTo(Strategy.cloneAndMigrate(true));
      assertThat(OctopusProcedures.cloneAndMigrate(octopus.port, (s, c) -> true).policy().probes())
          .containsExactly(OctopusNodeProbe.DIRECT);
      assertThat(OctopusProcedures.cloneAndMigrate(octopus.port, (s, c) -> true).policy().hooks())
          .containsExactly(
              new Policy.Hook(
                  "octopus-polling-tentacles", HookPoint.AFTER_VERIFY, java.util.Set.of()));
      assertThat(OctopusProcedures.highAvailabilityPatching(octopus.port).policy().allowDowntime())
          .isFalse();
      assertThat(OctopusProcedures.highAvailabilityPatching(octopus.port).policy().probes())
          .containsExactly(OctopusNodeProbe.API_ONLY);
    }
  }
}
