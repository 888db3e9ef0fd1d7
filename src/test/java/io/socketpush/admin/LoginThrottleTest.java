package io.socketpush.admin;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Wrong admin passwords lock their address out for longer each time, up to a minute; a success forgets them. */
class LoginThrottleTest {
  private final LoginThrottle throttle = new LoginThrottle(new SimpleMeterRegistry());

  @Test
  void eachWrongPasswordDoublesTheWaitUpToAMinute() {
    long now = 1_000_000;
    assertEquals(0, throttle.waitMs("10.0.0.1", now));
    assertEquals(1000, throttle.failed("10.0.0.1", now));
    assertEquals(1000, throttle.waitMs("10.0.0.1", now));
    assertEquals(400, throttle.waitMs("10.0.0.1", now + 600));
    assertEquals(0, throttle.waitMs("10.0.0.2", now), "another address is not slowed");
    assertEquals(2000, throttle.failed("10.0.0.1", now + 1000));
    assertEquals(4000, throttle.failed("10.0.0.1", now + 3000));
    for (int i = 0; i < 40; i++) {
      throttle.failed("10.0.0.1", now);
    }
    assertEquals(LoginThrottle.LONGEST_LOCK_MS, throttle.failed("10.0.0.1", now));
  }

  @Test
  void aSuccessForgetsTheAddress() {
    throttle.failed("10.0.0.1", 0);
    throttle.failed("10.0.0.1", 0);
    throttle.succeeded("10.0.0.1");
    assertEquals(1000, throttle.failed("10.0.0.1", 10_000), "counted from the start again");
  }

  @Test
  void theOldestAddressesAreForgottenBeyondTheBound() {
    for (int i = 0; i <= LoginThrottle.MAX_ADDRESSES; i++) {
      throttle.failed("a" + i, 0);
    }
    assertEquals(0, throttle.waitMs("a0", 1), "the least recent one gave way");
    assertEquals(999, throttle.waitMs("a" + LoginThrottle.MAX_ADDRESSES, 1));
  }
}
