package io.upkeep.nomad;

import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.Secret;
import io.upkeep.TaskCap;
import io.upkeep.http.contract.RecordingProxy;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.HostOperation;
import io.upkeep.testkit.http.nomad.FakeNomadServer;
import java.net.URI;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * A Nomad region for a test: a FakeCluster of servers and clients in virtual time, a
 * FakeNomadServer in front of it with ACLs on, and the adapter pointed at it with the test settings
 * (virtual time, no real blocking, no backoff, no rate limit to speak of).
 */
final class NomadFixture implements AutoCloseable {

  /** The management token: long and distinctive, so a leak anywhere is easy to find. */
  static final String TOKEN = "5e0c8f3a-91d2-4b7e-a6c1-7f3d2e9b8c41";

  static final Platform NOMAD_177 = Platform.of("Ubuntu 22.04", "", "1.7.7");

  final FakeCluster cluster;
  final FakeNomadServer server;

  /**
   * Between the adapter and the server, recording both sides, or null: see {@link
   * Builder#recorded}.
   */
  final RecordingProxy proxy;

  final NomadClusterPort port;

  private NomadFixture(
      FakeCluster cluster, FakeNomadServer server, RecordingProxy proxy, NomadClusterPort port) {
    this.cluster = cluster;
    this.server = server;
    this.proxy = proxy;
    this.port = port;
  }

  static Builder builder() {
    return new Builder();
  }

  /**
   * Three servers (server-1 leads) and {@code clients} clients on Nomad 1.7.7, defaults otherwise.
   */
  static NomadFixture of(int servers, int clients) {
    return builder().servers(servers).clients(clients).build();
  }

  static NodeId id(String s) {
    return NodeId.of(s);
  }

  /** A config builder for the same server with the test settings, for a second adapter. */
  NomadConfig.Builder config() {
    return testConfig(proxy != null ? proxy.uri() : server.baseUrl(), cluster);
  }

  static NomadConfig.Builder testConfig(FakeNomadServer server, FakeCluster cluster) {
    return testConfig(server.baseUrl(), cluster);
  }

  /**
   * The test settings for a server at {@code address} (the fake's own, or a proxy's in front of
   * it).
   */
  private static NomadConfig.Builder testConfig(URI address, FakeCluster cluster) {
    return NomadConfig.builder(address)
        .token(Secret.of(TOKEN))
        .virtualTime(cluster.clock())
        .pollInterval(Duration.ofSeconds(5))
        .maxAttempts(3);
  }

  @Override
  public void close() {
    port.close();
    if (proxy != null) {
      proxy.close();
    }
    server.close();
  }

  static final class Builder {
    int servers = 3;
    int clients = 2;
    Consumer<FakeCluster.Builder> clusterSetup = b -> {};
    Consumer<FakeNomadServer.Builder> serverSetup = b -> b.acl(TOKEN);
    Consumer<NomadConfig.Builder> configSetup = b -> {};
    boolean recorded;

    Builder servers(int n) {
      servers = n;
      return this;
    }

    Builder clients(int n) {
      clients = n;
      return this;
    }

    Builder cluster(Consumer<FakeCluster.Builder> setup) {
      clusterSetup = clusterSetup.andThen(setup);
      return this;
    }

    Builder server(Consumer<FakeNomadServer.Builder> setup) {
      serverSetup = serverSetup.andThen(setup);
      return this;
    }

    /** Replaces the ACL setup (the default is a management token {@link #TOKEN}). */
    Builder serverWithoutDefaultAcl(Consumer<FakeNomadServer.Builder> setup) {
      serverSetup = setup;
      return this;
    }

    /** Puts a {@link RecordingProxy} between the adapter and the server, for the contract tests. */
    Builder recorded() {
      recorded = true;
      return this;
    }

    Builder config(Consumer<NomadConfig.Builder> setup) {
      configSetup = configSetup.andThen(setup);
      return this;
    }

    NomadFixture build() {
      FakeCluster.Builder cb =
          FakeCluster.builder()
              .seed(7)
              .forcesDrainAtDeadline(true)
              .duration(HostOperation.STOP_SERVICE, Duration.ofSeconds(10))
              .duration(HostOperation.START_SERVICE, Duration.ofSeconds(20))
              .duration(HostOperation.UPGRADE, Duration.ofMinutes(1))
              .duration(HostOperation.SNAPSHOT, Duration.ofMinutes(1));
      cb.nodes(
          "server",
          servers,
          n ->
              n.role("server")
                  .voter(true)
                  .runsWork(false)
                  .taskCap(TaskCap.UNLIMITED)
                  .platform(NOMAD_177));
      cb.nodes(
          "client", clients, n -> n.role("client").taskCap(TaskCap.UNLIMITED).platform(NOMAD_177));
      clusterSetup.accept(cb);
      FakeCluster cluster = cb.build();
      FakeNomadServer.Builder sb = FakeNomadServer.builder(cluster);
      serverSetup.accept(sb);
      FakeNomadServer server = sb.start();
      RecordingProxy proxy = recorded ? RecordingProxy.start(server.baseUrl()) : null;
      NomadConfig.Builder config = testConfig(recorded ? proxy.uri() : server.baseUrl(), cluster);
      configSetup.accept(config);
      return new NomadFixture(cluster, server, proxy, NomadClusterPort.create(config.build()));
    }
  }
}
