package io.upkeep;

import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@link Policy} can gain a setting without breaking its users: it is a final class built only
 * through its builder (no public constructor, no record pattern), and its JSON in plans stays as it
 * was when Policy was a record.
 */
class PolicyCompatibilityTest {

  /** A policy with every setting away from its default. */
  static Policy everySettingChanged() {
    return Policy.builder()
        .budget(Budget.ofPercent(25))
        .canaries(2)
        .canarySoak(Duration.ofMinutes(15))
        .approveCanaries(true)
        .drainDeadline(Duration.ofMinutes(30))
        .onDrainTimeout(Policy.DrainTimeoutAction.FORCE)
        .settle(Duration.ofSeconds(20))
        .healthDeadline(Duration.ofMinutes(7))
        .trafficRamp(10, 50, 100)
        .rampSoak(Duration.ofMinutes(2))
        .trialTaskCap(3)
        .exclusiveTrial(false)
        .taskRamp(1, 2)
        .snapshots(false)
        .failureThreshold(1)
        .onFailure(Policy.FailureAction.PAUSE)
        .allowDowntime(true)
        .forceVersionSkew(true)
        .probes("api-up", "version")
        .only("node-b", "node-a")
        .durationHint("node-b", Duration.ofMinutes(45))
        .durationHint("node-a", Duration.ofMinutes(20))
        .pollInterval(Duration.ofSeconds(5))
        .blockedTimeout(Duration.ofMinutes(30))
        .operationDeadline(Duration.ofHours(2))
        .outOfService(Policy.OutOfServiceAction.SKIP)
        .hook("change-ticket", HookPoint.BEFORE_UNIT)
        .hook("leadership-transfer", HookPoint.BEFORE_STOP, "server", "client")
        .build();
  }

  @Test
  void isAFinalClassWithoutPublicConstructors() {
    assertThat(Policy.class.isRecord()).isFalse();
    assertThat(Modifier.isFinal(Policy.class.getModifiers())).isTrue();
    assertThat(Policy.class.getConstructors()).isEmpty();
  }

  @Test
  void toBuilderBuildsAnEqualPolicy() {
    Policy p = everySettingChanged();

    assertThat(p.toBuilder().build()).isEqualTo(p).hasSameHashCodeAs(p).hasToString(p.toString());
    assertThat(Fixtures.policy().build().toBuilder().build()).isEqualTo(Fixtures.policy().build());
  }

  @Test
  void equalsComparesEverySetting() {
    Policy p = everySettingChanged();

    assertThat(p)
        .isEqualTo(everySettingChanged())
        .hasSameHashCodeAs(everySettingChanged())
        .isNotEqualTo(p.toBuilder().canaries(3).build())
        .isNotEqualTo(p.toBuilder().durationHint("node-c", Duration.ZERO).build())
        .isNotEqualTo(p.toBuilder().hook("another", HookPoint.AFTER_VERIFY).build())
        .isNotEqualTo(null)
        .isNotEqualTo("a policy");
  }

  @Test
  void toStringNamesEverySetting() {
    assertThat(everySettingChanged().toString())
        .startsWith("Policy[budget=25%, canaries=2, ")
        .contains(
            "canaries=2",
            "drainDeadline=PT30M",
            "trafficRamp=[10, 50, 100]",
            "only=[node-a, node-b]",
            "outOfService=SKIP",
            "hooks=[Hook[name=change-ticket");
  }

  @Test
  void writesTheSameJsonAsWhenItWasARecord() throws IOException {
    assertThat(Json.write(everySettingChanged())).isEqualTo(resource("policy.json"));
    assertThat(Json.write(Fixtures.policy().build())).isEqualTo(resource("policy-defaults.json"));
  }

  @Test
  void readsTheJsonItWroteWhenItWasARecord() throws IOException {
    assertThat(Json.read(resource("policy.json"), Policy.class)).isEqualTo(everySettingChanged());
    assertThat(Json.read(resource("policy-defaults.json"), Policy.class))
        .isEqualTo(Fixtures.policy().build());
  }

  /** The defaults, plus two maintenance windows: a monthly one and a weekly one over midnight. */
  static Policy withWindows() {
    return Fixtures.policy()
        .windows(
            MaintenanceWindow.cron(
                "0 0 22 ? * TUE#2", Duration.ofHours(4), java.time.ZoneId.of("Europe/Berlin")),
            MaintenanceWindow.weekly(
                java.time.ZoneId.of("America/New_York"),
                java.time.LocalTime.of(23, 30),
                java.time.LocalTime.of(1, 0),
                java.time.DayOfWeek.SATURDAY,
                java.time.DayOfWeek.SUNDAY))
        .build();
  }

  @Test
  void writesTheSoakWatchIntervalOnlyWhenItIsNotTheDefault() {
    Policy every5 = Fixtures.policy().soakWatchInterval(Duration.ofMinutes(5)).build();

    assertThat(Json.write(Fixtures.policy().build())).doesNotContain("soakWatchInterval");
    assertThat(
            Json.write(
                Fixtures.policy().soakWatchInterval(Policy.DEFAULT_SOAK_WATCH_INTERVAL).build()))
        .isEqualTo(Json.write(Fixtures.policy().build()));
    assertThat(Json.write(every5)).contains("\"soakWatchInterval\" : \"PT5M\"");
    assertThat(Json.read(Json.write(every5), Policy.class)).isEqualTo(every5);
    assertThat(every5).isNotEqualTo(Fixtures.policy().build());
    assertThat(every5.toString()).endsWith(", soakWatchInterval=PT5M]");
    assertThat(every5.toBuilder().build()).isEqualTo(every5);
  }

  @Test
  void aHooksTimeoutIsWrittenOnlyWhenItHasOneAndReadBack() {
    Policy timed =
        Fixtures.policy()
            .hook("smoke", HookPoint.AFTER_VERIFY, Duration.ofMinutes(5), "server")
            .hook("ticket", HookPoint.BEFORE_UNIT)
            .build();

    assertThat(Json.write(timed)).containsOnlyOnce("\"timeout\" : \"PT5M\"");
    assertThat(Json.read(Json.write(timed), Policy.class)).isEqualTo(timed);
    assertThat(timed.hooks().get(1).timeout()).isNull();
  }

  @Test
  void writesNoWindowsFieldWithoutWindows() {
    assertThat(Json.write(Fixtures.policy().build())).doesNotContain("windows");
    assertThat(Json.write(everySettingChanged())).doesNotContain("windows");
  }

  @Test
  void writesAndReadsAPolicyWithWindowsAsTheirZoneCronAndLength() throws IOException {
    assertThat(Json.write(withWindows())).isEqualTo(resource("policy-windows.json"));
    assertThat(Json.read(resource("policy-windows.json"), Policy.class)).isEqualTo(withWindows());
  }

  @Test
  void windowsTakePartInEqualityAndToString() {
    Policy p = withWindows();

    assertThat(p.toBuilder().build()).isEqualTo(p).hasSameHashCodeAs(p);
    assertThat(p).isNotEqualTo(p.toBuilder().windows().build());
    assertThat(p.toBuilder().windows().build()).isEqualTo(Fixtures.policy().build());
    assertThat(p.toString())
        .contains(
            ", windows=[\"0 0 22 ? * TUE#2\" for 4h 00m, Europe/Berlin, "
                + "\"0 30 23 ? * SAT,SUN\" for 1h 30m, America/New_York], ");
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = PolicyCompatibilityTest.class.getResourceAsStream(name)) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
