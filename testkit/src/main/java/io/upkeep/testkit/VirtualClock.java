package io.upkeep.testkit;

import io.upkeep.spi.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A deterministic discrete-event clock: a {@link TimeSource} whose time only moves when someone
 * waits on it, running the events scheduled on it in order of due time, events due at the same
 * instant in the order they were scheduled. A week-long upgrade runs in milliseconds and runs the
 * same way every time.
 *
 * <p>Time never goes backwards. Every event run counts against an event limit (50 million by
 * default) so that a livelock, such as an event that keeps rescheduling itself without time
 * advancing, fails with an {@link IllegalStateException} instead of hanging the test.
 *
 * <p>Thread-safe: every method may be called from any thread. Events and hooks run on the thread
 * that advances the clock, without the clock's lock held, so they may schedule further events.
 * Drive it from one thread for a deterministic order.
 */
public final class VirtualClock implements TimeSource {

  /** The instant a clock starts at unless told otherwise: 2026-01-01T00:00:00Z. */
  public static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");

  /** How many events a clock runs before it decides it is in a livelock, unless told otherwise. */
  public static final long DEFAULT_EVENT_LIMIT = 50_000_000L;

  private static final Comparator<Scheduled> ORDER =
      Comparator.comparing((Scheduled s) -> s.due).thenComparingLong(s -> s.sequence);

  private final Instant start;
  private final long eventLimit;
  private final PriorityQueue<Scheduled> queue = new PriorityQueue<>(ORDER);
  private final List<Runnable> hooks = new CopyOnWriteArrayList<>();
  private Instant now;
  private long sequence;
  private long eventsRun;

  /**
   * A clock at {@link #DEFAULT_START} with the {@linkplain #DEFAULT_EVENT_LIMIT default event
   * limit}.
   */
  public VirtualClock() {
    this(DEFAULT_START);
  }

  /**
   * A clock at {@code start} with the {@linkplain #DEFAULT_EVENT_LIMIT default event limit}.
   *
   * @throws NullPointerException if {@code start} is null
   */
  public VirtualClock(Instant start) {
    this(start, DEFAULT_EVENT_LIMIT);
  }

  /**
   * A clock at {@code start} that fails once it has run more than {@code eventLimit} events.
   *
   * @throws NullPointerException if {@code start} is null
   * @throws IllegalArgumentException if {@code eventLimit} is below 1
   */
  public VirtualClock(Instant start, long eventLimit) {
    this.start = Objects.requireNonNull(start, "start");
    if (eventLimit < 1) {
      throw new IllegalArgumentException("eventLimit must be 1 or more, got " + eventLimit);
    }
    this.eventLimit = eventLimit;
    this.now = start;
  }

  /** The current virtual instant. */
  @Override
  public synchronized Instant now() {
    return now;
  }

  /** How much virtual time has passed since the clock started. */
  public synchronized Duration elapsed() {
    return Duration.between(start, now);
  }

  /**
   * Advances the clock by {@code duration}: runs, in order, every event due up to {@code now() +
   * duration} (including events those events schedule within that window), then sets the time to
   * {@code now() + duration}. Never waits in real time.
   *
   * @throws NullPointerException if {@code duration} is null
   * @throws IllegalArgumentException if {@code duration} is negative: time never goes backwards
   * @throws IllegalStateException if the event limit is exceeded
   */
  @Override
  public void sleep(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative()) {
      throw new IllegalArgumentException(
          "cannot sleep a negative duration (" + duration + "): time never goes backwards");
    }
    Instant target;
    synchronized (this) {
      target = now.plus(duration);
    }
    while (runNextEventUntil(target)) {
      // each turn ran one event
    }
    synchronized (this) {
      if (now.isBefore(target)) {
        now = target;
      }
    }
  }

  /**
   * Schedules {@code action} to run {@code delay} from now, after every event already scheduled for
   * the same instant.
   *
   * @return a handle that can cancel the event before it runs
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code delay} is negative
   */
  public synchronized Scheduled schedule(Duration delay, Runnable action) {
    Objects.requireNonNull(delay, "delay");
    Objects.requireNonNull(action, "action");
    if (delay.isNegative()) {
      throw new IllegalArgumentException(
          "cannot schedule an event in the past (delay " + delay + ")");
    }
    Scheduled s = new Scheduled(now.plus(delay), sequence++, action);
    queue.add(s);
    return s;
  }

  /**
   * Runs the next event if it is due at or before {@code limit}, first setting the time to its due
   * instant, then runs the {@linkplain #afterEachEvent hooks}.
   *
   * @return whether an event ran
   * @throws NullPointerException if {@code limit} is null
   * @throws IllegalStateException if the event limit is exceeded
   */
  public boolean runNextEventUntil(Instant limit) {
    Objects.requireNonNull(limit, "limit");
    Scheduled next;
    synchronized (this) {
      while ((next = queue.peek()) != null && next.cancelled) {
        queue.poll();
      }
      if (next == null || next.due.isAfter(limit)) {
        return false;
      }
      if (eventsRun >= eventLimit) {
        throw new IllegalStateException(
            "VirtualClock ran its event limit of "
                + eventLimit
                + " events by "
                + now
                + ": something keeps scheduling events without letting time advance (a livelock?); "
                + "if the simulation really is that long, create the clock with a higher eventLimit");
      }
      queue.poll();
      eventsRun++;
      next.ran = true;
      if (next.due.isAfter(now)) {
        now = next.due;
      }
    }
    next.action.run();
    for (Runnable hook : hooks) {
      hook.run();
    }
    return true;
  }

  /**
   * Registers {@code hook} to run after every event, in registration order; the invariant monitor
   * checks the cluster this way.
   *
   * @throws NullPointerException if {@code hook} is null
   */
  public void afterEachEvent(Runnable hook) {
    hooks.add(Objects.requireNonNull(hook, "hook"));
  }

  /** How many events have run since the clock started. */
  public synchronized long eventsRun() {
    return eventsRun;
  }

  @Override
  public synchronized String toString() {
    return "VirtualClock[" + now + ", " + eventsRun + " events run, " + queue.size() + " queued]";
  }

  /** An event scheduled on a {@link VirtualClock}: a handle to cancel it. Thread-safe. */
  public final class Scheduled {
    private final Instant due;
    private final long sequence;
    private final Runnable action;
    private boolean cancelled;
    private boolean ran;

    private Scheduled(Instant due, long sequence, Runnable action) {
      this.due = due;
      this.sequence = sequence;
      this.action = action;
    }

    /** When the event is due. */
    public Instant due() {
      return due;
    }

    /**
     * Cancels the event so that it never runs.
     *
     * @return whether this call cancelled it; false if it had already run or been cancelled
     */
    public boolean cancel() {
      synchronized (VirtualClock.this) {
        if (ran || cancelled) {
          return false;
        }
        cancelled = true;
        return true;
      }
    }
  }

  /**
   * Starts a daemon thread that advances this clock with the system clock, from its time now, until
   * the thread is interrupted: what a fake needs when it is measured or driven in real time (the
   * benchmark, a standalone fake server for tools in other languages). Tests drive the clock by
   * hand instead.
   *
   * @return the thread; interrupt it (and join it) to stop following
   */
  public Thread followSystemClock() {
    Instant virtualStart = now();
    long start = System.nanoTime();
    Thread t =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                Duration behind =
                    Duration.between(now(), virtualStart.plusNanos(System.nanoTime() - start));
                if (!behind.isNegative() && !behind.isZero()) {
                  sleep(behind);
                }
                try {
                  Thread.sleep(1);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "virtual-clock-follower");
    t.setDaemon(true);
    t.start();
    return t;
  }
}
