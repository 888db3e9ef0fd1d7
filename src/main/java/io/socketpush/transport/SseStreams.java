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
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code GET /sse/time}: Server-Sent Events, for browsers whose network lets no WebSocket through. Each
 * stream is a {@link Subscriber} of the instance's hub, so it is fed by the same one event-bus consumer as
 * the sockets; the event ({@code id: <ts>}, {@code data: <tick>}) is encoded once per tick for all streams.
 * One periodic timer per instance writes the {@code : ping} heartbeat to every stream and closes the ones
 * that stayed too slow; a stream has no timer of its own.
 */
final class SseStreams {
  /** Close codes as counted in {@code socketpush_sockets_closed_total{endpoint="sse"}}, WebSocket style. */
  static final int CLIENT_WENT_AWAY = 1000;
  static final int DRAINED = 1001;
  static final int SLOW_CONSUMER = 1008;

  private static final Function<Publication, ByteBuf> EVENT = p -> {
    byte[] head = ("id: " + p.ts() + "\ndata: ").getBytes(StandardCharsets.US_ASCII);
    // the tick is compact JSON: one line, so one data: field
    return Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(head), p.dataJson().duplicate(),
        Unpooled.wrappedBuffer(new byte[] {'\n', '\n'}));
  };
  private static final Buffer PING = Buffer.buffer(": ping\n\n");
  private static final Buffer HELLO = Buffer.buffer(": open\n\n");

  private final Vertx vertx;
  private final Hub hub;
  private final TickFanOut fanOut;
  private final Gate gate;
  private final PushStats stats;
  private final EndpointMeters meters;
  private final long heartbeatMs;
  private final int writeQueueMaxBytes;
  private final long slowConsumerCloseMs;
  private final Set<Stream> streams = new LinkedHashSet<>();
  private long heartbeatTimer = -1;

  SseStreams(Vertx vertx, ServiceConfig config, Hub hub, TickFanOut fanOut, Gate gate, PushStats stats) {
    this.vertx = vertx;
    this.hub = hub;
    this.fanOut = fanOut;
    this.gate = gate;
    this.stats = stats;
    this.meters = stats.endpoint("sse");
    this.heartbeatMs = config.transports().sseHeartbeatMs();
    this.writeQueueMaxBytes = config.ws().writeQueueMaxBytes();
    this.slowConsumerCloseMs = config.ws().slowConsumerCloseMs();
  }

  void start() {
    heartbeatTimer = vertx.setPeriodic(heartbeatMs, t -> heartbeat());
  }

  void stop() {
    vertx.cancelTimer(heartbeatTimer);
  }

  void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    request.pause(); // the admission is asynchronous (the token); nothing of the request may be lost meanwhile
    gate.admit(RequestHandshake.of(request)).onComplete(admitted -> {
      request.resume();
      if (admitted.failed()) {
        gate.refuse(request, admitted.cause());
      } else if (request.response().closed()) {
        admitted.result().release().run();
      } else {
        open(request, admitted.result());
      }
    });
  }

  /** Ends every stream; completes when they are all ended. New streams are refused with 503 meanwhile. */
  Future<Void> drain() {
    stop();
    List<Future<Void>> ending = new ArrayList<>(streams.size());
    for (Stream stream : new ArrayList<>(streams)) {
      ending.add(stream.close(DRAINED));
    }
    return Future.join(ending).mapEmpty();
  }

  private void open(HttpServerRequest request, HandshakePolicy.Admission admission) {
    HttpServerResponse response = request.response()
        .putHeader("Content-Type", "text/event-stream")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no") // nginx would otherwise buffer the stream
        .setChunked(true)
        .setWriteQueueMaxSize(writeQueueMaxBytes);
    Stream stream = new Stream(request, admission);
    streams.add(stream);
    response.closeHandler(v -> stream.close(CLIENT_WENT_AWAY));
    response.exceptionHandler(err -> stream.close(CLIENT_WENT_AWAY));
    meters.opened();
    Publication latest = fanOut.latest();
    if (latest != null && latest.ts() > lastEventId(request)) {
      stream.deliver(latest); // a new client, or one that missed ticks while it reconnected
    } else {
      response.write(HELLO); // sends the headers now, so the browser's EventSource opens at once
    }
    hub.subscribe(TickFanOut.CHANNEL, stream);
  }

  /** The {@code Last-Event-ID} header an EventSource sends when it reconnects, or {@code ?lastEventId=} for a new one. */
  private static long lastEventId(HttpServerRequest request) {
    String id = request.getHeader("Last-Event-ID");
    if (id == null) {
      id = request.getParam("lastEventId");
    }
    try {
      return id == null ? 0 : Long.parseLong(id.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private void heartbeat() {
    long now = System.currentTimeMillis();
    for (Stream stream : new ArrayList<>(streams)) {
      if (!stream.skippedIfFull(now)) {
        stream.response.write(PING);
      }
    }
  }

  /** One open event stream. */
  private final class Stream implements Subscriber {
    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final HandshakePolicy.Admission admission;
    private final Promise<Void> closed = Promise.promise();
    private final long openedAtMs = System.currentTimeMillis();
    private long fullSinceMs;
    private long messagesOut;

    Stream(HttpServerRequest request, HandshakePolicy.Admission admission) {
      this.request = request;
      this.response = request.response();
      this.admission = admission;
      AccessLines.opened("sse", request.remoteAddress(), request.path(), admission);
    }

    @Override
    public void deliver(Publication tick) {
      if (closed.future().isComplete() || skippedIfFull(tick.receivedAtMs())) {
        return;
      }
      ByteBuf event = tick.encoded(EVENT);
      response.write(BufferInternal.buffer(event.duplicate()));
      meters.out(event.readableBytes(), true);
      messagesOut++;
    }

    /**
     * While the connection's write queue is full, nothing more is written (the newest tick wins once it
     * drains); a stream full for {@code ws.slowConsumerCloseMs} is closed. Returns true if it was full.
     */
    boolean skippedIfFull(long nowMs) {
      if (!response.writeQueueFull()) {
        fullSinceMs = 0;
        return false;
      }
      if (fullSinceMs == 0) {
        fullSinceMs = nowMs;
      }
      stats.skippedSlow();
      if (nowMs - fullSinceMs >= slowConsumerCloseMs) {
        close(SLOW_CONSUMER);
      }
      return true;
    }

    /** Once: leaves the hub, gives the slot back, counts the close; ends the response if it can still be ended. */
    Future<Void> close(int code) {
      if (closed.tryComplete()) {
        streams.remove(this);
        hub.unsubscribe(TickFanOut.CHANNEL, this);
        admission.release().run();
        meters.closed(code);
        AccessLines.closed("sse", request.remoteAddress(), code, openedAtMs, messagesOut);
        if (code == SLOW_CONSUMER) {
          request.connection().close(); // its queue is full: an orderly end would wait behind it
        } else if (!response.ended() && !response.closed()) {
          response.end();
        }
      }
      return closed.future();
    }
  }
}
