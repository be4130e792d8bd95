package io.upkeep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VersionTest {

  private static Version v(String text) {
    return Version.of(text);
  }

  @Nested
  class Parsing {

    @Test
    void keepsTheTextAsTheSystemReportedIt() {
      assertThat(v("2024.1.1234").text()).isEqualTo("2024.1.1234");
      assertThat(v("1.8.0-beta.1+ent").toString()).isEqualTo("1.8.0-beta.1+ent");
    }

    @Test
    void readsSegmentsMajorMinorAndQualifier() {
      Version version = v("1.8.2-rc.1+ent");

      assertThat(version.segments()).containsExactly(1, 8, 2);
      assertThat(version.major()).isEqualTo(1);
      assertThat(version.minor()).isEqualTo(8);
      assertThat(version.qualifier()).isEqualTo("rc.1");
    }

    @Test
    void acceptsALeadingVAsNomadWritesIt() {
      assertThat(v("v1.7.3").segments()).containsExactly(1, 7, 3);
      assertThat(v("v1.7.3").isSameRelease(v("1.7.3"))).isTrue();
    }

    @Test
    void treatsAMissingMinorAsZero() {
      assertThat(v("7").minor()).isZero();
    }

    @ParameterizedTest
    @ValueSource(
        strings = {"", " ", "latest", "1..2", "1.2.", ".1", "1.x", "1.2.3-", "1.2 .3", "one.two"})
    void rejectsTextThatIsNotAVersionWithAMessageNamingTheText(String text) {
      assertThatThrownBy(() -> Version.of(text))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + text + "'")
          .hasMessageContaining("1.7.3");
    }

    @Test
    void rejectsNullNamingTheParameter() {
      assertThatNullPointerException()
          .isThrownBy(() -> Version.of(null))
          .withMessageContaining("text");
    }

    @Test
    void eitherRejectsASegmentBeyondIntRangeAtParseOrOrdersItNumerically() {
      // A build-stamp version such as 20240101123456 fits the documented shape. Accepting it and
      // then failing with a bare NumberFormatException when the planner compares it would be the
      // one unacceptable outcome.
      Throwable parse = catchThrowable(() -> Version.of("20240101123456.1"));
      if (parse != null) {
        assertThat(parse)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("20240101123456.1");
        return;
      }
      assertThat(v("20240101123456.1")).isLessThan(v("20240101123457.1"));
    }
  }

  @Nested
  class Ordering {

    @Test
    void comparesSegmentsNumericallyNotAsText() {
      assertThat(v("1.10")).isGreaterThan(v("1.9"));
      assertThat(v("1.10.0").isNewerThan(v("1.9.9"))).isTrue();
    }

    @Test
    void ordersOctopusBuildNumbersBelowTheNextRelease() {
      assertThat(v("2024.1.1234")).isLessThan(v("2024.2"));
      assertThat(v("2024.2").isNewerThan(v("2024.1.1234"))).isTrue();
    }

    @Test
    void treatsMissingTrailingSegmentsAsZero() {
      assertThat(v("1.8")).isEqualByComparingTo(v("1.8.0"));
      assertThat(v("1.8").isSameRelease(v("1.8.0"))).isTrue();
    }

    @Test
    void ordersAPreReleaseBeforeItsRelease() {
      assertThat(v("1.8.0-beta.1")).isLessThan(v("1.8.0"));
      assertThat(v("1.8.0-rc.1")).isGreaterThan(v("1.7.9"));
      assertThat(v("1.8.0").isNewerThan(v("1.8.0-rc.1"))).isTrue();
    }

    @Test
    void ordersPreReleasesOfOneVersionByTheirQualifier() {
      assertThat(v("1.8.0-beta.1")).isLessThan(v("1.8.0-rc.1"));
      assertThat(v("1.8.0-rc.1")).isLessThan(v("1.8.0-rc.2"));
    }

    @Test
    void ordersNumericPreReleaseIdentifiersNumerically() {
      // rc.10 comes after rc.2 (as in semantic versioning), not before it as text would have it.
      assertThat(v("1.8.0-rc.10")).isGreaterThan(v("1.8.0-rc.2"));
    }

    @Test
    void ordersAnEmptyPreReleaseIdentifierAsTextNotAsANumber() {
      // Semantic versioning forbids "rc..1"; the shape admits it, so it must at least compare.
      assertThat(v("1.8.0-rc..1")).isGreaterThan(v("1.8.0-rc.2"));
      assertThat(v("1.8.0-rc.")).isGreaterThan(v("1.8.0-rc"));
    }

    @Test
    void sortsAMixedListIntoReleaseOrder() {
      List<Version> sorted =
          new ArrayList<>(
              List.of(v("1.10.0"), v("1.9.1"), v("1.9.1-rc.1"), v("2.0.0"), v("1.9"), v("1.2.3")));
      Collections.shuffle(sorted, new Random(7));
      Collections.sort(sorted);

      assertThat(sorted)
          .extracting(Version::text)
          .containsExactly("1.2.3", "1.9", "1.9.1-rc.1", "1.9.1", "1.10.0", "2.0.0");
    }
  }

  @Nested
  class Releases {

    @Test
    void isSameReleaseIgnoresBuildMetadata() {
      assertThat(v("1.7.3+ent").isSameRelease(v("1.7.3"))).isTrue();
      assertThat(v("1.7.3+ent")).isEqualByComparingTo(v("1.7.3+oss"));
    }

    @Test
    void isSameReleaseStillSeesThePreReleaseQualifier() {
      assertThat(v("1.8.0-rc.1").isSameRelease(v("1.8.0"))).isFalse();
      assertThat(v("1.8.0-rc.1+ent").isSameRelease(v("1.8.0-rc.1"))).isTrue();
    }

    @Test
    void isSameReleaseIsFalseForDifferentPatches() {
      assertThat(v("1.7.3").isSameRelease(v("1.7.4"))).isFalse();
    }

    @Test
    void versionsThatDifferOnlyInBuildMetadataAreStillDifferentValues() {
      assertThat(v("1.7.3+ent")).isNotEqualTo(v("1.7.3"));
    }
  }

  @Nested
  class MinorHops {

    @Test
    void countsMinorReleasesBetweenTwoVersions() {
      assertThat(v("1.6.5").minorHopsTo(v("1.8.0"))).isEqualTo(2);
      assertThat(v("1.7.3").minorHopsTo(v("1.8.0"))).isEqualTo(1);
    }

    @Test
    void countsAPatchWithinTheSameMinorAsZeroHops() {
      assertThat(v("1.7.3").minorHopsTo(v("1.7.9"))).isZero();
    }

    @Test
    void countsAMajorChangeAsOutsideAnyWindow() {
      assertThat(v("1.9.0").minorHopsTo(v("2.0.0"))).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void countsBackwardsMovesAsNegative() {
      assertThat(v("1.8.0").minorHopsTo(v("1.6.0"))).isEqualTo(-2);
      assertThat(v("2.0.0").minorHopsTo(v("1.9.0"))).isNegative();
    }
  }
}
