package io.upkeep.octopus;

import io.upkeep.Budget;
import io.upkeep.ClusterSnapshot;
import io.upkeep.HookPoint;
import io.upkeep.Node;
import io.upkeep.PlanValidationException;
import io.upkeep.Policy;
import io.upkeep.Strategy;
import io.upkeep.UpgradeTarget;
import io.upkeep.Version;
import io.upkeep.octopus.internal.TentacleHook;
import io.upkeep.spi.HealthProbe;
import io.upkeep.spi.NodeHook;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Octopus Deploy's documented maintenance procedures as ready-made {@link OctopusProcedure}s: core
 * strategies and policies filled in from Octopus's guides ("Upgrading host OS or .NET" and
 * "Applying operating system upgrades"), with the probes they need. Each preset is a starting point
 * with conservative, documented values; adjust it with {@link OctopusProcedure#withPolicy}. Presets
 * only describe; core's executor does the work, through your {@code HostPort} (VMs, installs,
 * folders) and {@code TrafficPort} (load balancer). Thread-safe: every method returns new values.
 */
public final class OctopusProcedures {

  /**
   * How long a drained node may take to finish its tasks: Octopus never interrupts them,
   * deployments can be long.
   */
  public static final Duration DRAIN_DEADLINE = Duration.ofHours(2);

  /** How long a node must stay healthy after it starts before it counts as up. */
  public static final Duration SETTLE = Duration.ofMinutes(5);

  /** How long a started node may take to come up healthy and pass its probes. */
  public static final Duration HEALTH_DEADLINE = Duration.ofMinutes(30);

  /** How long each step of the traffic and task ramps is watched. */
  public static final Duration RAMP_SOAK = Duration.ofHours(1);

  /** How long the first replaced node is watched before the operator is asked to go on. */
  public static final Duration CANARY_SOAK = Duration.ofHours(1);

  /** How often the run looks at the cluster: Octopus nodes look for new tasks every 20 seconds. */
  public static final Duration POLL_INTERVAL = Duration.ofSeconds(20);

  /** The load-balancer ramp of a new node: 20% of an equal share ("10 or 20%"), then equal. */
  public static final List<Integer> TRAFFIC_RAMP = List.of(20, 100);

  /**
   * The task cap of the new node's trial while the others take no new tasks: Octopus's default, 5.
   */
  public static final int TRIAL_TASK_CAP = 5;

  /** The task cap the new node gets back after its trial, before it matches the others. */
  public static final int TASK_RAMP = 1;

  /**
   * How many failed or timed-out tasks the HA host upgrade's new node may have during a soak before
   * its share is compared with the other nodes' ({@link OctopusTaskGate}): none, as the guide asks
   * to "keep an eye out for any failures".
   */
  public static final int TASK_FAILURES_TOLERATED = 0;

  private OctopusProcedures() {}

  /**
   * The host OS or .NET upgrade of an HA cluster without downtime (Octopus's recommended approach):
   * {@link Strategy#rollingReplace()}, one node at a time. For each node: your host port provisions
   * a new VM on the target OS/.NET with the <em>same</em> Octopus version, joining as {@code
   * <old>-next} at task cap 0 (no tasks, not in the load balancer) -> it is verified directly on
   * its own address ({@value OctopusNodeProbe#DIRECT}) -> the load balancer sends it 20% of an
   * equal share, then an equal share, each step watched (the direct probe and {@value
   * OctopusTaskGate#NAME}, checked every soak watch interval of each soak) -> on the first node
   * only, the trial: every other node at task cap 0 and the new one at 5 for test deployments and
   * health checks, verified again -> the old caps come back and the new node runs at cap 1, watched
   * -> it matches the node it replaces -> the old node leaves the load balancer, is drained, waited
   * for, stopped, deleted from Octopus and decommissioned. The first node is a canary: the rest
   * wait for an operator's approval ("wait a few days ... if no oddities come up").
   *
   * @param octopus the cluster's port, for the direct probe
   */
  public static OctopusProcedure highAvailabilityHostUpgrade(OctopusClusterPort octopus) {
    Objects.requireNonNull(octopus, "octopus");
    HealthProbe direct = octopus.nodeProbe();
    HealthProbe tasks = octopus.taskGate(TASK_FAILURES_TOLERATED);
    Policy policy =
        base()
            .budget(Budget.ofNodes(1))
            .canaries(1)
            .canarySoak(CANARY_SOAK)
            .approveCanaries(true)
            .trafficRamp(TRAFFIC_RAMP.toArray(Integer[]::new))
            .rampSoak(RAMP_SOAK)
            .trialTaskCap(TRIAL_TASK_CAP)
            .exclusiveTrial(true)
            .taskRamp(TASK_RAMP)
            .probes(direct.name(), tasks.name())
            .build();
    return new OctopusProcedure(
        "ha-host-upgrade",
        Strategy.rollingReplace(),
        policy,
        List.of(direct, tasks),
        List.of(),
        List.of(
            "Your HostPort.provision installs the SAME Octopus version on the new host and joins it to the cluster "
                + "(existing database, Master Key) at task cap 0; Octopus versions cannot be mixed, so the target may change "
                + "only the OS and .NET (validate refuses a product change).",
            "Each new node is verified on its own address (configure nodeUrl/nodeUrlTemplate), not through the load balancer.",
            "During every soak of a new node (traffic ramp, trial, task ramp, canary) both probes are checked again every minute: "
                + "the node fails if it stops answering, or if its tasks fail or time out more than the other nodes' over the soak.",
            "Traffic ramp 20% then an equal share goes through your TrafficPort; without one, each step is an approval gate "
                + "telling the operator which weight to set.",
            "The trial (other nodes at cap 0, the new one at 5) briefly lowers the cluster's capacity: pick a quiet time.",
            "Approve 'canary:<node>' when the first new node has run well for as long as you want (the guide says days); "
                + "the other nodes follow one at a time.",
            "Old nodes are deleted from Octopus only when offline (stopped) or drained and idle, then decommissioned.",
            "Polling Tentacles without multi-node Redis polling (before 2026.4) must poll every node: register them with "
                + "each new node, or its tasks for those targets fail."));
  }

  /**
   * {@link #highAvailabilityHostUpgrade(OctopusClusterPort)} with an active trial: while the first
   * new node is the only one taking tasks, {@code trial} queues a health check that must run on it
   * and pass, before the trial's soak.
   *
   * @param octopus the cluster's port, for the direct probe
   * @param trial the health check to queue, from {@link OctopusClusterPort#trialHealthCheck}
   */
  public static OctopusProcedure highAvailabilityHostUpgrade(
      OctopusClusterPort octopus, OctopusTrialHealthCheck trial) {
    Objects.requireNonNull(trial, "trial");
    return highAvailabilityHostUpgrade(octopus).withHook(trial, HookPoint.DURING_TRIAL);
  }

  /**
   * Operating-system patching of a single Octopus Server, in a maintenance window ({@link
   * Strategy#inPlace()} on a one-node cluster, {@code allowDowntime(true)}): maintenance mode on ->
   * wait for running tasks -> snapshot the host -> stop the service -> patch (your host port) ->
   * start -> healthy and verified directly ({@value OctopusNodeProbe#DIRECT}) -> maintenance mode
   * off. On failure the host snapshot is restored and the service started again; the Octopus SQL
   * database backup is never restored.
   *
   * @param octopus the cluster's port, for the direct probe
   */
  public static OctopusProcedure singleServerPatching(OctopusClusterPort octopus) {
    Objects.requireNonNull(octopus, "octopus");
    HealthProbe direct = octopus.nodeProbe();
    Policy policy =
        base()
            .allowDowntime(true)
            .canarySoak(Duration.ZERO)
            .snapshots(true)
            .probes(direct.name())
            .build();
    return new OctopusProcedure(
        "single-server-patching",
        Strategy.inPlace(),
        policy,
        List.of(direct),
        List.of(),
        List.of(
            "DOWNTIME: schedule a maintenance window with the teams using Octopus; while maintenance mode is on, only "
                + "administrators can change anything or queue tasks.",
            "Running and already queued tasks (scheduled deployments too) still finish, and system tasks keep being queued: "
                + "the wait for tasks ends at the drain deadline if they never stop.",
            "Your HostPort.snapshot takes the restore point (VM snapshot, disk image); HostPort.upgrade applies the patches "
                + "and reboots.",
            "If anything fails, the host is restored to the snapshot and Octopus is started again; never restore the Octopus "
                + "SQL database backup for an OS change."));
  }

  /**
   * Operating-system patching of an HA cluster without downtime ({@link Strategy#inPlace()}, one
   * node at a time): per node, drain -> wait for its tasks -> snapshot -> stop -> patch (your host
   * port) -> start -> healthy and verified directly ({@value OctopusNodeProbe#API_ONLY}: the node
   * is still drained, so its ping answers 418 by design) -> undrain; the other nodes keep working.
   * Refuses a single-node cluster (use {@link #singleServerPatching}).
   *
   * @param octopus the cluster's port, for the direct probe
   */
  public static OctopusProcedure highAvailabilityPatching(OctopusClusterPort octopus) {
    Objects.requireNonNull(octopus, "octopus");
    HealthProbe api = octopus.nodeApiProbe();
    Policy policy =
        base()
            .budget(Budget.ofNodes(1))
            .canaries(1)
            .canarySoak(Duration.ofMinutes(30))
            .snapshots(true)
            .probes(api.name())
            .build();
    return new OctopusProcedure(
        "ha-patching",
        Strategy.inPlace(),
        policy,
        List.of(api),
        List.of(),
        List.of(
            "No downtime: one node at a time is drained, patched and undrained while the others run tasks.",
            "Drained nodes finish their tasks (never interrupted); the drain deadline bounds the wait.",
            "If a node fails, its host is restored to the snapshot, started and undrained; never restore the database."));
  }

  /**
   * Clone-and-migrate of a single instance to a new host without HA ({@link
   * Strategy#cloneAndMigrate(boolean)}, planned downtime), when the new host answers at the same
   * address (DNS name): maintenance mode on -> wait for tasks -> stop the source (kept for
   * rollback) -> your host port installs the <em>same</em> Octopus version on the new host against
   * the existing database -> copies the state folders ({@code Artifacts}, {@code Packages}, {@code
   * TaskLogs}, {@code EventExports}) -> start -> verified directly -> maintenance mode off -> cut
   * over -> an operator approves ({@code migration:<source>}) after checking API scripts, CI
   * integrations and deployments -> the source is deleted from Octopus and decommissioned.
   *
   * @param octopus the cluster's port, for the direct probe
   */
  public static OctopusProcedure cloneAndMigrate(OctopusClusterPort octopus) {
    return clone(octopus, null);
  }

  /**
   * Clone-and-migrate as {@link #cloneAndMigrate(OctopusClusterPort)}, to a host at a <em>new</em>
   * address: polling Tentacles connect to one address, so {@code reRegistration} points them at the
   * clone while it is verified, before it takes work and long before the source goes.
   *
   * @param octopus the cluster's port, for the direct probe
   * @param reRegistration your way of re-registering polling Tentacles with the clone
   */
  public static OctopusProcedure cloneAndMigrate(
      OctopusClusterPort octopus, TentacleReRegistration reRegistration) {
    return clone(octopus, Objects.requireNonNull(reRegistration, "reRegistration"));
  }

  private static OctopusProcedure clone(OctopusClusterPort octopus, TentacleReRegistration hook) {
    Objects.requireNonNull(octopus, "octopus");
    Strategy.CloneAndMigrate strategy =
        (Strategy.CloneAndMigrate) Strategy.cloneAndMigrate(hook != null);
    List<NodeHook> hooks =
        hook == null ? List.of() : List.of(new TentacleHook(strategy.cloneSuffix(), hook));
    Policy.Builder policy =
        base().allowDowntime(true).canarySoak(Duration.ZERO).probes(octopus.nodeProbe().name());
    hooks.forEach(h -> policy.hook(h.name(), HookPoint.AFTER_VERIFY));
    List<String> notes =
        new ArrayList<>(
            List.of(
                "DOWNTIME from quiesce to cut-over: the source is stopped before the clone starts, because two instances must "
                    + "never run against one database.",
                "Your HostPort.provision installs the SAME Octopus version as the source (download it from the previous "
                    + "versions page) on the new host, selecting the existing database and entering the Master Key.",
                "Your HostPort.copyFolders copies Artifacts, Packages, TaskLogs and EventExports (2023.3+) from the source.",
                "Rollback: if anything goes wrong, stop the clone and start the source; it stays, stopped, until you approve "
                    + "'migration:<source>'.",
                "Check CI/build-server plug-ins and your own API scripts against the clone before approving."));
    notes.add(
        hook != null
            ? "The address changes: polling Tentacles are re-registered with the clone by your TentacleReRegistration "
                + "once the clone is verified, as a step of the plan (hook "
                + TentacleHook.NAME
                + ")."
            : "The clone must answer at the source's address (DNS name); if the address changes and you use polling "
                + "Tentacles, use cloneAndMigrate(octopus, reRegistration) instead.");
    return new OctopusProcedure(
        hook != null ? "clone-and-migrate-new-address" : "clone-and-migrate",
        strategy,
        policy.build(),
        List.of(octopus.nodeProbe()),
        hooks,
        notes);
  }

  private static Policy.Builder base() {
    return Policy.builder()
        .drainDeadline(DRAIN_DEADLINE)
        .settle(SETTLE)
        .healthDeadline(HEALTH_DEADLINE)
        .pollInterval(POLL_INTERVAL)
        .failureThreshold(0)
        .onFailure(Policy.FailureAction.ROLLBACK);
  }

  /**
   * Refuses what Octopus cannot do, before anything is planned or touched: a product version change
   * by a rolling replace (new nodes would join on another version, and the database upgrade refuses
   * to run while other nodes run), by a clone (the clone must be the same version), or node by node
   * in place on an HA cluster. Moves of the OS and .NET at the same version are fine.
   *
   * @throws PlanValidationException naming why and the fix
   * @throws NullPointerException if an argument is null
   */
  public static void validate(Strategy strategy, UpgradeTarget target, ClusterSnapshot snapshot) {
    Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(snapshot, "snapshot");
    if (target.product().isEmpty()) {
      return;
    }
    Version to = target.product().get();
    List<Node> differing =
        snapshot.nodes().stream().filter(n -> !n.platform().product().isSameRelease(to)).toList();
    if (differing.isEmpty()) {
      return;
    }
    Version from = differing.get(0).platform().product();
    List<String> problems = new ArrayList<>();
    if (strategy instanceof Strategy.RollingReplace) {
      problems.add(
          "a rolling replace cannot change the Octopus version ("
              + from
              + " to "
              + to
              + "): new nodes would "
              + "join on another version than the running ones, and since 2023.2.9755 Octopus refuses to upgrade its "
              + "database while other nodes run (older versions can damage it); upgrade Octopus itself with every node "
              + "stopped, then move the hosts with a target that changes only the OS and .NET");
    } else if (strategy instanceof Strategy.CloneAndMigrate) {
      problems.add(
          "clone-and-migrate installs the same Octopus version as the source ("
              + from
              + "), not "
              + to
              + ": another build started against the same database upgrades or breaks its schema (\"Unexpected upgrade "
              + "history detected\"); clone at "
              + from
              + " and upgrade Octopus separately afterwards");
    } else if (snapshot.nodes().size() > 1) {
      problems.add(
          "an HA cluster cannot move from Octopus "
              + from
              + " to "
              + to
              + " one node at a time: the database "
              + "upgrade refuses to run while other nodes run; stop every node and upgrade them together in a maintenance "
              + "window, then use these procedures for OS and .NET changes only");
    }
    if (!problems.isEmpty()) {
      throw new PlanValidationException(problems);
    }
  }
}
