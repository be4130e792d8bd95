package io.upkeep.octopus;

import java.util.Optional;

/**
 * An override of what Octopus nodes report about their operating system and .NET runtime ({@code
 * /api/serverstatus/system-info} on each node's own address), asked first on every observation:
 * your inventory, your cloud's API, or whatever your {@link io.upkeep.spi.HostPort} drives, when it
 * names them as your upgrade targets do and the nodes' own words do not. An upgrade can only be
 * verified (the executor waits until a node is "healthy on the target platform") if they are
 * observed as they change. Implementations must be thread-safe and fast: they are asked once per
 * node per observation.
 */
@FunctionalInterface
public interface HostPlatformLookup {

  /**
   * The platform the node named {@code nodeName} runs on now, or empty to fall back to the per-node
   * and default values of {@link OctopusConfig}.
   */
  Optional<HostPlatform> platformOf(String nodeName);
}
