package io.upkeep.nomad;

import io.upkeep.NodeId;

/**
 * Writes a {@code peers.json} file on a Nomad server's host: the operator's opt-in to Nomad's
 * documented manual outage recovery
 * (https://developer.hashicorp.com/nomad/tutorials/manage-clusters/outage-recovery#manual-recovery-using-peersjson),
 * which lets the only server of a region elect itself again after it is restarted in place. Called
 * while the server is stopped, just before it is started. Implementations write {@code peersJson}
 * to {@code <data_dir>/server/raft/peers.json} on that host (over SSH, your configuration tool, a
 * cloud run-command) and must be idempotent. Must be thread-safe.
 */
@FunctionalInterface
public interface PeersJsonHook {

  /**
   * Writes {@code peersJson} to {@code <data_dir>/server/raft/peers.json} on {@code server}'s host.
   *
   * @param server the server about to start
   * @param peersJson the file's content, in Nomad's raft protocol 3 format: {@code [{"id":
   *     "<node-id>", "address": "<ip>:4647", "non_voter": false}]}
   * @throws RuntimeException if it cannot be written; the start is then reported as failed
   */
  void writePeersJson(NodeId server, String peersJson);
}
