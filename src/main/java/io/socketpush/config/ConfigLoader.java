package io.socketpush.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the configuration sources with vertx-config: the JSON file ({@code conf/config.json}, or
 * the one given by {@code -conf}), then the environment. Command-line overrides are added on top.
 */
public final class ConfigLoader {
  public static final String DEFAULT_FILE = "conf/config.json";

  private ConfigLoader() {
  }

  /**
   * @param file      the file named by {@code -conf}, or null for {@code conf/config.json} if present
   * @param overrides {@code --key=value} pairs from the command line
   * @param environment whether to read the process environment
   */
  public static Future<ConfigSources> load(Vertx vertx, String file, Map<String, String> overrides,
                                           boolean environment) {
    String path = file != null ? file : DEFAULT_FILE;
    if (file != null && !Files.isRegularFile(Path.of(file))) {
      return Future.failedFuture(new ConfigException("-conf " + file + ": no such file"));
    }
    boolean present = Files.isRegularFile(Path.of(path));
    ConfigRetrieverOptions options = new ConfigRetrieverOptions().setIncludeDefaultStores(false);
    if (present) {
      options.addStore(new ConfigStoreOptions().setType("file").setFormat("json")
          .setConfig(new JsonObject().put("path", path)));
    }
    if (environment) {
      options.addStore(new ConfigStoreOptions().setType("env").setConfig(new JsonObject().put("raw-data", true)));
    }
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig()
        .recover(err -> Future.failedFuture(new ConfigException(path + ": " + rootMessage(err))))
        .map(merged -> split(merged, present ? path : "defaults", overrides))
        .eventually(() -> {
          retriever.close();
          return Future.succeededFuture();
        });
  }

  /** The env store and the file store land in one object: environment names are upper case. */
  private static ConfigSources split(JsonObject merged, String fileName, Map<String, String> overrides) {
    Map<String, String> env = new HashMap<>();
    JsonObject file = new JsonObject();
    merged.forEach(entry -> {
      if (entry.getKey().equals(entry.getKey().toUpperCase()) && !(entry.getValue() instanceof JsonObject)) {
        env.put(entry.getKey(), String.valueOf(entry.getValue()));
      } else {
        file.put(entry.getKey(), entry.getValue());
      }
    });
    return new ConfigSources(file, fileName, env, Map.copyOf(overrides));
  }

  private static String rootMessage(Throwable err) {
    Throwable t = err;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }
}
