package io.upkeep.http.internal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The request rate limit: a token bucket holding up to one second's worth of requests, refilled
 * continuously. A request over the limit waits only until its own token has been refilled (1/rate
 * per request it is over), where a fixed window would hold it, and every request after it, until
 * the window ends: after a quiet spell, such as a blocking query's wait, the requests its answer
 * calls for go at once. A long poll the server held for at least a token's refill time gets its
 * token back ({@link #refund}): the server paced it, so it does not eat into the share of the
 * requests its answer calls for. Thread-safe; waits in real time, as the HTTP it paces.
 */
public final class RequestRate {

  private final double perNano;
  private final double burst;
  private final LongSupplier nanoTime;
  private double tokens;
  private long updated;

  /**
   * A limit of {@code perSecond} requests a second, full.
   *
   * @throws IllegalArgumentException if {@code perSecond} is not positive
   */
  public RequestRate(double perSecond) {
    this(perSecond, System::nanoTime);
  }

  /** A limit on the clock {@code nanoTime}, for tests. */
  RequestRate(double perSecond, LongSupplier nanoTime) {
    if (!(perSecond > 0)) {
      throw new IllegalArgumentException("perSecond must be positive, got " + perSecond);
    }
    this.perNano = perSecond / TimeUnit.SECONDS.toNanos(1);
    this.burst = Math.max(1, perSecond);
    this.nanoTime = nanoTime;
    this.tokens = burst;
    this.updated = nanoTime.getAsLong();
  }

  /**
   * Takes a token, waiting for it if need be; takes none and returns false if that wait would be
   * longer than {@code timeout}. Requests that wait are served in the order they asked.
   *
   * @throws InterruptedException if interrupted while waiting (the token is spent)
   */
  public boolean acquire(Duration timeout) throws InterruptedException {
    long wait = reserve(timeout);
    if (wait < 0) {
      return false;
    }
    TimeUnit.NANOSECONDS.sleep(wait);
    return true;
  }

  /**
   * Gives back a token taken for a request that paced itself: a long poll that the server held for
   * at least the time a token takes to refill.
   */
  public void refund(long heldNanos) {
    if (heldNanos * perNano >= 1) {
      synchronized (this) {
        tokens = Math.min(burst, tokens + 1);
      }
    }
  }

  /**
   * Takes a token now and returns how many nanoseconds to wait before using it; -1, taking none, if
   * that would be longer than {@code timeout}. Later requests wait behind the tokens taken.
   */
  synchronized long reserve(Duration timeout) {
    long now = nanoTime.getAsLong();
    tokens = Math.min(burst, tokens + (now - updated) * perNano);
    updated = now;
    long wait = tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) / perNano);
    if (wait > timeout.toNanos()) {
      return -1;
    }
    tokens -= 1;
    return wait;
  }
}
