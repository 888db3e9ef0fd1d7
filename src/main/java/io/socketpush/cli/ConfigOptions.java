package io.socketpush.cli;

import io.socketpush.config.ConfigLoader;
import io.socketpush.config.ConfigSources;
import io.socketpush.config.Setting;
import io.socketpush.config.Settings;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The options every command that reads the configuration takes: {@code -conf FILE}, {@code --cluster},
 * and one {@code --KEY=VALUE} per configuration key (added by {@link #addKeyOptions}, one per
 * {@link Settings#ALL} entry, so picocli refuses an unknown key).
 */
public final class ConfigOptions {
  @Spec(Spec.Target.MIXEE)
  private CommandSpec command;

  @Option(names = {"-conf", "--conf"}, paramLabel = "FILE", order = 1,
      description = "configuration file (default: " + ConfigLoader.DEFAULT_FILE + ", if present)")
  private String file;

  @Option(names = {"--cluster", "-cluster"}, order = 2,
      description = "join a cluster (the same as --cluster.enabled=true)")
  private boolean cluster;

  /** Adds {@code --KEY=VALUE} for every key; hidden from the option list, which {@link KeyHelp} groups instead. */
  static void addKeyOptions(CommandSpec spec) {
    for (Setting<?> setting : Settings.ALL) {
      spec.addOption(OptionSpec.builder("--" + setting.key()).paramLabel(KeyHelp.label(setting)).type(String.class)
          .hidden(true).description(setting.description()).build());
    }
  }

  /** The {@code --KEY=VALUE} flags given, by key; {@code --cluster} unless a flag says otherwise. */
  public Map<String, String> flags() {
    Map<String, String> flags = new LinkedHashMap<>();
    for (Setting<?> setting : Settings.ALL) {
      OptionSpec option = command.findOption("--" + setting.key());
      if (option != null && option.getValue() != null) {
        flags.put(setting.key(), option.getValue());
      }
    }
    if (cluster) {
      flags.putIfAbsent(Settings.CLUSTER_ENABLED.key(), "true");
    }
    return flags;
  }

  /** The configuration: defaults, then the file, the environment and the flags, merged by vertx-config. */
  public ConfigSources read(Map<String, String> env) {
    return ConfigLoader.read(file, env, flags());
  }
}
