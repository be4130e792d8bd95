package io.upkeep;

import io.upkeep.internal.Reconciler;

/**
 * One execution of a plan. {@link #execute()} works until the run is over, paused, or waiting for an
 * approval; the control methods may be called from any thread or from a listener, and take effect at
 * the next turn. Thread-safe.
 */
public final class UpgradeRun {

  private final Reconciler reconciler;

  UpgradeRun(Reconciler reconciler) {
    this.reconciler = reconciler;
  }

  /**
   * Works until the run is over ({@link RunStatus#terminal()}), paused with nothing in flight, or
   * waiting for an approval that nothing else can progress without. Call again after
   * {@link #resume()} or {@link #approve(String)}.
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

  /** Lets a paused run start nodes again; also forgets failures counted so far against the threshold. */
  public void resume() {
    reconciler.resume();
  }

  /** Stops the run: nodes in flight are restored to how they were; finished nodes stay upgraded. */
  public void abort(String reason) {
    reconciler.abort(reason);
  }

  /** Approves the gate named {@code gate}; approving an unknown or already approved gate is harmless. */
  public void approve(String gate) {
    reconciler.approve(gate);
  }

  /** The run's state as a plain value, to save and later {@linkplain UpgradeExecutor#resume resume}. */
  public RunState state() {
    return reconciler.state();
  }

  /** A report of where the run stands now. */
  public RunReport report() {
    return reconciler.report();
  }
}
