package io.upkeep.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.Secret;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@link HttpSettings} and {@link Tls} can gain settings without breaking their users: final
 * classes without public constructors (built through the builder or the factories), value equality,
 * and a {@code toString} that shows no password.
 */
class HttpSettingsCompatibilityTest {

  private static final URI BASE = URI.create("https://octopus.example.com");

  /**
   * One instance: a {@link Secret} is equal only to itself (it never reveals its value to compare).
   */
  private static final Secret PASSWORD = Secret.of("hunter2");

  /** Settings with every value away from its default. */
  private static HttpSettings everySettingChanged() {
    return HttpSettings.builder(BASE)
        .connectTimeout(Duration.ofSeconds(2))
        .requestTimeout(Duration.ofSeconds(3))
        .requestDeadline(Duration.ofSeconds(9))
        .maxResponseBytes(1024)
        .maxAttempts(2)
        .backoff(Duration.ofMillis(10), Duration.ofSeconds(1))
        .requestsPerSecond(5)
        .tls(
            Tls.trustStore(Path.of("trust.p12"), PASSWORD)
                .withClientCertificate(Path.of("c.pem"), Path.of("k.pem")))
        .allowInsecureHttp(true)
        .build();
  }

  @Test
  void areFinalClassesWithoutPublicConstructors() {
    for (Class<?> type : new Class<?>[] {HttpSettings.class, Tls.class}) {
      assertThat(type.isRecord()).as(type.getSimpleName()).isFalse();
      assertThat(Modifier.isFinal(type.getModifiers())).as(type.getSimpleName()).isTrue();
      assertThat(type.getConstructors()).as(type.getSimpleName()).isEmpty();
    }
  }

  @Test
  void toBuilderBuildsEqualSettings() {
    HttpSettings s = everySettingChanged();

    assertThat(s.toBuilder().build()).isEqualTo(s).hasSameHashCodeAs(s).hasToString(s.toString());
    assertThat(HttpSettings.builder(BASE).build().toBuilder().build())
        .isEqualTo(HttpSettings.builder(BASE).build());
    assertThat(s.toBuilder().maxAttempts(3).build()).isNotEqualTo(s);
    assertThat(s.toBuilder().build().maxAttempts()).isEqualTo(2);
  }

  @Test
  void areEqualWhenEverySettingIs() {
    assertThat(everySettingChanged())
        .isEqualTo(everySettingChanged())
        .hasSameHashCodeAs(everySettingChanged())
        .isNotEqualTo(everySettingChanged().toBuilder().requestsPerSecond(6).build())
        .isNotEqualTo(everySettingChanged().toBuilder().tls(Tls.system()).build())
        .isNotEqualTo(null);
    assertThat(Tls.caCertificate(Path.of("ca.pem")))
        .isEqualTo(Tls.caCertificate(Path.of("ca.pem")))
        .hasSameHashCodeAs(Tls.caCertificate(Path.of("ca.pem")))
        .isNotEqualTo(Tls.caCertificate(Path.of("other.pem")))
        .isNotEqualTo(
            Tls.caCertificate(Path.of("ca.pem"))
                .withClientCertificate(Path.of("c.pem"), Path.of("k.pem")))
        .isNotEqualTo(Tls.insecure());
  }

  @Test
  void toStringNamesEverySettingButNoPassword() {
    String text = everySettingChanged().toString();

    assertThat(text)
        .startsWith("HttpSettings[baseUri=https://octopus.example.com, connectTimeout=PT2S")
        .contains(
            "maxAttempts=2",
            "tls=Tls[verify=true, trustStore=Optional[trust.p12]",
            "trustStorePassword=Optional[" + PASSWORD + "]",
            "clientKeyPem=Optional[k.pem]",
            "allowInsecureHttp=true]")
        .doesNotContain("hunter2");
  }
}
