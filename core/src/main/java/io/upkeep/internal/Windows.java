package io.upkeep.internal;

import io.upkeep.MaintenanceWindow;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;

/**
 * A policy's maintenance windows as one: open when any is, always open when there are none.
 * Remembers the last span it worked out (open until, closed until), so a caller that asks about
 * rising instants, as the executor's turns and the finish estimate do, rarely asks cron-utils. Not
 * thread-safe: each user holds its own.
 */
public final class Windows {

  private final List<MaintenanceWindow> windows;
  private Instant spanFrom;
  private Instant spanUntil;
  private boolean spanOpen;

  public Windows(List<MaintenanceWindow> windows) {
    this.windows = List.copyOf(windows);
  }

  /** Whether there are no windows, so that it is always open. */
  public boolean alwaysOpen() {
    return windows.isEmpty();
  }

  /** Whether some window is open at {@code at}. */
  public boolean isOpen(Instant at) {
    if (windows.isEmpty()) {
      return true;
    }
    if (spanFrom == null || at.isBefore(spanFrom) || !at.isBefore(spanUntil)) {
      spanFrom = at;
      spanOpen = false;
      spanUntil = Instant.MAX;
      for (MaintenanceWindow w : windows) {
        if (w.isOpen(at)) {
          // Open at least until the first of the open ones closes.
          Instant closes = w.closesAt(at);
          spanUntil = spanOpen && spanUntil.isBefore(closes) ? spanUntil : closes;
          spanOpen = true;
        } else if (!spanOpen) {
          Instant opens = w.nextOpening(at);
          spanUntil = opens.isBefore(spanUntil) ? opens : spanUntil;
        }
      }
    }
    return spanOpen;
  }

  /**
   * When some window is next open: {@code at} if one is open then, else the earliest next opening,
   * in the zone of the window that opens.
   */
  public ZonedDateTime nextOpening(Instant at) {
    if (windows.isEmpty() || isOpen(at)) {
      return at.atZone(windows.isEmpty() ? ZoneOffset.UTC : windows.get(0).zone());
    }
    ZonedDateTime first = null;
    for (MaintenanceWindow w : windows) {
      Instant opens = w.nextOpening(at);
      if (first == null || opens.isBefore(first.toInstant())) {
        first = opens.atZone(w.zone());
      }
    }
    return first;
  }
}
