package io.upkeep.nomad;

import io.upkeep.spi.JournalStore;
import io.upkeep.testkit.junit5.JournalStoreContract;
import org.junit.jupiter.api.AfterEach;

/**
 * The Nomad Variables journal keeps the store contract against the fake Nomad server over real
 * HTTP, ACLs on: two stores, each with its own HTTP client, stand for two runners on two machines.
 */
class NomadJournalStoreContractTest extends JournalStoreContract {

  private NomadFixture nomad;

  private NomadFixture nomad() {
    if (nomad == null) {
      nomad = NomadFixture.builder().servers(1).clients(0).build();
    }
    return nomad;
  }

  @Override
  protected JournalStore open() {
    return NomadJournalStore.open(nomad().config().build(), "contract");
  }

  @Override
  protected JournalStore openAgain() {
    return NomadJournalStore.open(nomad().config().build(), "contract");
  }

  @Override
  protected void elapse(java.time.Duration d) {
    nomad().cluster.clock().sleep(d);
  }

  @AfterEach
  void stopNomad() {
    if (nomad != null) {
      nomad.close();
    }
  }
}
