package io.upkeep.testkit.http.octopus;

import io.upkeep.testkit.http.nomad.FakeNomadServer;

/**
 * Breaks the rule that the vendor fakes stay apart, on purpose: the negative control of {@code
 * ArchitectureTest}.
 */
public final class UsesTheNomadFake {
  /** The Nomad fake, from the Octopus fake's package. */
  public static final Class<?> NOMAD = FakeNomadServer.class;

  private UsesTheNomadFake() {}
}
