package io.upkeep.bench;

import io.upkeep.NodeId;
import io.upkeep.Platform;
import io.upkeep.RunReport;
import io.upkeep.Secret;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradePlan;
import io.upkeep.UpgradeTarget;
import io.upkeep.octopus.OctopusClusterPort;
import io.upkeep.octopus.OctopusConfig;
import io.upkeep.octopus.OctopusProcedure;
import io.upkeep.octopus.OctopusProcedures;
import io.upkeep.spi.HostPort;
import io.upkeep.testkit.ClusterEvent;
import io.upkeep.testkit.FakeCluster;
import io.upkeep.testkit.HostOperation;
import io.upkeep.testkit.VirtualClock;
import io.upkeep.testkit.http.RecordedRequest;
import io.upkeep.testkit.http.octopus.FakeOctopusServer;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Octopus figures of issue 11, measured as a user would see them: an HA cluster whose nodes run
 * short tasks, behind a {@link FakeOctopusServer} that follows the system clock, patched in place
 * with the preset users use ({@link OctopusProcedures#highAvailabilityPatching}: one node at a
 * time, drained, waited for, snapshotted, patched, verified, undrained) through an {@link
 * OctopusClusterPort} with the production settings ({@code TimeSource.system()}, the default poll
 * interval, rate limit, retries and backoff). So that a run takes seconds rather than hours, host
 * operations are done by the time the executor first looks at them, and the canary soak and settle
 * time are zero; the poll interval stays the preset's, since it is what the figures are about.
 *
 * <ul>
 *   <li>{@code requests_per_node}: the HTTP requests the run sent ({@link RunReport#apiRequests})
 *       over the nodes it upgraded;
 *   <li>{@code reaction_p90_ms}: for every node still running tasks when it was drained, from the
 *       moment its last task ended to the executor's next call for it (its host snapshot), the 90th
 *       percentile; nodes idle at once are left out (their next call comes in the same turn).
 * </ul>
 */
final class OctopusFigures {

  private static final Platform WIN2019 =
      Platform.of("Windows Server 2019", ".NET 6.0", "2024.1.10309");
  private static final UpgradeTarget PATCHES =
      UpgradeTarget.os("Windows Server 2019 (2026-11 patches)");

  /** How long a task takes on average: a short deployment. */
  private static final Duration MEAN_TASK = Duration.ofSeconds(2);

  private OctopusFigures() {}

  /** Patches a cluster once ({@code quick}: fewer nodes) and returns its figures. */
  static Map<String, Object> measure(boolean quick, PrintStream progress) throws Exception {
    int nodes = quick ? 4 : 12;
    VirtualClock clock = new VirtualClock(Instant.now());
    FakeCluster.Builder spec =
        FakeCluster.builder()
            .clock(clock)
            .seed(11)
            // about two tasks on each node at any time
            .workload(MEAN_TASK.dividedBy(2L * nodes), MEAN_TASK)
            .nodes("octo", nodes, n -> n.role("octopus-node").taskCap(5).platform(WIN2019));
    for (HostOperation op : HostOperation.values()) {
      spec.duration(op, Duration.ZERO);
    }
    FakeCluster cluster = spec.build();
    Map<NodeId, Instant> drainAsked = new ConcurrentHashMap<>();
    Map<NodeId, Long> idleAt = new ConcurrentHashMap<>();
    List<Double> reactions = new CopyOnWriteArrayList<>();
    AtomicInteger idleAtOnce = new AtomicInteger();
    cluster.watchEvents(
        e -> {
          long now = System.nanoTime();
          if (e instanceof ClusterEvent.DrainStarted d) {
            drainAsked.put(d.node(), d.at());
          } else if (e instanceof ClusterEvent.Drained d) {
            if (d.at().equals(drainAsked.get(d.node()))) {
              idleAtOnce.incrementAndGet();
            } else {
              idleAt.put(d.node(), now);
            }
          } else if (e instanceof ClusterEvent.OperationRequested o) {
            Long idle = idleAt.remove(o.node());
            if (idle != null) {
              reactions.add((now - idle) / 1e6);
            }
          }
        });
    try (FakeOctopusServer server =
            FakeOctopusServer.builder(cluster).followSystemClock(true).start();
        OctopusClusterPort port =
            OctopusClusterPort.create(
                OctopusConfig.builder(server.baseUrl(), Secret.of(server.apiKey()))
                    .nodeUrlTemplate(server.nodeUrlTemplate())
                    .build())) {
      Thread.sleep(MEAN_TASK.toMillis()); // let work spread over the nodes
      OctopusProcedure procedure =
          OctopusProcedures.highAvailabilityPatching(port)
              .withPolicy(p -> p.canarySoak(Duration.ZERO).settle(Duration.ZERO));
      UpgradePlan plan = procedure.plan(port, PATCHES, port.config().time());
      long start = System.nanoTime();
      RunReport report =
          procedure
              .register(UpgradeExecutor.builder())
              .cluster(port)
              .host(doneWhenPolled(cluster))
              .traffic(cluster)
              .build()
              .start(plan)
              .execute();
      double seconds = (System.nanoTime() - start) / 1e9;
      if (!report.succeeded()) {
        throw new IllegalStateException("the Octopus patching failed: " + report.summary());
      }
      int upgraded = report.upgraded().size();
      progress.printf(
          Locale.ROOT,
          "  %d nodes in %.1f s, %d requests (%d nodes idle when drained); by endpoint:%n",
          upgraded,
          seconds,
          report.apiRequests(),
          idleAtOnce.get());
      byEndpoint(server.requests())
          .forEach((k, v) -> progress.printf(Locale.ROOT, "    %5d  %s%n", v, k));
      progress.printf(Locale.ROOT, "  reactions (ms): %s%n", sorted(reactions));
      Map<String, Object> figure = new LinkedHashMap<>();
      figure.put("nodes", upgraded);
      figure.put("requests", report.apiRequests());
      figure.put("requests_per_node", (double) report.apiRequests() / upgraded);
      figure.put("reaction_samples", reactions.size());
      figure.put("reaction_median_ms", Bench.percentile(reactions, 0.5));
      figure.put("reaction_p90_ms", Bench.percentile(reactions, 0.9));
      figure.put("reaction_max_ms", Bench.percentile(reactions, 1.0));
      figure.put("run_s", seconds);
      return figure;
    }
  }

  /**
   * The fake cluster as host port, each operation (of no duration) done by the time it is polled:
   * the executor otherwise sees it finish only at its next wake-up, and host operations are not
   * what these figures measure.
   */
  private static HostPort doneWhenPolled(FakeCluster cluster) {
    return (HostPort)
        Proxy.newProxyInstance(
            HostPort.class.getClassLoader(),
            new Class<?>[] {HostPort.class},
            (proxy, method, args) -> {
              if (method.getName().equals("poll")) {
                cluster.clock().sleep(Duration.ZERO); // runs the events due now
              }
              try {
                return method.invoke(cluster, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  /** Request counts by method, path and own-address target, Octopus ids folded into {@code :id}. */
  private static Map<String, Integer> byEndpoint(List<RecordedRequest> requests) {
    Map<String, Integer> out = new TreeMap<>();
    for (RecordedRequest r : requests) {
      String path = r.path().replaceAll("OctopusServerNodes-\\d+", ":id");
      String where = r.target().isEmpty() ? "" : " (node's own address)";
      out.merge(r.method() + " " + path + where, 1, Integer::sum);
    }
    return out;
  }

  private static List<Long> sorted(List<Double> values) {
    List<Long> out = new ArrayList<>();
    values.forEach(v -> out.add(Math.round(v)));
    Collections.sort(out);
    return out;
  }
}
