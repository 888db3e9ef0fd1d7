package io.socketpush.channel;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The id every publication gets inside the server, client key or not: a random number drawn once per process
 * and a counter, two longs (no string per publication). Unique enough that a channel's log can tell an append
 * it already ran (Hazelcast ran the same operation again) from a new one.
 */
final class PublicationIds {
  /** This process's half of every id. */
  static final long NODE = new SecureRandom().nextLong();
  /** {@code channels.idempotencyWindowMs}'s default, for callers without a configuration (tests). */
  static final long DEFAULT_WINDOW_MS = 300_000;
  private static final AtomicLong COUNTER = new AtomicLong();

  private PublicationIds() {
  }

  /** Reserves {@code n} consecutive ids; returns the first. */
  static long next(int n) {
    return COUNTER.getAndAdd(n);
  }
}
