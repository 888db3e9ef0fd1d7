package io.socketpush.security;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.socketpush.SocketPush;
import io.socketpush.TestService;
import io.socketpush.VertxFactory;
import io.socketpush.config.ConfigSources;
import io.socketpush.config.ServiceConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import io.socketpush.ServiceProcess;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Limits against floods, the metrics operators scrape, and what the logs may and may not say. */
@ExtendWith(VertxExtension.class)
class OperationsTest {

  private static void assertRefused(Throwable err, int status) {
    assertInstanceOf(UpgradeRejectedException.class, err, String.valueOf(err));
    assertEquals(status, ((UpgradeRejectedException) err).getStatus());
  }

  private static JsonObject limits(String key, int value) {
    return new JsonObject().put("limits", new JsonObject().put(key, value));
  }

  @Test
  void socketsBeyondMaxConnectionsGet503(Vertx vertx, VertxTestContext ctx) {
    TestService.start(vertx, limits("maxConnections", 2)).compose(s -> s.connect("/ws/time")
            .compose(a -> s.connect("/ws/echo"))
            .compose(b -> s.connect("/ws/time")))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertRefused(err, 503);
          ctx.completeNow();
        })));
  }

  @Test
  void aClosedSocketGivesItsSlotBack(Vertx vertx, VertxTestContext ctx) {
    TestService.start(vertx, limits("maxConnectionsPerIp", 1)).compose(s -> s.connect("/ws/time")
            .compose(first -> first.close())
            .compose(v -> vertx.timer(100))
            .compose(v -> s.connect("/ws/time")))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void socketsBeyondMaxConnectionsPerIpGet429(Vertx vertx, VertxTestContext ctx) {
    TestService.start(vertx, limits("maxConnectionsPerIp", 1)).compose(s -> s.connect("/ws/time")
            .compose(a -> s.connect("/ws/time")))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertRefused(err, 429);
          ctx.completeNow();
        })));
  }

  @Test
  void handshakesFasterThanNewConnectionsPerSecondGet429(Vertx vertx, VertxTestContext ctx) {
    TestService.start(vertx, limits("newConnectionsPerSecond", 2)).compose(s -> s.connect("/ws/time")
            .compose(a -> s.connect("/ws/time"))
            .compose(b -> s.connect("/ws/time")))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertRefused(err, 429);
          ctx.completeNow();
        })));
  }

  @Test
  void anEchoSocketSendingFasterThanItsLimitIsClosedWith1008(Vertx vertx, VertxTestContext ctx) {
    TestService.start(vertx, limits("echoMessagesPerSecond", 5)).compose(s -> s.connect("/ws/echo"))
        .compose(ws -> {
          Promise<Short> code = Promise.promise();
          ws.closeHandler(v -> code.complete(ws.closeStatusCode()));
          for (int i = 0; i < 20; i++) {
            ws.writeTextMessage("flood " + i);
          }
          return code.future();
        })
        .onComplete(ctx.succeeding(code -> ctx.verify(() -> {
          assertEquals((short) 1008, code);
          ctx.completeNow();
        })));
  }

  @Test
  void metricsExposeEverySeriesInPrometheusFormat(VertxTestContext ctx) throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ServiceConfig config = ServiceConfig.from(ConfigSources.of(new JsonObject()
        .put("http", new JsonObject().put("host", TestService.HOST).put("port", 0))
        .put("tick", new JsonObject().put("periodMs", 200))
        .put("security", new JsonObject().put("allowedOrigins", "self"))));
    Vertx vertx = VertxFactory.create(config.cluster(), config.channels(), registry).await();
    try {
      SocketPush app = SocketPush.start(vertx, config, registry).await(10, TimeUnit.SECONDS);
      var wsClient = vertx.createWebSocketClient();
      WebSocket time = wsClient.connect(app.httpPort(), TestService.HOST, "/ws/time").await(5, TimeUnit.SECONDS);
      WebSocket echo = wsClient.connect(app.httpPort(), TestService.HOST, "/ws/echo").await(5, TimeUnit.SECONDS);
      Promise<Buffer> echoed = Promise.promise();
      echo.binaryMessageHandler(echoed::tryComplete);
      echo.writeBinaryMessage(Buffer.buffer("metrics"));
      echoed.future().await(5, TimeUnit.SECONDS);
      Promise<String> ticked = Promise.promise();
      time.textMessageHandler(ticked::tryComplete);
      ticked.future().await(5, TimeUnit.SECONDS);
      echo.close().await(5, TimeUnit.SECONDS);
      var refused = wsClient.connect(new io.vertx.core.http.WebSocketConnectOptions().setPort(app.httpPort())
          .setHost(TestService.HOST).setURI("/ws/time").addHeader("Origin", "https://evil.example"));
      assertTrue(refused.transform(ar -> Future.succeededFuture(ar.failed())).await(5, TimeUnit.SECONDS));

      String metrics = TestService.on(vertx, () -> {
        var http = vertx.createHttpClient();
        return http.request(HttpMethod.GET, app.httpPort(), TestService.HOST, "/metrics")
            .compose(req -> req.send()).compose(resp -> {
              assertTrue(resp.getHeader("Content-Type").startsWith("text/plain"), resp.getHeader("Content-Type"));
              return resp.body();
            });
      }).await(5, TimeUnit.SECONDS).toString();
      for (String series : List.of(
          "socketpush_sockets_open{endpoint=\"time\"} 1",
          "socketpush_sockets_opened_total{endpoint=\"echo\"}",
          "socketpush_sockets_closed_total{code=\"1000\",endpoint=\"echo\"}",
          "socketpush_messages_in_total{endpoint=\"echo\"} 1",
          "socketpush_messages_out_total{endpoint=\"time\"}",
          "socketpush_bytes_in_total{endpoint=\"echo\"} 7",
          "socketpush_bytes_out_total{endpoint=\"echo\"} 7",
          "socketpush_ticks_published_total",
          "socketpush_ticks_delivered_total",
          "socketpush_ticks_skipped_slow_total",
          "socketpush_handshakes_refused_total{reason=\"origin not allowed\"} 1",
          "socketpush_tick_fanout_seconds_bucket",
          "socketpush_cluster_members 1",
          "socketpush_ticker_leader 1",
          "socketpush_subscribers{channel=\"time\"} 1",
          "jvm_memory_used_bytes",
          "vertx_eventbus_published_total")) {
        assertTrue(metrics.contains(series), "no " + series + " in\n" + metrics);
      }
      ctx.completeNow();
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void logsOneLinePerSocketAndRefusalAndNeverATokenOrABody(Vertx vertx, VertxTestContext ctx) {
    String secret = "log-test-secret-long-enough-for-hs256-hmac";
    String token = io.vertx.ext.auth.jwt.JWTAuth.create(vertx, new io.vertx.ext.auth.jwt.JWTAuthOptions()
            .addPubSecKey(new io.vertx.ext.auth.PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)))
        .generateToken(new JsonObject().put("sub", "bob"));
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    root.addAppender(captured);
    JsonObject conf = new JsonObject().put("security", new JsonObject().put("jwt", new JsonObject().put("required", true).put("secret", secret)));
    TestService.start(vertx, conf).compose(s -> s.connect("/ws/echo?token=" + token)
            .compose(ws -> {
              Promise<String> echoed = Promise.promise();
              ws.textMessageHandler(echoed::tryComplete);
              ws.writeTextMessage("BODY-THAT-MUST-NOT-BE-LOGGED");
              return echoed.future().compose(e -> ws.close());
            })
            .compose(v -> s.connect("/ws/echo?token=" + token + "tampered").transform(ar -> Future.succeededFuture()))
            .compose(v -> vertx.timer(200)))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          root.detachAppender(captured);
          List<String> lines = captured.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
          for (String line : lines) {
            assertFalse(line.contains(token.substring(token.lastIndexOf('.') + 1)), "a token in: " + line);
            assertFalse(line.contains("BODY-THAT-MUST-NOT-BE-LOGGED"), "a message body in: " + line);
          }
          assertEquals(1, lines.stream().filter(l -> l.startsWith("socket opened endpoint=echo") && l.contains("subject=bob")).count(), lines.toString());
          assertEquals(1, lines.stream().filter(l -> l.startsWith("socket closed endpoint=echo") && l.contains("code=1000")
              && l.contains("messagesIn=1") && l.contains("messagesOut=1")).count(), lines.toString());
          assertEquals(1, lines.stream().filter(l -> l.startsWith("handshake refused status=401")).count(), lines.toString());
          ctx.completeNow();
        })));
  }

  @Test
  void logFormatJsonPrintsOneJsonObjectPerLine(Vertx vertx) throws Exception {
    try (ServiceProcess process = ServiceProcess.start(Map.of("LOG_FORMAT", "json"))) {
      var client = vertx.createWebSocketClient();
      client.connect(process.port(), TestService.HOST, "/ws/time").await(5, TimeUnit.SECONDS).close().await(5, TimeUnit.SECONDS);
      long deadline = System.currentTimeMillis() + 5000;
      while (process.lines().stream().noneMatch(l -> l.contains("socket closed")) && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      List<String> lines = process.lines();
      assertTrue(lines.stream().anyMatch(l -> l.contains("socket closed")), lines.toString());
      for (String line : lines) {
        JsonObject json = new JsonObject(line); // throws if a line is not one JSON object
        assertTrue(json.containsKey("level") && json.containsKey("message") && json.containsKey("timestamp"), line);
      }
    }
  }
}
