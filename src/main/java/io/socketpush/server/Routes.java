package io.socketpush.server;

import io.socketpush.admin.AdminConsole;
import io.socketpush.internal.VertxInternals;
import io.socketpush.transport.Transports;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.ext.healthchecks.Status;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;

/** The plain HTTP routes: demo page, health, stats, the channels' REST API, the admin console (when on), and the HTTP transports of the ticks. */
final class Routes {
  private Routes() {
  }

  static Router create(Vertx vertx, NodeState node, Transports transports, ChannelApi channels, AdminConsole admin, Failures failures) {
    Router router = Router.router(vertx);
    router.get("/health/live").handler(HealthCheckHandler.create(vertx)
        .register("event-loop", promise -> promise.complete(Status.OK())));
    router.get("/health/ready").handler(HealthCheckHandler.create(vertx)
        .register("accepting-sockets", promise -> promise.complete(node.draining() ? Status.KO() : Status.OK())));
    router.get("/metrics").handler(PrometheusScrapingHandler.create((PrometheusMeterRegistry) node.stats().registry()));
    String transport = VertxInternals.transport(vertx);
    router.get("/api/stats").handler(ctx -> ctx.json(node.stats().toJson().put("cluster", cluster(vertx))
        .put("transport", transport)));
    transports.mount(router);
    channels.mount(router);
    new ServerApi(node).mount(router);
    if (admin != null) {
      admin.mount(router);
    }
    router.route().handler(StaticHandler.create("webroot").setCachingEnabled(false));
    router.route().failureHandler(failures::answer); // last: after the channels' JSON errors
    return router;
  }

  private static JsonObject cluster(Vertx vertx) {
    ClusterManager manager = VertxInternals.clusterManager(vertx);
    return new JsonObject()
        .put("enabled", manager != null)
        .put("members", manager == null ? 1 : manager.getNodes().size())
        .put("nodeId", manager == null ? null : manager.getNodeId());
  }
}
