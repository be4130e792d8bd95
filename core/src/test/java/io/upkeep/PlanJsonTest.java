package io.upkeep;

import static io.upkeep.Fixtures.T0;
import static io.upkeep.Fixtures.TO_NOMAD_18;
import static io.upkeep.Fixtures.TO_WIN2022;
import static io.upkeep.Fixtures.cluster;
import static io.upkeep.Fixtures.id;
import static io.upkeep.Fixtures.nomadClient;
import static io.upkeep.Fixtures.nomadConstraints;
import static io.upkeep.Fixtures.nomadServer;
import static io.upkeep.Fixtures.octopus;
import static io.upkeep.Fixtures.planner;
import static io.upkeep.Fixtures.policy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.upkeep.RunState.NodeOrigin;
import io.upkeep.RunState.StepState;
import io.upkeep.RunState.UnitState;
import io.upkeep.RunState.UnitStatus;
import io.upkeep.spi.OperationHandle;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PlanJsonTest {

  private static UpgradePlan inPlacePlan() {
    ClusterSnapshot snapshot =
        cluster(
            nomadServer("server-1", false),
            nomadServer("server-2", true),
            nomadServer("server-3", false),
            nomadClient("client-1"),
            nomadClient("client-2").withRunningWork(4),
            nomadClient("client-3"));
    Policy policy =
        policy()
            .budget(Budget.ofPercent(50))
            .canaries(1)
            .approveCanaries(true)
            .probes("raft-healthy", "version")
            .durationHint("client-3", Duration.ofMinutes(45))
            .durationHint("client-1", Duration.ofMinutes(20))
            .only("server-1", "server-2", "server-3", "client-1", "client-2", "client-3")
            .onFailure(Policy.FailureAction.PAUSE)
            .onDrainTimeout(Policy.DrainTimeoutAction.FORCE)
            .build();
    return planner()
        .plan(
            snapshot,
            nomadConstraints().withBudget(Fixtures.CLIENT, Budget.ofNodes(2)),
            Strategy.inPlace(),
            TO_NOMAD_18.andRuntime("glibc 2.35"),
            policy);
  }

  private static UpgradePlan rollingPlan() {
    ClusterSnapshot snapshot =
        cluster(octopus("node-a", 5), octopus("node-b", 8), octopus("node-c", 3));
    return planner()
        .plan(
            snapshot,
            Constraints.NONE.withMinimumCapacity(4),
            Strategy.rollingReplace(),
            TO_WIN2022.andRuntime(".NET 8.0"),
            policy()
                .trafficRamp(10, 50, 100)
                .taskRamp(1, 2)
                .probes("api-up")
                .canarySoak(Duration.ofMinutes(30))
                .build());
  }

  private static UpgradePlan clonePlan() {
    return planner()
        .plan(
            cluster(octopus("octo-1", 5)),
            Constraints.NONE,
            Strategy.cloneAndMigrate(true),
            TO_WIN2022,
            policy().allowDowntime(true).probes("api-up").build());
  }

  private static UpgradePlan singleNodePlan() {
    return planner()
        .plan(
            cluster(octopus("solo", 5)),
            Constraints.NONE,
            Strategy.inPlace(),
            TO_WIN2022,
            policy().allowDowntime(true).build());
  }

  /**
   * The plan without its role-keyed maps (plan and constraint budgets), which {@code toJson} cannot
   * write yet (see the disabled round trips), so that everything else can be tested meanwhile.
   */
  private static UpgradePlan withoutRoleKeyedMaps(UpgradePlan p) {
    Constraints c = p.constraints();
    return new UpgradePlan(
        p.id(),
        p.createdAt(),
        p.strategy(),
        p.target(),
        p.policy(),
        new Constraints(
            Map.of(),
            c.quorumRoles(),
            c.roleOrder(),
            c.leaderLast(),
            c.skew(),
            c.minimumCapacity()),
        Map.of(),
        p.units(),
        p.warnings(),
        p.observed());
  }

  @Nested
  class RoundTrip {

    @Test
    void readsBackAnInPlacePlanEqualToTheOriginal() {
      UpgradePlan plan = inPlacePlan();

      assertThat(UpgradePlan.fromJson(plan.toJson())).isEqualTo(plan);
    }

    @Test
    void readsBackARollingReplacePlanEqualToTheOriginal() {
      UpgradePlan plan = rollingPlan();

      assertThat(UpgradePlan.fromJson(plan.toJson())).isEqualTo(plan);
    }

    @Test
    void readsBackACloneAndMigratePlanEqualToTheOriginal() {
      UpgradePlan plan = clonePlan();

      assertThat(UpgradePlan.fromJson(plan.toJson())).isEqualTo(plan);
    }

    @Test
    void readsBackASingleNodePlanWithMaintenanceStepsEqualToTheOriginal() {
      UpgradePlan plan = singleNodePlan();

      assertThat(UpgradePlan.fromJson(plan.toJson())).isEqualTo(plan);
    }

    @Test
    void readsBackAPlanWithNoUnits() {
      UpgradePlan plan =
          planner()
              .plan(
                  cluster(octopus("node-a", 5).withPlatform(Fixtures.WIN2022)),
                  Constraints.NONE,
                  Strategy.inPlace(),
                  TO_WIN2022,
                  policy().build());

      assertThat(UpgradePlan.fromJson(plan.toJson())).isEqualTo(plan);
    }

    @Test
    void readsBackEveryStrategyAndActionOfAPlanEqualToTheOriginal() {
      for (UpgradePlan plan :
          List.of(inPlacePlan(), rollingPlan(), clonePlan(), singleNodePlan())) {
        UpgradePlan writable = withoutRoleKeyedMaps(plan);

        assertThat(UpgradePlan.fromJson(writable.toJson()))
            .as(plan.strategy().toString())
            .isEqualTo(writable);
      }
    }

    @Test
    void writesTheSameJsonAgainAfterReadingIt() {
      UpgradePlan plan = withoutRoleKeyedMaps(rollingPlan());
      String json = plan.toJson();

      assertThat(UpgradePlan.fromJson(json).toJson()).isEqualTo(json);
    }

    @Test
    void writesTimesAsIsoTextAndActionsByTheirTypeName() {
      String json = withoutRoleKeyedMaps(rollingPlan()).toJson();

      assertThat(json)
          .contains("\"2026-01-01T00:00:00Z\"")
          .contains("\"type\" : \"rolling-replace\"")
          .contains("\"type\" : \"provision\"")
          .contains("\"type\" : \"set-traffic-weight\"");
    }
  }

  @Nested
  class Text {

    @Test
    void showsEveryStepsReasonAndDescription() {
      UpgradePlan plan = rollingPlan();
      String text = plan.toText();

      assertThat(plan.steps())
          .allSatisfy(s -> assertThat(text).contains(s.reason()).contains(s.action().describe()));
    }

    @Test
    void showsEveryWarning() {
      UpgradePlan plan = clonePlan();
      String text = plan.toText();

      assertThat(plan.warnings()).hasSize(2);
      assertThat(plan.warnings()).allSatisfy(w -> assertThat(text).contains("WARNING: " + w));
    }

    @Test
    void showsTheRulesAndEachUnit() {
      UpgradePlan plan = inPlacePlan();
      String text = plan.toText();

      assertThat(text)
          .startsWith(
              "Upgrade plan " + plan.id() + ": in-place to runtime glibc 2.35, product 1.8.0")
          .contains("6 node(s)")
          .contains("in flight at once per role: client=1, server=1")
          .contains("drain deadline 30m 00s");
      assertThat(plan.units())
          .allSatisfy(u -> assertThat(text).contains(u.node() + " [" + u.role()));
      assertThat(text).contains(", canary");
    }
  }

  @Nested
  class MalformedJson {

    @ParameterizedTest
    @ValueSource(strings = {"", "{", "not json", "[]", "42", "{\"id\": \"plan-1\"}"})
    void isRefusedWithAnUpkeepExceptionNamingTheDocument(String json) {
      assertThatThrownBy(() -> UpgradePlan.fromJson(json))
          .isExactlyInstanceOf(UpkeepException.class)
          .hasMessageContaining("not a valid UpgradePlan document")
          .hasMessageContaining("line");
    }

    @Test
    void namesAMissingField() {
      String json =
          withoutRoleKeyedMaps(inPlacePlan())
              .toJson()
              .replaceFirst("\"createdAt\" : \"[^\"]*\",", "");

      assertThatThrownBy(() -> UpgradePlan.fromJson(json))
          .isExactlyInstanceOf(UpkeepException.class)
          .hasMessageContaining("createdAt");
    }

    @Test
    void namesAnUnknownActionType() {
      String json =
          withoutRoleKeyedMaps(inPlacePlan())
              .toJson()
              .replace("\"type\" : \"drain\"", "\"type\" : \"reboot\"");

      assertThatThrownBy(() -> UpgradePlan.fromJson(json))
          .isExactlyInstanceOf(UpkeepException.class)
          .hasMessageContaining("reboot");
    }

    @Test
    void namesABadVersionInsideThePlan() {
      String json =
          withoutRoleKeyedMaps(inPlacePlan()).toJson().replace("\"1.8.0\"", "\"eighteen\"");

      assertThatThrownBy(() -> UpgradePlan.fromJson(json))
          .isExactlyInstanceOf(UpkeepException.class)
          .hasMessageContaining("'eighteen' is not a version");
    }

    @Test
    void rejectsAPolicyThatBreaksItsOwnRules() {
      String json =
          withoutRoleKeyedMaps(inPlacePlan())
              .toJson()
              .replace("\"drainDeadline\" : \"PT30M\"", "\"drainDeadline\" : \"PT0S\"");

      assertThatThrownBy(() -> UpgradePlan.fromJson(json))
          .isExactlyInstanceOf(UpkeepException.class)
          .hasMessageContaining("drainDeadline");
    }

    @Test
    void refusesARunStateThatIsNotOne() {
      assertThatThrownBy(() -> RunState.fromJson("{\"runId\": 1"))
          .isExactlyInstanceOf(UpkeepException.class)
          .hasMessageContaining("not a valid RunState document");
    }
  }

  @Nested
  class RunStateJson {

    private RunState state() {
      UpgradePlan plan = rollingPlan();
      PlanUnit a = plan.unit(id("node-a"));
      PlanStep current = a.steps().get(2);
      return new RunState(
          "run-abc-1767225600",
          plan.id(),
          RunStatus.RUNNING,
          "",
          T0,
          T0.plusSeconds(754),
          Map.of(
              id("node-a"),
                  new UnitState(UnitStatus.RUNNING, 2, T0.plusSeconds(5), null, "", List.of()),
              id("node-b"), UnitState.pending(),
              id("node-c"),
                  new UnitState(
                      UnitStatus.RESTORING,
                      1,
                      T0,
                      T0.plusSeconds(700),
                      "health deadline passed",
                      List.of(
                          new PlanStep(
                              "node-c#r1-SetTaskCap",
                              id("node-c"),
                              new Action.SetTaskCap(TaskCap.of(3)),
                              "restore the original cap")))),
          Map.of(
              a.steps().get(0).id(),
                  new StepState(
                      T0.plusSeconds(5),
                      T0.plusSeconds(6),
                      new OperationHandle("op-7f3a"),
                      null,
                      false,
                      T0.plusSeconds(6)),
              current.id(),
                  new StepState(T0.plusSeconds(60), null, null, T0.plusSeconds(90), true, null)),
          Map.of(
              id("node-a"), new NodeOrigin(TaskCap.of(5), DrainState.ACTIVE, Fixtures.WIN2019),
              id("node-c"),
                  new NodeOrigin(TaskCap.UNLIMITED, DrainState.DRAINING, Fixtures.NOMAD_17)),
          Set.of("canary:node-a", "migration:octo-1"),
          1);
    }

    @Test
    void readsBackAStateEqualToTheOriginal() {
      RunState state = state();

      assertThat(RunState.fromJson(state.toJson())).isEqualTo(state);
    }

    @Test
    void keysUnitsAndOriginsByNodeId() {
      RunState back = RunState.fromJson(state().toJson());

      assertThat(back.units()).containsOnlyKeys(id("node-a"), id("node-b"), id("node-c"));
      assertThat(back.units().get(id("node-b"))).isEqualTo(UnitState.pending());
      assertThat(back.origins().get(id("node-c")).taskCap().isUnlimited()).isTrue();
    }

    @Test
    void writesTheSameJsonAgainAfterReadingIt() {
      String json = state().toJson();

      assertThat(RunState.fromJson(json).toJson()).isEqualTo(json);
    }
  }
}
