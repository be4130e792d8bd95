package io.upkeep.octopus.internal;

import io.upkeep.NodeId;
import io.upkeep.octopus.TentacleReRegistration;
import io.upkeep.spi.NodeHook;
import io.upkeep.spi.OperationStatus;

/**
 * Runs the user's {@link TentacleReRegistration} once a clone is up and verified, as a step of the
 * plan: done once it reports every polling Tentacle re-registered with the clone; asked again,
 * until the policy's operation deadline, while it says not yet or throws.
 */
public final class TentacleHook implements NodeHook {

  /** The hook's name in policies and plans. */
  public static final String NAME = "octopus-polling-tentacles";

  private final String cloneSuffix;
  private final TentacleReRegistration reRegistration;

  public TentacleHook(String cloneSuffix, TentacleReRegistration reRegistration) {
    this.cloneSuffix = cloneSuffix;
    this.reRegistration = reRegistration;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public OperationStatus run(String requestId, NodeId clone) {
    String name = clone.value();
    if (!name.endsWith(cloneSuffix) || name.length() == cloneSuffix.length()) {
      return OperationStatus.failed(
          name
              + " is not a clone (its name does not end in "
              + cloneSuffix
              + "), so there is no source whose polling Tentacles should move to it");
    }
    NodeId source = NodeId.of(name.substring(0, name.length() - cloneSuffix.length()));
    try {
      return reRegistration.reRegister(source, clone)
          ? new OperationStatus(
              OperationStatus.State.SUCCEEDED,
              "polling Tentacles of " + source + " are re-registered with " + name)
          : new OperationStatus(
              OperationStatus.State.RUNNING,
              "polling Tentacles of "
                  + source
                  + " are not yet re-registered with "
                  + name
                  + "; asking again");
    } catch (RuntimeException e) {
      return new OperationStatus(
          OperationStatus.State.RUNNING,
          "re-registering the polling Tentacles of "
              + source
              + " with "
              + name
              + " failed: "
              + e
              + "; asking again");
    }
  }

  @Override
  public String toString() {
    return "TentacleHook[" + NAME + "]";
  }
}
