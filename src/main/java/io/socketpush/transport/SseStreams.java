package io.socketpush.transport;

import io.socketpush.internal.VertxInternals;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.socketpush.config.ServiceConfig;
import io.socketpush.core.EndpointMeters;
import io.socketpush.core.PushStats;
import io.socketpush.core.UserConnection;
import io.socketpush.security.HandshakePolicy;
import io.socketpush.security.Refusal;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Server-Sent Events streams, for browsers whose network lets no WebSocket through: what every stream
 * shares whatever it follows ({@link SseTicks}: {@code /sse/time}, {@link SseChannels}:
 * {@code /sse/channels/{name}}). A request is admitted like a WebSocket handshake, then its {@link Source}
 * opens the stream or refuses it before anything is written. One periodic timer per instance writes the
 * {@code : ping} heartbeat to every stream and closes the ones that stayed too slow; a stream has no timer
 * of its own. Events are encoded once per publication by the source and shared by every stream.
 */
final class SseStreams {
  /** Close codes as counted in {@code socketpush_sockets_closed_total{endpoint="sse"}}, WebSocket style. */
  static final int CLIENT_WENT_AWAY = 1000;
  static final int DRAINED = 1001;
  static final int SLOW_CONSUMER = 1008;
  static final int TOKEN_EXPIRED = 1008;
  static final int SERVER_ERROR = 1011;
  private static final int NEVER_OPENED = 0;

  private static final Buffer PING = Buffer.buffer(": ping\n\n");

  /** What a stream follows. */
  @FunctionalInterface
  interface Source {
    /**
     * Starts following an admitted request: {@link Stream#open opens} the stream when it may, or fails
     * (with a {@link Refusal}) to refuse the request before anything was written.
     */
    Future<Void> follow(RoutingContext ctx, Stream stream);
  }

  private final Vertx vertx;
  private final Gate gate;
  private final TokenExpiry tokenExpiry;
  private final PushStats stats;
  private final InstantSource clock;
  private final long heartbeatMs;
  private final int writeQueueMaxBytes;
  private final long slowConsumerCloseMs;
  private final Set<Stream> streams = new LinkedHashSet<>();
  private long heartbeatTimer = -1;
  private boolean draining;

  SseStreams(Vertx vertx, ServiceConfig config, Gate gate, TokenExpiry tokenExpiry, PushStats stats, InstantSource clock) {
    this.vertx = vertx;
    this.clock = clock;
    this.gate = gate;
    this.tokenExpiry = tokenExpiry;
    this.stats = stats;
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

  /**
   * The route handler of streams that follow the source.
   *
   * @param endpoint the {@code endpoint} of their meters and access lines
   */
  Handler<RoutingContext> handler(String endpoint, Source source) {
    EndpointMeters meters = stats.endpoint(endpoint);
    return ctx -> handle(ctx, source, meters);
  }

  /** An event: its field lines up to {@code data: }, then compact JSON (one line), then the blank line; the JSON is shared, not copied. */
  static ByteBuf event(String head, ByteBuf json) {
    return Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.UTF_8)), json.duplicate(),
        Unpooled.wrappedBuffer(new byte[] {'\n', '\n'}));
  }

  private void handle(RoutingContext ctx, Source source, EndpointMeters meters) {
    HttpServerRequest request = ctx.request();
    request.pause(); // the admission is asynchronous (the token); nothing of the request may be lost meanwhile
    gate.admit(RequestHandshake.of(request)).onComplete(admitted -> {
      request.resume();
      if (admitted.failed()) {
        gate.refuse(request, admitted.cause());
      } else if (request.response().closed()) {
        admitted.result().release().run();
      } else {
        Stream stream = new Stream(request, admitted.result(), meters);
        source.follow(ctx, stream).onFailure(e -> {
          if (stream.refused()) {
            gate.refuse(request, e);
          }
        });
      }
    });
  }

  /** Ends every stream; completes when they are all ended. New streams are refused with 503 meanwhile. */
  Future<Void> drain() {
    draining = true;
    stop();
    List<Future<Void>> ending = new ArrayList<>(streams.size());
    for (Stream stream : new ArrayList<>(streams)) {
      ending.add(stream.close(DRAINED));
    }
    return Future.join(ending).mapEmpty();
  }

  /** Ends every stream of a user (an EventSource will come back, and be asked about again); returns how many. */
  int closeUser(String user, int code) {
    int ended = 0;
    for (Stream stream : new ArrayList<>(streams)) {
      if (user.equals(stream.subject())) {
        stream.close(code);
        ended++;
      }
    }
    return ended;
  }

  /** Hands each open stream of a user to {@code found}. */
  void connectionsOf(String user, Consumer<UserConnection> found) {
    for (Stream stream : streams) {
      if (user.equals(stream.subject())) {
        found.accept(UserConnection.of(stream.client(), stream.meters.name(), stream.request.remoteAddress(), stream.openedAtMs));
      }
    }
  }

  /** The {@code Last-Event-ID} header an EventSource sends when it reconnects, or {@code ?lastEventId=} for a new one; null if neither. */
  static String lastEventId(HttpServerRequest request) {
    String id = request.getHeader("Last-Event-ID");
    return id != null ? id.trim() : request.getParam("lastEventId");
  }

  private void heartbeat() {
    long now = clock.millis();
    for (Stream stream : new ArrayList<>(streams)) {
      if (!stream.skippedIfFull(now)) {
        stream.response.write(PING);
      }
    }
  }

  /** One event stream: admitted, then open once its source opens it, until it closes. */
  final class Stream {
    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final HandshakePolicy.Admission admission;
    private final EndpointMeters meters;
    private final Promise<Void> closed = Promise.promise();
    private final List<Runnable> onClose = new ArrayList<>(1);
    private long openedAtMs;
    private boolean opened;
    private TokenExpiry.Watch expiry;
    private long fullSinceMs;
    private long messagesOut;

    Stream(HttpServerRequest request, HandshakePolicy.Admission admission, EndpointMeters meters) {
      this.request = request;
      this.response = request.response();
      this.admission = admission;
      this.meters = meters;
      response.closeHandler(v -> close(CLIENT_WENT_AWAY));
      response.exceptionHandler(err -> close(CLIENT_WENT_AWAY));
    }

    /** The user (the JWT subject or the connect proxy's), or null. */
    String subject() {
      return admission.principal() == null ? null : admission.principal().subject();
    }

    /** The connection's id, given at its admission. */
    String client() {
      return admission.client();
    }

    /** The display name the connect proxy gave, else the one the client chose. */
    String name(String chosen) {
      return admission.principal() != null && admission.principal().name() != null ? admission.principal().name() : chosen;
    }

    /** Runs when the stream closes (at once if it already has): the source stops following. */
    void onClose(Runnable stop) {
      if (closed.future().isComplete()) {
        stop.run();
      } else {
        onClose.add(stop);
      }
    }

    /** Writes the head and, if not null, a first event or comment (not counted as a message). */
    void open(Buffer first) {
      if (closed.future().isComplete()) {
        return;
      }
      if (draining) { // began while the source was getting ready
        if (refused()) {
          gate.refuse(request, new Refusal(503, "draining"));
        }
        return;
      }
      response.putHeader("Content-Type", "text/event-stream")
          .putHeader("Cache-Control", "no-cache")
          .putHeader("X-Accel-Buffering", "no") // nginx would otherwise buffer the stream
          .putHeader(Transports.CLIENT_HEADER, admission.client())
          .setChunked(true)
          .setWriteQueueMaxSize(writeQueueMaxBytes);
      opened = true;
      openedAtMs = clock.millis();
      streams.add(this);
      expiry = tokenExpiry.watch(admission, () -> close(TOKEN_EXPIRED, false));
      meters.opened();
      AccessLines.opened(meters.name(), request.remoteAddress(), request.path(), admission);
      if (first != null) {
        response.write(first); // sends the head now, so the browser's EventSource opens at once
      }
    }

    /** Writes one event (shared bytes, not consumed), or skips it while the connection's queue is full. */
    void write(ByteBuf event, long nowMs) {
      if (!opened || closed.future().isComplete() || skippedIfFull(nowMs)) {
        return;
      }
      response.write(VertxInternals.wrap(event.duplicate()));
      meters.out(event.readableBytes(), true);
      messagesOut++;
    }

    /**
     * While the connection's write queue is full, nothing more is written (the newest event wins once it
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

    /** Its source failed: gives the slot back; true if the request is still there to be answered (never opened). */
    boolean refused() {
      if (opened) {
        close(SERVER_ERROR);
        return false;
      }
      boolean answerable = !closed.future().isComplete() && !response.closed();
      close(NEVER_OPENED);
      return answerable;
    }

    /** Once: stops the source, gives the slot back, counts the close; ends the response if it can still be ended. */
    Future<Void> close(int code) {
      return close(code, code == SLOW_CONSUMER);
    }

    /** @param drop whether to drop the connection rather than end the response (its queue is full: an orderly end would wait behind it) */
    private Future<Void> close(int code, boolean drop) {
      if (!closed.tryComplete()) {
        return closed.future();
      }
      onClose.forEach(Runnable::run);
      admission.release().run();
      if (opened) {
        streams.remove(this);
        expiry.cancel();
        meters.closed(code);
        AccessLines.closed(meters.name(), request.remoteAddress(), admission.client(), code, clock.millis() - openedAtMs, messagesOut);
        if (drop) {
          request.connection().close();
        } else if (!response.ended() && !response.closed()) {
          response.end();
        }
      }
      return closed.future();
    }
  }
}
