package io.upkeep.testkit.faults;

import io.upkeep.Budget;
import io.upkeep.Constraints;
import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.Role;
import io.upkeep.Strategy;
import io.upkeep.TaskCap;
import io.upkeep.UpgradeTarget;
import io.upkeep.VersionSkew;
import io.upkeep.testkit.Fault;
import io.upkeep.testkit.HostOperation;
import io.upkeep.testkit.NodeSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Makes a {@link Schedule} from a seed, with {@link SplittableRandom} only, so that a seed is a
 * complete replay. Cluster sizes are skewed small (most schedules have a handful of nodes, a few
 * have up to 60) so that ten thousand schedules run in well under two minutes.
 */
final class ScheduleGenerator {

  static final Platform WIN2019 = Platform.of("Windows Server 2019", ".NET 6.0", "2024.1.0");
  static final Platform NOMAD_17 = Platform.of("Ubuntu 22.04", "", "1.7.5");
  static final Role OCTOPUS = Role.of("octopus-node");
  static final Role SERVER = Role.of("server");
  static final Role CLIENT = Role.of("client");
  static final Role WEB = Role.of("web");
  static final Role BATCH = Role.of("batch");

  private static final HostOperation[] HANGABLE = {
    HostOperation.UPGRADE, HostOperation.STOP_SERVICE, HostOperation.START_SERVICE,
        HostOperation.PROVISION,
    HostOperation.SNAPSHOT, HostOperation.RESTORE, HostOperation.DECOMMISSION,
        HostOperation.COPY_FOLDERS
  };

  private final SplittableRandom r;
  private final long seed;
  private final List<NodeSpec> nodes = new ArrayList<>();

  private ScheduleGenerator(long seed) {
    this.seed = seed;
    this.r = new SplittableRandom(seed);
  }

  static Schedule generate(long seed) {
    return new ScheduleGenerator(seed).generate();
  }

  private Schedule generate() {
    int size = size();
    int kind = r.nextInt(10);
    String shape;
    Constraints constraints;
    boolean forces;
    UpgradeTarget target;
    if (kind < 5) {
      shape = "octopus";
      octopus(OCTOPUS, size, 1 + r.nextInt(10));
      constraints = Constraints.NONE;
      if (chance(0.15)) {
        int total = nodes.stream().mapToInt(n -> n.taskCap().value()).sum();
        constraints =
            constraints.withMinimumCapacity(Math.max(1, total * (30 + r.nextInt(50)) / 100));
      }
      if (chance(0.1)) {
        constraints = constraints.withBudget(OCTOPUS, Budget.ofNodes(1 + r.nextInt(2)));
      }
      forces = false;
      target =
          pick(
              UpgradeTarget.os("Windows Server 2022"),
              UpgradeTarget.os("Windows Server 2022").andRuntime(".NET 8.0"),
              UpgradeTarget.os("Windows Server 2019 (2026-11 patches)"),
              UpgradeTarget.product("2024.2.0"));
    } else if (kind < 8) {
      shape = "nomad";
      int servers = size >= 9 && chance(0.5) ? 5 : 3;
      servers(SERVER, servers);
      clients(CLIENT, Math.max(0, size - servers));
      constraints = Constraints.NONE.withQuorum(SERVER).withRoleOrder(SERVER, CLIENT);
      if (chance(0.5)) {
        constraints = constraints.withSkew(new VersionSkew(1));
      }
      forces = true;
      int t = r.nextInt(20);
      target =
          t < 12
              ? UpgradeTarget.product("1.8.0")
              : t < 17
                  ? UpgradeTarget.os("Ubuntu 24.04")
                  : t < 19 ? UpgradeTarget.product("1.9.0") : UpgradeTarget.product("1.7.4");
    } else {
      shape = "mixed";
      servers(SERVER, 3);
      int rest = Math.max(1, size - 3);
      int web = 1 + r.nextInt(rest);
      octopus(WEB, web, 5);
      clients(BATCH, rest - web);
      constraints = Constraints.NONE.withQuorum(SERVER).withRoleOrder(SERVER);
      forces = chance(0.5);
      target = chance(0.7) ? UpgradeTarget.os("Ubuntu 24.04") : UpgradeTarget.product("1.8.0");
    }
    List<Schedule.Happening> beforeRun = new ArrayList<>();
    if (chance(0.06)) {
      beforeRun.add(
          new Schedule.InjectFault(Duration.ZERO, Fault.nodeLost(anyNode(), Duration.ZERO)));
    }

    Strategy strategy = strategy();
    Policy policy = policy(strategy, shape);
    boolean withTraffic = chance(0.85);
    Duration horizon = horizon(policy);
    List<Schedule.ProbeFailure> probeFailures = new ArrayList<>();
    if (!policy.probes().isEmpty()) {
      int n = r.nextInt(3);
      for (int i = 0; i < n; i++) {
        Duration from = at(horizon);
        probeFailures.add(
            new Schedule.ProbeFailure(
                subject(strategy), from, chance(0.2) ? null : from.plus(minutes(1, 30))));
      }
    }
    List<Schedule.Happening> happenings = new ArrayList<>();
    int faults = count(0.35, 0.3, 0.2, 5);
    for (int i = 0; i < faults; i++) {
      happenings.add(happening(at(horizon), strategy));
    }
    happenings.sort((a, b) -> a.at().compareTo(b.at()));
    List<Schedule.Control> controls = new ArrayList<>();
    int n = count(0.5, 0.3, 0.12, 3);
    for (int i = 0; i < n; i++) {
      controls.add(control(at(horizon)));
    }
    Duration workloadGap = null;
    Duration workloadTask = null;
    if (chance(0.2)) {
      workloadGap = minutes(2, 15);
      workloadTask = minutes(1, 10);
    }
    Duration think = chance(0.5) ? Duration.ZERO : minutes(1, 120);
    int decline = chance(0.1) ? 1 + r.nextInt(2) : 0;
    return new Schedule(
        seed,
        shape,
        nodes,
        constraints,
        forces,
        workloadGap,
        workloadTask,
        strategy,
        target,
        policy,
        withTraffic,
        probeFailures,
        beforeRun,
        happenings,
        controls,
        think,
        decline);
  }

  // ---------------------------------------------------------------- cluster

  /** 1..60 nodes: half the schedules have at most 6, a few have more than 20. */
  private int size() {
    double u = r.nextDouble();
    if (u < 0.5) {
      return 1 + r.nextInt(6);
    }
    if (u < 0.88) {
      return 7 + r.nextInt(8);
    }
    if (u < 0.97) {
      return 15 + r.nextInt(16);
    }
    return 31 + r.nextInt(30);
  }

  private void octopus(Role role, int count, int typicalCap) {
    for (int i = 1; i <= count; i++) {
      int cap = chance(0.7) ? typicalCap : 1 + r.nextInt(10);
      NodeSpec.Builder b =
          NodeSpec.builder(prefix(role) + "-" + i)
              .role(role.name())
              .platform(WIN2019)
              .taskCap(cap)
              .upgradeDuration(minutes(3, 30))
              .drained(chance(0.05));
      int tasks = r.nextInt(Math.min(cap, 3) + 1);
      for (int t = 0; t < tasks; t++) {
        b.runningTask(taskDuration());
      }
      nodes.add(b.build());
    }
  }

  private void servers(Role role, int count) {
    int leader = r.nextInt(count);
    for (int i = 1; i <= count; i++) {
      nodes.add(
          NodeSpec.builder(prefix(role) + "-" + i)
              .role(role.name())
              .platform(NOMAD_17)
              .taskCap(TaskCap.UNLIMITED)
              .voter(true)
              .leader(i - 1 == leader)
              .runsWork(false)
              .upgradeDuration(minutes(2, 15))
              .build());
    }
  }

  private void clients(Role role, int count) {
    for (int i = 1; i <= count; i++) {
      NodeSpec.Builder b =
          NodeSpec.builder(prefix(role) + "-" + i)
              .role(role.name())
              .platform(NOMAD_17)
              .taskCap(TaskCap.UNLIMITED)
              .upgradeDuration(minutes(2, 20))
              .drained(chance(0.05));
      int tasks = r.nextInt(5);
      for (int t = 0; t < tasks; t++) {
        b.runningTask(taskDuration());
      }
      nodes.add(b.build());
    }
  }

  private static String prefix(Role role) {
    return role.equals(OCTOPUS) ? "octo" : role.name();
  }

  /** Mostly short, some long, a few longer than any drain deadline. */
  private Duration taskDuration() {
    double u = r.nextDouble();
    return u < 0.6 ? minutes(1, 10) : u < 0.9 ? minutes(10, 60) : minutes(240, 720);
  }

  // ---------------------------------------------------------------- upgrade

  private Strategy strategy() {
    int u = r.nextInt(100);
    if (nodes.size() == 1) {
      return u < 70 ? Strategy.inPlace() : Strategy.cloneAndMigrate(chance(0.5));
    }
    return u < 55
        ? Strategy.inPlace()
        : u < 94 ? Strategy.rollingReplace() : Strategy.cloneAndMigrate(chance(0.5));
  }

  private Policy policy(Strategy strategy, String shape) {
    Budget budget =
        chance(0.7) ? Budget.ofNodes(1 + r.nextInt(3)) : Budget.ofPercent(10 + r.nextInt(41));
    int canaries = r.nextInt(3);
    Policy.Builder p =
        Policy.builder()
            .budget(budget)
            .canaries(canaries)
            .canarySoak(pick(Duration.ZERO, Duration.ofMinutes(5), Duration.ofMinutes(10)))
            .approveCanaries(chance(0.25) && canaries > 0)
            .drainDeadline(
                pick(
                    Duration.ofMinutes(5),
                    Duration.ofMinutes(15),
                    Duration.ofMinutes(30),
                    Duration.ofHours(1)))
            .onDrainTimeout(
                chance(0.3) ? Policy.DrainTimeoutAction.FORCE : Policy.DrainTimeoutAction.FAIL)
            .settle(pick(Duration.ZERO, Duration.ofSeconds(10), Duration.ofSeconds(30)))
            .healthDeadline(
                pick(Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10)))
            .rampSoak(pick(Duration.ZERO, Duration.ofMinutes(2), Duration.ofMinutes(5)))
            .trialTaskCap(chance(0.5) ? 0 : 5)
            .exclusiveTrial(chance(0.5))
            .snapshots(chance(0.7))
            .failureThreshold(chance(0.7) ? 0 : 1 + r.nextInt(2))
            .onFailure(chance(0.6) ? Policy.FailureAction.ROLLBACK : Policy.FailureAction.PAUSE)
            .allowDowntime(
                nodes.size() == 1 || strategy instanceof Strategy.CloneAndMigrate
                    ? chance(0.9)
                    : chance(0.1))
            .pollInterval(
                pick(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1)))
            .blockedTimeout(
                pick(Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofHours(1)))
            .operationDeadline(
                pick(
                    Duration.ofMinutes(30),
                    Duration.ofHours(1),
                    Duration.ofHours(2),
                    Policy.DEFAULT_OPERATION_DEADLINE))
            .outOfService(
                chance(0.3)
                    ? Policy.OutOfServiceAction.SKIP
                    : Policy.OutOfServiceAction.UPGRADE_AND_LEAVE_OUT);
    int ramp = r.nextInt(4);
    if (ramp == 1) {
      p.trafficRamp(10, 50, 100);
    } else if (ramp == 2) {
      p.trafficRamp(50, 100);
    }
    int tr = r.nextInt(3);
    if (tr == 1) {
      p.taskRamp(1, 3);
    } else if (tr == 2) {
      p.taskRamp();
    }
    if (chance(0.3)) {
      p.probes(Schedule.PROBE);
    }
    if (chance(0.05)) {
      p.forceVersionSkew(true);
    }
    if (strategy instanceof Strategy.CloneAndMigrate && nodes.size() > 1) {
      p.only(anyNode().value());
    } else if (chance(0.1) && nodes.size() > 2) {
      // A subset: in a quorum shape, clients only (or, rarely, just the leader: Policy.only of the
      // leader).
      List<NodeSpec> pool = nodes.stream().filter(n -> !n.voter()).toList();
      if (!shape.equals("octopus") && chance(0.1)) {
        nodes.stream().filter(NodeSpec::leader).findFirst().ifPresent(l -> p.only(l.id().value()));
      } else if (!pool.isEmpty()) {
        int k = 1 + r.nextInt(pool.size());
        for (int i = 0; i < k; i++) {
          p.only(pool.get(r.nextInt(pool.size())).id().value());
        }
      }
    }
    if (chance(0.1)) {
      for (NodeSpec n : nodes) {
        if (chance(0.3)) {
          p.durationHint(n.id().value(), minutes(5, 120));
        }
      }
    }
    return p.build();
  }

  /** Roughly how long the run takes, for spreading faults and controls over it. */
  private Duration horizon(Policy policy) {
    int width = Math.max(1, policy.budgetFor(nodes.size()));
    long perNode = 25 + policy.drainDeadline().toMinutes() / 3;
    return Duration.ofMinutes(
        Math.min(24 * 60, 30 + perNode * ((nodes.size() + width - 1) / width)));
  }

  // ---------------------------------------------------------------- what goes wrong

  private Schedule.Happening happening(Duration at, Strategy strategy) {
    List<NodeSpec> voters = nodes.stream().filter(NodeSpec::voter).toList();
    int u = r.nextInt(100);
    if (u < 12) {
      return new Schedule.InjectFault(at, Fault.nodeLost(subject(strategy), Duration.ZERO));
    }
    if (u < 22) {
      return new Schedule.InjectFault(at, Fault.slowDrain(anyNode(), minutes(5, 90)));
    }
    if (u < 32) {
      return new Schedule.InjectFault(at, Fault.stuckDrain(anyNode()));
    }
    if (u < 44) {
      return new Schedule.InjectFault(at, Fault.upgradeFails(anyNode()));
    }
    if (u < 52) {
      return new Schedule.InjectFault(at, Fault.neverReturns(subject(strategy)));
    }
    if (u < 58) {
      return new Schedule.InjectFault(
          at, Fault.operationHangs(subject(strategy), HANGABLE[r.nextInt(HANGABLE.length)]));
    }
    if (u < 64) {
      return new Schedule.InjectFault(at, Fault.vanishes(anyNode(), Duration.ZERO));
    }
    if (u < 74 && !voters.isEmpty()) {
      return new Schedule.MoveLeadership(at, voters.get(0).role(), r.nextInt(5));
    }
    if (u < 80) {
      NodeSpec like = nodes.get(r.nextInt(nodes.size()));
      NodeSpec.Builder b =
          NodeSpec.builder("joined-" + (1 + r.nextInt(1000)))
              .role(like.role().name())
              .platform(like.platform())
              .taskCap(like.taskCap())
              .runsWork(like.runsWork())
              .voter(like.voter() && chance(0.5));
      if (like.runsWork() && chance(0.5)) {
        b.runningTask(taskDuration());
      }
      return new Schedule.Join(at, b.build());
    }
    if (u < 92) {
      return new Schedule.OperatorDrain(at, anyNode());
    }
    List<NodeSpec> drained = nodes.stream().filter(NodeSpec::drained).toList();
    return new Schedule.OperatorUndrain(
        at, drained.isEmpty() ? anyNode() : drained.get(r.nextInt(drained.size())).id());
  }

  private Schedule.Control control(Duration at) {
    int u = r.nextInt(100);
    if (u < 25) {
      return new Schedule.Pause(at);
    }
    if (u < 33) {
      return new Schedule.Resume(at);
    }
    if (u < 48) {
      return new Schedule.Abort(at, chance(0.7));
    }
    if (u < 58) {
      NodeSpec n = nodes.get(r.nextInt(nodes.size()));
      return new Schedule.Approve(at, chance(0.5) ? "canary:" + n.id() : "migration:" + n.id());
    }
    return new Schedule.Crash(1 + r.nextInt(Math.max(2, 12 * Math.min(nodes.size(), 10))));
  }

  /** An original node, or (for replacements and clones) the node that will replace one. */
  private NodeId subject(Strategy strategy) {
    NodeId n = anyNode();
    if (chance(0.4)) {
      if (strategy instanceof Strategy.RollingReplace rr) {
        return NodeId.of(n.value() + rr.newNodeSuffix());
      }
      if (strategy instanceof Strategy.CloneAndMigrate c) {
        return NodeId.of(n.value() + c.cloneSuffix());
      }
    }
    return n;
  }

  private NodeId anyNode() {
    return nodes.get(r.nextInt(nodes.size())).id();
  }

  // ---------------------------------------------------------------- draws

  private boolean chance(double p) {
    return r.nextDouble() < p;
  }

  @SafeVarargs
  private <T> T pick(T... options) {
    return options[r.nextInt(options.length)];
  }

  private Duration minutes(int min, int max) {
    return Duration.ofSeconds(60L * min + r.nextLong(60L * (max - min) + 1));
  }

  private Duration at(Duration horizon) {
    return Duration.ofSeconds(r.nextLong(Math.max(1, horizon.toSeconds())));
  }

  /** 0 with probability p0, 1 with p1, 2 with p2, else 3..max. */
  private int count(double p0, double p1, double p2, int max) {
    double u = r.nextDouble();
    if (u < p0) {
      return 0;
    }
    if (u < p0 + p1) {
      return 1;
    }
    if (u < p0 + p1 + p2) {
      return 2;
    }
    return 3 + r.nextInt(Math.max(1, max - 2));
  }
}
