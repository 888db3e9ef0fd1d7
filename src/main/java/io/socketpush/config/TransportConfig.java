package io.socketpush.config;

/**
 * Timing of the HTTP transports of the time ticks (the WebSocket ones are in {@link WebSocketConfig}).
 *
 * @param longPollTimeoutMs a held long-poll is answered with 204 after this long: proxies and browsers give up on
 *                          requests that stay silent much longer, and a client that vanished is noticed
 * @param sseHeartbeatMs    an SSE comment is written to every stream this often, so proxies that close idle
 *                          connections keep the stream open even while no tick comes (a ticker failover)
 */
public record TransportConfig(long longPollTimeoutMs, long sseHeartbeatMs) {
}
