package io.upkeep.internal;

import io.upkeep.Action;
import io.upkeep.DrainState;
import io.upkeep.NodeId;
import io.upkeep.PlanStep;
import io.upkeep.PlanUnit;
import io.upkeep.RunState.NodeOrigin;
import io.upkeep.RunState.StepState;
import io.upkeep.TaskCap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Works out the steps that put a failed or aborted unit's nodes back as they were: new nodes are
 * taken out of service (task cap 0, out of the load balancer; a clone is stopped), original nodes
 * get their host back (snapshot restored, service started), then their task cap, drain state and
 * traffic weight, and cluster maintenance mode ends.
 */
final class Restoration {
  private Restoration() {}

  static List<PlanStep> stepsFor(PlanUnit unit, Map<String, StepState> steps, Map<NodeId, NodeOrigin> origins) {
    Map<NodeId, Set<Class<? extends Action>>> touched = new LinkedHashMap<>();
    Map<NodeId, Action.Provision> created = new LinkedHashMap<>();
    boolean maintenance = false;
    for (PlanStep s : unit.steps()) {
      if (!steps.containsKey(s.id())) {
        continue;
      }
      touched.computeIfAbsent(s.node(), n -> new LinkedHashSet<>()).add(s.action().getClass());
      if (s.action() instanceof Action.Provision p) {
        created.put(s.node(), p);
      }
      if (s.action() instanceof Action.EnterMaintenance) {
        maintenance = true;
      }
      if (s.action() instanceof Action.ExitMaintenance) {
        maintenance = false;
      }
    }
    boolean clone = unit.steps().stream().anyMatch(s -> s.action() instanceof Action.CopyFolders);
    StepList out = new StepList(unit.node(), "r");
    created.forEach((node, p) -> {
      Set<Class<? extends Action>> t = touched.get(node);
      if (clone && t.contains(Action.StartService.class)) {
        out.add(node, new Action.StopService(), "rollback: stop the clone so only the source uses the database");
      } else if (t.contains(Action.StartService.class) && !p.initialCap().isUnlimited()) {
        out.add(node, new Action.SetTaskCap(TaskCap.ZERO), "rollback: the new node takes no tasks; kept for investigation");
      }
      if (t.contains(Action.SetTrafficWeight.class)) {
        out.add(node, new Action.SetTrafficWeight(0), "rollback: out of the load balancer");
      }
    });
    touched.forEach((node, t) -> {
      NodeOrigin origin = origins.get(node);
      if (created.containsKey(node) || origin == null || t.contains(Action.RemoveMember.class)) {
        return;
      }
      boolean changedHost = t.contains(Action.Upgrade.class);
      if (changedHost && t.contains(Action.Snapshot.class)) {
        out.add(node, new Action.RestoreSnapshot(), "rollback: back to the snapshot taken before the upgrade");
      }
      if (t.contains(Action.StopService.class)) {
        out.add(node, new Action.StartService(), "rollback: bring it back");
      }
      if (t.contains(Action.StopService.class) && (!changedHost || t.contains(Action.Snapshot.class))) {
        out.add(node, new Action.AwaitHealthy(origin.platform()), "rollback: it must be healthy as it was");
      }
      if (t.contains(Action.SetTaskCap.class)) {
        out.add(node, new Action.SetTaskCap(origin.taskCap()), "rollback: its original task cap");
      }
      if (t.contains(Action.Drain.class) && origin.drainState() == DrainState.ACTIVE) {
        out.add(node, new Action.Undrain(), "rollback: take work again");
      }
      if (t.contains(Action.SetTrafficWeight.class)) {
        out.add(node, new Action.SetTrafficWeight(100), "rollback: its equal share of requests again");
      }
    });
    if (maintenance) {
      out.add(unit.node(), new Action.ExitMaintenance(), "rollback: end maintenance mode");
    }
    return out.steps;
  }
}
