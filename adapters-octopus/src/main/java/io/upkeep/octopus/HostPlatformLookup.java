package io.upkeep.octopus;

import java.util.Optional;

/**
 * Where the adapter learns, on every observation, which operating system and .NET runtime an
 * Octopus node runs: your inventory, your cloud's API, or whatever your {@link io.upkeep.spi.HostPort}
 * drives. Octopus itself does not report them, and an upgrade can only be verified (the executor
 * waits until a node is "healthy on the target platform") if they are observed as they change.
 * Implementations must be thread-safe and fast: they are asked once per node per observation.
 */
@FunctionalInterface
public interface HostPlatformLookup {

  /**
   * The platform the node named {@code nodeName} runs on now, or empty to fall back to the
   * per-node and default values of {@link OctopusConfig}.
   */
  Optional<HostPlatform> platformOf(String nodeName);
}
