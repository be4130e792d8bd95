package io.upkeep;

import java.util.Objects;

/**
 * What a node runs on: its operating system, its runtime and the product itself. Immutable and
 * thread-safe.
 *
 * @param os operating system and its version as the operator writes it, e.g. {@code Windows Server
 *     2022}
 * @param runtime runtime the product needs, e.g. {@code .NET 8.0}; may be empty when not applicable
 * @param product the product's own version (Octopus Server, Nomad)
 */
public record Platform(String os, String runtime, Version product) {

  /**
   * @throws NullPointerException if any component is null
   */
  public Platform {
    Objects.requireNonNull(os, "os");
    Objects.requireNonNull(runtime, "runtime");
    Objects.requireNonNull(product, "product");
  }

  /** Returns a platform with {@code os}, {@code runtime} and a product version parsed from text. */
  public static Platform of(String os, String runtime, String product) {
    return new Platform(os, runtime, Version.of(product));
  }

  @Override
  public String toString() {
    return os + (runtime.isEmpty() ? "" : " / " + runtime) + " / " + product;
  }
}
