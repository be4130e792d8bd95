package io.upkeep.internal;

import io.upkeep.ClusterSnapshot;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.UpgradePlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What changed in a cluster since a plan was made from it: the facts a plan's steps rest on
 * (membership, role, voting, platform, task cap). Health, drain state and running work change all
 * the time and are the executor's business, not the plan's.
 */
public final class ClusterDrift {
  private ClusterDrift() {}

  /** One line per change, naming the node; empty if the plan still fits {@code now}. */
  public static List<String> since(UpgradePlan plan, ClusterSnapshot now) {
    List<String> out = new ArrayList<>();
    Set<NodeId> planned = plan.observed().stream().map(Node::id).collect(Collectors.toSet());
    for (Node was : plan.observed()) {
      Optional<Node> is = now.find(was.id());
      if (is.isEmpty()) {
        out.add(was.id() + " has left the cluster");
        continue;
      }
      Node n = is.get();
      if (!n.platform().equals(was.platform())) {
        out.add(was.id() + " now runs " + n.platform() + " (planned on " + was.platform() + ")");
      }
      if (!n.taskCap().equals(was.taskCap())) {
        out.add(
            was.id()
                + "'s task cap is now "
                + n.taskCap()
                + " (planned with "
                + was.taskCap()
                + ")");
      }
      if (!n.role().equals(was.role()) || n.voter() != was.voter()) {
        out.add(
            was.id()
                + " is now "
                + (n.voter() ? "a voting " : "a non-voting ")
                + n.role()
                + " (planned as "
                + (was.voter() ? "a voting " : "a non-voting ")
                + was.role()
                + ")");
      }
    }
    if (!plan.observed().isEmpty()) {
      now.nodes().stream()
          .filter(n -> !planned.contains(n.id()))
          .forEach(n -> out.add(n.id() + " has joined the cluster"));
    }
    return out;
  }
}
