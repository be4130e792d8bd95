package io.upkeep;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The window's answers agree with each other and with an independent oracle, at seeded random
 * instants clustered around daylight saving changes (where mistakes hide).
 */
class MaintenanceWindowPropertiesTest {

  static final long SEED = 20261201L;
  static final int SAMPLES = 60;
  static final Duration NANO = Duration.ofNanos(1);

  /** A weekly window and what it is meant to be, for the oracle. */
  record Weekly(
      MaintenanceWindow window,
      ZoneId zone,
      LocalTime start,
      Duration length,
      Set<DayOfWeek> days) {
    static Weekly of(String zone, String start, String end, DayOfWeek... days) {
      ZoneId z = ZoneId.of(zone);
      MaintenanceWindow w =
          MaintenanceWindow.weekly(z, LocalTime.parse(start), LocalTime.parse(end), days);
      Set<DayOfWeek> on = EnumSet.noneOf(DayOfWeek.class);
      on.addAll(List.of(days));
      return new Weekly(w, z, LocalTime.parse(start), w.length(), on);
    }

    /** Open iff an opening on one of the last three local days contains {@code t}. */
    boolean oracle(Instant t) {
      LocalDate today = LocalDateTime.ofInstant(t, zone).toLocalDate();
      for (int back = 0; back <= 2; back++) {
        LocalDate d = today.minusDays(back);
        if (!days.contains(d.getDayOfWeek())) {
          continue;
        }
        LocalDateTime s = d.atTime(start);
        if (!resolve(s).isAfter(t) && resolve(s.plus(length)).isAfter(t)) {
          return true;
        }
      }
      return false;
    }

    private Instant resolve(LocalDateTime local) {
      ZoneOffsetTransition gap = zone.getRules().getTransition(local);
      return gap != null && gap.isGap() ? gap.getInstant() : local.atZone(zone).toInstant();
    }
  }

  static final List<Weekly> WEEKLY =
      List.of(
          Weekly.of("Europe/Berlin", "02:00", "04:00", DayOfWeek.SUNDAY),
          Weekly.of("Europe/Berlin", "02:15", "02:45", DayOfWeek.SUNDAY),
          Weekly.of("Europe/Berlin", "22:00", "02:30", DayOfWeek.SATURDAY, DayOfWeek.TUESDAY),
          Weekly.of("America/New_York", "01:00", "03:00", DayOfWeek.SUNDAY),
          Weekly.of("America/New_York", "23:30", "02:30", DayOfWeek.SATURDAY),
          // Half-hour daylight saving time, at 02:00.
          Weekly.of("Australia/Lord_Howe", "01:45", "02:15", DayOfWeek.SUNDAY));

  static final List<MaintenanceWindow> CRON =
      List.of(
          MaintenanceWindow.cron(
              "0 0 22 ? * TUE#2", Duration.ofHours(4), ZoneId.of("Europe/Berlin")),
          MaintenanceWindow.cron(
              "0 30 2 L * ?", Duration.ofMinutes(90), ZoneId.of("America/New_York")),
          MaintenanceWindow.cron(
              "0 0 0 ? * MON-FRI", Duration.ofDays(1), ZoneId.of("Europe/Berlin")));

  /** Instants near the DST changes of 2026 and 2027 in the zones above, and some anywhere. */
  static List<Instant> samples() {
    Random random = new Random(SEED);
    List<Instant> changes = new ArrayList<>();
    for (String zone : List.of("Europe/Berlin", "America/New_York", "Australia/Lord_Howe")) {
      ZoneOffsetTransition t =
          ZoneId.of(zone).getRules().nextTransition(Instant.parse("2026-01-01T00:00:00Z"));
      while (t.getInstant().isBefore(Instant.parse("2028-01-01T00:00:00Z"))) {
        changes.add(t.getInstant());
        t = ZoneId.of(zone).getRules().nextTransition(t.getInstant());
      }
    }
    List<Instant> out = new ArrayList<>();
    for (int i = 0; i < SAMPLES; i++) {
      if (i % 4 == 3) {
        out.add(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(random.nextInt(730 * 86_400)));
      } else {
        Instant change = changes.get(random.nextInt(changes.size()));
        out.add(change.plusSeconds(random.nextInt(6 * 3600) - 3 * 3600));
      }
    }
    return out;
  }

  @Test
  void weeklyWindowsAgreeWithTheOracle() {
    int open = 0;
    int closed = 0;
    for (Weekly w : WEEKLY) {
      for (Instant t : samples()) {
        if (w.oracle(t)) {
          open++;
        } else {
          closed++;
        }
        assertThat(w.window().isOpen(t))
            .as("%s at %s (seed %d)", w.window(), t, SEED)
            .isEqualTo(w.oracle(t));
      }
    }
    // Not vacuous: the samples land inside the windows as well as outside.
    assertThat(open).isGreaterThan(20);
    assertThat(closed).isGreaterThan(20);
  }

  @Test
  void theNextOpeningIsOpenAndEverythingBeforeItClosed() {
    for (MaintenanceWindow w : every()) {
      for (Instant t : samples()) {
        Instant next = w.nextOpening(t);
        String as = w + " at " + t + " (seed " + SEED + ")";

        assertThat(next).as(as).isAfterOrEqualTo(t);
        assertThat(w.isOpen(next)).as(as).isTrue();
        if (next.isAfter(t)) {
          assertThat(w.isOpen(t)).as(as).isFalse();
          assertThat(w.isOpen(next.minus(NANO))).as(as).isFalse();
          assertThat(w.closesAt(t)).as(as).isEqualTo(t);
        }
      }
    }
  }

  @Test
  void anOpenWindowClosesLaterAndIsOpenUntilThen() {
    for (MaintenanceWindow w : every()) {
      for (Instant t : samples()) {
        Instant open = w.nextOpening(t);
        Instant closes = w.closesAt(open);
        String as = w + " opening at " + open + " (seed " + SEED + ")";

        assertThat(closes).as(as).isAfter(open);
        assertThat(w.isOpen(closes.minus(NANO))).as(as).isTrue();
        assertThat(w.isOpen(closes)).as(as).isFalse();
        assertThat(w.nextOpening(closes)).as(as).isAfter(closes);
      }
    }
  }

  static List<MaintenanceWindow> every() {
    List<MaintenanceWindow> all = new ArrayList<>(CRON);
    WEEKLY.forEach(w -> all.add(w.window()));
    return all;
  }
}
