package io.upkeep.nomad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upkeep.Secret;
import io.upkeep.http.HttpSettings;
import io.upkeep.http.Tls;
import io.upkeep.spi.TimeSource;
import io.upkeep.testkit.VirtualClock;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class NomadConfigTest {

  static final URI ADDRESS = URI.create("https://nomad.example.com:4646");

  @Test
  void hasConservativeDefaults() {
    NomadConfig c = NomadConfig.ofDefaults(ADDRESS);
    assertThat(c.token()).isEmpty();
    assertThat(c.region()).isEmpty();
    assertThat(c.namespace()).isEqualTo("default");
    assertThat(c.time()).isSameAs(TimeSource.system());
    assertThat(c.blockingWait()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.maxMinorHops()).isEqualTo(1);
    assertThat(c.http().maxAttempts()).isEqualTo(4);
    assertThat(c.http().requestsPerSecond()).isEqualTo(20);
    assertThat(c.transferLeadership()).isTrue();
    assertThat(c.peersJsonRecovery()).isEmpty();
    assertThat(c.http().tls().verify()).isTrue();
  }

  @Test
  void theVirtualTimePresetSetsTheClockAndTakesAwayRealWaiting() {
    VirtualClock clock = new VirtualClock();

    NomadConfig c = NomadConfig.builder(ADDRESS).virtualTime(clock).build();

    assertThat(c.time()).isSameAs(clock);
    assertThat(c.blockingWait()).isZero();
    assertThat(c.http().initialBackoff()).isZero();
    assertThat(c.http().maxBackoff()).isZero();
    assertThat(c.http().requestsPerSecond())
        .isEqualTo(HttpSettings.VIRTUAL_TIME_REQUESTS_PER_SECOND);
    assertThat(c.pollInterval()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void validatesEachSettingAtOnce() {
    NomadConfig.Builder b = NomadConfig.builder(ADDRESS);
    assertThatThrownBy(() -> NomadConfig.builder(URI.create("nomad:4646")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NOMAD_ADDR");
    assertThatThrownBy(() -> b.token(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> b.region(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.maxAttempts(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxBackoff");
    assertThatThrownBy(() -> b.maxMinorHops(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.pollInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.blockingWait(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.requestsPerSecond(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.maxTrailingLogs(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void refusesAClientCertificateForAPlainHttpAddress() {
    Tls mutual =
        Tls.caCertificate(Path.of("ca.pem"))
            .withClientCertificate(Path.of("cli.pem"), Path.of("cli-key.pem"));
    assertThatThrownBy(
            () -> NomadConfig.builder(URI.create("http://nomad:4646")).tls(mutual).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("https://");
    assertThat(NomadConfig.builder(ADDRESS).tls(mutual).build().toString())
        .contains("with client certificate");
  }

  @Test
  void showsWhereTheTokenComesFromNeverTheToken() {
    NomadConfig c =
        NomadConfig.builder(ADDRESS).token(Secret.of("s3cr3t-token-value")).region("eu").build();
    assertThat(c.toString())
        .contains("Secret(from a value)", "region=eu")
        .doesNotContain("s3cr3t-token-value");
    assertThat(
            NomadConfig.builder(ADDRESS)
                .token(Secret.fromEnvironment("NOMAD_TOKEN"))
                .build()
                .toString())
        .contains("environment variable NOMAD_TOKEN");
  }
}
