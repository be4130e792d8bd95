package io.upkeep.testkit.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.Budget;
import io.upkeep.NodeId;
import io.upkeep.PlanUnit;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.RunReport;
import io.upkeep.Strategy;
import io.upkeep.TaskCap;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeTarget;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.journal.InMemoryJournalStore;
import io.upkeep.spi.JournalStore;
import io.upkeep.testkit.FakeCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A second upgrade of a cluster learns what each node took from the journal of the first: the plan
 * says so ({@code learned}), and the run starts the longest first, which is what brings its
 * makespan close to the lower bound. A first run knows nothing; a hint still wins.
 */
class LearnedEstimatesTest {

  /** Upgrade minutes per node, in an order unrelated to their names. */
  private static final Map<String, Integer> MINUTES =
      Map.of("n1", 5, "n2", 40, "n3", 12, "n4", 90, "n5", 1, "n6", 25);

  private static FakeCluster cluster() {
    FakeCluster.Builder b = FakeCluster.builder();
    for (int i = 1; i <= 6; i++) {
      String name = "n" + i;
      b.node(
          name,
          n ->
              n.role("node")
                  .platform(Platform.of("Ubuntu 22.04", "", "1.0"))
                  .taskCap(TaskCap.UNLIMITED)
                  .upgradeDuration(Duration.ofMinutes(MINUTES.get(name))));
    }
    return b.build();
  }

  private static Policy.Builder policy() {
    return Policy.builder()
        .budget(Budget.ofNodes(2))
        .drainDeadline(Duration.ofMinutes(30))
        .operationDeadline(Duration.ofHours(3));
  }

  private static UpgradePlan plan(UpgradePlanner planner, FakeCluster c, Policy policy) {
    return planner.plan(c, Strategy.inPlace(), UpgradeTarget.os("Ubuntu 24.04"), policy);
  }

  private static RunReport run(
      FakeCluster c, UpgradePlan plan, JournalStore journal, List<NodeId> started) {
    UpgradeExecutor.Builder b =
        UpgradeExecutor.builder()
            .cluster(c)
            .host(c)
            .time(c.clock())
            .listener(
                e -> {
                  if (e instanceof UpgradeEvent.UnitStarted s) {
                    started.add(s.unit());
                  }
                });
    if (journal != null) {
      b.journal(journal);
    }
    return b.build().start(plan).execute();
  }

  @Test
  void theSecondUpgradeOfAClusterExpectsWhatEachNodeTookAndStartsTheLongestFirst() {
    JournalStore journal = new InMemoryJournalStore();
    FakeCluster first = cluster();
    UpgradePlan firstPlan = plan(UpgradePlanner.create(first.clock()), first, policy().build());
    Map<NodeId, Duration> took = new HashMap<>();
    UpgradeExecutor.builder()
        .cluster(first)
        .host(first)
        .time(first.clock())
        .journal(journal)
        .listener(
            e -> {
              if (e instanceof UpgradeEvent.UnitCompleted u) {
                took.put(u.unit(), u.took());
              }
            })
        .build()
        .start(firstPlan)
        .execute();
    assertThat(firstPlan.units()).allMatch(u -> u.estimate() == PlanUnit.Estimate.DEFAULT);

    FakeCluster again = cluster();
    UpgradePlan learned =
        plan(UpgradePlanner.create(again.clock()).learnFrom(journal), again, policy().build());

    assertThat(learned.units())
        .allSatisfy(
            u -> {
              assertThat(u.estimate()).isEqualTo(PlanUnit.Estimate.LEARNED);
              assertThat(u.expected()).isEqualTo(took.get(u.node()));
            });
    assertThat(learned.toText()).contains(" learned]");
    assertThat(learned.id()).isNotEqualTo(firstPlan.id());
    List<NodeId> started = new ArrayList<>();
    RunReport informed = run(again, learned, null, started);
    assertThat(informed.succeeded()).isTrue();
    // The quickest is the canary (the soonest verdict), then the longest first.
    assertThat(started.subList(0, 3))
        .containsExactly(NodeId.of("n5"), NodeId.of("n4"), NodeId.of("n2"));
    // The control: the same cluster planned knowing nothing goes in its own order, and later.
    List<NodeId> blind = new ArrayList<>();
    FakeCluster third = cluster();
    RunReport uninformed =
        run(
            third,
            plan(UpgradePlanner.create(third.clock()), third, policy().build()),
            null,
            blind);
    assertThat(blind.subList(0, 3))
        .containsExactly(NodeId.of("n1"), NodeId.of("n2"), NodeId.of("n3"));
    assertThat(informed.duration()).isLessThan(uninformed.duration());
  }

  @Test
  void aHintWinsOverWhatWasLearnedAndAJournalWithoutARunTeachesNothing() {
    JournalStore journal = new InMemoryJournalStore();
    FakeCluster first = cluster();
    run(
        first,
        plan(UpgradePlanner.create(first.clock()), first, policy().build()),
        journal,
        new ArrayList<>());

    FakeCluster again = cluster();
    UpgradePlan hinted =
        plan(
            UpgradePlanner.create(again.clock()).learnFrom(journal),
            again,
            policy().durationHint("n5", Duration.ofHours(2)).build());
    assertThat(hinted.unit(NodeId.of("n5")).estimate()).isEqualTo(PlanUnit.Estimate.HINT);
    assertThat(hinted.unit(NodeId.of("n5")).expected()).isEqualTo(Duration.ofHours(2));
    assertThat(hinted.unit(NodeId.of("n1")).estimate()).isEqualTo(PlanUnit.Estimate.LEARNED);
    assertThat(hinted.toText()).contains("n5 [node, ~2h 00m hinted]");

    UpgradePlan nothing =
        plan(
            UpgradePlanner.create(again.clock()).learnFrom(new InMemoryJournalStore()),
            again,
            policy().build());
    assertThat(nothing.units()).allMatch(u -> u.estimate() == PlanUnit.Estimate.DEFAULT);
    assertThat(nothing.unit(NodeId.of("n1")).expected()).isEqualTo(Duration.ofMinutes(10));
  }
}
