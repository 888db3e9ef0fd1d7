package io.socketpush.config;

/**
 * Limits against floods; 0 turns one off. Each refusal is counted in metrics.
 *
 * @param maxConnections          sockets per instance: memory and open files are finite (503 beyond)
 * @param maxConnectionsPerIp     sockets per client address: one client cannot take them all (429 beyond)
 * @param newConnectionsPerSecond handshakes per second: a reconnect storm or a flood cannot starve the event loops (429 beyond)
 * @param echoMessagesPerSecond   messages per echo socket per second: one socket cannot keep a loop busy (1008 beyond)
 */
public record LimitsConfig(int maxConnections, int maxConnectionsPerIp, int newConnectionsPerSecond,
                           int echoMessagesPerSecond) {
}
