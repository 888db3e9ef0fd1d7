package io.socketpush.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Reads the configuration with vertx-config, whose stores are merged in order, each over the ones
 * before: the defaults of {@link Settings#ALL}, the JSON file ({@code conf/config.json}, or the one
 * named by {@code -conf}), the environment variables of {@link Setting#env()}, then the command
 * line's {@code --key=value} flags. That order is the whole of the precedence rule.
 */
public final class ConfigLoader {
  public static final String DEFAULT_FILE = "conf/config.json";
  /** Reading a local file and the environment: seconds are plenty, minutes would be a hang. */
  private static final long READ_TIMEOUT_SECONDS = 30;

  private ConfigLoader() {
  }

  /**
   * @param file  the file named by {@code -conf}, or null for {@code conf/config.json} if present
   * @param env   the environment to read (the process's, or a test's)
   * @param flags {@code --key=value} pairs from the command line
   */
  public static Future<ConfigSources> load(Vertx vertx, String file, Map<String, String> env, Map<String, String> flags) {
    String path = file != null ? file : DEFAULT_FILE;
    if (file != null && !Files.isRegularFile(Path.of(file))) {
      return Future.failedFuture(new ConfigException("-conf " + file + ": no such file"));
    }
    ConfigStoreOptions fileStore = Files.isRegularFile(Path.of(path))
        ? new ConfigStoreOptions().setType("file").setFormat("json").setConfig(new JsonObject().put("path", path))
        : null;
    return load(vertx, fileStore, path, env, flags);
  }

  /** Reads the layers on a Vert.x of its own, for a caller that has none yet (start-up, tools). */
  public static ConfigSources read(String file, Map<String, String> env, Map<String, String> flags) {
    return onBootVertx(vertx -> load(vertx, file, env, flags));
  }

  /** As {@link #read(String, Map, Map)}, with the file's content given rather than its path. */
  public static ConfigSources read(JsonObject file, Map<String, String> env, Map<String, String> flags) {
    return onBootVertx(vertx -> load(vertx, json(file), "the file", env, flags));
  }

  private static ConfigSources onBootVertx(java.util.function.Function<Vertx, Future<ConfigSources>> reading) {
    Vertx boot = Vertx.vertx();
    try {
      return reading.apply(boot).await(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ConfigException e) {
      throw e;
    } catch (Exception e) {
      throw new ConfigException(String.valueOf(e.getMessage()));
    } finally {
      boot.close();
    }
  }

  private static Future<ConfigSources> load(Vertx vertx, ConfigStoreOptions fileStore, String fileName,
                                            Map<String, String> env, Map<String, String> flags) {
    ConfigRetrieverOptions options = new ConfigRetrieverOptions().setIncludeDefaultStores(false)
        .addStore(json(defaults()));
    if (fileStore != null) {
      options.addStore(fileStore);
    }
    options.addStore(json(fromEnvironment(env))).addStore(json(nest(flags)));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig()
        .recover(err -> Future.failedFuture(new ConfigException(fileName + ": " + rootMessage(err))))
        .map(ConfigSources::new)
        .eventually(() -> {
          retriever.close();
          return Future.succeededFuture();
        });
  }

  /** Every key at its default, nested as in {@code conf/config.json}. */
  static JsonObject defaults() {
    JsonObject defaults = new JsonObject();
    Settings.ALL.forEach(setting -> put(defaults, setting.key(), setting.defaultValue()));
    return defaults;
  }

  /** The variables that name a setting ({@code HTTP_PORT}), as nested keys ({@code http.port}). */
  private static JsonObject fromEnvironment(Map<String, String> env) {
    JsonObject config = new JsonObject();
    Settings.ALL.forEach(setting -> {
      String value = env.get(setting.env());
      if (value != null) {
        put(config, setting.key(), value);
      }
    });
    return config;
  }

  private static JsonObject nest(Map<String, String> flat) {
    JsonObject config = new JsonObject();
    flat.forEach((key, value) -> put(config, key, value));
    return config;
  }

  private static void put(JsonObject json, String dotted, Object value) {
    String[] parts = dotted.split("\\.");
    JsonObject node = json;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonObject child = node.getJsonObject(parts[i]);
      if (child == null) {
        child = new JsonObject();
        node.put(parts[i], child);
      }
      node = child;
    }
    node.put(parts[parts.length - 1], value);
  }

  private static ConfigStoreOptions json(JsonObject config) {
    return new ConfigStoreOptions().setType("json").setConfig(config);
  }

  private static String rootMessage(Throwable err) {
    Throwable t = err;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }
}
