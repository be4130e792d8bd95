package io.upkeep.nomad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.upkeep.ClusterOperationException;
import io.upkeep.http.TestPki;
import io.upkeep.http.Tls;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adapter over real TLS on localhost, against the fake Nomad with {@code verify_https_client}:
 * certificates made by a test CA for this run, as Nomad's {@code ca_file}, {@code cert_file} and
 * {@code key_file} would be.
 */
class NomadTlsTest {

  static final TestPki PKI = TestPki.create("Upkeep test Nomad CA");

  @TempDir Path dir;

  NomadFixture nomad;

  @AfterEach
  void close() {
    if (nomad != null) {
      nomad.close();
    }
  }

  /**
   * The CA as {@code ca_file}, and the client's certificate and key as {@code cert_file} and {@code
   * key_file}.
   */
  Tls mutualTls() {
    TestPki.Issued client = PKI.client("upkeep");
    return Tls.caCertificate(PKI.writeCaPem(dir.resolve("nomad-ca.pem")))
        .withClientCertificate(
            client.writeCertificatePem(dir.resolve("cli.pem")),
            client.writeKeyPem(dir.resolve("cli-key.pem")));
  }

  /**
   * A fake Nomad with {@code context}'s certificate that requires a client certificate, and the
   * adapter with {@code tls}.
   */
  NomadFixture start(SSLContext context, Tls tls) {
    nomad =
        NomadFixture.builder()
            .server(b -> b.tls(context).verifyHttpsClient(true))
            .config(c -> c.tls(tls))
            .build();
    return nomad;
  }

  @Test
  void observesTheRegionOverMutualTls() {
    start(PKI.serverContext(PKI.server("127.0.0.1", "localhost")), mutualTls());

    assertThat(nomad.server.baseUrl().getScheme()).isEqualTo("https");
    assertThat(nomad.port.observe().nodes()).hasSize(5);
  }

  @Test
  void withoutAClientCertificateTheServerRefusesAndTheErrorSaysSo() {
    start(
        PKI.serverContext(PKI.server("127.0.0.1")),
        Tls.caCertificate(PKI.writeCaPem(dir.resolve("nomad-ca.pem"))));

    ClusterOperationException e =
        catchThrowableOfType(ClusterOperationException.class, nomad.port::observe);

    assertThat(e)
        .hasMessageContaining("127.0.0.1:" + nomad.server.baseUrl().getPort())
        .hasMessageContaining("client certificate")
        .hasMessageContaining("withClientCertificate");
  }

  @Test
  void aClientCertificateFromAnotherCaIsRefusedAndTheErrorNamesIt() {
    TestPki other = TestPki.create("Someone else's CA");
    TestPki.Issued client = other.client("upkeep");
    Path cert = client.writeCertificatePem(dir.resolve("cli.pem"));
    start(
        PKI.serverContext(PKI.server("127.0.0.1")),
        Tls.caCertificate(PKI.writeCaPem(dir.resolve("nomad-ca.pem")))
            .withClientCertificate(cert, client.writeKeyPem(dir.resolve("cli-key.pem"))));

    ClusterOperationException e =
        catchThrowableOfType(ClusterOperationException.class, nomad.port::observe);

    assertThat(e)
        .hasMessageContaining("dropped the connection")
        .hasMessageContaining("likely refused " + cert)
        .hasMessageContaining("a CA the server trusts");
  }

  @Test
  void aCertificateForAnotherNameIsRefusedByHostNameVerification() {
    start(PKI.serverContext(PKI.server("nomad.example.com")), mutualTls());

    ClusterOperationException e =
        catchThrowableOfType(ClusterOperationException.class, nomad.port::observe);

    assertThat(e)
        .hasMessageContaining("certificate")
        .hasMessageContaining("127.0.0.1")
        .hasMessageContaining("nomad.example.com");
    assertThat(e.retryable()).isFalse();
  }

  @Test
  void aServerCertificateFromAnotherCaIsNotTrusted() {
    TestPki other = TestPki.create("Someone else's CA");
    start(other.serverContext(other.server("127.0.0.1")), mutualTls());

    ClusterOperationException e =
        catchThrowableOfType(ClusterOperationException.class, nomad.port::observe);

    assertThat(e).hasMessageContaining("not trusted").hasMessageContaining("caCertificate");
    assertThat(e.retryable()).isFalse();
  }
}
