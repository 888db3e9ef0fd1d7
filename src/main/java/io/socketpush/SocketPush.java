package io.socketpush;

import io.socketpush.internal.VertxInternals;
import io.socketpush.server.NodeState;

import io.socketpush.channel.ChannelBackend;
import io.socketpush.channel.ChannelService;
import io.socketpush.channel.ChannelsVerticle;
import io.socketpush.channel.ServerChannelsVerticle;
import io.socketpush.channel.HazelcastBackend;
import io.socketpush.channel.LocalBackend;
import io.socketpush.cluster.MemberDepartures;
import io.socketpush.config.ProxyConfig;
import io.socketpush.config.ServiceConfig;
import io.socketpush.proxy.AppProxy;
import io.socketpush.server.Extensions;
import io.socketpush.server.HttpVerticle;
import io.socketpush.server.UsersVerticle;
import io.socketpush.time.TickerVerticle;
import io.socketpush.security.HandshakePolicy;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import com.hazelcast.core.LifecycleEvent;

import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One node of socket-push: deploys its verticles on a Vert.x instance (plain or clustered) and
 * drains them on shutdown. Deployment and its order live here and nowhere else.
 */
public final class SocketPush {
  /** How often a ticker that does not lead asks for the lock again. */
  static final long LEADER_POLL_MS = 500;

  private final Vertx vertx;
  private final ServiceConfig config;
  private final NodeState node;
  /** The application's proxy, where a proxy URL is set; else null. */
  private final AppProxy proxy;
  private final List<HttpVerticle> httpInstances = new CopyOnWriteArrayList<>();
  private String httpDeployment;
  private String tickerDeployment;
  private String channelsDeployment;
  private String usersDeployment;
  private String serverChannelsDeployment;
  private final List<String> extensionDeployments = new CopyOnWriteArrayList<>();

  private SocketPush(Vertx vertx, ServiceConfig config, PrometheusMeterRegistry registry, InstantSource clock) {
    this.vertx = vertx;
    this.config = config;
    ClusterManager cluster = VertxInternals.clusterManager(vertx);
    ProxyConfig proxyConfig = config.proxy();
    this.proxy = proxyConfig.connect() || !proxyConfig.subscribeUrl().isEmpty() || !proxyConfig.publishUrl().isEmpty()
        ? new AppProxy(vertx, proxyConfig, registry) : null;
    this.node = new NodeState(clock, registry, new HandshakePolicy(vertx, config, proxy, clock), config.limits(), config.channels()::label, stats -> {
      ChannelBackend backend = cluster instanceof HazelcastClusterManager hazelcast
          ? new HazelcastBackend(vertx, hazelcast.getHazelcastInstance(), stats, clock)
          : new LocalBackend(config.channels(), clock, stats);
      return new ChannelService(vertx, config.channels(), backend, stats, proxy, clock);
    }, Extensions.load());
    Gauge.builder("socketpush.cluster.members", () -> cluster == null ? 1 : cluster.getNodes().size())
        .description("members of the cluster this node sees, itself included").register(registry);
  }

  /** Starts a node whose metrics go to a registry of its own (Vert.x's own metrics are then not scraped). */
  public static Future<SocketPush> start(Vertx vertx, ServiceConfig config) {
    return start(vertx, config, InstantSource.system());
  }

  /** {@link #start(Vertx, ServiceConfig)} on a given clock (see {@link NodeState#clock()}). */
  public static Future<SocketPush> start(Vertx vertx, ServiceConfig config, InstantSource clock) {
    return start(vertx, config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), clock);
  }

  /** {@link #start(Vertx, ServiceConfig, PrometheusMeterRegistry, InstantSource)} on the system clock. */
  public static Future<SocketPush> start(Vertx vertx, ServiceConfig config, PrometheusMeterRegistry registry) {
    return start(vertx, config, registry, InstantSource.system());
  }

  /**
   * Deploys the channels' event-bus API, the node verticles of the extensions on the class path (see
   * {@link io.socketpush.server.Extension}; none in the product alone), the HTTP verticles (so the
   * fan-outs listen), then the ticker.
   *
   * @param registry where the node's meters go: the one Vert.x reports to, so one scrape has both
   * @param clock    where the node reads the time: {@link InstantSource#system()} but in tests
   */
  public static Future<SocketPush> start(Vertx vertx, ServiceConfig config, PrometheusMeterRegistry registry,
                                         InstantSource clock) {
    SocketPush app = new SocketPush(vertx, config, registry, clock);
    if (VertxInternals.clusterManager(vertx) instanceof HazelcastClusterManager hazelcast) {
      MemberDepartures.watch(hazelcast.getHazelcastInstance());
    }
    int port = config.http().port() == 0 ? -1 : config.http().port();
    return vertx.deployVerticle(new ChannelsVerticle(app.node.channels()))
        .compose(id -> {
          app.channelsDeployment = id;
          return vertx.deployVerticle(new UsersVerticle(app.node));
        })
        .compose(id -> {
          app.usersDeployment = id;
          return vertx.deployVerticle(new ServerChannelsVerticle(app.node.channels(), app.node.stats()));
        })
        .compose(id -> {
          app.serverChannelsDeployment = id;
          return app.deployExtensions();
        })
        .compose(v -> vertx.deployVerticle(() -> app.newHttpVerticle(port), new DeploymentOptions().setInstances(config.http().instances())))
        .compose(id -> {
          app.httpDeployment = id;
          TickerVerticle ticker = new TickerVerticle(config.tick(), app.node.stats(), LEADER_POLL_MS, clock);
          if (VertxInternals.clusterManager(vertx) instanceof HazelcastClusterManager hazelcast) {
            // the smaller side of a healed partition rejoins the larger: its ticker's lock was its side's only
            hazelcast.getHazelcastInstance().getLifecycleService().addLifecycleListener(event -> {
              if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
                ticker.forgetLead();
              }
            });
          }
          return vertx.deployVerticle(ticker);
        })
        .map(id -> {
          app.tickerDeployment = id;
          return app;
        });
  }

  /** One after the other, each recorded as it succeeds so that shutdown undeploys what did start. */
  private Future<Void> deployExtensions() {
    Future<Void> chain = Future.succeededFuture();
    for (Deployable verticle : node.extensions().nodeVerticles()) {
      chain = chain.compose(v -> vertx.deployVerticle(verticle)).map(id -> {
        extensionDeployments.add(id);
        return null;
      });
    }
    return chain;
  }

  private HttpVerticle newHttpVerticle(int port) {
    HttpVerticle verticle = new HttpVerticle(config, node, port);
    httpInstances.add(verticle);
    return verticle;
  }

  /** The HTTP/WebSocket port actually bound (differs from the configured one when that is 0). */
  public int httpPort() {
    return httpInstances.get(0).actualPort();
  }

  public NodeState node() {
    return node;
  }

  /**
   * Graceful shutdown: readiness turns 503 and new sockets are refused, open sockets are closed with
   * 1001 and given {@code shutdown.graceMs} to answer, then the server and the ticker stop. Vert.x
   * itself is left to its owner. Calling it again returns a completed future.
   */
  public Future<Void> shutdown() {
    if (!node.startDraining()) {
      return Future.succeededFuture();
    }
    List<Future<Void>> closing = httpInstances.stream().map(HttpVerticle::closeSockets).toList();
    Future<Void> grace = vertx.timer(config.shutdownGraceMs()).mapEmpty();
    // the other members log this leave as one, not as a crash
    Future<Void> announced = VertxInternals.clusterManager(vertx) instanceof HazelcastClusterManager hazelcast
        ? MemberDepartures.announceLeaving(vertx, hazelcast.getHazelcastInstance())
        : Future.succeededFuture();
    // the ticker stops before the fan-outs that consume its ticks, so no tick is in flight to a
    // consumer being unregistered (Vert.x warns of each one it discards)
    return Future.any(Future.join(closing), grace).eventually(() -> announced)
        .eventually(() -> vertx.undeploy(tickerDeployment))
        .eventually(() -> vertx.undeploy(httpDeployment))
        .eventually(() -> vertx.undeploy(channelsDeployment))
        .eventually(() -> vertx.undeploy(usersDeployment))
        .eventually(() -> vertx.undeploy(serverChannelsDeployment))
        .eventually(() -> Future.join(extensionDeployments.stream().map(vertx::undeploy).toList()))
        .eventually(() -> proxy == null ? Future.succeededFuture() : proxy.close())
        .mapEmpty();
  }
}
