package io.socketpush.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.socketpush.config.ServiceConfig;
import io.socketpush.push.EndpointMeters;
import io.socketpush.push.Hub;
import io.socketpush.push.Publication;
import io.socketpush.push.PushStats;
import io.socketpush.push.Subscriber;
import io.socketpush.push.TickFanOut;
import io.socketpush.security.HandshakePolicy;
import io.socketpush.security.Refusal;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import io.vertx.ext.web.handler.sockjs.impl.JsonCodec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code /sockjs/time}: the ticks over SockJS (vertx-web's {@link SockJSHandler}), for browsers with no
 * WebSocket at all: xhr-streaming, xhr-polling, eventsource, htmlfile and jsonp sessions. Each session is a
 * {@link Subscriber} of the instance's hub and gets the tick JSON as one SockJS message.
 *
 * <p>Every request of a session passes the origin and token checks (vertx-web would otherwise answer any
 * origin with CORS headers); a session takes a rate token and a connection slot when it opens. The
 * WebSocket transport of SockJS never reaches this router: the server's handshake handler takes every
 * upgrade first, so it is served by {@link SockJsWebSocket} on the WebSocket pipeline instead.
 */
final class SockJsTime {
  static final String PATH = "/sockjs/time";
  static final int CLIENT_WENT_AWAY = 1000;
  static final int DRAINED = 1001;
  static final int SLOW_CONSUMER = 1008;

  /** A tick as SockJS's "a" frame, for the WebSocket transport: {@code a["{\"time\":...}"]}. */
  static final Function<Publication, ByteBuf> ARRAY_FRAME = p -> Unpooled.wrappedBuffer(
      ("a" + JsonCodec.encode(new String[] {p.dataJson().toString(StandardCharsets.UTF_8)})).getBytes(StandardCharsets.UTF_8));

  private final Vertx vertx;
  private final Hub hub;
  private final Gate gate;
  private final PushStats stats;
  private final EndpointMeters meters;
  private final int writeQueueMaxChars;
  private final int maxMessageBytes;
  private final long slowConsumerCloseMs;
  private boolean draining;
  private final Set<Session> sessions = new LinkedHashSet<>();
  private Context context;

  SockJsTime(Vertx vertx, ServiceConfig config, Hub hub, Gate gate, PushStats stats) {
    this.vertx = vertx;
    this.hub = hub;
    this.gate = gate;
    this.stats = stats;
    this.meters = stats.endpoint("sockjs");
    this.writeQueueMaxChars = config.ws().writeQueueMaxBytes();
    this.maxMessageBytes = config.ws().maxMessageBytes();
    this.slowConsumerCloseMs = config.ws().slowConsumerCloseMs();
  }

  void mount(Router router) {
    context = vertx.getOrCreateContext();
    SockJSHandlerOptions options = new SockJSHandlerOptions()
        .setInsertJSESSIONID(false) // no cookie: nothing here needs sticky sessions through a cookie
        .setRegisterWriteHandler(false);
    router.route(PATH + "/*").handler(this::checkRequest);
    // xhr_send and the other POSTs: vertx-web's SockJS reads bodies through a BodyHandler, bounded like a WebSocket message
    router.post(PATH + "/*").handler(BodyHandler.create(false).setBodyLimit(maxMessageBytes));
    router.route(PATH + "/*").subRouter(SockJSHandler.create(vertx, options).socketHandler(this::opened));
  }

  /** Closes every session; completes when they are all closed. */
  Future<Void> drain() {
    draining = true;
    List<Future<Void>> closing = new ArrayList<>(sessions.size());
    for (Session session : new ArrayList<>(sessions)) {
      closing.add(session.close(DRAINED));
    }
    return Future.join(closing).mapEmpty();
  }

  private void checkRequest(RoutingContext ctx) {
    if (ctx.request().path().endsWith("/info") || ctx.request().path().equals(PATH) || ctx.request().path().equals(PATH + "/")) {
      ctx.next(); // the greeting and the transport list say nothing and hold nothing
      return;
    }
    ctx.request().pause();
    gate.check(RequestHandshake.of(ctx.request())).onComplete(checked -> {
      if (checked.failed()) {
        gate.refuse(ctx.request(), checked.cause());
      } else {
        ctx.next(); // sets the body handler of an xhr_send first: no byte is read before it is there
      }
      ctx.request().resume();
    });
  }

  private void opened(SockJSSocket socket) {
    if (Vertx.currentContext() != context) {
      // vertx-web shares its sessions between the router instances: keep the hub on its own event loop
      context.runOnContext(v -> opened(socket));
      return;
    }
    // handlers first: a client may go away while its token is checked, and must give its slot back then
    Session session = new Session(socket);
    socket.closeHandler(v -> session.close(CLIENT_WENT_AWAY));
    socket.exceptionHandler(err -> session.close(CLIENT_WENT_AWAY));
    socket.handler(data -> { }); // what the client sends is ignored, as on /ws/time
    socket.setWriteQueueMaxSize(writeQueueMaxChars);
    RequestHandshake request = RequestHandshake.of(socket, gate.tls());
    gate.admit(request).onComplete(admitted -> {
      if (admitted.failed()) {
        Refusal refusal = gate.refusal(request, admitted.cause());
        session.refused();
        socket.close(refusal.status() == 503 ? 1013 : 1008, refusal.reason());
      } else if (draining) {
        admitted.result().release().run();
        session.refused();
        socket.close(DRAINED, "server shutting down");
      } else {
        session.admitted(admitted.result());
      }
    });
  }

  /** One SockJS session: admitted, it follows the hub until it closes. */
  private final class Session implements Subscriber {
    private final SockJSSocket socket;
    private final Promise<Void> closed = Promise.promise();
    private final long openedAtMs = System.currentTimeMillis();
    private HandshakePolicy.Admission admission;
    private long fullSinceMs;
    private long messagesOut;

    Session(SockJSSocket socket) {
      this.socket = socket;
    }

    void admitted(HandshakePolicy.Admission admission) {
      if (closed.future().isComplete()) { // gone while it was being admitted
        admission.release().run();
        return;
      }
      this.admission = admission;
      sessions.add(this);
      meters.opened();
      AccessLines.opened("sockjs", socket.remoteAddress(), RequestHandshake.of(socket, false).path(), admission);
      hub.subscribe(TickFanOut.CHANNEL, this);
    }

    /** Never admitted: nothing to give back or count. */
    void refused() {
      closed.tryComplete();
    }

    @Override
    public void deliver(Publication tick) {
      if (closed.future().isComplete()) {
        return;
      }
      if (socket.writeQueueFull()) { // messages queued for a session that has not fetched them
        if (fullSinceMs == 0) {
          fullSinceMs = tick.receivedAtMs();
        }
        stats.skippedSlow();
        if (tick.receivedAtMs() - fullSinceMs >= slowConsumerCloseMs) {
          close(SLOW_CONSUMER);
        }
        return;
      }
      fullSinceMs = 0;
      ByteBuf json = tick.dataJson();
      socket.write(BufferInternal.buffer(json.duplicate())); // vertx-web queues it as a String per session
      meters.out(json.readableBytes(), true);
      messagesOut++;
    }

    /** Once: leaves the hub, gives the slot back, counts the close, closes the socket. */
    Future<Void> close(int code) {
      if (closed.tryComplete() && admission != null) {
        sessions.remove(this);
        hub.unsubscribe(TickFanOut.CHANNEL, this);
        admission.release().run();
        meters.closed(code);
        AccessLines.closed("sockjs", socket.remoteAddress(), code, openedAtMs, messagesOut);
        socket.close(code, code == SLOW_CONSUMER ? "slow consumer" : code == DRAINED ? "server shutting down" : "");
      }
      return closed.future();
    }
  }
}
