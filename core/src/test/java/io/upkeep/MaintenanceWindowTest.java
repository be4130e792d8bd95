package io.upkeep;

import static java.time.DayOfWeek.FRIDAY;
import static java.time.DayOfWeek.SUNDAY;
import static java.time.DayOfWeek.THURSDAY;
import static java.time.DayOfWeek.TUESDAY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upkeep.internal.Json;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class MaintenanceWindowTest {

  static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
  static final Duration NANO = Duration.ofNanos(1);

  static Instant at(String instant) {
    return Instant.parse(instant);
  }

  static LocalTime time(String hhmm) {
    return LocalTime.parse(hhmm);
  }

  static MaintenanceWindow weekly(
      ZoneId zone, String start, String end, DayOfWeek first, DayOfWeek... more) {
    DayOfWeek[] days = new DayOfWeek[more.length + 1];
    days[0] = first;
    System.arraycopy(more, 0, days, 1, more.length);
    return MaintenanceWindow.weekly(zone, time(start), time(end), days);
  }

  @Test
  void isAFinalClassMadeOnlyByItsFactories() {
    assertThat(java.lang.reflect.Modifier.isFinal(MaintenanceWindow.class.getModifiers())).isTrue();
    assertThat(MaintenanceWindow.class.getConstructors()).isEmpty();
  }

  @Nested
  class Edges {

    // Tuesday 2026-12-01, 22:00 to 23:00 in Berlin (CET, UTC+1): 21:00Z to 22:00Z.
    final MaintenanceWindow tuesdayEvening = weekly(BERLIN, "22:00", "23:00", TUESDAY);

    @Test
    void isOpenExactlyAtItsStart() {
      assertThat(tuesdayEvening.isOpen(at("2026-12-01T21:00:00Z"))).isTrue();
      assertThat(tuesdayEvening.nextOpening(at("2026-12-01T21:00:00Z")))
          .isEqualTo(at("2026-12-01T21:00:00Z"));
    }

    @Test
    void isClosedTheInstantBeforeItsStart() {
      Instant before = at("2026-12-01T21:00:00Z").minus(NANO);

      assertThat(tuesdayEvening.isOpen(before)).isFalse();
      assertThat(tuesdayEvening.nextOpening(before)).isEqualTo(at("2026-12-01T21:00:00Z"));
      assertThat(tuesdayEvening.closesAt(before)).isEqualTo(before);
    }

    @Test
    void isOpenTheInstantBeforeItsEnd() {
      Instant last = at("2026-12-01T22:00:00Z").minus(NANO);

      assertThat(tuesdayEvening.isOpen(last)).isTrue();
      assertThat(tuesdayEvening.closesAt(last)).isEqualTo(at("2026-12-01T22:00:00Z"));
    }

    @Test
    void isClosedExactlyAtItsEndAndNextOpensAWeekLater() {
      Instant end = at("2026-12-01T22:00:00Z");

      assertThat(tuesdayEvening.isOpen(end)).isFalse();
      assertThat(tuesdayEvening.closesAt(end)).isEqualTo(end);
      assertThat(tuesdayEvening.nextOpening(end)).isEqualTo(at("2026-12-08T21:00:00Z"));
    }

    @Test
    void closesAtTheEndOfTheOpeningItIsIn() {
      assertThat(tuesdayEvening.closesAt(at("2026-12-01T21:00:00Z")))
          .isEqualTo(at("2026-12-01T22:00:00Z"));
      assertThat(tuesdayEvening.closesAt(at("2026-12-01T21:42:17.5Z")))
          .isEqualTo(at("2026-12-01T22:00:00Z"));
    }
  }

  @Nested
  class OverMidnight {

    // Friday 2026-12-04 22:00 CET (21:00Z) to Saturday 02:00 CET (01:00Z).
    final MaintenanceWindow fridayNight = weekly(BERLIN, "22:00", "02:00", FRIDAY);

    @Test
    void runsIntoTheNextDay() {
      assertThat(fridayNight.isOpen(at("2026-12-04T23:30:00Z"))).isTrue();
      assertThat(fridayNight.isOpen(at("2026-12-05T00:59:59Z"))).isTrue();
      assertThat(fridayNight.isOpen(at("2026-12-05T01:00:00Z"))).isFalse();
      assertThat(fridayNight.closesAt(at("2026-12-04T21:00:00Z")))
          .isEqualTo(at("2026-12-05T01:00:00Z"));
    }

    @Test
    void opensOnTheDaysItStartsOnOnly() {
      // Saturday 22:00 is not a start: the window opens on Fridays.
      assertThat(fridayNight.isOpen(at("2026-12-05T21:30:00Z"))).isFalse();
      assertThat(fridayNight.nextOpening(at("2026-12-05T01:00:00Z")))
          .isEqualTo(at("2026-12-11T21:00:00Z"));
    }

    @Test
    void isTheCronItIsEquivalentTo() {
      MaintenanceWindow w = weekly(BERLIN, "22:00", "02:00", THURSDAY, TUESDAY, THURSDAY);

      assertThat(w.cron()).isEqualTo("0 0 22 ? * TUE,THU");
      assertThat(w.length()).isEqualTo(Duration.ofHours(4));
      assertThat(w)
          .isEqualTo(MaintenanceWindow.cron("0 0 22 ? * TUE,THU", Duration.ofHours(4), BERLIN))
          .hasSameHashCodeAs(
              MaintenanceWindow.cron("0 0 22 ? * TUE,THU", Duration.ofHours(4), BERLIN))
          .hasToString("\"0 0 22 ? * TUE,THU\" for 4h 00m, Europe/Berlin");
    }
  }

  /**
   * A 02:00 to 04:00 window on the nights the clocks change. Berlin: spring forward 2026-03-29 at
   * 02:00 CET to 03:00 CEST, fall back 2026-10-25 at 03:00 CEST to 02:00 CET. New York: spring
   * forward 2026-03-08 at 02:00 EST to 03:00 EDT, fall back 2026-11-01 at 02:00 EDT to 01:00 EST.
   */
  @Nested
  class DaylightSavingTime {

    final MaintenanceWindow berlin = weekly(BERLIN, "02:00", "04:00", SUNDAY);
    final MaintenanceWindow newYork = weekly(NEW_YORK, "02:00", "04:00", SUNDAY);

    @Test
    void berlinSpringForwardOpensWhenTheClocksJumpAndClosesAtFourOClock() {
      // 02:00 does not exist that night: the window opens at 03:00 CEST (01:00Z), for one hour.
      assertThat(berlin.nextOpening(at("2026-03-28T12:00:00Z")))
          .isEqualTo(at("2026-03-29T01:00:00Z"));
      assertThat(berlin.isOpen(at("2026-03-29T01:00:00Z").minus(NANO))).isFalse();
      assertThat(berlin.isOpen(at("2026-03-29T01:00:00Z"))).isTrue();
      assertThat(berlin.closesAt(at("2026-03-29T01:00:00Z"))).isEqualTo(at("2026-03-29T02:00:00Z"));
      assertThat(berlin.isOpen(at("2026-03-29T02:00:00Z"))).isFalse();
    }

    @Test
    void berlinOnTheSundaysAroundTheChangeOpensAtTwoOnTheWallClock() {
      assertThat(berlin.nextOpening(at("2026-03-21T12:00:00Z")))
          .isEqualTo(ZonedDateTime.parse("2026-03-22T02:00+01:00[Europe/Berlin]").toInstant());
      assertThat(berlin.nextOpening(at("2026-03-29T02:00:00Z")))
          .isEqualTo(ZonedDateTime.parse("2026-04-05T02:00+02:00[Europe/Berlin]").toInstant());
    }

    @Test
    void berlinFallBackOpensAtTheFirstTwoOClockAndStaysOpenThreeHours() {
      // 02:00 CEST is 00:00Z; 04:00 CET is 03:00Z; 02:30 CET, the second pass, is 01:30Z.
      assertThat(berlin.nextOpening(at("2026-10-24T12:00:00Z")))
          .isEqualTo(at("2026-10-25T00:00:00Z"));
      assertThat(berlin.isOpen(at("2026-10-25T00:00:00Z").minus(NANO))).isFalse();
      assertThat(berlin.isOpen(at("2026-10-25T01:30:00Z"))).isTrue();
      assertThat(berlin.isOpen(at("2026-10-25T03:00:00Z").minus(NANO))).isTrue();
      assertThat(berlin.isOpen(at("2026-10-25T03:00:00Z"))).isFalse();
      assertThat(berlin.closesAt(at("2026-10-25T01:30:00Z"))).isEqualTo(at("2026-10-25T03:00:00Z"));
    }

    @Test
    void berlinAWindowInsideTheRepeatedHourIsOpenOnItsFirstPassOnly() {
      MaintenanceWindow w = weekly(BERLIN, "02:15", "02:45", SUNDAY);

      assertThat(w.nextOpening(at("2026-10-24T12:00:00Z"))).isEqualTo(at("2026-10-25T00:15:00Z"));
      assertThat(w.closesAt(at("2026-10-25T00:15:00Z"))).isEqualTo(at("2026-10-25T00:45:00Z"));
      assertThat(w.isOpen(at("2026-10-25T01:30:00Z"))).isFalse();
      assertThat(w.nextOpening(at("2026-10-25T01:30:00Z")))
          .isEqualTo(ZonedDateTime.parse("2026-11-01T02:15+01:00[Europe/Berlin]").toInstant());
    }

    @Test
    void berlinAWindowInsideTheSkippedHourDoesNotOpenThatNight() {
      MaintenanceWindow w = weekly(BERLIN, "02:15", "02:45", SUNDAY);

      assertThat(w.nextOpening(at("2026-03-28T12:00:00Z")))
          .isEqualTo(ZonedDateTime.parse("2026-04-05T02:15+02:00[Europe/Berlin]").toInstant());
      assertThat(w.isOpen(at("2026-03-29T01:00:00Z"))).isFalse();
    }

    @Test
    void newYorkSpringForwardOpensWhenTheClocksJumpAndClosesAtFourOClock() {
      // 03:00 EDT is 07:00Z; 04:00 EDT is 08:00Z.
      assertThat(newYork.nextOpening(at("2026-03-07T12:00:00Z")))
          .isEqualTo(at("2026-03-08T07:00:00Z"));
      assertThat(newYork.isOpen(at("2026-03-08T07:00:00Z").minus(NANO))).isFalse();
      assertThat(newYork.isOpen(at("2026-03-08T07:00:00Z"))).isTrue();
      assertThat(newYork.closesAt(at("2026-03-08T07:00:00Z")))
          .isEqualTo(at("2026-03-08T08:00:00Z"));
    }

    @Test
    void newYorkFallBackOpensAtTwoStandardTimeAfterTheRepeatedHour() {
      // The repeated hour is 01:00 to 02:00; 02:00 EST is 07:00Z and 04:00 EST 09:00Z.
      assertThat(newYork.isOpen(at("2026-11-01T06:30:00Z"))).isFalse(); // 01:30 EST, second pass
      assertThat(newYork.nextOpening(at("2026-11-01T06:30:00Z")))
          .isEqualTo(at("2026-11-01T07:00:00Z"));
      assertThat(newYork.closesAt(at("2026-11-01T07:00:00Z")))
          .isEqualTo(at("2026-11-01T09:00:00Z"));
      assertThat(newYork.isOpen(at("2026-11-01T09:00:00Z"))).isFalse();
    }

    @Test
    void newYorkAWindowOverTheRepeatedHourIsAnHourLonger() {
      MaintenanceWindow w = weekly(NEW_YORK, "01:00", "03:00", SUNDAY);

      // 01:00 EDT (05:00Z) to 03:00 EST (08:00Z), open through both passes of 01:xx.
      assertThat(w.nextOpening(at("2026-10-31T12:00:00Z"))).isEqualTo(at("2026-11-01T05:00:00Z"));
      assertThat(w.isOpen(at("2026-11-01T05:30:00Z"))).isTrue();
      assertThat(w.isOpen(at("2026-11-01T06:30:00Z"))).isTrue();
      assertThat(w.closesAt(at("2026-11-01T06:30:00Z"))).isEqualTo(at("2026-11-01T08:00:00Z"));
    }

    @Test
    void aCronWindowFollowsTheSameRules() {
      MaintenanceWindow w = MaintenanceWindow.cron("0 0 2 ? * SUN", Duration.ofHours(2), BERLIN);

      assertThat(w.nextOpening(at("2026-03-28T12:00:00Z"))).isEqualTo(at("2026-03-29T01:00:00Z"));
      assertThat(w.closesAt(at("2026-10-25T00:00:00Z"))).isEqualTo(at("2026-10-25T03:00:00Z"));
    }
  }

  @Nested
  class SecondTuesday {

    final MaintenanceWindow patchNight =
        MaintenanceWindow.cron("0 0 22 ? * TUE#2", Duration.ofHours(4), BERLIN);

    @Test
    void opensOnTheSecondTuesdayOfEveryMonthAcrossTheYearAndTheClockChange() {
      List<Instant> openings = new ArrayList<>();
      Instant t = at("2026-11-01T00:00:00Z");
      for (int i = 0; i < 8; i++) {
        t = patchNight.nextOpening(t);
        openings.add(t);
        t = patchNight.closesAt(t);
      }

      // The oracle: java.time's own "second Tuesday of the month".
      List<Instant> expected = new ArrayList<>();
      for (LocalDate month = LocalDate.of(2026, 11, 1);
          expected.size() < 8;
          month = month.plusMonths(1)) {
        expected.add(
            month
                .with(TemporalAdjusters.dayOfWeekInMonth(2, TUESDAY))
                .atTime(22, 0)
                .atZone(BERLIN)
                .toInstant());
      }
      assertThat(openings).isEqualTo(expected);
      assertThat(openings.get(0).atZone(BERLIN))
          .hasToString("2026-11-10T22:00+01:00[Europe/Berlin]");
      assertThat(openings.get(1).atZone(BERLIN))
          .hasToString("2026-12-08T22:00+01:00[Europe/Berlin]");
      assertThat(openings.get(5).atZone(BERLIN))
          .hasToString("2027-04-13T22:00+02:00[Europe/Berlin]");
    }

    @Test
    void isOpenFourHoursPastMidnightAndClosedOnTheOtherTuesdays() {
      Instant opens = ZonedDateTime.parse("2026-12-08T22:00+01:00[Europe/Berlin]").toInstant();

      assertThat(patchNight.isOpen(opens)).isTrue();
      assertThat(patchNight.isOpen(opens.plus(Duration.ofHours(4)).minus(NANO))).isTrue();
      assertThat(patchNight.isOpen(opens.plus(Duration.ofHours(4)))).isFalse();
      assertThat(patchNight.isOpen(opens.minus(Duration.ofDays(7)))).isFalse();
      assertThat(patchNight.isOpen(opens.plus(Duration.ofDays(7)))).isFalse();
    }
  }

  @Nested
  class AbuttingOpenings {

    @Test
    void closesAtTheEndOfTheLastOfOpeningsThatFollowEachOtherWithoutAGap() {
      // Weekdays all day: Monday 00:00 to Saturday 00:00, as one span.
      MaintenanceWindow weekdays =
          MaintenanceWindow.cron("0 0 0 ? * MON-FRI", Duration.ofDays(1), BERLIN);

      assertThat(weekdays.isOpen(at("2026-12-07T10:00:00Z"))).isTrue();
      assertThat(weekdays.isOpen(at("2026-12-08T23:00:00Z"))).isTrue(); // Wednesday 00:00 CET
      assertThat(weekdays.closesAt(at("2026-12-07T10:00:00Z")))
          .isEqualTo(ZonedDateTime.parse("2026-12-12T00:00+01:00[Europe/Berlin]").toInstant());
      assertThat(weekdays.isOpen(at("2026-12-12T12:00:00Z"))).isFalse();
    }
  }

  @Nested
  class InJson {

    @Test
    void isItsZoneCronAndLength() {
      MaintenanceWindow w = MaintenanceWindow.cron("0 0 22 ? * TUE#2", Duration.ofHours(4), BERLIN);

      assertThat(Json.write(w).replaceAll("\\s+", ""))
          .isEqualTo("{\"zone\":\"Europe/Berlin\",\"cron\":\"0022?*TUE#2\",\"length\":\"PT4H\"}");
      assertThat(Json.read(Json.write(w), MaintenanceWindow.class)).isEqualTo(w);
    }

    @Test
    void anUnknownZoneIsRefusedNamingTheFieldAndTheFix() {
      assertThatThrownBy(
              () ->
                  Json.read(
                      "{\"zone\":\"Europe/Atlantis\",\"cron\":\"0 0 22 ? * TUE\",\"length\":\"PT1H\"}",
                      MaintenanceWindow.class))
          .isInstanceOf(UpkeepException.class)
          .hasMessageContaining("zone 'Europe/Atlantis' is not a time zone")
          .hasMessageContaining("such as Europe/Berlin");
    }

    @Test
    void aMissingFieldIsRefusedShowingTheShape() {
      assertThatThrownBy(
              () ->
                  Json.read(
                      "{\"zone\":\"Europe/Berlin\",\"cron\":\"0 0 22 ? * TUE\"}",
                      MaintenanceWindow.class))
          .isInstanceOf(UpkeepException.class)
          .hasMessageContaining("needs \"zone\", \"cron\" and \"length\"");
    }
  }

  @Nested
  class Validation {

    @Test
    void aBlankCron() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> MaintenanceWindow.cron("  ", Duration.ofHours(1), BERLIN))
          .withMessageContaining("cron is blank")
          .withMessageContaining("\"0 0 22 ? * TUE#2\"");
    }

    @Test
    void aCronThatDoesNotParse() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> MaintenanceWindow.cron("every tuesday", Duration.ofHours(1), BERLIN))
          .withMessageContaining("cron 'every tuesday' is not a Quartz expression")
          .withMessageContaining("six fields");
      assertThatIllegalArgumentException()
          .isThrownBy(() -> MaintenanceWindow.cron("0 0 25 ? * TUE", Duration.ofHours(1), BERLIN))
          .withMessageContaining("cron '0 0 25 ? * TUE' is not a Quartz expression");
      assertThatIllegalArgumentException()
          .isThrownBy(() -> MaintenanceWindow.cron("0 0 22 * * TUE", Duration.ofHours(1), BERLIN))
          .withMessageContaining("with ? in one day field");
    }

    @Test
    void aCronWithAYear() {
      assertThatIllegalArgumentException()
          .isThrownBy(
              () -> MaintenanceWindow.cron("0 0 22 ? * TUE#2 2027", Duration.ofHours(1), BERLIN))
          .withMessageContaining("names a year")
          .withMessageContaining("leave the year field out");
    }

    @Test
    void aCronThatNeverOpens() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> MaintenanceWindow.cron("0 0 0 30 2 ?", Duration.ofHours(1), BERLIN))
          .withMessageContaining("never opens");
    }

    @Test
    void aRareRuleIsFineAndItsPeriodIsTheTimeBetweenItsOpenings() {
      MaintenanceWindow leapDay =
          MaintenanceWindow.cron("0 0 0 29 2 ?", Duration.ofDays(30), BERLIN);

      assertThat(leapDay.nextOpening(at("2026-12-01T00:00:00Z")))
          .isEqualTo(ZonedDateTime.parse("2028-02-29T00:00+01:00[Europe/Berlin]").toInstant());
      assertThatIllegalArgumentException()
          .isThrownBy(() -> MaintenanceWindow.cron("0 0 0 29 2 ?", Duration.ofDays(1500), BERLIN))
          .withMessageContaining("is longer than the 1461d 00h between two openings");
    }

    @Test
    void aZeroOrNegativeLength() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> MaintenanceWindow.cron("0 0 22 ? * TUE", Duration.ZERO, BERLIN))
          .withMessageContaining("length must be longer than zero");
      assertThatIllegalArgumentException()
          .isThrownBy(
              () -> MaintenanceWindow.cron("0 0 22 ? * TUE", Duration.ofMinutes(-5), BERLIN))
          .withMessageContaining("length must be longer than zero");
    }

    @Test
    void aLengthLongerThanThePeriod() {
      assertThatIllegalArgumentException()
          .isThrownBy(
              () -> MaintenanceWindow.cron("0 0 22 ? * TUE,WED", Duration.ofHours(25), BERLIN))
          .withMessageContaining("length 1d 01h is longer than the 1d 00h between two openings")
          .withMessageContaining("make it at most 1d 00h");
      assertThatIllegalArgumentException()
          .isThrownBy(() -> MaintenanceWindow.cron("0 0 22 ? * TUE#2", Duration.ofDays(36), BERLIN))
          .withMessageContaining("is longer than the 28d 00h between two openings");
    }

    @Test
    void weeklyWithoutDaysOrWithAnEmptySpanOrFractionsOfASecond() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> MaintenanceWindow.weekly(BERLIN, time("22:00"), time("23:00")))
          .withMessageContaining("days: a weekly maintenance window needs at least one day");
      assertThatIllegalArgumentException()
          .isThrownBy(() -> weekly(BERLIN, "22:00", "22:00", TUESDAY))
          .withMessageContaining("start and end are both 22:00");
      assertThatIllegalArgumentException()
          .isThrownBy(
              () ->
                  MaintenanceWindow.weekly(
                      BERLIN, time("22:00").plusNanos(5), time("23:00"), TUESDAY))
          .withMessageContaining("start 22:00:00.000000005 has a fraction of a second");
    }

    @Test
    void nulls() {
      assertThatThrownBy(() -> MaintenanceWindow.cron("0 0 22 ? * TUE", Duration.ofHours(1), null))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("zone");
      assertThatThrownBy(() -> weekly(BERLIN, "22:00", "23:00", TUESDAY, (DayOfWeek) null))
          .isInstanceOf(NullPointerException.class);
    }
  }
}
