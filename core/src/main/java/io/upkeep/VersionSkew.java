package io.upkeep;

/**
 * The version moves a system supports: never a downgrade, and at most {@code maxMinorHops} minor
 * releases in one upgrade (Nomad supports one, and tolerates two untested). Immutable.
 *
 * @param maxMinorHops the widest supported jump in minor releases; 1 or more
 */
public record VersionSkew(int maxMinorHops) {

  /** Any forward move is allowed; downgrades still are not. */
  public static final VersionSkew ANY_FORWARD = new VersionSkew(Integer.MAX_VALUE);

  /**
   * @throws IllegalArgumentException if {@code maxMinorHops} is below 1
   */
  public VersionSkew {
    if (maxMinorHops < 1) {
      throw new IllegalArgumentException("maxMinorHops must be 1 or more, got " + maxMinorHops);
    }
  }

  /** Why moving from {@code from} to {@code to} is not supported, or {@code null} when it is. */
  public String violation(Version from, Version to) {
    if (from.isNewerThan(to)) {
      return "moving from " + from + " to " + to + " is a downgrade, which is not supported";
    }
    if (from.isSameRelease(to) || maxMinorHops == Integer.MAX_VALUE) {
      return null;
    }
    int hops = from.minorHopsTo(to);
    if (hops > maxMinorHops) {
      return "moving from "
          + from
          + " to "
          + to
          + " skips "
          + (hops == Integer.MAX_VALUE ? "a major release" : hops + " minor releases")
          + ", more than the supported "
          + maxMinorHops;
    }
    return null;
  }
}
