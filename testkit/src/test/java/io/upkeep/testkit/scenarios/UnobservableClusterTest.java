package io.upkeep.testkit.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.ClusterOperationException;
import io.upkeep.ClusterSnapshot;
import io.upkeep.Policy;
import io.upkeep.RunReport;
import io.upkeep.RunStatus;
import io.upkeep.Strategy;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeRun;
import io.upkeep.UpgradeTarget;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.ForwardingClusterPort;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A cluster that cannot be observed for a while: the run pauses instead of waiting forever. */
class UnobservableClusterTest {

  /** The fake, except that observing it fails while {@code down} is set. */
  static final class Flaky extends ForwardingClusterPort {
    final FakeCluster fake;
    boolean down;
    boolean wentDown;

    Flaky(FakeCluster fake) {
      super(fake);
      this.fake = fake;
    }

    @Override
    public ClusterSnapshot observe() {
      if (down) {
        throw new ClusterOperationException("connection refused by the API", true);
      }
      return fake.observe();
    }
  }

  @Test
  void aClusterThatCannotBeObservedPausesTheRunAfterTheBlockedTimeoutAndResumesLater() {
    FakeCluster fake =
        FakeCluster.builder().nodes("octo", 3, n -> n.role("octopus-node").taskCap(5)).build();
    Flaky cluster = new Flaky(fake);
    UpgradePlan plan =
        UpgradePlanner.create(fake.clock())
            .plan(
                cluster,
                Strategy.inPlace(),
                UpgradeTarget.os("Windows Server 2022"),
                Policy.builder()
                    .drainDeadline(Duration.ofMinutes(30))
                    .blockedTimeout(Duration.ofMinutes(20))
                    .build());
    UpgradeRun[] run = new UpgradeRun[1];
    run[0] =
        UpgradeExecutor.builder()
            .cluster(cluster)
            .host(fake)
            .time(fake.clock())
            .listener(
                e -> {
                  if (e instanceof UpgradeEvent.UnitCompleted && !cluster.wentDown) {
                    cluster.down = true;
                    cluster.wentDown = true;
                  }
                })
            .build()
            .start(plan);

    Instant start = fake.clock().now();
    RunReport paused = run[0].execute();

    assertThat(paused.status()).isEqualTo(RunStatus.PAUSED);
    assertThat(paused.reason())
        .contains("cannot observe the cluster for 20m", "connection refused");
    assertThat(Duration.between(start, fake.clock().now())).isLessThan(Duration.ofHours(2));

    cluster.down = false;
    run[0].resume();
    RunReport done = run[0].execute();
    assertThat(done.succeeded()).as(done.summary()).isTrue();
  }
}
