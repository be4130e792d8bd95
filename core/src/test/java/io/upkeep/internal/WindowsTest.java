package io.upkeep.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.MaintenanceWindow;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class WindowsTest {

  static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

  // Tuesdays 22:00-23:00 Berlin (21:00Z-22:00Z in December) and Tuesdays 17:30-19:00 New York
  // (22:30Z-00:00Z): they follow each other with a half-hour gap.
  final MaintenanceWindow berlin =
      MaintenanceWindow.weekly(BERLIN, LocalTime.of(22, 0), LocalTime.of(23, 0), DayOfWeek.TUESDAY);
  final MaintenanceWindow newYork =
      MaintenanceWindow.weekly(
          NEW_YORK, LocalTime.of(17, 30), LocalTime.of(19, 0), DayOfWeek.TUESDAY);

  @Test
  void noWindowsIsAlwaysOpen() {
    Windows none = new Windows(List.of());

    assertThat(none.alwaysOpen()).isTrue();
    assertThat(none.isOpen(Instant.parse("2026-12-01T03:00:00Z"))).isTrue();
    assertThat(none.nextOpening(Instant.parse("2026-12-01T03:00:00Z")).toInstant())
        .isEqualTo(Instant.parse("2026-12-01T03:00:00Z"));
  }

  @Test
  void severalWindowsAreOpenWhenAnyIs() {
    Windows both = new Windows(List.of(berlin, newYork));

    assertThat(both.isOpen(Instant.parse("2026-12-01T20:59:59Z"))).isFalse();
    assertThat(both.isOpen(Instant.parse("2026-12-01T21:00:00Z"))).isTrue();
    assertThat(both.isOpen(Instant.parse("2026-12-01T22:00:00Z"))).isFalse();
    assertThat(both.isOpen(Instant.parse("2026-12-01T22:30:00Z"))).isTrue();
    assertThat(both.isOpen(Instant.parse("2026-12-01T23:59:59Z"))).isTrue();
    assertThat(both.isOpen(Instant.parse("2026-12-02T00:00:00Z"))).isFalse();
  }

  @Test
  void theNextOpeningIsTheEarliestInTheZoneOfTheWindowThatOpens() {
    Windows both = new Windows(List.of(berlin, newYork));

    assertThat(both.nextOpening(Instant.parse("2026-12-01T12:00:00Z")))
        .hasToString("2026-12-01T22:00+01:00[Europe/Berlin]");
    assertThat(both.nextOpening(Instant.parse("2026-12-01T22:00:00Z")))
        .hasToString("2026-12-01T17:30-05:00[America/New_York]");
    assertThat(both.nextOpening(Instant.parse("2026-12-01T22:45:00Z")).toInstant())
        .isEqualTo(Instant.parse("2026-12-01T22:45:00Z"));
  }

  @Test
  void givesTheSameAnswersAskedInAnyOrder() {
    // The remembered span must never answer for an instant outside it.
    Windows both = new Windows(List.of(berlin, newYork));
    Instant start = Instant.parse("2026-11-30T00:00:00Z");
    for (int i = 0; i < 300; i++) {
      Instant t = start.plus(Duration.ofMinutes((i * 7919L) % (7 * 24 * 60)));
      assertThat(both.isOpen(t)).as(t.toString()).isEqualTo(berlin.isOpen(t) || newYork.isOpen(t));
    }
  }
}
