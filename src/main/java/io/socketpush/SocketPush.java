package io.socketpush;

import io.socketpush.config.ServiceConfig;
import io.socketpush.http.HttpVerticle;
import io.socketpush.push.TickerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One node of socket-push: deploys its verticles on a Vert.x instance (plain or clustered) and
 * drains them on shutdown. Deployment and its order live here and nowhere else.
 */
public final class SocketPush {
  /** How often a ticker that does not lead asks for the lock again. */
  static final long LEADER_POLL_MS = 500;

  private final Vertx vertx;
  private final ServiceConfig config;
  private final NodeState node = new NodeState();
  private final List<HttpVerticle> httpInstances = new CopyOnWriteArrayList<>();
  private String httpDeployment;
  private String tickerDeployment;

  private SocketPush(Vertx vertx, ServiceConfig config) {
    this.vertx = vertx;
    this.config = config;
  }

  /** Deploys the HTTP verticles (so the fan-out listens), then the ticker. */
  public static Future<SocketPush> start(Vertx vertx, ServiceConfig config) {
    SocketPush app = new SocketPush(vertx, config);
    int port = config.http().port() == 0 ? -1 : config.http().port();
    return vertx.deployVerticle(() -> app.newHttpVerticle(port), new DeploymentOptions().setInstances(config.http().instances()))
        .compose(id -> {
          app.httpDeployment = id;
          return vertx.deployVerticle(new TickerVerticle(config.tick(), app.node.stats(), LEADER_POLL_MS));
        })
        .map(id -> {
          app.tickerDeployment = id;
          return app;
        });
  }

  private HttpVerticle newHttpVerticle(int port) {
    HttpVerticle verticle = new HttpVerticle(config, node, port);
    httpInstances.add(verticle);
    return verticle;
  }

  /** The HTTP/WebSocket port actually bound (differs from the configured one when that is 0). */
  public int httpPort() {
    return httpInstances.get(0).actualPort();
  }

  public NodeState node() {
    return node;
  }

  /**
   * Graceful shutdown: readiness turns 503 and new sockets are refused, open sockets are closed with
   * 1001 and given {@code shutdown.graceMs} to answer, then the server and the ticker stop. Vert.x
   * itself is left to its owner. Calling it again returns a completed future.
   */
  public Future<Void> shutdown() {
    if (!node.startDraining()) {
      return Future.succeededFuture();
    }
    List<Future<Void>> closing = httpInstances.stream().map(HttpVerticle::closeSockets).toList();
    Future<Void> grace = vertx.timer(config.shutdownGraceMs()).mapEmpty();
    return Future.any(Future.join(closing), grace)
        .eventually(() -> vertx.undeploy(httpDeployment))
        .eventually(() -> vertx.undeploy(tickerDeployment))
        .mapEmpty();
  }
}
