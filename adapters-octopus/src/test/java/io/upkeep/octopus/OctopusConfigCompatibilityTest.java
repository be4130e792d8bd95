package io.upkeep.octopus;

import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.Secret;
import io.upkeep.http.Tls;
import io.upkeep.testkit.VirtualClock;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@link OctopusConfig} can gain settings without breaking its users: a final class without public
 * constructors, built only through its builder, with value equality and a {@code toString} that
 * shows no credential.
 */
class OctopusConfigCompatibilityTest {

  private static final URI BASE = URI.create("https://octopus.example.com");
  private static final Secret KEY = Secret.of("API-COMPATTEST000000000000000");
  private static final Secret TRUST_PASSWORD = Secret.of("trust-store-p4ss");
  private static final VirtualClock CLOCK = new VirtualClock(Instant.parse("2026-01-01T00:00:00Z"));
  private static final HostPlatformLookup LOOKUP = name -> Optional.empty();

  /** A configuration with every setting away from its default. */
  private static OctopusConfig everySettingChanged() {
    return OctopusConfig.builder(BASE, KEY)
        .spaces("Spaces-1,Spaces-2")
        .nodeUrl("octo-1", URI.create("https://octo-1.example.com"))
        .nodeUrlTemplate("https://{name}.octopus.example.com")
        .hostPlatform("Windows Server 2019", ".NET 6.0")
        .hostPlatform("octo-2", "Windows Server 2022", ".NET 8.0")
        .hostPlatforms(LOOKUP)
        .minimumCapacity(4)
        .pollInterval(Duration.ofSeconds(5))
        .pageSize(50)
        .virtualTime(CLOCK)
        .fastPollInterval(Duration.ofMillis(500))
        .maxAttempts(2)
        .tls(Tls.trustStore(Path.of("trust.p12"), TRUST_PASSWORD))
        .build();
  }

  @Test
  void isAFinalClassWithoutPublicConstructors() {
    assertThat(OctopusConfig.class.isRecord()).isFalse();
    assertThat(Modifier.isFinal(OctopusConfig.class.getModifiers())).isTrue();
    assertThat(OctopusConfig.class.getConstructors()).isEmpty();
  }

  @Test
  void toBuilderBuildsAnEqualConfiguration() {
    OctopusConfig c = everySettingChanged();

    assertThat(c.toBuilder().build()).isEqualTo(c).hasSameHashCodeAs(c).hasToString(c.toString());
    assertThat(c.toBuilder().pageSize(60).build().pageSize()).isEqualTo(60);
    assertThat(c.toBuilder().pageSize(60).build().nodeUrl("octo-1")).isEqualTo(c.nodeUrl("octo-1"));
    OctopusConfig defaults = OctopusConfig.builder(BASE, KEY).build();
    assertThat(defaults.toBuilder().build()).isEqualTo(defaults);
  }

  @Test
  void isEqualWhenEverySettingIs() {
    assertThat(everySettingChanged())
        .isEqualTo(everySettingChanged())
        .hasSameHashCodeAs(everySettingChanged())
        .isNotEqualTo(everySettingChanged().toBuilder().spaces("all").build())
        .isNotEqualTo(everySettingChanged().toBuilder().requestsPerSecond(3).build())
        .isNotEqualTo(
            everySettingChanged().toBuilder().fastPollInterval(Duration.ofSeconds(2)).build())
        .isNotEqualTo(
            OctopusConfig.builder(BASE, Secret.of("API-OTHER00000000000000000000")).build())
        .isNotEqualTo(null);
  }

  @Test
  void toStringShowsNeitherTheApiKeyNorTheTrustStorePassword() {
    String text = everySettingChanged().toString();

    assertThat(text)
        .startsWith("OctopusConfig[http=HttpSettings[baseUri=https://octopus.example.com")
        .contains(
            "apiKey=" + KEY,
            "spaces=Spaces-1,Spaces-2",
            "fastPollInterval=PT0.5S",
            "pageSize=50",
            "trustStorePassword=Optional[" + TRUST_PASSWORD)
        .doesNotContain("API-COMPATTEST", "trust-store-p4ss");
  }
}
