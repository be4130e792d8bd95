package io.upkeep.nomad.internal;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * Nomad's JSON as the adapter reads it: only the fields it uses, Nomad's names, everything nullable
 * (Nomad writes nil maps, slices and pointers as {@code null} and may omit empty fields).
 */
public final class Wire {

  private Wire() {}

  /** {@code GET /v1/agent/members}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Members(
      @JsonProperty("ServerName") String serverName,
      @JsonProperty("ServerRegion") String serverRegion,
      @JsonProperty("Members") List<Member> members) {
    public List<Member> list() {
      return members == null ? List.of() : members;
    }
  }

  /** One serf member of the server gossip pool. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Member(
      @JsonProperty("Name") String name,
      @JsonProperty("Addr") String addr,
      @JsonProperty("Status") String status,
      @JsonProperty("Tags") Map<String, String> tags) {
    public String tag(String key) {
      return tags == null ? null : tags.get(key);
    }
  }

  /** {@code GET /v1/operator/raft/configuration}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record RaftConfiguration(@JsonProperty("Servers") List<RaftServer> servers) {
    public List<RaftServer> list() {
      return servers == null ? List.of() : servers;
    }
  }

  /** One server of the raft configuration. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record RaftServer(
      @JsonProperty("ID") String id,
      @JsonProperty("Node") String node,
      @JsonProperty("Address") String address,
      @JsonProperty("Leader") boolean leader,
      @JsonProperty("Voter") boolean voter) {}

  /** {@code GET /v1/operator/autopilot/health}, answered 200 when healthy and 429 when not. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record AutopilotHealth(
      @JsonProperty("Healthy") boolean healthy,
      @JsonProperty("FailureTolerance") int failureTolerance,
      @JsonProperty("Leader") String leader,
      @JsonProperty("Voters") List<String> voters,
      @JsonProperty("Servers") List<ServerHealth> servers) {
    public List<ServerHealth> list() {
      return servers == null ? List.of() : servers;
    }

    public List<String> voterIds() {
      return voters == null ? List.of() : voters;
    }
  }

  /** Autopilot's view of one server; {@code LastContact} is a Go duration string. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ServerHealth(
      @JsonProperty("ID") String id,
      @JsonProperty("Name") String name,
      @JsonProperty("Address") String address,
      @JsonProperty("SerfStatus") String serfStatus,
      @JsonProperty("Version") String version,
      @JsonProperty("Leader") boolean leader,
      @JsonProperty("LastContact") String lastContact,
      @JsonProperty("LastTerm") long lastTerm,
      @JsonProperty("LastIndex") long lastIndex,
      @JsonProperty("Healthy") boolean healthy,
      @JsonProperty("Voter") boolean voter) {}

  /** One element of {@code GET /v1/nodes}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record NodeStub(
      @JsonProperty("ID") String id,
      @JsonProperty("Name") String name,
      @JsonProperty("Status") String status,
      @JsonProperty("SchedulingEligibility") String schedulingEligibility,
      @JsonProperty("Drain") boolean drain,
      @JsonProperty("Version") String version,
      @JsonProperty("CreateIndex") long createIndex,
      @JsonProperty("ModifyIndex") long modifyIndex) {}

  /** {@code GET /v1/node/:id}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record NodeDetail(
      @JsonProperty("ID") String id,
      @JsonProperty("Name") String name,
      @JsonProperty("Status") String status,
      @JsonProperty("SchedulingEligibility") String schedulingEligibility,
      @JsonProperty("DrainStrategy") DrainStrategy drainStrategy,
      @JsonProperty("LastDrain") LastDrain lastDrain,
      @JsonProperty("Attributes") Map<String, String> attributes,
      @JsonProperty("ModifyIndex") long modifyIndex) {
    public String attribute(String key) {
      return attributes == null ? null : attributes.get(key);
    }
  }

  /** A node's drain strategy; {@code Deadline} in nanoseconds. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record DrainStrategy(
      @JsonProperty("Deadline") long deadline,
      @JsonProperty("IgnoreSystemJobs") boolean ignoreSystemJobs,
      @JsonProperty("ForceDeadline") String forceDeadline,
      @JsonProperty("StartedAt") String startedAt) {}

  /** A node's last drain: {@code draining}, {@code complete} or {@code canceled}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record LastDrain(
      @JsonProperty("Status") String status,
      @JsonProperty("StartedAt") String startedAt,
      @JsonProperty("UpdatedAt") String updatedAt) {}

  /**
   * One allocation of {@code GET /v1/node/:id/allocations} (full allocations; only these fields
   * read).
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Allocation(
      @JsonProperty("ID") String id,
      @JsonProperty("ClientStatus") String clientStatus,
      @JsonProperty("DesiredStatus") String desiredStatus,
      @JsonProperty("Job") Job job) {
    public String jobType() {
      return job == null ? null : job.type();
    }
  }

  /** The job of an allocation: only its type matters here. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Job(@JsonProperty("Type") String type) {}

  /**
   * {@code GET /v1/agent/self}: {@code config} kept as a tree (its {@code Version} is a string or
   * an object).
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record AgentSelf(
      @JsonProperty("config") JsonNode config,
      @JsonProperty("member") Member member,
      @JsonProperty("stats") Map<String, Map<String, String>> stats) {

    public String stat(String group, String key) {
      Map<String, String> g = stats == null ? null : stats.get(group);
      return g == null ? null : g.get(key);
    }

    /** {@code config.Region}, or null. */
    public String region() {
      JsonNode r = config == null ? null : config.get("Region");
      return r == null || r.isNull() ? null : r.asText();
    }

    /**
     * The agent's full version: today {@code config.Version} is an object ({@code Version}, {@code
     * VersionPrerelease}, {@code VersionMetadata}); old agents wrote a string with {@code
     * VersionPrerelease} beside it.
     */
    public String version() {
      if (config == null) {
        return null;
      }
      JsonNode v = config.get("Version");
      if (v == null || v.isNull()) {
        return null;
      }
      if (v.isTextual()) {
        return join(
            v.asText(), text(config.get("VersionPrerelease")), text(config.get("VersionMetadata")));
      }
      return join(
          text(v.get("Version")), text(v.get("VersionPrerelease")), text(v.get("VersionMetadata")));
    }

    private static String text(JsonNode n) {
      return n == null || n.isNull() ? "" : n.asText();
    }

    private static String join(String version, String pre, String meta) {
      if (version == null || version.isEmpty()) {
        return null;
      }
      return version + (pre.isEmpty() ? "" : "-" + pre) + (meta.isEmpty() ? "" : "+" + meta);
    }
  }
}
