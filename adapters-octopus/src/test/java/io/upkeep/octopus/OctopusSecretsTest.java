package io.upkeep.octopus;

import static io.upkeep.octopus.Octopus.id;
import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.Secret;
import io.upkeep.TaskCap;
import io.upkeep.UpgradeTarget;
import io.upkeep.http.HttpTransport;
import io.upkeep.testkit.http.HttpFault;
import io.upkeep.testkit.http.RecordedRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The API key never shows: not in a log line (every logger is at debug in these tests, HttpClient's
 * header and wire logs included, into the file {@code simplelogger.properties} names), nor on the
 * console, an exception, an event, a plan, a run's state, or any {@code toString}.
 */
class OctopusSecretsTest {

  static final Path LOG = Path.of("target", "octopus-adapter-tests.log");

  static final String WRONG_KEY = "API-NOTTHEKEY00000000000000000";

  /** Writes to both streams: what the test sees, and where the output would have gone. */
  static PrintStream tee(PrintStream original, ByteArrayOutputStream copy) {
    return new PrintStream(
        new OutputStream() {
          @Override
          public void write(int b) {
            original.write(b);
            copy.write(b);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            original.write(b, off, len);
            copy.write(b, off, len);
          }
        },
        true,
        StandardCharsets.UTF_8);
  }

  static String render(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return t + "\n" + w;
  }

  @Test
  void theApiKeyAppearsInNoLogLineExceptionEventPlanStateOrToString() throws IOException {
    ByteArrayOutputStream logged = new ByteArrayOutputStream();
    PrintStream err = System.err;
    PrintStream out = System.out;
    System.setErr(tee(err, logged));
    System.setOut(tee(out, logged));
    List<String> shown = new ArrayList<>();
    String key;
    try (Octopus octopus = new Octopus(Octopus.cluster(1))) {
      key = octopus.server.apiKey();

      // A whole run, with its events, plan, state and report.
      Octopus.Rehearsal r =
          octopus.rehearse(
              OctopusProcedures.singleServerPatching(octopus.port),
              UpgradeTarget.os("Windows Server 2019 (2026-11 patches)"),
              true);
      assertThat(r.report().succeeded()).as(r.report().summary()).isTrue();
      r.events()
          .forEach(
              e -> {
                shown.add(e.describe());
                shown.add(e.toString());
              });
      shown.add(r.plan().toText());
      shown.add(r.plan().toJson());
      shown.add(r.run().state().toJson());
      shown.add(r.report().toString());

      // Failures of every kind, logged by the transport and thrown to the caller.
      octopus.server.inject(HttpFault.status(503, 2).on("/api/octopusservernodes/summary"));
      octopus.server.inject(HttpFault.dropConnection(1).on("/api/maintenanceconfiguration"));
      octopus.port.observe();
      octopus.server.inject(HttpFault.malformedJson(1).on("/api/octopusservernodes/summary"));
      shown.add(render(catchIt(octopus.port::observe)));
      try (OctopusClusterPort wrong = octopus.port(Secret.of(WRONG_KEY), b -> b);
          OctopusClusterPort readOnly = octopus.port(Secret.of(Octopus.READ_ONLY_KEY), b -> b)) {
        shown.add(render(catchIt(wrong::observe)));
        shown.add(render(catchIt(() -> readOnly.setTaskCap(id("octo-1"), TaskCap.ZERO))));
        shown.add(wrong.toString());
        shown.add(wrong.config().toString());
      }

      // Everything that has a toString.
      shown.add(octopus.port.toString());
      shown.add(octopus.port.config().toString());
      shown.add(octopus.port.config().apiKey().toString());
      shown.add(octopus.port.nodeProbe().toString());
      shown.add(OctopusProcedures.highAvailabilityHostUpgrade(octopus.port).toString());
      shown.add(octopus.server.requests().toString());

      assertThat(octopus.server.requests())
          .allSatisfy(
              q ->
                  assertThat(q.header("X-Octopus-ApiKey"))
                      .as("the key was sent, and recorded masked")
                      .hasValue(RecordedRequest.MASKED));
    } finally {
      System.setErr(err);
      System.setOut(out);
    }

    // Every line the module's tests have logged so far, this one's included, and what went to the
    // console.
    String log =
        Files.readString(LOG, StandardCharsets.UTF_8) + logged.toString(StandardCharsets.UTF_8);
    assertThat(log)
        .as("the debug log was captured, HttpClient's own included")
        .contains(
            "GET /api/octopusservernodes/summary -> 503",
            "io.upkeep.run",
            "cluster maintenance mode on",
            "DEBUG org.apache.hc.client5.http.impl.classic.",
            "DEBUG org.apache.hc.client5.http.headers - ",
            ">> X-Octopus-ApiKey: " + HttpTransport.REDACTED);
    assertThat(shown).hasSizeGreaterThan(20);
    for (String secret : List.of(key, WRONG_KEY, Octopus.READ_ONLY_KEY)) {
      assertThat(log).as("log").doesNotContain(secret);
      assertThat(shown)
          .as("exceptions, events, plans, states and toString")
          .allSatisfy(s -> assertThat(s).doesNotContain(secret));
    }
  }

  static Throwable catchIt(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      return e;
    }
    throw new AssertionError("expected a failure");
  }
}
