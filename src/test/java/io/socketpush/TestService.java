package io.socketpush;

import io.socketpush.config.ConfigSources;
import io.socketpush.config.ServiceConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;

import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/** Starts a real node on a random 127.0.0.1 port and talks to it as a client would. */
public final class TestService {
  public static final String HOST = "127.0.0.1";

  private final Vertx vertx;
  private final SocketPush app;
  /** The configuration it was started with, for {@link #startAgain}. */
  private final JsonObject conf;
  /** The node's clock, which {@link #startAgain} hands to the next node too. */
  private final InstantSource clock;
  /** The port it bound, kept for {@link #startAgain} once the node is gone. */
  private final int port;
  /** Where this service's plain HTTP requests are made (see {@link #on}). */
  private final Context clients;

  private TestService(Vertx vertx, SocketPush app, JsonObject conf, InstantSource clock) {
    this.vertx = vertx;
    this.clock = clock;
    this.app = app;
    this.conf = conf;
    this.port = app.httpPort();
    this.clients = vertx.getOrCreateContext();
  }

  /** Defaults, on a random port, with the given keys overridden (nested JSON as in conf/config.json). */
  public static Future<TestService> start(Vertx vertx, JsonObject overrides) {
    return start(vertx, overrides, InstantSource.system());
  }

  /** {@link #start(Vertx, JsonObject)} on a clock the test controls, e.g. a {@link TestClock}. */
  public static Future<TestService> start(Vertx vertx, JsonObject overrides, InstantSource clock) {
    JsonObject conf = new JsonObject()
        .put("http", new JsonObject().put("host", HOST).put("port", 0).put("instances", 2))
        .mergeIn(overrides, true);
    return SocketPush.start(vertx, ServiceConfig.from(ConfigSources.of(conf)), clock)
        .map(app -> new TestService(vertx, app, conf, clock));
  }

  /**
   * Shuts the node down as SIGTERM would (sockets closed with 1001, servers stopped) but keeps its Vert.x, so
   * {@link #startAgain} can bring a new node up on the same port: what a browser sees of a restarted server.
   */
  public Future<Void> stopNode() {
    return app.shutdown();
  }

  /** A new node on the same Vert.x, port and configuration, after {@link #stopNode}; its memory starts empty. */
  public Future<TestService> startAgain() {
    JsonObject again = conf.copy();
    again.getJsonObject("http").put("port", port);
    return SocketPush.start(vertx, ServiceConfig.from(ConfigSources.of(again)), clock)
        .map(app -> new TestService(vertx, app, again, clock));
  }

  public static Future<TestService> start(Vertx vertx) {
    return start(vertx, new JsonObject());
  }

  public int port() {
    return port;
  }

  /** The demo page and the other plain-HTTP pages of this node. */
  public String url(String path) {
    return "http://" + HOST + ":" + port() + path;
  }

  /** Drains the node (if it started) and closes its Vert.x: the one way tests end a node. */
  public static Future<Void> stop(TestService service, Vertx vertx) {
    Future<Void> drained = service == null ? Future.succeededFuture() : service.app.shutdown();
    return drained.eventually(vertx::close);
  }

  public SocketPush app() {
    return app;
  }

  public Future<WebSocket> connect(String path) {
    return connect(path, new WebSocketClientOptions());
  }

  public Future<WebSocket> connect(String path, WebSocketClientOptions options) {
    WebSocketClient client = vertx.createWebSocketClient(options.setMaxFrameSize(Math.max(options.getMaxFrameSize(), 1 << 20))
        .setMaxMessageSize(Math.max(options.getMaxMessageSize(), 1 << 22)));
    keepReachable(vertx, client);
    return client.connect(port(), HOST, path);
  }

  /** GET a path; the response's status and body. */
  public Future<Response> get(String path) {
    return on(clients, () -> {
      HttpClient http = vertx.createHttpClient();
      return http.request(HttpMethod.GET, port(), HOST, path)
          .compose(req -> req.send())
          .compose(resp -> resp.body().map(body -> new Response(resp.statusCode(), body)))
          .eventually(http::close);
    });
  }

  /** POST a body to a path, with {@code X-API-Key} if {@code apiKey} is not null; the response's status and body. */
  public Future<Response> post(String path, String body, String apiKey) {
    return on(clients, () -> {
      HttpClient http = vertx.createHttpClient();
      io.vertx.core.http.RequestOptions options = new io.vertx.core.http.RequestOptions().setMethod(HttpMethod.POST)
          .setHost(HOST).setPort(port()).setURI(path).putHeader("Content-Type", "application/json");
      if (apiKey != null) {
        options.putHeader("X-API-Key", apiKey);
      }
      return http.request(options)
          .compose(req -> req.send(body))
          .compose(resp -> resp.body().map(b -> new Response(resp.statusCode(), b)))
          .eventually(http::close);
    });
  }

  /**
   * Runs a client's work on one event loop (a new context's when called from a test thread). A request made from a test thread, outside any context, gets a
   * context of its own while its connection may be on another event loop: the response's head and its body
   * then reach the handlers from two threads, and under load the body was sometimes gone before the head's
   * handler asked for it ({@code body()} never completed: about one request in a thousand at load 6).
   */
  public static <T> Future<T> on(Vertx vertx, Supplier<Future<T>> work) {
    return on(vertx.getOrCreateContext(), work);
  }

  /** {@link #on(Vertx, Supplier)} on a given context. */
  public static <T> Future<T> on(Context context, Supplier<Future<T>> work) {
    if (Vertx.currentContext() == context) {
      return work.get();
    }
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> work.get().onComplete(done));
    return done.future();
  }

  public Future<JsonObject> stats() {
    return get("/api/stats").map(r -> r.body.toJsonObject());
  }

  /** Completes once {@code expected} subscribers follow the time channel on this node (sockets, streams, held polls). */
  public Future<Void> timeSubscribers(int expected) {
    return stats().compose(stats -> stats.getJsonObject("subscribers").getInteger("time", 0) == expected
        ? Future.<Void>succeededFuture() : vertx.timer(50).compose(t -> timeSubscribers(expected)));
  }

  /**
   * Completes once this node's ticker leads and has chosen its first boundary: from then on, moving the node's
   * {@link TestClock} to a boundary makes exactly that tick.
   */
  public Future<Void> tickerLeading() {
    return stats().compose(stats -> stats.getBoolean("leadingTicker", false) ? Future.<Void>succeededFuture()
        : vertx.timer(50).compose(t -> tickerLeading()));
  }

  public record Response(int status, Buffer body) {
  }

  /** Sends one request with a client of its own, on an event loop of {@code vertx}, and reads the whole answer. */
  public static Future<Response> send(Vertx vertx, io.vertx.core.http.RequestOptions options, String body) {
    return on(vertx, () -> {
      io.vertx.core.http.HttpClient http = vertx.createHttpClient();
      return http.request(options).compose(req -> req.send(body))
          .compose(resp -> resp.body().map(b -> new Response(resp.statusCode(), b)))
          .eventually(http::close);
    });
  }

  /**
   * Vert.x 5 closes a client, and its sockets, once the client object becomes garbage, even while
   * a test still uses the sockets. Parked in a local map of the Vert.x instance, a client lives as
   * long as that instance.
   */
  public static void keepReachable(Vertx vertx, Object client) {
    vertx.sharedData().<String, Kept>getLocalMap("socket-push.test.clients")
        .computeIfAbsent("clients", k -> new Kept()).items.add(client);
  }

  private static final class Kept implements Shareable {
    private final List<Object> items = new CopyOnWriteArrayList<>();
  }
}
