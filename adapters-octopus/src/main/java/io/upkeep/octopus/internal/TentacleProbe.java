package io.upkeep.octopus.internal;

import io.upkeep.Node;
import io.upkeep.NodeId;
import io.upkeep.octopus.TentacleReRegistration;
import io.upkeep.spi.HealthProbe;

/**
 * Runs the user's {@link TentacleReRegistration} while a clone is verified: passes once it reports
 * every polling Tentacle re-registered with the clone.
 */
public final class TentacleProbe implements HealthProbe {

  /** The probe's name in policies. */
  public static final String NAME = "octopus-polling-tentacles";

  private final String cloneSuffix;
  private final TentacleReRegistration hook;

  public TentacleProbe(String cloneSuffix, TentacleReRegistration hook) {
    this.cloneSuffix = cloneSuffix;
    this.hook = hook;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public ProbeResult check(Node node) {
    String clone = node.id().value();
    if (!clone.endsWith(cloneSuffix) || clone.length() == cloneSuffix.length()) {
      return ProbeResult.fail(clone + " is not a clone (its name does not end in " + cloneSuffix
          + "), so there is no source whose polling Tentacles should move to it");
    }
    NodeId source = NodeId.of(clone.substring(0, clone.length() - cloneSuffix.length()));
    try {
      return hook.reRegister(source, node.id())
          ? ProbeResult.pass("polling Tentacles of " + source + " are re-registered with " + clone)
          : ProbeResult.fail("polling Tentacles of " + source + " are not yet re-registered with " + clone
              + "; asking again at the next check");
    } catch (RuntimeException e) {
      return ProbeResult.fail("re-registering the polling Tentacles of " + source + " with " + clone + " failed: " + e);
    }
  }

  @Override
  public String toString() {
    return "TentacleProbe[" + NAME + "]";
  }
}
