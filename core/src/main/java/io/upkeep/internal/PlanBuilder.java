package io.upkeep.internal;

import io.upkeep.Action;
import io.upkeep.ClusterSnapshot;
import io.upkeep.Constraints;
import io.upkeep.Durations;
import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.PlanStep;
import io.upkeep.PlanUnit;
import io.upkeep.PlanValidationException;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.Role;
import io.upkeep.Strategy;
import io.upkeep.TaskCap;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradeTarget;
import io.upkeep.Version;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Validates the inputs of a plan and lays out each unit's steps for its strategy. */
public final class PlanBuilder {

  /** What an unhinted node is expected to take, before this run has measured any. */
  static final Duration NOMINAL_UNIT = Duration.ofMinutes(10);
  /** What each running task is expected to add to a node's drain. */
  static final Duration PER_RUNNING_TASK = Duration.ofMinutes(1);

  private final ClusterSnapshot snapshot;
  private final Constraints constraints;
  private final Strategy strategy;
  private final UpgradeTarget target;
  private final Policy policy;
  private final List<String> problems = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();

  public PlanBuilder(
      ClusterSnapshot snapshot, Constraints constraints, Strategy strategy, UpgradeTarget target, Policy policy) {
    this.snapshot = snapshot;
    this.constraints = constraints;
    this.strategy = strategy;
    this.target = target;
    this.policy = policy;
  }

  public UpgradePlan build(Instant now) {
    if (snapshot.nodes().isEmpty()) {
      throw new PlanValidationException(List.of(
          "the cluster has no nodes: check that the adapter points at the right cluster and that it is up"));
    }
    checkKnown(policy.only(), "policy.only");
    checkKnown(policy.durationHints().keySet(), "policy.durationHints");
    List<Node> selected = snapshot.nodes().stream()
        .filter(n -> policy.only().isEmpty() || policy.only().contains(n.id()))
        .toList();
    List<Node> todo = new ArrayList<>();
    for (Node n : selected) {
      checkVersion(n);
      if (target.isMetBy(n.platform())) {
        warnings.add(n.id() + " is already on " + n.platform() + " and is left alone");
      } else {
        todo.add(n);
      }
    }
    Map<Role, Integer> budgets = budgets(todo);
    checkStrategy(todo);
    throwIfProblems();

    List<Node> ordered = order(todo);
    // Canaries come from the first role to upgrade, never the leader: everyone else waits for them,
    // so a canary from a later role would wait for (and be waited on by) the first role's leader.
    List<NodeId> canaries = ordered.isEmpty() ? List.of() : ordered.stream()
        .filter(n -> n.role().equals(ordered.get(0).role()) && !n.leader())
        .limit(policy.canaries()).map(Node::id).toList();
    List<PlanUnit> units = new ArrayList<>();
    Map<Role, List<NodeId>> doneByRole = new LinkedHashMap<>();
    for (Node n : ordered) {
      boolean canary = canaries.contains(n.id());
      List<NodeId> after = new ArrayList<>();
      if (!canary) {
        after.addAll(canaries);
      }
      for (Role earlier : rolesBefore(n.role())) {
        after.addAll(doneByRole.getOrDefault(earlier, List.of()));
      }
      if (n.leader() && constraints.leaderLast()) {
        ordered.stream().filter(o -> o.role().equals(n.role()) && !o.id().equals(n.id()) && !after.contains(o.id()))
            .forEach(o -> after.add(o.id()));
      }
      after.remove(n.id());
      doneByRole.computeIfAbsent(n.role(), r -> new ArrayList<>()).add(n.id());
      units.add(new PlanUnit(n.id(), n.role(), canary, expected(n), after.stream().distinct().toList(),
          steps(n, canary, todo.size() == snapshot.nodes().size() && snapshot.nodes().size() == 1)));
    }
    String id = "plan-" + digest(Json.write(List.of(units, target, strategy, policy, constraints)));
    return new UpgradePlan(id, now, strategy, target, policy, constraints, budgets, units, warnings);
  }

  private void checkKnown(Iterable<NodeId> ids, String where) {
    for (NodeId id : ids) {
      if (snapshot.find(id).isEmpty()) {
        problems.add("unknown node '" + id + "' in " + where + ": the cluster has " + snapshot.ids()
            + "; correct the name (ids are case-sensitive)");
      }
    }
  }

  private void checkVersion(Node n) {
    target.product().ifPresent(to -> {
      Version from = n.platform().product();
      if (from.isNewerThan(to)) {
        problems.add(n.id() + ": moving from " + from + " to " + to
            + " is a downgrade, which is not supported; pick a target at or above " + from);
      } else if (!policy.forceVersionSkew()) {
        String v = constraints.skew().violation(from, to);
        if (v != null) {
          problems.add(n.id() + ": " + v + "; upgrade through the intermediate releases, or set forceVersionSkew(true) "
              + "if you accept an unsupported jump");
        }
      }
    });
  }

  private Map<Role, Integer> budgets(List<Node> todo) {
    Map<Role, Integer> out = new LinkedHashMap<>();
    Map<Role, List<Node>> byRole = todo.stream().collect(Collectors.groupingBy(Node::role, LinkedHashMap::new, Collectors.toList()));
    boolean inPlace = strategy instanceof Strategy.InPlace;
    for (Map.Entry<Role, List<Node>> e : byRole.entrySet()) {
      Role role = e.getKey();
      List<Node> group = snapshot.withRole(role);
      int b = policy.budgetFor(group.size());
      if (constraints.budgets().containsKey(role)) {
        b = Math.min(b, constraints.budgets().get(role).resolve(group.size()));
      }
      if (inPlace && constraints.quorumRoles().contains(role)) {
        long voters = group.stream().filter(Node::voter).count();
        int headroom = (int) (voters - Constraints.quorum((int) voters));
        if (voters > 0 && headroom < 1 && snapshot.nodes().size() > 1) {
          problems.add("role " + role + " has " + voters + " voter(s); taking one out in place would lose quorum ("
              + Constraints.quorum((int) voters) + " needed): add voters first, or use Strategy.rollingReplace()");
        }
        b = Math.max(1, Math.min(b, headroom));
      }
      if (inPlace && constraints.minimumCapacity() > 0 && snapshot.nodes().size() > 1) {
        int fit = capacityHeadroom(group);
        if (fit < 1) {
          problems.add("taking any " + role + " node out leaves fewer task slots than the minimum capacity of "
              + constraints.minimumCapacity() + ": lower it, add a node, or use Strategy.rollingReplace()");
        }
        b = Math.max(1, Math.min(b, fit));
      }
      out.put(role, b);
    }
    return out;
  }

  /** How many of the group's largest-capped nodes can be out at once while capacity holds. */
  private int capacityHeadroom(List<Node> group) {
    long total = snapshot.nodes().stream().filter(Node::inService).mapToLong((Node n) -> (long) n.taskCap().finiteValue()).sum();
    List<Long> caps = group.stream().map((Node n) -> (long) n.taskCap().finiteValue()).sorted(Comparator.reverseOrder()).toList();
    int k = 0;
    for (long c : caps) {
      if (total - c < constraints.minimumCapacity()) {
        break;
      }
      total -= c;
      k++;
    }
    return k;
  }


  private void checkStrategy(List<Node> todo) {
    boolean single = snapshot.nodes().size() == 1;
    if (strategy instanceof Strategy.InPlace && single && !todo.isEmpty()) {
      Node only = todo.get(0);
      if (constraints.quorumRoles().contains(only.role()) && only.voter()) {
        problems.add(only.id() + " is the only voter: restarting it in place loses the cluster's quorum; "
            + "use the system's single-server recovery procedure or add servers first");
      }
      String downtime = "DOWNTIME: " + only.id() + " is the only node, so the whole cluster goes into maintenance mode "
          + "(no new work) from the first step to the last";
      if (policy.allowDowntime()) {
        warnings.add(downtime);
      } else {
        problems.add(downtime + "; set allowDowntime(true) to accept it, or add a node and upgrade without downtime");
      }
    }
    if (strategy instanceof Strategy.CloneAndMigrate clone) {
      if (todo.size() != 1) {
        problems.add("clone-and-migrate moves exactly one instance, but " + todo.size()
            + " nodes need the upgrade: select one with policy.only(...), or use rolling replace for a cluster");
      }
      target.product().ifPresent(p -> todo.stream().filter(n -> !n.platform().product().isSameRelease(p)).findFirst()
          .ifPresent(n -> problems.add("clone-and-migrate clones at the same product version (" + n.platform().product()
              + "), but the target asks for " + p + ": move the host first, then upgrade the product separately")));
      String downtime = "DOWNTIME: the source is stopped (maintenance mode on) from quiesce until the clone is verified";
      if (policy.allowDowntime()) {
        warnings.add(downtime);
      } else {
        problems.add(downtime + "; set allowDowntime(true) to accept it, or use rolling replace on an HA cluster");
      }
      if (clone.addressChanges()) {
        warnings.add("the clone answers at a new address: agents bound to the old address (polling Tentacles) "
            + "must be re-registered with the clone before the source is decommissioned");
      }
    }
    if (!(strategy instanceof Strategy.InPlace)) {
      String suffix = strategy instanceof Strategy.RollingReplace r ? r.newNodeSuffix()
          : ((Strategy.CloneAndMigrate) strategy).cloneSuffix();
      for (Node n : todo) {
        NodeId next = NodeId.of(n.id().value() + suffix);
        if (snapshot.find(next).isPresent()) {
          problems.add("the new node's name " + next + " is already taken (a leftover of an earlier run?): "
              + "remove it, or choose another suffix");
        }
      }
    }
    if (strategy instanceof Strategy.RollingReplace && policy.canaries() > 0 && policy.exclusiveTrial()
        && policy.trialTaskCap() > 0
        && constraints.minimumCapacity() > policy.trialTaskCap()
        && todo.stream().anyMatch(n -> !n.taskCap().isUnlimited())) {
      problems.add("the exclusive trial leaves " + policy.trialTaskCap() + " task slots, below the minimum capacity of "
          + constraints.minimumCapacity() + ": set exclusiveTrial(false) or trialTaskCap(" + constraints.minimumCapacity() + ")");
    }
  }

  private void throwIfProblems() {
    if (!problems.isEmpty()) {
      throw new PlanValidationException(problems);
    }
  }

  private List<Role> rolesBefore(Role role) {
    int i = constraints.roleOrder().indexOf(role);
    if (i < 0) {
      return constraints.roleOrder();
    }
    return constraints.roleOrder().subList(0, i);
  }

  /** Roles in constraint order, then nodes longest expected first, the leader last. */
  private List<Node> order(List<Node> todo) {
    Comparator<Node> byRole = Comparator.comparingInt(n -> {
      int i = constraints.roleOrder().indexOf(n.role());
      return i < 0 ? Integer.MAX_VALUE : i;
    });
    return todo.stream()
        .sorted(byRole.thenComparing(Node::leader)
            .thenComparing(this::expected, Comparator.reverseOrder())
            .thenComparing(Node::id))
        .toList();
  }

  Duration expected(Node n) {
    return policy.durationHints().getOrDefault(n.id(),
        NOMINAL_UNIT.plus(PER_RUNNING_TASK.multipliedBy(n.runningWork())));
  }

  private List<PlanStep> steps(Node n, boolean canary, boolean singleNode) {
    StepList s = new StepList(n.id(), "");
    Platform expected = target.applyTo(n.platform());
    if (strategy instanceof Strategy.InPlace) {
      inPlace(s, n, expected, singleNode);
    } else if (strategy instanceof Strategy.RollingReplace r) {
      rolling(s, n, NodeId.of(n.id().value() + r.newNodeSuffix()), expected, canary);
    } else {
      clone(s, n, NodeId.of(n.id().value() + ((Strategy.CloneAndMigrate) strategy).cloneSuffix()), expected);
    }
    if (canary) {
      NodeId subject = lastSubject(s.steps, n.id());
      if (!policy.canarySoak().isZero()) {
        s.add(subject, new Action.Soak(policy.canarySoak()), "the canary must stay healthy before any other node starts");
      }
      if (policy.approveCanaries()) {
        s.add(subject, new Action.Approval("canary:" + n.id(), "check " + subject + " and approve to upgrade the rest"),
            "policy asks for an operator's approval after the canaries");
      }
    }
    return s.steps;
  }

  private void inPlace(StepList s, Node n, Platform expected, boolean singleNode) {
    NodeId id = n.id();
    if (singleNode) {
      s.add(id, new Action.EnterMaintenance(), "single node: stop new work cluster-wide (planned downtime)");
      s.add(id, new Action.AwaitIdle(), "let running tasks finish before the service stops (deadline "
          + Durations.format(policy.drainDeadline()) + ")");
    } else if (n.runsWork()) {
      s.add(id, new Action.Drain(), "stop new work and let running work finish, while the others carry the load (deadline "
          + Durations.format(policy.drainDeadline()) + ")");
    }
    if (policy.snapshots()) {
      s.add(id, new Action.Snapshot(), "a restore point, so a failed upgrade can be undone (never restore the database)");
    }
    s.add(id, new Action.StopService(), "nothing runs on it any more");
    s.add(id, new Action.Upgrade(target), "the upgrade itself");
    s.add(id, new Action.StartService(), "bring it back");
    s.add(id, new Action.AwaitHealthy(expected), "it must rejoin healthy on the new platform and stay so");
    verify(s, id);
    if (singleNode) {
      s.add(id, new Action.ExitMaintenance(), "end of the planned downtime");
    } else if (n.runsWork()) {
      s.add(id, new Action.Undrain(), "take work again");
    }
  }

  private void rolling(StepList s, Node old, NodeId next, Platform expected, boolean canary) {
    boolean capped = !old.taskCap().isUnlimited();
    s.add(next, new Action.Provision(old.id(), expected, capped ? TaskCap.ZERO : TaskCap.UNLIMITED),
        "a new node on the target platform replaces " + old.id() + (capped ? "; it joins taking no tasks" : ""));
    s.add(next, new Action.StartService(), "start it so it joins the cluster");
    s.add(next, new Action.AwaitHealthy(expected), "it must join healthy on the new platform");
    if (capped) {
      s.add(next, new Action.SetTaskCap(TaskCap.ZERO), "no tasks until it has been verified");
    }
    verify(s, next);
    List<Integer> ramp = policy.trafficRamp();
    for (int i = 0; i < ramp.size(); i++) {
      int w = ramp.get(i);
      s.add(next, new Action.SetTrafficWeight(w), w == 100 ? "equal share of requests" : "ease it into the load balancer");
      if (w < 100 && !policy.rampSoak().isZero()) {
        s.add(next, new Action.Soak(policy.rampSoak()), "watch it at " + w + "% before giving it more");
      }
    }
    if (capped) {
      List<Node> others = snapshot.nodes().stream()
          .filter(o -> !o.id().equals(old.id()) && !o.taskCap().isUnlimited() && o.taskCap().value() > 0).toList();
      if (canary && policy.trialTaskCap() > 0) {
        if (policy.exclusiveTrial()) {
          others.forEach(o -> s.add(o.id(), new Action.SetTaskCap(TaskCap.ZERO), "trial: only the new node takes new tasks"));
          s.add(old.id(), new Action.SetTaskCap(TaskCap.ZERO), "trial: only the new node takes new tasks");
        }
        s.add(next, new Action.SetTaskCap(TaskCap.of(policy.trialTaskCap())), "trial: it processes tasks (test deployments, health checks)");
        s.add(next, new Action.Soak(policy.rampSoak()), "trial: its tasks must succeed");
        verify(s, next);
        if (policy.exclusiveTrial()) {
          others.forEach(o -> s.add(o.id(), new Action.SetTaskCap(o.taskCap()), "trial over: restore the original task cap"));
          s.add(old.id(), new Action.SetTaskCap(old.taskCap()), "trial over: restore the original task cap");
        }
      }
      for (int cap : policy.taskRamp()) {
        if (cap < old.taskCap().value()) {
          s.add(next, new Action.SetTaskCap(TaskCap.of(cap)), "ease it into processing tasks");
          if (!policy.rampSoak().isZero()) {
            s.add(next, new Action.Soak(policy.rampSoak()), "its tasks must succeed at cap " + cap);
          }
        }
      }
      s.add(next, new Action.SetTaskCap(old.taskCap()), "match the node it replaces");
    }
    retire(s, old, !ramp.isEmpty());
  }

  private void clone(StepList s, Node source, NodeId clone, Platform expected) {
    NodeId id = source.id();
    s.add(id, new Action.EnterMaintenance(), "quiesce: no new work while the instance moves (planned downtime)");
    s.add(id, new Action.AwaitIdle(), "let running tasks finish (deadline " + Durations.format(policy.drainDeadline()) + ")");
    s.add(id, new Action.StopService(), "stop the source; it is kept, stopped, for rollback");
    s.add(clone, new Action.Provision(id, expected, source.taskCap()),
        "install the same product version on the new host, against the same database");
    s.add(clone, new Action.CopyFolders(id), "copy the backed-up state folders from the source");
    s.add(clone, new Action.StartService(), "start the clone");
    s.add(clone, new Action.AwaitHealthy(expected), "it must come up healthy on the new platform");
    verify(s, clone);
    s.add(clone, new Action.ExitMaintenance(), "end of the planned downtime: the clone takes work");
    s.add(clone, new Action.SetTrafficWeight(100), "cut over: send users to the clone");
    s.add(id, new Action.SetTrafficWeight(0), "cut over: the source gets no requests");
    s.add(clone, new Action.Approval("migration:" + id, "verify API scripts, CI integrations and deployments on " + clone
        + "; approve to decommission " + id + " (it stays stopped for rollback until then)"),
        "keep the source for rollback until the operator confirms");
    s.add(id, new Action.RemoveMember(), "the source leaves the cluster");
    s.add(id, new Action.Decommission(), "the source's host is no longer needed");
  }

  private void retire(StepList s, Node old, boolean inLoadBalancer) {
    if (inLoadBalancer) {
      s.add(old.id(), new Action.SetTrafficWeight(0), "its replacement serves; stop sending it requests");
    }
    if (old.runsWork()) {
      s.add(old.id(), new Action.Drain(), "stop new work and let running work finish (deadline "
          + Durations.format(policy.drainDeadline()) + ")");
    }
    s.add(old.id(), new Action.StopService(), "nothing runs on it any more");
    s.add(old.id(), new Action.RemoveMember(), "it leaves the cluster");
    s.add(old.id(), new Action.Decommission(), "its host is no longer needed");
  }

  private void verify(StepList s, NodeId id) {
    if (!policy.probes().isEmpty()) {
      s.add(id, new Action.Verify(policy.probes()), "test it directly, not through the load balancer");
    }
  }

  private static String digest(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always present in the JDK", e);
    }
  }

  /** The node that ends up serving: the new one for replacements, else the unit's own. */
  private static NodeId lastSubject(List<PlanStep> steps, NodeId unit) {
    for (int i = steps.size() - 1; i >= 0; i--) {
      PlanStep s = steps.get(i);
      if (!(s.action() instanceof Action.Decommission) && !s.node().equals(unit)) {
        return s.node();
      }
    }
    return unit;
  }
}
