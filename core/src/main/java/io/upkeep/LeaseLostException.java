package io.upkeep;

/**
 * A runner's lease on a journal lapsed or was taken over by another runner, so it must not write or
 * act again: the store refused its write (fencing), or the runner saw its lease expire. The run it
 * drove is not lost: whoever holds the lease now resumes it from the journal.
 */
public class LeaseLostException extends UpkeepException {

  /** An exception with {@code message}. */
  public LeaseLostException(String message) {
    super(message);
  }
}
