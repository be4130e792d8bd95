package io.upkeep.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.upkeep.Action;
import io.upkeep.DrainState;
import io.upkeep.Health;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.PlanStep;
import io.upkeep.PlanUnit;
import io.upkeep.Platform;
import io.upkeep.Role;
import io.upkeep.TaskCap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The ready queue picks, at every step, the unit a plain scan of every candidate with the start
 * order's comparator picks (the second model, as the executor did before the queue): canaries
 * first, nodes out of service already next, the longest expected first (a hint as given, the
 * general estimate with the base of the moment), then plan order; only out-of-service units of a
 * full role. Random queues, random node changes, random bases.
 */
class ReadyQueueTest {

  private static final Platform P = Platform.of("Ubuntu 22.04", "", "1.0");

  private record Candidate(PlanUnit unit, Node node, boolean own, int index) {}

  @Test
  void theQueuePicksWhatAScanOfEveryCandidatePicks() {
    Random random = new Random(3);
    for (int round = 0; round < 300; round++) {
      ReadyQueue queue = new ReadyQueue();
      Map<NodeId, Candidate> model = new HashMap<>();
      int n = 1 + random.nextInt(40);
      for (int i = 0; i < n; i++) {
        Candidate c = candidate(random, i);
        model.put(c.unit.node(), c);
        queue.put(c.unit, c.node, c.own, c.index);
      }
      // Some nodes change: drained, their work grows.
      for (Candidate c : new ArrayList<>(model.values())) {
        if (random.nextInt(4) == 0) {
          Candidate moved =
              new Candidate(c.unit, node(random, c.unit.node(), c.unit.role()), c.own, c.index);
          model.put(c.unit.node(), moved);
          queue.update(c.unit.node(), moved.node);
        }
      }
      Set<Role> full = new HashSet<>();
      while (!model.isEmpty()) {
        if (random.nextInt(5) == 0) {
          full.add(Role.of("r" + random.nextInt(3)));
        }
        Duration base = Duration.ofMinutes(1 + random.nextInt(30));
        Candidate expected = scan(model.values(), full, base);
        PlanUnit got = queue.pollBest(full, base);
        if (expected == null) {
          assertThat(got).isNull();
          break;
        }
        assertThat(got).isNotNull();
        assertThat(got.node()).isEqualTo(expected.unit.node());
        model.remove(got.node());
      }
    }
  }

  @Test
  void aRemovedUnitIsNeverPickedAndAnEmptyQueueGivesNone() {
    ReadyQueue queue = new ReadyQueue();
    Random random = new Random(1);
    Candidate a = candidate(random, 0);
    queue.put(a.unit, a.node, a.own, 0);
    assertThat(queue.contains(a.unit.node())).isTrue();
    queue.remove(a.unit.node());
    assertThat(queue.isEmpty()).isTrue();
    assertThat(queue.pollBest(Set.of(), Duration.ZERO)).isNull();
  }

  /** The start order, as a comparator over every candidate: the model the queue must match. */
  private static Candidate scan(
      java.util.Collection<Candidate> all, Set<Role> full, Duration base) {
    Comparator<Candidate> first =
        Comparator.comparing((Candidate c) -> !c.unit.canary())
            .thenComparing(c -> c.node == null || c.node.inService())
            .thenComparing(c -> expected(c, base), Comparator.reverseOrder())
            .thenComparing(c -> c.index);
    return all.stream()
        .filter(c -> !full.contains(c.unit.role()) || (c.node != null && !c.node.inService()))
        .min(first)
        .orElse(null);
  }

  private static Duration expected(Candidate c, Duration base) {
    if (c.own) {
      return c.unit.expected();
    }
    int work = c.node == null ? 0 : c.node.runningWork();
    return base.plus(PlanBuilder.PER_RUNNING_TASK.multipliedBy(work));
  }

  private static Candidate candidate(Random random, int index) {
    NodeId id = NodeId.of("n" + index);
    Role role = Role.of("r" + random.nextInt(3));
    boolean own = random.nextBoolean();
    PlanUnit unit =
        new PlanUnit(
            id,
            role,
            random.nextInt(8) == 0,
            Duration.ofMinutes(random.nextInt(40)),
            own ? PlanUnit.Estimate.HINT : PlanUnit.Estimate.DEFAULT,
            List.of(),
            List.of(new PlanStep(id + "/1", id, new Action.Drain(), "test")));
    return new Candidate(unit, random.nextInt(10) == 0 ? null : node(random, id, role), own, index);
  }

  private static Node node(Random random, NodeId id, Role role) {
    return new Node(
        id,
        role,
        P,
        TaskCap.UNLIMITED,
        random.nextInt(4) == 0 ? DrainState.DRAINED : DrainState.ACTIVE,
        Health.HEALTHY,
        false,
        false,
        random.nextInt(5),
        true);
  }
}
