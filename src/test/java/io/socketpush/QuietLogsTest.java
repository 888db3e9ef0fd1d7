package io.socketpush;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A clean start, a clean stop and a subscriber leaving are not worth a WARN or an ERROR: an operator
 * who sees one should have something to do. Each test reads every line the service printed.
 */
class QuietLogsTest {
  private static final Pattern WARN_OR_ERROR = Pattern.compile("^\\S+\\s+(WARN|ERROR)\\b.*|^WARNING\\b.*");
  /**
   * Vert.x reports an event loop held for over 2 s. On a developer's or a CI host running other
   * builds, class loading at start-up alone can take that long: it measures the host, not the service.
   */
  private static final Pattern HOST_TOO_BUSY = Pattern.compile(".*BlockedThreadChecker - Thread .* has been blocked for.*");
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void aStandaloneNodeStartsAndStopsWithoutWarnings() throws Exception {
    try (ServiceProcess node = ServiceProcess.start(Map.of("SHUTDOWN_GRACE_MS", "2000"))) {
      node.terminate();
      assertTrue(node.waitFor(15_000), "the process exits after SIGTERM");
      assertTrue(node.lines().stream().anyMatch(l -> l.contains("stopped in")), "the lines of the stop itself are read");
      assertQuiet("standalone", node.lines());
    }
  }

  @Test
  void aThreeMemberClusterFormsLosesASubscriberAndAMemberAndStopsWithoutWarnings() throws Exception {
    String name = "quiet-logs-" + UUID.randomUUID();
    List<Integer> ports = List.of(freePort(), freePort(), freePort());
    String seeds = ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    List<CompletableFuture<ServiceProcess>> starting = new ArrayList<>();
    for (int port : ports) {
      Map<String, String> env = Map.of("CLUSTER_ENABLED", "true", "CLUSTER_NAME", name, "CLUSTER_HOST", "127.0.0.1",
          "CLUSTER_PORT", String.valueOf(port), "CLUSTER_MEMBERS", seeds, "HTTP_INSTANCES", "1",
          "SHUTDOWN_GRACE_MS", "2000");
      starting.add(CompletableFuture.supplyAsync(() -> {
        try {
          return ServiceProcess.start(env);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    List<ServiceProcess> members = new ArrayList<>();
    try {
      for (CompletableFuture<ServiceProcess> member : starting) {
        members.add(member.get(180, TimeUnit.SECONDS));
      }
      awaitMembers(members, 3);

      // a plain Vert.x service joins as a lite member, takes a tick, and leaves by closing Vert.x
      Vertx subscriber = subscriber(name, seeds);
      Promise<JsonObject> tick = Promise.promise();
      subscriber.eventBus().<JsonObject>consumer("socket-push.time.ticks", m -> tick.tryComplete(m.body()));
      awaitMembers(members, 4);
      tick.future().await(30, TimeUnit.SECONDS);
      subscriber.close().await(60, TimeUnit.SECONDS);
      awaitMembers(members, 3);

      ServiceProcess leaving = members.get(2);
      leaving.terminate();
      assertTrue(leaving.waitFor(60_000), "a member exits after SIGTERM");
      awaitMembers(members.subList(0, 2), 2);

      members.subList(0, 2).forEach(ServiceProcess::terminate);
      for (ServiceProcess member : members) {
        assertTrue(member.waitFor(60_000), "every member exits after SIGTERM");
      }
      // every member's lines at once: a failure shows the whole cluster's view of the same leave
      Map<String, List<String>> loud = new LinkedHashMap<>();
      for (int i = 0; i < members.size(); i++) {
        List<String> lines = members.get(i).lines();
        assertTrue(lines.stream().anyMatch(l -> l.contains("left the cluster")), String.join("\n", lines));
        loud.put("member " + (i + 1), loud(lines));
      }
      assertEquals(Map.of("member 1", List.of(), "member 2", List.of(), "member 3", List.of()), loud);
    } finally {
      // also the members that started when another did not, and those still starting
      starting.forEach(member -> member.thenAccept(ServiceProcess::close));
    }
  }

  @Test
  void aMemberKilledOutrightIsLoggedAsAWarning() throws Exception {
    String name = "quiet-logs-" + UUID.randomUUID();
    List<Integer> ports = List.of(freePort(), freePort());
    String seeds = ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    List<ServiceProcess> members = new ArrayList<>();
    try {
      for (int port : ports) {
        members.add(ServiceProcess.start(Map.of("CLUSTER_ENABLED", "true", "CLUSTER_NAME", name,
            "CLUSTER_HOST", "127.0.0.1", "CLUSTER_PORT", String.valueOf(port), "CLUSTER_MEMBERS", seeds,
            "HTTP_INSTANCES", "1", "SHUTDOWN_GRACE_MS", "2000")));
      }
      awaitMembers(members, 2);
      members.get(1).close(); // SIGKILL: no drain, no announcement
      ServiceProcess survivor = members.get(0);
      awaitMembers(List.of(survivor), 1);
      survivor.terminate();
      assertTrue(survivor.waitFor(60_000), "the survivor exits after SIGTERM");
      // beside it, Vert.x may report the event-bus connection the kill reset: a crash is worth its lines
      assertTrue(loud(survivor.lines()).stream().anyMatch(l -> l.contains("dropped out of the cluster without leaving it")),
          String.join("\n", survivor.lines()));
    } finally {
      members.forEach(ServiceProcess::close);
    }
  }

  private static void assertQuiet(String who, List<String> lines) {
    assertEquals(List.of(), loud(lines), who + " logged:\n" + String.join("\n", lines));
  }

  private static List<String> loud(List<String> lines) {
    return lines.stream().filter(l -> WARN_OR_ERROR.matcher(l).matches() && !HOST_TOO_BUSY.matcher(l).matches()).toList();
  }

  /** Waits until each member's /api/stats counts {@code size} members. */
  private void awaitMembers(List<ServiceProcess> members, int size) throws InterruptedException {
    Await.until(() -> members.stream().allMatch(m -> clusterMembers(m) == size), 120_000);
  }

  private int clusterMembers(ServiceProcess member) {
    try {
      HttpResponse<String> stats = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + member.port() + "/api/stats")).build(), HttpResponse.BodyHandlers.ofString());
      return new JsonObject(stats.body()).getJsonObject("cluster").getInteger("members");
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** A Vert.x joined as a Hazelcast lite member, configured as examples/TickSubscriber.java is. */
  private static Vertx subscriber(String name, String seeds) throws Exception {
    Config hazelcast = ConfigUtil.loadConfig();
    hazelcast.setLiteMember(true);
    hazelcast.setClusterName(name);
    hazelcast.setProperty("hazelcast.logging.type", "slf4j");
    hazelcast.setProperty("hazelcast.phone.home.enabled", "false");
    hazelcast.setProperty("hazelcast.shutdownhook.enabled", "false");
    hazelcast.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    hazelcast.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
    int port = freePort();
    hazelcast.getNetworkConfig().setPort(port).setPortAutoIncrement(false)
        .setPublicAddress("127.0.0.1:" + port).getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = hazelcast.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true);
    for (String seed : seeds.split(",")) {
      join.getTcpIpConfig().addMember(seed);
    }
    return Vertx.builder()
        .with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1").setClusterPublicHost("127.0.0.1")))
        .withClusterManager(new HazelcastClusterManager(hazelcast))
        .buildClustered().await(120, TimeUnit.SECONDS);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
