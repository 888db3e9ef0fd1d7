package io.socketpush.config;

import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * The raw configuration as read: the file (nested JSON, keys as in {@code conf/config.json}), the
 * environment, and the command line's {@code --key=value} overrides, in rising precedence.
 */
public record ConfigSources(JsonObject file, String fileName, Map<String, String> env, Map<String, String> overrides) {

  public static ConfigSources of(JsonObject file) {
    return new ConfigSources(file, "test", Map.of(), Map.of());
  }

  /** The winning raw value of a setting and where it came from, or null if none is given. */
  String[] lookup(Setting<?> setting) {
    String override = overrides.get(setting.key());
    if (override != null) {
      return new String[] {override, "--" + setting.key()};
    }
    String fromEnv = env.get(setting.env());
    if (fromEnv != null) {
      return new String[] {fromEnv, "environment " + setting.env()};
    }
    Object fromFile = pathValue(file, setting.key());
    if (fromFile != null) {
      return new String[] {String.valueOf(fromFile), fileName};
    }
    return null;
  }

  private static Object pathValue(JsonObject json, String dotted) {
    if (json == null) {
      return null;
    }
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

  /** The typed value of a setting: given or default. */
  public <T> T get(Setting<T> setting) {
    String[] found = lookup(setting);
    if (found == null) {
      return setting.parse(String.valueOf(setting.defaultValue()), "default");
    }
    return setting.parse(found[0], found[1]);
  }
}
