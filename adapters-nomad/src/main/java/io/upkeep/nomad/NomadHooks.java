package io.upkeep.nomad;

import io.upkeep.NodeId;
import io.upkeep.spi.NodeHook;
import io.upkeep.spi.OperationStatus;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What Nomad's procedures add around a server's restart, as node hooks that show in the plan:
 * moving raft leadership away before a server stops, and for a single-server region with the {@code
 * peers.json} opt-in, taking the server's raft identity before it stops and having the operator's
 * hook write the file before it starts.
 */
final class NomadHooks {

  /** Moves raft leadership away from a server before it stops. */
  static final String LEADERSHIP_TRANSFER = "nomad-leadership-transfer";

  /** Takes a single server's raft identity while it still answers. */
  static final String PEERS_CAPTURE = "nomad-peers-capture";

  /** Writes a single server's {@code peers.json} before it starts. */
  static final String PEERS_JSON = "nomad-peers-json";

  private static final Logger LOG = LoggerFactory.getLogger(NomadHooks.class);

  private NomadHooks() {}

  /** Every Nomad hook, bound to {@code nomad}; the plan decides which of them run. */
  static List<NodeHook> all(NomadClusterPort nomad) {
    Map<NodeId, NomadClusterPort.RaftPeer> captured = new ConcurrentHashMap<>();
    Set<String> written = ConcurrentHashMap.newKeySet();
    return List.of(
        hook(
            LEADERSHIP_TRANSFER,
            (requestId, node) -> {
              nomad.transferLeadershipAway(node);
              return OperationStatus.succeeded();
            }),
        hook(
            PEERS_CAPTURE,
            (requestId, node) -> {
              nomad.raftPeer(node).ifPresent(p -> captured.put(node, p));
              return new OperationStatus(
                  OperationStatus.State.SUCCEEDED,
                  captured.containsKey(node)
                      ? "raft identity of " + node + " taken"
                      : node + " is no raft voter");
            }),
        hook(
            PEERS_JSON,
            (requestId, node) ->
                writePeersJson(nomad, captured.get(node), written, requestId, node)));
  }

  private static OperationStatus writePeersJson(
      NomadClusterPort nomad,
      NomadClusterPort.RaftPeer peer,
      Set<String> written,
      String requestId,
      NodeId node) {
    PeersJsonHook hook = nomad.config().peersJsonRecovery().orElse(null);
    if (hook == null || peer == null || !written.add(requestId)) {
      return OperationStatus.succeeded();
    }
    String json =
        "[{\"id\": \""
            + peer.id()
            + "\", \"address\": \""
            + peer.address()
            + "\", \"non_voter\": false}]";
    try {
      hook.writePeersJson(node, json);
      LOG.info("wrote peers.json for {} before starting it (single-server recovery)", node);
      return OperationStatus.succeeded();
    } catch (RuntimeException e) {
      written.remove(requestId);
      return OperationStatus.failed(
          "the peers.json hook failed for "
              + node
              + " ("
              + e
              + "), so it is not started: "
              + "without peers.json the only server cannot elect itself; fix the hook, or write the file by hand as "
              + NomadProcedures.PEERS_JSON_GUIDE
              + " describes and start the server");
    }
  }

  /** The one call a Nomad hook makes. */
  @FunctionalInterface
  private interface Call {
    OperationStatus run(String requestId, NodeId node);
  }

  private static NodeHook hook(String name, Call call) {
    return new NodeHook() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public OperationStatus run(String requestId, NodeId node) {
        return call.run(requestId, node);
      }

      @Override
      public String toString() {
        return "NodeHook[" + name + "]";
      }
    };
  }
}
