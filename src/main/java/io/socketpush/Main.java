package io.socketpush;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.socketpush.config.ConfigException;
import io.socketpush.config.ConfigLoader;
import io.socketpush.config.ConfigSources;
import io.socketpush.config.ServiceConfig;
import io.socketpush.config.Setting;
import io.socketpush.config.Settings;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar socket-push.jar [-conf FILE] [--key=value ...]}: reads the configuration, starts a
 * node, and drains it on SIGTERM.
 */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) {
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    int status = run(args, null, System.out, System.err);
    if (status != 0) {
      System.exit(status);
    }
  }

  /**
   * Starts the service; returns 0 once it runs, or the exit status of a failed start.
   *
   * @param env the environment to read, or null for the process's own (read by vertx-config)
   */
  static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    Arguments arguments;
    try {
      arguments = Arguments.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("socket-push: " + e.getMessage() + " (see --help)");
      return 2;
    }
    if (arguments.help) {
      out.print(usage());
      return 0;
    }
    ServiceConfig config;
    try {
      config = readConfig(arguments, env);
    } catch (ConfigException e) {
      err.println("socket-push: invalid configuration: " + e.getMessage());
      return 2;
    }
    Logging.configure(config.logLevel(), config.logFormat());
    Logger log = LoggerFactory.getLogger(Main.class);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx;
    try {
      vertx = VertxFactory.create(config.cluster(), config.channels(), registry).await();
    } catch (Exception e) {
      err.println("socket-push: cannot join the cluster: " + e.getMessage());
      return 1;
    }
    SocketPush app;
    try {
      app = SocketPush.start(vertx, config, registry).await();
    } catch (Exception e) {
      err.println("socket-push: cannot start: " + e.getMessage());
      vertx.close();
      return 1;
    }
    log.info("socket-push listening on http://{}:{}/ ({} HTTP verticle instances, {})",
        config.http().host(), app.httpPort(), config.http().instances(),
        config.cluster().enabled() ? "cluster '" + config.cluster().name() + "' via " + config.cluster().discovery() : "standalone");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutting down: closing sockets with 1001, up to {} ms", config.shutdownGraceMs());
      try {
        app.shutdown().await(config.shutdownGraceMs() + 1000, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        log.warn("draining did not finish cleanly: {}", e.toString());
      }
      try {
        vertx.close().await(2000, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        log.warn("shutdown did not finish cleanly: {}", e.toString());
      }
    }, "socket-push-shutdown"));
    return 0;
  }

  static ServiceConfig readConfig(Arguments arguments, Map<String, String> env) {
    Vertx boot = Vertx.vertx();
    try {
      ConfigSources sources = ConfigLoader.load(boot, arguments.confFile, arguments.overrides, env == null).await();
      if (env != null) {
        sources = new ConfigSources(sources.file(), sources.fileName(), env, sources.overrides());
      }
      return ServiceConfig.from(sources);
    } catch (ConfigException e) {
      throw e;
    } catch (Exception e) {
      throw new ConfigException(e.getMessage());
    } finally {
      boot.close();
    }
  }

  static String usage() {
    StringBuilder text = new StringBuilder()
        .append("Usage: java -jar socket-push.jar [options]\n\n")
        .append("Options:\n")
        .append("  -conf FILE          configuration file (default conf/config.json, if present)\n")
        .append("  --cluster           join a cluster (same as cluster.enabled=true)\n")
        .append("  --KEY=VALUE         set one configuration key, e.g. --http.port=9090\n")
        .append("  -h, --help          print this help\n\n")
        .append("Configuration keys (file key / environment variable / default):\n");
    for (Setting<?> s : Settings.ALL) {
      text.append(String.format("  %-22s %-26s %-21s %s%n", s.key(), s.env(), s.defaultValue(), s.description()));
    }
    text.append("\nPrecedence: --KEY=VALUE over environment over the file over the defaults.\n");
    return text.toString();
  }

  /** The command line, parsed. */
  static final class Arguments {
    boolean help;
    String confFile;
    final Map<String, String> overrides = new LinkedHashMap<>();

    static Arguments parse(String[] args) {
      Arguments parsed = new Arguments();
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        if (arg.equals("-h") || arg.equals("--help") || arg.equals("-help")) {
          parsed.help = true;
        } else if (arg.equals("-conf") || arg.equals("--conf")) {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException(arg + " needs a file name");
          }
          parsed.confFile = args[++i];
        } else if (arg.equals("--cluster") || arg.equals("-cluster")) {
          parsed.overrides.put(Settings.CLUSTER_ENABLED.key(), "true");
        } else if (arg.startsWith("--") && arg.contains("=")) {
          String key = arg.substring(2, arg.indexOf('='));
          if (Settings.ALL.stream().noneMatch(s -> s.key().equals(key))) {
            throw new IllegalArgumentException("unknown configuration key '" + key + "'");
          }
          parsed.overrides.put(key, arg.substring(arg.indexOf('=') + 1));
        } else {
          throw new IllegalArgumentException("unknown option '" + arg + "'");
        }
      }
      return parsed;
    }
  }
}
