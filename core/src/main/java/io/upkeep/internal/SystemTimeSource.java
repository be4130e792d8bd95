package io.upkeep.internal;

import io.upkeep.UpkeepException;
import io.upkeep.spi.TimeSource;
import java.time.Duration;
import java.time.Instant;

/** The real clock; the only place in core that reads system time or sleeps. */
public enum SystemTimeSource implements TimeSource {
  INSTANCE;

  @Override
  public Instant now() {
    return Instant.now();
  }

  @Override
  public void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UpkeepException("interrupted while waiting " + duration, e);
    }
  }
}
