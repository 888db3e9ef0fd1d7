package io.socketpush.core;

/**
 * Something a {@link Hub} delivers publications to: a WebSocket today, an SSE stream or a held
 * long-poll tomorrow. Called on the event loop that owns the hub, which owns the subscriber too.
 */
public interface Subscriber {
  /** Delivers, or skips if the subscriber cannot take more now; never blocks, never queues without bound. */
  void deliver(Publication publication);
}
