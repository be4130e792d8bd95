package io.upkeep;

/** Where a run stands. */
public enum RunStatus {
  /** Made but not started. */
  PENDING,
  /** Working. */
  RUNNING,
  /** Paused by an operator or by the failure policy: no new unit starts until resumed. */
  PAUSED,
  /** Waiting for an operator to approve a gate; nothing else can progress. */
  AWAITING_APPROVAL,
  /** Restoring the nodes in flight after too many failures; ends {@link #FAILED}. */
  ROLLING_BACK,
  /** Restoring the nodes in flight after an operator's abort; ends {@link #ABORTED}. */
  ABORTING,
  /**
   * Aborted by an operator without rollback: the nodes in flight finish their steps, no other node
   * starts; ends {@link #ABORTED}.
   */
  FINISHING,
  /** Every unit finished; see the report for units that failed within the threshold. */
  SUCCEEDED,
  /** Stopped for failures; touched nodes were restored. */
  FAILED,
  /** Stopped by an operator; in-flight nodes were restored. */
  ABORTED;

  /** Whether the run is over. */
  public boolean terminal() {
    return this == SUCCEEDED || this == FAILED || this == ABORTED;
  }
}
