package io.upkeep;

import java.time.Duration;

/** Formats durations for people: {@code 1h 05m}, {@code 4m 10s}, {@code 250ms}. */
public final class Durations {
  private Durations() {}

  /** {@code d} in the largest two units that matter. */
  public static String format(Duration d) {
    long s = d.toSeconds();
    if (s == 0) {
      return d.toMillis() + "ms";
    }
    long days = s / 86_400;
    long h = (s % 86_400) / 3600;
    long m = (s % 3600) / 60;
    long sec = s % 60;
    if (days > 0) {
      return days + "d " + twoDigits(h) + "h";
    }
    if (h > 0) {
      return h + "h " + twoDigits(m) + "m";
    }
    if (m > 0) {
      return m + "m " + twoDigits(sec) + "s";
    }
    return sec + "s";
  }

  // Not String.format: every event's description formats durations, and the formatter cost a
  // few percent of a run.
  private static String twoDigits(long n) {
    return n < 10 ? "0" + n : Long.toString(n);
  }
}
