package io.upkeep.testkit;

import static java.time.Duration.ofSeconds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class VirtualClockTest {

  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  private final VirtualClock clock = new VirtualClock();
  private final List<String> ran = new ArrayList<>();

  @Test
  void startsAtNewYear2026UnlessToldOtherwise() {
    assertThat(clock.now()).isEqualTo(START);
    assertThat(new VirtualClock(Instant.EPOCH).now()).isEqualTo(Instant.EPOCH);
  }

  @Nested
  class Ordering {

    @Test
    void runsEventsDueAtTheSameInstantInTheOrderTheyWereScheduled() {
      for (String name : List.of("a", "b", "c", "d", "e")) {
        clock.schedule(ofSeconds(5), () -> ran.add(name));
      }

      clock.sleep(ofSeconds(5));

      assertThat(ran).containsExactly("a", "b", "c", "d", "e");
    }

    @Test
    void runsEventsInOrderOfDueTimeWithTheClockSetToEach() {
      clock.schedule(ofSeconds(3), () -> ran.add("c at " + clock.elapsed().toSeconds()));
      clock.schedule(ofSeconds(1), () -> ran.add("a at " + clock.elapsed().toSeconds()));
      clock.schedule(ofSeconds(2), () -> ran.add("b at " + clock.elapsed().toSeconds()));

      clock.sleep(ofSeconds(10));

      assertThat(ran).containsExactly("a at 1", "b at 2", "c at 3");
    }

    @Test
    void runsEventsThatEventsScheduleWithinTheSameSleep() {
      clock.schedule(ofSeconds(1), () -> clock.schedule(ofSeconds(1), () -> ran.add("child")));
      clock.schedule(ofSeconds(3), () -> ran.add("later"));

      clock.sleep(ofSeconds(3));

      assertThat(ran).containsExactly("child", "later");
    }

    @Test
    void neverRunsACancelledEvent() {
      VirtualClock.Scheduled cancelled = clock.schedule(ofSeconds(1), () -> ran.add("cancelled"));
      clock.schedule(ofSeconds(2), () -> ran.add("kept"));

      assertThat(cancelled.cancel()).isTrue();
      clock.sleep(ofSeconds(5));

      assertThat(ran).containsExactly("kept");
      assertThat(cancelled.cancel()).isFalse();
    }
  }

  @Nested
  class Sleeping {

    @Test
    void runsEveryEventDueUpToTheTargetThenSetsTheTimeToIt() {
      clock.schedule(ofSeconds(10), () -> ran.add("at 10s"));
      clock.schedule(ofSeconds(15), () -> ran.add("at 15s"));
      clock.schedule(ofSeconds(20), () -> ran.add("at 20s"));

      clock.sleep(ofSeconds(15));

      assertThat(ran).containsExactly("at 10s", "at 15s");
      assertThat(clock.now()).isEqualTo(START.plusSeconds(15));
      assertThat(clock.elapsed()).isEqualTo(ofSeconds(15));
    }

    @Test
    void neverGoesBackwards() {
      clock.sleep(ofSeconds(30));

      assertThatThrownBy(() -> clock.sleep(ofSeconds(-1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("never goes backwards");
      assertThatThrownBy(() -> clock.schedule(ofSeconds(-1), () -> ran.add("past")))
          .isInstanceOf(IllegalArgumentException.class);
      clock.sleep(Duration.ZERO);
      assertThat(clock.now()).isEqualTo(START.plusSeconds(30));
    }

    @Test
    void runsTheNextEventOnlyIfItIsDueByTheLimit() {
      clock.schedule(ofSeconds(10), () -> ran.add("due"));

      assertThat(clock.runNextEventUntil(START.plusSeconds(9))).isFalse();
      assertThat(clock.now()).isEqualTo(START);
      assertThat(clock.runNextEventUntil(START.plusSeconds(10))).isTrue();
      assertThat(clock.now()).isEqualTo(START.plusSeconds(10));
      assertThat(ran).containsExactly("due");
      assertThat(clock.runNextEventUntil(START.plusSeconds(100))).isFalse();
    }
  }

  @Test
  void runsItsHooksAfterEachEventSeeingWhatTheEventDid() {
    clock.afterEachEvent(() -> ran.add("hook after " + ran.size()));
    clock.schedule(ofSeconds(1), () -> ran.add("one"));
    clock.schedule(ofSeconds(2), () -> ran.add("two"));

    clock.sleep(ofSeconds(2));

    assertThat(ran).containsExactly("one", "hook after 1", "two", "hook after 3");
    assertThat(clock.eventsRun()).isEqualTo(2);
  }

  @Test
  void failsOnALivelockNamingItsEventLimit() {
    VirtualClock limited = new VirtualClock(START, 100);
    Runnable[] again = new Runnable[1];
    again[0] = () -> limited.schedule(Duration.ZERO, again[0]);
    limited.schedule(Duration.ZERO, again[0]);

    assertThatThrownBy(() -> limited.sleep(ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("event limit of 100")
        .hasMessageContaining("livelock");
    assertThat(limited.eventsRun()).isEqualTo(100);
  }
}
