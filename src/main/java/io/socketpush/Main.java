package io.socketpush;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.socketpush.cli.Cli;
import io.socketpush.cli.ConfigOptions;
import io.socketpush.config.ServiceConfig;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar socket-push.jar [-conf FILE] [--KEY=VALUE ...]}: reads the configuration, starts a
 * node, and drains it on SIGTERM; {@code genconfig}, {@code token} and {@code get} are commands
 * under it (see {@link Cli}).
 */
@Command(name = "socket-push", sortOptions = false, usageHelpWidth = 100,
    customSynopsis = {"java -jar socket-push.jar [-conf FILE] [--cluster] [--KEY=VALUE ...]",
        "       java -jar socket-push.jar COMMAND [-conf FILE] [--KEY=VALUE ...] [OPTIONS]"},
    description = {"%nRuns the socket-push service: pushes time ticks and channel messages to WebSocket, SSE and",
        "long-poll clients, alone or as one member of a cluster. SIGTERM drains its sockets and stops it."},
    optionListHeading = "%nOptions:%n", commandListHeading = "%nCommands:%n")
public final class Main implements Callable<Integer> {
  /**
   * How long leaving the cluster may take after draining: Hazelcast hands this member's partitions
   * to the others first, which takes seconds on a busy host. 2 s was too short and cut it off.
   */
  static final long CLOSE_TIMEOUT_MS = 30_000;

  private final Map<String, String> env;
  private final PrintStream err;
  private boolean serving;

  @Mixin
  private ConfigOptions config;

  @Option(names = {"-h", "--help", "-help"}, usageHelp = true, order = 9, description = "print this help")
  private boolean help;

  private Main(Map<String, String> env, PrintStream err) {
    this.env = env;
    this.err = err;
  }

  public static void main(String[] args) {
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    Main main = new Main(System.getenv(), System.err);
    int status = main.execute(args, System.out);
    if (!main.serving) {
      // a command has finished (or the service did not start): do not wait for lingering threads
      System.exit(status);
    }
  }

  /**
   * Runs the command line; for the service itself, returns 0 once it runs.
   *
   * @param env the environment to read, or null for the process's own
   */
  static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    return new Main(env == null ? System.getenv() : env, err).execute(args, out);
  }

  private int execute(String[] args, PrintStream out) {
    return Cli.create(this, env, writer(out), writer(err)).execute(args);
  }

  private static PrintWriter writer(PrintStream stream) {
    return new PrintWriter(new java.io.OutputStreamWriter(stream, StandardCharsets.UTF_8), true);
  }

  @Override
  public Integer call() {
    ServiceConfig service = ServiceConfig.from(config.read(env));
    Logging.configure(service.logLevel(), service.logFormat());
    Logger log = LoggerFactory.getLogger(Main.class);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    NetworkTransport transport = NetworkTransport.choose(service.http().transport());
    if (transport.fellBack()) {
      log.warn(transport.describe());
    } else {
      log.info(transport.describe());
    }
    Vertx vertx;
    try {
      vertx = VertxFactory.create(service.cluster(), service.channels(), registry, transport.transport()).await();
    } catch (Exception e) {
      err.println("socket-push: cannot join the cluster: " + e.getMessage());
      return 1;
    }
    SocketPush app;
    try {
      app = SocketPush.start(vertx, service, registry).await();
    } catch (Exception e) {
      err.println("socket-push: cannot start: " + e.getMessage());
      vertx.close();
      return 1;
    }
    log.info("socket-push listening on http://{}:{}/ ({} HTTP verticle instances, {})",
        service.http().host(), app.httpPort(), service.http().instances(),
        service.cluster().enabled() ? "cluster '" + service.cluster().name() + "' via " + service.cluster().discovery() : "standalone");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(app, vertx, service, log), "socket-push-shutdown"));
    serving = true;
    return 0;
  }

  /** Drains the sockets, then closes Vert.x (leaving the cluster), then writes out the last log lines. */
  private static void stop(SocketPush app, Vertx vertx, ServiceConfig service, Logger log) {
    log.info("shutting down: closing sockets with 1001, up to {} ms", service.shutdownGraceMs());
    try {
      app.shutdown().await(service.shutdownGraceMs() + 1000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("draining did not finish cleanly: {}", e.toString());
    }
    long closing = System.nanoTime(); // real elapsed time for the operator's log line, not the node's clock
    try {
      vertx.close().await(CLOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      log.info("stopped{} in {} ms", service.cluster().enabled() ? " and left the cluster" : "",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closing));
    } catch (Exception e) {
      log.warn("shutdown did not finish cleanly: {}", e.toString());
    }
    Logging.flush();
  }
}
