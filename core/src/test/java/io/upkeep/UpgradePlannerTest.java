package io.upkeep;

import static io.upkeep.Fixtures.CLIENT;
import static io.upkeep.Fixtures.NOMAD_17;
import static io.upkeep.Fixtures.NOMAD_18;
import static io.upkeep.Fixtures.OCTOPUS;
import static io.upkeep.Fixtures.SERVER;
import static io.upkeep.Fixtures.T0;
import static io.upkeep.Fixtures.TO_NOMAD_18;
import static io.upkeep.Fixtures.TO_WIN2022;
import static io.upkeep.Fixtures.WIN2019;
import static io.upkeep.Fixtures.WIN2022;
import static io.upkeep.Fixtures.assertDependenciesCanBeMet;
import static io.upkeep.Fixtures.cluster;
import static io.upkeep.Fixtures.id;
import static io.upkeep.Fixtures.kinds;
import static io.upkeep.Fixtures.nomadClient;
import static io.upkeep.Fixtures.nomadConstraints;
import static io.upkeep.Fixtures.nomadServer;
import static io.upkeep.Fixtures.octopus;
import static io.upkeep.Fixtures.octopusNodes;
import static io.upkeep.Fixtures.planner;
import static io.upkeep.Fixtures.policy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.tuple;

import io.upkeep.Action.Approval;
import io.upkeep.Action.AwaitHealthy;
import io.upkeep.Action.AwaitIdle;
import io.upkeep.Action.CopyFolders;
import io.upkeep.Action.Decommission;
import io.upkeep.Action.Drain;
import io.upkeep.Action.EnterMaintenance;
import io.upkeep.Action.ExitMaintenance;
import io.upkeep.Action.Provision;
import io.upkeep.Action.RemoveMember;
import io.upkeep.Action.SetTaskCap;
import io.upkeep.Action.SetTrafficWeight;
import io.upkeep.Action.Snapshot;
import io.upkeep.Action.Soak;
import io.upkeep.Action.StartService;
import io.upkeep.Action.StopService;
import io.upkeep.Action.Undrain;
import io.upkeep.Action.Upgrade;
import io.upkeep.Action.Verify;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class UpgradePlannerTest {

  private static final Duration FIVE_MINUTES = Duration.ofMinutes(5);
  private static final Duration TEN_MINUTES = Duration.ofMinutes(10);

  private static UpgradePlan plan(
      ClusterSnapshot snapshot,
      Constraints constraints,
      Strategy strategy,
      UpgradeTarget target,
      Policy policy) {
    return planner().plan(snapshot, constraints, strategy, target, policy);
  }

  /** Plans through a cluster port that fails on any change, and returns the refusal. */
  private static PlanValidationException refusal(
      ClusterSnapshot snapshot,
      Constraints constraints,
      Strategy strategy,
      UpgradeTarget target,
      Policy policy) {
    Fixtures.ReadOnlyCluster port = new Fixtures.ReadOnlyCluster(snapshot, constraints);
    PlanValidationException e =
        catchThrowableOfType(
            PlanValidationException.class, () -> planner().plan(port, strategy, target, policy));
    assertThat(e).as("the planner must refuse this plan").isNotNull();
    assertThat(port.callsOtherThanReads()).as("a refused plan touches nothing").isEmpty();
    assertThat(e.getMessage()).startsWith("cannot plan this upgrade");
    e.problems().forEach(p -> assertThat(e.getMessage()).contains(p));
    return e;
  }

  private static int indexOf(UpgradePlan plan, String node) {
    List<NodeId> order = plan.units().stream().map(PlanUnit::node).toList();
    assertThat(order).contains(id(node));
    return order.indexOf(id(node));
  }

  private static ClusterSnapshot threeOctopusNodes() {
    return cluster(octopus("node-a", 5), octopus("node-b", 5), octopus("node-c", 5));
  }

  private static ClusterSnapshot nomadCluster() {
    return cluster(
        nomadServer("server-1", false),
        nomadServer("server-2", true),
        nomadServer("server-3", false),
        nomadClient("client-1"),
        nomadClient("client-2"),
        nomadClient("client-3"),
        nomadClient("client-4"));
  }

  @Nested
  class RefusesBadInput {

    @Test
    void refusesAnEmptyClusterSayingWhatToCheck() {
      PlanValidationException e =
          refusal(cluster(), Constraints.NONE, Strategy.inPlace(), TO_WIN2022, policy().build());

      assertThat(e.problems())
          .singleElement()
          .asString()
          .contains("no nodes")
          .contains("check that the adapter points at the right cluster");
    }

    @Test
    void refusesAnUnknownNodeInOnlyNamingItTheKnownNodesAndTheFix() {
      PlanValidationException e =
          refusal(
              threeOctopusNodes(),
              Constraints.NONE,
              Strategy.inPlace(),
              TO_WIN2022,
              policy().only("node-a", "Node-B").build());

      assertThat(e.problems())
          .singleElement()
          .asString()
          .contains(
              "'Node-B'",
              "policy.only",
              "node-a",
              "node-b",
              "node-c",
              "correct the name",
              "case-sensitive");
    }

    @Test
    void refusesAnUnknownNodeInDurationHintsNamingItAndTheFix() {
      PlanValidationException e =
          refusal(
              threeOctopusNodes(),
              Constraints.NONE,
              Strategy.inPlace(),
              TO_WIN2022,
              policy().durationHint("node-z", Duration.ofHours(1)).build());

      assertThat(e.problems())
          .singleElement()
          .asString()
          .contains("'node-z'", "policy.durationHints", "correct the name");
    }

    @Test
    void refusesADowngradeNamingTheNode() {
      ClusterSnapshot snapshot =
          cluster(
              octopus("node-a", 5),
              octopus("node-b", 5)
                  .withPlatform(Platform.of("Windows Server 2019", ".NET 6.0", "2024.2.1")),
              octopus("node-c", 5));

      PlanValidationException e =
          refusal(
              snapshot,
              Constraints.NONE,
              Strategy.inPlace(),
              UpgradeTarget.product("2024.1.5000"),
              policy().build());

      assertThat(e.problems())
          .singleElement()
          .asString()
          .startsWith("node-b")
          .contains("2024.2.1", "2024.1.5000", "downgrade", "pick a target at or above 2024.2.1");
    }

    @Test
    void refusesADowngradeEvenWhenVersionSkewIsForced() {
      ClusterSnapshot snapshot = cluster(octopus("node-a", 5), octopus("node-b", 5));

      PlanValidationException e =
          refusal(
              snapshot,
              Constraints.NONE,
              Strategy.inPlace(),
              UpgradeTarget.product("2023.4.1"),
              policy().forceVersionSkew(true).build());

      assertThat(e.problems()).hasSize(2).allSatisfy(p -> assertThat(p).contains("downgrade"));
      assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("node-a"));
      assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("node-b"));
    }

    @Test
    void refusesAJumpBeyondTheSupportedSkewNamingTheNodeAndBothFixes() {
      ClusterSnapshot snapshot =
          cluster(
              nomadServer("server-1", false),
              nomadServer("server-2", true),
              nomadServer("server-3", false));

      PlanValidationException e =
          refusal(
              snapshot,
              nomadConstraints(),
              Strategy.inPlace(),
              UpgradeTarget.product("1.9.0"),
              policy().build());

      assertThat(e.problems()).hasSize(3);
      assertThat(e.problems())
          .allSatisfy(
              p ->
                  assertThat(p)
                      .contains(
                          "1.7.3",
                          "1.9.0",
                          "skips 2 minor releases",
                          "intermediate releases",
                          "forceVersionSkew(true)"));
      assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("server-2"));
    }

    @Test
    void plansAJumpBeyondTheSupportedSkewWhenForced() {
      ClusterSnapshot snapshot =
          cluster(
              nomadServer("server-1", false),
              nomadServer("server-2", true),
              nomadServer("server-3", false));

      UpgradePlan plan =
          plan(
              snapshot,
              nomadConstraints(),
              Strategy.inPlace(),
              UpgradeTarget.product("1.9.0"),
              policy().forceVersionSkew(true).build());

      assertThat(plan.units()).hasSize(3);
    }

    @Test
    void refusesASingleNodeInPlaceWithoutAllowDowntimeSayingDowntimeAndHowToAcceptIt() {
      PlanValidationException e =
          refusal(
              cluster(octopus("solo", 5)),
              Constraints.NONE,
              Strategy.inPlace(),
              TO_WIN2022,
              policy().build());

      assertThat(e.problems())
          .singleElement()
          .asString()
          .contains("DOWNTIME", "solo", "maintenance mode", "allowDowntime(true)", "add a node");
    }

    @Test
    void refusesInPlaceOnAQuorumRoleOfTwoVoters() {
      ClusterSnapshot snapshot =
          cluster(
              nomadServer("server-1", true),
              nomadServer("server-2", false),
              nomadClient("client-1"));

      PlanValidationException e =
          refusal(snapshot, nomadConstraints(), Strategy.inPlace(), TO_NOMAD_18, policy().build());

      assertThat(e.problems())
          .singleElement()
          .asString()
          .contains(
              "role server",
              "2 voter(s)",
              "lose quorum",
              "2 needed",
              "add voters",
              "Strategy.rollingReplace()");
    }

    @Test
    void refusesInPlaceOnTheOnlyVoterOfAClusterWithClients() {
      ClusterSnapshot snapshot =
          cluster(nomadServer("server-1", true), nomadClient("client-1"), nomadClient("client-2"));

      PlanValidationException e =
          refusal(snapshot, nomadConstraints(), Strategy.inPlace(), TO_NOMAD_18, policy().build());

      assertThat(e.problems())
          .singleElement()
          .asString()
          .contains("role server", "1 voter(s)", "lose quorum");
    }

    @Test
    void refusesInPlaceOnASingleServerClusterEvenWithDowntimeAllowed() {
      PlanValidationException e =
          refusal(
              cluster(nomadServer("server-1", true)),
              nomadConstraints(),
              Strategy.inPlace(),
              TO_NOMAD_18,
              policy().allowDowntime(true).build());

      assertThat(e.problems())
          .singleElement()
          .asString()
          .contains("server-1", "only voter", "quorum", "add servers first");
    }

    @Test
    void plansAQuorumRoleThatOnlyHasVotersToSpareWhenItHasThree() {
      UpgradePlan plan =
          plan(
              nomadCluster(),
              nomadConstraints(),
              Strategy.inPlace(),
              TO_NOMAD_18,
              policy().build());

      assertThat(plan.units()).hasSize(7);
    }

    @Test
    void refusesAMinimumCapacityThatOneNodeOutWouldBreak() {
      ClusterSnapshot snapshot = cluster(octopus("node-a", 5), octopus("node-b", 5));

      PlanValidationException e =
          refusal(
              snapshot,
              Constraints.NONE.withMinimumCapacity(8),
              Strategy.inPlace(),
              TO_WIN2022,
              policy().build());

      assertThat(e.problems())
          .singleElement()
          .asString()
          .contains(
              "octopus-node",
              "minimum capacity of 8",
              "lower it",
              "add a node",
              "Strategy.rollingReplace()");
    }

    @Test
    void plansInPlaceWhenOneNodeOutStillMeetsTheMinimumCapacity() {
      ClusterSnapshot snapshot = cluster(octopus("node-a", 5), octopus("node-b", 5));

      UpgradePlan plan =
          plan(
              snapshot,
              Constraints.NONE.withMinimumCapacity(5),
              Strategy.inPlace(),
              TO_WIN2022,
              policy().budget(Budget.ofNodes(2)).build());

      assertThat(plan.budgets()).containsEntry(OCTOPUS, 1);
    }

    @Test
    void refusesCloneAndMigrateToAnotherProductVersion() {
      PlanValidationException e =
          refusal(
              cluster(octopus("octo-1", 5)),
              Constraints.NONE,
              Strategy.cloneAndMigrate(false),
              TO_WIN2022.andProduct("2024.2.1"),
              policy().allowDowntime(true).build());

      assertThat(e.problems())
          .singleElement()
          .asString()
          .contains(
              "same product version", "2024.1.1234", "2024.2.1", "upgrade the product separately");
    }

    @Test
    void refusesCloneAndMigrateOfMoreThanOneNodeSayingHowToSelectOne() {
      PlanValidationException e =
          refusal(
              cluster(octopus("octo-1", 5), octopus("octo-2", 5)),
              Constraints.NONE,
              Strategy.cloneAndMigrate(false),
              TO_WIN2022,
              policy().allowDowntime(true).build());

      assertThat(e.problems())
          .singleElement()
          .asString()
          .contains("exactly one instance", "2 nodes", "policy.only", "rolling replace");
    }

    @Test
    void refusesCloneAndMigrateWithoutAllowDowntime() {
      PlanValidationException e =
          refusal(
              cluster(octopus("octo-1", 5)),
              Constraints.NONE,
              Strategy.cloneAndMigrate(false),
              TO_WIN2022,
              policy().build());

      assertThat(e.problems())
          .singleElement()
          .asString()
          .contains("DOWNTIME", "allowDowntime(true)", "rolling replace");
    }

    @Test
    void refusesARollingReplacementWhoseNewNameIsTaken() {
      ClusterSnapshot snapshot =
          cluster(
              octopus("node-a", 5),
              octopus("node-b", 5),
              octopus("node-a-next", 5).withPlatform(WIN2022));

      PlanValidationException e =
          refusal(
              snapshot, Constraints.NONE, Strategy.rollingReplace(), TO_WIN2022, policy().build());

      assertThat(e.problems())
          .singleElement()
          .asString()
          .contains("node-a-next", "already taken", "remove it", "another suffix");
    }

    @Test
    void refusesACloneWhoseNameIsTaken() {
      ClusterSnapshot snapshot =
          cluster(octopus("octo-1", 5), octopus("octo-1-clone", 5).withPlatform(WIN2022));

      PlanValidationException e =
          refusal(
              snapshot,
              Constraints.NONE,
              Strategy.cloneAndMigrate(false),
              TO_WIN2022,
              policy().allowDowntime(true).only("octo-1").build());

      assertThat(e.problems()).singleElement().asString().contains("octo-1-clone", "already taken");
    }

    @Test
    void refusesAnExclusiveTrialThatLeavesLessThanTheMinimumCapacity() {
      PlanValidationException e =
          refusal(
              threeOctopusNodes(),
              Constraints.NONE.withMinimumCapacity(8),
              Strategy.rollingReplace(),
              TO_WIN2022,
              policy().build());

      assertThat(e.problems())
          .singleElement()
          .asString()
          .contains(
              "exclusive trial",
              "5 task slots",
              "minimum capacity of 8",
              "exclusiveTrial(false)",
              "trialTaskCap(8)");
    }

    @Test
    void plansTheSameReplacementWithoutAnExclusiveTrial() {
      UpgradePlan plan =
          plan(
              threeOctopusNodes(),
              Constraints.NONE.withMinimumCapacity(8),
              Strategy.rollingReplace(),
              TO_WIN2022,
              policy().exclusiveTrial(false).build());

      assertThat(plan.units()).hasSize(3);
    }

    @Test
    void doesNotHoldATrialThatWillNotHappenAgainstTheMinimumCapacity() {
      // Only canaries get a trial; with no canaries there is none to leave too few task slots.
      UpgradePlan plan =
          plan(
              threeOctopusNodes(),
              Constraints.NONE.withMinimumCapacity(8),
              Strategy.rollingReplace(),
              TO_WIN2022,
              policy().canaries(0).build());

      assertThat(plan.steps()).noneMatch(s -> s.reason().startsWith("trial"));
    }

    @Test
    void reportsEveryProblemTogether() {
      ClusterSnapshot snapshot = cluster(octopus("node-a", 5), octopus("node-b", 5));

      PlanValidationException e =
          refusal(
              snapshot,
              Constraints.NONE.withMinimumCapacity(8),
              Strategy.inPlace(),
              UpgradeTarget.product("2023.1.1"),
              policy()
                  .only("node-a", "ghost")
                  .durationHint("phantom", Duration.ofMinutes(3))
                  .build());

      assertThat(e.problems()).hasSize(4);
      assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains("'ghost'", "policy.only"));
      assertThat(e.problems())
          .anySatisfy(p -> assertThat(p).contains("'phantom'", "policy.durationHints"));
      assertThat(e.problems())
          .anySatisfy(p -> assertThat(p).startsWith("node-a").contains("downgrade"));
      assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains("minimum capacity of 8"));
    }

    @Test
    void rejectsNullArgumentsNamingThem() {
      Policy p = policy().build();
      assertThatNullPointerException()
          .isThrownBy(
              () -> planner().plan(null, Constraints.NONE, Strategy.inPlace(), TO_WIN2022, p))
          .withMessageContaining("snapshot");
      assertThatNullPointerException()
          .isThrownBy(
              () ->
                  planner()
                      .plan(
                          threeOctopusNodes(),
                          Constraints.NONE,
                          Strategy.inPlace(),
                          TO_WIN2022,
                          null))
          .withMessageContaining("policy");
      assertThatNullPointerException()
          .isThrownBy(() -> UpgradePlanner.create(null))
          .withMessageContaining("time");
    }
  }

  @Nested
  class InPlaceOnAnHaCluster {

    @Test
    void placesTheNodeHooksTheyAskForAsStepsOfTheirOwn() {
      UpgradePlan plan =
          plan(
              threeOctopusNodes(),
              Constraints.NONE,
              Strategy.inPlace(),
              TO_WIN2022,
              policy()
                  .probes("api-up")
                  .canaries(0)
                  .hook("ticket", HookPoint.BEFORE_UNIT)
                  .hook("ticket-close", HookPoint.AFTER_UNIT)
                  .hook("quiesce", HookPoint.BEFORE_STOP)
                  .hook("prepare", HookPoint.BEFORE_START)
                  .hook("smoke", HookPoint.AFTER_VERIFY)
                  .hook("servers-only", HookPoint.BEFORE_STOP, "server")
                  .build());

      PlanUnit unit = plan.units().get(0);
      NodeId n = unit.node();
      assertThat(unit.steps())
          .extracting(PlanStep::node, PlanStep::action)
          .containsExactly(
              tuple(n, new Action.RunHook("ticket", HookPoint.BEFORE_UNIT)),
              tuple(n, new Drain()),
              tuple(n, new Snapshot()),
              tuple(n, new Action.RunHook("quiesce", HookPoint.BEFORE_STOP)),
              tuple(n, new StopService()),
              tuple(n, new Upgrade(TO_WIN2022)),
              tuple(n, new Action.RunHook("prepare", HookPoint.BEFORE_START)),
              tuple(n, new StartService()),
              tuple(n, new AwaitHealthy(WIN2022)),
              tuple(n, new Verify(List.of("api-up"))),
              tuple(n, new Action.RunHook("smoke", HookPoint.AFTER_VERIFY)),
              tuple(n, new Undrain()),
              tuple(n, new Action.RunHook("ticket-close", HookPoint.AFTER_UNIT)));
      assertThat(plan.toText()).contains("run hook 'smoke' (after verify)");
      assertThat(UpgradePlan.fromJson(plan.toJson()).units().get(0).steps())
          .isEqualTo(unit.steps());
    }

    @Test
    void upgradesEachNodeDrainSnapshotStopUpgradeStartAwaitVerifyUndrainInThatOrder() {
      UpgradePlan plan =
          plan(
              threeOctopusNodes(),
              Constraints.NONE,
              Strategy.inPlace(),
              TO_WIN2022,
              policy().probes("api-up").canaries(0).build());

      assertThat(plan.units()).hasSize(3);
      for (PlanUnit unit : plan.units()) {
        assertThat(unit.steps())
            .extracting(PlanStep::node, PlanStep::action)
            .containsExactly(
                tuple(unit.node(), new Drain()),
                tuple(unit.node(), new Snapshot()),
                tuple(unit.node(), new StopService()),
                tuple(unit.node(), new Upgrade(TO_WIN2022)),
                tuple(unit.node(), new StartService()),
                tuple(unit.node(), new AwaitHealthy(WIN2022)),
                tuple(unit.node(), new Verify(List.of("api-up"))),
                tuple(unit.node(), new Undrain()));
      }
    }

    @Test
    void expectsTheTargetAppliedToEachNodesOwnPlatform() {
      Platform older = Platform.of("Windows Server 2016", ".NET 4.8", "2023.4.100");
      ClusterSnapshot snapshot =
          cluster(octopus("node-a", 5), octopus("node-b", 5).withPlatform(older));
      UpgradeTarget target = UpgradeTarget.runtime(".NET 8.0");

      UpgradePlan plan =
          plan(snapshot, Constraints.NONE, Strategy.inPlace(), target, policy().build());

      assertThat(plan.unit(id("node-a")).steps())
          .extracting(PlanStep::action)
          .contains(
              new AwaitHealthy(Platform.of("Windows Server 2019", ".NET 8.0", "2024.1.1234")));
      assertThat(plan.unit(id("node-b")).steps())
          .extracting(PlanStep::action)
          .contains(new AwaitHealthy(Platform.of("Windows Server 2016", ".NET 8.0", "2023.4.100")));
    }

    @Test
    void omitsTheVerifyStepWithoutProbes() {
      UpgradePlan plan =
          plan(
              threeOctopusNodes(),
              Constraints.NONE,
              Strategy.inPlace(),
              TO_WIN2022,
              policy().canaries(0).build());

      assertThat(plan.steps()).extracting(PlanStep::action).noneMatch(a -> a instanceof Verify);
      assertThat(kinds(plan.units().get(0)))
          .containsExactly(
              "Drain",
              "Snapshot",
              "StopService",
              "Upgrade",
              "StartService",
              "AwaitHealthy",
              "Undrain");
    }

    @Test
    void omitsTheSnapshotWhenSnapshotsAreOff() {
      UpgradePlan plan =
          plan(
              threeOctopusNodes(),
              Constraints.NONE,
              Strategy.inPlace(),
              TO_WIN2022,
              policy().snapshots(false).canaries(0).build());

      assertThat(plan.steps()).extracting(PlanStep::action).noneMatch(a -> a instanceof Snapshot);
      assertThat(kinds(plan.units().get(0)))
          .containsExactly(
              "Drain", "StopService", "Upgrade", "StartService", "AwaitHealthy", "Undrain");
    }

    @Test
    void doesNotDrainNodesThatRunNoWork() {
      UpgradePlan plan =
          plan(
              nomadCluster(),
              nomadConstraints(),
              Strategy.inPlace(),
              TO_NOMAD_18,
              policy().canaries(0).build());

      for (String server : List.of("server-1", "server-2", "server-3")) {
        assertThat(kinds(plan.unit(id(server))))
            .containsExactly("Snapshot", "StopService", "Upgrade", "StartService", "AwaitHealthy");
      }
      assertThat(kinds(plan.unit(id("client-1"))))
          .containsExactly(
              "Drain",
              "Snapshot",
              "StopService",
              "Upgrade",
              "StartService",
              "AwaitHealthy",
              "Undrain");
    }

    @Test
    void neverUsesClusterMaintenanceModeOnAnHaCluster() {
      UpgradePlan plan =
          plan(
              threeOctopusNodes(),
              Constraints.NONE,
              Strategy.inPlace(),
              TO_WIN2022,
              policy().build());

      assertThat(plan.steps())
          .extracting(PlanStep::action)
          .noneMatch(a -> a instanceof EnterMaintenance || a instanceof ExitMaintenance);
      assertThat(plan.warnings()).noneMatch(w -> w.contains("DOWNTIME"));
    }

    @Test
    void givesEveryStepAPlanWideUniqueIdAndAReason() {
      UpgradePlan plan =
          plan(
              nomadCluster(),
              nomadConstraints(),
              Strategy.inPlace(),
              TO_NOMAD_18,
              policy().approveCanaries(true).probes("raft").build());

      List<String> ids = plan.steps().stream().map(PlanStep::id).toList();
      assertThat(new HashSet<>(ids)).hasSameSizeAs(ids);
      assertThat(plan.steps()).allSatisfy(s -> assertThat(s.reason()).isNotBlank());
    }

    @Test
    void stampsThePlanWithThePlannersTimeAndKeepsItsInputs() {
      Policy policy = policy().build();
      Constraints constraints = nomadConstraints();

      UpgradePlan plan = plan(nomadCluster(), constraints, Strategy.inPlace(), TO_NOMAD_18, policy);

      assertThat(plan.createdAt()).isEqualTo(T0);
      assertThat(plan.policy()).isEqualTo(policy);
      assertThat(plan.constraints()).isEqualTo(constraints);
      assertThat(plan.target()).isEqualTo(TO_NOMAD_18);
      assertThat(plan.strategy()).isEqualTo(Strategy.inPlace());
      assertThat(plan.id()).startsWith("plan-");
    }

    @Test
    void givesEqualInputsTheSamePlanId() {
      Policy policy = policy().build();

      UpgradePlan first =
          plan(nomadCluster(), nomadConstraints(), Strategy.inPlace(), TO_NOMAD_18, policy);
      UpgradePlan second =
          plan(nomadCluster(), nomadConstraints(), Strategy.inPlace(), TO_NOMAD_18, policy);

      assertThat(second).isEqualTo(first);
    }

    @Test
    void givesEqualPoliciesTheSamePlanIdWhateverOrderTheirNodesWereGivenIn() {
      // The id is "derived from the plan's content"; equal policies are equal content. "Aa" and
      // "BB" have the same hash code, so an order-sensitive rendering of the policy shows here.
      ClusterSnapshot snapshot = cluster(octopus("Aa", 5), octopus("BB", 5), octopus("Cc", 5));
      Policy forwards =
          policy()
              .only("Aa", "BB")
              .durationHint("Aa", Duration.ofMinutes(12))
              .durationHint("BB", Duration.ofMinutes(11))
              .build();
      Policy backwards =
          policy()
              .only("BB", "Aa")
              .durationHint("BB", Duration.ofMinutes(11))
              .durationHint("Aa", Duration.ofMinutes(12))
              .build();
      assertThat(forwards).isEqualTo(backwards);

      UpgradePlan first =
          plan(snapshot, Constraints.NONE, Strategy.inPlace(), TO_WIN2022, forwards);
      UpgradePlan second =
          plan(snapshot, Constraints.NONE, Strategy.inPlace(), TO_WIN2022, backwards);

      assertThat(second.id()).isEqualTo(first.id());
    }

    @Test
    void plansTheSameThroughAClusterPortAsFromItsSnapshot() {
      Fixtures.ReadOnlyCluster port =
          new Fixtures.ReadOnlyCluster(nomadCluster(), nomadConstraints());
      Policy policy = policy().build();

      UpgradePlan viaPort = planner().plan(port, Strategy.inPlace(), TO_NOMAD_18, policy);

      assertThat(viaPort)
          .isEqualTo(
              plan(nomadCluster(), nomadConstraints(), Strategy.inPlace(), TO_NOMAD_18, policy));
      assertThat(port.callsOtherThanReads()).isEmpty();
    }
  }

  @Nested
  class SingleNodeWithDowntimeAllowed {

    private final UpgradePlan plan =
        plan(
            cluster(octopus("solo", 5)),
            Constraints.NONE,
            Strategy.inPlace(),
            TO_WIN2022,
            policy().allowDowntime(true).probes("api-up").build());

    @Test
    void warnsOfThePlannedDowntimeNamingTheNode() {
      assertThat(plan.warnings())
          .anySatisfy(w -> assertThat(w).startsWith("DOWNTIME").contains("solo"));
    }

    @Test
    void usesClusterMaintenanceModeInsteadOfADrain() {
      PlanUnit unit = plan.unit(id("solo"));

      assertThat(kinds(unit)).doesNotContain("Drain", "Undrain");
      assertThat(unit.steps())
          .extracting(PlanStep::action)
          .startsWith(
              new EnterMaintenance(),
              new AwaitIdle(),
              new Snapshot(),
              new StopService(),
              new Upgrade(TO_WIN2022),
              new StartService(),
              new AwaitHealthy(WIN2022),
              new Verify(List.of("api-up")),
              new ExitMaintenance());
    }

    @Test
    void endsTheDowntimeLastWhenThereIsNoCanarySoak() {
      UpgradePlan noCanary =
          plan(
              cluster(octopus("solo", 5)),
              Constraints.NONE,
              Strategy.inPlace(),
              TO_WIN2022,
              policy().allowDowntime(true).canaries(0).build());

      assertThat(kinds(noCanary.unit(id("solo"))))
          .containsExactly(
              "EnterMaintenance",
              "AwaitIdle",
              "Snapshot",
              "StopService",
              "Upgrade",
              "StartService",
              "AwaitHealthy",
              "ExitMaintenance");
    }
  }

  @Nested
  class Budgets {

    @Test
    void takesThePolicyBudgetWhenItIsTheSmallest() {
      UpgradePlan plan =
          plan(
              nomadCluster(),
              nomadConstraints().withBudget(CLIENT, Budget.ofNodes(3)),
              Strategy.inPlace(),
              TO_NOMAD_18,
              policy().budget(Budget.ofNodes(1)).build());

      assertThat(plan.budgets()).containsOnly(entry(SERVER, 1), entry(CLIENT, 1));
    }

    @Test
    void takesTheSmallestOfPolicyConstraintAndQuorumHeadroomPerRole() {
      List<Node> nodes = new ArrayList<>();
      for (int i = 1; i <= 5; i++) {
        nodes.add(nomadServer("server-" + i, i == 5));
      }
      for (int i = 1; i <= 20; i++) {
        nodes.add(nomadClient("client-" + i));
      }
      Constraints constraints =
          nomadConstraints()
              .withBudget(SERVER, Budget.ofNodes(4))
              .withBudget(CLIENT, Budget.ofPercent(10));

      UpgradePlan plan =
          plan(
              cluster(nodes),
              constraints,
              Strategy.inPlace(),
              TO_NOMAD_18,
              policy().budget(Budget.ofNodes(3)).build());

      // servers: min(policy 3, system 4, 5 voters - quorum 3 = 2); clients: min(policy 3, 10% of 20
      // = 2)
      assertThat(plan.budgets()).containsEntry(SERVER, 2).containsEntry(CLIENT, 2).hasSize(2);
    }

    @Test
    void takesTheConstraintsBudgetWhenItIsTheSmallest() {
      UpgradePlan plan =
          plan(
              cluster(octopusNodes("node", 10, 5)),
              Constraints.NONE.withBudget(OCTOPUS, Budget.ofNodes(2)),
              Strategy.inPlace(),
              TO_WIN2022,
              policy().budget(Budget.ofNodes(4)).build());

      assertThat(plan.budgets()).containsEntry(OCTOPUS, 2);
    }

    @Test
    void limitsInPlaceVotersToQuorumHeadroomEvenWithAGenerousPolicy() {
      UpgradePlan plan =
          plan(
              nomadCluster(),
              nomadConstraints(),
              Strategy.inPlace(),
              TO_NOMAD_18,
              policy().budget(Budget.ofPercent(100)).build());

      assertThat(plan.budgets()).containsEntry(SERVER, 1).containsEntry(CLIENT, 4);
    }

    @Test
    void resolvesAPercentageBudgetAgainstTheWholeRole() {
      UpgradePlan plan =
          plan(
              cluster(octopusNodes("node", 1000, 5)),
              Constraints.NONE,
              Strategy.inPlace(),
              TO_WIN2022,
              policy().budget(Budget.ofPercent(10)).build());

      assertThat(plan.budgets()).containsEntry(OCTOPUS, 100);
    }

    @Test
    void limitsInPlaceByTheMinimumCapacity() {
      UpgradePlan plan =
          plan(
              cluster(octopusNodes("node", 4, 5)),
              Constraints.NONE.withMinimumCapacity(10),
              Strategy.inPlace(),
              TO_WIN2022,
              policy().budget(Budget.ofNodes(3)).build());

      // 20 slots; two nodes out leave 10, a third would leave 5
      assertThat(plan.budgets()).containsEntry(OCTOPUS, 2);
    }

    @Test
    void hasABudgetOnlyForRolesWithWorkToDo() {
      ClusterSnapshot snapshot =
          cluster(
              nomadServer("server-1", false).withPlatform(NOMAD_18),
              nomadServer("server-2", true).withPlatform(NOMAD_18),
              nomadServer("server-3", false).withPlatform(NOMAD_18),
              nomadClient("client-1"),
              nomadClient("client-2"));

      UpgradePlan plan =
          plan(snapshot, nomadConstraints(), Strategy.inPlace(), TO_NOMAD_18, policy().build());

      assertThat(plan.budgets()).containsOnlyKeys(CLIENT);
    }
  }

  @Nested
  class Ordering {

    private final UpgradePlan plan =
        plan(
            nomadCluster(),
            nomadConstraints(),
            Strategy.inPlace(),
            TO_NOMAD_18,
            policy().canaries(0).build());

    @Test
    void upgradesEveryServerBeforeAnyClient() {
      List<NodeId> servers = List.of(id("server-1"), id("server-2"), id("server-3"));

      assertThat(plan.units())
          .filteredOn(u -> u.role().equals(CLIENT))
          .hasSize(4)
          .allSatisfy(u -> assertThat(u.after()).containsAll(servers));
      assertThat(plan.units())
          .filteredOn(u -> u.role().equals(SERVER))
          .allSatisfy(u -> assertThat(u.after()).noneMatch(n -> n.value().startsWith("client")));
    }

    @Test
    void listsServerUnitsBeforeClientUnits() {
      assertThat(plan.units())
          .extracting(PlanUnit::role)
          .containsExactly(SERVER, SERVER, SERVER, CLIENT, CLIENT, CLIENT, CLIENT);
    }

    @Test
    void upgradesTheLeaderLastAmongTheServersWhoeverLeadsWhenItsTurnComes() {
      PlanUnit leader = plan.unit(id("server-2"));

      assertThat(indexOf(plan, "server-2")).isEqualTo(2);
      // Leadership can move mid-run, so the executor defers whoever leads then, not a fixed node.
      assertThat(leader.after()).doesNotContain(id("server-1"), id("server-3"));
      assertThat(plan.warnings())
          .anyMatch(
              w ->
                  w.startsWith("leader last: whoever leads role server")
                      && w.contains("server-2 leads now"));
    }

    @Test
    void upgradesTheLeaderLastEvenWhenItIsExpectedToTakeLongest() {
      UpgradePlan hinted =
          plan(
              nomadCluster(),
              nomadConstraints(),
              Strategy.inPlace(),
              TO_NOMAD_18,
              policy().canaries(0).durationHint("server-2", Duration.ofHours(5)).build());

      assertThat(indexOf(hinted, "server-2")).isEqualTo(2);
    }

    @Test
    void letsTheLeaderGoInAnyOrderWhenTheSystemDoesNotAskForLeaderLast() {
      Constraints noLeaderRule =
          new Constraints(
              Map.of(), Set.of(SERVER), List.of(SERVER, CLIENT), false, VersionSkew.ANY_FORWARD, 0);

      UpgradePlan unordered =
          plan(
              nomadCluster(),
              noLeaderRule,
              Strategy.inPlace(),
              TO_NOMAD_18,
              policy().canaries(0).build());

      assertThat(unordered.unit(id("server-2")).after()).isEmpty();
    }

    @Test
    void putsRolesMissingFromTheOrderAfterTheListedOnes() {
      Node extra = Node.worker("gateway-1", "gateway", NOMAD_17, 1);
      ClusterSnapshot snapshot =
          cluster(
              extra,
              nomadServer("server-1", false),
              nomadServer("server-2", true),
              nomadServer("server-3", false),
              nomadClient("client-1"));

      UpgradePlan withExtra =
          plan(
              snapshot,
              nomadConstraints(),
              Strategy.inPlace(),
              TO_NOMAD_18,
              policy().canaries(0).build());

      assertThat(withExtra.units()).last().extracting(PlanUnit::node).isEqualTo(id("gateway-1"));
      assertThat(withExtra.unit(id("gateway-1")).after())
          .contains(id("server-1"), id("server-2"), id("server-3"), id("client-1"));
    }

    @Test
    void hasNoDependencyCycle() {
      assertDependenciesCanBeMet(plan);
    }
  }

  @Nested
  class Canaries {

    @Test
    void marksTheFirstUnitsAsCanariesAndMakesEveryOtherWaitForThem() {
      UpgradePlan plan =
          plan(
              cluster(octopusNodes("node", 5, 5)),
              Constraints.NONE,
              Strategy.inPlace(),
              TO_WIN2022,
              policy().canaries(2).build());

      assertThat(plan.units())
          .extracting(PlanUnit::canary)
          .containsExactly(true, true, false, false, false);
      List<NodeId> canaries = plan.units().subList(0, 2).stream().map(PlanUnit::node).toList();
      assertThat(plan.units().subList(2, 5))
          .allSatisfy(u -> assertThat(u.after()).containsAll(canaries));
      assertThat(plan.units().subList(0, 2)).allSatisfy(u -> assertThat(u.after()).isEmpty());
    }

    @Test
    void neverMakesTheLeaderACanary() {
      ClusterSnapshot snapshot =
          cluster(
              nomadServer("server-1", true),
              nomadServer("server-2", false),
              nomadServer("server-3", false));
      Constraints constraints = Constraints.NONE.withQuorum(SERVER).withSkew(new VersionSkew(1));

      UpgradePlan plan =
          plan(
              snapshot,
              constraints,
              Strategy.inPlace(),
              TO_NOMAD_18,
              policy().canaries(1).durationHint("server-1", Duration.ofHours(3)).build());

      assertThat(plan.unit(id("server-1")).canary()).isFalse();
      assertThat(plan.units())
          .filteredOn(PlanUnit::canary)
          .singleElement()
          .extracting(PlanUnit::node)
          .isNotEqualTo(id("server-1"));
    }

    @Test
    void endsACanaryWithItsSoak() {
      UpgradePlan plan =
          plan(
              threeOctopusNodes(),
              Constraints.NONE,
              Strategy.inPlace(),
              TO_WIN2022,
              policy().canarySoak(Duration.ofMinutes(20)).build());

      PlanUnit canary = plan.units().get(0);
      assertThat(canary.canary()).isTrue();
      assertThat(canary.steps())
          .last()
          .satisfies(s -> assertThat(s.action()).isEqualTo(new Soak(Duration.ofMinutes(20))))
          .satisfies(s -> assertThat(s.node()).isEqualTo(canary.node()));
      assertThat(plan.units().subList(1, 3))
          .allSatisfy(u -> assertThat(kinds(u)).doesNotContain("Soak"));
    }

    @Test
    void endsACanaryWithAnApprovalAfterTheSoakWhenAsked() {
      UpgradePlan plan =
          plan(
              threeOctopusNodes(),
              Constraints.NONE,
              Strategy.inPlace(),
              TO_WIN2022,
              policy().approveCanaries(true).build());

      PlanUnit canary = plan.units().get(0);
      List<PlanStep> steps = canary.steps();
      assertThat(steps.get(steps.size() - 2).action())
          .isEqualTo(new Soak(Policy.DEFAULT_CANARY_SOAK));
      assertThat(steps.get(steps.size() - 1).action())
          .isInstanceOfSatisfying(
              Approval.class, a -> assertThat(a.gate()).isEqualTo("canary:" + canary.node()));
      assertThat(plan.units().subList(1, 3))
          .allSatisfy(u -> assertThat(kinds(u)).doesNotContain("Approval"));
    }

    @Test
    void skipsTheSoakWhenItIsZeroButStillAsksForApproval() {
      UpgradePlan plan =
          plan(
              threeOctopusNodes(),
              Constraints.NONE,
              Strategy.inPlace(),
              TO_WIN2022,
              policy().canarySoak(Duration.ZERO).approveCanaries(true).build());

      assertThat(kinds(plan.units().get(0))).doesNotContain("Soak").endsWith("Undrain", "Approval");
    }

    @Test
    void makesNoCanaryWhenAskedForNone() {
      UpgradePlan plan =
          plan(
              threeOctopusNodes(),
              Constraints.NONE,
              Strategy.inPlace(),
              TO_WIN2022,
              policy().canaries(0).build());

      assertThat(plan.units())
          .noneMatch(PlanUnit::canary)
          .allSatisfy(u -> assertThat(u.after()).isEmpty());
    }

    @Test
    void keepsServersBeforeClientsWhenOnlyTheLeaderIsLeftAmongTheServers() {
      // server-1 and server-3 were upgraded earlier; the leader and the clients remain. The canary
      // may not be a client that waits for the leader while the leader waits for the canary.
      ClusterSnapshot snapshot =
          cluster(
              nomadServer("server-1", false).withPlatform(NOMAD_18),
              nomadServer("server-2", true),
              nomadServer("server-3", false).withPlatform(NOMAD_18),
              nomadClient("client-1"),
              nomadClient("client-2"),
              nomadClient("client-3"));

      UpgradePlan plan =
          plan(snapshot, nomadConstraints(), Strategy.inPlace(), TO_NOMAD_18, policy().build());

      assertDependenciesCanBeMet(plan);
      assertThat(plan.unit(id("client-1")).after()).contains(id("server-2"));
    }

    @Test
    void neverMakesAClientWaitForTheLeaderWhileTheLeaderWaitsForIt() {
      UpgradePlan plan =
          plan(
              nomadCluster(),
              nomadConstraints(),
              Strategy.inPlace(),
              TO_NOMAD_18,
              policy().canaries(3).build());

      assertDependenciesCanBeMet(plan);
    }

    @Test
    void hasNoDependencyCycleWithOneCanaryOnAFullCluster() {
      UpgradePlan plan =
          plan(
              nomadCluster(),
              nomadConstraints(),
              Strategy.inPlace(),
              TO_NOMAD_18,
              policy().build());

      assertDependenciesCanBeMet(plan);
      assertThat(plan.units().get(0))
          .satisfies(
              u -> {
                assertThat(u.canary()).isTrue();
                assertThat(u.role()).isEqualTo(SERVER);
              });
    }
  }

  @Nested
  class RollingReplace {

    private final Policy rolling = policy().trafficRamp(10, 100).probes("api-up").build();

    @Test
    void placesTrialHooksBeforeTheTrialsFirstCapChangeAndAfterTheNewNodesTrialCapOnlyInATrial() {
      UpgradePlan plan =
          plan(
              threeOctopusNodes(),
              Constraints.NONE,
              Strategy.rollingReplace(),
              TO_WIN2022,
              rolling.toBuilder()
                  .hook("quiet", HookPoint.BEFORE_TRIAL)
                  .hook("smoke", HookPoint.DURING_TRIAL)
                  .build());

      NodeId next = id("node-a-next");
      List<PlanStep> canary = plan.unit(id("node-a")).steps();
      int quiet = indexOfHook(canary, "quiet");
      int smoke = indexOfHook(canary, "smoke");
      assertThat(canary.get(quiet).node()).isEqualTo(next);
      assertThat(canary.get(quiet + 1).action()).isEqualTo(new SetTaskCap(TaskCap.ZERO));
      assertThat(canary.get(quiet + 1).node()).as("another node's cap").isNotEqualTo(next);
      assertThat(canary.subList(0, quiet)).noneMatch(st -> st.reason().startsWith("trial"));
      assertThat(canary.get(smoke).node()).isEqualTo(next);
      assertThat(canary.get(smoke - 1))
          .extracting(PlanStep::node, PlanStep::action)
          .containsExactly(next, new SetTaskCap(TaskCap.of(Policy.DEFAULT_TRIAL_TASK_CAP)));
      assertThat(canary.get(smoke + 1).action()).isInstanceOf(Soak.class);
      assertThat(plan.unit(id("node-b")).steps())
          .as("no trial, no trial hooks")
          .noneMatch(st -> st.action() instanceof Action.RunHook);
    }

    private int indexOfHook(List<PlanStep> steps, String hook) {
      List<Integer> at = new ArrayList<>();
      for (int i = 0; i < steps.size(); i++) {
        if (steps.get(i).action() instanceof Action.RunHook h && h.hook().equals(hook)) {
          at.add(i);
        }
      }
      assertThat(at).as("steps of hook " + hook).hasSize(1);
      return at.get(0);
    }

    @Test
    void replacesTheCanaryWithAVerifiedGatedExclusiveTrialThenRetiresTheOldNodeAfterItsGates() {
      UpgradePlan plan =
          plan(
              threeOctopusNodes(),
              Constraints.NONE,
              Strategy.rollingReplace(),
              TO_WIN2022,
              rolling);

      NodeId a = id("node-a");
      NodeId next = id("node-a-next");
      NodeId b = id("node-b");
      NodeId c = id("node-c");
      PlanUnit unit = plan.unit(a);
      assertThat(unit.canary()).isTrue();
      assertThat(unit.steps())
          .extracting(PlanStep::node, PlanStep::action)
          .containsExactly(
              tuple(next, new Provision(a, WIN2022, TaskCap.ZERO)),
              tuple(next, new StartService()),
              tuple(next, new SetTaskCap(TaskCap.ZERO)),
              tuple(next, new AwaitHealthy(WIN2022)),
              tuple(next, new Verify(List.of("api-up"))),
              // traffic ramp
              tuple(next, new SetTrafficWeight(10)),
              tuple(next, new Soak(FIVE_MINUTES, List.of("api-up"))),
              tuple(next, new SetTrafficWeight(100)),
              // exclusive trial
              tuple(b, new SetTaskCap(TaskCap.ZERO)),
              tuple(c, new SetTaskCap(TaskCap.ZERO)),
              tuple(a, new SetTaskCap(TaskCap.ZERO)),
              tuple(next, new SetTaskCap(TaskCap.of(5))),
              tuple(next, new Soak(FIVE_MINUTES, List.of("api-up"))),
              tuple(next, new Verify(List.of("api-up"))),
              tuple(b, new SetTaskCap(TaskCap.of(5))),
              tuple(c, new SetTaskCap(TaskCap.of(5))),
              tuple(a, new SetTaskCap(TaskCap.of(5))),
              // task ramp
              tuple(next, new SetTaskCap(TaskCap.of(1))),
              tuple(next, new Soak(FIVE_MINUTES, List.of("api-up"))),
              tuple(next, new SetTaskCap(TaskCap.of(5))),
              // canary gate, on the node that now serves, before the point of no return
              tuple(next, new Soak(TEN_MINUTES, List.of("api-up"))),
              // retire the old node
              tuple(a, new SetTrafficWeight(0)),
              tuple(a, new Drain()),
              tuple(a, new StopService()),
              tuple(a, new RemoveMember()),
              tuple(a, new Decommission()));
    }

    @Test
    void replacesTheOtherNodesWithoutATrial() {
      UpgradePlan plan =
          plan(
              threeOctopusNodes(),
              Constraints.NONE,
              Strategy.rollingReplace(),
              TO_WIN2022,
              rolling);

      NodeId b = id("node-b");
      NodeId next = id("node-b-next");
      PlanUnit unit = plan.unit(b);
      assertThat(unit.canary()).isFalse();
      assertThat(unit.after()).containsExactly(id("node-a"));
      assertThat(unit.steps())
          .extracting(PlanStep::node, PlanStep::action)
          .containsExactly(
              tuple(next, new Provision(b, WIN2022, TaskCap.ZERO)),
              tuple(next, new StartService()),
              tuple(next, new SetTaskCap(TaskCap.ZERO)),
              tuple(next, new AwaitHealthy(WIN2022)),
              tuple(next, new Verify(List.of("api-up"))),
              tuple(next, new SetTrafficWeight(10)),
              tuple(next, new Soak(FIVE_MINUTES, List.of("api-up"))),
              tuple(next, new SetTrafficWeight(100)),
              tuple(next, new SetTaskCap(TaskCap.of(1))),
              tuple(next, new Soak(FIVE_MINUTES, List.of("api-up"))),
              tuple(next, new SetTaskCap(TaskCap.of(5))),
              tuple(b, new SetTrafficWeight(0)),
              tuple(b, new Drain()),
              tuple(b, new StopService()),
              tuple(b, new RemoveMember()),
              tuple(b, new Decommission()));
    }

    @Test
    void restoresEachOtherNodeToItsOwnOriginalCapAfterTheTrial() {
      ClusterSnapshot snapshot =
          cluster(
              octopus("node-a", 5),
              octopus("node-b", 8),
              octopus("node-c", 3),
              octopus("node-d", 0));

      UpgradePlan plan =
          plan(snapshot, Constraints.NONE, Strategy.rollingReplace(), TO_WIN2022, rolling);

      List<PlanStep> steps = plan.unit(id("node-a")).steps();
      assertThat(steps)
          .filteredOn(s -> s.reason().startsWith("trial over"))
          .extracting(PlanStep::node, PlanStep::action)
          .containsExactlyInAnyOrder(
              tuple(id("node-b"), new SetTaskCap(TaskCap.of(8))),
              tuple(id("node-c"), new SetTaskCap(TaskCap.of(3))),
              tuple(id("node-a"), new SetTaskCap(TaskCap.of(5))));
      assertThat(steps).extracting(PlanStep::node).doesNotContain(id("node-d"));
      assertThat(plan.unit(id("node-b")).steps())
          .extracting(PlanStep::node, PlanStep::action)
          .contains(tuple(id("node-b-next"), new SetTaskCap(TaskCap.of(8))));
    }

    @Test
    void holdsNoTrialWhenTheTrialCapIsZero() {
      UpgradePlan plan =
          plan(
              threeOctopusNodes(),
              Constraints.NONE,
              Strategy.rollingReplace(),
              TO_WIN2022,
              rolling.toBuilder().trialTaskCap(0).build());

      assertThat(plan.steps()).noneMatch(s -> s.reason().startsWith("trial"));
      assertThat(plan.unit(id("node-a")).steps())
          .extracting(PlanStep::node)
          .containsOnly(id("node-a"), id("node-a-next"));
    }

    @Test
    void leavesTheOtherNodesTakingWorkDuringANonExclusiveTrial() {
      UpgradePlan plan =
          plan(
              threeOctopusNodes(),
              Constraints.NONE,
              Strategy.rollingReplace(),
              TO_WIN2022,
              rolling.toBuilder().exclusiveTrial(false).build());

      assertThat(plan.unit(id("node-a")).steps())
          .extracting(PlanStep::node)
          .containsOnly(id("node-a"), id("node-a-next"));
      assertThat(plan.unit(id("node-a")).steps())
          .extracting(PlanStep::action)
          .contains(new SetTaskCap(TaskCap.of(5)));
    }

    @Test
    void neverSetsATaskCapOnNodesWithoutOne() {
      ClusterSnapshot snapshot =
          cluster(nomadClient("client-1"), nomadClient("client-2"), nomadClient("client-3"));

      UpgradePlan plan =
          plan(
              snapshot,
              nomadConstraints(),
              Strategy.rollingReplace(),
              TO_NOMAD_18,
              policy().probes("alloc-ok").build());

      assertThat(plan.steps()).extracting(PlanStep::action).noneMatch(a -> a instanceof SetTaskCap);
      NodeId c2 = id("client-2");
      NodeId next = id("client-2-next");
      assertThat(plan.unit(c2).steps())
          .extracting(PlanStep::node, PlanStep::action)
          .containsExactly(
              tuple(next, new Provision(c2, NOMAD_18, TaskCap.UNLIMITED)),
              tuple(next, new StartService()),
              tuple(next, new AwaitHealthy(NOMAD_18)),
              tuple(next, new Verify(List.of("alloc-ok"))),
              tuple(next, new SetTrafficWeight(100, true)),
              tuple(c2, new SetTrafficWeight(0, true)),
              tuple(c2, new Drain()),
              tuple(c2, new StopService()),
              tuple(c2, new RemoveMember()),
              tuple(c2, new Decommission()));
    }

    @Test
    void doesNotDrainAReplacedServerThatRunsNoWork() {
      UpgradePlan plan =
          plan(
              nomadCluster(),
              nomadConstraints(),
              Strategy.rollingReplace(),
              TO_NOMAD_18,
              policy().canaries(0).build());

      assertThat(kinds(plan.unit(id("server-1"))))
          .containsExactly(
              "Provision",
              "StartService",
              "AwaitHealthy",
              "SetTrafficWeight",
              "SetTrafficWeight",
              "StopService",
              "RemoveMember",
              "Decommission");
    }

    @Test
    void neverLetsCapacityDropBelowTheOriginalBeforeTheOldNodeStops() {
      UpgradePlan plan =
          plan(
              threeOctopusNodes(),
              Constraints.NONE,
              Strategy.rollingReplace(),
              TO_WIN2022,
              rolling);

      for (PlanUnit unit : plan.units()) {
        List<PlanStep> steps = unit.steps();
        int matched = -1;
        int drained = -1;
        for (int i = 0; i < steps.size(); i++) {
          PlanStep s = steps.get(i);
          if (s.node().value().endsWith("-next")
              && s.action().equals(new SetTaskCap(TaskCap.of(5)))) {
            matched = i;
          }
          if (s.node().equals(unit.node()) && s.action() instanceof Drain && drained < 0) {
            drained = i;
          }
        }
        assertThat(matched).as("%s: the new node matches the old cap", unit.node()).isNotNegative();
        assertThat(drained)
            .as("%s: the old node drains after its replacement has its cap", unit.node())
            .isGreaterThan(matched);
      }
    }
  }

  @Nested
  class CloneAndMigrate {

    @Test
    void quiescesClonesCopiesVerifiesCutsOverAndWaitsForApprovalBeforeDecommissioning() {
      Node source = octopus("octo-1", 5);
      UpgradePlan plan =
          plan(
              cluster(source),
              Constraints.NONE,
              Strategy.cloneAndMigrate(false),
              TO_WIN2022,
              policy().allowDowntime(true).canaries(0).probes("api-up").build());

      NodeId src = id("octo-1");
      NodeId clone = id("octo-1-clone");
      List<PlanStep> steps = plan.unit(src).steps();
      assertThat(steps)
          .extracting(PlanStep::node, s -> s.action().getClass().getSimpleName())
          .containsExactly(
              tuple(src, "EnterMaintenance"),
              tuple(src, "AwaitIdle"),
              tuple(src, "StopService"),
              tuple(clone, "Provision"),
              tuple(clone, "CopyFolders"),
              tuple(clone, "StartService"),
              tuple(clone, "AwaitHealthy"),
              tuple(clone, "Verify"),
              tuple(clone, "ExitMaintenance"),
              tuple(clone, "SetTrafficWeight"),
              tuple(src, "SetTrafficWeight"),
              tuple(clone, "Approval"),
              tuple(src, "RemoveMember"),
              tuple(src, "Decommission"));
      assertThat(steps.get(3).action()).isEqualTo(new Provision(src, WIN2022, TaskCap.of(5)));
      assertThat(steps.get(4).action()).isEqualTo(new CopyFolders(src));
      assertThat(steps.get(6).action()).isEqualTo(new AwaitHealthy(WIN2022));
      assertThat(steps.get(9).action()).isEqualTo(new SetTrafficWeight(100));
      assertThat(steps.get(10).action()).isEqualTo(new SetTrafficWeight(0));
      assertThat(steps.get(11).action())
          .isInstanceOfSatisfying(
              Approval.class,
              a -> assertThat(a.instructions()).contains("octo-1-clone", "decommission octo-1"));
    }

    @Test
    void clonesAtTheSameProductVersion() {
      UpgradePlan plan =
          plan(
              cluster(octopus("octo-1", 5)),
              Constraints.NONE,
              Strategy.cloneAndMigrate(false),
              TO_WIN2022.andProduct("2024.1.1234"),
              policy().allowDowntime(true).build());

      assertThat(plan.steps())
          .extracting(PlanStep::action)
          .filteredOn(a -> a instanceof Provision)
          .singleElement()
          .satisfies(
              a -> assertThat(((Provision) a).platform().product()).isEqualTo(WIN2019.product()));
    }

    @Test
    void warnsOfTheDowntime() {
      UpgradePlan plan =
          plan(
              cluster(octopus("octo-1", 5)),
              Constraints.NONE,
              Strategy.cloneAndMigrate(false),
              TO_WIN2022,
              policy().allowDowntime(true).build());

      assertThat(plan.warnings()).anySatisfy(w -> assertThat(w).startsWith("DOWNTIME"));
      assertThat(plan.warnings()).noneMatch(w -> w.contains("Tentacle"));
    }

    @Test
    void warnsToReRegisterPollingTentaclesWhenTheAddressChanges() {
      UpgradePlan plan =
          plan(
              cluster(octopus("octo-1", 5)),
              Constraints.NONE,
              Strategy.cloneAndMigrate(true),
              TO_WIN2022,
              policy().allowDowntime(true).build());

      assertThat(plan.warnings())
          .anySatisfy(
              w ->
                  assertThat(w)
                      .contains(
                          "new address",
                          "polling Tentacles",
                          "re-registered",
                          "before the source is decommissioned"));
    }

    @Test
    void migratesTheOneSelectedNodeOfALargerCluster() {
      ClusterSnapshot snapshot = cluster(octopus("octo-1", 5), octopus("octo-2", 5));

      UpgradePlan plan =
          plan(
              snapshot,
              Constraints.NONE,
              Strategy.cloneAndMigrate(false),
              TO_WIN2022,
              policy().allowDowntime(true).only("octo-2").build());

      assertThat(plan.units()).extracting(PlanUnit::node).containsExactly(id("octo-2"));
    }
  }

  @Nested
  class NodesAlreadyOnTheTarget {

    @Test
    void areLeftOutWithAWarningNamingThem() {
      ClusterSnapshot snapshot =
          cluster(
              octopus("node-a", 5),
              octopus("node-b", 5).withPlatform(WIN2022),
              octopus("node-c", 5));

      UpgradePlan plan =
          plan(snapshot, Constraints.NONE, Strategy.inPlace(), TO_WIN2022, policy().build());

      assertThat(plan.units())
          .extracting(PlanUnit::node)
          .containsExactly(id("node-a"), id("node-c"));
      assertThat(plan.warnings())
          .singleElement()
          .asString()
          .contains("node-b", "already on", "left alone");
      assertThat(plan.steps()).extracting(PlanStep::node).doesNotContain(id("node-b"));
    }

    @Test
    void makeAPlanWithNoUnitsWhenEveryNodeIsDone() {
      ClusterSnapshot snapshot =
          cluster(
              octopus("node-a", 5).withPlatform(WIN2022),
              octopus("node-b", 5).withPlatform(WIN2022));

      UpgradePlan plan =
          plan(snapshot, Constraints.NONE, Strategy.inPlace(), TO_WIN2022, policy().build());

      assertThat(plan.units()).isEmpty();
      assertThat(plan.budgets()).isEmpty();
      assertThat(plan.warnings()).hasSize(2);
      assertThat(plan.toText()).contains("0 node(s)");
    }

    @Test
    void needNoDowntimeWhenTheOnlyNodeIsAlreadyDone() {
      UpgradePlan plan =
          plan(
              cluster(octopus("solo", 5).withPlatform(WIN2022)),
              Constraints.NONE,
              Strategy.inPlace(),
              TO_WIN2022,
              policy().build());

      assertThat(plan.units()).isEmpty();
      assertThat(plan.warnings()).noneMatch(w -> w.contains("DOWNTIME"));
    }

    @Test
    void makeAnEmptyRollingPlanToo() {
      ClusterSnapshot snapshot = cluster(octopus("node-a", 5).withPlatform(WIN2022));

      UpgradePlan plan =
          plan(snapshot, Constraints.NONE, Strategy.rollingReplace(), TO_WIN2022, policy().build());

      assertThat(plan.units()).isEmpty();
    }

    @Test
    void doNotMakeASingleRemainingNodeLookLikeASingleNodeCluster() {
      ClusterSnapshot snapshot =
          cluster(octopus("node-a", 5), octopus("node-b", 5).withPlatform(WIN2022));

      UpgradePlan plan =
          plan(
              snapshot,
              Constraints.NONE,
              Strategy.inPlace(),
              TO_WIN2022,
              policy().canaries(0).build());

      assertThat(kinds(plan.unit(id("node-a"))))
          .startsWith("Drain")
          .doesNotContain("EnterMaintenance");
    }

    @Test
    void leaveNodesOutsideOnlyAlone() {
      UpgradePlan plan =
          plan(
              threeOctopusNodes(),
              Constraints.NONE,
              Strategy.inPlace(),
              TO_WIN2022,
              policy().only("node-c").build());

      assertThat(plan.units()).extracting(PlanUnit::node).containsExactly(id("node-c"));
      assertThat(plan.steps()).extracting(PlanStep::node).containsOnly(id("node-c"));
    }
  }

  @Nested
  class DurationHints {

    @Test
    void startTheLongestExpectedUnitFirstWithinARole() {
      ClusterSnapshot snapshot =
          cluster(
              octopus("node-a", 5),
              octopus("node-b", 5),
              octopus("node-c", 5),
              octopus("node-d", 5).withRunningWork(3));

      UpgradePlan plan =
          plan(
              snapshot,
              Constraints.NONE,
              Strategy.inPlace(),
              TO_WIN2022,
              policy()
                  .canaries(0)
                  .durationHint("node-a", Duration.ofHours(1))
                  .durationHint("node-b", Duration.ofMinutes(2))
                  .durationHint("node-c", Duration.ofHours(3))
                  .build());

      assertThat(plan.units())
          .extracting(PlanUnit::node)
          .containsExactly(id("node-c"), id("node-a"), id("node-d"), id("node-b"));
      assertThat(plan.units())
          .extracting(PlanUnit::expected)
          .containsExactly(
              Duration.ofHours(3),
              Duration.ofHours(1),
              Duration.ofMinutes(13),
              Duration.ofMinutes(2));
    }

    @Test
    void orderWithinEachRoleButNeverAcrossTheRoleOrder() {
      UpgradePlan plan =
          plan(
              nomadCluster(),
              nomadConstraints(),
              Strategy.inPlace(),
              TO_NOMAD_18,
              policy()
                  .canaries(0)
                  .durationHint("client-3", Duration.ofHours(9))
                  .durationHint("client-1", Duration.ofHours(2))
                  .durationHint("server-3", Duration.ofHours(1))
                  .build());

      assertThat(plan.units())
          .extracting(PlanUnit::node)
          .containsExactly(
              id("server-3"),
              id("server-1"),
              id("server-2"),
              id("client-3"),
              id("client-1"),
              id("client-2"),
              id("client-4"));
    }
  }

  @Nested
  class AtScale {

    @Test
    void plansAThousandNodesInPlaceWithAFivePercentBudget() {
      UpgradePlan plan =
          plan(
              cluster(octopusNodes("node", 1000, 5)),
              Constraints.NONE,
              Strategy.inPlace(),
              TO_WIN2022,
              policy().budget(Budget.ofPercent(5)).build());

      assertThat(plan.units()).hasSize(1000);
      assertThat(plan.budgets()).containsExactly(entry(OCTOPUS, 50));
      assertThat(plan.units()).filteredOn(PlanUnit::canary).hasSize(1);
      assertThat(plan.units().subList(1, 1000))
          .allSatisfy(
              u -> {
                assertThat(u.after()).containsExactly(plan.units().get(0).node());
                assertThat(u.steps()).hasSize(7);
              });
      List<String> ids = plan.steps().stream().map(PlanStep::id).toList();
      assertThat(new HashSet<>(ids)).hasSize(ids.size());
      assertThat(plan.steps()).hasSize(999 * 7 + 8);
    }
  }
}
