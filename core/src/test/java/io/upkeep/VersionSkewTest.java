package io.upkeep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class VersionSkewTest {

  private static Version v(String text) {
    return Version.of(text);
  }

  @Nested
  class Downgrades {

    @Test
    void namesBothVersionsAndSaysDowngrade() {
      assertThat(new VersionSkew(1).violation(v("1.8.0"), v("1.7.3")))
          .contains("1.8.0", "1.7.3", "downgrade");
    }

    @Test
    void refusesADowngradeEvenWithAnyForwardMove() {
      assertThat(VersionSkew.ANY_FORWARD.violation(v("2024.2.1"), v("2024.1.9999")))
          .contains("downgrade");
    }

    @Test
    void treatsAMoveToAPreReleaseOfTheSameVersionAsADowngrade() {
      assertThat(VersionSkew.ANY_FORWARD.violation(v("1.8.0"), v("1.8.0-rc.1")))
          .contains("downgrade");
    }
  }

  @Nested
  class Window {

    @Test
    void allowsAMoveWithinTheWindow() {
      assertThat(new VersionSkew(1).violation(v("1.7.3"), v("1.8.0"))).isNull();
      assertThat(new VersionSkew(2).violation(v("1.6.0"), v("1.8.5"))).isNull();
    }

    @Test
    void allowsStayingOnTheSameRelease() {
      assertThat(new VersionSkew(1).violation(v("1.7.3"), v("1.7.3+ent"))).isNull();
    }

    @Test
    void allowsAPatchWithinTheSameMinor() {
      assertThat(new VersionSkew(1).violation(v("1.7.3"), v("1.7.9"))).isNull();
    }

    @Test
    void refusesMoreHopsThanTheWindowNamingTheCountAndTheLimit() {
      assertThat(new VersionSkew(1).violation(v("1.6.5"), v("1.8.0")))
          .contains("1.6.5", "1.8.0", "skips 2 minor releases", "supported 1");
    }

    @Test
    void refusesAMajorJumpSayingSo() {
      assertThat(new VersionSkew(3).violation(v("1.9.0"), v("2.0.0"))).contains("major release");
    }

    @Test
    void anyForwardAllowsAnyForwardMove() {
      assertThat(VersionSkew.ANY_FORWARD.violation(v("1.0.0"), v("9.4.2"))).isNull();
      assertThat(VersionSkew.ANY_FORWARD.violation(v("2023.1.1"), v("2024.4.7"))).isNull();
    }

    @Test
    void rejectsAWindowBelowOne() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> new VersionSkew(0))
          .withMessageContaining("maxMinorHops")
          .withMessageContaining("0");
    }
  }
}
