package io.upkeep.testkit.sigkill;

import io.upkeep.RunReport;
import io.upkeep.RunStatus;
import io.upkeep.UpgradeExecutor;
import io.upkeep.UpgradeRun;
import io.upkeep.journal.FileJournalStore;
import io.upkeep.spi.ClusterPort;
import io.upkeep.spi.HostPort;
import io.upkeep.spi.TrafficPort;
import java.nio.file.Path;

/**
 * The process the SIGKILL test kills: it drives the upgrade of a cluster that lives in the test's
 * JVM ({@link RemoteCluster}) with a file journal, starting the run if the journal holds none and
 * resuming it otherwise, to its end. Arguments: the cluster's URL and the journal's directory.
 */
public final class ChildRunner {

  private ChildRunner() {}

  /** Runs the upgrade; prints its end and exits 0, or 1 if it did not succeed. */
  public static void main(String[] args) throws java.io.IOException {
    Object remote = RemoteCluster.client(args[0]);
    ClusterPort cluster = (ClusterPort) remote;
    try (FileJournalStore journal = FileJournalStore.open(Path.of(args[1]))) {
      UpgradeExecutor executor =
          UpgradeExecutor.builder()
              .cluster(cluster)
              .host((HostPort) remote)
              .traffic((TrafficPort) remote)
              .journal(journal)
              .runner("child-" + ProcessHandle.current().pid())
              .build();
      UpgradeRun run =
          journal.read(0).isEmpty()
              ? executor.start(SigkillResumeTest.plan(cluster, cluster.time().orElseThrow()))
              : executor.resume();
      RunReport r = run.execute();
      while (r.status() == RunStatus.AWAITING_APPROVAL) {
        r.awaitingApproval().forEach(run::approve);
        r = run.execute();
      }
      System.out.println("child: " + r.summary());
      System.exit(r.succeeded() ? 0 : 1);
    }
  }
}
