package io.upkeep.octopus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upkeep.Secret;
import io.upkeep.http.HttpSettings;
import io.upkeep.http.Tls;
import io.upkeep.testkit.VirtualClock;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The configuration validates eagerly and says what to do. */
class OctopusConfigTest {

  static final URI BASE = URI.create("https://octopus.example.com");
  static final Secret KEY = Secret.of("API-CONFIGTEST0000000000000000");

  OctopusConfig.Builder builder() {
    return OctopusConfig.builder(BASE, KEY);
  }

  @Test
  void hasConservativeDefaults() {
    OctopusConfig c = builder().build();

    assertThat(c.baseUrl()).isEqualTo(BASE);
    assertThat(c.spaces()).isEqualTo("all");
    assertThat(c.pollInterval()).isEqualTo(Duration.ofSeconds(20));
    assertThat(c.fastPollInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.pageSize()).isEqualTo(100);
    assertThat(c.minimumCapacity()).isZero();
    assertThat(c.http().tls()).isEqualTo(Tls.system());
    assertThat(c.http().maxAttempts()).isEqualTo(HttpSettings.DEFAULT_MAX_ATTEMPTS);
    assertThat(c.http().requestsPerSecond()).isEqualTo(HttpSettings.DEFAULT_REQUESTS_PER_SECOND);
    assertThat(c.hostPlatformOf("octo-1")).isEqualTo(HostPlatform.UNKNOWN);
    assertThat(c.nodeUrl("octo-1")).isEmpty();
  }

  @Test
  void theVirtualTimePresetSetsTheClockAndTakesAwayRealWaiting() {
    VirtualClock clock = new VirtualClock();

    OctopusConfig c = builder().virtualTime(clock).build();

    assertThat(c.time()).isSameAs(clock);
    assertThat(c.http().initialBackoff()).isZero();
    assertThat(c.http().maxBackoff()).isZero();
    assertThat(c.http().requestsPerSecond())
        .isEqualTo(HttpSettings.VIRTUAL_TIME_REQUESTS_PER_SECOND);
    assertThat(c.fastPollInterval()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void refusesMissingAndBadValuesNamingTheFix() {
    assertThatThrownBy(() -> OctopusConfig.builder(BASE, null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(
            () -> OctopusConfig.builder(URI.create("https://octopus.example.com/api"), KEY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'https://octopus.example.com'");
    assertThatThrownBy(() -> OctopusConfig.builder(URI.create("octopus.example.com"), KEY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("absolute http or https");
    assertThatThrownBy(() -> builder().nodeUrlTemplate("https://octo.example.com"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("{name}");
    assertThatThrownBy(() -> builder().nodeUrl("octo-1", URI.create("ftp://octo-1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("octo-1");
    assertThatThrownBy(() -> builder().pageSize(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder().minimumCapacity(-1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder().pollInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder().fastPollInterval(Duration.ofMillis(99)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fastPollInterval must be at least 100 ms")
        .hasMessageContaining("PT0.099S");
    assertThatThrownBy(() -> builder().fastPollInterval(null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> builder().spaces(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder().hostPlatform("", ".NET 8.0"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder().maxAttempts(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder().time(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void givesEachNodeItsOwnAddressFromTheMapOrTheTemplate() {
    OctopusConfig c =
        builder()
            .nodeUrlTemplate("https://{name}.octopus.example.com")
            .nodeUrl("octo-1", URI.create("https://10.0.0.11"))
            .build();

    assertThat(c.nodeUrl("octo-1")).contains(URI.create("https://10.0.0.11"));
    assertThat(c.nodeUrl("octo-2-next"))
        .contains(URI.create("https://octo-2-next.octopus.example.com"));
  }

  @Test
  void takesTheHostPlatformFromTheLookupThenTheNodeThenTheDefault() {
    OctopusConfig c =
        builder()
            .hostPlatform("Windows Server 2019", ".NET 6.0")
            .hostPlatform("octo-2", "Windows Server 2022", ".NET 8.0")
            .hostPlatforms(
                name ->
                    name.equals("octo-3")
                        ? Optional.of(HostPlatform.of("Linux", ".NET 8.0"))
                        : Optional.empty())
            .build();

    assertThat(c.hostPlatformOf("octo-1"))
        .isEqualTo(HostPlatform.of("Windows Server 2019", ".NET 6.0"));
    assertThat(c.hostPlatformOf("octo-2"))
        .isEqualTo(HostPlatform.of("Windows Server 2022", ".NET 8.0"));
    assertThat(c.hostPlatformOf("octo-3")).isEqualTo(HostPlatform.of("Linux", ".NET 8.0"));
  }

  @Test
  void showsWhereTheKeyComesFromNeverTheKey() {
    OctopusConfig c = builder().build();

    assertThat(c.toString()).contains("Secret(from a value)").doesNotContain("API-CONFIGTEST");
  }
}
