package io.upkeep.octopus;

import static io.upkeep.octopus.Octopus.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.upkeep.ClusterOperationException;
import io.upkeep.Secret;
import io.upkeep.TaskCap;
import io.upkeep.UnknownNodeException;
import io.upkeep.UpkeepException;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.http.HttpFault;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every way a request can go wrong, over real HTTP: what the adapter throws, and what it retries.
 */
class OctopusErrorsTest {

  static final String SUMMARY = "/api/octopusservernodes/summary";

  final Octopus octopus = new Octopus(Octopus.cluster(3));
  final FakeCluster cluster = octopus.cluster;
  final OctopusClusterPort port = octopus.port;

  @AfterEach
  void close() {
    octopus.close();
  }

  int count(String method, String path) {
    return (int)
        octopus.server.requests().stream()
            .filter(r -> r.method().equals(method) && r.path().equals(path))
            .count();
  }

  @Nested
  class Credentials {

    @Test
    void aWrongKeyIsAnInvalidKeyErrorThatSaysHowToFixItAndIsNotRetried() {
      try (OctopusClusterPort wrong =
          octopus.port(Secret.of("API-WRONGKEY0000000000000000"), b -> b)) {
        OctopusCredentialException e =
            catchThrowableOfType(OctopusCredentialException.class, wrong::observe);

        assertThat(e.problem()).isEqualTo(OctopusCredentialException.Problem.INVALID_API_KEY);
        assertThat(e.status()).isEqualTo(401);
        assertThat(e.retryable()).isFalse();
        assertThat(e.vendorMessage()).contains("valid API key");
        assertThat(e)
            .hasMessageContaining("rejected the API key")
            .hasMessageContaining("GET /api/octopusservernodes")
            .hasMessageContaining("My API Keys")
            .hasMessageContaining("Octopus said:")
            .hasMessageNotContaining("API-WRONGKEY");
        assertThat(octopus.server.requestCount()).isEqualTo(1);
      }
    }

    @Test
    void aKeyWhoseUserLacksAPermissionIsAMissingPermissionErrorAndChangesNothing() {
      try (OctopusClusterPort readOnly = octopus.port(Secret.of(Octopus.READ_ONLY_KEY), b -> b)) {
        assertThat(readOnly.observe().nodes()).hasSize(3);

        OctopusCredentialException e =
            catchThrowableOfType(
                OctopusCredentialException.class,
                () -> readOnly.setTaskCap(id("octo-1"), TaskCap.ZERO));

        assertThat(e.problem()).isEqualTo(OctopusCredentialException.Problem.MISSING_PERMISSION);
        assertThat(e.retryable()).isFalse();
        assertThat(e)
            .hasMessageContaining(
                "accepted the API key but refused PUT /api/octopusservernodes/OctopusServerNodes-1")
            .hasMessageContaining("Missing permission: ConfigureServer")
            .hasMessageContaining("System Administrator");
        assertThat(count("PUT", "/api/octopusservernodes/OctopusServerNodes-1")).isEqualTo(1);
        assertThat(cluster.node(id("octo-1")).orElseThrow().taskCap()).isEqualTo(TaskCap.of(5));
      }
    }

    @Test
    void theKeyCanComeFromAFile(@TempDir Path dir) throws Exception {
      Path file = dir.resolve("octopus-api-key");
      Files.writeString(file, octopus.server.apiKey() + "\n");
      try (OctopusClusterPort fromFile = octopus.port(Secret.fromFile(file), b -> b)) {
        assertThat(fromFile.observe().nodes()).hasSize(3);
      }
    }

    @Test
    void aKeyFromAnUnsetEnvironmentVariableIsAClearErrorAndNothingIsSent() {
      String variable = "UPKEEP_TEST_OCTOPUS_KEY_THAT_IS_NOT_SET";
      assertThat(System.getenv(variable)).isNull();
      try (OctopusClusterPort fromEnv = octopus.port(Secret.fromEnvironment(variable), b -> b)) {
        assertThatThrownBy(fromEnv::observe)
            .isInstanceOf(UpkeepException.class)
            .hasMessageContaining(variable)
            .hasMessageContaining("not set");
        assertThat(octopus.server.requestCount()).isZero();
      }
    }
  }

  @Nested
  class UnknownNodes {

    @Test
    void aNameOctopusDoesNotKnowIsAnUnknownNodeErrorListingTheKnownNames() {
      assertThatThrownBy(() -> port.setTaskCap(id("octo-9"), TaskCap.ZERO))
          .isInstanceOf(UnknownNodeException.class)
          .hasMessageContaining("octo-9")
          .hasMessageContaining("octo-1, octo-2, octo-3");
      assertThatThrownBy(() -> port.runningWork(id("octo-9")))
          .isInstanceOf(UnknownNodeException.class);
      assertThatThrownBy(() -> port.removeMember(id("octo-9")))
          .isInstanceOf(UnknownNodeException.class);
    }

    @Test
    void aNodeDeletedBehindTheAdaptersBackIsAnUnknownNodeErrorFromOctopussNotFound() {
      port.observe();
      cluster.stopService("stop", id("octo-3"));
      cluster.clock().sleep(Duration.ofMinutes(1));
      cluster.removeMember(id("octo-3"));

      UnknownNodeException e =
          catchThrowableOfType(
              UnknownNodeException.class, () -> port.setTaskCap(id("octo-3"), TaskCap.ZERO));

      assertThat(e.node()).isEqualTo(id("octo-3"));
      assertThat(e)
          .hasMessageContaining("404")
          .hasMessageContaining("GET /api/octopusservernodes/OctopusServerNodes-3")
          .hasMessageContaining("could not be found");
    }
  }

  @Nested
  class OctopusErrorBodies {

    @Test
    void theErrorMessageAndEachErrorAreInTheExceptionAndABadRequestIsNotRetried() {
      octopus.server.inject(
          HttpFault.respond(
                  400,
                  "{\"ErrorMessage\":\"There was a problem with your request.\","
                      + "\"Errors\":[\"MaxConcurrentTasks must be 0 or more\",\"Name is read-only\"]}",
                  1)
              .on("/api/maintenanceconfiguration"));

      OctopusApiException e =
          catchThrowableOfType(OctopusApiException.class, () -> port.setMaintenanceMode(true));

      assertThat(e.status()).isEqualTo(400);
      assertThat(e.retryable()).isFalse();
      assertThat(e.vendorMessage()).isEqualTo("There was a problem with your request.");
      assertThat(e).isInstanceOf(io.upkeep.http.ApiException.class);
      assertThat(e.method()).isEqualTo("GET");
      assertThat(e.path()).startsWith("/api/maintenanceconfiguration");
      assertThat(e.errors())
          .containsExactly("MaxConcurrentTasks must be 0 or more", "Name is read-only");
      assertThat(e)
          .hasMessageContaining("HTTP 400 to GET /api/maintenanceconfiguration")
          .hasMessageContaining(
              "There was a problem with your request.; MaxConcurrentTasks must be 0 or more; Name is read-only");
      assertThat(count("GET", "/api/maintenanceconfiguration")).isEqualTo(1);
      assertThat(cluster.observe().maintenanceMode()).isFalse();
    }

    @Test
    void aBodyThatIsNotJsonIsShownAsItIs() {
      octopus.server.inject(
          HttpFault.respond(502, "<html><body>502 Bad Gateway</body></html>", 3).on(SUMMARY));

      OctopusApiException e = catchThrowableOfType(OctopusApiException.class, port::observe);

      assertThat(e).hasMessageContaining("HTTP 502").hasMessageContaining("502 Bad Gateway");
      assertThat(e.retryable()).isTrue();
    }

    @Test
    void aNotFoundOutsideANodeSaysToCheckTheBaseUrl() {
      octopus.server.inject(HttpFault.status(404, 1).on("/api/octopusservernodes"));

      assertThatThrownBy(port::observe)
          .isInstanceOf(OctopusApiException.class)
          .hasMessageContaining("404")
          .hasMessageContaining("base URL");
    }
  }

  @Nested
  class MalformedAnswers {

    @Test
    void invalidJsonIsAClearErrorNamingTheRequestNotANullPointerException() {
      octopus.server.inject(HttpFault.malformedJson(1).on(SUMMARY));

      assertThatThrownBy(port::observe)
          .isInstanceOf(ClusterOperationException.class)
          .hasMessageContaining("malformed")
          .hasMessageContaining("GET " + SUMMARY)
          .satisfies(e -> assertThat(((ClusterOperationException) e).retryable()).isFalse());
    }

    @Test
    void aMissingFieldIsAClearErrorNamingTheField() {
      octopus.server.inject(
          HttpFault.respond(
                  200,
                  "{\"Nodes\":[{\"Id\":\"OctopusServerNodes-1\",\"Name\":\"octo-1\","
                      + "\"MaxConcurrentTasks\":5,\"IsInMaintenanceMode\":false}]}",
                  1)
              .on(SUMMARY));

      assertThatThrownBy(port::observe)
          .isInstanceOf(OctopusApiException.class)
          .hasMessageContaining("Nodes[OctopusServerNodes-1].IsOffline is missing");
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "null",
          "[]",
          "{\"Items\":null}",
          "{\"Items\":[{\"Id\":\"OctopusServerNodes-1\",\"Name\":null}]}",
          "{\"Items\":[{\"Id\":\"OctopusServerNodes-1\",\"Name\":\"octo-1\",\"MaxConcurrentTasks\":-1}]}",
          "{\"Items\":[{\"Id\":\"OctopusServerNodes-1\",\"Name\":\"octo-1\",\"MaxConcurrentTasks\":\"five\"}]}",
          ""
        })
    void anyUnreadableNodeListIsAClearError(String body) {
      octopus.server.inject(HttpFault.respond(200, body, 1).on("/api/octopusservernodes"));

      assertThatThrownBy(port::observe)
          .isInstanceOf(ClusterOperationException.class)
          .hasMessageContaining("malformed")
          .hasMessageContaining("/api/octopusservernodes");
    }

    @Test
    void aVersionThatIsNotAVersionIsAClearError() {
      octopus.server.inject(
          HttpFault.respond(
                  200,
                  "{\"Nodes\":[{\"Id\":\"OctopusServerNodes-1\",\"Name\":\"octo-1\","
                      + "\"MaxConcurrentTasks\":5,\"IsInMaintenanceMode\":false,"
                      + "\"IsOffline\":false,\"RunningTaskCount\":0,\"Version\":\"banana\"}]}",
                  1)
              .on(SUMMARY));

      assertThatThrownBy(port::observe)
          .isInstanceOf(OctopusApiException.class)
          .hasMessageContaining("'banana'")
          .hasMessageContaining("octo-1");
    }

    @Test
    void twoNodesWithOneNameAreRefused() {
      octopus.server.inject(
          HttpFault.respond(
                  200,
                  "{\"Nodes\":["
                      + "{\"Id\":\"OctopusServerNodes-1\",\"Name\":\"octo-1\",\"MaxConcurrentTasks\":5,\"IsInMaintenanceMode\":false,"
                      + "\"IsOffline\":false,\"RunningTaskCount\":0},"
                      + "{\"Id\":\"OctopusServerNodes-7\",\"Name\":\"octo-1\",\"MaxConcurrentTasks\":5,\"IsInMaintenanceMode\":false,"
                      + "\"IsOffline\":false,\"RunningTaskCount\":0}]}",
                  1)
              .on(SUMMARY));

      assertThatThrownBy(port::observe)
          .isInstanceOf(OctopusApiException.class)
          .hasMessageContaining("two Octopus nodes are named 'octo-1'")
          .hasMessageContaining("OctopusServerNodes-7");
    }
  }

  @Nested
  class Retries {

    @Test
    void serverErrorsAreRetriedUntilTheRequestSucceeds() {
      octopus.server.inject(HttpFault.status(503, 2).on(SUMMARY));

      assertThat(port.observe().nodes()).hasSize(3);
      assertThat(count("GET", SUMMARY)).isEqualTo(3);
    }

    @Test
    void tooManyRequestsIsRetried() {
      octopus.server.inject(HttpFault.status(429, 2).on(SUMMARY));

      assertThat(port.observe().nodes()).hasSize(3);
      assertThat(count("GET", SUMMARY)).isEqualTo(3);
    }

    @Test
    void serverErrorsThatOutlastEveryAttemptAreARetryableError() {
      octopus.server.inject(HttpFault.status(500, 3).on(SUMMARY));

      OctopusApiException e = catchThrowableOfType(OctopusApiException.class, port::observe);

      assertThat(e.retryable()).isTrue();
      assertThat(e.status()).isEqualTo(500);
      assertThat(e).hasMessageContaining("injected fault");
      assertThat(count("GET", SUMMARY)).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 403, 404, 405, 409, 418})
    void clientErrorsAreNeverRetried(int status) {
      octopus.server.inject(HttpFault.status(status, 1).on("/api/maintenanceconfiguration"));

      assertThatThrownBy(() -> port.setMaintenanceMode(true))
          .isInstanceOf(OctopusApiException.class)
          .satisfies(e -> assertThat(((OctopusApiException) e).retryable()).isFalse())
          .satisfies(e -> assertThat(((OctopusApiException) e).status()).isEqualTo(status));
      assertThat(count("GET", "/api/maintenanceconfiguration")).isEqualTo(1);
      assertThat(count("PUT", "/api/maintenanceconfiguration")).isZero();
    }

    @Test
    void aDroppedConnectionIsRetried() {
      octopus.server.inject(HttpFault.dropConnection(2).on(SUMMARY));

      assertThat(port.observe().nodes()).hasSize(3);
      assertThat(count("GET", SUMMARY)).isEqualTo(3);
    }

    @Test
    void aServerErrorDuringAChangeIsRetriedAndTheChangeIsAppliedOnce() {
      octopus.server.inject(
          HttpFault.status(503, 1).on("/api/octopusservernodes/OctopusServerNodes-1"));

      port.setTaskCap(id("octo-1"), TaskCap.of(2));

      assertThat(cluster.node(id("octo-1")).orElseThrow().taskCap()).isEqualTo(TaskCap.of(2));
      assertThat(count("GET", "/api/octopusservernodes/OctopusServerNodes-1")).isEqualTo(2);
      assertThat(count("PUT", "/api/octopusservernodes/OctopusServerNodes-1")).isEqualTo(1);
    }

    @Test
    void aSlowAnswerTimesOutAndIsRetried() {
      try (OctopusClusterPort impatient =
          octopus.port(
              Secret.of(octopus.server.apiKey()), b -> b.requestTimeout(Duration.ofMillis(100)))) {
        octopus.server.inject(HttpFault.latency(Duration.ofMillis(600), 1).on(SUMMARY));

        assertThat(impatient.observe().nodes()).hasSize(3);
        assertThat(count("GET", SUMMARY)).isEqualTo(2);
      }
    }

    @Test
    void anUnreachableServerIsARetryableErrorNamingTheAddress() {
      octopus.server.close();

      assertThatThrownBy(port::observe)
          .isInstanceOf(ClusterOperationException.class)
          .hasMessageContaining("cannot reach 127.0.0.1:" + octopus.base().getPort())
          .satisfies(e -> assertThat(((ClusterOperationException) e).retryable()).isTrue());
    }
  }
}
