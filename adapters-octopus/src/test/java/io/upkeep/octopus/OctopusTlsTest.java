package io.upkeep.octopus;

import static io.upkeep.octopus.Octopus.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.upkeep.ClusterOperationException;
import io.upkeep.Secret;
import io.upkeep.http.TestPki;
import io.upkeep.http.Tls;
import io.upkeep.spi.HealthProbe.ProbeResult;
import io.upkeep.testkit.http.octopus.FakeOctopusServer;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adapter over real HTTPS on localhost: the fake Octopus Server with a certificate from a test
 * CA made for this run, trusted through a PKCS#12 trust store as a Windows shop exports its CA.
 */
class OctopusTlsTest {

  static final TestPki PKI = TestPki.create("Upkeep test Octopus CA");
  static final Secret PASSWORD = Secret.of("trust-store-password");

  @TempDir Path dir;

  FakeOctopusServer server;
  OctopusClusterPort port;

  @AfterEach
  void close() {
    if (port != null) {
      port.close();
    }
    if (server != null) {
      server.close();
    }
  }

  void start(TestPki.Issued certificate, UnaryOperator<OctopusConfig.Builder> tune) {
    server =
        FakeOctopusServer.builder(Octopus.cluster(3)).tls(PKI.serverContext(certificate)).start();
    port =
        OctopusClusterPort.create(
            tune.apply(Octopus.config(server, Secret.of(server.apiKey()))).build());
  }

  Tls trustingTheTestCa() {
    return Tls.trustStore(PKI.writeTrustStore(dir.resolve("octopus-ca.p12"), PASSWORD), PASSWORD);
  }

  @Test
  void observesTheClusterAndChecksANodeOverHttpsWithTheCaTrusted() {
    start(PKI.server("127.0.0.1", "localhost"), c -> c.tls(trustingTheTestCa()));

    assertThat(server.baseUrl().getScheme()).isEqualTo("https");
    assertThat(port.observe().nodes()).hasSize(3);
    ProbeResult direct = port.nodeProbe().check(port.observe().node(id("octo-2")));
    assertThat(direct.passed()).as(direct.detail()).isTrue();
  }

  @Test
  void verificationIsOnByDefaultSoTheJdksCasDoNotTrustTheTestCa() {
    start(PKI.server("127.0.0.1"), c -> c);

    ClusterOperationException e =
        catchThrowableOfType(ClusterOperationException.class, port::observe);

    assertThat(e).hasMessageContaining("not trusted").hasMessageContaining("Tls.trustStore");
    assertThat(e.retryable()).as("only new settings help").isFalse();
    assertThat(server.requestCount()).as("refused before a request was sent").isZero();
  }

  @Test
  void aCertificateForAnotherNameIsRefusedByHostNameVerification() {
    start(PKI.server("octopus.example.com"), c -> c.tls(trustingTheTestCa()));

    ClusterOperationException e =
        catchThrowableOfType(ClusterOperationException.class, port::observe);

    assertThat(e)
        .hasMessageContaining("not for 127.0.0.1")
        .hasMessageContaining("octopus.example.com");
    assertThat(e.retryable()).isFalse();
    assertThat(server.requestCount()).isZero();
  }
}
