package io.socketpush.transport;

import io.socketpush.internal.SockJsInternals;
import io.socketpush.internal.VertxInternals;
import io.netty.buffer.ByteBuf;
import io.socketpush.config.ServiceConfig;
import io.socketpush.core.EndpointMeters;
import io.socketpush.core.PushStats;
import io.socketpush.core.UserConnection;
import io.socketpush.security.HandshakePolicy;
import io.socketpush.security.TokenAuthenticator;
import io.socketpush.security.Refusal;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The HTTP transports of one SockJS path (vertx-web's {@link SockJSHandler}), for browsers with no
 * WebSocket at all: xhr-streaming, xhr-polling, eventsource, htmlfile and jsonp sessions. What a session
 * does once admitted is its {@link Conversation}: follow the ticks ({@code /sockjs/time}), or speak the
 * channel protocol ({@code /sockjs/channels}).
 *
 * <p>Every request of a session passes the origin and token checks (vertx-web would otherwise answer any
 * origin with CORS headers; without a token, where the connect proxy is asked, the session's admission asks
 * it); a session takes a rate token and a connection slot when it opens, and reads
 * nothing of its client before. The WebSocket transports of SockJS never reach this router: the server's
 * handshake handler takes every upgrade first, so they are served on the WebSocket pipeline instead
 * ({@link SockJsWebSocket}, {@link SockJsFraming}).
 */
final class SockJsSessions {
  static final int CLIENT_WENT_AWAY = 1000;
  static final int DRAINED = 1001;
  static final int SLOW_CONSUMER = 1008;
  static final int TOKEN_EXPIRED = 1008;
  static final String REASON_OTHER_ADDRESS = "sockjs session of another address";
  /** The routing-context key of the headers an opening request came with. */
  private static final String OPENING_HEADERS = "socketpush.sockjs.openingHeaders";

  /** What an admitted session does. */
  interface Conversation {
    /** A message from the client. */
    void received(String message);

    /** The session is closed: stop following. */
    void ended();
  }

  private final Vertx vertx;
  private final String path;
  private final Gate gate;
  private final TokenExpiry tokenExpiry;
  private final PushStats stats;
  private final InstantSource clock;
  private final EndpointMeters meters;
  private final Function<Session, Conversation> conversations;
  private final int writeQueueMaxChars;
  private final int maxMessageBytes;
  private final long slowConsumerCloseMs;
  private boolean draining;
  private final Set<Session> sessions = new LinkedHashSet<>();
  /** Every socket handed to {@link #opened} and not closed yet, admitted or not: a socket is opened once. */
  private final Set<SockJSSocket> known = Collections.newSetFromMap(new IdentityHashMap<>());
  private Context context;

  /**
   * @param path          where it is mounted, e.g. {@code /sockjs/time}
   * @param endpoint      the {@code endpoint} of its meters and access lines
   * @param conversations starts what an admitted session does
   */
  SockJsSessions(Vertx vertx, ServiceConfig config, Gate gate, TokenExpiry tokenExpiry, PushStats stats, InstantSource clock,
                 String path, String endpoint, Function<Session, Conversation> conversations) {
    this.vertx = vertx;
    this.clock = clock;
    this.path = path;
    this.gate = gate;
    this.tokenExpiry = tokenExpiry;
    this.stats = stats;
    this.meters = stats.endpoint(endpoint);
    this.conversations = conversations;
    this.writeQueueMaxChars = config.ws().writeQueueMaxBytes();
    this.maxMessageBytes = config.ws().maxMessageBytes();
    this.slowConsumerCloseMs = config.ws().slowConsumerCloseMs();
  }

  void mount(Router router) {
    context = vertx.getOrCreateContext();
    SockJSHandlerOptions options = new SockJSHandlerOptions()
        .setInsertJSESSIONID(false) // no cookie: nothing here needs sticky sessions through a cookie
        .setRegisterWriteHandler(false);
    router.route(path + "/*").handler(this::checkRequest);
    // xhr_send and the other POSTs: vertx-web's SockJS reads bodies through a BodyHandler, bounded like a WebSocket message
    router.post(path + "/*").handler(BodyHandler.create(false).setBodyLimit(maxMessageBytes));
    router.route(path + "/*").subRouter(SockJSHandler.create(vertx, options).socketHandler(this::opened));
  }

  /** Closes every session; completes when they are all closed. */
  Future<Void> drain() {
    draining = true;
    List<Future<Void>> closing = new ArrayList<>(sessions.size());
    for (Session session : new ArrayList<>(sessions)) {
      closing.add(session.close(DRAINED, "server shutting down"));
    }
    return Future.join(closing).mapEmpty();
  }

  /** Closes every session of a user with the code and reason; returns how many. */
  int closeUser(String user, int code, String reason) {
    int closing = 0;
    for (Session session : new ArrayList<>(sessions)) {
      if (user.equals(session.subject())) {
        session.close(code, reason);
        closing++;
      }
    }
    return closing;
  }

  /** Hands each admitted session of a user to {@code found}. */
  void connectionsOf(String user, Consumer<UserConnection> found) {
    for (Session session : sessions) {
      if (user.equals(session.subject())) {
        found.accept(UserConnection.of(session.client(), meters.name(), session.socket.remoteAddress(), session.openedAtMs));
      }
    }
  }

  private void checkRequest(RoutingContext ctx) {
    if (ctx.request().path().endsWith("/info") || ctx.request().path().equals(path) || ctx.request().path().equals(path + "/")) {
      ctx.next(); // the greeting and the transport list say nothing and hold nothing
      return;
    }
    if (anotherPathsSession(ctx.request().path())) {
      ctx.response().setStatusCode(404).end(); // as if there were no such session, which on this path there is not
      return;
    }
    if (anotherAddressesSession(ctx.request())) {
      stats.httpRefused(REASON_OTHER_ADDRESS);
      ctx.response().setStatusCode(404).end(); // the id is no secret to whoever saw it in a URL: it is not a key
      return;
    }
    keepHeadersOfAnOpeningRequest(ctx);
    ctx.request().pause();
    gate.checkWithinSession(RequestHandshake.of(ctx.request())).onComplete(checked -> {
      if (checked.failed()) {
        gate.refuse(ctx.request(), checked.cause());
      } else {
        ctx.next(); // sets the body handler of an xhr_send first: no byte is read before it is there
      }
      ctx.request().resume();
    });
  }

  /**
   * Keeps the headers of a request that will open a session, as they came: vertx-web strips the {@code Cookie}
   * header of the request (in place) when it registers the session, and the connect proxy and the subscribe and
   * publish proxies pass the session cookie on. Read back in {@link #opened} from the session's routing context.
   */
  private void keepHeadersOfAnOpeningRequest(RoutingContext ctx) {
    String[] parts = ctx.request().path().substring(path.length() + 1).split("/"); // <server>/<session>/<transport>
    if (parts.length == 3 && SockJsInternals.session(vertx, parts[1]) == null) {
      ctx.put(OPENING_HEADERS, MultiMap.caseInsensitiveMultiMap().addAll(ctx.request().headers()));
    }
  }

  /**
   * Whether a request names a session that another SockJS path opened. vertx-web keeps the sessions of every
   * SockJS handler in one map by id, so without this a poll or a send on {@code /sockjs/channels} would reach a
   * {@code /sockjs/time} session of the same id, and the other way round.
   */
  private boolean anotherPathsSession(String requestPath) {
    String[] parts = requestPath.substring(path.length() + 1).split("/"); // <server>/<session>/<transport>
    if (parts.length != 3) {
      return false;
    }
    SockJSSocket session = SockJsInternals.session(vertx, parts[1]);
    return session != null && session.uri() != null && !session.uri().startsWith(path + "/"); // no uri yet: being opened, by this path
  }

  /**
   * Whether a request names a session opened from another client address. vertx-web finds a session by its id
   * alone, so without this anyone who learnt an id (from a log, a proxy, a shared page) could poll the session's
   * replies and events, or send in its name.
   */
  private boolean anotherAddressesSession(HttpServerRequest request) {
    String[] parts = request.path().substring(path.length() + 1).split("/"); // <server>/<session>/<transport>
    if (parts.length != 3) {
      return false;
    }
    SockJSSocket session = SockJsInternals.session(vertx, parts[1]);
    return session != null && session.remoteAddress() != null && request.remoteAddress() != null
        && !session.remoteAddress().hostAddress().equals(request.remoteAddress().hostAddress());
  }

  /** vertx-web's socket handler: a new session. */
  void opened(SockJSSocket socket) {
    if (Vertx.currentContext() != context) {
      // vertx-web shares its sessions between the router instances: keep the hub on its own event loop
      context.runOnContext(v -> opened(socket));
      return;
    }
    if (!known.add(socket)) {
      // vertx-web 5.0.7 can hand the same session over twice: SockJSSession.register sends the "o" frame before
      // it marks it sent, so the client's next poll, served on another event loop, may register in between and
      // open the session again. One session, one slot, one conversation.
      return;
    }
    // handlers first: a client may go away while its token is checked, and must give its slot back then
    RequestHandshake request = RequestHandshake.of(socket, openingHeaders(socket), gate.tls());
    Session session = new Session(socket, request);
    socket.closeHandler(v -> session.close(CLIENT_WENT_AWAY, ""));
    socket.exceptionHandler(err -> session.close(CLIENT_WENT_AWAY, ""));
    socket.pause(); // what it sends is read once it is admitted
    socket.handler(data -> session.received(data.toString(StandardCharsets.UTF_8)));
    socket.setWriteQueueMaxSize(writeQueueMaxChars);
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

  /** The headers of the request that opened the session, its cookies included. */
  private static MultiMap openingHeaders(SockJSSocket socket) {
    MultiMap kept = socket.routingContext() == null ? null : socket.routingContext().get(OPENING_HEADERS);
    return kept != null ? kept : socket.headers(); // not seen by checkRequest: what vertx-web kept
  }

  /** One SockJS session: admitted, it holds its conversation until it closes. */
  final class Session {
    private final SockJSSocket socket;
    private final Promise<Void> closed = Promise.promise();
    private final long openedAtMs = clock.millis();
    private HandshakePolicy.Admission admission;
    /** The request that opened it. */
    private final RequestHandshake request;
    private TokenExpiry.Watch expiry;
    private Conversation conversation;
    private long fullSinceMs;
    private long messagesOut;

    Session(SockJSSocket socket, RequestHandshake request) {
      this.socket = socket;
      this.request = request;
    }

    void admitted(HandshakePolicy.Admission admission) {
      if (closed.future().isComplete()) { // gone while it was being admitted
        known.remove(socket);
        admission.release().run();
        return;
      }
      this.admission = admission;
      sessions.add(this);
      expiry = tokenExpiry.watch(admission, () -> close(TOKEN_EXPIRED, "token expired"));
      meters.opened();
      AccessLines.opened(meters.name(), socket.remoteAddress(), request.path(), admission);
      conversation = conversations.apply(this);
      socket.resume();
    }

    /** Never admitted: nothing to give back or count. */
    void refused() {
      known.remove(socket);
      closed.tryComplete();
    }

    /** The user of the session (the JWT subject or the connect proxy's), or null. */
    String subject() {
      return admission.principal() == null ? null : admission.principal().subject();
    }

    /** The connection's id, given at its admission. */
    String client() {
      return admission.client();
    }

    /** Who opened the session, or null for an anonymous one. */
    TokenAuthenticator.Principal principal() {
      return admission.principal();
    }

    /** The headers of the request that opened the session, its cookies included. */
    MultiMap headers() {
      return request.headers();
    }

    /** The query string of the request that opened the session, or null. */
    String query() {
      return request.query();
    }

    private void received(String message) {
      if (conversation != null && !closed.future().isComplete()) {
        meters.in(message.length(), true);
        conversation.received(message);
      }
    }

    /** Sends a message (a reply), whatever the queue holds: replies are few, one per request. */
    void send(String message) {
      if (!closed.future().isComplete()) {
        socket.write(message);
        meters.out(message.length(), true);
        messagesOut++;
      }
    }

    /**
     * Writes one message (shared bytes, not consumed), or skips it while the session's queue is full (a
     * session that has not fetched its messages), closing it if that lasts {@code ws.slowConsumerCloseMs}.
     */
    void write(ByteBuf message, long nowMs) {
      if (closed.future().isComplete()) {
        return;
      }
      if (socket.writeQueueFull()) {
        if (fullSinceMs == 0) {
          fullSinceMs = nowMs;
        }
        stats.skippedSlow();
        if (nowMs - fullSinceMs >= slowConsumerCloseMs) {
          close(SLOW_CONSUMER, "slow consumer");
        }
        return;
      }
      fullSinceMs = 0;
      socket.write(VertxInternals.wrap(message.duplicate())); // vertx-web queues it as a String per session
      meters.out(message.readableBytes(), true);
      messagesOut++;
    }

    /** Once: ends the conversation, gives the slot back, counts the close, closes the socket. */
    Future<Void> close(int code, String reason) {
      if (closed.tryComplete() && admission != null) {
        known.remove(socket);
        sessions.remove(this);
        expiry.cancel();
        if (conversation != null) {
          conversation.ended();
        }
        admission.release().run();
        meters.closed(code);
        AccessLines.closed(meters.name(), socket.remoteAddress(), admission.client(), code, clock.millis() - openedAtMs, messagesOut);
        socket.close(code, reason);
      }
      return closed.future();
    }
  }
}
