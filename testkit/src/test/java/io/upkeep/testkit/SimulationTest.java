package io.upkeep.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.Durations;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's simulation, and the same at 1,000 nodes, inside the normal test run. */
class SimulationTest {

  @Test
  void theDefaultSimulationUpgradesEveryNodePrintingThePlanAndOneLinePerStateChange() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Simulation.Outcome o =
        Simulation.run(24, 42, new PrintStream(bytes, true, StandardCharsets.UTF_8));

    assertThat(o.report().succeeded()).as(o.report().summary()).isTrue();
    assertThat(o.monitor().violations()).isEmpty();
    assertThat(o.monitor().checks()).isPositive();
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(out)
        .contains(
            "Upgrade plan plan-",
            "server-1 [server",
            "Progress (virtual time since start):",
            "] server-1: upgraded in",
            "] run succeeded");
    assertThat(out.lines().filter(l -> l.startsWith("[+"))).hasSizeGreaterThan(27 * 5);
  }

  @Test
  void aThousandNodeRegionCompletesInVirtualTimeNearItsLowerBound() {
    Simulation.Outcome o = Simulation.run(997, 7, new PrintStream(PrintStream.nullOutputStream()));

    assertThat(o.report().succeeded()).as(o.report().summary()).isTrue();
    assertThat(o.report().upgraded()).hasSize(1000);
    assertThat(o.monitor().violations()).isEmpty();
    // Longest-expected-first in a sliding window stays close to max(longest, total / budget);
    // batch-by-batch rollouts take several times that (ARCHITECTURE.md).
    Duration bound = Simulation.lowerBound(o);
    assertThat(o.report().duration().toMillis())
        .as(
            "makespan %s against a lower bound of %s",
            Durations.format(o.report().duration()), Durations.format(bound))
        .isLessThanOrEqualTo((long) (bound.toMillis() * 1.15));
  }
}
