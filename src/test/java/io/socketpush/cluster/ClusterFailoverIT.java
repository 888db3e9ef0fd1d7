package io.socketpush.cluster;

import io.socketpush.Await;
import io.socketpush.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The documented way, for real: three members of the fat jar started by {@code scripts/cluster.sh},
 * the example subscriber joined beside them, and the ticker's member killed with {@code kill -9}.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class ClusterFailoverIT {
  /** Members serve HTTP on BASE + 1..3 and Hazelcast on BASE + 11..13; the example subscriber is on BASE + 99. */
  private static final int BASE = freeBase(1, 2, 3, 11, 12, 13, 99);
  private static final int HTTP_BASE = BASE;
  private static final int CLUSTER_BASE = BASE + 10;
  private static final int EXAMPLE_PORT = BASE + 99;
  private static final String RUN_DIR = "target/cluster-it";
  private static final String NAME = "socket-push-it-" + UUID.randomUUID();
  private static Vertx vertx;
  private static final List<WebSocketClient> clients = new CopyOnWriteArrayList<>();

  /**
   * A base, at random from 20,000 to 31,900 in steps of 100 (below the ephemeral ports), whose ports
   * {@code base + offset} are all free on 127.0.0.1 now: two runs of this test at once on one machine (two
   * clones verifying) do not meet.
   */
  private static int freeBase(int... offsets) {
    for (int attempt = 0; attempt < 50; attempt++) {
      int base = 20_000 + ThreadLocalRandom.current().nextInt(120) * 100;
      boolean free = true;
      for (int offset : offsets) {
        try (ServerSocket probe = new ServerSocket(base + offset, 1, InetAddress.getLoopbackAddress())) {
          probe.getLocalPort(); // bound: free
        } catch (IOException taken) {
          free = false;
          break;
        }
      }
      if (free) {
        return base;
      }
    }
    throw new IllegalStateException("no free port range found");
  }

  @BeforeAll
  static void startCluster() throws Exception {
    vertx = Vertx.vertx();
    assertEquals(0, script("start"), "scripts/cluster.sh start");
  }

  @AfterAll
  static void stopCluster() throws Exception {
    script("stop");
    vertx.close().await();
  }

  @Test
  void killingTheTickersMemberBringsTicksBackWithin5sWithNoDuplicate() throws Exception {
    // the example subscriber joins as a plain Vert.x member and logs ticks
    ProcessBuilder example = new ProcessBuilder(javaBin(), "-cp", "target/socket-push.jar", "examples/TickSubscriber.java")
        .redirectErrorStream(true).redirectOutput(new File(RUN_DIR, "subscriber.log"));
    example.environment().put("CLUSTER_NAME", NAME);
    example.environment().put("CLUSTER_PORT", String.valueOf(EXAMPLE_PORT));
    example.environment().put("CLUSTER_MEMBERS", "127.0.0.1:" + (CLUSTER_BASE + 1) + ",127.0.0.1:" + (CLUSTER_BASE + 2));
    Process subscriber = example.start();
    List<List<long[]>> seen = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      List<long[]> mine = new CopyOnWriteArrayList<>();
      seen.add(mine);
      WebSocketClient client = vertx.createWebSocketClient();
      clients.add(client);
      WebSocket ws = client.connect(HTTP_BASE + i, "127.0.0.1", "/ws/time").await(10, TimeUnit.SECONDS);
      ws.textMessageHandler(text -> mine.add(new long[] {new JsonObject(text).getLong("ts"), System.currentTimeMillis()}));
    }
    Await.until(() -> seen.stream().allMatch(l -> l.size() >= 3), 15_000);
    try {
      Await.until(() -> read(RUN_DIR + "/subscriber.log").contains("tick "), 60_000);
      // and publishes on a channel over the event bus, as a lite member, every tenth second
      Await.until(() -> read(RUN_DIR + "/subscriber.log").contains("published news:example seq="), 30_000);
    } finally {
      subscriber.destroyForcibly();
    }

    int leader = 0;
    for (int i = 1; i <= 3; i++) {
      if (stats(i).getBoolean("leadingTicker")) {
        assertEquals(0, leader, "two members publish");
        leader = i;
      }
    }
    assertTrue(leader > 0, "no member publishes");
    long pid = Long.parseLong(read(RUN_DIR + "/member-" + leader + ".pid").trim());
    long killedAt = System.currentTimeMillis();
    assertEquals(0, new ProcessBuilder("kill", "-9", String.valueOf(pid)).start().waitFor());

    int dead = leader;
    Await.until(() -> {
      for (int i = 1; i <= 3; i++) {
        if (i != dead && seen.get(i - 1).stream().noneMatch(t -> t[1] > killedAt + 6_000)) {
          return false;
        }
      }
      return true;
    }, 20_000);
    for (int i = 1; i <= 3; i++) {
      if (i == dead) {
        continue;
      }
      List<long[]> mine = seen.get(i - 1);
      for (int k = 1; k < mine.size(); k++) {
        assertTrue(mine.get(k)[0] > mine.get(k - 1)[0], "member " + i + ": duplicate or backwards tick");
      }
      // from the last tick that arrived before the kill: the longest silence is the failover, and every
      // skipped second a missed tick (the dying leader may still publish one after killedAt was taken)
      int from = 0;
      for (int k = 0; k < mine.size(); k++) {
        if (mine.get(k)[1] <= killedAt) {
          from = k;
        }
      }
      long silence = 0;
      long missed = 0;
      for (int k = from + 1; k < mine.size(); k++) {
        silence = Math.max(silence, mine.get(k)[1] - mine.get(k - 1)[1]);
        missed += mine.get(k)[0] / 1000 - mine.get(k - 1)[0] / 1000 - 1; // the second each tick is for
      }
      long resumed = mine.stream().filter(t -> t[1] > killedAt).mapToLong(t -> t[1]).min().orElseThrow() - killedAt;
      System.out.printf("failover after kill -9: member %d got the next tick %d ms later, longest silence %d ms"
          + " (%d ticks missed)%n", i, resumed, silence, missed);
      assertTrue(silence < 6_000, "member " + i + ": no tick for " + silence + " ms (a failover within 5 s, a tick a second)");
      long counted = stats(i).getLong("ticksMissed"); // by each HTTP verticle instance of the member
      assertTrue(missed == 0 ? counted == 0 : counted >= missed, "member " + i + " missed " + missed + ", counted " + counted);
    }
  }

  private static JsonObject stats(int member) {
    return TestService.on(vertx, () -> {
      var http = vertx.createHttpClient();
      return http.request(HttpMethod.GET, HTTP_BASE + member, "127.0.0.1", "/api/stats")
          .compose(req -> req.send()).compose(resp -> resp.body()).map(b -> b.toJsonObject())
          .eventually(http::close);
    }).await();
  }

  private static int script(String command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder("bash", "scripts/cluster.sh", command).inheritIO();
    builder.environment().put("HTTP_BASE", String.valueOf(HTTP_BASE));
    builder.environment().put("CLUSTER_BASE", String.valueOf(CLUSTER_BASE));
    builder.environment().put("RUN_DIR", RUN_DIR);
    builder.environment().put("CLUSTER_NAME", NAME);
    return builder.start().waitFor();
  }

  private static String read(String path) {
    try {
      return Files.readString(Path.of(path));
    } catch (Exception e) {
      return "";
    }
  }

  private static String javaBin() {
    return System.getProperty("java.home") + "/bin/java";
  }

}
