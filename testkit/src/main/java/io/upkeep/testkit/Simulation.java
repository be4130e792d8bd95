package io.upkeep.testkit;

import io.upkeep.Budget;
import io.upkeep.Constraints;
import io.upkeep.Durations;
import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.Role;
import io.upkeep.RunReport;
import io.upkeep.Strategy;
import io.upkeep.TaskCap;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeTarget;
import io.upkeep.VersionSkew;
import io.upkeep.event.UpgradeEvent;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The program behind the README's first command: rehearses a realistic upgrade on the fake cluster
 * in virtual time and prints the plan, one line per state change, and a summary.
 *
 * <p>The cluster is a Nomad-style region: three raft servers (one the leader) and {@code --nodes}
 * clients running work, moved from Nomad 1.7.7 to 1.8.4 in place. Client upgrade times are
 * heavy-tailed (log-normal) and the operator's hints about them are rough, as in real fleets.
 * Options: {@code --nodes N} (servers and clients together, at least 4; default 27), {@code --seed
 * S} (default 42).
 */
public final class Simulation {

  private static final Role SERVER = Role.of("server");
  private static final Role CLIENT = Role.of("client");

  /** What one simulation achieved. */
  record Outcome(
      UpgradePlan plan,
      RunReport report,
      InvariantMonitor monitor,
      FakeCluster cluster,
      Map<NodeId, Duration> unitDurations) {}

  private Simulation() {}

  /** Runs the simulation; see the class description for the options. */
  public static void main(String[] args) {
    // The simulation prints every event itself; the library's own log lines would repeat them.
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    int nodes = 27;
    long seed = 42;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--nodes" -> nodes = Integer.parseInt(value(args, ++i, "--nodes"));
        case "--seed" -> seed = Long.parseLong(value(args, ++i, "--seed"));
        default -> {
          System.err.println("unknown option '" + args[i] + "': use --nodes N and --seed S");
          System.exit(2);
        }
      }
    }
    if (nodes < 4) {
      System.err.println("--nodes must be at least 4: three servers and one client");
      System.exit(2);
    }
    long wallStart = System.nanoTime();
    Outcome o = run(nodes - 3, seed, System.out);
    double wall = (System.nanoTime() - wallStart) / 1e9;
    summarise(o, wall, System.out);
    System.exit(o.report().succeeded() && o.monitor().held() ? 0 : 1);
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      System.err.println(option + " needs a value");
      System.exit(2);
    }
    return args[i];
  }

  /** Builds the cluster, plans, executes and checks; prints plan and progress to {@code out}. */
  static Outcome run(int clients, long seed, PrintStream out) {
    Random random = new Random(seed);
    Platform from = Platform.of("Ubuntu 22.04", "", "1.7.7");
    Constraints rules =
        Constraints.NONE
            .withQuorum(SERVER)
            .withRoleOrder(SERVER, CLIENT)
            .withSkew(new VersionSkew(2));
    FakeCluster.Builder b =
        FakeCluster.builder()
            .seed(seed)
            .constraints(rules)
            .workload(Duration.ofSeconds(20), Duration.ofMinutes(4));
    for (int i = 1; i <= 3; i++) {
      boolean leader = i == 1;
      b.node(
          "server-" + i,
          n ->
              n.role("server")
                  .platform(from)
                  .taskCap(TaskCap.UNLIMITED)
                  .voter(true)
                  .leader(leader)
                  .runsWork(false)
                  .upgradeDuration(Duration.ofMinutes(3)));
    }
    Policy.Builder policy =
        Policy.builder()
            .budget(Budget.ofPercent(10))
            .drainDeadline(Duration.ofMinutes(30))
            // The heavy tail below has upgrades of several hours: a deadline above it, not a
            // failure.
            .operationDeadline(Duration.ofHours(12))
            .canarySoak(Duration.ofMinutes(5));
    for (int i = 1; i <= clients; i++) {
      // Log-normal, sigma 1.0, median 8 minutes: most are quick, a few take hours.
      Duration actual = Duration.ofSeconds((long) (480 * Math.exp(random.nextGaussian())));
      Duration hint =
          Duration.ofSeconds((long) (actual.toSeconds() * (0.7 + 0.6 * random.nextDouble())));
      b.node(
          "client-" + i,
          n -> n.role("client").platform(from).taskCap(TaskCap.UNLIMITED).upgradeDuration(actual));
      policy.durationHint("client-" + i, hint);
    }
    FakeCluster cluster = b.build();
    UpgradePlan plan =
        UpgradePlanner.create(cluster.clock())
            .plan(cluster, Strategy.inPlace(), UpgradeTarget.product("1.8.4"), policy.build());
    out.println(
        "Upkeep simulation: seed "
            + seed
            + ", 3 servers + "
            + clients
            + " clients, Nomad 1.7.7 -> 1.8.4 in place");
    out.println();
    printPlan(plan, out);
    out.println();
    out.println("Progress (virtual time since start):");
    Instant start = cluster.clock().now();
    Map<NodeId, Duration> durations = new HashMap<>();
    boolean everyStep = plan.units().size() <= 100;
    Rehearsal.Result r =
        Rehearsal.on(cluster)
            .listener(
                e -> {
                  if (e instanceof UpgradeEvent.UnitCompleted c) {
                    durations.put(c.unit(), c.took());
                  }
                  if (everyStep
                      || !(e instanceof UpgradeEvent.StepStarted
                          || e instanceof UpgradeEvent.StepCompleted)) {
                    out.println("[" + clock(Duration.between(start, e.at())) + "] " + e.describe());
                  }
                })
            .run(plan);
    r.monitor().checkFinal();
    return new Outcome(plan, r.report(), r.monitor(), cluster, durations);
  }

  private static void printPlan(UpgradePlan plan, PrintStream out) {
    String text = plan.toText();
    List<String> lines = text.lines().toList();
    if (lines.size() <= 80) {
      out.print(text);
      return;
    }
    lines.subList(0, 60).forEach(out::println);
    out.println(
        "  ... (" + (lines.size() - 60) + " more lines; UpgradePlan.toText() prints them all)");
  }

  /**
   * The makespan's lower bound: servers go one at a time, then clients can do no better than
   * max(longest client, total client time / budget).
   */
  static Duration lowerBound(Outcome o) {
    Duration servers = Duration.ZERO;
    Duration clientTotal = Duration.ZERO;
    Duration longest = Duration.ZERO;
    for (Map.Entry<NodeId, Duration> e : o.unitDurations().entrySet()) {
      if (o.plan().unit(e.getKey()).role().equals(SERVER)) {
        servers = servers.plus(e.getValue());
      } else {
        clientTotal = clientTotal.plus(e.getValue());
        longest = longest.compareTo(e.getValue()) >= 0 ? longest : e.getValue();
      }
    }
    int budget = o.plan().budgets().getOrDefault(CLIENT, 1);
    Duration spread = clientTotal.dividedBy(budget);
    return servers.plus(longest.compareTo(spread) >= 0 ? longest : spread);
  }

  private static void summarise(Outcome o, double wallSeconds, PrintStream out) {
    RunReport r = o.report();
    Duration bound = lowerBound(o);
    out.println();
    out.println("Summary:");
    out.println("  result:            " + r.summary());
    out.println(
        "  virtual duration:  "
            + Durations.format(r.duration())
            + " (lower bound "
            + Durations.format(bound)
            + ", "
            + String.format(
                "%.2fx", (double) r.duration().toMillis() / Math.max(1, bound.toMillis()))
            + ")");
    out.println("  nodes upgraded:    " + r.upgraded().size() + " of " + o.plan().units().size());
    out.println(
        "  work:              "
            + o.cluster().tasksCompleted()
            + " tasks completed during the upgrade");
    out.println(
        "  invariants:        "
            + o.monitor().checks()
            + " checks after every event: "
            + (o.monitor().held()
                ? "all held"
                : o.monitor().violations().size() + " VIOLATED\n" + o.monitor().report()));
    out.println("  wall time:         " + String.format("%.2f s", wallSeconds));
  }

  private static String clock(Duration d) {
    long s = d.toSeconds();
    return String.format("+%02d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60);
  }
}
