package io.upkeep.event;

/**
 * Receives a run's events, in order, on the thread that runs it. A listener may call the run's
 * {@code pause()}, {@code abort()} or {@code approve()}; it must not block. An exception thrown by
 * a listener is logged and does not stop the run.
 */
@FunctionalInterface
public interface UpgradeListener {

  /** Called for each event. */
  void onEvent(UpgradeEvent event);
}
