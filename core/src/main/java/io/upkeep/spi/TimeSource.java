package io.upkeep.spi;

import io.upkeep.internal.SystemTimeSource;
import java.time.Duration;
import java.time.Instant;

/**
 * The one source of time for a run: it reads the time <em>and</em> waits. Core never reads the
 * system clock or sleeps on its own, so a virtual implementation (the testkit's {@code
 * VirtualClock}) can run a week-long upgrade in milliseconds, deterministically. Implementations
 * must be thread-safe.
 */
public interface TimeSource {

  /** The current instant. */
  Instant now();

  /**
   * Waits for {@code duration}. A virtual implementation advances its time instead.
   *
   * @throws io.upkeep.UpkeepException if the waiting thread is interrupted
   */
  void sleep(Duration duration);

  /** The system clock, waiting with real sleeps. */
  static TimeSource system() {
    return SystemTimeSource.INSTANCE;
  }
}
