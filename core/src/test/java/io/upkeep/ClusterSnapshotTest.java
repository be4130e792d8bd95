package io.upkeep;

import static io.upkeep.Fixtures.T0;
import static io.upkeep.Fixtures.octopus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A snapshot updated with what changed equals a snapshot taken afresh, and tells exactly which
 * nodes changed: the executor looks again only at those, so a wrong answer would leave a unit
 * waiting for a change it was never told about. Checked against a second model, a full comparison
 * of fresh snapshots, over many random updates.
 */
class ClusterSnapshotTest {

  private static List<Node> nodes(int n) {
    List<Node> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(octopus("n" + i, 5));
    }
    return out;
  }

  @Test
  void anUpdateEqualsAFreshSnapshotAndReportsExactlyTheNodesThatChanged() {
    List<Node> model = nodes(300); // more than one chunk, and a short last one
    ClusterSnapshot snap = new ClusterSnapshot(T0, List.copyOf(model), false);
    java.util.Random random = new java.util.Random(5);
    for (int round = 0; round < 200; round++) {
      List<Node> changed = new ArrayList<>();
      for (int k = random.nextInt(4); k > 0; k--) {
        int i = random.nextInt(model.size());
        Node after = model.get(i).withTaskCap(TaskCap.of(random.nextInt(3)));
        model.set(i, after);
        changed.add(after);
      }
      ClusterSnapshot fresh = new ClusterSnapshot(T0.plusSeconds(round), model, round % 2 == 0);
      ClusterSnapshot before = snap;
      ClusterSnapshot next = snap.updated(fresh.observedAt(), changed, List.of(), round % 2 == 0);

      assertThat(next).isEqualTo(fresh);
      assertThat(next.nodes()).containsExactlyElementsOf(model);
      assertThat(next.changedSince(snap))
          .as("the fast path, on shared structure")
          .isEqualTo(fresh.changedSince(snap))
          .as("the slow path, on a fresh snapshot")
          .containsExactlyInAnyOrderElementsOf(
              model.stream().filter(n -> !before.node(n.id()).equals(n)).map(Node::id).toList());
      snap = next;
    }
  }

  @Test
  void anUnchangedNodePutBackIsNotReportedAndAnUpdateLeavesTheEarlierSnapshotAsItWas() {
    ClusterSnapshot snap = new ClusterSnapshot(T0, nodes(3), false);
    Node same = octopus("n1", 5);
    Node drained = octopus("n2", 5).withTaskCap(TaskCap.ZERO);

    ClusterSnapshot next =
        snap.updated(T0.plusSeconds(1), List.of(same, drained), List.of(), false);

    assertThat(next.changedSince(snap)).containsExactly(NodeId.of("n2"));
    assertThat(snap.node(NodeId.of("n2")).taskCap()).isEqualTo(TaskCap.of(5));
    assertThat(snap.changedSince(snap)).isEmpty();
  }

  @Test
  void nodesThatJoinOrLeaveAreReportedAndKeepTheOrderOfAFreshSnapshot() {
    ClusterSnapshot snap = new ClusterSnapshot(T0, nodes(3), false);
    Node joined = octopus("n9", 5);

    ClusterSnapshot next =
        snap.updated(T0.plusSeconds(1), List.of(joined), List.of(NodeId.of("n0")), false);

    assertThat(next.ids()).containsExactly(NodeId.of("n1"), NodeId.of("n2"), NodeId.of("n9"));
    assertThat(next.changedSince(snap)).containsExactlyInAnyOrder(NodeId.of("n9"), NodeId.of("n0"));
    assertThat(snap.changedSince(next)).containsExactlyInAnyOrder(NodeId.of("n9"), NodeId.of("n0"));
  }

  @Test
  void aSnapshotRefusesTwoNodesWithOneIdAndItsNodesCannotBeChanged() {
    assertThatThrownBy(
            () -> new ClusterSnapshot(T0, List.of(octopus("a", 1), octopus("a", 2)), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("node id a appears twice");
    ClusterSnapshot snap = new ClusterSnapshot(T0, nodes(2), false);
    assertThatThrownBy(() -> snap.nodes().add(octopus("x", 1)))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
