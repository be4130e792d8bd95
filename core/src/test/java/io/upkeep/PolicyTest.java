package io.upkeep;

import static io.upkeep.Fixtures.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class PolicyTest {

  private static final Duration THIRTY_MINUTES = Duration.ofMinutes(30);

  private static Policy.Builder builder() {
    return Policy.builder().drainDeadline(THIRTY_MINUTES);
  }

  @Nested
  class DrainDeadline {

    @Test
    void isRequiredAndTheMessageSaysHowToSetIt() {
      assertThatIllegalStateException()
          .isThrownBy(() -> Policy.builder().build())
          .withMessageContaining("drainDeadline is required")
          .withMessageContaining("drainDeadline(Duration.ofMinutes(30))");
    }

    @Test
    void isRequiredEvenWhenEverythingElseIsSet() {
      Policy.Builder b = Policy.builder().budget(Budget.ofNodes(2)).canaries(0).allowDowntime(true);

      assertThatIllegalStateException().isThrownBy(b::build).withMessageContaining("drainDeadline");
    }

    @Test
    void mustBeLongerThanZero() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Policy.builder().drainDeadline(Duration.ZERO))
          .withMessageContaining("drainDeadline");
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Policy.builder().drainDeadline(Duration.ofSeconds(-1)))
          .withMessageContaining("drainDeadline");
    }

    @Test
    void isKeptAsGiven() {
      assertThat(builder().build().drainDeadline()).isEqualTo(THIRTY_MINUTES);
    }
  }

  @Nested
  class EagerValidation {

    @Test
    void rejectsANodeOrProbeNamedTwiceNamingItAndLeavesTheBuilderAsItWas() {
      Policy.Builder b = Policy.builder().drainDeadline(Duration.ofMinutes(30)).only("node-a");

      assertThatIllegalArgumentException()
          .isThrownBy(() -> b.only("node-b", "node-b"))
          .withMessageContaining("only(...) names 'node-b' twice");
      assertThatIllegalArgumentException()
          .isThrownBy(() -> b.probes("api-up", "api-up"))
          .withMessageContaining("probes(...) names 'api-up' twice");
      assertThat(b.build().only()).containsExactly(NodeId.of("node-a"));
      assertThat(b.build().probes()).isEmpty();
    }

    @Test
    void rejectsAnApprovalOfCanariesWithoutCanaries() {
      assertThatIllegalStateException()
          .isThrownBy(
              () ->
                  Policy.builder()
                      .drainDeadline(Duration.ofMinutes(30))
                      .canaries(0)
                      .approveCanaries(true)
                      .build())
          .withMessageContaining("approveCanaries(true)")
          .withMessageContaining("canaries is 0");
    }

    @Test
    void rejectsATrafficRampThatDoesNotRise() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Policy.builder().trafficRamp(50, 10))
          .withMessageContaining("trafficRamp weights must rise")
          .withMessageContaining("[50, 10]");
    }

    @Test
    void rejectsANonPositiveOperationDeadlineNamingIt() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Policy.builder().operationDeadline(Duration.ZERO))
          .withMessageContaining("operationDeadline");
    }

    @Test
    void rejectsNegativeCanariesNamingTheField() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Policy.builder().canaries(-1))
          .withMessageContaining("canaries")
          .withMessageContaining("-1");
    }

    @Test
    void rejectsANegativeFailureThresholdNamingTheField() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Policy.builder().failureThreshold(-3))
          .withMessageContaining("failureThreshold");
    }

    @Test
    void rejectsANegativeTrialTaskCapNamingTheField() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Policy.builder().trialTaskCap(-1))
          .withMessageContaining("trialTaskCap");
    }

    @Test
    void rejectsNegativeSoaksAndSettleNamingTheField() {
      Duration minus = Duration.ofSeconds(-5);
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Policy.builder().canarySoak(minus))
          .withMessageContaining("canarySoak");
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Policy.builder().rampSoak(minus))
          .withMessageContaining("rampSoak");
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Policy.builder().settle(minus))
          .withMessageContaining("settle");
    }

    @Test
    void acceptsZeroForSoaksAndSettle() {
      Policy p =
          builder().canarySoak(Duration.ZERO).rampSoak(Duration.ZERO).settle(Duration.ZERO).build();

      assertThat(p.canarySoak()).isZero();
      assertThat(p.rampSoak()).isZero();
      assertThat(p.settle()).isZero();
    }

    @Test
    void rejectsZeroDeadlinesAndIntervalsNamingTheField() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Policy.builder().healthDeadline(Duration.ZERO))
          .withMessageContaining("healthDeadline");
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Policy.builder().pollInterval(Duration.ZERO))
          .withMessageContaining("pollInterval");
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Policy.builder().blockedTimeout(Duration.ZERO))
          .withMessageContaining("blockedTimeout");
    }

    @Test
    void rejectsANegativeDurationHintNamingTheField() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Policy.builder().durationHint("node-a", Duration.ofMinutes(-1)))
          .withMessageContaining("durationHint");
    }

    @Test
    void rejectsATrafficWeightOutsideOneToAHundredWhenSet() {
      // The builder promises that "each setter validates eagerly".
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Policy.builder().trafficRamp(10, 0))
          .withMessageContaining("trafficRamp");
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Policy.builder().trafficRamp(10, 101))
          .withMessageContaining("trafficRamp");
    }

    @Test
    void rejectsANegativeTaskRampEntryWhenSet() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Policy.builder().taskRamp(1, -1))
          .withMessageContaining("taskRamp");
    }

    @Test
    void rejectsABadTrafficWeightAtTheLatestWhenBuilt() {
      assertThatThrownBy(() -> builder().trafficRamp(10, 0).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("trafficRamp");
    }

    @Test
    void rejectsNullReferencesNamingTheField() {
      assertThatThrownBy(() -> Policy.builder().budget(null)).hasMessageContaining("budget");
      assertThatThrownBy(() -> Policy.builder().onFailure(null)).hasMessageContaining("onFailure");
      assertThatThrownBy(() -> Policy.builder().onDrainTimeout(null))
          .hasMessageContaining("onDrainTimeout");
    }
  }

  @Nested
  class Defaults {

    @Test
    void areTheDocumentedConstants() {
      Policy p = builder().build();

      assertThat(p.budget()).isEqualTo(Policy.DEFAULT_BUDGET);
      assertThat(p.canaries()).isEqualTo(Policy.DEFAULT_CANARIES);
      assertThat(p.canarySoak()).isEqualTo(Policy.DEFAULT_CANARY_SOAK);
      assertThat(p.settle()).isEqualTo(Policy.DEFAULT_SETTLE);
      assertThat(p.healthDeadline()).isEqualTo(Policy.DEFAULT_HEALTH_DEADLINE);
      assertThat(p.rampSoak()).isEqualTo(Policy.DEFAULT_RAMP_SOAK);
      assertThat(p.trialTaskCap()).isEqualTo(Policy.DEFAULT_TRIAL_TASK_CAP);
      assertThat(p.taskRamp()).isEqualTo(Policy.DEFAULT_TASK_RAMP);
      assertThat(p.pollInterval()).isEqualTo(Policy.DEFAULT_POLL_INTERVAL);
      assertThat(p.blockedTimeout()).isEqualTo(Policy.DEFAULT_BLOCKED_TIMEOUT);
    }

    @Test
    void areConservative() {
      Policy p = builder().build();

      assertThat(p.budget()).isEqualTo(Budget.ofNodes(1));
      assertThat(p.canaries()).isEqualTo(1);
      assertThat(p.onFailure()).isEqualTo(Policy.FailureAction.ROLLBACK);
      assertThat(p.failureThreshold()).isZero();
      assertThat(p.onDrainTimeout()).isEqualTo(Policy.DrainTimeoutAction.FAIL);
      assertThat(p.snapshots()).isTrue();
      assertThat(p.allowDowntime()).isFalse();
      assertThat(p.forceVersionSkew()).isFalse();
      assertThat(p.approveCanaries()).isFalse();
      assertThat(p.exclusiveTrial()).isTrue();
      assertThat(p.settle()).isPositive();
    }

    @Test
    void selectEveryNodeAndAssumeNoLoadBalancerOrProbes() {
      Policy p = builder().build();

      assertThat(p.only()).isEmpty();
      assertThat(p.durationHints()).isEmpty();
      assertThat(p.trafficRamp()).isEmpty();
      assertThat(p.probes()).isEmpty();
    }

    @Test
    void constantsHaveTheirDocumentedValues() {
      assertThat(Policy.DEFAULT_CANARY_SOAK).isEqualTo(Duration.ofMinutes(10));
      assertThat(Policy.DEFAULT_SETTLE).isEqualTo(Duration.ofSeconds(10));
      assertThat(Policy.DEFAULT_HEALTH_DEADLINE).isEqualTo(Duration.ofMinutes(5));
      assertThat(Policy.DEFAULT_RAMP_SOAK).isEqualTo(Duration.ofMinutes(5));
      assertThat(Policy.DEFAULT_TRIAL_TASK_CAP).isEqualTo(5);
      assertThat(Policy.DEFAULT_TASK_RAMP).containsExactly(1);
      assertThat(Policy.DEFAULT_POLL_INTERVAL).isEqualTo(Duration.ofSeconds(10));
      assertThat(Policy.DEFAULT_BLOCKED_TIMEOUT).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void budgetForResolvesTheBudgetForAGroup() {
      assertThat(builder().budget(Budget.ofPercent(10)).build().budgetFor(1000)).isEqualTo(100);
    }
  }

  @Nested
  class ToBuilder {

    private Policy everythingSet() {
      return Policy.builder()
          .budget(Budget.ofPercent(10))
          .canaries(2)
          .canarySoak(Duration.ofMinutes(20))
          .approveCanaries(true)
          .drainDeadline(Duration.ofHours(2))
          .onDrainTimeout(Policy.DrainTimeoutAction.FORCE)
          .settle(Duration.ofSeconds(30))
          .healthDeadline(Duration.ofMinutes(7))
          .trafficRamp(10, 50, 100)
          .rampSoak(Duration.ofMinutes(3))
          .trialTaskCap(3)
          .exclusiveTrial(false)
          .taskRamp(1, 2)
          .snapshots(false)
          .failureThreshold(2)
          .onFailure(Policy.FailureAction.PAUSE)
          .allowDowntime(true)
          .forceVersionSkew(true)
          .probes("api-up", "version")
          .only("node-a", "node-b")
          .durationHint("node-a", Duration.ofHours(1))
          .pollInterval(Duration.ofSeconds(3))
          .blockedTimeout(Duration.ofMinutes(15))
          .build();
    }

    @Test
    void roundTripsEverySetting() {
      Policy p = everythingSet();

      assertThat(p.toBuilder().build()).isEqualTo(p);
    }

    @Test
    void roundTripsTheDefaults() {
      Policy p = builder().build();

      assertThat(p.toBuilder().build()).isEqualTo(p);
    }

    @Test
    void changesOnlyWhatIsSetAndLeavesTheOriginalAlone() {
      Policy p = everythingSet();

      Policy changed = p.toBuilder().canaries(1).only("node-c").build();

      assertThat(changed.canaries()).isEqualTo(1);
      assertThat(changed.only())
          .containsExactlyInAnyOrder(id("node-a"), id("node-b"), id("node-c"));
      assertThat(changed.durationHints()).isEqualTo(p.durationHints());
      assertThat(p.canaries()).isEqualTo(2);
      assertThat(p.only()).containsExactlyInAnyOrder(id("node-a"), id("node-b"));
    }
  }

  @Nested
  class Collections {

    @Test
    void changingAnArrayAfterItWasSetDoesNotChangeThePolicy() {
      Integer[] weights = {10, 100};
      String[] probes = {"api-up"};
      Integer[] caps = {1, 2};
      Policy p = builder().trafficRamp(weights).probes(probes).taskRamp(caps).build();

      weights[0] = 50;
      probes[0] = "changed";
      caps[0] = 9;

      assertThat(p.trafficRamp()).containsExactly(10, 100);
      assertThat(p.probes()).containsExactly("api-up");
      assertThat(p.taskRamp()).containsExactly(1, 2);
    }

    @Test
    void usingTheBuilderAgainAfterBuildDoesNotChangeTheBuiltPolicy() {
      Policy.Builder b = builder().only("node-a").durationHint("node-a", Duration.ofMinutes(5));
      Policy first = b.build();

      b.only("node-b").durationHint("node-b", Duration.ofMinutes(9));

      assertThat(first.only()).containsExactly(id("node-a"));
      assertThat(first.durationHints()).containsOnlyKeys(id("node-a"));
    }

    @Test
    void changingABuilderFromToBuilderDoesNotChangeTheOriginal() {
      Policy p =
          builder()
              .trafficRamp(10, 100)
              .probes("api-up")
              .only("node-a")
              .durationHint("node-a", Duration.ofMinutes(5))
              .hook("ticket", HookPoint.BEFORE_UNIT)
              .build();

      p.toBuilder()
          .trafficRamp(10, 50, 100)
          .probes()
          .only("node-b")
          .durationHint("node-b", Duration.ofHours(1))
          .hook("ticket", HookPoint.AFTER_VERIFY)
          .build();

      assertThat(p.trafficRamp()).containsExactly(10, 100);
      assertThat(p.probes()).containsExactly("api-up");
      assertThat(p.only()).containsExactly(id("node-a"));
      assertThat(p.durationHints()).containsOnlyKeys(id("node-a"));
      assertThat(p.hooks()).extracting(Policy.Hook::point).containsExactly(HookPoint.BEFORE_UNIT);
    }

    @Test
    void thePolicysCollectionsCannotBeChanged() {
      Policy p =
          builder()
              .trafficRamp(10, 100)
              .probes("api-up")
              .only("node-a")
              .durationHint("node-a", Duration.ofMinutes(1))
              .build();

      assertThatThrownBy(() -> p.trafficRamp().add(5))
          .isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> p.probes().clear())
          .isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> p.only().add(id("x")))
          .isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> p.durationHints().clear())
          .isInstanceOf(UnsupportedOperationException.class);
    }
  }
}
