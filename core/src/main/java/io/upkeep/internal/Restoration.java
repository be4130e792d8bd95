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
import java.util.Optional;
import java.util.Set;

/**
 * Works out the steps that put a failed or aborted unit's nodes back as they were before the run
 * touched them: original nodes get their host back (snapshot restored, service started), then their
 * task cap, drain state and traffic weight; new nodes are taken out of service (task cap 0, out of
 * the load balancer; a clone is drained, then stopped); cluster maintenance mode ends. Only what
 * the unit did is undone: a node the operator had drained stays drained.
 *
 * <p>A rolling replacement is taken out only after its original node is back, so that a failed
 * restore never leaves fewer nodes in service; a clone is stopped before its source starts, so that
 * only one instance ever uses the shared database.
 */
final class Restoration {
  private Restoration() {}

  /**
   * The first step of {@code unit} that passed its point of no return (the removal or destruction
   * of its original node), if one was sent.
   */
  static Optional<PlanStep> pointOfNoReturn(PlanUnit unit, Map<String, StepState> steps) {
    return unit.steps().stream()
        .filter(
            s ->
                s.node().equals(unit.node())
                    && steps.containsKey(s.id())
                    && steps.get(s.id()).actingSince() != null
                    && (s.action() instanceof Action.RemoveMember
                        || s.action() instanceof Action.Decommission))
        .findFirst();
  }

  /**
   * Whether {@code step} is a restore step (their ids carry {@code #r}) rather than one of the
   * plan's.
   */
  static boolean isRestoreStep(PlanStep step) {
    return step.id().contains("#r");
  }

  static List<PlanStep> stepsFor(
      PlanUnit unit, Map<String, StepState> steps, Map<NodeId, NodeOrigin> origins) {
    Map<NodeId, Set<Class<? extends Action>>> touched = new LinkedHashMap<>();
    Set<NodeId> created = new LinkedHashSet<>();
    boolean maintenance = false;
    for (PlanStep s : unit.steps()) {
      StepState st = steps.get(s.id());
      // Only what a step did is undone: one that found the cluster as it asked, or was blocked by a
      // safety rule, acted on nothing.
      if (st == null || st.actingSince() == null) {
        continue;
      }
      touched.computeIfAbsent(s.node(), n -> new LinkedHashSet<>()).add(s.action().getClass());
      if (s.action() instanceof Action.Provision) {
        created.add(s.node());
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
    if (clone) {
      created.forEach(node -> takeOut(out, node, touched.get(node), true));
    }
    touched.forEach(
        (node, t) -> {
          NodeOrigin origin = origins.get(node);
          if (!created.contains(node) && origin != null) {
            putBack(out, node, t, origin);
          }
        });
    if (!clone) {
      created.forEach(node -> takeOut(out, node, touched.get(node), false));
    }
    if (maintenance) {
      out.add(unit.node(), new Action.ExitMaintenance(), "rollback: end maintenance mode");
    }
    return out.steps;
  }

  private static void takeOut(
      StepList out, NodeId node, Set<Class<? extends Action>> t, boolean clone) {
    if (!t.contains(Action.StartService.class)) {
      return;
    }
    if (clone) {
      out.add(
          node,
          new Action.Drain(),
          "rollback: let the clone's running tasks finish before it stops");
      out.add(
          node,
          new Action.StopService(),
          "rollback: stop the clone so only the source uses the database");
    } else if (t.contains(Action.SetTaskCap.class)) {
      out.add(
          node,
          new Action.SetTaskCap(TaskCap.ZERO),
          "rollback: the new node takes no tasks; kept for investigation");
    }
    if (t.contains(Action.SetTrafficWeight.class)) {
      out.add(node, new Action.SetTrafficWeight(0), "rollback: out of the load balancer");
    }
  }

  private static void putBack(
      StepList out, NodeId node, Set<Class<? extends Action>> t, NodeOrigin origin) {
    boolean changedHost = t.contains(Action.Upgrade.class);
    if (changedHost && t.contains(Action.Snapshot.class)) {
      out.add(
          node,
          new Action.RestoreSnapshot(),
          "rollback: back to the snapshot taken before the upgrade");
    }
    if (t.contains(Action.StopService.class)) {
      out.add(node, new Action.StartService(), "rollback: bring it back");
      if (!changedHost || t.contains(Action.Snapshot.class)) {
        out.add(
            node,
            new Action.AwaitHealthy(origin.platform()),
            "rollback: it must be healthy as it was");
      }
    }
    if (t.contains(Action.SetTaskCap.class)) {
      out.add(node, new Action.SetTaskCap(origin.taskCap()), "rollback: its original task cap");
    }
    if (t.contains(Action.Drain.class) && origin.drainState() == DrainState.ACTIVE) {
      out.add(node, new Action.Undrain(), "rollback: take work again");
    }
    if (t.contains(Action.SetTrafficWeight.class)) {
      out.add(
          node, new Action.SetTrafficWeight(100), "rollback: its equal share of requests again");
    }
  }
}
