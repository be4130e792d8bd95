package io.upkeep;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What one plan step does to its node. A closed set of records (a later version may add to it: a
 * {@code switch} over actions needs a default branch); each is carried out idempotently by the
 * executor and completes when the cluster is observed in the state it asks for.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = Action.SetTaskCap.class, name = "set-task-cap"),
  @JsonSubTypes.Type(value = Action.Drain.class, name = "drain"),
  @JsonSubTypes.Type(value = Action.Undrain.class, name = "undrain"),
  @JsonSubTypes.Type(value = Action.EnterMaintenance.class, name = "enter-maintenance"),
  @JsonSubTypes.Type(value = Action.ExitMaintenance.class, name = "exit-maintenance"),
  @JsonSubTypes.Type(value = Action.AwaitIdle.class, name = "await-idle"),
  @JsonSubTypes.Type(value = Action.Snapshot.class, name = "snapshot"),
  @JsonSubTypes.Type(value = Action.RestoreSnapshot.class, name = "restore-snapshot"),
  @JsonSubTypes.Type(value = Action.StopService.class, name = "stop-service"),
  @JsonSubTypes.Type(value = Action.StartService.class, name = "start-service"),
  @JsonSubTypes.Type(value = Action.Upgrade.class, name = "upgrade"),
  @JsonSubTypes.Type(value = Action.Provision.class, name = "provision"),
  @JsonSubTypes.Type(value = Action.CopyFolders.class, name = "copy-folders"),
  @JsonSubTypes.Type(value = Action.AwaitHealthy.class, name = "await-healthy"),
  @JsonSubTypes.Type(value = Action.Verify.class, name = "verify"),
  @JsonSubTypes.Type(value = Action.SetTrafficWeight.class, name = "set-traffic-weight"),
  @JsonSubTypes.Type(value = Action.Soak.class, name = "soak"),
  @JsonSubTypes.Type(value = Action.Approval.class, name = "approval"),
  @JsonSubTypes.Type(value = Action.RemoveMember.class, name = "remove-member"),
  @JsonSubTypes.Type(value = Action.Decommission.class, name = "decommission"),
  @JsonSubTypes.Type(value = Action.RunHook.class, name = "run-hook")
})
public sealed interface Action {

  /** A short description for people, such as {@code "set task cap to 0"}. */
  String describe();

  /** Set the node's task cap; done when observed. */
  record SetTaskCap(TaskCap cap) implements Action {
    /**
     * @throws NullPointerException if {@code cap} is null
     */
    public SetTaskCap {
      Objects.requireNonNull(cap, "cap");
    }

    @Override
    public String describe() {
      return "set task cap to " + cap;
    }
  }

  /** Drain the node; done when it runs no work, failed or forced at the policy's drain deadline. */
  record Drain() implements Action {
    @Override
    public String describe() {
      return "drain and wait until idle";
    }
  }

  /** Let the node take work again; done when observed active. */
  record Undrain() implements Action {
    @Override
    public String describe() {
      return "undrain (take work again)";
    }
  }

  /** Turn cluster-wide maintenance mode on: the whole cluster takes no new work (downtime). */
  record EnterMaintenance() implements Action {
    @Override
    public String describe() {
      return "enter cluster maintenance mode";
    }
  }

  /** Turn cluster-wide maintenance mode off. */
  record ExitMaintenance() implements Action {
    @Override
    public String describe() {
      return "exit cluster maintenance mode";
    }
  }

  /** Wait until the node runs no work, within the policy's drain deadline. */
  record AwaitIdle() implements Action {
    @Override
    public String describe() {
      return "wait until running tasks complete";
    }
  }

  /** Snapshot the host through the host port. */
  record Snapshot() implements Action {
    @Override
    public String describe() {
      return "snapshot host";
    }
  }

  /** Restore the host to the snapshot this run took of it. */
  record RestoreSnapshot() implements Action {
    @Override
    public String describe() {
      return "restore host snapshot";
    }
  }

  /** Stop the product's service. */
  record StopService() implements Action {
    @Override
    public String describe() {
      return "stop service";
    }
  }

  /** Start the product's service. */
  record StartService() implements Action {
    @Override
    public String describe() {
      return "start service";
    }
  }

  /** Upgrade the host in place. */
  record Upgrade(UpgradeTarget target) implements Action {
    /**
     * @throws NullPointerException if {@code target} is null
     */
    public Upgrade {
      Objects.requireNonNull(target, "target");
    }

    @Override
    public String describe() {
      return "upgrade host to " + target;
    }
  }

  /**
   * Provision a new host that joins as this step's node; done when the host port reports success
   * and the node is a member.
   */
  record Provision(NodeId replacing, Platform platform, TaskCap initialCap) implements Action {
    /**
     * @throws NullPointerException if a component is null
     */
    public Provision {
      Objects.requireNonNull(replacing, "replacing");
      Objects.requireNonNull(platform, "platform");
      Objects.requireNonNull(initialCap, "initialCap");
    }

    @Override
    public String describe() {
      return "provision new node on "
          + platform
          + " (task cap "
          + initialCap
          + ") to replace "
          + replacing;
    }
  }

  /** Copy the product's state folders from {@code from} to this step's node. */
  record CopyFolders(NodeId from) implements Action {
    /**
     * @throws NullPointerException if {@code from} is null
     */
    public CopyFolders {
      Objects.requireNonNull(from, "from");
    }

    @Override
    public String describe() {
      return "copy state folders from " + from;
    }
  }

  /**
   * Wait until the node is healthy on {@code expected} and has stayed so for the policy's settle
   * time, within its health deadline.
   */
  record AwaitHealthy(Platform expected) implements Action {
    /**
     * @throws NullPointerException if {@code expected} is null
     */
    public AwaitHealthy {
      Objects.requireNonNull(expected, "expected");
    }

    @Override
    public String describe() {
      return "wait until healthy on " + expected + " and settled";
    }
  }

  /**
   * Run the named health probes directly against the node; all must pass within the health
   * deadline.
   */
  record Verify(List<String> probes) implements Action {
    /**
     * @throws NullPointerException if {@code probes} is null
     */
    public Verify {
      probes = List.copyOf(probes);
    }

    @Override
    public String describe() {
      return "verify directly with " + String.join(", ", probes);
    }
  }

  /**
   * Set the node's load-balancer weight (percent of an equal share). Without a load balancer
   * ({@link io.upkeep.spi.TrafficPort}) a step of a traffic ramp becomes an approval gate for an
   * operator to set it by hand; an {@code optional} step (a new node joining the load balancer when
   * the policy has no ramp) is skipped instead.
   *
   * @param weight percent of an equal share, 0 to 100
   * @param optional whether the step is skipped, rather than asked of an operator, without a load
   *     balancer
   */
  record SetTrafficWeight(int weight, boolean optional) implements Action {
    /**
     * @throws IllegalArgumentException if not 0 to 100
     */
    public SetTrafficWeight {
      if (weight < 0 || weight > 100) {
        throw new IllegalArgumentException(
            "a traffic weight is 0 to 100 percent of an equal share, got " + weight);
      }
    }

    /** A step of a traffic ramp: an approval gate without a load balancer. */
    public SetTrafficWeight(int weight) {
      this(weight, false);
    }

    @Override
    public String describe() {
      return (weight == 0
              ? "take out of the load balancer"
              : "set traffic weight to " + weight + "% of an equal share")
          + (optional ? " (if a load balancer is connected)" : "");
    }
  }

  /**
   * Wait {@code duration} while watching the node: it fails as soon as the node stops being
   * healthy, or one of {@code probes} fails at one of its checks, made every {@link
   * Policy#soakWatchInterval()} of the soak through {@link io.upkeep.spi.HealthProbe#watch} (so a
   * probe can judge the soak so far, such as the tasks the node failed since it began).
   *
   * @param duration how long the soak lasts
   * @param probes the health probes watched during it ({@code null} reads as none)
   */
  record Soak(Duration duration, List<String> probes) implements Action {
    /**
     * @throws NullPointerException if {@code duration} is null
     */
    public Soak {
      Objects.requireNonNull(duration, "duration");
      probes = probes == null ? List.of() : List.copyOf(probes);
    }

    /** A soak that watches only the node's health. */
    public Soak(Duration duration) {
      this(duration, List.of());
    }

    @Override
    public String describe() {
      return "soak for "
          + Durations.format(duration)
          + " while healthy"
          + (probes.isEmpty() ? "" : ", watching " + String.join(", ", probes));
    }
  }

  /** Wait for an operator to approve the gate named {@code gate}. */
  record Approval(String gate, String instructions) implements Action {
    /**
     * @throws NullPointerException if a component is null
     */
    public Approval {
      Objects.requireNonNull(gate, "gate");
      Objects.requireNonNull(instructions, "instructions");
    }

    @Override
    public String describe() {
      return "wait for approval '" + gate + "': " + instructions;
    }
  }

  /** Remove the node from the cluster's membership. */
  record RemoveMember() implements Action {
    @Override
    public String describe() {
      return "remove from cluster";
    }
  }

  /** Destroy the node's host. */
  record Decommission() implements Action {
    @Override
    public String describe() {
      return "decommission host";
    }
  }

  /**
   * Run the {@link io.upkeep.spi.NodeHook} registered as {@code hook}, placed at {@code point}.
   *
   * @param hook the hook's name
   * @param point where in its unit
   * @param timeout how long the step may run before it fails, or null for the policy's operation
   *     deadline
   */
  record RunHook(
      String hook,
      HookPoint point,
      @com.fasterxml.jackson.annotation.JsonInclude(
              com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
          Duration timeout)
      implements Action {
    /**
     * @throws NullPointerException if {@code hook} or {@code point} is null
     */
    public RunHook {
      Objects.requireNonNull(hook, "hook");
      Objects.requireNonNull(point, "point");
    }

    /** A hook step that may run as long as the policy's operation deadline. */
    public RunHook(String hook, HookPoint point) {
      this(hook, point, null);
    }

    @Override
    public String describe() {
      return "run hook '"
          + hook
          + "' ("
          + point.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
          + (timeout == null ? "" : ", within " + Durations.format(timeout))
          + ")";
    }
  }
}
