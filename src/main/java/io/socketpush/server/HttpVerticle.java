package io.socketpush.server;

import io.socketpush.admin.AdminConsole;
import io.socketpush.config.ServiceConfig;
import io.socketpush.channel.ChannelFanOut;
import io.socketpush.core.Hub;
import io.socketpush.time.TickFanOut;
import io.socketpush.transport.Transports;
import io.socketpush.ws.ChannelEndpoint;
import io.socketpush.wire.CloseCodes;
import io.socketpush.ws.EchoEndpoint;
import io.socketpush.ws.Endpoint;
import io.socketpush.ws.SessionRegistry;
import io.socketpush.ws.TimeEndpoint;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.net.PemKeyCertOptions;
import io.socketpush.security.HandshakePolicy;
import io.socketpush.security.Refusal;
import io.socketpush.ws.AccessLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;

/**
 * Serves the HTTP routes and upgrades WebSockets. Each instance runs on its own event loop and owns
 * what lives there: the sockets it accepted, their {@link Hub}, and the {@link TickFanOut} that feeds
 * the hub from the event bus. So a push is written by the thread that owns the socket, never handed
 * across threads.
 */
public final class HttpVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);
  private final ServiceConfig config;
  private final NodeState node;
  private final int port;
  private final Map<String, Endpoint> endpoints = new HashMap<>();
  private HttpServer server;
  private SessionRegistry sessions;
  private TickFanOut fanOut;
  private ChannelFanOut channelFanOut;
  private Transports transports;
  private RequestDeadlines deadlines;
  private Runnable usersRemoved;
  private Runnable stopExtensions;

  /** @param port the port to bind: the configured one, or -1 for a random port shared by all instances */
  public HttpVerticle(ServiceConfig config, NodeState node, int port) {
    this.config = config;
    this.node = node;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    Hub hub = new Hub(node.stats());
    fanOut = new TickFanOut(vertx, hub, node.stats(), config.tick().periodMs(), node.clock());
    sessions = new SessionRegistry(vertx, config.ws(), node.stats(), node.clock());
    Endpoint echo = new EchoEndpoint(config.limits().echoMessagesPerSecond());
    Endpoint time = new TimeEndpoint(hub);
    for (String path : new String[] {"/ws/echo", "/z/test_socket", "/z/test_socket/"}) {
      endpoints.put(path, echo);
    }
    for (String path : new String[] {"/ws/time", "/z/test_websocket", "/z/test_websocket/"}) {
      endpoints.put(path, time);
    }
    channelFanOut = new ChannelFanOut(vertx, hub, node.channels(), fanOut, node.stats(), config.tick().periodMs());
    endpoints.put("/ws", new ChannelEndpoint(channelFanOut));
    stopExtensions = node.extensions().onEventLoop(context, hub, endpoints);
    transports = new Transports(vertx, config, node.handshakes(), node.stats(), node::draining, hub, fanOut, channelFanOut, node.clock());
    HttpServerOptions options = new HttpServerOptions()
        .setMaxWebSocketFrameSize(config.ws().maxMessageBytes())
        .setMaxWebSocketMessageSize(config.ws().maxMessageBytes())
        .setWebSocketClosingTimeout(2)
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        .setTcpNoDelay(true)
        // everything a connection does happens on its event loop: Vert.x can then write directly
        // instead of through a multi-producer queue, whose 4 KB chunk every socket would keep (the
        // WebSocket connection an upgrade makes does not inherit it: SessionRegistry's DirectWrites)
        .setStrictThreadMode(true)
        // no HTTP/2 over cleartext: with it, Vert.x makes a connection only once its first bytes arrive, and
        // one that sends nothing would escape RequestDeadlines (HTTP/2 remains possible over TLS with ALPN)
        .setHttp2ClearTextEnabled(false);
    if (config.security().tls()) {
      options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
          .setCertPath(config.security().tlsCert()).setKeyPath(config.security().tlsKey()));
    }
    Failures failures = new Failures(node.stats());
    deadlines = new RequestDeadlines(vertx, config.limits(), node.pendingRequests(), node.stats(), node.clock());
    AdminConsole admin = AdminConsole.create(vertx, config, node.channels(), node.users(), node.stats(), node.adminLogins(),
        node.clock(), node.startedAtMs(), () -> config.http().host() + ":" + (server == null ? port : server.actualPort()));
    if (admin != null) {
      admin.answerMembers();
    }
    server = vertx.createHttpServer(options)
        .connectionHandler(deadlines::accepted)
        .requestHandler(Routes.create(vertx, node, transports, new ChannelApi(node, failures), admin, failures))
        .webSocketHandshakeHandler(this::handshake);
    sessions.start();
    transports.start();
    usersRemoved = node.users().add(this::closeUser, this::listUser);
    deadlines.start();
    return Future.join(fanOut.start(), channelFanOut.start(), server.listen(port, config.http().host()));
  }

  /** The port actually bound. */
  public int actualPort() {
    return server.actualPort();
  }

  /**
   * Closes every socket of this instance with 1001, and drains the other transports (held long-polls get
   * 204, SSE streams end, SockJS sessions close); completes when they are all closed. The server
   * keeps serving HTTP meanwhile, so readiness can say 503 while the node drains.
   */
  public Future<Void> closeSockets() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> Future.join(sessions.closeAll(CloseCodes.GOING_AWAY, "server shutting down"), transports.drain())
        .<Void>mapEmpty().onComplete(done));
    return done.future();
  }

  /** Closes a user's connections on this event loop, every transport; completes with how many. */
  private Future<Integer> closeUser(String user, short code, String reason) {
    Promise<Integer> done = Promise.promise();
    context.runOnContext(v -> done.complete(sessions.closeUser(user, code, reason) + transports.closeUser(user, code, reason)));
    return done.future();
  }

  /** Lists a user's connections on this event loop, every transport: at most {@code limit}, and how many. */
  private Future<Users.Listing> listUser(String user, int limit) {
    Promise<Users.Listing> done = Promise.promise();
    context.runOnContext(v -> {
      Users.Listing found = new Users.Listing(limit);
      sessions.connectionsOf(user, found);
      transports.connectionsOf(user, found);
      done.complete(found);
    });
    return done.future();
  }

  @Override
  public Future<?> stop() {
    usersRemoved.run();
    stopExtensions.run();
    transports.stop();
    deadlines.stop();
    return Future.join(fanOut.stop(), channelFanOut.stop(), server.close());
  }

  private void handshake(ServerWebSocketHandshake handshake) {
    if (node.draining()) {
      refuse(handshake, new Refusal(503, "draining"));
      return;
    }
    Refusal malformed = HandshakePolicy.protocolRefusal(handshake);
    if (malformed != null) {
      refuse(handshake, malformed);
      return;
    }
    Endpoint endpoint = endpoints.containsKey(handshake.path()) ? endpoints.get(handshake.path())
        : transports.webSocketEndpoint(handshake.path());
    if (endpoint == null) {
      refuse(handshake, new Refusal(404, "unknown path"));
      return;
    }
    node.handshakes().admit(handshake).onComplete(admitted -> {
      if (admitted.failed()) {
        refuse(handshake, admitted.cause());
      } else if (node.draining()) {
        admitted.result().release().run();
        refuse(handshake, new Refusal(503, "draining"));
      } else {
        HandshakePolicy.Admission admission = admitted.result();
        handshake.accept()
            .onSuccess(ws -> sessions.open(ws, endpoint, admission))
            .onFailure(err -> admission.release().run());
      }
    });
  }

  private void refuse(ServerWebSocketHandshake handshake, Throwable cause) {
    Refusal refusal = cause instanceof Refusal ? (Refusal) cause : new Refusal(500, "internal error");
    if (!(cause instanceof Refusal)) {
      LOG.warn("handshake failed on {}: {}", handshake.path(), cause.toString());
    }
    node.stats().handshakeRefused(refusal.reason());
    AccessLog.refused(handshake, refusal);
    if (refusal.closeCode() != 0) {
      // the application asked for a close: the client sees its code and reason, which a rejected upgrade cannot carry
      handshake.accept().onSuccess(ws -> ws.close(refusal.closeCode(), refusal.closeReason()));
      return;
    }
    handshake.reject(refusal.status());
  }
}
