package io.socketpush.bench.endpoint;

import io.socketpush.SocketPush;
import io.socketpush.config.ConfigSources;
import io.socketpush.config.ServiceConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real node on a random 127.0.0.1 port, started as the product starts one, with this module on the
 * class path (so {@link BenchExtension} is found), and the client side of the tests.
 */
final class BenchNode {
  private final SocketPush app;
  private final Vertx clientVertx;
  /** Where the HTTP requests are made: one event loop for a response's head and body. */
  private final Context clients;
  /** Vert.x 5 closes a client, and its sockets, once the client object becomes garbage. */
  private final List<Object> keep = new CopyOnWriteArrayList<>();

  private BenchNode(SocketPush app, Vertx clientVertx) {
    this.app = app;
    this.clientVertx = clientVertx;
    this.clients = clientVertx.getOrCreateContext();
  }

  /** The defaults with {@code overrides} over them (nested JSON as in conf/config.json). */
  static Future<BenchNode> start(Vertx vertx, Vertx clientVertx, JsonObject overrides) {
    JsonObject conf = new JsonObject()
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0).put("instances", 2))
        .mergeIn(overrides, true);
    return SocketPush.start(vertx, ServiceConfig.from(ConfigSources.of(conf))).map(app -> new BenchNode(app, clientVertx));
  }

  Future<WebSocket> connectBench() {
    WebSocketClient client = clientVertx.createWebSocketClient();
    keep.add(client);
    return client.connect(app.httpPort(), "127.0.0.1", BenchExtension.PATH);
  }

  /** {@code GET /api/stats}. */
  Future<JsonObject> stats() {
    Promise<JsonObject> done = Promise.promise();
    clients.runOnContext(v -> {
      HttpClient http = clientVertx.createHttpClient();
      http.request(HttpMethod.GET, app.httpPort(), "127.0.0.1", "/api/stats")
          .compose(req -> req.send()).compose(resp -> resp.body())
          .map(body -> body.toJsonObject())
          .eventually(http::close)
          .onComplete(done);
    });
    return done.future();
  }

  /** The node's {@code /ws/bench} sockets, once subscribed on their event loop (a client sees its 101 before). */
  Future<Long> benchSubscribers() {
    return stats().map(stats -> stats.getJsonObject("subscribers").getLong("bench", 0L));
  }

  /** Polls {@link #benchSubscribers()} until it reaches {@code expected}, for about a second per 50 tries. */
  Future<Void> untilSubscribed(long expected, int triesLeft) {
    return benchSubscribers().compose(now -> {
      if (now >= expected) {
        return Future.succeededFuture();
      }
      return triesLeft == 0 ? Future.failedFuture("bench subscribers stayed at " + now)
          : clientVertx.timer(20).compose(t -> untilSubscribed(expected, triesLeft - 1));
    });
  }

  Future<Void> shutdown() {
    return app.shutdown();
  }
}
