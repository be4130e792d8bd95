package io.upkeep.nomad;

import io.upkeep.Node;
import io.upkeep.spi.HealthProbe;
import java.util.Objects;

/**
 * The health gate Nomad's upgrade guide asks for after each server, named {@value #NAME}: the
 * server has rejoined (its gossip status is {@code alive}), autopilot reports it and the whole
 * region healthy with the failure tolerance back to what its voters allow, and its raft {@code
 * last_log_index} is within {@code maxTrailingLogs} of the leader's. Clients pass it as not
 * applicable. Get one from {@link NomadClusterPort#raftHealthProbe()}, register it with the
 * executor and name it in the policy ({@link NomadProcedures#policy} does). Never throws for an
 * unhealthy server: an unreachable API is a failed check. Thread-safe.
 */
public final class NomadServerHealthProbe implements HealthProbe {

  /** The name policies use for this probe. */
  public static final String NAME = "nomad-raft";

  private final NomadClusterPort port;
  private final long maxTrailingLogs;

  NomadServerHealthProbe(NomadClusterPort port, long maxTrailingLogs) {
    this.port = Objects.requireNonNull(port, "port");
    this.maxTrailingLogs = maxTrailingLogs;
  }

  /** {@value #NAME}. */
  @Override
  public String name() {
    return NAME;
  }

  /** Checks {@code node} as the class description says. */
  @Override
  public ProbeResult check(Node node) {
    return port.raftGate(Objects.requireNonNull(node, "node"), maxTrailingLogs);
  }

  @Override
  public String toString() {
    return "NomadServerHealthProbe[" + NAME + ", max trailing logs " + maxTrailingLogs + "]";
  }
}
