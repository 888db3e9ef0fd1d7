package io.socketpush.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.socketpush.TestService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue #11's HTTP floods, each reproduced the way it was found, from another loopback address (127.0.0.2) than
 * the well-behaved client (127.0.0.1): the bad connections are closed and counted, and the node keeps serving.
 */
@ExtendWith(VertxExtension.class)
class RequestBoundsTest {
  private static final String ATTACKER = "127.0.0.2";
  /** Long enough that a connection closed before it was closed by a bound, short enough to fail a test soon. */
  private static final int READ_TIMEOUT_MS = 15_000;

  private static JsonObject limits(Object... keyValues) {
    JsonObject limits = new JsonObject();
    for (int i = 0; i < keyValues.length; i += 2) {
      limits.put((String) keyValues[i], keyValues[i + 1]);
    }
    return new JsonObject().put("limits", limits);
  }

  private static TestService start(Vertx vertx, JsonObject conf) throws Exception {
    return TestService.start(vertx, conf).await(20, TimeUnit.SECONDS);
  }

  private static Socket raw(TestService service) throws IOException {
    Socket socket = new Socket();
    socket.bind(new InetSocketAddress(InetAddress.getByName(ATTACKER), 0));
    socket.connect(new InetSocketAddress(TestService.HOST, service.port()));
    socket.setSoTimeout(READ_TIMEOUT_MS);
    return socket;
  }

  private static void send(Socket socket, String text) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** Reads until the server closes the connection; what it sent before. Fails if it stays open. */
  private static String closedByServer(Socket socket) throws IOException {
    StringBuilder got = new StringBuilder();
    try {
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[4096];
      for (int n; (n = in.read(buffer)) != -1; ) {
        got.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
      }
    } catch (SocketTimeoutException e) {
      fail("the server kept the connection open for " + READ_TIMEOUT_MS + " ms; it sent: " + got);
    } catch (IOException reset) {
      // closed with a reset: closed all the same
    } finally {
      socket.close();
    }
    return got.toString();
  }

  private static long refused(TestService service, String reason) throws Exception {
    return service.stats().await(5, TimeUnit.SECONDS).getJsonObject("httpRefused").getLong(reason, 0L);
  }

  /** The node still serves others: liveness answers and a WebSocket opens and echoes. */
  private static void stillServing(TestService service) throws Exception {
    assertEquals(200, service.get("/health/live").await(5, TimeUnit.SECONDS).status());
    var ws = service.connect("/ws/echo").await(5, TimeUnit.SECONDS);
    var echoed = io.vertx.core.Promise.<String>promise();
    ws.textMessageHandler(echoed::tryComplete);
    ws.writeTextMessage("still here");
    assertEquals("still here", echoed.future().await(5, TimeUnit.SECONDS));
    ws.close().await(5, TimeUnit.SECONDS);
  }

  /** Re-checks a condition that an event elsewhere makes true, for at most 10 s. */
  private static void eventually(Callable<Boolean> condition, String what) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!condition.call()) {
      if (System.currentTimeMillis() > deadline) {
        fail("never: " + what);
      }
      Thread.sleep(50);
    }
  }

  /**
   * The pending connections of other clients than the scrape: the scrape's own connection is counted too, for
   * Vert.x answers a GET on its head, before the watch sees its (empty) body end.
   */
  private static double pendingGauge(TestService service) throws Exception {
    String metrics = service.get("/metrics").await(5, TimeUnit.SECONDS).body().toString();
    return -1 + metrics.lines().filter(l -> l.startsWith("socketpush_http_pending ")).mapToDouble(l -> Double.parseDouble(l.split(" ")[1]))
        .findFirst().orElse(-1);
  }

  @Test
  void aConnectionThatSendsNothingIsClosedAtTheHeaderTimeout(Vertx vertx) throws Exception {
    TestService service = start(vertx, limits("httpHeaderTimeoutMs", 500));
    Socket silent = raw(service);
    assertEquals("", closedByServer(silent));
    assertEquals(1, refused(service, "header timeout"));
    stillServing(service);
  }

  @Test
  void aSlowlorisTricklingItsHeadIsClosedWhileTheNodeServesOthers(Vertx vertx) throws Exception {
    TestService service = start(vertx, limits("httpHeaderTimeoutMs", 500));
    List<Socket> sockets = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Socket socket = raw(service);
      send(socket, "GET /health/live HTTP/1.1\r\nHost: " + TestService.HOST + "\r\n");
      sockets.add(socket);
    }
    // a byte every 100 ms to each: never idle for as long as the header timeout, never a whole head either
    Thread trickle = new Thread(() -> {
      try {
        while (true) {
          for (Socket socket : sockets) {
            send(socket, "X");
          }
          Thread.sleep(100);
        }
      } catch (IOException | InterruptedException closed) {
        // the server closed one (or the test ended): that is what it waits for
      }
    }, "slowloris");
    trickle.start();
    stillServing(service);
    for (Socket socket : sockets) {
      assertEquals("", closedByServer(socket));
    }
    trickle.interrupt();
    assertEquals(20, refused(service, "header timeout"));
    stillServing(service);
  }

  @Test
  void anIncompleteWebSocketHandshakeIsClosedAtTheHeaderTimeout(Vertx vertx) throws Exception {
    TestService service = start(vertx, limits("httpHeaderTimeoutMs", 500));
    Socket socket = raw(service);
    send(socket, "GET /ws/echo HTTP/1.1\r\nHost: " + TestService.HOST + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"); // no Sec-WebSocket-Version, no blank line: never ends
    assertEquals("", closedByServer(socket));
    assertEquals(1, refused(service, "header timeout"));
    stillServing(service);
  }

  @Test
  void aChunkedBodyThatNeverEndsIsClosedAtTheBodyTimeout(Vertx vertx) throws Exception {
    TestService service = start(vertx, limits("httpBodyTimeoutMs", 500));
    Socket socket = raw(service);
    send(socket, "POST /api/channels/chat:x HTTP/1.1\r\nHost: " + TestService.HOST + "\r\nContent-Type: application/json\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n6\r\n{\"a\":1\r\n"); // and never the last chunk
    assertEquals("", closedByServer(socket));
    assertEquals(1, refused(service, "body timeout"));
    stillServing(service);
  }

  @Test
  void aKeepAliveConnectionGetsANewHeaderDeadlineAfterEachResponse(Vertx vertx) throws Exception {
    TestService service = start(vertx, limits("httpHeaderTimeoutMs", 500));
    Socket socket = raw(service);
    send(socket, "GET /health/live HTTP/1.1\r\nHost: " + TestService.HOST + "\r\n\r\n");
    String answered = closedByServer(socket); // answered, then closed once idle for the header timeout
    assertTrue(answered.startsWith("HTTP/1.1 200"), answered);
    assertEquals(1, refused(service, "header timeout"));
  }

  @Test
  void connectionsBeyondPendingRequestsPerIpAreClosedAtOnce(Vertx vertx) throws Exception {
    // the default limit (128); a header timeout far longer than the wait for a close, so only the limit closes them
    TestService service = start(vertx, limits("httpHeaderTimeoutMs", 600_000));
    List<Socket> held = new ArrayList<>();
    for (int i = 0; i < 128; i++) {
      held.add(raw(service));
    }
    eventually(() -> pendingGauge(service) == 128, "128 pending connections");
    for (int i = 0; i < 172; i++) {
      assertEquals("", closedByServer(raw(service)));
    }
    assertEquals(172, refused(service, "pending requests per address"));
    stillServing(service); // from 127.0.0.1: its slots are its own
    for (Socket socket : held) {
      socket.close();
    }
    eventually(() -> pendingGauge(service) == 0, "the closed connections gave their slots back");
  }

  private static HttpClient client(Vertx vertx, String localAddress) {
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setLocalAddress(localAddress));
    TestService.keepReachable(vertx, http);
    return http;
  }

  private static Future<TestService.Response> post(HttpClient http, TestService service, String path, String body, String... headers) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(TestService.HOST).setPort(service.port()).setURI(path);
    for (int i = 0; i < headers.length; i += 2) {
      options.putHeader(headers[i], headers[i + 1]);
    }
    return http.request(options).compose(req -> req.send(body))
        .compose(resp -> resp.body().map(b -> new TestService.Response(resp.statusCode(), b)));
  }

  /** Publishes as fast as the client's 5 pooled connections allow, 8 requests at a time for {@code ms}; the count of each status. */
  private static java.util.Map<Integer, AtomicInteger> flood(Vertx vertx, TestService service, String path, long ms,
                                                             String... headers) throws Exception {
    java.util.Map<Integer, AtomicInteger> statuses = new java.util.concurrent.ConcurrentHashMap<>();
    AtomicInteger wrongBodies = new AtomicInteger();
    long end = System.currentTimeMillis() + ms;
    HttpClient http = client(vertx, ATTACKER);
    List<Future<Void>> loops = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      loops.add(TestService.on(vertx, () -> publishUntil(http, service, path, end, statuses, wrongBodies, headers)));
    }
    Future.all(loops).await(ms + 10_000, TimeUnit.MILLISECONDS);
    assertEquals(0, wrongBodies.get(), "429s without the JSON error 111");
    return statuses;
  }

  private static Future<Void> publishUntil(HttpClient http, TestService service, String path, long end,
                                           java.util.Map<Integer, AtomicInteger> statuses, AtomicInteger wrongBodies,
                                           String... headers) {
    if (System.currentTimeMillis() > end) {
      return Future.succeededFuture();
    }
    return post(http, service, path, "{\"text\":\"flood\"}", headers).compose(resp -> {
      statuses.computeIfAbsent(resp.status(), s -> new AtomicInteger()).incrementAndGet();
      if (resp.status() == 429 && resp.body().toJsonObject().getJsonObject("error").getInteger("code") != 111) {
        wrongBodies.incrementAndGet();
      }
      return publishUntil(http, service, path, end, statuses, wrongBodies, headers);
    });
  }

  @Test
  void restPublicationsBeyondTheRatePerAddressGet429(Vertx vertx) throws Exception {
    TestService service = start(vertx, limits("apiPublishesPerSecondPerIp", 20));
    long start = System.currentTimeMillis();
    var statuses = flood(vertx, service, "/api/channels/chat:x", 2000);
    double seconds = (System.currentTimeMillis() - start) / 1000.0;
    int accepted = statuses.getOrDefault(202, new AtomicInteger()).get();
    int limited = statuses.getOrDefault(429, new AtomicInteger()).get();
    assertTrue(accepted >= 20 && accepted <= 20 + 20 * seconds + 5, "202: " + accepted + " in " + seconds + " s; " + statuses);
    assertTrue(limited > 0, String.valueOf(statuses));
    assertEquals(accepted + limited, statuses.values().stream().mapToInt(AtomicInteger::get).sum(), String.valueOf(statuses));
    assertEquals(limited, refused(service, "publish rate per address"));
    // another address has a bucket of its own
    assertEquals(202, TestService.on(vertx, () -> post(client(vertx, TestService.HOST), service, "/api/channels/chat:x", "{\"text\":\"hi\"}"))
        .await(5, TimeUnit.SECONDS).status());
    stillServing(service);
  }

  @Test
  void restPublicationsBeyondTheRatePerApiKeyGet429(Vertx vertx) throws Exception {
    JsonObject conf = limits("apiPublishesPerSecondPerKey", 10).put("channels", new JsonObject().put("apiKey", "k-123"));
    TestService service = start(vertx, conf);
    var statuses = flood(vertx, service, "/api/channels/news:x", 1000, "X-API-Key", "k-123");
    assertTrue(statuses.getOrDefault(202, new AtomicInteger()).get() >= 10, String.valueOf(statuses));
    int limited = statuses.getOrDefault(429, new AtomicInteger()).get();
    assertTrue(limited > 0, String.valueOf(statuses));
    assertEquals(limited, refused(service, "publish rate per key"));
  }

  private static String form(int fields) {
    StringBuilder form = new StringBuilder();
    for (int i = 0; i < fields; i++) {
      form.append(i == 0 ? "" : "&").append("f").append(i).append("=1");
    }
    return form.toString();
  }

  @Test
  void aFormPostTheDecoderWillNotHoldIsAnswered413WithoutALogLine(Vertx vertx) throws Exception {
    TestService service = start(vertx, new JsonObject());
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    root.addAppender(captured);
    try {
      HttpClient http = client(vertx, ATTACKER);
      String manyFields = form(600); // 2.4 KB: over Netty's 256 fields
      String longField = "f=" + "x".repeat(9000); // over Vert.x's 8 KB per field
      List<Future<TestService.Response>> answers = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        String body = i % 2 == 0 ? manyFields : longField;
        answers.add(TestService.on(vertx, () -> post(http, service, "/api/channels/chat:x", body,
            "Content-Type", "application/x-www-form-urlencoded")));
      }
      for (TestService.Response answer : Future.all(answers).await(30, TimeUnit.SECONDS).<TestService.Response>list()) {
        assertEquals(413, answer.status(), answer.body().toString());
        assertEquals(109, answer.body().toJsonObject().getJsonObject("error").getInteger("code"), answer.body().toString());
      }
      assertEquals(100, refused(service, "body too large"));
      stillServing(service);
    } finally {
      root.detachAppender(captured);
    }
    List<String> loud = captured.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
        .map(e -> e.getLevel() + " " + e.getLoggerName() + " " + e.getFormattedMessage()).toList();
    assertEquals(List.of(), loud);
  }

  @Test
  void aBodyOverTheRestLimitIsTheDocumentedJsonError(Vertx vertx) throws Exception {
    TestService service = start(vertx, new JsonObject());
    String big = "{\"text\":\"" + "x".repeat(70_000) + "\"}"; // over the largest rule's 64 KB and the 1 KB of slack
    TestService.Response answer = TestService.on(vertx, () -> post(client(vertx, TestService.HOST), service, "/api/channels/news:x", big,
        "Content-Type", "application/json")).await(10, TimeUnit.SECONDS);
    assertEquals(413, answer.status());
    assertEquals(109, answer.body().toJsonObject().getJsonObject("error").getInteger("code"), answer.body().toString());
  }

  @Test
  void aNumberOutOfRangeIsABadRequestNotInfinity(Vertx vertx) throws Exception {
    TestService service = start(vertx, new JsonObject());
    HttpClient http = client(vertx, TestService.HOST);
    for (String body : List.of("{\"n\":1e400}", "[1, -1e400]", "1e400")) {
      TestService.Response answer = TestService.on(vertx, () -> post(http, service, "/api/channels/chat:x", body,
          "Content-Type", "application/json")).await(10, TimeUnit.SECONDS);
      assertEquals(400, answer.status(), body + " -> " + answer.body());
      assertEquals(107, answer.body().toJsonObject().getJsonObject("error").getInteger("code"), answer.body().toString());
    }
    TestService.Response fine = TestService.on(vertx, () -> post(http, service, "/api/channels/chat:x", "{\"n\":1e300}",
        "Content-Type", "application/json")).await(10, TimeUnit.SECONDS);
    assertEquals(202, fine.status(), fine.body().toString());
  }

  @Test
  void aSockJsSessionAnswersOnlyTheAddressThatOpenedIt(Vertx vertx) throws Exception {
    TestService service = start(vertx, new JsonObject());
    HttpClient owner = client(vertx, TestService.HOST);
    HttpClient other = client(vertx, ATTACKER);
    String session = "/sockjs/time/000/s" + System.nanoTime() + "/xhr";
    TestService.Response opened = TestService.on(vertx, () -> post(owner, service, session, "")).await(10, TimeUnit.SECONDS);
    assertEquals(200, opened.status());
    assertEquals("o\n", opened.body().toString());
    TestService.Response stolen = TestService.on(vertx, () -> post(other, service, session, "")).await(10, TimeUnit.SECONDS);
    assertEquals(404, stolen.status(), stolen.body().toString());
    assertEquals(1, refused(service, "sockjs session of another address"));
    TestService.Response polled = TestService.on(vertx, () -> post(owner, service, session, "")).await(10, TimeUnit.SECONDS);
    assertEquals(200, polled.status()); // its owner still polls it: a tick
    assertTrue(polled.body().toString().startsWith("a["), polled.body().toString());
  }
}
