package io.socketpush.config;

/**
 * Limits against floods; 0 turns one off (the timeouts cannot be). Each refusal is counted in metrics.
 *
 * @param maxConnections               sockets per instance: memory and open files are finite (503 beyond)
 * @param maxConnectionsPerIp          sockets per client address: one client cannot take them all (429 beyond)
 * @param newConnectionsPerSecond      handshakes per second: a reconnect storm or a flood cannot starve the event loops (429 beyond)
 * @param echoMessagesPerSecond        messages per echo socket per second: one socket cannot keep a loop busy (1008 beyond)
 * @param pendingRequestsPerIp         plain HTTP connections per client address still waiting for a request's head or
 *                                     body: a slowloris cannot take the open files (a new one is closed at once beyond)
 * @param httpHeaderTimeoutMs          from accept, or the end of the previous response, to a request's whole head
 * @param httpBodyTimeoutMs            from a request's head to its body's end, or to a WebSocket handshake's answer
 * @param apiPublishesPerSecondPerIp   REST publications per client address without the API key (429 beyond)
 * @param apiPublishesPerSecondPerKey  REST publications with the API key, all its holders together (429 beyond)
 */
public record LimitsConfig(int maxConnections, int maxConnectionsPerIp, int newConnectionsPerSecond,
                           int echoMessagesPerSecond, int pendingRequestsPerIp, int httpHeaderTimeoutMs,
                           int httpBodyTimeoutMs, int apiPublishesPerSecondPerIp, int apiPublishesPerSecondPerKey) {
}
