package io.upkeep.nomad;

import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.NodeId;
import io.upkeep.Secret;
import io.upkeep.http.Tls;
import io.upkeep.testkit.VirtualClock;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * {@link NomadConfig} can gain settings without breaking its users: a final class without public
 * constructors, built only through its builder, with value equality and a {@code toString} that
 * shows no credential.
 */
class NomadConfigCompatibilityTest {

  private static final URI ADDRESS = URI.create("https://nomad.example.com:4646");
  private static final Secret TOKEN = Secret.of("s3cr3t-compat-token");
  private static final Secret TRUST_PASSWORD = Secret.of("trust-store-p4ss");
  private static final VirtualClock CLOCK = new VirtualClock(Instant.parse("2026-01-01T00:00:00Z"));
  private static final PeersJsonHook PEERS_JSON = (node, peersJson) -> {};
  private static final Function<NodeId, String> SERVER_OS = id -> "ubuntu";

  /** A configuration with every setting away from its default. */
  private static NomadConfig everySettingChanged() {
    return NomadConfig.builder(ADDRESS)
        .region("eu")
        .namespace("*")
        .token(TOKEN)
        .tls(
            Tls.trustStore(Path.of("trust.p12"), TRUST_PASSWORD)
                .withClientCertificate(Path.of("c.pem"), Path.of("k.pem")))
        .virtualTime(CLOCK)
        .pollInterval(Duration.ofSeconds(3))
        .maxMinorHops(2)
        .ignoreSystemJobs(true)
        .activeWorkRefresh(Duration.ZERO)
        .forceLeaveAfter(Duration.ofMinutes(1))
        .maxTrailingLogs(10)
        .peersJsonRecovery(PEERS_JSON)
        .transferLeadership(false)
        .serverOs(SERVER_OS)
        .maxAttempts(2)
        .build();
  }

  @Test
  void isAFinalClassWithoutPublicConstructors() {
    assertThat(NomadConfig.class.isRecord()).isFalse();
    assertThat(Modifier.isFinal(NomadConfig.class.getModifiers())).isTrue();
    assertThat(NomadConfig.class.getConstructors()).isEmpty();
  }

  @Test
  void toBuilderBuildsAnEqualConfiguration() {
    NomadConfig c = everySettingChanged();

    assertThat(c.toBuilder().build()).isEqualTo(c).hasSameHashCodeAs(c).hasToString(c.toString());
    assertThat(c.toBuilder().maxMinorHops(3).build().region()).contains("eu");
    assertThat(NomadConfig.ofDefaults(ADDRESS).toBuilder().build())
        .isEqualTo(NomadConfig.ofDefaults(ADDRESS));
  }

  @Test
  void isEqualWhenEverySettingIs() {
    assertThat(everySettingChanged())
        .isEqualTo(everySettingChanged())
        .hasSameHashCodeAs(everySettingChanged())
        .isNotEqualTo(everySettingChanged().toBuilder().maxTrailingLogs(11).build())
        .isNotEqualTo(everySettingChanged().toBuilder().requestsPerSecond(3).build())
        .isNotEqualTo(
            everySettingChanged().toBuilder().token(Secret.of("s3cr3t-compat-token")).build())
        .isNotEqualTo(null);
  }

  @Test
  void toStringShowsNeitherTheTokenNorTheTrustStorePassword() {
    String text = everySettingChanged().toString();

    assertThat(text)
        .startsWith("NomadConfig[address=https://nomad.example.com:4646, region=eu, namespace=*")
        .contains("token=" + TOKEN, "with client certificate", "maxMinorHops=2")
        .doesNotContain("s3cr3t-compat-token", "trust-store-p4ss");
  }
}
