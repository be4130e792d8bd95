package io.upkeep.testkit.http.nomad;

import static io.upkeep.testkit.http.nomad.NomadState.map;

import io.upkeep.testkit.http.nomad.NomadState.Alloc;
import io.upkeep.testkit.http.nomad.NomadState.Client;
import io.upkeep.testkit.http.nomad.NomadState.NodeEvent;
import io.upkeep.testkit.http.nomad.NomadState.Server;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Nomad's JSON for the fake's state, built as maps with Nomad's own field names and casing
 * (PascalCase; lower case for {@code /v1/agent/self}'s top level), durations as integer nanoseconds
 * or Go duration strings where Nomad uses them, times in RFC 3339. Call with the state's lock held.
 */
final class NomadViews {

  private final NomadState state;
  private final boolean legacyAgentVersion;
  private final boolean aclEnabled;

  NomadViews(NomadState state, boolean legacyAgentVersion, boolean aclEnabled) {
    this.state = state;
    this.legacyAgentVersion = legacyAgentVersion;
    this.aclEnabled = aclEnabled;
  }

  private String region() {
    return state.settings.region();
  }

  private String dc() {
    return state.settings.datacenter();
  }

  static String time(Instant t) {
    return t == null ? NomadState.ZERO_TIME : t.toString();
  }

  // ------------------------------------------------------------------ servers

  Map<String, Object> member(Server s) {
    Map<String, Object> tags = new LinkedHashMap<>();
    tags.put("role", "nomad");
    tags.put("region", region());
    tags.put("dc", dc());
    tags.put("build", s.build);
    tags.put("revision", "f0e1d2c3b4a5");
    tags.put("vsn", "1");
    tags.put("raft_vsn", "3");
    tags.put("id", s.raftId);
    tags.put("rpc_addr", s.ip);
    tags.put("port", "4647");
    tags.put("expect", Integer.toString(Math.max(1, state.voters().size())));
    return map(
        "Name",
        s.name,
        "Addr",
        s.ip,
        "Port",
        4648,
        "Status",
        s.status,
        "Tags",
        tags,
        "ProtocolMin",
        1,
        "ProtocolMax",
        5,
        "ProtocolCur",
        2,
        "DelegateMin",
        2,
        "DelegateMax",
        5,
        "DelegateCur",
        4);
  }

  Map<String, Object> members() {
    List<Object> out = new ArrayList<>();
    state.servers.values().forEach(s -> out.add(member(s)));
    Server agent = agent();
    // ServerName is the agent's node name; only serf member names carry the ".<region>" suffix.
    return map(
        "ServerName",
        agent == null ? "" : agent.id.value(),
        "ServerRegion",
        region(),
        "ServerDC",
        dc(),
        "Members",
        out);
  }

  /** The server that answers agent endpoints: the leader, else the first alive server. */
  Server agent() {
    Server leader = state.leaderServer();
    if (leader != null) {
      return leader;
    }
    return state.servers.values().stream()
        .filter(s -> s.status.equals("alive"))
        .findFirst()
        .orElse(null);
  }

  Map<String, Object> agentSelf() {
    Server s = agent();
    Instant now = state.clock.now();
    Server leader = state.leaderServer();
    Map<String, Object> version =
        legacyAgentVersion
            ? null
            : map(
                "BuildDate",
                "2026-01-01T00:00:00Z",
                "Revision",
                "f0e1d2c3b4a5",
                "Version",
                versionCore(s.build),
                "VersionPrerelease",
                prerelease(s.build),
                "VersionMetadata",
                metadata(s.build));
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("Region", region());
    config.put("Datacenter", dc());
    config.put("NodeName", s.id.value());
    config.put("DataDir", "/opt/nomad/data");
    config.put(
        "Server",
        map("Enabled", true, "BootstrapExpect", state.voters().size(), "EncryptKey", "<redacted>"));
    config.put("Client", map("Enabled", false));
    config.put(
        "ACL", map("Enabled", aclEnabled, "ReplicationToken", aclEnabled ? "<redacted>" : ""));
    config.put("Ports", map("HTTP", 4646, "RPC", 4647, "Serf", 4648));
    if (legacyAgentVersion) {
      config.put("Version", versionCore(s.build));
      config.put("VersionPrerelease", prerelease(s.build));
    } else {
      config.put("Version", version);
    }
    StringBuilder latest = new StringBuilder("[");
    for (Server v : state.voters()) {
      latest
          .append(latest.length() > 1 ? " " : "")
          .append("{Suffrage:Voter ID:")
          .append(v.raftId)
          .append(" Address:")
          .append(v.rpcAddress())
          .append('}');
    }
    latest.append(']');
    Map<String, String> raft = new LinkedHashMap<>();
    raft.put("state", s.leader ? "Leader" : "Follower");
    raft.put("term", Long.toString(state.lastTerm(s, now)));
    raft.put("last_log_index", Long.toString(state.lastIndex(s, now)));
    raft.put("last_log_term", Long.toString(state.lastTerm(s, now)));
    raft.put("commit_index", Long.toString(state.lastIndex(s, now)));
    raft.put("applied_index", Long.toString(state.lastIndex(s, now)));
    raft.put("fsm_pending", "0");
    raft.put("last_snapshot_index", "0");
    raft.put("last_snapshot_term", "0");
    raft.put("protocol_version", "3");
    raft.put("protocol_version_min", "0");
    raft.put("protocol_version_max", "3");
    raft.put("snapshot_version_min", "0");
    raft.put("snapshot_version_max", "1");
    raft.put("latest_configuration_index", "0");
    raft.put("latest_configuration", latest.toString());
    raft.put("last_contact", s.leader ? "0" : leader == null ? "never" : "12.5ms");
    raft.put("num_peers", Integer.toString(Math.max(0, state.voters().size() - 1)));
    Map<String, Object> stats =
        map(
            "nomad",
                map(
                    "server",
                    "true",
                    "leader",
                    Boolean.toString(s.leader),
                    "leader_addr",
                    leader == null ? "" : leader.rpcAddress(),
                    "bootstrap",
                    "false",
                    "known_regions",
                    "1"),
            "raft", raft,
            "serf",
                map(
                    "members",
                    Integer.toString(state.servers.size()),
                    "failed",
                    Long.toString(
                        state.servers.values().stream()
                            .filter(x -> x.status.equals("failed"))
                            .count()),
                    "left",
                    Long.toString(
                        state.servers.values().stream()
                            .filter(x -> x.status.equals("left"))
                            .count()),
                    "health_score",
                    "0",
                    "encrypted",
                    "false"),
            "runtime",
                map(
                    "arch",
                    "amd64",
                    "cpu_count",
                    "4",
                    "goroutines",
                    "131",
                    "kernel.name",
                    "linux",
                    "max_procs",
                    "4",
                    "version",
                    "go1.22.5"));
    return map("config", config, "member", member(s), "stats", stats);
  }

  private static String versionCore(String build) {
    return build.split("[-+]", 2)[0];
  }

  private static String prerelease(String build) {
    String noMeta = build.split("\\+", 2)[0];
    int dash = noMeta.indexOf('-');
    return dash < 0 ? "" : noMeta.substring(dash + 1);
  }

  private static String metadata(String build) {
    int plus = build.indexOf('+');
    return plus < 0 ? "" : build.substring(plus + 1);
  }

  Map<String, Object> raftConfiguration() {
    List<Object> out = new ArrayList<>();
    for (Server s : state.servers.values()) {
      if (s.status.equals("left")) {
        continue;
      }
      out.add(
          map(
              "ID",
              s.raftId,
              "Node",
              s.name,
              "Address",
              s.rpcAddress(),
              "Leader",
              s.leader,
              "Voter",
              s.voter,
              "RaftProtocol",
              "3"));
    }
    return map("Index", 0, "Servers", out);
  }

  Map<String, Object> autopilotHealth() {
    Instant now = state.clock.now();
    List<Object> servers = new ArrayList<>();
    List<String> voters = new ArrayList<>();
    boolean all = true;
    Server leader = state.leaderServer();
    for (Server s : state.servers.values()) {
      if (s.status.equals("left")) {
        continue;
      }
      boolean healthy = state.healthy(s, now);
      all &= healthy;
      if (s.voter) {
        voters.add(s.raftId);
      }
      servers.add(
          map(
              "ID",
              s.raftId,
              "Name",
              s.name,
              "Address",
              s.rpcAddress(),
              "SerfStatus",
              s.status,
              "Version",
              s.build,
              "Leader",
              s.leader,
              "LastContact",
              s.leader ? "0s" : s.status.equals("alive") ? "12.5ms" : "1m0s",
              "LastTerm",
              state.lastTerm(s, now),
              "LastIndex",
              state.lastIndex(s, now),
              "Healthy",
              healthy,
              "Voter",
              s.voter,
              "StableSince",
              s.stableSince == null
                  ? NomadState.ZERO_TIME
                  : s.stableSince.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString()));
    }
    return map(
        "Healthy",
        all,
        "FailureTolerance",
        state.failureTolerance(now),
        "Leader",
        leader == null ? "" : leader.raftId,
        "Voters",
        voters,
        "Servers",
        servers);
  }

  static Map<String, Object> autopilotConfiguration() {
    return map(
        "CleanupDeadServers",
        true,
        "LastContactThreshold",
        "200ms",
        "MaxTrailingLogs",
        250,
        "MinQuorum",
        0,
        "ServerStabilizationTime",
        "10s",
        "EnableRedundancyZones",
        false,
        "DisableUpgradeMigration",
        false,
        "EnableCustomUpgrades",
        false,
        "CreateIndex",
        4,
        "ModifyIndex",
        4);
  }

  // ------------------------------------------------------------------ clients

  private Map<String, Object> drainStrategy(Client c) {
    if (c.drain == null) {
      return null;
    }
    return map(
        "Deadline",
        c.drain.deadlineNanos(),
        "IgnoreSystemJobs",
        c.drain.ignoreSystemJobs(),
        "ForceDeadline",
        time(c.drain.forceDeadline()),
        "StartedAt",
        time(c.drain.startedAt()));
  }

  private Map<String, Object> lastDrain(Client c) {
    if (c.lastDrain == null) {
      return null;
    }
    return map(
        "StartedAt",
        time(c.lastDrain.startedAt),
        "UpdatedAt",
        time(c.lastDrain.updatedAt),
        "Status",
        c.lastDrain.status,
        "AccessorID",
        "",
        "Meta",
        c.lastDrain.meta);
  }

  Map<String, Object> nodeStub(Client c) {
    return map(
        "Address",
        c.ip,
        "ID",
        c.uuid,
        "Attributes",
        null,
        "Datacenter",
        dc(),
        "Name",
        c.id.value(),
        "NodeClass",
        "",
        "NodePool",
        "default",
        "Version",
        c.version,
        "Drain",
        c.drain != null,
        "SchedulingEligibility",
        c.eligibility,
        "Status",
        c.status,
        "StatusDescription",
        "",
        "Drivers",
        map("docker", map("Detected", true, "Healthy", true)),
        "HostVolumes",
        null,
        "NodeResources",
        null,
        "ReservedResources",
        null,
        "LastDrain",
        lastDrain(c),
        "CreateIndex",
        c.createIndex,
        "ModifyIndex",
        c.modifyIndex);
  }

  List<Object> nodes(String prefix) {
    List<Object> out = new ArrayList<>();
    for (Client c : state.clients.values()) {
      if (prefix == null || c.uuid.startsWith(prefix)) {
        out.add(nodeStub(c));
      }
    }
    return out;
  }

  Map<String, Object> node(Client c) {
    // Attributes as a real client fingerprints them: os.name is gopsutil's lower-case platform
    // (ubuntu).
    Map<String, String> attributes = new java.util.TreeMap<>(HostAttributes.of(c.os, c.id.value()));
    attributes.put("nomad.advertise.address", c.ip + ":4646");
    attributes.put("nomad.revision", "f0e1d2c3b4a5");
    attributes.put("nomad.version", c.version);
    List<Object> events = new ArrayList<>();
    for (NodeEvent e : c.events) {
      events.add(
          map(
              "Message",
              e.message(),
              "Subsystem",
              e.subsystem(),
              "Details",
              null,
              "Timestamp",
              time(e.at()),
              "CreateIndex",
              e.createIndex()));
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ID", c.uuid);
    m.put("SecretID", "");
    m.put("Datacenter", dc());
    m.put("Name", c.id.value());
    m.put("HTTPAddr", c.ip + ":4646");
    m.put("TLSEnabled", false);
    m.put("Attributes", attributes);
    m.put("NodeResources", map("Cpu", map("CpuShares", 8000), "Memory", map("MemoryMB", 16000)));
    m.put("ReservedResources", null);
    m.put("Links", Map.of());
    m.put("Meta", Map.of());
    m.put("NodeClass", "");
    m.put("NodePool", "default");
    m.put("ComputedClass", "v1:1234567890");
    m.put("DrainStrategy", drainStrategy(c));
    m.put("SchedulingEligibility", c.eligibility);
    m.put("Status", c.status);
    m.put("StatusDescription", "");
    m.put("StatusUpdatedAt", c.statusUpdatedAt.getEpochSecond());
    m.put("Events", events);
    m.put(
        "Drivers",
        map("docker", map("Detected", true, "Healthy", true, "HealthDescription", "Healthy")));
    m.put("CSIControllerPlugins", null);
    m.put("CSINodePlugins", null);
    m.put("HostVolumes", null);
    m.put("HostNetworks", null);
    m.put("LastDrain", lastDrain(c));
    m.put("NodeMaxAllocs", 0);
    m.put("CreateIndex", c.createIndex);
    m.put("ModifyIndex", c.modifyIndex);
    m.put("Drain", c.drain != null);
    return m;
  }

  List<Object> allocations(Client c) {
    List<Object> out = new ArrayList<>();
    for (Alloc a : c.allocs) {
      out.add(allocation(c, a));
    }
    return out;
  }

  Map<String, Object> allocation(Client c, Alloc a) {
    Map<String, Object> job =
        map(
            "ID",
            a.jobId,
            "Name",
            a.jobId,
            "Type",
            a.jobType,
            "Namespace",
            "default",
            "Region",
            region(),
            "Datacenters",
            List.of(dc()),
            "Status",
            "running",
            "Priority",
            50);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ID", a.id);
    m.put("Namespace", "default");
    m.put("EvalID", a.evalId);
    m.put("Name", a.name);
    m.put("NodeID", c.uuid);
    m.put("NodeName", c.id.value());
    m.put("JobID", a.jobId);
    m.put("Job", job);
    m.put("TaskGroup", a.jobId);
    m.put("DesiredStatus", a.desiredStatus);
    m.put("DesiredDescription", a.desiredDescription);
    m.put(
        "DesiredTransition",
        map(
            "Migrate",
            a.migrate,
            "Reschedule",
            null,
            "ForceReschedule",
            null,
            "NoShutdownDelay",
            null,
            "MigrateDisablePlacement",
            null));
    m.put("ClientStatus", a.clientStatus);
    m.put("ClientDescription", a.clientDescription);
    m.put("DeploymentStatus", null);
    m.put("NextAllocation", "");
    m.put("CreateIndex", a.createIndex);
    m.put("ModifyIndex", a.modifyIndex);
    m.put("AllocModifyIndex", a.createIndex);
    m.put("CreateTime", nanos(a.createTime));
    m.put("ModifyTime", nanos(a.modifyTime));
    return m;
  }

  private static long nanos(Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  static Map<String, Object> writeResult(long index) {
    return map("NodeModifyIndex", index, "EvalIDs", null, "EvalCreateIndex", 0, "Index", index);
  }
}
