package io.upkeep;

import static io.upkeep.Fixtures.T0;
import static io.upkeep.Fixtures.TO_WIN2022;
import static io.upkeep.Fixtures.cluster;
import static io.upkeep.Fixtures.octopus;
import static io.upkeep.Fixtures.planner;
import static io.upkeep.Fixtures.policy;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The dry run shows the maintenance windows and a finish estimate that accounts for them. */
class PlanWindowsTest {

  static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  /**
   * Thursdays 01:00 CET for {@code minutes}: T0, 2026-01-01T00:00Z, is a Thursday at 01:00 in
   * Berlin, so the window is open when the plan is made.
   */
  static MaintenanceWindow thursdays(int minutes) {
    return MaintenanceWindow.weekly(
        BERLIN, LocalTime.of(1, 0), LocalTime.of(1, minutes), DayOfWeek.THURSDAY);
  }

  /** Three octopus nodes of 10 minutes each (the nominal unit), one canary, then the others. */
  static UpgradePlan plan(int budget, MaintenanceWindow... windows) {
    return planner()
        .plan(
            cluster(octopus("node-a", 5), octopus("node-b", 5), octopus("node-c", 5)),
            Constraints.NONE,
            Strategy.inPlace(),
            TO_WIN2022,
            policy().budget(Budget.ofNodes(budget)).windows(windows).build());
  }

  @Nested
  class EstimatedFinish {

    @Test
    void withoutWindowsIsTheUnitsInTurnWithinTheBudget() {
      assertThat(plan(1).estimatedFinish(T0)).isEqualTo(T0.plus(Duration.ofMinutes(30)));
      // The canary alone, then the other two together.
      assertThat(plan(2).estimatedFinish(T0)).isEqualTo(T0.plus(Duration.ofMinutes(20)));
    }

    @Test
    void letsTheLastUnitStartedInAWindowRunPastItsEnd() {
      // 00:00-00:25Z: the third unit starts at 00:20 and finishes at 00:30.
      assertThat(plan(1, thursdays(25)).estimatedFinish(T0))
          .isEqualTo(T0.plus(Duration.ofMinutes(30)));
    }

    @Test
    void startsNothingOutsideAWindowSoTheRestWaitsAWeek() {
      // 00:00-00:15Z: the canary, then node two from 00:10 (past the end); node three next week.
      assertThat(plan(1, thursdays(15)).estimatedFinish(T0))
          .isEqualTo(Instant.parse("2026-01-08T00:10:00Z"));
    }

    @Test
    void startingOutsideAWindowWaitsForItsOpening() {
      Instant friday = Instant.parse("2026-01-02T12:00:00Z");

      assertThat(plan(2, thursdays(15)).estimatedFinish(friday))
          .isEqualTo(Instant.parse("2026-01-08T00:20:00Z"));
    }

    @Test
    void anyOfSeveralWindowsWillDo() {
      // Thursday 00:00-00:15Z, and Thursday 00:20-00:21Z (01:20 CET) for the third.
      MaintenanceWindow late =
          MaintenanceWindow.weekly(
              BERLIN, LocalTime.of(1, 20), LocalTime.of(1, 21), DayOfWeek.THURSDAY);

      assertThat(plan(1, thursdays(15), late).estimatedFinish(T0))
          .isEqualTo(T0.plus(Duration.ofMinutes(30)));
    }

    @Test
    void ofAPlanWithNoUnitsIsItsStart() {
      UpgradePlan none =
          planner()
              .plan(
                  cluster(octopus("node-a", 5).withPlatform(Fixtures.WIN2022)),
                  Constraints.NONE,
                  Strategy.inPlace(),
                  TO_WIN2022,
                  policy().windows(thursdays(15)).build());

      assertThat(none.estimatedFinish(T0)).isEqualTo(T0);
    }
  }

  @Nested
  class Text {

    @Test
    void showsEachWindowWithItsNextOpeningAndTheEstimatedFinish() {
      String text = plan(1, thursdays(15)).toText();

      assertThat(text)
          .contains(
              "  maintenance windows: new nodes start only while one is open; "
                  + "a node in flight when it closes finishes its steps\n"
                  + "    \"0 0 1 ? * THU\" for 15m 00s, Europe/Berlin; "
                  + "next opens 2026-01-01T01:00+01:00[Europe/Berlin]\n"
                  + "  estimated finish 2026-01-08T01:10+01:00[Europe/Berlin] "
                  + "if started when planned (2026-01-01T00:00:00Z), "
                  + "each node taking its expected time\n");
    }

    @Test
    void ofAPlanWithoutWindowsIsAsBefore() {
      String text = plan(1).toText();

      assertThat(text).doesNotContain("maintenance windows").doesNotContain("estimated finish");
    }

    @Test
    void theJsonCarriesTheWindowsInThePolicy() {
      UpgradePlan plan = plan(1, thursdays(15));

      assertThat(plan.toJson()).contains("\"cron\" : \"0 0 1 ? * THU\"");
      assertThat(UpgradePlan.fromJson(plan.toJson()).policy().windows())
          .containsExactly(thursdays(15));
      assertThat(plan(1).toJson()).doesNotContain("windows");
    }
  }
}
