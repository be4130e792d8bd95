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
  /** Restoring touched nodes after a failure, an abort or a rollback request. */
  ROLLING_BACK,
  /** Every unit finished; see the report for units that failed within the threshold. */
  SUCCEEDED,
  /** Stopped for failures; touched nodes were restored. */
  FAILED,
  /** Stopped by an operator; in-flight nodes were restored. */
  ABORTED,
  /** Every touched node was restored at an operator's request. */
  ROLLED_BACK;

  /** Whether the run is over. */
  public boolean terminal() {
    return this == SUCCEEDED || this == FAILED || this == ABORTED || this == ROLLED_BACK;
  }
}
