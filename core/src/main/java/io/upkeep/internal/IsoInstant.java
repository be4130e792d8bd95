package io.upkeep.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.datatype.jsr310.deser.InstantDeserializer;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Reads the instants core writes ({@code 2026-12-01T20:01:58Z}, {@code ...58.25Z}: UTC, the form of
 * {@link java.time.format.DateTimeFormatter#ISO_INSTANT}) without the formatter, which cost about
 * half of a large journal's replay. Anything else (an offset, a year past 9999, a leap second, a
 * malformed text, a number) goes to {@link Instant#parse} or Jackson's own reader, so the answer
 * and the error are always theirs.
 */
public final class IsoInstant extends StdScalarDeserializer<Instant> {

  /** The deserializer the core mapper registers. */
  IsoInstant() {
    super(Instant.class);
  }

  @Override
  public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_STRING) {
      try {
        return parse(p.getText().trim());
      } catch (DateTimeException e) {
        // The same text again through Jackson's reader: its error, with the location.
      }
    }
    return InstantDeserializer.INSTANT.deserialize(p, ctxt);
  }

  /**
   * {@code text} as {@link Instant#parse} reads it.
   *
   * @throws DateTimeException as {@link Instant#parse} does
   */
  public static Instant parse(String text) {
    int n = text.length();
    if (n < 20
        || n > 30
        || text.charAt(4) != '-'
        || text.charAt(7) != '-'
        || text.charAt(10) != 'T'
        || text.charAt(13) != ':'
        || text.charAt(16) != ':'
        || text.charAt(n - 1) != 'Z'
        || (n > 20 && (text.charAt(19) != '.' || n == 21))) {
      return Instant.parse(text);
    }
    int year = digits(text, 0, 4);
    int month = digits(text, 5, 2);
    int day = digits(text, 8, 2);
    int hour = digits(text, 11, 2);
    int minute = digits(text, 14, 2);
    int second = digits(text, 17, 2);
    int fraction = n > 20 ? digits(text, 20, n - 21) : 0;
    if ((year | month | day | hour | minute | second | fraction) < 0
        || month < 1
        || month > 12
        || day < 1
        || hour > 23
        || minute > 59
        || second > 59) {
      return Instant.parse(text);
    }
    for (int i = n - 21; i < 9; i++) {
      fraction *= 10;
    }
    LocalDate date;
    try {
      date = LocalDate.of(year, month, day);
    } catch (DateTimeException e) {
      return Instant.parse(text); // February 30th and the like: its error
    }
    return Instant.ofEpochSecond(
        date.toEpochDay() * 86_400 + hour * 3_600L + minute * 60L + second, fraction);
  }

  /** The {@code count} decimal digits at {@code from}, or -1 if one is not a digit. */
  private static int digits(String text, int from, int count) {
    int value = 0;
    for (int i = from; i < from + count; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }
}
