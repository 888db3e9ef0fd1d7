package io.socketpush.proxy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.MeterRegistry;
import io.socketpush.Await;
import io.socketpush.TestClock;
import io.socketpush.TestService;
import io.socketpush.channel.ChannelError;
import io.socketpush.channel.ProtocolClient;
import io.socketpush.channel.ProtocolClients;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The connect proxy: the application says who a WebSocket is, refuses it or closes it; every way it can fail to answer is a prompt refusal. */
@ExtendWith(VertxExtension.class)
class ConnectProxyTest {
  static final String SECRET = "connect-proxy-test-secret-long-enough-for-hs256";
  static final long TIMEOUT_MS = 1000;
  private final ProtocolClients clients = new ProtocolClients();
  private Vertx vertx;
  private StubApp app;
  private TestService service;

  private void start(Vertx vertx, JsonObject proxy) {
    start(vertx, proxy, new TestClock());
  }

  /** @param clock the node's clock, against which the application's expireAt is held */
  private void start(Vertx vertx, JsonObject proxy, TestClock clock) {
    this.vertx = vertx;
    app = Await.result(StubApp.start(vertx), 10);
    JsonObject conf = new JsonObject()
        .put("security", new JsonObject().put("jwt", new JsonObject().put("secret", SECRET)))
        .put("proxy", new JsonObject().put("connectUrl", app.url("/connect")).put("timeoutMs", TIMEOUT_MS).mergeIn(proxy));
    service = Await.result(TestService.start(vertx, conf, clock), 20);
  }

  /** The lines AppProxy logs while {@code during} runs, at DEBUG and above. */
  private static List<String> proxyLogLines(Runnable during) {
    Logger logger = (Logger) LoggerFactory.getLogger(AppProxy.class);
    Level level = logger.getLevel();
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logger.setLevel(Level.DEBUG);
    logger.addAppender(lines);
    try {
      during.run();
    } finally {
      logger.detachAppender(lines);
      logger.setLevel(level);
    }
    return lines.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
  }

  /** Every call the application was asked, by outcome: each call ends in exactly one. */
  private double allCalls() {
    return service.app().node().stats().registry().find("socketpush.proxy.calls").tag("kind", "connect").counters().stream()
        .mapToDouble(c -> c.count()).sum();
  }

  @AfterEach
  void closeClients() {
    clients.closeAll();
  }

  private WebSocketConnectOptions ws(String uri) {
    return new WebSocketConnectOptions().setHost(TestService.HOST).setPort(service.port()).setURI(uri)
        .addHeader("Cookie", "sessionid=abc123").addHeader("Authorization", "Session abc123").addHeader("X-Secret", "not passed on");
  }

  private ProtocolClient client(WebSocketConnectOptions options) {
    ProtocolClient c = ProtocolClient.connect(vertx, options);
    clients.add(c);
    return c;
  }

  private Throwable refusal(WebSocketConnectOptions options) {
    var client = vertx.createWebSocketClient();
    TestService.keepReachable(vertx, client);
    Future<WebSocket> connected = client.connect(options);
    Await.result(connected.otherwiseEmpty(), 10);
    assertTrue(connected.failed(), "the handshake was accepted");
    return connected.cause();
  }

  private static void assertStatus(int status, Throwable err) {
    assertInstanceOf(UpgradeRejectedException.class, err, String.valueOf(err));
    assertEquals(status, ((UpgradeRejectedException) err).getStatus());
  }

  private double calls(String outcome) {
    MeterRegistry registry = service.app().node().stats().registry();
    var counter = registry.find("socketpush.proxy.calls").tag("kind", "connect").tag("outcome", outcome).counter();
    return counter == null ? 0 : counter.count();
  }

  private double inFlight() {
    return service.app().node().stats().registry().find("socketpush.proxy.in_flight").gauge().value();
  }

  @Test
  void theApplicationsUserIsTheConnectionsUser(Vertx vertx) throws Exception {
    start(vertx, new JsonObject());
    app.json("/connect", new JsonObject().put("result", new JsonObject().put("user", "42").put("name", "Ann")));
    ProtocolClient ann = client(ws("/ws"));
    assertNull(ann.subscribe("user:42").getValue("error"), "her own personal channel");
    assertEquals(ChannelError.PERMISSION_DENIED, ann.subscribe("user:43").getJsonObject("error").getInteger("code"));
    JsonObject presence = ann.subscribe("chat:lobby");
    assertNull(presence.getValue("error"));
    JsonArray present = ann.call(new JsonObject().put("op", "presence").put("channel", "chat:lobby"))
        .getJsonObject("result").getJsonArray("clients");
    assertEquals("42", present.getJsonObject(0).getString("user"));
    assertEquals("Ann", present.getJsonObject(0).getString("name"), "the application's name for it");

    StubApp.Asked asked = app.asked().get(0);
    assertEquals("websocket", asked.body().getString("transport"));
    assertEquals("127.0.0.1", asked.body().getString("remote"));
    assertTrue(asked.body().getString("client").length() > 8);
    assertEquals("sessionid=abc123", asked.headers().get("Cookie"), "the session cookie is passed on");
    assertEquals("Session abc123", asked.headers().get("Authorization"), "and Authorization, that is not a bearer token");
    assertNull(asked.headers().get("X-Secret"), "headers not in proxy.headers are not");
    assertEquals(1, calls("ok"));
  }

  @Test
  void aCookieNamedInProxyHeadersIsPassedOnAloneAndTheOthersAreNot(Vertx vertx) {
    start(vertx, new JsonObject().put("headers", "sessionid, Authorization"));
    app.json("/connect", new JsonObject().put("result", new JsonObject().put("user", "42")));
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(TestService.HOST).setPort(service.port())
        .setURI("/ws").addHeader("Cookie", "theme=dark; sessionid=abc123; csrftoken=xyz")
        .addHeader("Authorization", "Session abc123");
    client(options).subscribe("user:42");

    StubApp.Asked asked = app.asked().get(0);
    assertEquals("sessionid=abc123", asked.headers().get("Cookie"), "only the named cookie, as it was sent");
    assertEquals("Session abc123", asked.headers().get("Authorization"), "a named header passes whole");
  }

  @Test
  void theChannelsTheApplicationNamesAreSubscribedAtOnce(Vertx vertx) throws Exception {
    start(vertx, new JsonObject().put("channels", new JsonObject().put("apiKey", "k")));
    app.json("/connect", new JsonObject().put("result", new JsonObject().put("user", "7")
        .put("channels", new JsonArray().add("user:7").add("news:sport"))));
    ProtocolClient seven = client(ws("/ws"));
    List<String> subscribed = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      JsonObject push = seven.next(5000);
      subscribed.add(push.getJsonObject("subscribed").getString("channel"));
    }
    assertEquals(List.of("news:sport", "user:7"), subscribed.stream().sorted().toList());
    assertEquals(ChannelError.ALREADY_SUBSCRIBED, seven.subscribe("user:7").getJsonObject("error").getInteger("code"));
  }

  @Test
  void anErrorOfTheApplicationRefusesWith403Or401(Vertx vertx) {
    start(vertx, new JsonObject());
    app.json("/connect", new JsonObject().put("error", new JsonObject().put("code", 1000).put("message", "banned")));
    assertStatus(403, refusal(ws("/ws")));
    app.json("/connect", new JsonObject().put("error", new JsonObject().put("code", 401).put("message", "log in")));
    assertStatus(401, refusal(ws("/ws")));
    assertEquals(2, calls("refused"));
  }

  @Test
  void aDisconnectOfTheApplicationClosesWithItsCode(Vertx vertx) {
    start(vertx, new JsonObject());
    app.json("/connect", new JsonObject().put("disconnect", new JsonObject().put("code", 4403).put("reason", "go away")));
    var client = vertx.createWebSocketClient();
    TestService.keepReachable(vertx, client);
    // the handler is set before the socket connects: the server may close it before connect() completes
    ClientWebSocket socket = client.webSocket();
    Promise<Short> closed = Promise.promise();
    socket.closeHandler(v -> closed.tryComplete(socket.closeStatusCode()));
    Await.result(socket.connect(ws("/ws")), 10);
    assertEquals((short) 4403, Await.result(closed.future(), 10));
    assertEquals("go away", socket.closeReason());
  }

  @Test
  void aValidTokenSkipsTheProxy(Vertx vertx) {
    start(vertx, new JsonObject());
    app.fault("/connect", StubApp.Fault.ERROR_500);
    JWTAuth jwt = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
    String token = jwt.generateToken(new JsonObject().put("sub", "9"), new JWTOptions().setExpiresInSeconds(60));
    ProtocolClient nine = client(ws("/ws?token=" + token));
    assertNull(nine.subscribe("user:9").getValue("error"));
    assertEquals(0, app.asked().size(), "the application was not asked");
  }

  @Test
  void aTokenSubjectOutsideTheAllowedCharactersIsRefused(Vertx vertx) {
    start(vertx, new JsonObject());
    JWTAuth jwt = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
    String token = jwt.generateToken(new JsonObject().put("sub", "42/../43"), new JWTOptions().setExpiresInSeconds(60));
    assertStatus(401, refusal(ws("/ws?token=" + token)));
    assertEquals(0, app.asked().size(), "the application was not asked");
  }

  @Test
  void anInvalidTokenIs401WithoutAskingTheApplication(Vertx vertx) {
    start(vertx, new JsonObject());
    app.json("/connect", new JsonObject().put("result", new JsonObject().put("user", "42")));
    JWTAuth jwt = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)));
    String token = jwt.generateToken(new JsonObject().put("sub", "9"), new JWTOptions().setExpiresInSeconds(60));
    assertStatus(401, refusal(ws("/ws?token=" + token + "tampered")));
    assertEquals(0, app.asked().size(), "the application was not asked");
  }

  @Test
  void theApplicationsExpireAtClosesTheConnectionThenWith1008(Vertx vertx) throws Exception {
    TestClock clock = new TestClock();
    start(vertx, new JsonObject(), clock);
    long expireAt = clock.millis() / 1000 + 3600;
    app.json("/connect", new JsonObject().put("result", new JsonObject().put("user", "42").put("expireAt", expireAt)));
    ProtocolClient ann = client(ws("/ws"));
    assertNull(ann.subscribe("user:42").getValue("error"), "open while its time lasts");
    Promise<Short> closed = Promise.promise();
    ann.socket().closeHandler(v -> closed.tryComplete(ann.socket().closeStatusCode()));
    clock.advance(Duration.ofMillis(expireAt * 1000 - clock.millis()));
    assertEquals((short) 1008, Await.result(closed.future(), 10));
  }

  @Test
  void everyOutcomeIsOneLogLineWithTheConnectionsId(Vertx vertx) {
    start(vertx, new JsonObject());
    app.json("/connect", new JsonObject().put("result", new JsonObject().put("user", "42")));
    List<String> ok = proxyLogLines(() -> client(ws("/ws")));
    String client = app.asked().get(0).body().getString("client");
    assertEquals(List.of("DEBUG proxy connect: ok client=" + client), ok, "at DEBUG: one a connection, as the access log's line");
    app.json("/connect", new JsonObject().put("error", new JsonObject().put("code", 4030).put("message", "banned")));
    List<String> refused = proxyLogLines(() -> refusal(ws("/ws")));
    assertEquals(List.of("INFO proxy connect: refused (error 4030) client=" + app.asked().get(1).body().getString("client")), refused);
  }

  /** Every way the application can fail to answer: refused with 502 within proxy.timeoutMs, the slot and the socket given back, counted. */
  enum Failure {
    SLOW("timeout"), SILENT("timeout"), ERROR_500("status"), NOT_JSON("invalid"), BAD_USER("invalid"), EXPIRED("invalid"),
    NOT_LISTENING("unreachable");

    final String outcome;

    Failure(String outcome) {
      this.outcome = outcome;
    }
  }

  @ParameterizedTest
  @EnumSource(Failure.class)
  void anApplicationThatCannotAnswerIsARefusalWithinTheTimeout(Failure failure, Vertx vertx) throws Exception {
    start(vertx, failure == Failure.NOT_LISTENING ? new JsonObject().put("connectUrl", "http://127.0.0.1:1/connect") : new JsonObject());
    switch (failure) {
      case SLOW -> app.fault("/connect", StubApp.Fault.SLOW);
      case SILENT -> app.fault("/connect", StubApp.Fault.SILENT);
      case ERROR_500 -> app.fault("/connect", StubApp.Fault.ERROR_500);
      case NOT_JSON -> app.fault("/connect", StubApp.Fault.NOT_JSON);
      case BAD_USER -> app.json("/connect", new JsonObject().put("result", new JsonObject().put("user", "4 2\n")));
      case EXPIRED -> app.json("/connect", new JsonObject().put("result", new JsonObject().put("user", "42")
          .put("expireAt", System.currentTimeMillis() / 1000 - 60)));
      case NOT_LISTENING -> { }
    }
    long began = System.currentTimeMillis();
    List<String> lines = proxyLogLines(() -> assertStatus(502, refusal(ws("/ws"))));
    long took = System.currentTimeMillis() - began;
    assertTrue(took < TIMEOUT_MS + 1500, "refused after " + took + " ms");
    assertEquals(1, calls(failure.outcome));
    if (failure == Failure.SLOW || failure == Failure.SILENT || failure == Failure.ERROR_500) {
      // a broken call's socket is closed, not left to the pool; and its reset, once seen, is no second outcome
      Await.result(app.allConnectionsClosed(), 5);
    }
    assertEquals(1, allCalls(), "one call, one outcome");
    assertEquals(1, lines.size(), lines.toString());
    assertTrue(lines.get(0).startsWith("WARN proxy connect failed: " + failure.outcome) && lines.get(0).contains(" client="), lines.get(0));
    assertEquals(0, inFlight(), "the call's slot is given back");
    assertEquals(0, service.app().node().handshakes().open(), "no connection slot is held");
  }

  @Test
  void callsInFlightAreBoundedPerNode(Vertx vertx) throws Exception {
    start(vertx, new JsonObject().put("maxInFlight", 1).put("timeoutMs", 5000));
    app.fault("/connect", StubApp.Fault.SILENT);
    var client = vertx.createWebSocketClient();
    TestService.keepReachable(vertx, client);
    Future<WebSocket> first = client.connect(ws("/ws"));
    Await.until(() -> app.asked().size() == 1, 5000);
    long began = System.currentTimeMillis();
    assertStatus(503, refusal(ws("/ws")));
    assertTrue(System.currentTimeMillis() - began < 2000, "refused at once, not queued");
    assertEquals(1, calls("busy"));
    assertStatus(502, Await.result(first.transform(done -> Future.succeededFuture(done.cause())), 10));
  }
}
