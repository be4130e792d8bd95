package io.upkeep.nomad;

import io.upkeep.ClusterOperationException;
import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.TaskCap;
import io.upkeep.UpgradeTarget;
import io.upkeep.spi.HostPort;
import io.upkeep.spi.OperationHandle;
import io.upkeep.spi.OperationStatus;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user's host port, with what Nomad's procedures add around a server's restart: before the
 * raft leader is stopped, leadership moves to another healthy voter (Nomad 1.7 and later); and for
 * a single-server region with the {@code peers.json} opt-in, the server's raft identity is taken
 * while it still answers (before the stop) and the operator's hook writes the file before the start.
 */
final class NomadHostPort implements HostPort {

  private static final Logger LOG = LoggerFactory.getLogger(NomadHostPort.class);

  private final HostPort host;
  private final NomadClusterPort nomad;
  private final PeersJsonHook hook;
  private final Map<NodeId, NomadClusterPort.RaftPeer> captured = new ConcurrentHashMap<>();
  private final Set<String> written = ConcurrentHashMap.newKeySet();

  NomadHostPort(HostPort host, NomadClusterPort nomad) {
    this.host = host;
    this.nomad = nomad;
    this.hook = nomad.config().peersJsonRecovery().orElse(null);
  }

  @Override
  public OperationHandle stopService(String requestId, NodeId node) {
    if (nomad.config().transferLeadership()) {
      nomad.transferLeadershipAway(node);
    }
    if (hook != null && nomad.singleServer()) {
      nomad.raftPeer(node).ifPresent(p -> captured.put(node, p));
    }
    return host.stopService(requestId, node);
  }

  @Override
  public OperationHandle startService(String requestId, NodeId node) {
    NomadClusterPort.RaftPeer peer = captured.get(node);
    if (hook != null && peer != null && written.add(requestId)) {
      String json = "[{\"id\": \"" + peer.id() + "\", \"address\": \"" + peer.address() + "\", \"non_voter\": false}]";
      try {
        hook.writePeersJson(node, json);
        LOG.info("wrote peers.json for {} before starting it (single-server recovery)", node);
      } catch (RuntimeException e) {
        written.remove(requestId);
        throw new ClusterOperationException("the peers.json hook failed for " + node + " (" + e + "), so it was not "
            + "started: without peers.json the only server cannot elect itself; fix the hook, or write the file by hand "
            + "as " + NomadProcedures.PEERS_JSON_GUIDE + " describes and start the server", false, e);
      }
    }
    return host.startService(requestId, node);
  }

  @Override
  public OperationHandle provision(String requestId, NodeId node, NodeId replacing, Platform platform, TaskCap initialCap) {
    return host.provision(requestId, node, replacing, platform, initialCap);
  }

  @Override
  public OperationHandle upgrade(String requestId, NodeId node, UpgradeTarget target) {
    return host.upgrade(requestId, node, target);
  }

  @Override
  public OperationHandle snapshot(String requestId, NodeId node) {
    return host.snapshot(requestId, node);
  }

  @Override
  public OperationHandle restore(String requestId, NodeId node, OperationHandle snapshot) {
    return host.restore(requestId, node, snapshot);
  }

  @Override
  public OperationHandle copyFolders(String requestId, NodeId from, NodeId to) {
    return host.copyFolders(requestId, from, to);
  }

  @Override
  public OperationHandle decommission(String requestId, NodeId node) {
    return host.decommission(requestId, node);
  }

  @Override
  public OperationStatus poll(OperationHandle handle) {
    return host.poll(handle);
  }
}
