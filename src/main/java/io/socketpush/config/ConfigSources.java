package io.socketpush.config;

import io.vertx.core.json.JsonObject;

/**
 * The configuration as vertx-config merged it (defaults, the file, the environment, the command
 * line, each over the one before: see {@link ConfigLoader}), nested as in {@code conf/config.json}.
 * Nothing here decides precedence; it only reads one key and types it.
 */
public record ConfigSources(JsonObject merged) {

  /** The given configuration over the defaults, as the loader's lowest store would put it. */
  public static ConfigSources of(JsonObject config) {
    return new ConfigSources(ConfigLoader.defaults().mergeIn(config.copy(), true));
  }

  /** The raw value of a key, as written in the layer that set it; null if the key is absent. */
  public String raw(Setting<?> setting) {
    Object value = pathValue(merged, setting.key());
    return value == null ? null : String.valueOf(value);
  }

  /** The typed value of a setting. */
  public <T> T get(Setting<T> setting) {
    String raw = raw(setting);
    return setting.parse(raw != null ? raw : String.valueOf(setting.defaultValue()));
  }

  private static Object pathValue(JsonObject json, String dotted) {
    String[] parts = dotted.split("\\.");
    JsonObject node = json;
    for (int i = 0; i < parts.length - 1; i++) {
      Object child = node.getValue(parts[i]);
      if (!(child instanceof JsonObject)) {
        return null;
      }
      node = (JsonObject) child;
    }
    return node.getValue(parts[parts.length - 1]);
  }
}
