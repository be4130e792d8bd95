package io.upkeep.testkit.http.nomad;

import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.Platform;
import io.upkeep.TaskCap;
import io.upkeep.http.ReadmeExamples;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.http.HttpFault;
import io.upkeep.testkit.http.RecordedRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * testkit/README.md's MockWebServer-style example: it compiles, it runs, and the README shows
 * exactly this code.
 */
class ReadmeExampleTest {

  @Test
  void theExampleRunsAndTheReadmeShowsThisVeryCode() throws Exception {
    // README-EXAMPLE-START
    FakeCluster cluster =
        FakeCluster.builder()
            .nodes(
                "server",
                3,
                n ->
                    n.role("server")
                        .voter(true)
                        .runsWork(false)
                        .taskCap(TaskCap.UNLIMITED)
                        .platform(Platform.of("Ubuntu 22.04", "", "1.7.7")))
            .build();
    try (FakeNomadServer nomad = FakeNomadServer.builder(cluster).acl("root-token").start()) {
      nomad.inject(
          HttpFault.status(503, 1).on("/v1/status/leader")); // the next leader query fails, once

      // The code under test, on a thread of its own: here the JDK's HTTP client.
      CompletableFuture<HttpResponse<String>> answer =
          HttpClient.newHttpClient()
              .sendAsync(
                  HttpRequest.newBuilder(URI.create(nomad.baseUrl() + "/v1/status/leader"))
                      .header("X-Nomad-Token", "root-token")
                      .build(),
                  HttpResponse.BodyHandlers.ofString());

      RecordedRequest leader =
          nomad.takeRequest(Duration.ofSeconds(10)).orElseThrow(); // waits for it
      assertThat(leader.requestLine()).isEqualTo("GET /v1/status/leader");
      assertThat(leader.status()).isEqualTo(503); // the fault answered it
      assertThat(leader.header("X-Nomad-Token"))
          .hasValue(RecordedRequest.MASKED); // never the secret
      assertThat(leader.principal()).isEqualTo("management"); // but whose it was
      assertThat(answer.get().statusCode()).isEqualTo(503);
      assertThat(nomad.requests("GET", "/v1/status")).hasSize(1);
    }
    // README-EXAMPLE-END

    ReadmeExamples.assertShown(
        Path.of("src/test/java/io/upkeep/testkit/http/nomad/ReadmeExampleTest.java"),
        Path.of("README.md"),
        15,
        60);
  }
}
