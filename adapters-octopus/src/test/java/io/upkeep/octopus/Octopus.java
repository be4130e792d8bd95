package io.upkeep.octopus;

import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.RunReport;
import io.upkeep.Secret;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradeRun;
import io.upkeep.UpgradeTarget;
import io.upkeep.event.UpgradeEvent;
import io.upkeep.http.contract.RecordingProxy;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.InvariantMonitor;
import io.upkeep.testkit.http.octopus.FakeOctopusServer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * The test bench: a fake Octopus HA cluster behind a real HTTP server, and the adapter pointed at
 * it with the cluster's virtual clock as its time, retries without waiting, and each node's own
 * address, where the adapter reads its OS and .NET ({@code /api/serverstatus/system-info}).
 */
final class Octopus implements AutoCloseable {

  static final Platform WIN2019 = Platform.of("Windows Server 2019", ".NET 6.0", "2024.1.10309");
  static final String READ_ONLY_KEY = "API-READONLY0000000000000000001";

  final FakeCluster cluster;
  final FakeOctopusServer server;

  /** Between the adapter and the server, recording both sides, or null: see {@link #recorded}. */
  final RecordingProxy proxy;

  final OctopusClusterPort port;

  Octopus(FakeCluster cluster) {
    this(cluster, b -> b);
  }

  Octopus(FakeCluster cluster, UnaryOperator<OctopusConfig.Builder> tune) {
    this(cluster, b -> b, tune, false);
  }

  Octopus(
      FakeCluster cluster,
      UnaryOperator<FakeOctopusServer.Builder> serve,
      UnaryOperator<OctopusConfig.Builder> tune) {
    this(cluster, serve, tune, false);
  }

  private Octopus(
      FakeCluster cluster,
      UnaryOperator<FakeOctopusServer.Builder> serve,
      UnaryOperator<OctopusConfig.Builder> tune,
      boolean recorded) {
    this.cluster = cluster;
    this.server =
        serve.apply(FakeOctopusServer.builder(cluster).readOnlyApiKey(READ_ONLY_KEY)).start();
    this.proxy = recorded ? RecordingProxy.start(server.baseUrl()) : null;
    URI base = recorded ? proxy.uri() : server.baseUrl();
    this.port =
        OctopusClusterPort.create(
            tune.apply(config(server, base, Secret.of(server.apiKey()))).build());
  }

  /**
   * The bench with the adapter talking to the server through a {@link RecordingProxy}, for the
   * contract tests.
   */
  static Octopus recorded(FakeCluster cluster) {
    return new Octopus(cluster, b -> b, b -> b, true);
  }

  /**
   * A cluster of {@code nodes} Octopus nodes at task cap 5, each running two tasks, more arriving.
   */
  static FakeCluster cluster(int nodes) {
    return FakeCluster.builder()
        .seed(11)
        .nodes(
            "octo",
            nodes,
            n ->
                n.role("octopus-node")
                    .platform(WIN2019)
                    .taskCap(5)
                    .runningTask(Duration.ofMinutes(3))
                    .runningTask(Duration.ofMinutes(7)))
        .workload(Duration.ofSeconds(30), Duration.ofMinutes(3))
        .build();
  }

  /** The adapter's configuration for {@code server}, authenticating with {@code key}. */
  static OctopusConfig.Builder config(FakeOctopusServer server, Secret key) {
    return config(server, server.baseUrl(), key);
  }

  /** The same, sent to {@code base} (the server's own address, or a proxy's in front of it). */
  private static OctopusConfig.Builder config(FakeOctopusServer server, URI base, Secret key) {
    FakeCluster cluster = server.cluster();
    return OctopusConfig.builder(base, key)
        .nodeUrlTemplate(
            server.nodeUrlTemplate().replace(server.baseUrl().toString(), base.toString()))
        .virtualTime(cluster.clock())
        .maxAttempts(3)
        .requestTimeout(Duration.ofSeconds(5));
  }

  /** Another adapter on the same server, configured by {@code tune}. */
  OctopusClusterPort port(Secret key, UnaryOperator<OctopusConfig.Builder> tune) {
    return OctopusClusterPort.create(tune.apply(config(server, key)).build());
  }

  /**
   * Plans {@code procedure} through the adapter, watches the fake cluster with an invariant
   * monitor, and executes it: the adapter as the cluster port, the fake cluster as host port and
   * load balancer, its virtual clock as time. With {@code approve}, every gate is approved when
   * asked.
   */
  Rehearsal rehearse(OctopusProcedure procedure, UpgradeTarget target, boolean approve) {
    UpgradePlan plan = procedure.plan(port, target, cluster.clock());
    InvariantMonitor monitor = InvariantMonitor.watch(cluster, plan);
    List<UpgradeEvent> events = new CopyOnWriteArrayList<>();
    UpgradeRun[] run = new UpgradeRun[1];
    run[0] =
        procedure
            .register(UpgradeExecutor.builder())
            .cluster(port)
            .host(cluster)
            .traffic(cluster)
            .time(cluster.clock())
            .listener(
                e -> {
                  events.add(e);
                  if (approve && e instanceof UpgradeEvent.ApprovalRequested a) {
                    run[0].approve(a.gate());
                  }
                })
            .build()
            .start(plan);
    return new Rehearsal(plan, run[0], run[0].execute(), monitor, events);
  }

  /** What a rehearsal over HTTP produced. */
  record Rehearsal(
      UpgradePlan plan,
      UpgradeRun run,
      RunReport report,
      InvariantMonitor monitor,
      List<UpgradeEvent> events) {
    /** The index in the plan of the one step that runs hook {@code name}. */
    int onlyStepOf(String name) {
      List<Integer> at = new ArrayList<>();
      List<io.upkeep.PlanStep> steps = plan.steps();
      for (int i = 0; i < steps.size(); i++) {
        if (steps.get(i).action() instanceof io.upkeep.Action.RunHook h && h.hook().equals(name)) {
          at.add(i);
        }
      }
      org.assertj.core.api.Assertions.assertThat(at).as("steps of hook " + name).hasSize(1);
      return at.get(0);
    }

    <T extends UpgradeEvent> List<T> events(Class<T> type) {
      List<T> out = new ArrayList<>();
      events.stream().filter(type::isInstance).map(type::cast).forEach(out::add);
      return out;
    }
  }

  URI base() {
    return server.baseUrl();
  }

  static NodeId id(String name) {
    return NodeId.of(name);
  }

  @Override
  public void close() {
    port.close();
    if (proxy != null) {
      proxy.close();
    }
    server.close();
  }
}
