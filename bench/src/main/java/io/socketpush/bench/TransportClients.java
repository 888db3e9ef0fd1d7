package io.socketpush.bench;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * N simulated clients of one transport, each wanting every tick, in this JVM on Vert.x: polling every second
 * ({@code poll}), long-polling ({@code longpoll}), Server-Sent Events ({@code sse}), SockJS xhr-streaming
 * ({@code sockjs}, what SockJS picks in a browser without WebSocket) and WebSocket ({@code websocket}).
 *
 * <p>Every HTTP client holds one keep-alive connection of its own, as a browser tab does, and sends its
 * requests on it one at a time: no connection churn, no pool to wait in. Clients are spread over source
 * addresses 127.0.0.2, .3, … in blocks of {@value #PER_ADDRESS}, so no address runs short of ephemeral
 * ports however many clients there are.
 */
final class TransportClients implements AutoCloseable {
  static final List<String> TRANSPORTS = List.of("poll", "longpoll", "sse", "sockjs", "websocket");
  private static final int PER_ADDRESS = 1000;
  /** Clients arrive over this long, as real ones do, not in one burst. */
  private static final long RAMP_MS = 1000;
  /** A closed connection or a refused request is retried after this long. */
  private static final long RETRY_MS = 1000;
  private static final long LAG_PERIOD_MS = 10;

  final Deliveries deliveries = new Deliveries();
  private final Vertx vertx;
  private final int port;
  private final List<HttpClientAgent> agents = new ArrayList<>();
  private final List<WebSocketClient> webSockets = new ArrayList<>();
  private volatile boolean stopped;

  TransportClients(int port, int eventLoops) throws Exception {
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops));
    this.port = port;
    watchLoops(eventLoops);
  }

  /**
   * A timer every {@value #LAG_PERIOD_MS} ms on each client event loop, recording how late it fires: a client
   * that cannot keep up shows here (and in its CPU), not as the server's latency.
   */
  private void watchLoops(int eventLoops) throws Exception {
    vertx.deployVerticle(() -> new AbstractVerticle() {
      @Override
      public void start() {
        long[] due = {System.nanoTime() + LAG_PERIOD_MS * 1_000_000};
        vertx.setPeriodic(LAG_PERIOD_MS, t -> {
          long now = System.nanoTime();
          deliveries.loopLag(Math.max(0, now - due[0]) / 1_000_000);
          due[0] = now + LAG_PERIOD_MS * 1_000_000;
        });
      }
    }, new DeploymentOptions().setInstances(eventLoops)).await(10, TimeUnit.SECONDS);
  }

  void start(String transport, int n) {
    for (int i = 0; i < n; i++) {
      String local = "127.0.0." + (2 + i / PER_ADDRESS);
      if (i % PER_ADDRESS == 0) {
        agents.add(vertx.createHttpClient(new HttpClientOptions().setLocalAddress(local).setKeepAlive(true)));
        webSockets.add(vertx.createWebSocketClient(new WebSocketClientOptions().setLocalAddress(local)
            .setMaxConnections(PER_ADDRESS + 10)));
      }
      HttpClientAgent agent = agents.get(agents.size() - 1);
      WebSocketClient ws = webSockets.get(webSockets.size() - 1);
      String session = "c" + i;
      long[] last = {0}; // the newest ts this client has: a tick seen twice is one update
      vertx.setTimer(1 + i * RAMP_MS / n, t -> {
        switch (transport) {
          case "poll" -> keptAlive(agent, (c, open) -> poll(c, open, last));
          case "longpoll" -> keptAlive(agent, (c, open) -> longPoll(c, open, 0));
          case "sse" -> keptAlive(agent, (c, open) -> sse(c, open, last));
          case "sockjs" -> keptAlive(agent, (c, open) -> sockJs(c, open, session, last));
          case "websocket" -> webSocket(ws, last);
          default -> throw new IllegalArgumentException("transport: one of " + TRANSPORTS);
        }
      });
    }
  }

  /** Whether a client's connection is still the one it works on: a closed one is replaced, not reused. */
  private interface Open {
    boolean still();
  }

  /** Opens a connection, runs the client on it, and opens another one a second after the server closes it. */
  private void keptAlive(HttpClientAgent agent, BiConsumer<HttpClientConnection, Open> client) {
    agent.connect(new HttpConnectOptions().setHost("127.0.0.1").setPort(port)).onComplete(ar -> {
      if (ar.failed()) {
        retry(ar.cause(), () -> keptAlive(agent, client));
        return;
      }
      HttpClientConnection c = ar.result();
      boolean[] closed = {false};
      c.closeHandler(v -> {
        closed[0] = true;
        retry("connection closed by the server", () -> keptAlive(agent, client));
      });
      client.accept(c, () -> !closed[0] && !stopped);
    });
  }

  private void retry(Object why, Runnable again) {
    if (!stopped) {
      deliveries.failed(why);
      vertx.setTimer(RETRY_MS, t -> again.run());
    }
  }

  /** Every second, GET /api/time with the last ETag: a 304 until the next tick. A poll still out skips one. */
  private void poll(HttpClientConnection c, Open open, long[] last) {
    String[] etag = {null};
    boolean[] busy = {false};
    vertx.setPeriodic(1000, t -> {
      if (!open.still()) {
        vertx.cancelTimer(t);
        return;
      }
      if (busy[0]) {
        deliveries.failed("a poll took more than a second");
        return;
      }
      busy[0] = true;
      RequestOptions options = new RequestOptions().setURI("/api/time");
      if (etag[0] != null) {
        options.putHeader("If-None-Match", etag[0]);
      }
      deliveries.sent();
      c.request(options).compose(req -> req.send()).compose(resp -> resp.body().map(body -> {
        if (resp.statusCode() == 200) {
          etag[0] = resp.getHeader("ETag");
          deliveries.receivedIn(body.toString(), last);
        } else if (resp.statusCode() != 304) {
          deliveries.failed("poll: HTTP " + resp.statusCode());
        }
        return body;
      })).onComplete(ar -> {
        busy[0] = false;
        if (ar.failed() && open.still()) {
          deliveries.failed(ar.cause());
        }
      });
    });
  }

  /** GET /api/time/next?after=ts, again as soon as it is answered; the first answer (after=0) is not an update. */
  private void longPoll(HttpClientConnection c, Open open, long after) {
    if (!open.still()) {
      return;
    }
    deliveries.sent();
    c.request(new RequestOptions().setURI("/api/time/next" + (after == 0 ? "" : "?after=" + after)))
        .compose(req -> req.send()).compose(resp -> resp.body().map(body -> {
          if (resp.statusCode() == 200) {
            if (after == 0) {
              return Deliveries.firstTs(body.toString()); // only where we are, not an update
            }
            long[] last = {after};
            deliveries.receivedIn(body.toString(), last);
            return last[0];
          }
          if (resp.statusCode() != 204) { // 204: no tick within longpoll.timeoutMs, ask again
            deliveries.failed("longpoll: HTTP " + resp.statusCode());
          }
          return after;
        })).onComplete(ar -> {
          if (ar.succeeded()) {
            longPoll(c, open, ar.result());
          } else if (open.still()) {
            deliveries.failed(ar.cause());
            vertx.setTimer(RETRY_MS, t -> longPoll(c, open, after));
          }
        });
  }

  /** One GET /sse/time stream: each event's {@code id:} is the tick's ts. */
  private void sse(HttpClientConnection c, Open open, long[] last) {
    stream(c, open, new RequestOptions().setURI("/sse/time").setMethod(HttpMethod.GET), "\n\n", event -> {
      if (event.startsWith("id: ")) {
        long ts = Long.parseLong(event.substring(4, event.indexOf('\n')));
        if (ts > last[0]) {
          last[0] = ts;
          deliveries.received(ts);
        }
      }
    }, () -> sse(c, open, last));
  }

  /**
   * A SockJS xhr-streaming session: POST .../xhr_streaming, then a stream of lines ({@code h} prelude and
   * heartbeats, {@code o}, {@code a[...]} messages). The server ends the response after 128 KiB; the client
   * POSTs again on the same session, as sockjs-client does.
   */
  private void sockJs(HttpClientConnection c, Open open, String session, long[] last) {
    stream(c, open, new RequestOptions().setURI("/sockjs/time/000/" + session + "/xhr_streaming").setMethod(HttpMethod.POST),
        "\n", frame -> {
          if (frame.startsWith("a")) {
            deliveries.receivedIn(frame, last);
          } else if (frame.startsWith("c")) {
            deliveries.failed("sockjs: " + frame);
          }
        }, () -> sockJs(c, open, session, last));
  }

  /** A streamed response cut into records at the separator; when it ends, {@code again} asks for another. */
  private void stream(HttpClientConnection c, Open open, RequestOptions request, String separator,
                      Consumer<String> record, Runnable again) {
    if (!open.still()) {
      return;
    }
    deliveries.sent();
    c.request(request).compose(req -> req.send()).onComplete(ar -> {
      if (ar.failed() || ar.result().statusCode() != 200) {
        if (open.still()) {
          deliveries.failed(ar.failed() ? ar.cause() : request.getURI() + ": HTTP " + ar.result().statusCode());
          vertx.setTimer(RETRY_MS, t -> again.run());
        }
        return;
      }
      HttpClientResponse resp = ar.result();
      StringBuilder pending = new StringBuilder();
      resp.handler(chunk -> {
        pending.append(chunk.toString());
        int end;
        while ((end = pending.indexOf(separator)) >= 0) {
          String r = pending.substring(0, end);
          pending.delete(0, end + separator.length());
          record.accept(r);
        }
      });
      resp.endHandler(v -> again.run());
    });
  }

  private void webSocket(WebSocketClient ws, long[] last) {
    ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/ws/time")).onComplete(ar -> {
      if (ar.failed()) {
        retry(ar.cause(), () -> webSocket(ws, last));
        return;
      }
      ar.result().textMessageHandler(text -> deliveries.receivedIn(text, last));
      ar.result().closeHandler(v -> retry("websocket closed by the server", () -> webSocket(ws, last)));
    });
  }

  @Override
  public void close() throws Exception {
    stopped = true;
    vertx.close().await(15, TimeUnit.SECONDS);
  }
}
