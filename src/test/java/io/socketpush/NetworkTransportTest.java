package io.socketpush;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.core.transport.Transport;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code http.transport}: the node runs on the transport asked for where it loads, says so in one line at start and in
 * {@code /api/stats}, and serves ticks on it; the client here stays on its own Vert.x's NIO.
 */
@ExtendWith(VertxExtension.class)
class NetworkTransportTest {
  /** The jar ships epoll for Linux x86_64: there it must load. io_uring may be refused by the kernel or a sandbox. */
  private static final boolean EPOLL_MUST_LOAD = System.getProperty("os.name").equals("Linux")
      && System.getProperty("os.arch").equals("amd64");

  @ParameterizedTest
  @ValueSource(strings = {"auto", "epoll", "io_uring", "nio"})
  void theNodeRunsOnTheTransportAskedForWhereItLoadsSaysSoAndServesTicks(String asked, Vertx client) throws Exception {
    String expected = expected(asked);
    try (ServiceProcess node = ServiceProcess.start(Map.of("HTTP_TRANSPORT", asked, "TICK_PERIOD_MS", "200"))) {
      List<String> said = node.lines().stream().filter(l -> l.contains("network transport:")).toList();
      assertEquals(1, said.size(), String.join("\n", node.lines()));
      assertTrue(said.get(0).contains("network transport: " + expected + " (http.transport=" + asked), said.get(0));
      if (!expected.equals(asked) && !asked.equals("auto")) {
        assertTrue(said.get(0).contains(asked + " did not load: ") && said.get(0).contains(" WARN "),
            "a transport asked for by name and not loaded is a warning with its reason: " + said.get(0));
      }
      assertEquals(expected, stats(node).getString("transport"));
      JsonObject tick = firstTick(client, node.port());
      assertTrue(tick.getLong("ts") > 0, tick.encode());
      assertFalse(client.isNativeTransportEnabled(), "the test's client is not moved off NIO");
    }
  }

  @Test
  void epollLoadsOnLinuxX8664AndAutoTakesIt() {
    if (EPOLL_MUST_LOAD) {
      assertTrue(Transport.EPOLL.available(), String.valueOf(Transport.EPOLL.unavailabilityCause()));
      assertEquals("epoll", NetworkTransport.choose("auto").name());
      assertEquals("", NetworkTransport.choose("auto").why());
    }
    assertEquals("nio", NetworkTransport.choose("nio").name());
  }

  /** What this host can load, as the node will see it: the same JVM, the same class path. */
  private static String expected(String asked) {
    if (asked.equals("nio")) {
      return "nio";
    }
    if (asked.equals("auto") || asked.equals("epoll")) {
      return EPOLL_MUST_LOAD || Transport.EPOLL.available() ? "epoll"
          : asked.equals("auto") && Transport.IO_URING != null && Transport.IO_URING.available() ? "io_uring" : "nio";
    }
    return Transport.IO_URING != null && Transport.IO_URING.available() ? "io_uring" : "nio";
  }

  private static JsonObject stats(ServiceProcess node) throws Exception {
    HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/api/stats")).build(),
        HttpResponse.BodyHandlers.ofString());
    return new JsonObject(r.body());
  }

  private static JsonObject firstTick(Vertx vertx, int port) throws Exception {
    WebSocketClient ws = vertx.createWebSocketClient();
    TestService.keepReachable(vertx, ws);
    Promise<JsonObject> tick = Promise.promise();
    ws.connect(port, TestService.HOST, "/ws/time")
        .onSuccess(socket -> socket.textMessageHandler(text -> tick.tryComplete(new JsonObject(text))))
        .onFailure(tick::tryFail);
    return tick.future().await(20, TimeUnit.SECONDS);
  }
}
