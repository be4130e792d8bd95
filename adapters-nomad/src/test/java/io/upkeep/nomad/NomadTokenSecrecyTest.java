package io.upkeep.nomad;

import static io.upkeep.nomad.NomadFixture.TOKEN;
import static io.upkeep.nomad.NomadFixture.id;
import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.RunReport;
import io.upkeep.Secret;
import io.upkeep.Strategy;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeTarget;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.http.HttpTransport;
import io.upkeep.testkit.http.HttpFault;
import io.upkeep.testkit.http.RecordedRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ACL token never shows: not in the log (every logger is at debug, HttpClient's header and wire
 * logs included, into the file {@code simplelogger.properties} names), not in exceptions, not in
 * the run's events, not in any {@code toString}. The run below goes through retries, a leader loss
 * and a refused write so that every path that writes a message is taken.
 */
class NomadTokenSecrecyTest {

  static final Path LOG = Path.of("target", "nomad-adapter-tests.log");

  @Test
  void theTokenNeverAppearsInLogsExceptionsEventsOrToString() throws IOException {
    List<String> seen = new ArrayList<>();
    List<UpgradeEvent> events = new CopyOnWriteArrayList<>();
    try (NomadFixture nomad =
        NomadFixture.builder()
            .servers(3)
            .clients(2)
            .server(
                b ->
                    b.token(
                        "reader",
                        "reader-secret-77",
                        "node:read",
                        "operator:read",
                        "namespace:read-job"))
            .build()) {
      nomad.server.inject(HttpFault.respond(503, "overloaded", 1).on("/v1/nodes"));
      nomad.server.inject(HttpFault.dropConnection(1).on("/v1/agent/members"));
      UpgradePlan plan =
          NomadProcedures.plan(
              UpgradePlanner.create(nomad.cluster.clock()),
              nomad.port,
              Strategy.inPlace(),
              UpgradeTarget.product("1.8.0"),
              NomadProcedures.policy(Duration.ofMinutes(10)).canaries(0).snapshots(false).build());
      RunReport report =
          NomadProcedures.executor(nomad.port, nomad.cluster)
              .listener(
                  e -> {
                    events.add(e);
                    if (e instanceof UpgradeEvent.StepStarted s
                        && s.unit().equals(id("server-2"))
                        && s.step().action() instanceof io.upkeep.Action.Upgrade) {
                      nomad.server.loseLeader(Duration.ofSeconds(40));
                    }
                  })
              .build()
              .start(plan)
              .execute();
      assertThat(report.succeeded()).as(report.summary()).isTrue();
      seen.add(report.toString());
      seen.add(report.summary());
      seen.add(plan.toText());
      seen.add(plan.toJson());
      events.forEach(
          e -> {
            seen.add(e.toString());
            seen.add(e.describe());
          });
      // Exceptions: a refused write (with the token that is known), a refused read (unknown token),
      // no leader.
      try (NomadClusterPort reader =
              NomadClusterPort.create(nomad.config().token(Secret.of("reader-secret-77")).build());
          NomadClusterPort stranger =
              NomadClusterPort.create(nomad.config().token(Secret.of(TOKEN + "-old")).build())) {
        reader.observe();
        seen.add(
            messageOf(
                () -> reader.drain(id("client-1"), nomad.cluster.clock().now().plusSeconds(60))));
        seen.add(messageOf(stranger::observe));
        seen.add(reader.toString());
        seen.add(stranger.toString());
        seen.add(stranger.config().toString());
      }
      nomad.server.loseLeader(Duration.ofSeconds(10));
      nomad
          .cluster
          .clock()
          .sleep(NomadConfig.DEFAULT_OBSERVATION_REUSE); // the last one stands no more
      seen.add(messageOf(nomad.port::observe));
      seen.add(nomad.port.toString());
      seen.add(nomad.port.config().toString());
      seen.add(nomad.port.raftHealthProbe().toString());
      seen.add(nomad.server.toString());
      nomad.server.requests().forEach(r -> seen.add(r.toString() + r.headers()));
      assertThat(nomad.server.requests())
          .allSatisfy(
              r -> {
                assertThat(r.header("X-Nomad-Token"))
                    .isPresent()
                    .get()
                    .isEqualTo(RecordedRequest.MASKED);
              });
      assertThat(nomad.server.requests())
          .extracting(RecordedRequest::principal)
          .contains("management", "reader", "unknown");
    }
    assertThat(seen)
        .hasSizeGreaterThan(40)
        .noneMatch(s -> s.contains(TOKEN))
        .noneMatch(s -> s.contains("reader-secret-77"));
    assertThat(String.join("\n", seen))
        .contains(
            "Permission denied",
            "ACL token not found",
            "No cluster leader",
            "Secret(from a value)");

    // Every line the module's tests have logged so far, this one's included.
    String log = Files.readString(LOG, StandardCharsets.UTF_8);
    assertThat(log)
        .as("the log captured the run, HttpClient's own loggers included")
        .contains(
            "GET /v1/nodes",
            "PUT /v1/node/",
            "No cluster leader",
            "DEBUG org.apache.hc.client5.http.impl.classic.",
            "DEBUG org.apache.hc.client5.http.headers - ",
            ">> X-Nomad-Token: " + HttpTransport.REDACTED);
    assertThat(log).doesNotContain(TOKEN).doesNotContain("reader-secret-77");
  }

  @Test
  void readsTheTokenFromAFileAndShowsOnlyWhereItComesFrom(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("nomad-token");
    Files.writeString(file, TOKEN + "\n");
    try (NomadFixture nomad = NomadFixture.of(1, 1);
        NomadClusterPort fromFile =
            NomadClusterPort.create(nomad.config().token(Secret.fromFile(file)).build())) {
      assertThat(fromFile.observe().ids()).contains(id("client-1"));
      assertThat(fromFile.toString()).contains("file " + file).doesNotContain(TOKEN);
      assertThat(nomad.server.requests())
          .extracting(RecordedRequest::principal)
          .contains("management");
    }
  }

  static String messageOf(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      return e + " / " + e.getMessage() + (e.getCause() == null ? "" : " / " + e.getCause());
    }
    throw new AssertionError("expected the call to fail");
  }
}
