package io.socketpush.cli;

import io.socketpush.config.Setting;
import io.socketpush.config.Settings;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Column;
import picocli.CommandLine.Help.Column.Overflow;
import picocli.CommandLine.Help.TextTable;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configuration keys in {@code --help}, grouped by section: each key with its variable and
 * default on one line and its meaning below, in {@value #WIDTH} columns.
 */
final class KeyHelp {
  static final int WIDTH = 100;
  /** A default longer than this (the channel rules) is pointed at rather than printed. */
  static final int LONGEST_DEFAULT_SHOWN = 30;
  static final String REFERENCE = "docs/configuration.md";
  private static final int KEY_COLUMN = 36;

  /** Section titles by the key's first part; a key of a new part gets the part as its title. */
  private static final Map<String, String> SECTIONS = Map.ofEntries(
      Map.entry("http", "HTTP server"), Map.entry("tick", "Time ticks"), Map.entry("time", "Time ticks"),
      Map.entry("ws", "WebSocket"), Map.entry("longpoll", "HTTP transports"), Map.entry("sse", "HTTP transports"),
      Map.entry("shutdown", "Shutdown"), Map.entry("cluster", "Cluster"), Map.entry("eventbus", "Cluster"),
      Map.entry("security", "Security"), Map.entry("tls", "Security"), Map.entry("limits", "Limits"),
      Map.entry("channels", "Channels"), Map.entry("bench", "Benchmarks"), Map.entry("log", "Logging"),
      Map.entry("admin", "Admin console"));

  private KeyHelp() {
  }

  static String render() {
    StringBuilder text = new StringBuilder()
        .append("%nConfiguration keys: --KEY=VALUE, or the environment variable, or the key in the file")
        .append(" (each over%nthe next, all over the defaults).%n");
    sections().forEach((title, settings) -> {
      TextTable table = TextTable.forColumns(Help.defaultColorScheme(Help.Ansi.OFF),
          new Column(KEY_COLUMN, 2, Overflow.SPAN), new Column(WIDTH - KEY_COLUMN, 1, Overflow.WRAP));
      for (Setting<?> setting : settings) {
        table.addRowValues("--" + setting.key() + "=" + label(setting), setting.env() + ", " + shownDefault(setting));
        table.addRowValues("", setting.description());
      }
      text.append("%n").append(title).append("%n").append(table.toString().replace("%", "%%"));
    });
    return String.format(text.toString());
  }

  private static Map<String, List<Setting<?>>> sections() {
    Map<String, List<Setting<?>>> sections = new LinkedHashMap<>();
    for (Setting<?> setting : Settings.ALL) {
      String part = setting.key().substring(0, setting.key().indexOf('.'));
      sections.computeIfAbsent(SECTIONS.getOrDefault(part, part), t -> new ArrayList<>()).add(setting);
    }
    return sections;
  }

  static String label(Setting<?> setting) {
    Object value = setting.defaultValue();
    if (value instanceof Integer) {
      return "N";
    }
    return value instanceof Boolean ? "BOOL" : "TEXT";
  }

  private static String shownDefault(Setting<?> setting) {
    String value = String.valueOf(setting.defaultValue());
    if (value.isEmpty()) {
      return "default: empty";
    }
    return value.length() > LONGEST_DEFAULT_SHOWN ? "default: see " + REFERENCE : "default: " + value;
  }
}
