package io.socketpush.config;

import java.util.Locale;
import java.util.function.Function;

/**
 * One configuration key: its dotted name (the path in {@code conf/config.json}), the environment
 * variable that overrides it, its default, and how a raw value becomes a typed one.
 *
 * @param <T> the typed value
 */
public final class Setting<T> {
  private final String key;
  private String env;
  private final Object defaultValue;
  private final String description;
  private final Function<String, T> parser;

  private Setting(String key, Object defaultValue, String description, Function<String, T> parser) {
    this.key = key;
    this.env = envName(key);
    this.defaultValue = defaultValue;
    this.description = description;
    this.parser = parser;
  }

  static Setting<Integer> integer(String key, int defaultValue, int min, int max, String description) {
    return new Setting<>(key, defaultValue, description, raw -> {
      final int value;
      try {
        value = Integer.parseInt(raw.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a whole number");
      }
      if (value < min || value > max) {
        throw new IllegalArgumentException("must be between " + min + " and " + max);
      }
      return value;
    });
  }

  static Setting<String> text(String key, String defaultValue, String description) {
    return new Setting<>(key, defaultValue, description, String::trim);
  }

  static <T> Setting<T> custom(String key, String defaultValue, String description, Function<String, T> parser) {
    return new Setting<>(key, defaultValue, description, parser);
  }

  /** One of a few words, case-insensitive; the value is returned as the option is spelt here. */
  static Setting<String> choice(String key, String defaultValue, String description, String... options) {
    return new Setting<>(key, defaultValue, description, raw -> {
      for (String option : options) {
        if (option.equalsIgnoreCase(raw.trim())) {
          return option;
        }
      }
      throw new IllegalArgumentException("must be one of " + String.join(", ", options));
    });
  }

  static Setting<Boolean> flag(String key, boolean defaultValue, String description) {
    return new Setting<>(key, defaultValue, description, raw -> {
      switch (raw.trim().toLowerCase(Locale.ROOT)) {
        case "true": case "yes": case "1": case "on": return true;
        case "false": case "no": case "0": case "off": return false;
        default: throw new IllegalArgumentException("must be true or false");
      }
    });
  }

  /** The environment variable, where it is not the one derived from the key. */
  Setting<T> env(String name) {
    this.env = name;
    return this;
  }

  /** {@code tick.periodMs} becomes {@code TICK_PERIOD_MS}. */
  static String envName(String key) {
    return key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
  }

  public String key() {
    return key;
  }

  public String env() {
    return env;
  }

  public Object defaultValue() {
    return defaultValue;
  }

  public String description() {
    return description;
  }

  /** The typed value; a bad one fails naming the key, its variable and the value. */
  public T parse(String raw) {
    try {
      return parser.apply(raw);
    } catch (IllegalArgumentException | java.time.DateTimeException e) {
      throw new ConfigException(key + " (" + env + ") = '" + raw + "': " + e.getMessage());
    }
  }
}
