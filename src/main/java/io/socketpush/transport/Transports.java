package io.socketpush.transport;

import io.socketpush.NodeState;
import io.socketpush.config.ServiceConfig;
import io.socketpush.push.Hub;
import io.socketpush.push.TickFanOut;
import io.socketpush.ws.Endpoint;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;

/**
 * The time ticks over every transport besides {@code /ws/time}, for one HTTP verticle instance: polling,
 * long-polling, Server-Sent Events and SockJS. All of them read from the instance's one {@link Hub} and
 * {@link TickFanOut}, so adding a client adds no event-bus consumer and no timer.
 *
 * <table>
 *   <tr><td>{@code GET /api/time}</td><td>{@link Poll}</td></tr>
 *   <tr><td>{@code GET /api/time/next?after=<ts>}</td><td>{@link LongPoll}</td></tr>
 *   <tr><td>{@code GET /sse/time}</td><td>{@link SseStreams}</td></tr>
 *   <tr><td>{@code /sockjs/time}</td><td>{@link SockJsTime}, {@link SockJsWebSocket}</td></tr>
 * </table>
 */
public final class Transports {
  private final Poll poll;
  private final LongPoll longPoll;
  private final SseStreams sse;
  private final SockJsTime sockJs;
  private final SockJsWebSocket sockJsWebSocket;

  public Transports(Vertx vertx, ServiceConfig config, NodeState node, Hub hub, TickFanOut fanOut) {
    Gate gate = new Gate(node);
    this.poll = new Poll(fanOut, gate, node.stats().endpoint("poll"));
    this.longPoll = new LongPoll(vertx, config.transports().longPollTimeoutMs(), hub, fanOut, gate,
        node.stats().endpoint("longpoll"));
    this.sse = new SseStreams(vertx, config, hub, fanOut, gate, node.stats());
    this.sockJs = new SockJsTime(vertx, config, hub, gate, node.stats());
    this.sockJsWebSocket = new SockJsWebSocket(hub, node.stats(), config.ws().slowConsumerCloseMs());
  }

  /** Adds the routes; call on the instance's event loop, before any catch-all route. */
  public void mount(Router router) {
    router.get("/api/time").handler(poll::handle);
    router.get("/api/time/next").handler(longPoll::handle);
    router.get("/sse/time").handler(sse::handle);
    sockJs.mount(router);
  }

  /** The endpoint for a WebSocket upgrade to one of these transports' paths, or null. */
  public Endpoint webSocketEndpoint(String path) {
    return SockJsWebSocket.matches(path) ? sockJsWebSocket : null;
  }

  /** Starts the one heartbeat timer and the one long-poll sweep of this instance. */
  public void start() {
    sse.start();
    longPoll.start();
  }

  /**
   * Graceful drain: held long-polls get 204, SSE streams end, SockJS sessions close (SockJS WebSockets close
   * with the other sockets). Completes when all are done. Call on the instance's event loop.
   */
  public Future<Void> drain() {
    return Future.join(longPoll.drain(), sse.drain(), sockJs.drain()).mapEmpty();
  }

  public void stop() {
    sse.stop();
    longPoll.stop();
  }
}
