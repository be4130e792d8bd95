package io.upkeep.testkit;

import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.spi.HealthProbe;
import io.upkeep.spi.TimeSource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link HealthProbe} whose verdict per node follows a script in virtual time: it fails a node
 * while the time source is inside one of the windows scripted for that node, and passes otherwise,
 * so a test can make a probe fail and then heal (or never heal). Nodes may be scripted before they
 * exist, such as a replacement still to be provisioned.
 *
 * <pre>{@code
 * ScriptedProbe smoke = ScriptedProbe.builder("smoke", cluster.clock())
 *     .failsBetween(NodeId.of("octo-2"), start.plus(Duration.ofMinutes(20)), start.plus(Duration.ofMinutes(35)))
 *     .build();
 * UpgradeExecutor.builder().probe(smoke)...
 * }</pre>
 *
 * <p>Immutable once built, apart from its check counter; thread-safe.
 */
public final class ScriptedProbe implements HealthProbe {

  private final String name;
  private final TimeSource time;
  private final Map<NodeId, List<Window>> script;
  private final AtomicLong checks = new AtomicLong();

  private ScriptedProbe(Builder b) {
    this.name = b.name;
    this.time = b.time;
    Map<NodeId, List<Window>> copy = new LinkedHashMap<>();
    b.script.forEach((node, windows) -> copy.put(node, List.copyOf(windows)));
    this.script = Map.copyOf(copy);
  }

  /**
   * A builder for a probe called {@code name} that reads the time from {@code time}, and passes
   * every node until told otherwise. Not thread-safe.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public static Builder builder(String name, TimeSource time) {
    return new Builder(name, time);
  }

  /** The name policies refer to this probe by. */
  @Override
  public String name() {
    return name;
  }

  /** Fails {@code node} if now is inside one of its scripted windows, else passes it. */
  @Override
  public ProbeResult check(Node node) {
    checks.incrementAndGet();
    Instant now = time.now();
    for (Window w : script.getOrDefault(node.id(), List.of())) {
      if (w.covers(now)) {
        return ProbeResult.fail(
            name
                + " fails on "
                + node.id()
                + " (scripted "
                + (w.until().equals(Instant.MAX)
                    ? "from " + w.from() + ", never heals"
                    : w.from() + " to " + w.until())
                + ")");
      }
    }
    return ProbeResult.pass(name + " passes on " + node.id());
  }

  /** How many checks have been made, of any node. */
  public long checks() {
    return checks.get();
  }

  /** The windows in which each scripted node fails. */
  public Map<NodeId, List<Window>> script() {
    return script;
  }

  @Override
  public String toString() {
    return "ScriptedProbe[" + name + ", " + script + "]";
  }

  /**
   * A span of virtual time in which a node fails the probe: from {@code from}, inclusive, until
   * {@code until}, exclusive; {@link Instant#MAX} for a failure that never heals. Immutable.
   *
   * @param from when the failure starts
   * @param until when it heals
   */
  public record Window(Instant from, Instant until) {
    /**
     * @throws NullPointerException if a reference is null
     * @throws IllegalArgumentException if {@code until} is not after {@code from}
     */
    public Window {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(until, "until");
      if (!until.isAfter(from)) {
        throw new IllegalArgumentException(
            "a failure window must end after it starts, got " + from + " to " + until);
      }
    }

    /** Whether {@code t} is inside the window. */
    public boolean covers(Instant t) {
      return !t.isBefore(from) && t.isBefore(until);
    }
  }

  /** Builds a {@link ScriptedProbe}. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private final TimeSource time;
    private final Map<NodeId, List<Window>> script = new LinkedHashMap<>();

    private Builder(String name, TimeSource time) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("a probe needs a name: policies refer to it by name");
      }
      this.name = name;
      this.time = Objects.requireNonNull(time, "time");
    }

    /**
     * Makes {@code node} fail the probe from {@code from} until {@code until}, then pass again.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code until} is not after {@code from}
     */
    public Builder failsBetween(NodeId node, Instant from, Instant until) {
      Objects.requireNonNull(node, "node");
      script.computeIfAbsent(node, n -> new ArrayList<>()).add(new Window(from, until));
      return this;
    }

    /**
     * Makes {@code node} fail the probe from {@code from} on, for good.
     *
     * @throws NullPointerException if an argument is null
     */
    public Builder failsFrom(NodeId node, Instant from) {
      return failsBetween(node, from, Instant.MAX);
    }

    /** The probe. */
    public ScriptedProbe build() {
      return new ScriptedProbe(this);
    }
  }
}
