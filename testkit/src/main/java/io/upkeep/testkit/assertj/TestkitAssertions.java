package io.upkeep.testkit.assertj;

import io.upkeep.testkit.FakeCluster;

/**
 * Entry point of the testkit's AssertJ assertions; import {@code assertThat} statically next to
 * AssertJ's own. Thread-safe.
 */
public final class TestkitAssertions {

  private TestkitAssertions() {}

  /** Assertions about {@code actual}. */
  public static FakeClusterAssert assertThat(FakeCluster actual) {
    return new FakeClusterAssert(actual);
  }
}
