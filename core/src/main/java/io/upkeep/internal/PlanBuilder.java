package io.upkeep.internal;

import io.upkeep.Action;
import io.upkeep.ClusterSnapshot;
import io.upkeep.Constraints;
import io.upkeep.Durations;
import io.upkeep.HookPoint;
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
import java.util.HashMap;
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
  private final Map<NodeId, Duration> learned;

  /** What {@link #checkVersion} found per version moved from: most nodes share one. */
  private final Map<Version, String> versionVerdicts = new HashMap<>();

  private final List<String> problems = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();

  public PlanBuilder(
      ClusterSnapshot snapshot,
      Constraints constraints,
      Strategy strategy,
      UpgradeTarget target,
      Policy policy,
      Map<NodeId, Duration> learned) {
    this.snapshot = snapshot;
    this.learned = learned;
    this.constraints = constraints;
    this.strategy = strategy;
    this.target = target;
    this.policy = policy;
  }

  public UpgradePlan build(Instant now) {
    if (snapshot.nodes().isEmpty()) {
      throw new PlanValidationException(
          List.of(
              "the cluster has no nodes: check that the adapter points at the right cluster and that it is up"));
    }
    checkKnown(policy.only(), "policy.only");
    checkKnown(policy.durationHints().keySet(), "policy.durationHints");
    List<Node> selected =
        snapshot.nodes().stream()
            .filter(n -> policy.only().isEmpty() || policy.only().contains(n.id()))
            .toList();
    checkLeaderSelected(selected);
    List<Node> todo = new ArrayList<>();
    for (Node n : selected) {
      checkVersion(n);
      if (target.isMetBy(n.platform())) {
        warnings.add(n.id() + " is already on " + n.platform() + " and is left alone");
      } else if (!n.inService() && policy.outOfService() == Policy.OutOfServiceAction.SKIP) {
        warnings.add(
            n.id()
                + " is out of service ("
                + n.health()
                + ", "
                + n.drainState()
                + ") and is left alone "
                + "(policy outOfService SKIP); it still counts against its role's budget while it is out");
      } else {
        if (!n.inService()) {
          warnings.add(
              n.id()
                  + " is out of service ("
                  + n.health()
                  + ", "
                  + n.drainState()
                  + "): it is upgraded first, "
                  + "while it is out"
                  + (n.drainState() == io.upkeep.DrainState.ACTIVE
                      ? ""
                      : ", and left drained, as the operator has it"));
        }
        todo.add(n);
      }
    }
    Map<Role, Integer> budgets = budgets(todo);
    checkStrategy(todo);
    throwIfProblems();

    List<Node> ordered = order(todo);
    // Canaries come from the first role to upgrade, never the leader and never a node out of
    // service (it would prove nothing): everyone else waits for them, so the quickest go first
    // (the soonest verdict, and no long node upgrading alone while the budget stands idle).
    List<NodeId> canaries =
        ordered.isEmpty()
            ? List.of()
            : ordered.stream()
                .filter(n -> n.role().equals(ordered.get(0).role()) && !n.leader() && n.inService())
                .sorted(Comparator.comparing(this::expected))
                .limit(policy.canaries())
                .map(Node::id)
                .toList();
    List<PlanUnit> units = new ArrayList<>();
    Map<Role, List<NodeId>> doneByRole = new LinkedHashMap<>();
    for (Node n : ordered) {
      boolean canary = canaries.contains(n.id());
      List<NodeId> after = new ArrayList<>();
      // A node already out of service is upgraded while it is out: it serves nothing a canary
      // protects, and it already holds a slot of the budget that the canaries may need.
      if (!canary && n.inService()) {
        after.addAll(canaries);
      }
      for (Role earlier : rolesBefore(n.role())) {
        after.addAll(doneByRole.getOrDefault(earlier, List.of()));
      }
      after.remove(n.id());
      doneByRole.computeIfAbsent(n.role(), r -> new ArrayList<>()).add(n.id());
      units.add(
          new PlanUnit(
              n.id(),
              n.role(),
              canary,
              expected(n),
              estimate(n),
              after.stream().distinct().toList(),
              withHooks(
                  n,
                  steps(
                      n,
                      canary,
                      todo.size() == snapshot.nodes().size() && snapshot.nodes().size() == 1))));
    }
    if (constraints.leaderLast()) {
      snapshot.nodes().stream()
          .filter(
              n ->
                  n.leader()
                      && constraints.quorumRoles().contains(n.role())
                      && todo.stream().anyMatch(t -> t.role().equals(n.role())))
          .forEach(
              l ->
                  warnings.add(
                      "leader last: whoever leads role "
                          + l.role()
                          + " when its turn comes is upgraded "
                          + "after every other node of its role ("
                          + l.id()
                          + " leads now)"));
    }
    String id = "plan-" + digest(units, List.of(target, strategy, policy, constraints));
    return new UpgradePlan(
        id, now, strategy, target, policy, constraints, budgets, units, warnings, snapshot.nodes());
  }

  /**
   * A leader goes last, so selecting it without the other voters of its role that need the upgrade
   * cannot run.
   */
  private void checkLeaderSelected(List<Node> selected) {
    if (!constraints.leaderLast() || policy.only().isEmpty()) {
      return;
    }
    for (Node leader : selected) {
      if (!leader.leader() || !constraints.quorumRoles().contains(leader.role())) {
        continue;
      }
      List<NodeId> left =
          snapshot.withRole(leader.role()).stream()
              .filter(
                  v ->
                      v.voter()
                          && !v.id().equals(leader.id())
                          && !policy.only().contains(v.id())
                          && !target.isMetBy(v.platform()))
              .map(Node::id)
              .toList();
      if (!left.isEmpty()) {
        problems.add(
            "policy.only selects "
                + leader.id()
                + ", the leader of role "
                + leader.role()
                + ", but not "
                + left
                + ", which are not on "
                + target
                + ": the leader is upgraded last, after every other voter of its "
                + "role; select them too, or move the leadership to an upgraded voter first");
      }
    }
  }

  private void checkKnown(Iterable<NodeId> ids, String where) {
    for (NodeId id : ids) {
      if (snapshot.find(id).isEmpty()) {
        problems.add(
            "unknown node '"
                + id
                + "' in "
                + where
                + ": the cluster has "
                + snapshot.ids()
                + "; correct the name (ids are case-sensitive)");
      }
    }
  }

  private void checkVersion(Node n) {
    String verdict = versionVerdicts.computeIfAbsent(n.platform().product(), this::versionVerdict);
    if (!verdict.isEmpty()) {
      problems.add(n.id() + verdict);
    }
  }

  /** What is wrong with moving from {@code from} to the target (": ..."), or empty. */
  private String versionVerdict(Version from) {
    Version to = target.product().orElse(null);
    if (to == null) {
      return "";
    }
    if (from.isNewerThan(to)) {
      return ": moving from "
          + from
          + " to "
          + to
          + " is a downgrade, which is not supported; pick a target at or above "
          + from;
    }
    String v = policy.forceVersionSkew() ? null : constraints.skew().violation(from, to);
    return v == null
        ? ""
        : ": "
            + v
            + "; upgrade through the intermediate releases, or set forceVersionSkew(true) "
            + "if you accept an unsupported jump";
  }

  private Map<Role, Integer> budgets(List<Node> todo) {
    Map<Role, Integer> out = new LinkedHashMap<>();
    Map<Role, List<Node>> byRole =
        todo.stream()
            .collect(Collectors.groupingBy(Node::role, LinkedHashMap::new, Collectors.toList()));
    boolean inPlace = strategy instanceof Strategy.InPlace;
    for (Map.Entry<Role, List<Node>> e : byRole.entrySet()) {
      Role role = e.getKey();
      List<Node> group = snapshot.withRole(role);
      int b = policy.budgetFor(group.size());
      if (constraints.budgets().containsKey(role)) {
        b = Math.min(b, constraints.budgets().get(role).resolve(group.size()));
      }
      if (constraints.quorumRoles().contains(role) && snapshot.nodes().size() > 1) {
        b =
            Math.max(
                1,
                Math.min(
                    b,
                    quorumHeadroom(role, group, !(strategy instanceof Strategy.RollingReplace))));
      }
      if (inPlace && constraints.minimumCapacity() > 0 && snapshot.nodes().size() > 1) {
        int fit = capacityHeadroom(group);
        if (fit < 1) {
          problems.add(
              "taking any "
                  + role
                  + " node out leaves fewer task slots than the minimum capacity of "
                  + constraints.minimumCapacity()
                  + ": lower it, add a node, or use Strategy.rollingReplace()");
        }
        b = Math.max(1, Math.min(b, fit));
      }
      out.put(role, b);
    }
    return out;
  }

  /**
   * How many voters of {@code role} may be out at once without losing quorum, counting voters that
   * are already unhealthy; records a problem naming the failure tolerance when not even one may. A
   * rolling replacement joins as a voter before its old node stops, which makes the quorum one
   * larger; in place and clone-and-migrate stop the voter first.
   */
  private int quorumHeadroom(Role role, List<Node> group, boolean stopsFirst) {
    List<Node> voters = group.stream().filter(Node::voter).toList();
    if (voters.isEmpty()) {
      return Integer.MAX_VALUE;
    }
    List<NodeId> failed =
        voters.stream().filter(v -> v.health() != io.upkeep.Health.HEALTHY).map(Node::id).toList();
    int healthy = voters.size() - failed.size();
    int quorum = Constraints.quorum(voters.size());
    int tolerance = healthy - quorum;
    int headroom = stopsFirst ? tolerance : healthy - Constraints.quorum(voters.size() + 1) + 1;
    if (headroom >= 1) {
      return Math.max(1, Math.min(tolerance, headroom));
    }
    if (!failed.isEmpty()) {
      problems.add(
          "role "
              + role
              + " has a failure tolerance of "
              + tolerance
              + ": "
              + healthy
              + " of "
              + voters.size()
              + " voters are healthy and "
              + quorum
              + " are needed, so taking one more out loses quorum; bring back "
              + failed
              + " or remove them from the cluster first");
    } else {
      problems.add(
          "role "
              + role
              + " has "
              + voters.size()
              + " voter(s); taking one out in place would lose quorum ("
              + quorum
              + " needed): add voters first, or use Strategy.rollingReplace()");
    }
    return 1;
  }

  /** How many of the group's largest-capped nodes can be out at once while capacity holds. */
  private int capacityHeadroom(List<Node> group) {
    long total =
        snapshot.nodes().stream()
            .filter(Node::inService)
            .mapToLong((Node n) -> (long) n.taskCap().finiteValue())
            .sum();
    List<Long> caps =
        group.stream()
            .map((Node n) -> (long) n.taskCap().finiteValue())
            .sorted(Comparator.reverseOrder())
            .toList();
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
        problems.add(
            only.id()
                + " is the only voter: restarting it in place loses the cluster's quorum; "
                + "use the system's single-server recovery procedure or add servers first");
      }
      String downtime =
          "DOWNTIME: "
              + only.id()
              + " is the only node, so the whole cluster goes into maintenance mode "
              + "(no new work) from the first step to the last";
      if (policy.allowDowntime()) {
        warnings.add(downtime);
      } else {
        problems.add(
            downtime
                + "; set allowDowntime(true) to accept it, or add a node and upgrade without downtime");
      }
    }
    if (strategy instanceof Strategy.CloneAndMigrate clone) {
      if (todo.size() != 1) {
        problems.add(
            "clone-and-migrate moves exactly one instance, but "
                + todo.size()
                + " nodes need the upgrade: select one with policy.only(...), or use rolling replace for a cluster");
      }
      target
          .product()
          .ifPresent(
              p ->
                  todo.stream()
                      .filter(n -> !n.platform().product().isSameRelease(p))
                      .findFirst()
                      .ifPresent(
                          n ->
                              problems.add(
                                  "clone-and-migrate clones at the same product version ("
                                      + n.platform().product()
                                      + "), but the target asks for "
                                      + p
                                      + ": move the host first, then upgrade the product separately")));
      String downtime =
          "DOWNTIME: the source is stopped (maintenance mode on) from quiesce until the clone is verified";
      if (policy.allowDowntime()) {
        warnings.add(downtime);
      } else {
        problems.add(
            downtime
                + "; set allowDowntime(true) to accept it, or use rolling replace on an HA cluster");
      }
      for (Node n : todo) {
        if (n.voter() && constraints.quorumRoles().contains(n.role())) {
          List<Node> voters = snapshot.withRole(n.role()).stream().filter(Node::voter).toList();
          long healthy =
              voters.stream().filter(v -> v.health() == io.upkeep.Health.HEALTHY).count();
          // The source stops, the clone joins as one voter more; a rollback stops the clone again
          // while the source is still down.
          if (healthy - 1 < Constraints.quorum(voters.size() + 1)) {
            problems.add(
                "clone-and-migrate of voter "
                    + n.id()
                    + " cannot be rolled back safely: with its source stopped "
                    + "and the clone joined, "
                    + (voters.size() + 1)
                    + " voters need "
                    + Constraints.quorum(voters.size() + 1)
                    + " healthy, and stopping the clone leaves "
                    + (healthy - 1)
                    + "; use Strategy.rollingReplace(), or add voters first");
          }
        }
      }
      if (clone.addressChanges()) {
        warnings.add(
            "the clone answers at a new address: agents bound to the old address (polling Tentacles) "
                + "must be re-registered with the clone before the source is decommissioned");
      }
    }
    if (!(strategy instanceof Strategy.InPlace)) {
      String suffix =
          strategy instanceof Strategy.RollingReplace r
              ? r.newNodeSuffix()
              : ((Strategy.CloneAndMigrate) strategy).cloneSuffix();
      for (Node n : todo) {
        NodeId next = NodeId.of(n.id().value() + suffix);
        if (snapshot.find(next).isPresent()) {
          problems.add(
              "the new node's name "
                  + next
                  + " is already taken (a leftover of an earlier run?): "
                  + "remove it, or choose another suffix");
        }
      }
    }
    if (strategy instanceof Strategy.RollingReplace
        && policy.canaries() > 0
        && policy.exclusiveTrial()
        && policy.trialTaskCap() > 0
        && constraints.minimumCapacity() > policy.trialTaskCap()
        && todo.stream().anyMatch(n -> !n.taskCap().isUnlimited())) {
      problems.add(
          "the exclusive trial leaves "
              + policy.trialTaskCap()
              + " task slots, below the minimum capacity of "
              + constraints.minimumCapacity()
              + ": set exclusiveTrial(false) or trialTaskCap("
              + constraints.minimumCapacity()
              + ")");
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
    Comparator<Node> byRole =
        Comparator.comparingInt(
            n -> {
              int i = constraints.roleOrder().indexOf(n.role());
              return i < 0 ? Integer.MAX_VALUE : i;
            });
    return todo.stream()
        .sorted(
            byRole
                .thenComparing(Node::leader)
                .thenComparing(this::expected, Comparator.reverseOrder())
                .thenComparing(Node::id))
        .toList();
  }

  Duration expected(Node n) {
    return switch (estimate(n)) {
      case HINT -> policy.durationHints().get(n.id());
      case LEARNED -> learned.get(n.id());
      case DEFAULT -> NOMINAL_UNIT.plus(PER_RUNNING_TASK.multipliedBy(n.runningWork()));
    };
  }

  private PlanUnit.Estimate estimate(Node n) {
    if (policy.durationHints().containsKey(n.id())) {
      return PlanUnit.Estimate.HINT;
    }
    return learned.containsKey(n.id()) ? PlanUnit.Estimate.LEARNED : PlanUnit.Estimate.DEFAULT;
  }

  /**
   * The unit's steps. Every gate of a unit (canary soak and approval, ramp soaks, the migration
   * approval) comes before its point of no return, the removal of its original node, so that a gate
   * that fails can still put everything back.
   */
  private List<PlanStep> steps(Node n, boolean canary, boolean singleNode) {
    StepList s = new StepList(n.id(), "");
    Platform expected = target.applyTo(n.platform());
    if (strategy instanceof Strategy.InPlace) {
      inPlace(s, n, expected, singleNode);
      canaryGates(s, n, n.id(), canary);
    } else if (strategy instanceof Strategy.RollingReplace r) {
      NodeId next = NodeId.of(n.id().value() + r.newNodeSuffix());
      rolling(s, n, next, expected, canary);
      canaryGates(s, n, next, canary);
      if (n.drainState() != io.upkeep.DrainState.ACTIVE) {
        s.add(
            next,
            new Action.Drain(),
            "the operator drained " + n.id() + ": its replacement is left drained the same way");
      }
      retire(s, n, policy.trafficRamp().isEmpty());
    } else {
      NodeId clone =
          NodeId.of(n.id().value() + ((Strategy.CloneAndMigrate) strategy).cloneSuffix());
      clone(s, n, clone, expected);
      canaryGates(s, n, clone, canary);
      s.add(
          clone,
          new Action.Approval(
              "migration:" + n.id(),
              "verify API scripts, CI integrations and deployments on "
                  + clone
                  + "; approve to decommission "
                  + n.id()
                  + " (it stays stopped for rollback until then)"),
          "keep the source for rollback until the operator confirms");
      s.add(n.id(), new Action.RemoveMember(), "the source leaves the cluster");
      s.add(n.id(), new Action.Decommission(), "the source's host is no longer needed");
    }
    return s.steps;
  }

  /** The reason of the steps that leave only a canary replacement taking tasks in its trial. */
  private static final String EXCLUSIVE = "trial: only the new node takes new tasks";

  /** The reason of the step that gives a canary replacement its trial task cap. */
  private static final String TRIAL = "trial: it processes tasks (test deployments, health checks)";

  /**
   * {@code steps} with the policy's node hooks for {@code n}'s role placed as steps of their own:
   * first and last in the unit, before each stop and start, after the health checks that follow a
   * start, and in a trial before its first step and once the new node has its trial cap.
   */
  private List<PlanStep> withHooks(Node n, List<PlanStep> steps) {
    List<Policy.Hook> hooks = policy.hooks().stream().filter(h -> h.appliesTo(n.role())).toList();
    if (hooks.isEmpty()) {
      return steps;
    }
    StepList out = new StepList(n.id(), "");
    hooksAt(out, hooks, HookPoint.BEFORE_UNIT, n.id());
    java.util.Set<NodeId> started = new java.util.HashSet<>();
    boolean trial = false;
    for (int i = 0; i < steps.size(); i++) {
      PlanStep step = steps.get(i);
      if (!trial && (step.reason().equals(EXCLUSIVE) || step.reason().equals(TRIAL))) {
        trial = true;
        steps.subList(i, steps.size()).stream()
            .filter(st -> st.reason().equals(TRIAL))
            .findFirst()
            .ifPresent(st -> hooksAt(out, hooks, HookPoint.BEFORE_TRIAL, st.node()));
      }
      if (step.action() instanceof Action.StopService) {
        hooksAt(out, hooks, HookPoint.BEFORE_STOP, step.node());
      } else if (step.action() instanceof Action.StartService) {
        hooksAt(out, hooks, HookPoint.BEFORE_START, step.node());
        started.add(step.node());
      }
      out.add(step.node(), step.action(), step.reason());
      if (step.reason().equals(TRIAL)) {
        hooksAt(out, hooks, HookPoint.DURING_TRIAL, step.node());
      }
      boolean checkEnds =
          isHealthCheck(step)
              && (i + 1 == steps.size()
                  || !isHealthCheck(steps.get(i + 1))
                  || !steps.get(i + 1).node().equals(step.node()));
      if (checkEnds && started.remove(step.node())) {
        hooksAt(out, hooks, HookPoint.AFTER_VERIFY, step.node());
      }
    }
    hooksAt(out, hooks, HookPoint.AFTER_UNIT, n.id());
    return out.steps;
  }

  private static boolean isHealthCheck(PlanStep step) {
    return step.action() instanceof Action.AwaitHealthy || step.action() instanceof Action.Verify;
  }

  private static void hooksAt(StepList out, List<Policy.Hook> hooks, HookPoint point, NodeId node) {
    for (Policy.Hook h : hooks) {
      if (h.point() == point) {
        out.add(
            node,
            new Action.RunHook(h.name(), point, h.timeout()),
            "policy places hook '" + h.name() + "' here");
      }
    }
  }

  private void canaryGates(StepList s, Node n, NodeId subject, boolean canary) {
    if (!canary) {
      return;
    }
    if (!policy.canarySoak().isZero()) {
      s.add(
          subject,
          soak(policy.canarySoak()),
          "the canary must stay healthy before any other node starts");
    }
    if (policy.approveCanaries()) {
      s.add(
          subject,
          new Action.Approval(
              "canary:" + n.id(), "check " + subject + " and approve to upgrade the rest"),
          "policy asks for an operator's approval after the canaries");
    }
  }

  private void inPlace(StepList s, Node n, Platform expected, boolean singleNode) {
    NodeId id = n.id();
    if (singleNode) {
      s.add(
          id,
          new Action.EnterMaintenance(),
          "single node: stop new work cluster-wide (planned downtime)");
      s.add(
          id,
          new Action.AwaitIdle(),
          "let running tasks finish before the service stops (deadline "
              + Durations.format(policy.drainDeadline())
              + ")");
    } else if (n.runsWork()) {
      s.add(
          id,
          new Action.Drain(),
          "stop new work and let running work finish, while the others carry the load (deadline "
              + Durations.format(policy.drainDeadline())
              + ")"
              + (n.drainState() == io.upkeep.DrainState.ACTIVE
                  ? ""
                  : "; the operator drained it before the run, so it stays drained afterwards"));
    }
    if (policy.snapshots()) {
      s.add(
          id,
          new Action.Snapshot(),
          "a restore point, so a failed upgrade can be undone (never restore the database)");
    }
    s.add(id, new Action.StopService(), "nothing runs on it any more");
    s.add(id, new Action.Upgrade(target), "the upgrade itself");
    s.add(id, new Action.StartService(), "bring it back");
    s.add(
        id,
        new Action.AwaitHealthy(expected),
        "it must rejoin healthy on the new platform and stay so");
    verify(s, id);
    if (singleNode) {
      s.add(id, new Action.ExitMaintenance(), "end of the planned downtime");
    } else if (n.runsWork()) {
      // Decided when its turn comes: a node the operator has drained then stays drained.
      s.add(
          id,
          new Action.Undrain(),
          n.drainState() == io.upkeep.DrainState.ACTIVE
              ? "take work again"
              : "none: the operator drained it, so it stays drained (unless they undrain it before its turn)");
    }
  }

  private void rolling(StepList s, Node old, NodeId next, Platform expected, boolean canary) {
    boolean capped = !old.taskCap().isUnlimited();
    s.add(
        next,
        new Action.Provision(old.id(), expected, capped ? TaskCap.ZERO : TaskCap.UNLIMITED),
        "a new node on the target platform replaces "
            + old.id()
            + (capped ? "; it joins taking no tasks" : ""));
    s.add(next, new Action.StartService(), "start it so it joins the cluster");
    if (capped) {
      // Before the health wait and its settle time: a node registers with whatever cap its
      // installer gave it (Octopus's default is 5), and would take tasks while it settles.
      s.add(
          next,
          new Action.SetTaskCap(TaskCap.ZERO),
          "no tasks until it has been verified: capped the moment it joins");
    }
    s.add(next, new Action.AwaitHealthy(expected), "it must join healthy on the new platform");
    verify(s, next);
    List<Integer> ramp = policy.trafficRamp();
    if (ramp.isEmpty()) {
      s.add(
          next,
          new Action.SetTrafficWeight(100, true),
          "equal share of requests from the load balancer");
    }
    for (int i = 0; i < ramp.size(); i++) {
      int w = ramp.get(i);
      s.add(
          next,
          new Action.SetTrafficWeight(w),
          w == 100 ? "equal share of requests" : "ease it into the load balancer");
      if (w < 100 && !policy.rampSoak().isZero()) {
        s.add(next, soak(policy.rampSoak()), "watch it at " + w + "% before giving it more");
      }
    }
    if (capped) {
      List<Node> others =
          snapshot.nodes().stream()
              .filter(
                  o ->
                      !o.id().equals(old.id())
                          && !o.taskCap().isUnlimited()
                          && o.taskCap().value() > 0)
              .toList();
      if (canary && policy.trialTaskCap() > 0) {
        if (policy.exclusiveTrial()) {
          others.forEach(o -> s.add(o.id(), new Action.SetTaskCap(TaskCap.ZERO), EXCLUSIVE));
          s.add(old.id(), new Action.SetTaskCap(TaskCap.ZERO), EXCLUSIVE);
        }
        s.add(next, new Action.SetTaskCap(TaskCap.of(policy.trialTaskCap())), TRIAL);
        s.add(next, soak(policy.rampSoak()), "trial: its tasks must succeed");
        verify(s, next);
        if (policy.exclusiveTrial()) {
          others.forEach(
              o ->
                  s.add(
                      o.id(),
                      new Action.SetTaskCap(o.taskCap()),
                      "trial over: restore the original task cap"));
          s.add(
              old.id(),
              new Action.SetTaskCap(old.taskCap()),
              "trial over: restore the original task cap");
        }
      }
      for (int cap : policy.taskRamp()) {
        if (cap < old.taskCap().value()) {
          s.add(next, new Action.SetTaskCap(TaskCap.of(cap)), "ease it into processing tasks");
          if (!policy.rampSoak().isZero()) {
            s.add(next, soak(policy.rampSoak()), "its tasks must succeed at cap " + cap);
          }
        }
      }
      s.add(next, new Action.SetTaskCap(old.taskCap()), "match the node it replaces");
    }
  }

  private void clone(StepList s, Node source, NodeId clone, Platform expected) {
    NodeId id = source.id();
    s.add(
        id,
        new Action.EnterMaintenance(),
        "quiesce: no new work while the instance moves (planned downtime)");
    s.add(
        id,
        new Action.AwaitIdle(),
        "let running tasks finish (deadline " + Durations.format(policy.drainDeadline()) + ")");
    s.add(id, new Action.StopService(), "stop the source; it is kept, stopped, for rollback");
    s.add(
        clone,
        new Action.Provision(id, expected, source.taskCap()),
        "install the same product version on the new host, against the same database");
    s.add(clone, new Action.CopyFolders(id), "copy the backed-up state folders from the source");
    s.add(clone, new Action.StartService(), "start the clone");
    s.add(clone, new Action.AwaitHealthy(expected), "it must come up healthy on the new platform");
    verify(s, clone);
    s.add(clone, new Action.ExitMaintenance(), "end of the planned downtime: the clone takes work");
    s.add(clone, new Action.SetTrafficWeight(100), "cut over: send users to the clone");
    s.add(id, new Action.SetTrafficWeight(0), "cut over: the source gets no requests");
  }

  private void retire(StepList s, Node old, boolean optionalTraffic) {
    s.add(
        old.id(),
        new Action.SetTrafficWeight(0, optionalTraffic),
        "its replacement serves; stop sending it requests");
    if (old.runsWork()) {
      s.add(
          old.id(),
          new Action.Drain(),
          "stop new work and let running work finish (deadline "
              + Durations.format(policy.drainDeadline())
              + ")");
    }
    s.add(old.id(), new Action.StopService(), "nothing runs on it any more");
    s.add(old.id(), new Action.RemoveMember(), "it leaves the cluster");
    s.add(old.id(), new Action.Decommission(), "its host is no longer needed");
  }

  /** A soak that keeps watching the policy's probes. */
  private Action.Soak soak(Duration d) {
    return new Action.Soak(d, policy.probes());
  }

  private void verify(StepList s, NodeId id) {
    if (!policy.probes().isEmpty()) {
      s.add(
          id,
          new Action.Verify(policy.probes()),
          "test it directly, not through the load balancer");
    }
  }

  /**
   * The plan's identity: a digest of its units (their records' text, unit by unit, so that a large
   * plan is never one large string) and of the rest as JSON.
   */
  private static String digest(List<PlanUnit> units, Object rest) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (PlanUnit u : units) {
        md.update(u.toString().getBytes(StandardCharsets.UTF_8));
      }
      md.update(Json.write(rest).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(md.digest(), 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always present in the JDK", e);
    }
  }
}
