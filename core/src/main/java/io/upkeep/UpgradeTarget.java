package io.upkeep;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;
import java.util.Optional;

/**
 * Where an upgrade takes each node: a new operating system, a new runtime, a new product version,
 * or any mix of them. A component left empty stays as it is. Immutable and thread-safe.
 *
 * @param os the operating system to move to, if it changes
 * @param runtime the runtime to move to, if it changes
 * @param product the product version to move to, if it changes
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record UpgradeTarget(
    Optional<String> os, Optional<String> runtime, Optional<Version> product) {

  /**
   * @throws NullPointerException if any component is null
   * @throws IllegalArgumentException if nothing changes
   */
  public UpgradeTarget {
    Objects.requireNonNull(os, "os");
    Objects.requireNonNull(runtime, "runtime");
    Objects.requireNonNull(product, "product");
    if (os.isEmpty() && runtime.isEmpty() && product.isEmpty()) {
      throw new IllegalArgumentException(
          "an upgrade target must change something: set os, runtime or product");
    }
  }

  /** A target that moves the operating system to {@code os}. */
  public static UpgradeTarget os(String os) {
    return new UpgradeTarget(Optional.of(os), Optional.empty(), Optional.empty());
  }

  /** A target that moves the runtime (for example .NET) to {@code runtime}. */
  public static UpgradeTarget runtime(String runtime) {
    return new UpgradeTarget(Optional.empty(), Optional.of(runtime), Optional.empty());
  }

  /** A target that moves the product to version {@code version}. */
  public static UpgradeTarget product(String version) {
    return new UpgradeTarget(Optional.empty(), Optional.empty(), Optional.of(Version.of(version)));
  }

  /** This target with the runtime also moved to {@code newRuntime}. */
  public UpgradeTarget andRuntime(String newRuntime) {
    return new UpgradeTarget(os, Optional.of(newRuntime), product);
  }

  /** This target with the product also moved to {@code version}. */
  public UpgradeTarget andProduct(String version) {
    return new UpgradeTarget(os, runtime, Optional.of(Version.of(version)));
  }

  /** The platform a node on {@code current} has after this upgrade. */
  public Platform applyTo(Platform current) {
    return new Platform(
        os.orElse(current.os()),
        runtime.orElse(current.runtime()),
        product.orElse(current.product()));
  }

  /** Whether a node on {@code platform} already has everything this target asks for. */
  public boolean isMetBy(Platform platform) {
    return applyTo(platform).equals(platform);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    os.ifPresent(o -> sb.append("os ").append(o));
    runtime.ifPresent(r -> sb.append(sb.length() > 0 ? ", " : "").append("runtime ").append(r));
    product.ifPresent(p -> sb.append(sb.length() > 0 ? ", " : "").append("product ").append(p));
    return sb.toString();
  }
}
