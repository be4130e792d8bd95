package io.upkeep.testkit.assertj;

import io.upkeep.DrainState;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.InvariantMonitor;
import java.util.List;
import java.util.Optional;
import org.assertj.core.api.AbstractAssert;

/**
 * AssertJ assertions about a {@link FakeCluster}; every failure message names the cluster's seed so
 * the run can be replayed. Get one with {@link TestkitAssertions#assertThat(FakeCluster)}. Not
 * thread-safe, like every AssertJ assertion.
 */
public final class FakeClusterAssert extends AbstractAssert<FakeClusterAssert, FakeCluster> {

  FakeClusterAssert(FakeCluster actual) {
    super(actual, FakeClusterAssert.class);
  }

  /** Verifies that {@code monitor}, watching this cluster, recorded no violation. */
  public FakeClusterAssert hasNoViolations(InvariantMonitor monitor) {
    isNotNull();
    if (!monitor.held()) {
      failWithMessage("%s", monitor.report());
    }
    return this;
  }

  /**
   * Verifies that the host of {@code node} runs on {@code platform}, member or not.
   *
   * @throws io.upkeep.UnknownNodeException if the cluster never knew {@code node}
   */
  public FakeClusterAssert hasNodeOnPlatform(String node, Platform platform) {
    isNotNull();
    Platform now = actual.host(NodeId.of(node)).platform();
    if (!now.equals(platform)) {
      failWithMessage(
          "expected %s to be on <%s> but it is on <%s> (seed %s)",
          node, platform, now, actual.seed());
    }
    return this;
  }

  /**
   * Verifies that {@code node} is a member, healthy and taking work.
   *
   * @throws io.upkeep.UnknownNodeException if the cluster never knew {@code node}
   */
  public FakeClusterAssert hasNodeInService(String node) {
    isNotNull();
    Optional<Node> n = actual.node(NodeId.of(node));
    if (n.isEmpty() || !n.get().inService()) {
      failWithMessage(
          "expected %s to be in service but it is %s (seed %s)",
          node,
          n.map(x -> x.health() + " and " + x.drainState()).orElse("not a member"),
          actual.seed());
    }
    return this;
  }

  /** Verifies that no member is draining or drained. */
  public FakeClusterAssert hasNoNodeDrained() {
    isNotNull();
    List<String> drained =
        actual.observe().nodes().stream()
            .filter(n -> n.drainState() != DrainState.ACTIVE)
            .map(n -> n.id() + " (" + n.drainState() + ")")
            .toList();
    if (!drained.isEmpty()) {
      failWithMessage("expected no node drained but found %s (seed %s)", drained, actual.seed());
    }
    return this;
  }

  /** Verifies that at least one event of type {@code type} was recorded. */
  public FakeClusterAssert hasRecorded(Class<? extends ClusterEvent> type) {
    isNotNull();
    List<ClusterEvent> events = actual.events();
    if (events.stream().noneMatch(type::isInstance)) {
      failWithMessage(
          "expected a %s event among the %s recorded but there was none (seed %s)",
          type.getSimpleName(), events.size(), actual.seed());
    }
    return this;
  }
}
