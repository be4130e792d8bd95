package io.upkeep.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.MaintenanceWindow;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.RunReport;
import io.upkeep.Strategy;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeTarget;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.http.ReadmeExamples;
import java.io.IOException;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's maintenance-window example: it runs, and the README shows exactly this code. */
class WindowsExampleTest {

  @Test
  void theReadmeWindowsExamplePlansAndRunsInsideTheWindowsAndTheReadmeShowsThisVeryCode()
      throws IOException {
    FakeCluster cluster =
        FakeCluster.builder()
            .nodes(
                "octo",
                3,
                n ->
                    n.role("octopus-node")
                        .taskCap(5)
                        .platform(Platform.of("Windows Server 2019", ".NET 6.0", "2024.1.0")))
            .build();
    UpgradeTarget target = UpgradeTarget.os("Windows Server 2022");

    // README-EXAMPLE-START
    Policy policy =
        Policy.builder()
            .drainDeadline(Duration.ofMinutes(30))
            .windows(
                // 22:00 to 02:00 on the second Tuesday of every month, in Berlin
                MaintenanceWindow.cron(
                    "0 0 22 ? * TUE#2", Duration.ofHours(4), ZoneId.of("Europe/Berlin")),
                // and Saturday nights from 23:00 to 05:00, in New York
                MaintenanceWindow.weekly(
                    ZoneId.of("America/New_York"),
                    LocalTime.of(23, 0),
                    LocalTime.of(5, 0),
                    DayOfWeek.SATURDAY))
            .build();
    UpgradePlan plan =
        UpgradePlanner.create(cluster.clock()).plan(cluster, Strategy.inPlace(), target, policy);
    System.out.println(plan.toText()); // the windows, their next openings, the estimated finish
    Instant finish = plan.estimatedFinish(cluster.clock().now()); // the same, for a later start
    // README-EXAMPLE-END

    List<UpgradeEvent.UnitStarted> starts = new ArrayList<>();
    RunReport report =
        UpgradeExecutor.builder()
            .cluster(cluster)
            .host(cluster)
            .time(cluster.clock())
            .listener(
                e -> {
                  if (e instanceof UpgradeEvent.UnitStarted s) {
                    starts.add(s);
                  }
                })
            .build()
            .start(plan)
            .execute();

    // 2026-01-01 is a Thursday: the first window to open is Saturday night's in New York.
    Instant saturdayNight = Instant.parse("2026-01-04T04:00:00Z");
    assertThat(report.succeeded()).isTrue();
    assertThat(starts).hasSize(3).allMatch(s -> !s.at().isBefore(saturdayNight));
    assertThat(finish).isAfter(saturdayNight);
    assertThat(plan.toText())
        .contains("next opens 2026-01-03T23:00-05:00[America/New_York]")
        .contains("next opens 2026-01-13T22:00+01:00[Europe/Berlin]")
        .contains("estimated finish");
    ReadmeExamples.assertShown(
        Path.of("src/test/java/io/upkeep/testkit/WindowsExampleTest.java"),
        Path.of("../README.md"),
        15,
        30);
  }
}
