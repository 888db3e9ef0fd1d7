package io.socketpush.config;

/**
 * @param host      interface to bind
 * @param port      port to bind; 0 picks a free one (tests)
 * @param instances HTTP verticle instances; each owns the sockets it accepted and fans out to them
 * @param transport the network transport asked for: auto, epoll, io_uring or nio
 */
public record HttpConfig(String host, int port, int instances, String transport) {
}
