package io.upkeep;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonPOJOBuilder;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * How cautiously an upgrade proceeds: how many nodes at once, canaries, ramps, gates, deadlines and
 * what to do on failure. Immutable and thread-safe; build one with {@link #builder()}. Every
 * default is a public constant and conservative: one node at a time, one canary, a settle gate
 * after each node, roll back on the first failure. The drain deadline has no default on purpose: a
 * drain that can wait forever is the most common cause of stuck rollouts.
 *
 * <p>A final class rather than a record, so that it can gain settings without breaking callers:
 * build it with {@link #builder()}, derive a variant with {@link #toBuilder()}, read it with the
 * accessors. Equal when every setting is; {@link #toString()} names every setting.
 */
// A plan's JSON holds the fields, under the names and in the order the record had
// (PolicyCompatibilityTest).
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
@JsonDeserialize(builder = Policy.Builder.class)
public final class Policy {

  /** Default budget: one node of a role at a time. */
  public static final Budget DEFAULT_BUDGET = Budget.ofNodes(1);

  /** Default number of canaries. */
  public static final int DEFAULT_CANARIES = 1;

  /** Default soak after the canaries. */
  public static final Duration DEFAULT_CANARY_SOAK = Duration.ofMinutes(10);

  /**
   * Default settle time: healthy for this long before a node counts as done (as Nomad's
   * min_healthy_time).
   */
  public static final Duration DEFAULT_SETTLE = Duration.ofSeconds(10);

  /** Default time a node may take to become healthy (as Nomad's healthy_deadline). */
  public static final Duration DEFAULT_HEALTH_DEADLINE = Duration.ofMinutes(5);

  /** Default soak per ramp step. */
  public static final Duration DEFAULT_RAMP_SOAK = Duration.ofMinutes(5);

  /** Default trial task cap for a canary replacement (Octopus's default task cap). */
  public static final int DEFAULT_TRIAL_TASK_CAP = 5;

  /** Default task-cap ramp for a new node before it matches the node it replaces. */
  public static final List<Integer> DEFAULT_TASK_RAMP = List.of(1);

  /** Default longest wait between two observations. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(10);

  /** Default time between two checks of a soak's probes. */
  public static final Duration DEFAULT_SOAK_WATCH_INTERVAL = Duration.ofMinutes(1);

  /** Default time the run may be blocked before it pauses for an operator. */
  public static final Duration DEFAULT_BLOCKED_TIMEOUT = Duration.ofHours(1);

  /**
   * Default time one host operation may take: long enough for an in-place OS upgrade, short enough
   * to notice a hang.
   */
  public static final Duration DEFAULT_OPERATION_DEADLINE = Duration.ofHours(4);

  /**
   * Default handling of nodes already out of service: upgrade them while they are out, and leave
   * them out.
   */
  public static final OutOfServiceAction DEFAULT_OUT_OF_SERVICE =
      OutOfServiceAction.UPGRADE_AND_LEAVE_OUT;

  /**
   * Where a {@link io.upkeep.spi.NodeHook} runs: its name (as registered with the executor), the
   * point in each unit, the roles of the nodes it runs for (empty: every role), and how long its
   * step may take.
   *
   * @param name the hook's name
   * @param point where in each unit
   * @param roles the roles it runs for; empty for all
   * @param timeout how long its step may run before it fails, or null for the policy's operation
   *     deadline
   */
  public record Hook(
      String name,
      HookPoint point,
      Set<Role> roles,
      @JsonInclude(JsonInclude.Include.NON_NULL) Duration timeout) {
    /**
     * @throws NullPointerException if a required component is null
     * @throws IllegalArgumentException if the name is blank or the timeout not longer than zero
     */
    public Hook {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(point, "point");
      if (name.isBlank()) {
        throw new IllegalArgumentException(
            "a hook needs a name: the one its NodeHook.name() returns");
      }
      if (timeout != null) {
        requirePositive(timeout, "the timeout of hook '" + name + "'");
      }
      roles = Collections.unmodifiableSortedSet(new TreeSet<>(roles));
    }

    /** A hook whose step may run as long as the policy's operation deadline. */
    public Hook(String name, HookPoint point, Set<Role> roles) {
      this(name, point, roles, null);
    }

    /** Whether it runs for nodes of {@code role}. */
    public boolean appliesTo(Role role) {
      return roles.isEmpty() || roles.contains(role);
    }
  }

  /**
   * What the planner does with a node that is out of service when the plan is made: drained or made
   * ineligible by the operator, or unhealthy. Either way Upkeep leaves the node's drain state as
   * the operator had it: it never undoes what it did not do.
   */
  public enum OutOfServiceAction {
    /**
     * Upgrade it first, while it is out anyway: it already counts against its role's budget, so
     * this costs no extra disruption. It does not wait for the canaries, since it serves nothing.
     * It ends upgraded and still out of service (drained stays drained).
     */
    UPGRADE_AND_LEAVE_OUT,
    /**
     * Leave it alone, with a warning in the plan and a note in the report. It still counts against
     * its role's budget while it is out, so with a budget of one node the run cannot start anything
     * until the operator brings it back.
     */
    SKIP
  }

  /** What the executor does when a drain deadline passes with work still running. */
  public enum DrainTimeoutAction {
    /** The node fails; its work is never interrupted. */
    FAIL,
    /** The node is stopped anyway; the interrupted work is reported. */
    FORCE
  }

  /** What the executor does when more nodes failed than the threshold allows. */
  public enum FailureAction {
    /**
     * Restore every touched node to its original cap, drain state and traffic weight, then stop.
     */
    ROLLBACK,
    /** Stop starting nodes, finish the ones in flight, and pause for an operator. */
    PAUSE
  }

  private final Budget budget;
  private final int canaries;
  private final Duration canarySoak;
  private final boolean approveCanaries;
  private final Duration drainDeadline;
  private final DrainTimeoutAction onDrainTimeout;
  private final Duration settle;
  private final Duration healthDeadline;
  private final List<Integer> trafficRamp;
  private final Duration rampSoak;
  private final int trialTaskCap;
  private final boolean exclusiveTrial;
  private final List<Integer> taskRamp;
  private final boolean snapshots;
  private final int failureThreshold;
  private final FailureAction onFailure;
  private final boolean allowDowntime;
  private final boolean forceVersionSkew;
  private final List<String> probes;
  private final Set<NodeId> only;
  private final Map<NodeId, Duration> durationHints;
  private final Duration pollInterval;
  private final Duration blockedTimeout;
  private final Duration operationDeadline;
  private final OutOfServiceAction outOfService;
  private final List<Hook> hooks;

  // Left out of the JSON when empty, so a plan without windows reads and writes as before.
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  private final List<MaintenanceWindow> windows;

  // Null at its default, and then left out of the JSON, so older plans read and write as before.
  @JsonInclude(JsonInclude.Include.NON_NULL)
  private final Duration soakWatchInterval;

  private Policy(Builder b) {
    budget = b.budget;
    canaries = b.canaries;
    canarySoak = b.canarySoak;
    approveCanaries = b.approveCanaries;
    drainDeadline = b.drainDeadline;
    onDrainTimeout = b.onDrainTimeout;
    settle = b.settle;
    healthDeadline = b.healthDeadline;
    trafficRamp = List.copyOf(b.trafficRamp);
    rampSoak = b.rampSoak;
    trialTaskCap = b.trialTaskCap;
    exclusiveTrial = b.exclusiveTrial;
    taskRamp = List.copyOf(b.taskRamp);
    snapshots = b.snapshots;
    failureThreshold = b.failureThreshold;
    onFailure = b.onFailure;
    allowDowntime = b.allowDowntime;
    forceVersionSkew = b.forceVersionSkew;
    probes = List.copyOf(b.probes);
    only = Collections.unmodifiableSortedSet(new TreeSet<>(b.only));
    durationHints = Collections.unmodifiableSortedMap(new TreeMap<>(b.durationHints));
    pollInterval = b.pollInterval;
    blockedTimeout = b.blockedTimeout;
    operationDeadline = b.operationDeadline;
    outOfService = b.outOfService;
    hooks = List.copyOf(b.hooks);
    windows = List.copyOf(b.windows);
    soakWatchInterval =
        b.soakWatchInterval.equals(DEFAULT_SOAK_WATCH_INTERVAL) ? null : b.soakWatchInterval;
  }

  /** Nodes of one role out of service at once (the sliding window's width). */
  public Budget budget() {
    return budget;
  }

  /** How many nodes go first, alone, before any other starts. */
  public int canaries() {
    return canaries;
  }

  /** How long the canaries must stay healthy before the others start. */
  public Duration canarySoak() {
    return canarySoak;
  }

  /** Whether an operator must approve after the canaries. */
  public boolean approveCanaries() {
    return approveCanaries;
  }

  /** How long a node may take to finish its work once drained. */
  public Duration drainDeadline() {
    return drainDeadline;
  }

  /** What to do when the drain deadline passes. */
  public DrainTimeoutAction onDrainTimeout() {
    return onDrainTimeout;
  }

  /** How long a node must stay healthy after its upgrade before it counts as done. */
  public Duration settle() {
    return settle;
  }

  /** How long a node may take to become healthy after it was started. */
  public Duration healthDeadline() {
    return healthDeadline;
  }

  /** Load-balancer weights (percent of an equal share) a new node steps through. */
  public List<Integer> trafficRamp() {
    return trafficRamp;
  }

  /** How long each ramp step must stay healthy before the next. */
  public Duration rampSoak() {
    return rampSoak;
  }

  /** The task cap a canary replacement gets for its trial, 0 for no trial. */
  public int trialTaskCap() {
    return trialTaskCap;
  }

  /** Whether the other nodes take no new tasks (cap 0) during that trial. */
  public boolean exclusiveTrial() {
    return exclusiveTrial;
  }

  /** Task caps a new node steps through before it matches the node it replaces. */
  public List<Integer> taskRamp() {
    return taskRamp;
  }

  /** Whether to snapshot each host before changing it, so a failure can be undone. */
  public boolean snapshots() {
    return snapshots;
  }

  /** How many nodes may fail before the run stops; 0 stops at the first. */
  public int failureThreshold() {
    return failureThreshold;
  }

  /** What to do when the run stops for failures. */
  public FailureAction onFailure() {
    return onFailure;
  }

  /** Whether a plan with planned downtime (single node, clone) may run. */
  public boolean allowDowntime() {
    return allowDowntime;
  }

  /** Whether to allow version moves outside the system's supported skew. */
  public boolean forceVersionSkew() {
    return forceVersionSkew;
  }

  /** Names of health probes that verify each upgraded or new node directly. */
  public List<String> probes() {
    return probes;
  }

  /** The nodes to upgrade; empty for all. */
  public Set<NodeId> only() {
    return only;
  }

  /** Expected time per node, so the longest ones start first. */
  public Map<NodeId, Duration> durationHints() {
    return durationHints;
  }

  /**
   * The longest the executor waits between observations; with nothing in flight and every {@link
   * #windows() maintenance window} closed, it sleeps until the next opens instead.
   */
  public Duration pollInterval() {
    return pollInterval;
  }

  /**
   * How long nothing may be able to start (a lost node holding the budget, quorum short) before the
   * run pauses for an operator.
   */
  public Duration blockedTimeout() {
    return blockedTimeout;
  }

  /**
   * How long one host operation (provision, upgrade, stop, start, snapshot, restore, copy,
   * decommission) may run before its step fails.
   */
  public Duration operationDeadline() {
    return operationDeadline;
  }

  /**
   * What happens to a node that is out of service (drained or ineligible by the operator, or
   * unhealthy) when the plan is made.
   */
  public OutOfServiceAction outOfService() {
    return outOfService;
  }

  /** The node hooks each unit runs, where, and for which roles. */
  public List<Hook> hooks() {
    return hooks;
  }

  /**
   * When new nodes may start: while any of these windows is open, or at any time if there are none
   * (the default). Outside every window no new node starts, and a node in flight finishes its
   * steps; the run waits for the next opening, reported as blocked but never paused for it.
   */
  public List<MaintenanceWindow> windows() {
    return windows;
  }

  /**
   * How often a soak's probes are checked again while it lasts (never more often than the
   * executor's turns): each check of a vendor gate is a request or a few to its API.
   */
  public Duration soakWatchInterval() {
    return soakWatchInterval == null ? DEFAULT_SOAK_WATCH_INTERVAL : soakWatchInterval;
  }

  /** Equal to another policy with the same settings. */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Policy p)) {
      return false;
    }
    return budget.equals(p.budget)
        && canaries == p.canaries
        && canarySoak.equals(p.canarySoak)
        && approveCanaries == p.approveCanaries
        && drainDeadline.equals(p.drainDeadline)
        && onDrainTimeout == p.onDrainTimeout
        && settle.equals(p.settle)
        && healthDeadline.equals(p.healthDeadline)
        && trafficRamp.equals(p.trafficRamp)
        && rampSoak.equals(p.rampSoak)
        && trialTaskCap == p.trialTaskCap
        && exclusiveTrial == p.exclusiveTrial
        && taskRamp.equals(p.taskRamp)
        && snapshots == p.snapshots
        && failureThreshold == p.failureThreshold
        && onFailure == p.onFailure
        && allowDowntime == p.allowDowntime
        && forceVersionSkew == p.forceVersionSkew
        && probes.equals(p.probes)
        && only.equals(p.only)
        && durationHints.equals(p.durationHints)
        && pollInterval.equals(p.pollInterval)
        && blockedTimeout.equals(p.blockedTimeout)
        && operationDeadline.equals(p.operationDeadline)
        && outOfService == p.outOfService
        && hooks.equals(p.hooks)
        && windows.equals(p.windows)
        && soakWatchInterval().equals(p.soakWatchInterval());
  }

  /** A hash of every setting. */
  @Override
  public int hashCode() {
    return Objects.hash(
        budget,
        canaries,
        canarySoak,
        approveCanaries,
        drainDeadline,
        onDrainTimeout,
        settle,
        healthDeadline,
        trafficRamp,
        rampSoak,
        trialTaskCap,
        exclusiveTrial,
        taskRamp,
        snapshots,
        failureThreshold,
        onFailure,
        allowDowntime,
        forceVersionSkew,
        probes,
        only,
        durationHints,
        pollInterval,
        blockedTimeout,
        operationDeadline,
        outOfService,
        hooks,
        windows,
        soakWatchInterval());
  }

  /** Every setting, by name. */
  @Override
  public String toString() {
    return "Policy["
        + "budget="
        + budget
        + ", canaries="
        + canaries
        + ", canarySoak="
        + canarySoak
        + ", approveCanaries="
        + approveCanaries
        + ", drainDeadline="
        + drainDeadline
        + ", onDrainTimeout="
        + onDrainTimeout
        + ", settle="
        + settle
        + ", healthDeadline="
        + healthDeadline
        + ", trafficRamp="
        + trafficRamp
        + ", rampSoak="
        + rampSoak
        + ", trialTaskCap="
        + trialTaskCap
        + ", exclusiveTrial="
        + exclusiveTrial
        + ", taskRamp="
        + taskRamp
        + ", snapshots="
        + snapshots
        + ", failureThreshold="
        + failureThreshold
        + ", onFailure="
        + onFailure
        + ", allowDowntime="
        + allowDowntime
        + ", forceVersionSkew="
        + forceVersionSkew
        + ", probes="
        + probes
        + ", only="
        + only
        + ", durationHints="
        + durationHints
        + ", pollInterval="
        + pollInterval
        + ", blockedTimeout="
        + blockedTimeout
        + ", operationDeadline="
        + operationDeadline
        + ", outOfService="
        + outOfService
        + ", hooks="
        + hooks
        + ", windows="
        + windows
        + ", soakWatchInterval="
        + soakWatchInterval()
        + "]";
  }

  /** A builder with every default set except the drain deadline. Not thread-safe. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this policy's settings. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The budget resolved for a group of {@code groupSize} nodes. */
  @JsonIgnore
  public int budgetFor(int groupSize) {
    return budget.resolve(groupSize);
  }

  private static void requireNotNegative(int v, String name) {
    if (v < 0) {
      throw new IllegalArgumentException(name + " must be 0 or more, got " + v);
    }
  }

  private static void requireNotNegative(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative, got " + d);
    }
  }

  private static void requirePositive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be longer than zero, got " + d);
    }
  }

  /**
   * Builds a {@link Policy}; each setter validates eagerly. Not thread-safe. New settings arrive as
   * new setters with a default, so code that builds a policy keeps compiling and linking. Plans'
   * JSON is read through it too, so a setting missing from an older plan gets its default.
   */
  @JsonPOJOBuilder(withPrefix = "")
  public static final class Builder {
    private Budget budget = DEFAULT_BUDGET;
    private int canaries = DEFAULT_CANARIES;
    private Duration canarySoak = DEFAULT_CANARY_SOAK;
    private boolean approveCanaries;
    private Duration drainDeadline;
    private DrainTimeoutAction onDrainTimeout = DrainTimeoutAction.FAIL;
    private Duration settle = DEFAULT_SETTLE;
    private Duration healthDeadline = DEFAULT_HEALTH_DEADLINE;
    private List<Integer> trafficRamp = List.of();
    private Duration rampSoak = DEFAULT_RAMP_SOAK;
    private int trialTaskCap = DEFAULT_TRIAL_TASK_CAP;
    private boolean exclusiveTrial = true;
    private List<Integer> taskRamp = DEFAULT_TASK_RAMP;
    private boolean snapshots = true;
    private int failureThreshold;
    private FailureAction onFailure = FailureAction.ROLLBACK;
    private boolean allowDowntime;
    private boolean forceVersionSkew;
    private List<String> probes = List.of();
    private final Set<NodeId> only = new LinkedHashSet<>();
    private final Map<NodeId, Duration> durationHints = new LinkedHashMap<>();
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private Duration blockedTimeout = DEFAULT_BLOCKED_TIMEOUT;
    private Duration operationDeadline = DEFAULT_OPERATION_DEADLINE;
    private OutOfServiceAction outOfService = DEFAULT_OUT_OF_SERVICE;
    private final List<Hook> hooks = new java.util.ArrayList<>();
    private List<MaintenanceWindow> windows = List.of();
    private Duration soakWatchInterval = DEFAULT_SOAK_WATCH_INTERVAL;

    private Builder() {}

    private Builder(Policy p) {
      budget = p.budget;
      canaries = p.canaries;
      canarySoak = p.canarySoak;
      approveCanaries = p.approveCanaries;
      drainDeadline = p.drainDeadline;
      onDrainTimeout = p.onDrainTimeout;
      settle = p.settle;
      healthDeadline = p.healthDeadline;
      trafficRamp = p.trafficRamp;
      rampSoak = p.rampSoak;
      trialTaskCap = p.trialTaskCap;
      exclusiveTrial = p.exclusiveTrial;
      taskRamp = p.taskRamp;
      snapshots = p.snapshots;
      failureThreshold = p.failureThreshold;
      onFailure = p.onFailure;
      allowDowntime = p.allowDowntime;
      forceVersionSkew = p.forceVersionSkew;
      probes = p.probes;
      only.addAll(p.only);
      durationHints.putAll(p.durationHints);
      pollInterval = p.pollInterval;
      blockedTimeout = p.blockedTimeout;
      operationDeadline = p.operationDeadline;
      outOfService = p.outOfService;
      hooks.addAll(p.hooks);
      windows = p.windows;
      soakWatchInterval = p.soakWatchInterval();
    }

    /** Nodes of one role out of service at once; default {@link #DEFAULT_BUDGET}. */
    public Builder budget(Budget value) {
      budget = Objects.requireNonNull(value, "budget");
      return this;
    }

    /**
     * How many nodes go first, alone; default {@link #DEFAULT_CANARIES}. @throws
     * IllegalArgumentException if negative
     */
    public Builder canaries(int value) {
      requireNotNegative(value, "canaries");
      canaries = value;
      return this;
    }

    /**
     * How long canaries must stay healthy before the rest start; default {@link
     * #DEFAULT_CANARY_SOAK}.
     */
    public Builder canarySoak(Duration value) {
      requireNotNegative(value, "canarySoak");
      canarySoak = value;
      return this;
    }

    /** Whether an operator must approve after the canaries; default false. */
    public Builder approveCanaries(boolean value) {
      approveCanaries = value;
      return this;
    }

    /**
     * How long a drained node may take to finish its work. Required: there is no default, because
     * an unbounded drain is the most common cause of stuck rollouts.
     *
     * @throws IllegalArgumentException if not longer than zero
     */
    public Builder drainDeadline(Duration value) {
      requirePositive(value, "drainDeadline");
      drainDeadline = value;
      return this;
    }

    /** What to do when the drain deadline passes; default {@link DrainTimeoutAction#FAIL}. */
    public Builder onDrainTimeout(DrainTimeoutAction value) {
      onDrainTimeout = Objects.requireNonNull(value, "onDrainTimeout");
      return this;
    }

    /**
     * How long a node must stay healthy before it counts as done; default {@link #DEFAULT_SETTLE}.
     */
    public Builder settle(Duration value) {
      requireNotNegative(value, "settle");
      settle = value;
      return this;
    }

    /**
     * How long a started node may take to become healthy; default {@link #DEFAULT_HEALTH_DEADLINE}.
     */
    public Builder healthDeadline(Duration value) {
      requirePositive(value, "healthDeadline");
      healthDeadline = value;
      return this;
    }

    /**
     * Load-balancer weights, in percent of an equal share, a new node steps through, such as {@code
     * 10, 100}; default none (no load balancer is assumed).
     */
    public Builder trafficRamp(Integer... weights) {
      int last = 0;
      for (int w : weights) {
        if (w < 1 || w > 100) {
          throw new IllegalArgumentException(
              "trafficRamp weights are percents of an equal share, 1 to 100; got " + w);
        }
        if (w <= last) {
          throw new IllegalArgumentException(
              "trafficRamp weights must rise, such as 10, 50, 100; got "
                  + List.of(weights)
                  + ": "
                  + w
                  + " does not rise above "
                  + last);
        }
        last = w;
      }
      trafficRamp = List.of(weights);
      return this;
    }

    /** How long each ramp step must stay healthy; default {@link #DEFAULT_RAMP_SOAK}. */
    public Builder rampSoak(Duration value) {
      requireNotNegative(value, "rampSoak");
      rampSoak = value;
      return this;
    }

    /**
     * The task cap of a canary replacement's trial, 0 for none; default {@link
     * #DEFAULT_TRIAL_TASK_CAP}.
     */
    public Builder trialTaskCap(int value) {
      requireNotNegative(value, "trialTaskCap");
      trialTaskCap = value;
      return this;
    }

    /** Whether the other nodes take no new tasks during the trial; default true. */
    public Builder exclusiveTrial(boolean value) {
      exclusiveTrial = value;
      return this;
    }

    /**
     * Task caps a new node steps through before matching the old one; default {@link
     * #DEFAULT_TASK_RAMP}.
     */
    public Builder taskRamp(Integer... caps) {
      for (int c : caps) {
        requireNotNegative(c, "taskRamp entry");
      }
      taskRamp = List.of(caps);
      return this;
    }

    /** Whether to snapshot each host before changing it; default true. */
    public Builder snapshots(boolean value) {
      snapshots = value;
      return this;
    }

    /**
     * How many nodes may fail before the run stops; default 0. @throws IllegalArgumentException if
     * negative
     */
    public Builder failureThreshold(int value) {
      requireNotNegative(value, "failureThreshold");
      failureThreshold = value;
      return this;
    }

    /** What to do when the run stops for failures; default {@link FailureAction#ROLLBACK}. */
    public Builder onFailure(FailureAction value) {
      onFailure = Objects.requireNonNull(value, "onFailure");
      return this;
    }

    /**
     * Whether plans with planned downtime (single node, clone-and-migrate) may run; default false.
     */
    public Builder allowDowntime(boolean value) {
      allowDowntime = value;
      return this;
    }

    /**
     * Whether to allow product version moves outside the system's supported skew; default false.
     */
    public Builder forceVersionSkew(boolean value) {
      forceVersionSkew = value;
      return this;
    }

    /**
     * Names of the health probes (registered with the executor) that verify each node.
     *
     * @throws IllegalArgumentException if a name is given twice
     */
    public Builder probes(String... names) {
      requireDistinct(List.of(names), "probes");
      probes = List.of(names);
      return this;
    }

    /**
     * Upgrade only these nodes (the others are left alone); default all.
     *
     * @throws IllegalArgumentException if an id is given twice
     */
    public Builder only(String... nodeIds) {
      requireDistinct(List.of(nodeIds), "only");
      for (String id : nodeIds) {
        only.add(NodeId.of(id));
      }
      return this;
    }

    private static void requireDistinct(List<String> values, String setting) {
      Set<String> seen = new java.util.HashSet<>();
      for (String v : values) {
        if (!seen.add(v)) {
          throw new IllegalArgumentException(
              setting + "(...) names '" + v + "' twice: name each once");
        }
      }
    }

    /** How long {@code node} is expected to take, so that the longest nodes start first. */
    public Builder durationHint(String node, Duration expected) {
      requireNotNegative(expected, "durationHint");
      durationHints.put(NodeId.of(node), expected);
      return this;
    }

    /**
     * The longest the executor waits between observations; default {@link #DEFAULT_POLL_INTERVAL}.
     */
    public Builder pollInterval(Duration value) {
      requirePositive(value, "pollInterval");
      pollInterval = value;
      return this;
    }

    /**
     * How often a soak's probes are checked again while it lasts; default {@link
     * #DEFAULT_SOAK_WATCH_INTERVAL}.
     *
     * @throws IllegalArgumentException if not longer than zero
     */
    public Builder soakWatchInterval(Duration value) {
      requirePositive(value, "soakWatchInterval");
      soakWatchInterval = value;
      return this;
    }

    /**
     * How long nothing may be able to start before the run pauses; default {@link
     * #DEFAULT_BLOCKED_TIMEOUT}.
     */
    public Builder blockedTimeout(Duration value) {
      requirePositive(value, "blockedTimeout");
      blockedTimeout = value;
      return this;
    }

    /**
     * How long one host operation may run before its step fails, naming the operation; default
     * {@link #DEFAULT_OPERATION_DEADLINE}. An abort waits at most this long for an operation in
     * flight.
     *
     * @throws IllegalArgumentException if not longer than zero
     */
    public Builder operationDeadline(Duration value) {
      requirePositive(value, "operationDeadline");
      operationDeadline = value;
      return this;
    }

    /**
     * Runs the node hook named {@code name} (registered with the executor) at {@code point} of each
     * unit, for nodes of {@code roles} (none given: every role); it shows in the plan as a step.
     *
     * @throws IllegalArgumentException if the name is blank, or this hook is already placed at that
     *     point
     */
    public Builder hook(String name, HookPoint point, String... roles) {
      return place(name, point, null, roles);
    }

    /**
     * As {@link #hook(String, HookPoint, String...)}, with a step that fails once it has run for
     * {@code timeout} (instead of the operation deadline), such as a smoke test that must answer
     * within minutes.
     *
     * @throws IllegalArgumentException as the other, or if the timeout is not longer than zero
     */
    public Builder hook(String name, HookPoint point, Duration timeout, String... roles) {
      Objects.requireNonNull(timeout, "timeout");
      return place(name, point, timeout, roles);
    }

    private Builder place(String name, HookPoint point, Duration timeout, String... roles) {
      Set<Role> r = new TreeSet<>();
      for (String role : roles) {
        r.add(Role.of(role));
      }
      Hook h = new Hook(name, point, r, timeout);
      if (hooks.stream().anyMatch(o -> o.name().equals(name) && o.point() == point)) {
        throw new IllegalArgumentException(
            "hook '" + name + "' is already placed " + point + ": place it once");
      }
      hooks.add(h);
      return this;
    }

    @JsonProperty("durationHints")
    private Builder durationHints(Map<NodeId, Duration> hints) {
      hints.forEach((node, expected) -> durationHint(node.value(), expected));
      return this;
    }

    @JsonProperty("hooks")
    private Builder hooks(List<Hook> placed) {
      placed.forEach(
          h ->
              place(
                  h.name(),
                  h.point(),
                  h.timeout(),
                  h.roles().stream().map(Role::name).toArray(String[]::new)));
      return this;
    }

    /**
     * Start new nodes only while one of these windows is open, replacing any set before; with none
     * (the default), at any time. Nodes in flight when the last open window closes finish their
     * steps; the run then waits for the next opening without counting it toward {@link
     * #blockedTimeout}.
     *
     * @throws NullPointerException if a window is null
     * @throws IllegalArgumentException if a window is given twice
     */
    public Builder windows(MaintenanceWindow... value) {
      List<MaintenanceWindow> list = List.of(value);
      if (new java.util.HashSet<>(list).size() != list.size()) {
        throw new IllegalArgumentException(
            "windows(...) names a window twice " + list + ": name each once");
      }
      windows = list;
      return this;
    }

    /**
     * What to do with nodes out of service when the plan is made; default {@link
     * #DEFAULT_OUT_OF_SERVICE}.
     */
    public Builder outOfService(OutOfServiceAction value) {
      outOfService = Objects.requireNonNull(value, "outOfService");
      return this;
    }

    /**
     * The policy.
     *
     * @throws IllegalStateException if the drain deadline was not set, or settings contradict each
     *     other (an approval of canaries without canaries)
     */
    public Policy build() {
      if (drainDeadline == null) {
        throw new IllegalStateException(
            "drainDeadline is required: call drainDeadline(Duration.ofMinutes(30)) or similar; "
                + "there is no default because a drain that can wait forever stalls the whole upgrade");
      }
      if (approveCanaries && canaries == 0) {
        throw new IllegalStateException(
            "approveCanaries(true) asks for an approval after the canaries, but "
                + "canaries is 0: set canaries(1) or more, or approveCanaries(false)");
      }
      return new Policy(this);
    }
  }
}
