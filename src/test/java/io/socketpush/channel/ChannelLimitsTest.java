package io.socketpush.channel;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.socketpush.core.PushStats;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which channels the bounds keep, forget and evict, with time moved by the test instead of waited for. */
class ChannelLimitsTest {
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final InstantSource clock = () -> Instant.ofEpochMilli(now.get());
  private final Set<String> subscribed = new HashSet<>();
  private final PushStats stats = new PushStats(new SimpleMeterRegistry(), c -> c);

  /** A channel that keeps history until {@code historyUntil}. */
  private final class Fake implements ChannelLimits.Held {
    long lastUsed = now.get();
    long historyUntil;
    boolean forgotten;

    @Override
    public long lastUsedMs() {
      return lastUsed;
    }

    @Override
    public boolean keepsHistory(long nowMs) {
      return nowMs < historyUntil;
    }

    @Override
    public void forget() {
      forgotten = true;
    }

    @Override
    public boolean forgotten() {
      return forgotten;
    }
  }

  private ChannelLimits<Fake> limits(int max) {
    return new ChannelLimits<>(max, 1000, clock, subscribed::contains, stats);
  }

  @Test
  void anIdleChannelWithoutSubscriberOrHistoryIsForgottenAndOnlyThen() {
    ChannelLimits<Fake> limits = limits(10);
    Fake idle = limits.acquire("idle", Fake::new);
    Fake followed = limits.acquire("followed", Fake::new);
    subscribed.add("followed");
    Fake remembered = limits.acquire("remembered", Fake::new);
    remembered.historyUntil = now.get() + 5000;
    now.addAndGet(999);
    limits.sweep();
    assertEquals(3, limits.size(), "not idle for idleTimeoutMs yet");
    now.addAndGet(1);
    limits.sweep();
    assertEquals(2, limits.size());
    assertTrue(idle.forgotten);
    assertNotSame(idle, limits.acquire("idle", Fake::new), "used again: a new channel");
    assertSame(followed, limits.acquire("followed", Fake::new));
    now.addAndGet(5000);
    limits.sweep();
    assertTrue(remembered.forgotten, "forgotten once its history expired");
    assertTrue(!followed.forgotten, "a channel with a subscriber never is");
  }

  @Test
  void aFullNodeEvictsTheIdlestWithoutHistoryFirstThenWithHistoryThenRefuses() {
    ChannelLimits<Fake> limits = limits(3);
    Fake withHistory = limits.acquire("history", Fake::new);
    withHistory.historyUntil = Long.MAX_VALUE;
    now.addAndGet(10);
    Fake plain = limits.acquire("plain", Fake::new);
    now.addAndGet(10);
    limits.acquire("followed", Fake::new);
    subscribed.add("followed");

    limits.acquire("new1", Fake::new);
    assertTrue(plain.forgotten, "the idlest without history goes first, though one with history is idler");
    assertTrue(!withHistory.forgotten);
    subscribed.add("new1");
    limits.acquire("new2", Fake::new);
    assertTrue(withHistory.forgotten, "then the idlest with history");
    subscribed.add("new2");
    ChannelError full = assertThrows(ChannelError.class, () -> limits.acquire("new3", Fake::new));
    assertEquals(ChannelError.CHANNELS_FULL, full.code());
    assertEquals(503, full.httpStatus());
    assertEquals(3, limits.size());
    assertEquals(1, stats.toJson().getJsonObject("channels").getLong("refused"));
    assertEquals(2, stats.toJson().getJsonObject("channels").getLong("evicted"));
  }
}
