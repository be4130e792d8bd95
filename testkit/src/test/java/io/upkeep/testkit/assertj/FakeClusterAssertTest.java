package io.upkeep.testkit.assertj;

import static io.upkeep.testkit.assertj.TestkitAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upkeep.Budget;
import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.Strategy;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeTarget;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.InvariantMonitor;
import io.upkeep.testkit.NodeSpec;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class FakeClusterAssertTest {

  private final FakeCluster cluster =
      FakeCluster.builder().seed(5).nodes("n", 3, n -> n.taskCap(2)).build();

  @Test
  void passesForAClusterAsExpected() {
    cluster.setWeight(NodeId.of("n-1"), 50);

    assertThat(cluster)
        .hasNodeOnPlatform("n-1", NodeSpec.DEFAULT_PLATFORM)
        .hasNodeInService("n-2")
        .hasNoNodeDrained()
        .hasRecorded(ClusterEvent.WeightChanged.class);
  }

  @Test
  void failsNamingWhatIsWrongAndTheSeed() {
    cluster.drain(NodeId.of("n-2"), Instant.MAX);

    assertThatThrownBy(
            () -> assertThat(cluster).hasNodeOnPlatform("n-1", Platform.of("Linux", "", "1.0")))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("expected n-1 to be on <Linux / 1.0>")
        .hasMessageContaining("seed 5");
    assertThatThrownBy(() -> assertThat(cluster).hasNodeInService("n-2"))
        .hasMessageContaining("expected n-2 to be in service but it is HEALTHY and DRAINED");
    assertThatThrownBy(() -> assertThat(cluster).hasNoNodeDrained())
        .hasMessageContaining("[n-2 (DRAINED)]");
    assertThatThrownBy(() -> assertThat(cluster).hasRecorded(ClusterEvent.NodeLost.class))
        .hasMessageContaining("expected a NodeLost event among the 2 recorded");
  }

  @Test
  void reportsTheViolationsOfAMonitor() {
    InvariantMonitor monitor =
        InvariantMonitor.watch(
            cluster,
            UpgradePlanner.create(cluster.clock())
                .plan(
                    cluster,
                    Strategy.inPlace(),
                    UpgradeTarget.os("Windows Server 2022"),
                    Policy.builder()
                        .drainDeadline(Duration.ofHours(1))
                        .budget(Budget.ofNodes(1))
                        .build()));
    assertThat(cluster).hasNoViolations(monitor);

    cluster.drain(NodeId.of("n-1"), Instant.MAX);
    cluster.drain(NodeId.of("n-2"), Instant.MAX);

    assertThatThrownBy(() -> assertThat(cluster).hasNoViolations(monitor))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("replay with seed 5")
        .hasMessageContaining("above the budget of 1");
  }
}
