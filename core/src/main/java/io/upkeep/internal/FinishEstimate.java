package io.upkeep.internal;

import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.PlanUnit;
import io.upkeep.Role;
import io.upkeep.UpgradePlan;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * When a plan is expected to finish: a list-scheduling simulation of its units as the executor runs
 * them. Each unit takes its {@link PlanUnit#expected()} time; a unit starts once the units it comes
 * {@linkplain PlanUnit#after() after} are done, while its role has a free slot of the plan's
 * budget, and only while a maintenance window is open; the one that leads a quorum role goes last
 * of its role; the executor's order picks among the ready (canaries, then nodes already out of
 * service, then longest expected). A unit in flight runs past a window's end, as in a run. Gates
 * and approvals pass at once, nothing fails, and the minimum task capacity is not modelled; so it
 * is an estimate, as good as the expected durations.
 */
public final class FinishEstimate {

  private FinishEstimate() {}

  /** The instant the last unit of {@code plan} finishes if the run starts at {@code start}. */
  public static Instant of(UpgradePlan plan, Instant start) {
    List<PlanUnit> units = plan.units();
    Map<NodeId, Integer> index = new HashMap<>();
    Map<NodeId, List<PlanUnit>> dependents = new HashMap<>();
    Map<NodeId, Integer> waitingFor = new HashMap<>();
    Map<Role, Integer> leftOfRole = new HashMap<>();
    for (int i = 0; i < units.size(); i++) {
      PlanUnit u = units.get(i);
      index.put(u.node(), i);
      leftOfRole.merge(u.role(), 1, Integer::sum);
    }
    for (PlanUnit u : units) {
      int deps = 0;
      for (NodeId dep : u.after()) {
        if (index.containsKey(dep)) {
          dependents.computeIfAbsent(dep, d -> new ArrayList<>()).add(u);
          deps++;
        }
      }
      waitingFor.put(u.node(), deps);
    }
    Set<NodeId> outOfService = new HashSet<>();
    Set<NodeId> leaders = new HashSet<>();
    for (Node n : plan.observed()) {
      if (!n.inService()) {
        outOfService.add(n.id());
      }
      if (n.leader()
          && plan.constraints().leaderLast()
          && plan.constraints().quorumRoles().contains(n.role())) {
        leaders.add(n.id());
      }
    }
    Comparator<PlanUnit> first =
        Comparator.comparing((PlanUnit u) -> !u.canary())
            .thenComparing(u -> !outOfService.contains(u.node()))
            .thenComparing(PlanUnit::expected, Comparator.reverseOrder())
            .thenComparing(u -> index.get(u.node()));
    Map<Role, PriorityQueue<PlanUnit>> ready = new HashMap<>();
    for (PlanUnit u : units) {
      if (waitingFor.get(u.node()) == 0) {
        ready.computeIfAbsent(u.role(), r -> new PriorityQueue<>(first)).add(u);
      }
    }
    Map<Role, Integer> inFlight = new HashMap<>();
    record Running(PlanUnit unit, Instant finish) {}
    PriorityQueue<Running> running =
        new PriorityQueue<>(
            Comparator.comparing(Running::finish).thenComparing(r -> index.get(r.unit().node())));
    Windows windows = new Windows(plan.policy().windows());
    Instant now = start;
    Instant last = start;
    int left = units.size();
    while (left > 0) {
      boolean open = windows.isOpen(now);
      boolean waiting = false;
      for (Map.Entry<Role, PriorityQueue<PlanUnit>> e : ready.entrySet()) {
        Role role = e.getKey();
        PriorityQueue<PlanUnit> queue = e.getValue();
        int budget = plan.budgets().getOrDefault(role, 1);
        List<PlanUnit> held = new ArrayList<>();
        while (!queue.isEmpty() && inFlight.getOrDefault(role, 0) < budget) {
          PlanUnit u = queue.peek();
          if (leaders.contains(u.node()) && leftOfRole.get(role) > 1) {
            held.add(queue.poll());
            continue;
          }
          if (!open) {
            waiting = true;
            break;
          }
          queue.poll();
          inFlight.merge(role, 1, Integer::sum);
          running.add(new Running(u, now.plus(u.expected())));
        }
        queue.addAll(held);
      }
      Instant next = running.isEmpty() ? null : running.peek().finish();
      if (waiting) {
        Instant opens = windows.nextOpening(now).toInstant();
        next = next == null || opens.isBefore(next) ? opens : next;
      }
      if (next == null) {
        // Nothing runs and nothing can start: units whose dependencies are not in the plan.
        break;
      }
      now = next;
      while (!running.isEmpty() && !running.peek().finish().isAfter(now)) {
        Running done = running.poll();
        PlanUnit u = done.unit();
        left--;
        last = done.finish().isAfter(last) ? done.finish() : last;
        inFlight.merge(u.role(), -1, Integer::sum);
        leftOfRole.merge(u.role(), -1, Integer::sum);
        for (PlanUnit d : dependents.getOrDefault(u.node(), List.of())) {
          if (waitingFor.merge(d.node(), -1, Integer::sum) == 0) {
            ready.computeIfAbsent(d.role(), r -> new PriorityQueue<>(first)).add(d);
          }
        }
      }
    }
    return last;
  }
}
