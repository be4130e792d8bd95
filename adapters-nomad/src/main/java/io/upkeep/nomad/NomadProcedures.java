package io.upkeep.nomad;

import io.upkeep.ClusterSnapshot;
import io.upkeep.HookPoint;
import io.upkeep.Node;
import io.upkeep.PlanValidationException;
import io.upkeep.Policy;
import io.upkeep.Strategy;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeTarget;
import io.upkeep.spi.HostPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Nomad's upgrade procedure on top of core: a policy with the {@code nomad-raft} health gate, an
 * executor wired to the adapter, and a planner front door that refuses what Nomad cannot do with
 * Nomad's own remedy in the message (the documented {@code peers.json} recovery for a single
 * server). Stateless and thread-safe.
 *
 * <pre>{@code
 * NomadClusterPort nomad = NomadClusterPort.create(config);
 * Policy policy = NomadProcedures.policy(Duration.ofMinutes(30)).budget(Budget.ofPercent(10)).build();
 * UpgradePlan plan = NomadProcedures.plan(UpgradePlanner.create(config.time()), nomad,
 *     Strategy.inPlace(), UpgradeTarget.product("1.8.4"), policy);
 * RunReport report = NomadProcedures.executor(nomad, myHosts).build().start(plan).execute();
 * }</pre>
 */
public final class NomadProcedures {

  /**
   * Nomad's documented recovery for a server that lost its peers: a hand-written {@code
   * peers.json}.
   */
  public static final String PEERS_JSON_GUIDE =
      "https://developer.hashicorp.com/nomad/tutorials/manage-clusters/outage-recovery#manual-recovery-using-peersjson";

  private NomadProcedures() {}

  /**
   * A policy builder for Nomad: the given drain deadline, the {@value NomadServerHealthProbe#NAME}
   * gate after every node, and {@link Policy.DrainTimeoutAction#FORCE} at the deadline, because
   * Nomad itself stops what still runs when a drain's deadline passes. Everything else is core's
   * conservative default (one node of a role at a time).
   *
   * @throws IllegalArgumentException if the deadline is not positive
   */
  public static Policy.Builder policy(Duration drainDeadline) {
    return Policy.builder()
        .drainDeadline(drainDeadline)
        .onDrainTimeout(Policy.DrainTimeoutAction.FORCE)
        .probes(NomadServerHealthProbe.NAME);
  }

  /**
   * An executor builder wired for Nomad: {@code nomad} as the cluster, {@code host} as the host
   * port, the adapter's time source, the raft health probe and Nomad's node hooks registered
   * (leadership transfer, single-server {@code peers.json}; {@link #plan} places the ones a region
   * needs as visible steps). Add listeners (and a traffic port, if any) and build.
   */
  public static UpgradeExecutor.Builder executor(NomadClusterPort nomad, HostPort host) {
    Objects.requireNonNull(nomad, "nomad");
    UpgradeExecutor.Builder b =
        UpgradeExecutor.builder()
            .cluster(nomad)
            .host(Objects.requireNonNull(host, "host"))
            .time(nomad.config().time())
            .probe(nomad.raftHealthProbe());
    NomadHooks.all(nomad).forEach(b::hook);
    return b;
  }

  /**
   * Observes the region and plans, after refusing what Nomad cannot do, each with Nomad's remedy:
   * an in-place upgrade of a single-server region without {@link NomadConfig#peersJsonRecovery} (it
   * would lose the raft quorum; the remedy is the documented {@code peers.json} recovery), plans
   * that need a cluster-wide maintenance mode (clone-and-migrate, a single-node region), and
   * operating-system or runtime targets Nomad cannot report back. The target's operating system is
   * first {@linkplain NomadOs#normalise(UpgradeTarget) normalised} to the spelling the adapter
   * reports ({@code ubuntu 24.04} plans as {@code Ubuntu 24.04}), so that upgraded clients verify.
   * The plan carries Nomad's own steps, visible in its dry run: before each server stops,
   * leadership moves away from it (with {@link NomadConfig#transferLeadership}); for a single
   * server with {@link NomadConfig#peersJsonRecovery}, its raft identity is taken before it stops
   * and its {@code peers.json} written before it starts. Run it with {@link #executor}, which has
   * the hooks.
   *
   * @throws PlanValidationException naming every problem and its fix
   */
  public static UpgradePlan plan(
      UpgradePlanner planner,
      NomadClusterPort nomad,
      Strategy strategy,
      UpgradeTarget target,
      Policy policy) {
    Objects.requireNonNull(planner, "planner");
    Objects.requireNonNull(nomad, "nomad");
    Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(policy, "policy");
    UpgradeTarget normalised = NomadOs.normalise(target);
    ClusterSnapshot snapshot = nomad.observe();
    List<String> problems = new ArrayList<>();
    List<Node> selected =
        snapshot.nodes().stream()
            .filter(n -> policy.only().isEmpty() || policy.only().contains(n.id()))
            .toList();
    List<Node> voters =
        snapshot.withRole(NomadClusterPort.SERVER).stream().filter(Node::voter).toList();
    boolean inPlace = strategy instanceof Strategy.InPlace;
    if (strategy instanceof Strategy.CloneAndMigrate) {
      problems.add(
          "clone-and-migrate needs a cluster-wide maintenance mode, which Nomad does not have: "
              + "use Strategy.inPlace() or Strategy.rollingReplace()");
    }
    if (inPlace && snapshot.nodes().size() == 1) {
      problems.add(
          "the region has a single node, "
              + snapshot.nodes().get(0).id()
              + ": upgrading it in place would "
              + "need a cluster-wide maintenance mode, which Nomad does not have; add a node first");
    } else if (inPlace
        && voters.size() == 1
        && nomad.config().peersJsonRecovery().isEmpty()
        && selected.contains(voters.get(0))) {
      problems.add(
          "server "
              + voters.get(0).id()
              + " is the region's only raft voter: restarting it in place loses "
              + "quorum and it cannot elect itself again. Nomad documents the way out, a peers.json written before the "
              + "restart ("
              + PEERS_JSON_GUIDE
              + "): opt in with NomadConfig.Builder.peersJsonRecovery(hook) and run "
              + "the plan with NomadProcedures.executor(...); or add servers first, or use Strategy.rollingReplace()");
    }
    boolean serversSelected =
        selected.stream().anyMatch(n -> n.role().equals(NomadClusterPort.SERVER));
    if (target.os().isPresent()
        && serversSelected
        && selected.stream()
            .anyMatch(
                n ->
                    n.role().equals(NomadClusterPort.SERVER)
                        && n.platform().os().equals(NomadConfig.UNKNOWN_OS))) {
      problems.add(
          "the target changes the operating system, but Nomad does not report a server's operating system, "
              + "so the upgraded servers could not be verified: give NomadConfig.Builder.serverOs(...), or leave the "
              + "servers out with policy.only(...)");
    }
    if (target.runtime().isPresent()) {
      problems.add(
          "the target changes the runtime, but Nomad reports no runtime for its nodes, so the upgrade could "
              + "not be verified: upgrade the runtime as part of an operating-system or Nomad target instead");
    }
    if (!problems.isEmpty()) {
      throw new PlanValidationException(problems);
    }
    Policy.Builder withSteps = policy.toBuilder();
    String server = NomadClusterPort.SERVER.name();
    if (nomad.config().transferLeadership() && voters.size() > 1) {
      withSteps.hook(NomadHooks.LEADERSHIP_TRANSFER, HookPoint.BEFORE_STOP, server);
    }
    if (nomad.config().peersJsonRecovery().isPresent() && voters.size() == 1) {
      withSteps
          .hook(NomadHooks.PEERS_CAPTURE, HookPoint.BEFORE_STOP, server)
          .hook(NomadHooks.PEERS_JSON, HookPoint.BEFORE_START, server);
    }
    return planner.plan(snapshot, nomad.constraints(), strategy, normalised, withSteps.build());
  }
}
