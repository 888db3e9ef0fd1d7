package io.socketpush.config;

/**
 * Limits of one socket. Each protects the server from one kind of client.
 *
 * @param maxMessageBytes     a client cannot make the server buffer more than this for one message
 * @param pingIntervalMs      a socket silent this long is pinged, so dead peers are found
 * @param idleTimeoutMs       a socket silent this long, pong included, is closed: no half-open sockets pile up
 * @param writeQueueMaxBytes  bytes queued to one socket before it counts as slow: bounds memory per reader
 * @param slowConsumerCloseMs a socket full this long is closed with 1008: a stuck reader does not stay forever
 * @param maxQueuedBytes      bytes queued to one socket, whatever they are, beyond which it is dropped (1008): a
 *                            client that sends pings or bad requests and never reads cannot fill the heap
 * @param framesPerSecond     frames of any kind one socket may send per second (1008 beyond): empty frames and
 *                            pings cost a loop as much as messages do
 */
public record WebSocketConfig(int maxMessageBytes, long pingIntervalMs, long idleTimeoutMs,
                              int writeQueueMaxBytes, long slowConsumerCloseMs, int maxQueuedBytes,
                              int framesPerSecond) {
}
