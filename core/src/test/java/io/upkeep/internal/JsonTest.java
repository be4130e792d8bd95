package io.upkeep.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The journal's record form. */
class JsonTest {

  /** A record with a null property and a map whose null value means "removed". */
  record Change(String reason, Map<String, String> units) {}

  @Test
  void aRecordLeavesOutNullPropertiesAndKeepsNullMapValuesAndReadsBackTheSame() {
    Map<String, String> units = new LinkedHashMap<>();
    units.put("octo-1", "DONE");
    units.put("octo-2", null);
    Change c = new Change(null, units);

    String record = Json.compact(c);

    assertThat(record).isEqualTo("{\"units\":{\"octo-1\":\"DONE\",\"octo-2\":null}}");
    assertThat(Json.read(record, Change.class)).isEqualTo(c);
    assertThat(Json.write(c)).contains("\"reason\" : null");
  }
}
