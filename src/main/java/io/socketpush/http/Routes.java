package io.socketpush.http;

import io.socketpush.NodeState;
import io.vertx.core.Vertx;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;

/** The plain HTTP routes: demo page, health, stats. */
final class Routes {
  private Routes() {
  }

  static Router create(Vertx vertx, NodeState node) {
    Router router = Router.router(vertx);
    router.get("/health/live").handler(HealthCheckHandler.create(vertx)
        .register("event-loop", promise -> promise.complete(Status.OK())));
    router.get("/health/ready").handler(HealthCheckHandler.create(vertx)
        .register("accepting-sockets", promise -> promise.complete(node.draining() ? Status.KO() : Status.OK())));
    router.get("/api/stats").handler(ctx -> ctx.json(node.stats().toJson()));
    router.route().handler(StaticHandler.create("webroot").setCachingEnabled(false));
    return router;
  }
}
