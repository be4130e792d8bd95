package io.upkeep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.upkeep.spi.ClusterPort;
import io.upkeep.spi.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Hand-made clusters, a fixed clock and small helpers shared by core's unit tests. */
final class Fixtures {

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  static final Role OCTOPUS = Role.of("octopus-node");
  static final Role SERVER = Role.of("server");
  static final Role CLIENT = Role.of("client");

  static final Platform WIN2019 = Platform.of("Windows Server 2019", ".NET 6.0", "2024.1.1234");
  static final Platform WIN2022 = Platform.of("Windows Server 2022", ".NET 6.0", "2024.1.1234");
  static final UpgradeTarget TO_WIN2022 = UpgradeTarget.os("Windows Server 2022");

  static final Platform NOMAD_17 = Platform.of("Ubuntu 22.04", "", "1.7.3");
  static final Platform NOMAD_18 = Platform.of("Ubuntu 22.04", "", "1.8.0");
  static final UpgradeTarget TO_NOMAD_18 = UpgradeTarget.product("1.8.0");

  private Fixtures() {}

  /** A clock stopped at one instant; the planner must never wait on it. */
  static final class FixedTime implements TimeSource {
    private final Instant now;

    FixedTime(Instant now) {
      this.now = now;
    }

    @Override
    public Instant now() {
      return now;
    }

    @Override
    public void sleep(Duration duration) {
      throw new AssertionError(
          "nothing in this test may wait, but something asked to sleep " + duration);
    }
  }

  static UpgradePlanner planner() {
    return UpgradePlanner.create(new FixedTime(T0));
  }

  /** The least policy the builder accepts: every default, a 30-minute drain deadline. */
  static Policy.Builder policy() {
    return Policy.builder().drainDeadline(Duration.ofMinutes(30));
  }

  /** An Octopus-like HA node: task cap, runs work, no quorum. */
  static Node octopus(String id, int cap) {
    return Node.worker(id, OCTOPUS.name(), WIN2019, cap);
  }

  /** A Nomad-like server: a voter that runs no work and has no task cap. */
  static Node nomadServer(String id, boolean leader) {
    return new Node(
        NodeId.of(id),
        SERVER,
        NOMAD_17,
        TaskCap.UNLIMITED,
        DrainState.ACTIVE,
        Health.HEALTHY,
        leader,
        true,
        0,
        false);
  }

  /** A Nomad-like client: runs work, no task cap, no vote. */
  static Node nomadClient(String id) {
    return new Node(
        NodeId.of(id),
        CLIENT,
        NOMAD_17,
        TaskCap.UNLIMITED,
        DrainState.ACTIVE,
        Health.HEALTHY,
        false,
        false,
        0,
        true);
  }

  static ClusterSnapshot cluster(Node... nodes) {
    return new ClusterSnapshot(T0, List.of(nodes), false);
  }

  static ClusterSnapshot cluster(List<Node> nodes) {
    return new ClusterSnapshot(T0, nodes, false);
  }

  /** Octopus nodes {@code prefix-1 .. prefix-n}, each with {@code cap}. */
  static List<Node> octopusNodes(String prefix, int n, int cap) {
    List<Node> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add(octopus(String.format("%s-%04d", prefix, i), cap));
    }
    return out;
  }

  /** Nomad's rules: servers form a quorum, go first, leader last, one minor release per hop. */
  static Constraints nomadConstraints() {
    return Constraints.NONE
        .withQuorum(SERVER)
        .withRoleOrder(SERVER, CLIENT)
        .withSkew(new VersionSkew(1));
  }

  static NodeId id(String value) {
    return NodeId.of(value);
  }

  /** The simple names of a unit's actions, in order. */
  static List<String> kinds(PlanUnit unit) {
    return unit.steps().stream().map(s -> s.action().getClass().getSimpleName()).toList();
  }

  /** Asserts the units' {@code after} sets name only units of the plan and form no cycle. */
  static void assertDependenciesCanBeMet(UpgradePlan plan) {
    Map<NodeId, List<NodeId>> after = new HashMap<>();
    plan.units().forEach(u -> after.put(u.node(), u.after()));
    for (PlanUnit u : plan.units()) {
      assertThat(after.keySet())
          .as("unit %s waits only for units of this plan", u.node())
          .containsAll(u.after());
    }
    // Kahn's algorithm: every unit must become startable.
    Map<NodeId, Integer> waiting = new HashMap<>();
    Map<NodeId, List<NodeId>> dependents = new HashMap<>();
    plan.units()
        .forEach(
            u -> {
              waiting.put(u.node(), u.after().size());
              u.after()
                  .forEach(
                      a -> dependents.computeIfAbsent(a, k -> new ArrayList<>()).add(u.node()));
            });
    Deque<NodeId> ready = new ArrayDeque<>();
    waiting.forEach(
        (n, c) -> {
          if (c == 0) {
            ready.add(n);
          }
        });
    int started = 0;
    while (!ready.isEmpty()) {
      NodeId n = ready.poll();
      started++;
      for (NodeId d : dependents.getOrDefault(n, List.of())) {
        if (waiting.merge(d, -1, Integer::sum) == 0) {
          ready.add(d);
        }
      }
    }
    if (started != plan.units().size()) {
      List<String> stuck = new ArrayList<>();
      waiting.forEach(
          (n, c) -> {
            if (c > 0) {
              stuck.add(n + " after " + after.get(n));
            }
          });
      fail("the units' ordering has a cycle; these can never start: " + stuck);
    }
  }

  /**
   * A cluster port that only answers observations: any change it is asked for fails the test, so a
   * refused plan provably touched nothing.
   */
  static final class ReadOnlyCluster implements ClusterPort {
    private final ClusterSnapshot snapshot;
    private final Constraints constraints;
    final List<String> calls = new ArrayList<>();

    ReadOnlyCluster(ClusterSnapshot snapshot, Constraints constraints) {
      this.snapshot = snapshot;
      this.constraints = constraints;
    }

    @Override
    public ClusterSnapshot observe() {
      calls.add("observe");
      return snapshot;
    }

    @Override
    public Constraints constraints() {
      calls.add("constraints");
      return constraints;
    }

    private void change(String what) {
      calls.add(what);
      throw new AssertionError("the planner must change nothing, but it called " + what);
    }

    @Override
    public void setTaskCap(NodeId node, TaskCap cap) {
      change("setTaskCap(" + node + ", " + cap + ")");
    }

    @Override
    public void drain(NodeId node, Instant deadline) {
      change("drain(" + node + ")");
    }

    @Override
    public void undrain(NodeId node) {
      change("undrain(" + node + ")");
    }

    @Override
    public void setMaintenanceMode(boolean on) {
      change("setMaintenanceMode(" + on + ")");
    }

    @Override
    public int runningWork(NodeId node) {
      calls.add("runningWork(" + node + ")");
      return 0;
    }

    @Override
    public void removeMember(NodeId node) {
      change("removeMember(" + node + ")");
    }

    @Override
    public boolean awaitChange(ClusterSnapshot since, Duration maxWait) {
      calls.add("awaitChange");
      throw new AssertionError("the planner must not wait for the cluster");
    }

    /** Whether anything beyond reading the cluster and its rules was called. */
    Set<String> callsOtherThanReads() {
      return Set.copyOf(
          calls.stream().filter(c -> !c.equals("observe") && !c.equals("constraints")).toList());
    }
  }
}
