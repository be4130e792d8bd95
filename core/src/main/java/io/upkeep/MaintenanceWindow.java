package io.upkeep;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.field.CronField;
import com.cronutils.model.field.CronFieldName;
import com.cronutils.model.field.expression.Always;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A recurring span of time in which an upgrade may start new nodes: it opens at every time a Quartz
 * cron expression names, read on the wall clock of a time zone, and stays open for a wall-clock
 * length. {@link #weekly} makes the common "Tuesday and Thursday, 22:00 to 02:00" kind; {@link
 * #cron} takes any Quartz expression, such as {@code 0 0 22 ? * TUE#2} for "the second Tuesday of
 * every month, at 22:00". The calendar rules are cron-utils'; Upkeep adds none of its own.
 *
 * <p>Each opening is {@code [start, start + length)} in local time: open at the instant it starts,
 * closed at the instant it ends. Daylight saving time is resolved by java.time on the window's
 * zone: a start or an end that falls in the hour the clocks skip happens when the clocks jump (a
 * 02:00 to 04:00 window on a spring-forward night at 02:00 is open from 03:00 to 04:00); one that
 * falls in the hour the clocks repeat happens the first time the clock shows it (java.time's
 * earlier offset), so a window over a fall-back change is an hour longer than on other nights.
 *
 * <p>In JSON (a plan's policy) a window is its three fields, {@code {"zone":"Europe/Berlin",
 * "cron":"0 0 22 ? * TUE#2","length":"PT4H"}}; a weekly window is stored as the cron it is
 * equivalent to, so there is one shape to read.
 *
 * <p>Immutable and thread-safe; equal when the cron text, the length and the zone are.
 */
@JsonPropertyOrder({"zone", "cron", "length"})
public final class MaintenanceWindow {

  /**
   * Where the validation looks for the shortest time between two openings: a year of local time
   * from here (a leap year), or this many openings, whichever ends first. cron-utils takes a
   * fraction of a millisecond per opening, and a rule's shortest gap shows within a year.
   */
  private static final LocalDateTime SCAN_FROM = LocalDateTime.of(2024, 1, 1, 0, 0);

  private static final int SCAN_OPENINGS = 1_000;

  /**
   * A bound on openings merged into one span; windows shorter than their period need one or two.
   */
  private static final int MERGE_LIMIT = 1_000;

  private final String cron;
  private final Duration length;
  private final ZoneId zone;
  private final ExecutionTime openings;

  private MaintenanceWindow(String cron, Duration length, ZoneId zone, ExecutionTime openings) {
    this.cron = cron;
    this.length = length;
    this.zone = zone;
    this.openings = openings;
  }

  /**
   * A window on {@code days}, from {@code start} to {@code end} on the wall clock of {@code zone};
   * an {@code end} at or before {@code start} means the window runs past midnight into the next day
   * (22:00 to 02:00). The days are the days it <em>opens</em> on. Equivalent to {@code cron("0 M H
   * ? * DAYS", end - start, zone)}, which is how it is stored and printed.
   *
   * @param zone the time zone whose wall clock the times are read on
   * @param start when it opens, in whole seconds
   * @param end when it closes, in whole seconds
   * @param days the days it opens on, at least one
   * @return the window
   * @throws NullPointerException if an argument or a day is null
   * @throws IllegalArgumentException if no day is given, start equals end, or a time has a fraction
   *     of a second
   */
  public static MaintenanceWindow weekly(
      ZoneId zone, LocalTime start, LocalTime end, DayOfWeek... days) {
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(end, "end");
    Objects.requireNonNull(days, "days");
    if (days.length == 0) {
      throw new IllegalArgumentException(
          "days: a weekly maintenance window needs at least one day it opens on, "
              + "such as DayOfWeek.TUESDAY");
    }
    Set<DayOfWeek> on = EnumSet.noneOf(DayOfWeek.class);
    for (DayOfWeek d : days) {
      on.add(Objects.requireNonNull(d, "days"));
    }
    requireWholeSeconds(start, "start");
    requireWholeSeconds(end, "end");
    if (start.equals(end)) {
      throw new IllegalArgumentException(
          "start and end are both "
              + start
              + ": a window from a time to the same time is empty; "
              + "for whole days use cron(\"0 0 0 ? * MON-FRI\", Duration.ofDays(1), zone) or similar");
    }
    Duration length = Duration.between(start, end);
    if (length.isNegative()) {
      length = length.plusDays(1);
    }
    String dayList =
        on.stream()
            .map(d -> d.name().substring(0, 3))
            .collect(Collectors.joining(",")); // EnumSet iterates Monday first
    String expression =
        start.getSecond() + " " + start.getMinute() + " " + start.getHour() + " ? * " + dayList;
    return create(expression, length, zone);
  }

  /**
   * A window that opens at every time the Quartz cron expression {@code quartzCron} names on the
   * wall clock of {@code zone}, and stays open for {@code length} of wall-clock time. The
   * expression has six fields, {@code second minute hour day-of-month month day-of-week}, with
   * {@code ?} in one of the two day fields: {@code 0 0 22 ? * TUE#2} is "22:00 on the second
   * Tuesday of the month", {@code 0 0 1 L * ?} "01:00 on the last day of the month", {@code 0 30 23
   * ? * SAT} "Saturdays at 23:30". A year field is refused: a maintenance window recurs.
   *
   * @param quartzCron when it opens
   * @param length how long it stays open each time: longer than zero, and no longer than the
   *     shortest time between two openings (windows of one rule never overlap)
   * @param zone the time zone whose wall clock the expression is read on
   * @return the window
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the expression is blank, cannot be parsed, has a year, or
   *     never opens; or the length is not longer than zero, or longer than the time between two
   *     openings
   */
  public static MaintenanceWindow cron(String quartzCron, Duration length, ZoneId zone) {
    Objects.requireNonNull(quartzCron, "quartzCron");
    Objects.requireNonNull(length, "length");
    Objects.requireNonNull(zone, "zone");
    return create(quartzCron, length, zone);
  }

  @JsonCreator
  static MaintenanceWindow fromJson(
      @JsonProperty("zone") String zone,
      @JsonProperty("cron") String cron,
      @JsonProperty("length") Duration length) {
    if (zone == null || cron == null || length == null) {
      throw new IllegalArgumentException(
          "a maintenance window needs \"zone\", \"cron\" and \"length\", such as "
              + "{\"zone\":\"Europe/Berlin\",\"cron\":\"0 0 22 ? * TUE#2\",\"length\":\"PT4H\"}");
    }
    return create(cron, length, zoneOf(zone));
  }

  private static ZoneId zoneOf(String zone) {
    try {
      return ZoneId.of(zone);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(
          "zone '"
              + zone
              + "' is not a time zone java.time knows: use a region id such as Europe/Berlin or "
              + "America/New_York (an offset such as +01:00 has no daylight saving time)",
          e);
    }
  }

  private static void requireWholeSeconds(LocalTime t, String name) {
    if (!t.truncatedTo(ChronoUnit.SECONDS).equals(t)) {
      throw new IllegalArgumentException(
          name + " " + t + " has a fraction of a second: windows are set in whole seconds");
    }
  }

  private static MaintenanceWindow create(String text, Duration length, ZoneId zone) {
    String expression = text.trim().replaceAll("\\s+", " ");
    if (expression.isEmpty()) {
      throw new IllegalArgumentException(
          "cron is blank: give a Quartz expression such as \"0 0 22 ? * TUE#2\" "
              + "(22:00 on the second Tuesday of the month)");
    }
    Cron parsed;
    try {
      parsed =
          new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.QUARTZ))
              .parse(expression)
              .validate();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "cron '"
              + expression
              + "' is not a Quartz expression ("
              + e.getMessage()
              + "): give six fields, second minute hour day-of-month month day-of-week, "
              + "with ? in one day field, such as \"0 0 22 ? * TUE#2\"",
          e);
    }
    CronField year = parsed.retrieve(CronFieldName.YEAR);
    if (year != null && !(year.getExpression() instanceof Always)) {
      throw new IllegalArgumentException(
          "cron '"
              + expression
              + "' names a year: a maintenance window recurs, so leave the year field out");
    }
    if (length.isNegative() || length.isZero()) {
      throw new IllegalArgumentException(
          "length must be longer than zero, got "
              + length
              + ": give how long the window stays open each time, such as Duration.ofHours(4)");
    }
    ExecutionTime openings = ExecutionTime.forCron(parsed);
    Duration period = shortestPeriod(expression, openings);
    if (length.compareTo(period) > 0) {
      throw new IllegalArgumentException(
          "length "
              + Durations.format(length)
              + " is longer than the "
              + Durations.format(period)
              + " between two openings of cron '"
              + expression
              + "', so the window would overlap itself: make it at most "
              + Durations.format(period)
              + ", or add a second window");
    }
    return new MaintenanceWindow(expression, length, zone, openings);
  }

  /**
   * The shortest time between two consecutive openings, in local time (so daylight saving time
   * plays no part), over a sample of a year.
   */
  private static Duration shortestPeriod(String expression, ExecutionTime openings) {
    ZonedDateTime end = SCAN_FROM.plusYears(1).atZone(ZoneOffset.UTC);
    Optional<ZonedDateTime> first = openings.nextExecution(SCAN_FROM.atZone(ZoneOffset.UTC));
    if (first.isEmpty()) {
      throw new IllegalArgumentException(
          "cron '" + expression + "' never opens (a day that does not exist?): check the fields");
    }
    Duration shortest = null;
    ZonedDateTime previous = first.get();
    // At least one gap, however rare the rule (February 29th: four years).
    for (int i = 0; i < SCAN_OPENINGS && (shortest == null || previous.isBefore(end)); i++) {
      Optional<ZonedDateTime> next = openings.nextExecution(previous);
      if (next.isEmpty()) {
        break;
      }
      Duration gap = Duration.between(previous, next.get());
      if (shortest == null || gap.compareTo(shortest) < 0) {
        shortest = gap;
      }
      previous = next.get();
    }
    if (shortest == null) {
      throw new IllegalArgumentException(
          "cron '"
              + expression
              + "' opens only once: a maintenance window recurs; check the fields");
    }
    return shortest;
  }

  /** The Quartz cron expression that names the openings, with its whitespace normalised. */
  @JsonProperty("cron")
  public String cron() {
    return cron;
  }

  /** How long the window stays open each time, in wall-clock time. */
  @JsonProperty("length")
  public Duration length() {
    return length;
  }

  /** The time zone whose wall clock the expression and the length are read on. */
  @JsonProperty("zone")
  public ZoneId zone() {
    return zone;
  }

  /**
   * Whether the window is open at {@code at}: at or after an opening's start, and before its end.
   *
   * @throws NullPointerException if {@code at} is null
   */
  public boolean isOpen(Instant at) {
    Objects.requireNonNull(at, "at");
    return end(latestStart(at)).isAfter(at);
  }

  /**
   * When the window is next open: {@code at} itself if it is open then, else the start of the next
   * opening.
   *
   * @throws NullPointerException if {@code at} is null
   */
  public Instant nextOpening(Instant at) {
    Objects.requireNonNull(at, "at");
    LocalDateTime start = latestStart(at);
    if (end(start).isAfter(at)) {
      return at;
    }
    // An opening wholly inside the hour the clocks skip is empty: it never opens.
    while (true) {
      start = after(start);
      Instant s = resolve(start);
      if (end(start).isAfter(s)) {
        return s;
      }
    }
  }

  /**
   * When the window next closes: the end of the opening {@code at} is in, or {@code at} itself if
   * the window is closed then. Openings that follow each other without a gap (a length equal to the
   * time between them, such as {@code 0 0 0 ? * MON-FRI} for a day) count as one; at most a
   * thousand are joined.
   *
   * @throws NullPointerException if {@code at} is null
   */
  public Instant closesAt(Instant at) {
    Objects.requireNonNull(at, "at");
    LocalDateTime start = latestStart(at);
    Instant end = end(start);
    if (!end.isAfter(at)) {
      return at;
    }
    for (int i = 0; i < MERGE_LIMIT; i++) {
      start = after(start);
      if (resolve(start).isAfter(end)) {
        break;
      }
      end = end(start);
    }
    return end;
  }

  /**
   * The local start of the latest opening that starts at or before {@code at}. A window without a
   * year field that opens once opens forever, before and after, so there always is one.
   */
  private LocalDateTime latestStart(Instant at) {
    LocalDateTime local = LocalDateTime.ofInstant(at, zone).truncatedTo(ChronoUnit.SECONDS);
    ZonedDateTime asUtc = local.atZone(ZoneOffset.UTC);
    LocalDateTime start =
        openings.isMatch(asUtc)
            ? local
            : openings.lastExecution(asUtc).orElseThrow(this::noOpening).toLocalDateTime();
    if (resolve(local).isBefore(at.truncatedTo(ChronoUnit.SECONDS))) {
      // The second pass through an hour the clocks repeat: openings later in that local hour
      // resolve to its first pass, so they have started too.
      for (LocalDateTime next = after(start); !resolve(next).isAfter(at); next = after(next)) {
        start = next;
      }
    }
    return start;
  }

  /**
   * The next opening's local start after {@code start}. Openings are worked out in local time,
   * which cron-utils sees as UTC so that it never meets a daylight saving change; java.time then
   * places each on the zone's timeline ({@link #resolve}).
   */
  private LocalDateTime after(LocalDateTime start) {
    return openings
        .nextExecution(start.atZone(ZoneOffset.UTC))
        .orElseThrow(this::noOpening)
        .toLocalDateTime();
  }

  private IllegalStateException noOpening() {
    return new IllegalStateException("cron '" + cron + "' has no opening to find; it was checked");
  }

  private Instant end(LocalDateTime start) {
    return resolve(start.plus(length));
  }

  /**
   * The instant of local time {@code local} in the zone: in a gap (clocks skip), the moment they
   * jump; in an overlap (clocks repeat), the first pass, as java.time resolves it.
   */
  private Instant resolve(LocalDateTime local) {
    ZoneOffsetTransition t = zone.getRules().getTransition(local);
    if (t != null && t.isGap()) {
      return t.getInstant();
    }
    return local.atZone(zone).toInstant();
  }

  /** Equal to a window with the same cron text, length and zone. */
  @Override
  public boolean equals(Object o) {
    return o instanceof MaintenanceWindow w
        && cron.equals(w.cron)
        && length.equals(w.length)
        && zone.equals(w.zone);
  }

  /** A hash of the cron text, length and zone. */
  @Override
  public int hashCode() {
    return Objects.hash(cron, length, zone);
  }

  /** The window for people, such as {@code "0 0 22 ? * TUE#2" for 4h 00m, Europe/Berlin}. */
  @Override
  public String toString() {
    return String.format(
        Locale.ROOT, "\"%s\" for %s, %s", cron, Durations.format(length), zone.getId());
  }
}
