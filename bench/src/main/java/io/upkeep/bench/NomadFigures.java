package io.upkeep.bench;

import io.upkeep.Budget;
import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.Policy;
import io.upkeep.RunReport;
import io.upkeep.Secret;
import io.upkeep.Strategy;
import io.upkeep.TaskCap;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradePlanner;
import io.upkeep.UpgradeTarget;
import io.upkeep.nomad.NomadClusterPort;
import io.upkeep.nomad.NomadConfig;
import io.upkeep.nomad.NomadProcedures;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.HostOperation;
import io.upkeep.testkit.VirtualClock;
import io.upkeep.testkit.http.RecordedRequest;
import io.upkeep.testkit.http.nomad.FakeNomadServer;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The Nomad figures of issue 11, measured as a user would see them: a region of three servers and
 * some clients running work, behind a {@link FakeNomadServer} whose cluster clock follows the
 * system clock, upgraded in place by the executor through a {@link NomadClusterPort} with the
 * production settings ({@code TimeSource.system()}, five-minute blocking queries, the default rate
 * limit, retries and backoff). Host operations take a fraction of a second and tasks half a second
 * (about three on each client, so that every drain waits for work), so that the run takes seconds
 * rather than hours; the policy is Nomad's with short soaks and a one-second poll interval for the
 * same reason.
 *
 * <ul>
 *   <li>{@code requests_per_node}: the HTTP requests the run sent ({@link RunReport#apiRequests})
 *       over the nodes it upgraded;
 *   <li>{@code reaction_p90_ms}: for every client, from the moment its drain completed (its last
 *       task ended) to the moment the executor asked for its service to stop, the 90th percentile.
 * </ul>
 */
final class NomadFigures {

  private static final String TOKEN = "bench-management-token";
  private static final Platform NOMAD_177 = Platform.of("Ubuntu 22.04", "", "1.7.7");
  private static final UpgradeTarget NOMAD_18 = UpgradeTarget.product("1.8.2");

  private NomadFigures() {}

  /** Upgrades a region once ({@code quick}: fewer clients) and returns its figures. */
  static Map<String, Object> measure(boolean quick, PrintStream progress) throws Exception {
    int clients = quick ? 8 : 24;
    VirtualClock clock = new VirtualClock(Instant.now());
    FakeCluster cluster =
        FakeCluster.builder()
            .clock(clock)
            .seed(11)
            .forcesDrainAtDeadline(true)
            // About three tasks of half a second on each client: every drain has work to wait for.
            .workload(Duration.ofMillis(500L / (3L * clients)), Duration.ofMillis(500))
            .duration(HostOperation.STOP_SERVICE, Duration.ofMillis(100))
            .duration(HostOperation.UPGRADE, Duration.ofMillis(300))
            .duration(HostOperation.START_SERVICE, Duration.ofMillis(200))
            .nodes(
                "server",
                3,
                n ->
                    n.role("server")
                        .voter(true)
                        .runsWork(false)
                        .taskCap(TaskCap.UNLIMITED)
                        .platform(NOMAD_177))
            .nodes(
                "client",
                clients,
                n -> n.role("client").taskCap(TaskCap.UNLIMITED).platform(NOMAD_177))
            .build();
    Map<NodeId, Long> drainedAt = new ConcurrentHashMap<>();
    List<Double> reactions = new CopyOnWriteArrayList<>();
    cluster.watchEvents(
        e -> {
          long now = System.nanoTime();
          if (e instanceof ClusterEvent.Drained d && d.node().value().startsWith("client")) {
            drainedAt.put(d.node(), now);
          } else if (e instanceof ClusterEvent.OperationRequested o
              && o.operation() == HostOperation.STOP_SERVICE) {
            Long drained = drainedAt.remove(o.node());
            if (drained != null) {
              reactions.add((now - drained) / 1e6);
            }
          }
        });
    Thread follower = clock.followSystemClock();
    try (FakeNomadServer server =
            FakeNomadServer.builder(cluster)
                .acl(TOKEN)
                .raftCatchUp(Duration.ofMillis(500))
                .start();
        NomadClusterPort port =
            NomadClusterPort.create(
                NomadConfig.builder(server.baseUrl()).token(Secret.of(TOKEN)).build())) {
      Thread.sleep(1000); // let work spread over the clients
      Policy policy =
          NomadProcedures.policy(Duration.ofMinutes(1))
              .budget(Budget.ofPercent(25))
              .canarySoak(Duration.ofSeconds(1))
              .settle(Duration.ofSeconds(1))
              .pollInterval(Duration.ofSeconds(1))
              .snapshots(false)
              .build();
      UpgradePlan plan =
          NomadProcedures.plan(
              UpgradePlanner.create(port.config().time()),
              port,
              Strategy.inPlace(),
              NOMAD_18,
              policy);
      long start = System.nanoTime();
      RunReport report = NomadProcedures.executor(port, cluster).build().start(plan).execute();
      double seconds = (System.nanoTime() - start) / 1e9;
      if (!report.succeeded()) {
        throw new IllegalStateException("the Nomad upgrade failed: " + report.summary());
      }
      int nodes = plan.units().size();
      progress.printf(
          Locale.ROOT,
          "  %d nodes in %.1f s, %d requests; by endpoint:%n",
          nodes,
          seconds,
          report.apiRequests());
      byEndpoint(server.requests())
          .forEach((k, v) -> progress.printf(Locale.ROOT, "    %5d  %s%n", v, k));
      Map<String, Object> figure = new LinkedHashMap<>();
      figure.put("nodes", nodes);
      figure.put("requests", report.apiRequests());
      figure.put("requests_per_node", (double) report.apiRequests() / nodes);
      figure.put("reactions", reactions.size());
      figure.put("reaction_p90_ms", Bench.percentile(reactions, 0.9));
      figure.put("reaction_max_ms", Bench.percentile(reactions, 1.0));
      figure.put("run_s", seconds);
      return figure;
    } finally {
      follower.interrupt();
      follower.join();
    }
  }

  /** Request counts by method and path, node and allocation IDs folded into {@code :id}. */
  private static Map<String, Integer> byEndpoint(List<RecordedRequest> requests) {
    Map<String, Integer> out = new TreeMap<>();
    for (RecordedRequest r : requests) {
      String path = r.path().replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", ":id");
      String blocking = r.queryParameter("index").isPresent() ? " (blocking)" : "";
      out.merge(r.method() + " " + path + blocking, 1, Integer::sum);
    }
    return out;
  }
}
