package io.upkeep;

import io.upkeep.internal.Reconciler;

/**
 * One execution of a plan. {@link #execute()} works until the run is over, paused, or waiting for
 * an approval; the control methods may be called from any thread or from a listener, and take
 * effect at the next turn. Thread-safe.
 */
public final class UpgradeRun {

  private final Reconciler reconciler;

  UpgradeRun(Reconciler reconciler) {
    this.reconciler = reconciler;
  }

  /**
   * Works until the run is over ({@link RunStatus#terminal()}), paused with nothing in flight, or
   * waiting for an approval that nothing else can progress without. Call again after {@link
   * #resume()} or {@link #approve(String)}. Outside the policy's {@linkplain Policy#windows()
   * maintenance windows} it does not return: it waits for the next opening, with nothing in flight
   * by turning hourly (or when the cluster changes), so controls given meanwhile apply within the
   * hour.
   *
   * @return where the run stands
   */
  public RunReport execute() {
    return reconciler.execute();
  }

  /** Stops starting new nodes; nodes in flight carry on to the end of their steps. */
  public void pause(String reason) {
    reconciler.pause(reason);
  }

  /**
   * Lets a paused run start nodes again; also forgets failures counted so far against the
   * threshold.
   */
  public void resume() {
    reconciler.resume();
  }

  /**
   * Stops the run for good: nodes in flight are restored to how they were (a host operation in
   * flight is given until its deadline to finish first); finished nodes stay upgraded; a unit past
   * its point of no return is left to an operator. An aborted run never moves forward again, even
   * if resumed or after the cluster could not be observed; {@link #state()} shows the abort at
   * once, so it survives a crash.
   */
  public void abort(String reason) {
    reconciler.abort(reason);
  }

  /**
   * Stops the run for good without rollback: the nodes in flight finish their steps (forward), no
   * other node starts, and the run ends {@link RunStatus#ABORTED} with the rest skipped; nothing
   * that was done is undone. Use it when the nodes in flight should rather be finished than put
   * back; {@link #abort} restores them. A later {@link #abort} still restores what is in flight.
   */
  public void abortWithoutRollback(String reason) {
    reconciler.abortWithoutRollback(reason);
  }

  /**
   * Approves the gate named {@code gate}, as an {@code ApprovalRequested} event named it; approving
   * a gate again is harmless.
   *
   * @throws IllegalArgumentException if the plan has no such gate, listing the gates it has
   */
  public void approve(String gate) {
    reconciler.approve(gate);
  }

  /**
   * Declines the gate named {@code gate}: the unit waiting at it fails, counts against the failure
   * threshold and is restored. Declining a gate no unit waits at changes nothing.
   *
   * @throws IllegalArgumentException if the plan has no such gate, listing the gates it has
   */
  public void decline(String gate, String reason) {
    reconciler.decline(gate, reason);
  }

  /**
   * The run's state as a plain value, to save and later {@linkplain UpgradeExecutor#resume resume};
   * safe to call from any thread while {@link #execute()} runs.
   */
  public RunState state() {
    return reconciler.state();
  }

  /**
   * A report of where the run stands now; safe to call from any thread while {@link #execute()}
   * runs.
   */
  public RunReport report() {
    return reconciler.report();
  }
}
