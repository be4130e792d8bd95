package io.upkeep.nomad;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.upkeep.nomad.internal.Wire;
import org.junit.jupiter.api.Test;

/** Nomad's JSON as the adapter reads it, including the shapes the fake does not write. */
class WireTest {

  static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  @Test
  void readsTheAgentVersionAsTodaysObject() throws Exception {
    Wire.AgentSelf self =
        JSON.readValue(
            "{\"config\":{\"Region\":\"global\",\"Version\":{\"Version\":\"1.7.5\","
                + "\"VersionPrerelease\":\"\",\"VersionMetadata\":\"ent\",\"Revision\":\"abc\"}},"
                + "\"stats\":{\"raft\":{\"last_log_index\":\"53460\",\"state\":\"Follower\"},\"nomad\":{\"server\":\"true\"}}}",
            Wire.AgentSelf.class);
    assertThat(self.version()).isEqualTo("1.7.5+ent");
    assertThat(self.region()).isEqualTo("global");
    assertThat(self.stat("raft", "last_log_index")).isEqualTo("53460");
    assertThat(self.stat("client", "node_id")).isNull();
  }

  @Test
  void readsTheAgentVersionInTheOldFlatForm() throws Exception {
    Wire.AgentSelf self =
        JSON.readValue(
            "{\"config\":{\"Version\":\"0.5.5\",\"VersionPrerelease\":\"dev\"},\"stats\":null}",
            Wire.AgentSelf.class);
    assertThat(self.version()).isEqualTo("0.5.5-dev");
    assertThat(self.stat("raft", "state")).isNull();
  }

  @Test
  void toleratesNullsWhereNomadWritesNilSlicesAndMaps() throws Exception {
    Wire.Members m = JSON.readValue("{\"Members\":null}", Wire.Members.class);
    assertThat(m.list()).isEmpty();
    Wire.AutopilotHealth h =
        JSON.readValue(
            "{\"Healthy\":false,\"Servers\":null,\"Voters\":null,\"LastContact\":\"12ms\"}",
            Wire.AutopilotHealth.class);
    assertThat(h.list()).isEmpty();
    assertThat(h.voterIds()).isEmpty();
    Wire.NodeDetail n =
        JSON.readValue(
            "{\"ID\":\"x\",\"Attributes\":null,\"DrainStrategy\":null}", Wire.NodeDetail.class);
    assertThat(n.attribute("os.name")).isNull();
    Wire.Allocation a = JSON.readValue("{\"ClientStatus\":\"running\"}", Wire.Allocation.class);
    assertThat(a.jobType()).isNull();
  }
}
