package io.socketpush.security;

import io.socketpush.config.LimitsConfig;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ConnectionLimitsTest {

  /**
   * Two event loops, one closing a socket from an address while the other opens one.
   * Each thread holds at most one slot at a time and counts what it holds; with a limit of one per address
   * the sum may never pass one.
   */
  @Test
  void aCloseAndAnOpenRacingOnTwoThreadsNeverAdmitOneOverTheAddressLimit() throws Exception {
    ConnectionLimits limits = new ConnectionLimits(new LimitsConfig(0, 1, 0, 0, 0, 10_000, 30_000, 0, 0));
    AtomicInteger held = new AtomicInteger();
    AtomicReference<String> overLimit = new AtomicReference<>();
    CyclicBarrier start = new CyclicBarrier(2);
    Runnable loop = () -> {
      try {
        start.await();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      for (int i = 0; i < 500_000 && overLimit.get() == null; i++) {
        try {
          limits.acquire("10.0.0.1");
        } catch (Refusal refused) {
          continue;
        }
        int now = held.incrementAndGet();
        if (now > 1) {
          overLimit.compareAndSet(null, now + " sockets held from one address, limit 1, at round " + i);
        }
        held.decrementAndGet();
        limits.release("10.0.0.1");
      }
    };
    Thread a = new Thread(loop, "loop-a");
    Thread b = new Thread(loop, "loop-b");
    a.start();
    b.start();
    a.join();
    b.join();
    assertNull(overLimit.get());
    assertEquals(0, limits.open());
  }
}
