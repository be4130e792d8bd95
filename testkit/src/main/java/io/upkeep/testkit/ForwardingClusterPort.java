package io.upkeep.testkit;

import io.upkeep.ClusterSnapshot;
import io.upkeep.Constraints;
import io.upkeep.NodeId;
import io.upkeep.TaskCap;
import io.upkeep.spi.ClusterPort;
import io.upkeep.spi.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link ClusterPort} that forwards every call to another, in the manner of Guava's {@code
 * Forwarding*} classes: extend it and override only the calls a test changes, such as an {@link
 * #observe()} that fails for a while, or one that lies to prove a checker catches it. Thread-safe
 * if the delegate is and the subclass keeps it so.
 */
public abstract class ForwardingClusterPort implements ClusterPort {

  private final ClusterPort delegate;

  /**
   * Forwards to {@code delegate}.
   *
   * @throws NullPointerException if {@code delegate} is null
   */
  protected ForwardingClusterPort(ClusterPort delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** The port calls are forwarded to. */
  protected final ClusterPort delegate() {
    return delegate;
  }

  @Override
  public ClusterSnapshot observe() {
    return delegate.observe();
  }

  @Override
  public Constraints constraints() {
    return delegate.constraints();
  }

  @Override
  public void setTaskCap(NodeId node, TaskCap cap) {
    delegate.setTaskCap(node, cap);
  }

  @Override
  public void drain(NodeId node, Instant deadline) {
    delegate.drain(node, deadline);
  }

  @Override
  public void undrain(NodeId node) {
    delegate.undrain(node);
  }

  @Override
  public void setMaintenanceMode(boolean on) {
    delegate.setMaintenanceMode(on);
  }

  @Override
  public int runningWork(NodeId node) {
    return delegate.runningWork(node);
  }

  @Override
  public int cancelWork(NodeId node) {
    return delegate.cancelWork(node);
  }

  @Override
  public void removeMember(NodeId node) {
    delegate.removeMember(node);
  }

  @Override
  public boolean awaitChange(ClusterSnapshot since, Duration maxWait) {
    return delegate.awaitChange(since, maxWait);
  }

  @Override
  public Optional<TimeSource> time() {
    return delegate.time();
  }

  @Override
  public long requestsSent() {
    return delegate.requestsSent();
  }
}
