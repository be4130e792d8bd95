package io.upkeep.octopus;

import java.util.Objects;

/**
 * The operating system and .NET runtime under one Octopus Server node. Each node reports them on
 * its own address in {@code /api/serverstatus/system-info} ({@code OSVersion}, {@code ClrVersion}),
 * where the adapter reads them; {@link OctopusConfig} may override them (per-node values, a live
 * {@link HostPlatformLookup}) or give a default for nodes without an own address. Immutable and
 * thread-safe.
 *
 * @param os the operating system as you write it in upgrade targets, e.g. {@code Windows Server
 *     2022}
 * @param runtime the .NET runtime as you write it in upgrade targets, e.g. {@code .NET 8.0}; may be
 *     empty
 */
public record HostPlatform(String os, String runtime) {

  /** What a node has when nothing is configured: an unknown OS and no runtime. */
  public static final HostPlatform UNKNOWN = new HostPlatform("unknown", "");

  /**
   * @throws NullPointerException if a component is null
   * @throws IllegalArgumentException if {@code os} is blank
   */
  public HostPlatform {
    Objects.requireNonNull(os, "os");
    Objects.requireNonNull(runtime, "runtime");
    if (os.isBlank()) {
      throw new IllegalArgumentException(
          "a host platform needs an operating system name, such as Windows Server 2022");
    }
  }

  /** The platform {@code os} with {@code runtime}; see the constructor for validation. */
  public static HostPlatform of(String os, String runtime) {
    return new HostPlatform(os, runtime);
  }
}
