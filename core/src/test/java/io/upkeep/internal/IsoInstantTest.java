package io.upkeep.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.upkeep.UpkeepException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fast instant reader answers as {@link Instant#parse} does, for every text. */
class IsoInstantTest {

  /** What {@link Instant#parse} makes of {@code text}: the instant, or its error's class. */
  private static Object parseModel(String text) {
    try {
      return Instant.parse(text);
    } catch (RuntimeException e) {
      return e.getClass();
    }
  }

  private static Object fast(String text) {
    try {
      return IsoInstant.parse(text);
    } catch (RuntimeException e) {
      return e.getClass();
    }
  }

  @Test
  void readsEveryInstantTheFormatterWritesAsInstantParseDoes() {
    Random random = new Random(11);
    long earliest = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
    long latest = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
    int[] scales = {1, 1_000, 1_000_000, 1_000_000_000};
    for (int i = 0; i < 200_000; i++) {
      long second = earliest + (long) (random.nextDouble() * (latest - earliest));
      int scale = scales[random.nextInt(scales.length)];
      int nanos = random.nextInt(1_000_000_000 / scale) * scale;
      Instant instant = Instant.ofEpochSecond(second, nanos);
      String text = DateTimeFormatter.ISO_INSTANT.format(instant);

      assertThat(IsoInstant.parse(text)).as(text).isEqualTo(instant).isEqualTo(Instant.parse(text));
    }
  }

  @Test
  void answersOddAndWrongTextsAsInstantParseDoes() {
    List<String> texts =
        List.of(
            "2024-02-29T12:00:00Z",
            "2023-02-29T12:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2026-12-00T00:00:00Z",
            "2026-12-01T24:00:00Z",
            "2026-12-01T23:60:00Z",
            "2016-12-31T23:59:60Z",
            "2026-12-01T20:01:58.Z",
            "2026-12-01T20:01:58.1Z",
            "2026-12-01T20:01:58.1234567891Z",
            "2026-12-01T20:01:58.12345678Z",
            "2026-12-01T20:01:58+01:00",
            "2026-12-01T20:01:58z",
            "2026-12-01t20:01:58Z",
            "2026-12-01T20:01Z",
            "2026-12-01 20:01:58Z",
            "+10000-01-01T00:00:00Z",
            "-0001-01-01T00:00:00Z",
            "2026-1a-01T00:00:00Z",
            "2026-12-01T20:01:5-Z",
            "2026-12-01T20:01:58.-12Z",
            "");
    for (String text : texts) {
      assertThat(fast(text)).as(text).isEqualTo(parseModel(text));
    }
  }

  /** The record Json reads: one instant. */
  record At(Instant at) {}

  /** Jackson's own reading of {@code json}: the instant, or that it refused. */
  private static Object jacksonModel(String json) {
    try {
      return new ObjectMapper().registerModule(new JavaTimeModule()).readValue(json, At.class).at();
    } catch (JsonProcessingException e) {
      return "refused";
    }
  }

  private static Object mapper(String json) {
    try {
      return Json.read(json, At.class).at();
    } catch (UpkeepException e) {
      return "refused";
    }
  }

  @Test
  void theMapperReadsEveryDocumentAsJacksonsOwnReaderDoes() {
    List<String> docs =
        List.of(
            "{\"at\":\"2026-12-01T20:01:58.250Z\"}",
            "{\"at\":\" 2026-12-01T20:01:58Z \"}",
            "{\"at\":\"2026-12-01T21:01:58+01:00\"}",
            "{\"at\":1764619318.5}",
            "{\"at\":1764619318}",
            "{\"at\":null}",
            "{\"at\":\"\"}",
            "{\"at\":\"2026-02-30T00:00:00Z\"}",
            "{\"at\":\"yesterday\"}",
            "{\"at\":true}");
    for (String doc : docs) {
      assertThat(mapper(doc)).as(doc).isEqualTo(jacksonModel(doc));
    }
    assertThat(mapper(docs.get(0))).isEqualTo(Instant.parse("2026-12-01T20:01:58.250Z"));
    assertThatThrownBy(() -> Json.read(docs.get(7), At.class))
        .isInstanceOf(UpkeepException.class)
        .hasMessageContaining("not a valid At document")
        .hasMessageContaining("2026-02-30T00:00:00Z");
  }
}
