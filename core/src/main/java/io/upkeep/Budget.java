package io.upkeep;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How many nodes of a group may be out of service at once: a count, or a percentage of the group
 * rounded down (but at least one node). Immutable and thread-safe.
 *
 * @param amount the count or the percentage
 * @param percent whether {@code amount} is a percentage
 */
public record Budget(int amount, boolean percent) {

  /**
   * @throws IllegalArgumentException if the amount is below 1, or a percentage is above 100
   */
  public Budget {
    if (amount < 1) {
      throw new IllegalArgumentException(
          "a budget must allow at least one node out of service, got "
              + amount
              + (percent ? "%" : "")
              + "; to upgrade nothing, do not start a run");
    }
    if (percent && amount > 100) {
      throw new IllegalArgumentException(
          "a percentage budget must be at most 100%, got " + amount + "%");
    }
  }

  /** At most {@code count} nodes at once. */
  public static Budget ofNodes(int count) {
    return new Budget(count, false);
  }

  /** At most {@code percent}% of the group at once, rounded down, at least one. */
  public static Budget ofPercent(int percent) {
    return new Budget(percent, true);
  }

  /** Parses {@code "3"} or {@code "10%"}. */
  @JsonCreator
  public static Budget parse(String text) {
    String t = text.trim();
    try {
      return t.endsWith("%")
          ? ofPercent(Integer.parseInt(t.substring(0, t.length() - 1).trim()))
          : ofNodes(Integer.parseInt(t));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a budget: write a count such as 2 or a percentage such as 10%");
    }
  }

  /** How many nodes this allows in a group of {@code groupSize}. */
  public int resolve(int groupSize) {
    int n = percent ? (int) ((long) groupSize * amount / 100) : amount;
    return Math.max(1, Math.min(n, Math.max(groupSize, 1)));
  }

  @JsonValue
  @Override
  public String toString() {
    return percent ? amount + "%" : Integer.toString(amount);
  }
}
