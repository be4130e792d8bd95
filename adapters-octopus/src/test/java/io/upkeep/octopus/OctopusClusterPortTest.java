package io.upkeep.octopus;

import static io.upkeep.octopus.Octopus.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upkeep.ClusterOperationException;
import io.upkeep.ClusterSnapshot;
import io.upkeep.Constraints;
import io.upkeep.DrainState;
import io.upkeep.Health;
import io.upkeep.Node;
import io.upkeep.Platform;
import io.upkeep.Secret;
import io.upkeep.TaskCap;
import io.upkeep.Version;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.http.HttpFault;
import io.upkeep.testkit.http.RecordedRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The adapter against the fake Octopus Server over real HTTP: what it observes and what it changes.
 */
class OctopusClusterPortTest {

  final Octopus octopus = new Octopus(Octopus.cluster(3));
  final FakeCluster cluster = octopus.cluster;
  final OctopusClusterPort port = octopus.port;

  @AfterEach
  void close() {
    octopus.close();
  }

  void stop(String name) {
    cluster.stopService("stop-" + name, id(name));
    cluster.clock().sleep(Duration.ofMinutes(1));
  }

  List<RecordedRequest> requests(String method, String pathPrefix) {
    return octopus.server.requests().stream()
        .filter(r -> r.method().equals(method) && r.path().startsWith(pathPrefix))
        .toList();
  }

  @Nested
  class Observing {

    @Test
    void seesEveryNodeByNameWithItsTaskCapDrainStateHealthRunningTasksAndPlatform() {
      port.observe(); // every node online reports its OS and .NET; octo-3's stay known once it
      // stops
      cluster.drain(id("octo-2"), cluster.clock().now().plus(Duration.ofHours(1)));
      stop("octo-3");

      ClusterSnapshot seen = port.observe();

      assertThat(seen.nodes()).isEqualTo(cluster.observe().nodes());
      assertThat(seen.observedAt()).isEqualTo(cluster.clock().now());
      Node octo1 = seen.node(id("octo-1"));
      assertThat(octo1.role()).isEqualTo(OctopusClusterPort.ROLE);
      assertThat(octo1.platform()).isEqualTo(Octopus.WIN2019);
      assertThat(octo1.taskCap()).isEqualTo(TaskCap.of(5));
      assertThat(octo1.runningWork()).isPositive();
      assertThat(octo1.leader() || octo1.voter()).isFalse();
      assertThat(seen.node(id("octo-2")).drainState()).isEqualTo(DrainState.DRAINING);
      assertThat(seen.node(id("octo-3")).health()).isEqualTo(Health.UNREACHABLE);
    }

    @Test
    void aDrainedNodeWithNoTaskLeftIsDrained() {
      cluster.drain(id("octo-2"), cluster.clock().now().plus(Duration.ofHours(1)));
      cluster.setTaskCap(id("octo-1"), TaskCap.of(50));
      cluster.clock().sleep(Duration.ofMinutes(10));

      assertThat(port.observe().node(id("octo-2")).drainState()).isEqualTo(DrainState.DRAINED);
    }

    @Test
    void observesWithTheSummaryAndMaintenanceModeAloneOnceTheNodesReportedTheirPlatform() {
      port.observe();
      int sent = octopus.server.requestCount();

      assertThat(port.observe().nodes()).isEqualTo(cluster.observe().nodes());

      assertThat(octopus.server.requests().subList(sent, octopus.server.requestCount()))
          .extracting(RecordedRequest::requestLine)
          .containsExactly(
              "GET /api/octopusservernodes/summary", "GET /api/maintenanceconfiguration");
    }

    @Test
    void readsEveryPageOfTheNodeListToFindANodeNotObservedYet() {
      try (Octopus five = new Octopus(Octopus.cluster(5), b -> b.pageSize(2))) {
        five.port.setTaskCap(id("octo-5"), TaskCap.of(3));

        assertThat(five.cluster.node(id("octo-5")).orElseThrow().taskCap())
            .isEqualTo(TaskCap.of(3));
        assertThat(
                five.server.requests().stream()
                    .filter(r -> r.path().equals("/api/octopusservernodes"))
                    .map(RecordedRequest::query))
            .containsExactly("skip=0&take=2", "skip=2&take=2", "skip=4&take=2");
      }
    }

    @Test
    void reportsClusterMaintenanceMode() {
      assertThat(port.observe().maintenanceMode()).isFalse();
      cluster.setMaintenanceMode(true);
      assertThat(port.observe().maintenanceMode()).isTrue();
    }

    @Test
    void takesTheOsAndDotNetFromTheConfigurationWhenNoLookupIsGiven() {
      OctopusConfig config =
          OctopusConfig.builder(octopus.base(), Secret.of(octopus.server.apiKey()))
              .hostPlatform("Windows Server 2019", ".NET 6.0")
              .hostPlatform("octo-2", "Windows Server 2022", ".NET 8.0")
              .time(cluster.clock())
              .backoff(Duration.ZERO, Duration.ZERO)
              .build();
      try (OctopusClusterPort configured = OctopusClusterPort.create(config)) {
        ClusterSnapshot seen = configured.observe();

        assertThat(seen.node(id("octo-1")).platform()).isEqualTo(Octopus.WIN2019);
        assertThat(seen.node(id("octo-2")).platform())
            .isEqualTo(Platform.of("Windows Server 2022", ".NET 8.0", "2024.1.10309"));
      }
    }

    /** A summary entry of an older server: no {@code Version}. */
    String node(int n) {
      return "{\"Id\":\"OctopusServerNodes-"
          + n
          + "\",\"Name\":\"octo-"
          + n
          + "\",\"MaxConcurrentTasks\":5,\"IsInMaintenanceMode\":false,\"IsOffline\":false,"
          + "\"RunningTaskCount\":2}";
    }

    @Test
    void takesTheVersionFromTheRootDocumentWhenTheSummaryHasNone() {
      octopus.server.inject(
          HttpFault.respond(200, "{\"Nodes\":[" + node(1) + "," + node(2) + "," + node(3) + "]}", 1)
              .on("/api/octopusservernodes/summary"));

      ClusterSnapshot seen = port.observe();

      assertThat(seen.nodes())
          .allMatch(n -> n.platform().product().equals(Version.of("2024.1.10309")));
      assertThat(requests("GET", "/api").stream().filter(r -> r.path().equals("/api"))).hasSize(1);
    }
  }

  @Nested
  class Changes {

    @Test
    void setsTheTaskCapByPuttingTheWholeResourceBackWithZeroSentExplicitly() {
      port.setTaskCap(id("octo-1"), TaskCap.ZERO);

      assertThat(cluster.node(id("octo-1")).orElseThrow().taskCap()).isEqualTo(TaskCap.ZERO);
      List<RecordedRequest> calls =
          octopus.server.requests().stream()
              .filter(r -> r.path().startsWith("/api/octopusservernodes/OctopusServerNodes-1"))
              .toList();
      assertThat(calls).extracting(RecordedRequest::method).containsExactly("GET", "PUT");
      String body = calls.get(1).body();
      assertThat(body)
          .contains(
              "\"MaxConcurrentTasks\":0",
              "\"IsInMaintenanceMode\":false",
              "\"Id\":\"OctopusServerNodes-1\"",
              "\"Name\":\"octo-1\"",
              "\"Links\"");
      assertThat(calls.get(1).header("Content-Type"))
          .hasValueSatisfying(t -> assertThat(t).contains("application/json"));
    }

    @Test
    void askingForTheCapANodeAlreadyHasSendsNoPut() {
      port.setTaskCap(id("octo-1"), TaskCap.of(5));

      assertThat(requests("PUT", "/api")).isEmpty();
    }

    @Test
    void drainsAndUndrainsThroughTheNodesMaintenanceFlagKeepingItsTaskCap() {
      port.drain(id("octo-2"), Instant.MAX);

      assertThat(cluster.node(id("octo-2")).orElseThrow().drainState())
          .isEqualTo(DrainState.DRAINING);
      assertThat(requests("PUT", "/api/octopusservernodes/OctopusServerNodes-2"))
          .singleElement()
          .satisfies(
              r ->
                  assertThat(r.body())
                      .contains("\"IsInMaintenanceMode\":true", "\"MaxConcurrentTasks\":5"));

      port.undrain(id("octo-2"));

      Node octo2 = cluster.node(id("octo-2")).orElseThrow();
      assertThat(octo2.drainState()).isEqualTo(DrainState.ACTIVE);
      assertThat(octo2.taskCap()).isEqualTo(TaskCap.of(5));
    }

    @Test
    void turnsClusterMaintenanceModeOnAndOffByPuttingTheConfigurationBack() {
      port.setMaintenanceMode(true);
      assertThat(cluster.observe().maintenanceMode()).isTrue();
      assertThat(requests("PUT", "/api/maintenanceconfiguration"))
          .singleElement()
          .satisfies(r -> assertThat(r.body()).contains("\"IsInMaintenanceMode\":true"));

      port.setMaintenanceMode(true);
      port.setMaintenanceMode(false);

      assertThat(cluster.observe().maintenanceMode()).isFalse();
      assertThat(requests("PUT", "/api/maintenanceconfiguration")).hasSize(2);
    }

    @Test
    void refusesAnUnlimitedTaskCapBecauseOctopusCapsAreFinite() {
      assertThatThrownBy(() -> port.setTaskCap(id("octo-1"), TaskCap.UNLIMITED))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("TaskCap.of(5)");
      assertThat(octopus.server.requestCount()).isZero();
    }
  }

  @Nested
  class RunningWork {

    @Test
    void countsExecutingAndCancellingTasksOfTheNodeInEverySpaceAndTheSystem() {
      cluster.submitTask(
          Duration.ofMinutes(
              5)); // a third task on octo-1, so it runs one in each of two spaces and the system
      int running = cluster.node(id("octo-1")).orElseThrow().runningWork();
      assertThat(running).isGreaterThanOrEqualTo(3);

      assertThat(port.runningWork(id("octo-1"))).isEqualTo(running);
      RecordedRequest tasks = requests("GET", "/api/tasks").get(0);
      assertThat(tasks.query())
          .contains(
              "node=OctopusServerNodes-1",
              "states=Executing,Cancelling",
              "spaces=all",
              "includeSystem=true",
              "take=0");
    }

    @Test
    void countsOnlyTheConfiguredSpacesWhenToldTo() {
      try (OctopusClusterPort oneSpace =
          octopus.port(Secret.of(octopus.server.apiKey()), b -> b.spaces("Spaces-1"))) {
        assertThat(oneSpace.runningWork(id("octo-1")))
            .isLessThan(cluster.node(id("octo-1")).orElseThrow().runningWork());
      }
    }
  }

  @Nested
  class Removing {

    @Test
    void refusesANodeThatIsOnlineAndNotDrainedAndDeletesNothing() {
      assertThatThrownBy(() -> port.removeMember(id("octo-1")))
          .isInstanceOf(ClusterOperationException.class)
          .hasMessageContaining("octo-1")
          .hasMessageContaining("not drained")
          .hasMessageContaining("stop its Octopus Server")
          .satisfies(e -> assertThat(((ClusterOperationException) e).retryable()).isFalse());
      assertThat(requests("DELETE", "/api")).isEmpty();
    }

    @Test
    void refusesANodeThatIsDrainedButStillRunsTasks() {
      cluster.drain(id("octo-1"), Instant.MAX);

      assertThatThrownBy(() -> port.removeMember(id("octo-1"))).hasMessageContaining("still runs");
      assertThat(requests("DELETE", "/api")).isEmpty();
    }

    @Test
    void deletesTheRecordOfAStoppedNodeAndRemovingItAgainChangesNothing() {
      stop("octo-3");

      port.removeMember(id("octo-3"));
      port.removeMember(id("octo-3"));

      assertThat(cluster.node(id("octo-3"))).isEmpty();
      assertThat(requests("DELETE", "/api"))
          .extracting(RecordedRequest::path)
          .containsExactly("/api/octopusservernodes/OctopusServerNodes-3");
      assertThat(port.observe().ids())
          .extracting(n -> n.value())
          .containsExactly("octo-1", "octo-2");
    }

    @Test
    void deletesADrainedIdleNode() {
      cluster.drain(id("octo-2"), Instant.MAX);
      cluster.setTaskCap(id("octo-1"), TaskCap.of(50));
      cluster.clock().sleep(Duration.ofMinutes(10));

      port.removeMember(id("octo-2"));

      assertThat(cluster.node(id("octo-2"))).isEmpty();
    }
  }

  @Nested
  class Waiting {

    @Test
    void pollsThroughTheTimeSourceAndWakesWhenTheClusterChanges() {
      ClusterSnapshot since = port.observe();
      Instant before = cluster.clock().now();

      boolean changed = port.awaitChange(since, Duration.ofHours(1));

      assertThat(changed).isTrue();
      Duration waited = Duration.between(before, cluster.clock().now());
      assertThat(waited)
          .isGreaterThanOrEqualTo(OctopusConfig.DEFAULT_POLL_INTERVAL)
          .isLessThan(Duration.ofHours(1));
      assertThat(waited.toMillis() % OctopusConfig.DEFAULT_POLL_INTERVAL.toMillis()).isZero();
    }

    @Test
    void returnsFalseAfterTheWaitWhenNothingChanged() {
      FakeCluster idle =
          FakeCluster.builder()
              .nodes("octo", 2, n -> n.role("octopus-node").platform(Octopus.WIN2019))
              .build();
      try (Octopus quiet = new Octopus(idle)) {
        ClusterSnapshot since = quiet.port.observe();
        Instant before = idle.clock().now();

        assertThat(quiet.port.awaitChange(since, Duration.ofSeconds(50))).isFalse();
        assertThat(Duration.between(before, idle.clock().now())).isEqualTo(Duration.ofSeconds(50));
        assertThat(quiet.server.requests("GET", "/api/octopusservernodes/summary").size())
            .isEqualTo(1 + 3);
      }
    }

    @Test
    void theObservationThatEndedAWaitServesTheNextObserveWhileNoTimePasses() {
      ClusterSnapshot since = port.observe();
      port.awaitChange(since, Duration.ofMinutes(5));
      int sent = octopus.server.requestCount();

      ClusterSnapshot next = port.observe();

      assertThat(octopus.server.requestCount()).isEqualTo(sent);
      assertThat(next.nodes()).isEqualTo(cluster.observe().nodes());
      port.observe();
      assertThat(octopus.server.requestCount()).as("only once").isGreaterThan(sent);
    }

    @Test
    void refusesANegativeWait() {
      ClusterSnapshot since = port.observe();
      assertThatThrownBy(() -> port.awaitChange(since, Duration.ofSeconds(-1)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void hasNoConstraintsButTheConfiguredMinimumCapacity() {
    assertThat(port.constraints()).isEqualTo(Constraints.NONE);
    try (OctopusClusterPort capped =
        octopus.port(Secret.of(octopus.server.apiKey()), b -> b.minimumCapacity(10))) {
      assertThat(capped.constraints().minimumCapacity()).isEqualTo(10);
      assertThat(capped.constraints().quorumRoles()).isEmpty();
    }
  }

  @Test
  void readsTheProductVersionFromTheRootDocument() {
    assertThat(port.productVersion()).isEqualTo(Version.of("2024.1.10309"));
  }
}
