package io.upkeep.octopus;

import static io.upkeep.octopus.Octopus.id;
import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.Node;
import io.upkeep.Platform;
import io.upkeep.Secret;
import io.upkeep.spi.HealthProbe.ProbeResult;
import io.upkeep.testkit.http.HttpFault;
import io.upkeep.testkit.http.RecordedRequest;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The direct per-node check, against each fake node's own address. */
class OctopusNodeProbeTest {

  final Octopus octopus = new Octopus(Octopus.cluster(3));
  final OctopusNodeProbe probe = octopus.port.nodeProbe();

  @AfterEach
  void close() {
    octopus.close();
  }

  Node node(String name) {
    return octopus.port.observe().node(id(name));
  }

  @Test
  void passesWhenTheNodeAnswersOnItsOwnAddressAndNamesItself() {
    Node octo2 = node("octo-2");
    int before = octopus.server.requestCount();
    ProbeResult r = probe.check(octo2);

    assertThat(r.passed()).as(r.detail()).isTrue();
    assertThat(r.detail()).contains("octo-2", "ping 200", "2024.1.10309", "Octopus-Node");
    assertThat(
            octopus.server.requests().stream()
                .skip(before)
                .filter(q -> q.target().equals("octo-2"))
                .map(RecordedRequest::path))
        .containsExactly("/api/octopusservernodes/ping", "/api");
    assertThat(probe.name()).isEqualTo(OctopusNodeProbe.DIRECT);
  }

  @Test
  void aDrainedNodeDoesNotPassBecauseItsPingAnswers418ButTheApiProbeAcceptsIt() {
    octopus.cluster.drain(id("octo-1"), Instant.MAX);

    ProbeResult direct = probe.check(node("octo-1"));
    ProbeResult api = octopus.port.nodeApiProbe().check(node("octo-1"));

    assertThat(direct.passed()).isFalse();
    assertThat(direct.detail()).contains("418", "drained");
    assertThat(api.passed()).as(api.detail()).isTrue();
    assertThat(octopus.port.nodeApiProbe().name()).isEqualTo(OctopusNodeProbe.API_ONLY);
  }

  @Test
  void aStoppedNodeCannotBeReached() {
    Node octo3 = node("octo-3");
    octopus.cluster.stopService("stop", id("octo-3"));
    octopus.cluster.clock().sleep(Duration.ofMinutes(1));

    ProbeResult r = probe.check(octo3);

    assertThat(r.passed()).isFalse();
    assertThat(r.detail())
        .contains("cannot reach octo-3", "/node/octo-3/api/octopusservernodes/ping");
  }

  @Test
  void anAddressThatReachesAnotherNodeDoesNotPass() {
    try (OctopusClusterPort misconfigured =
        octopus.port(
            Secret.of(octopus.server.apiKey()),
            b -> b.nodeUrl("octo-1", octopus.server.nodeUrl("octo-2")))) {
      ProbeResult r = misconfigured.nodeProbe().check(node("octo-1"));

      assertThat(r.passed()).isFalse();
      assertThat(r.detail()).contains("answered by node 'octo-2'", "not octo-1", "own address");
    }
  }

  @Test
  void theLoadBalancersAddressDoesNotPassForANodeItDoesNotSendTo() {
    try (OctopusClusterPort misconfigured =
        octopus.port(
            Secret.of(octopus.server.apiKey()), b -> b.nodeUrl("octo-3", octopus.base()))) {
      ProbeResult r = misconfigured.nodeProbe().check(node("octo-3"));

      assertThat(r.passed()).isFalse();
      assertThat(r.detail()).contains("answered by node 'octo-1'");
    }
  }

  @Test
  void aNodeWithoutAConfiguredAddressDoesNotPassAndSaysWhatToConfigure() {
    try (OctopusClusterPort noUrls =
        OctopusClusterPort.create(
            OctopusConfig.builder(octopus.base(), Secret.of(octopus.server.apiKey()))
                .time(octopus.cluster.clock())
                .build())) {
      ProbeResult r = noUrls.nodeProbe().check(node("octo-1"));

      assertThat(r.passed()).isFalse();
      assertThat(r.detail()).contains("nodeUrl(\"octo-1\"", "nodeUrlTemplate");
    }
  }

  @Test
  void anAnswerWithoutTheOctopusNodeHeaderDoesNotPass() {
    octopus.server.inject(
        HttpFault.respond(200, "{\"Name\":\"octo-1\"}", 1).on("/api/octopusservernodes/ping"));

    ProbeResult r = probe.check(node("octo-1"));

    assertThat(r.passed()).isFalse();
    assertThat(r.detail()).contains("without an Octopus-Node header");
  }

  @Test
  void aNodeAnsweringAnotherVersionThanTheClusterReportsDoesNotPass() {
    Node octo1 = node("octo-1");
    Node expectedNewer =
        octo1.withPlatform(Platform.of("Windows Server 2019", ".NET 6.0", "2024.2.100"));

    ProbeResult r = probe.check(expectedNewer);

    assertThat(r.passed()).isFalse();
    assertThat(r.detail()).contains("answers as Octopus 2024.1.10309", "reports 2024.2.100");
  }

  @Test
  void aServerErrorOnTheNodeDoesNotPass() {
    Node octo1 = node("octo-1");
    octopus.server.inject(HttpFault.status(500, 3).on("/api"));

    ProbeResult r = octopus.port.nodeApiProbe().check(octo1);

    assertThat(r.passed()).isFalse();
    assertThat(r.detail()).contains("HTTP 500");
  }
}
