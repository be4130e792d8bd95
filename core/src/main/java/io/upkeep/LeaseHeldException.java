package io.upkeep;

import io.upkeep.spi.Lease;

/**
 * Another runner holds the lease on the journal, so this one may not drive its runs: two processes
 * never drive one cluster at once. Wait for the holder to finish or release it, or for its lease to
 * lapse (a runner that died), then try again.
 */
public class LeaseHeldException extends UpkeepException {

  private final transient Lease holder;

  /** An exception saying that {@code holder} holds the lease. */
  public LeaseHeldException(Lease holder) {
    super(
        "runner '"
            + holder.owner()
            + "' holds the journal's lease until "
            + holder.expiresAt()
            + ": only one runner drives a cluster at a time; wait for it to finish, or for its lease"
            + " to lapse if it died, then start or resume again");
    this.holder = holder;
  }

  /** The lease that is held. */
  public Lease holder() {
    return holder;
  }
}
