package io.upkeep.internal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.upkeep.UpkeepException;
import java.time.Instant;

/**
 * The one Jackson mapper for core's plan and run-state JSON: ISO-8601 times, sorted keys, indented.
 */
public final class Json {
  private static final ObjectMapper MAPPER =
      // Field names not interned: a run state's maps are keyed by node and step ids, tens of
      // thousands of names each seen once, and interning them was a fifth of reading one.
      new ObjectMapper(
              JsonFactory.builder().disable(JsonFactory.Feature.INTERN_FIELD_NAMES).build())
          .registerModule(new JavaTimeModule())
          .registerModule(new Jdk8Module())
          // After JavaTimeModule, so that it reads instants first (see IsoInstant).
          .registerModule(
              new SimpleModule("upkeep-instants").addDeserializer(Instant.class, new IsoInstant()))
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  /**
   * The journal's records: on one line, and without null properties (read back as null, they were a
   * tenth of a large run's journal); null map values stay, since a progress record's null says the
   * entry was removed.
   */
  private static final ObjectWriter RECORDS =
      MAPPER
          .copy()
          .setDefaultPropertyInclusion(
              JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.ALWAYS))
          .writer()
          .without(SerializationFeature.INDENT_OUTPUT);

  private Json() {}

  /** {@code value} as indented JSON. */
  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UpkeepException(
          "cannot write "
              + value.getClass().getSimpleName()
              + " as JSON: "
              + e.getOriginalMessage(),
          e);
    }
  }

  /** {@code value} as a journal record: JSON on one line, null properties left out. */
  public static String compact(Object value) {
    try {
      return RECORDS.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UpkeepException(
          "cannot write "
              + value.getClass().getSimpleName()
              + " as JSON: "
              + e.getOriginalMessage(),
          e);
    }
  }

  /** The mapper, for readers and writers of JSON trees (the file journal's lines). */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** Reads {@code json} as a {@code type}, with an error naming what is wrong. */
  public static <T> T read(String json, Class<T> type) {
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new UpkeepException(
          "not a valid "
              + type.getSimpleName()
              + " document: "
              + e.getOriginalMessage()
              + " (at line "
              + e.getLocation().getLineNr()
              + ", column "
              + e.getLocation().getColumnNr()
              + ")",
          e);
    }
  }
}
