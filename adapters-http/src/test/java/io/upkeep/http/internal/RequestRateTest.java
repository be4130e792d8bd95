package io.upkeep.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The rate limit's arithmetic, on a clock the test moves. */
class RequestRateTest {

  static final Duration TIMEOUT = Duration.ofSeconds(30);
  static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  final AtomicLong now = new AtomicLong(1_000_000_000L);
  final RequestRate rate = new RequestRate(20, now::get);

  @Test
  void letsASecondsWorthThroughAtOnce() {
    for (int i = 0; i < 20; i++) {
      assertThat(rate.reserve(TIMEOUT)).isZero();
    }
  }

  @Test
  void holdsARequestOverTheBurstOnlyUntilItsOwnTokenIsBack() {
    for (int i = 0; i < 20; i++) {
      rate.reserve(TIMEOUT);
    }
    assertThat(rate.reserve(TIMEOUT)).isEqualTo(50 * MS);
    assertThat(rate.reserve(TIMEOUT)).isEqualTo(100 * MS);
    now.addAndGet(100 * MS);
    assertThat(rate.reserve(TIMEOUT)).isEqualTo(50 * MS);
  }

  @Test
  void isFullAgainAfterAQuietSecondAndNeverFuller() {
    for (int i = 0; i < 25; i++) {
      rate.reserve(TIMEOUT);
    }
    now.addAndGet(TimeUnit.SECONDS.toNanos(10));
    for (int i = 0; i < 20; i++) {
      assertThat(rate.reserve(TIMEOUT)).isZero();
    }
    assertThat(rate.reserve(TIMEOUT)).isEqualTo(50 * MS);
  }

  @Test
  void takesNoTokenForARequestThatWouldWaitLongerThanItsTimeout() {
    for (int i = 0; i < 20; i++) {
      rate.reserve(TIMEOUT);
    }
    assertThat(rate.reserve(Duration.ofMillis(10))).isEqualTo(-1);
    assertThat(rate.reserve(TIMEOUT)).isEqualTo(50 * MS);
  }

  @Test
  void givesBackTheTokenOfALongPollTheServerHeldForAtLeastATokensRefillTime() {
    for (int i = 0; i < 20; i++) {
      rate.reserve(TIMEOUT);
    }
    rate.refund(49 * MS);
    assertThat(rate.reserve(TIMEOUT)).isEqualTo(50 * MS);
    rate.refund(50 * MS);
    assertThat(rate.reserve(TIMEOUT)).isEqualTo(50 * MS);
  }

  @Test
  void refusesARateThatIsNotPositive() {
    assertThatThrownBy(() -> new RequestRate(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
