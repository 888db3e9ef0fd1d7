package io.socketpush;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #11, defects 1 and 6, reproduced as they were found: raw sockets that flood the server with pings,
 * requests or empty frames, some never reading what comes back. The service runs as its own process with a
 * 256 MB heap (and 64 MB of direct memory), so a queue without a bound fails the test with an
 * OutOfMemoryError, not only with a number; another client keeps doing echo round trips throughout, and the
 * heap after a full collection must be back near what it was before the flood.
 */
@ExtendWith(VertxExtension.class)
class SocketBoundsTest {
  private static final List<String> SMALL_HEAP = List.of("-Xmx256m", "-XX:MaxDirectMemorySize=64m");
  /** What the heap may keep after a flood, over its baseline, once collected: not the flood's pongs or replies. */
  private static final long HEAP_SLACK = 24L << 20;
  private static final long FLOOD_MS = 5000;
  /**
   * How long a client that reads nothing may flood before the server must have dropped it: the kernel's
   * buffers take several MB first (the server's send buffer grows to 4 MB on loopback), so that is
   * seconds of pings; without the bound the 256 MB heap is gone well before.
   */
  /** The most a flood lasts: it ends when the server closes the socket, which is what the tests wait for. */
  private static final long UNREAD_FLOOD_MS = 60_000;
  private static final byte[] EMPTY = new byte[0];

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void pingFloodFromASocketThatNeverReadsIsDroppedAndTheHeapStaysNearItsBaseline(Vertx vertx) throws Exception {
    // the frame rate out of the way: only ws.maxQueuedBytes stands between the pongs and the heap
    try (ServiceProcess service = ServiceProcess.start(SMALL_HEAP, Map.of("WS_FRAMES_PER_SECOND", "10000000"))) {
      JsonObject stats = floodWithoutReading(vertx, service, RawWebSocket.frames(1000, 0x89, EMPTY));
      assertEquals(1L, stats.getJsonObject("socketsClosedByLimit").getLong("queue"), stats.encode());
    }
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void errorRepliesToASocketThatNeverReadsAreShortAndBoundedAndItIsDropped(Vertx vertx) throws Exception {
    // an unknown op of 60 KB, as found, then short bad requests whose errors outweigh them, under a request
    // rate high enough that only the queue's bound is left
    Buffer chunk = RawWebSocket.frame(0x81, ("{\"id\":1,\"op\":\"" + "x".repeat(60 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8))
        .appendBuffer(RawWebSocket.frames(1000, 0x81, "{\"id\":1,\"op\":\"x\"}".getBytes(StandardCharsets.UTF_8)));
    try (ServiceProcess service = ServiceProcess.start(SMALL_HEAP,
        Map.of("WS_FRAMES_PER_SECOND", "10000000", "CHANNELS_REQUESTS_PER_SECOND", "1000000"))) {
      JsonObject stats = floodWithoutReading(vertx, service, chunk);
      assertEquals(1L, stats.getJsonObject("socketsClosedByLimit").getLong("queue"), stats.encode());
    }
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void emptyContinuationAndPingFloodsAreClosedWith1008AtTheDefaultFrameRate(Vertx vertx) throws Exception {
    try (ServiceProcess service = ServiceProcess.start(SMALL_HEAP, Map.of())) {
      Probe probe = Probe.start(vertx, service.port()).await(10, TimeUnit.SECONDS);
      long baseline = service.heapUsedAfterGc();
      RawWebSocket continuations = RawWebSocket.connect(vertx, service.port(), "/ws").await(10, TimeUnit.SECONDS);
      RawWebSocket pings = RawWebSocket.connect(vertx, service.port(), "/ws").await(10, TimeUnit.SECONDS);
      continuations.send(0x01, EMPTY); // a text message begun, never finished: every continuation is legal
      Future<Void> both = Future.all(
          continuations.flood(RawWebSocket.frames(1000, 0x00, EMPTY)),
          pings.flood(RawWebSocket.frames(1000, 0x89, EMPTY))).mapEmpty();
      vertx.setTimer(FLOOD_MS, t -> {
        continuations.stopFlooding();
        pings.stopFlooding();
      });
      both.await(30, TimeUnit.SECONDS);
      assertTrue(continuations.closeCode().isComplete() && pings.closeCode().isComplete(),
          "the flooding sockets were not closed within " + FLOOD_MS + " ms");
      assertEquals(1008, continuations.closeCode().result());
      assertEquals(1008, pings.closeCode().result());
      JsonObject stats = stats(vertx, service.port());
      assertEquals(2L, stats.getJsonObject("socketsClosedByLimit").getLong("frames"), stats.encode());
      assertStillServing(service, probe, baseline);
    }
  }

  @Test
  void aLongStringIdIsRefusedWithoutBeingRepeated(Vertx vertx, VertxTestContext ctx) {
    String id = "i".repeat(60 * 1024);
    TestService.start(vertx).compose(service -> service.connect("/ws")).compose(ws -> {
      Promise<String> reply = Promise.promise();
      ws.textMessageHandler(reply::tryComplete);
      ws.writeTextMessage(new JsonObject().put("id", id).put("op", "presence").put("channel", "chat:x").encode());
      return reply.future();
    }).onComplete(ctx.succeeding(text -> ctx.verify(() -> {
      JsonObject reply = new JsonObject(text);
      assertEquals(107, reply.getJsonObject("error").getInteger("code"), text);
      assertTrue(text.length() < 200, "the reply repeats what was sent: " + text.length() + " characters");
      ctx.completeNow();
    })));
  }

  @Test
  void errorReplyQuotesAtMost64CharactersOfWhatTheClientSent(Vertx vertx, VertxTestContext ctx) {
    String op = "x".repeat(60 * 1024);
    TestService.start(vertx).compose(service -> service.connect("/ws")).compose(ws -> {
      Promise<String> reply = Promise.promise();
      ws.textMessageHandler(reply::tryComplete);
      ws.writeTextMessage(new JsonObject().put("id", 1).put("op", op).encode());
      return reply.future();
    }).onComplete(ctx.succeeding(text -> ctx.verify(() -> {
      JsonObject error = new JsonObject(text).getJsonObject("error");
      assertEquals(104, error.getInteger("code"), text);
      assertTrue(error.getString("message").startsWith("unknown op '" + "x".repeat(64) + "\u2026'"), text);
      assertTrue(text.length() < 300, "a " + text.length() + "-character error for a 60 KB op");
      ctx.completeNow();
    })));
  }

  /**
   * The slow-consumer rule watched pushes only: an echo socket (no subscriptions) that stops reading the
   * echoes stayed open, its reading paused, until the idle timeout. Now any socket whose queue stays full
   * for {@code ws.slowConsumerCloseMs} is closed with 1008, and it finds the close frame behind its echoes.
   */
  @Test
  void socketWithoutSubscriptionsThatStopsReadingIsClosedAsASlowConsumer(Vertx vertx, VertxTestContext ctx) {
    JsonObject conf = new JsonObject()
        .put("ws", new JsonObject().put("slowConsumerCloseMs", 500))
        .put("limits", new JsonObject().put("echoMessagesPerSecond", 0));
    TestService.start(vertx, conf).compose(service ->
        RawWebSocket.connect(vertx, service.port(), "/ws/echo", 4096).compose(raw -> {
          raw.pause();
          raw.flood(RawWebSocket.frame(0x82, new byte[16 * 1024]));
          return waitFor(vertx, service, stats -> stats.getJsonObject("socketsClosedByLimit").getLong("slow") == 1, 200)
              .compose(stats -> {
                raw.stopFlooding();
                raw.resume(); // reads its echoes, then the close frame
                return raw.closeCode();
              });
        }))
        .onComplete(ctx.succeeding(code -> ctx.verify(() -> {
          assertEquals(1008, code);
          ctx.completeNow();
        })));
  }

  private static Future<JsonObject> waitFor(Vertx vertx, TestService service,
                                            java.util.function.Predicate<JsonObject> done, int triesLeft) {
    return service.stats().compose(stats -> {
      if (done.test(stats)) {
        return Future.succeededFuture(stats);
      }
      if (triesLeft == 0) {
        return Future.failedFuture("never happened: " + stats.encode());
      }
      return vertx.timer(50).compose(t -> waitFor(vertx, service, done, triesLeft - 1));
    });
  }

  /**
   * Opens a socket on {@code /ws} that never reads, writes {@code chunk} again and again for up to
   * {@link #UNREAD_FLOOD_MS} or until the server drops it, and checks that it did drop it while the probe kept its
   * round trips and the heap came back down. Returns the service's stats.
   */
  private static JsonObject floodWithoutReading(Vertx vertx, ServiceProcess service, Buffer chunk) throws Exception {
    Probe probe = Probe.start(vertx, service.port()).await(10, TimeUnit.SECONDS);
    long baseline = service.heapUsedAfterGc();
    RawWebSocket flooder = RawWebSocket.connect(vertx, service.port(), "/ws", 4096).await(10, TimeUnit.SECONDS);
    flooder.pause();
    Future<Void> flood = flooder.flood(chunk);
    vertx.setTimer(UNREAD_FLOOD_MS, t -> flooder.stopFlooding());
    flood.await(UNREAD_FLOOD_MS + 10_000, TimeUnit.MILLISECONDS);
    // the client sees the reset before the server's close handler has counted the socket: wait for the count
    JsonObject stats = statsOnceClosed(vertx, service.port());
    assertTrue(flooder.tcpClosed().isComplete(),
        "a socket that read nothing was kept for " + UNREAD_FLOOD_MS + " ms of flood: " + stats.encode() + "\n"
            + String.join("\n", service.lines().subList(Math.max(0, service.lines().size() - 30), service.lines().size())));
    assertEquals(1L, stats.getJsonObject("socketsClosedByCode").getLong("1008", 0L), stats.encode());
    assertStillServing(service, probe, baseline);
    return stats;
  }

  private static void assertStillServing(ServiceProcess service, Probe probe, long baselineHeap) throws Exception {
    assertTrue(service.alive(), "the service died:\n" + String.join("\n", service.lines()));
    probe.next().await(10, TimeUnit.SECONDS); // the other client still gets its echoes
    assertTrue(probe.longestMs < 5000, "the other client waited " + probe.longestMs + " ms for an echo");
    long heap = service.heapUsedAfterGc();
    assertTrue(heap < baselineHeap + HEAP_SLACK,
        "heap after the flood " + (heap >> 20) + " MB, before " + (baselineHeap >> 20) + " MB");
  }

  /** The service's stats once its open sockets are only the probe's, or as they are after 10 s. */
  private static JsonObject statsOnceClosed(Vertx vertx, int port) throws Exception {
    JsonObject stats = stats(vertx, port);
    for (int tries = 0; tries < 200 && stats.getJsonObject("socketsOpen").getLong("channels", 0L) > 0; tries++) {
      vertx.timer(50).await(1, TimeUnit.SECONDS);
      stats = stats(vertx, port);
    }
    return stats;
  }

  private static JsonObject stats(Vertx vertx, int port) throws Exception {
    HttpClient http = vertx.createHttpClient();
    return TestService.on(vertx, () -> http.request(HttpMethod.GET, port, TestService.HOST, "/api/stats")
            .compose(req -> req.send())
            .compose(resp -> resp.body())
            .map(Buffer::toJsonObject)
            .eventually(http::close))
        .await(10, TimeUnit.SECONDS);
  }

  /** Another client of the node, doing what it always does: an echo round trip every 100 ms. */
  private static final class Probe {
    private final Vertx vertx;
    private final WebSocket ws;
    private long sentAtMs;
    private volatile long longestMs;
    private volatile Promise<Void> next = Promise.promise();

    private Probe(Vertx vertx, WebSocket ws) {
      this.vertx = vertx;
      this.ws = ws;
    }

    static Future<Probe> start(Vertx vertx, int port) {
      WebSocketClient client = vertx.createWebSocketClient();
      TestService.keepReachable(vertx, client);
      return TestService.on(vertx, () -> client.connect(port, TestService.HOST, "/ws/echo").map(ws -> {
        Probe probe = new Probe(vertx, ws);
        ws.textMessageHandler(text -> probe.answered());
        probe.send();
        return probe;
      }));
    }

    /** Completes with the next round trip. */
    Future<Void> next() {
      return next.future();
    }

    private void send() {
      sentAtMs = System.currentTimeMillis();
      ws.writeTextMessage("probe");
    }

    private void answered() {
      longestMs = Math.max(longestMs, System.currentTimeMillis() - sentAtMs);
      Promise<Void> done = next;
      next = Promise.promise();
      done.complete();
      vertx.setTimer(100, t -> send());
    }
  }
}
