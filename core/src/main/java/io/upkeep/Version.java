package io.upkeep;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A dotted product or platform version such as {@code 1.7.3}, {@code 2024.1.1234} or {@code
 * 1.8.0-beta.1}, ordered numerically segment by segment. A version with a pre-release qualifier
 * orders before the same version without one. Build metadata after {@code +} is kept in the text
 * but ignored for ordering. Immutable and thread-safe.
 *
 * @param text the version as the system reports it
 */
public record Version(@JsonValue String text) implements Comparable<Version> {

  private static final Pattern SHAPE =
      Pattern.compile("v?\\d{1,9}(\\.\\d{1,9})*([-][0-9A-Za-z.-]+)?([+][0-9A-Za-z.-]+)?");

  /**
   * @throws NullPointerException if {@code text} is null
   * @throws IllegalArgumentException if {@code text} is not a dotted numeric version
   */
  public Version {
    Objects.requireNonNull(text, "text");
    if (!SHAPE.matcher(text).matches()) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not a version: expected dotted numbers of at most 9 digits each, such as 1.7.3 or 2024.1.1234");
    }
  }

  /** Parses {@code text}; see the constructor for what is accepted. */
  @JsonCreator
  public static Version of(String text) {
    return new Version(text);
  }

  /** The numeric segments, for example {@code [1, 7, 3]}. */
  public List<Integer> segments() {
    String core = stripQualifier(text);
    List<Integer> out = new ArrayList<>();
    for (String part : core.split("\\.", -1)) {
      out.add(Integer.parseInt(part));
    }
    return out;
  }

  /** The first segment. */
  public int major() {
    return segments().get(0);
  }

  /** The second segment, or 0 when there is none. */
  public int minor() {
    List<Integer> s = segments();
    return s.size() > 1 ? s.get(1) : 0;
  }

  /** The pre-release qualifier after {@code -}, or an empty string. */
  public String qualifier() {
    String noBuild = text.split("\\+", 2)[0];
    int dash = noBuild.indexOf('-');
    return dash < 0 ? "" : noBuild.substring(dash + 1);
  }

  /**
   * How many minor releases {@code newer} is ahead of this version: {@code 1.6.x -> 1.8.y} is 2. A
   * change of the first segment counts as {@link Integer#MAX_VALUE}: outside any skew window.
   */
  public int minorHopsTo(Version newer) {
    if (newer.major() != major()) {
      return newer.major() > major() ? Integer.MAX_VALUE : -Integer.MAX_VALUE;
    }
    return newer.minor() - minor();
  }

  /** Whether this version orders after {@code other}. */
  public boolean isNewerThan(Version other) {
    return compareTo(other) > 0;
  }

  @Override
  public int compareTo(Version other) {
    List<Integer> a = segments();
    List<Integer> b = other.segments();
    for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
      int x = i < a.size() ? a.get(i) : 0;
      int y = i < b.size() ? b.get(i) : 0;
      if (x != y) {
        return Integer.compare(x, y);
      }
    }
    String qa = qualifier();
    String qb = other.qualifier();
    if (qa.isEmpty() || qb.isEmpty()) {
      return Boolean.compare(qa.isEmpty(), qb.isEmpty());
    }
    return comparePreRelease(qa, qb);
  }

  /**
   * Dot-separated identifiers, numeric ones numerically and before alphanumeric ones (as SemVer).
   */
  private static int comparePreRelease(String a, String b) {
    String[] x = a.split("\\.", -1);
    String[] y = b.split("\\.", -1);
    for (int i = 0; i < Math.min(x.length, y.length); i++) {
      boolean nx = numeric(x[i]);
      boolean ny = numeric(y[i]);
      int c;
      if (nx && ny) {
        c = Long.compare(Long.parseLong(x[i]), Long.parseLong(y[i]));
      } else if (nx != ny) {
        c = nx ? -1 : 1;
      } else {
        c = x[i].compareTo(y[i]);
      }
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(x.length, y.length);
  }

  /**
   * A numeric identifier: digits, at least one (an empty identifier, as in {@code rc..1}, is not).
   */
  private static boolean numeric(String identifier) {
    return !identifier.isEmpty() && identifier.chars().allMatch(Character::isDigit);
  }

  /** Two versions are the same release when neither orders before the other. */
  public boolean isSameRelease(Version other) {
    return compareTo(other) == 0;
  }

  private static String stripQualifier(String text) {
    String s = text.startsWith("v") ? text.substring(1) : text;
    int cut = s.length();
    for (char c : new char[] {'-', '+'}) {
      int i = s.indexOf(c);
      if (i >= 0) {
        cut = Math.min(cut, i);
      }
    }
    return s.substring(0, cut);
  }

  @Override
  public String toString() {
    return text;
  }
}
