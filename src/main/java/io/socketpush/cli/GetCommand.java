package io.socketpush.cli;

import io.socketpush.config.Setting;
import io.socketpush.config.Settings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code get KEY}: the value of one key as the service would see it (defaults, file, environment,
 * flags), printed alone, so a shell can take it with {@code $(…)}.
 */
@Command(name = "get", sortOptions = false, usageHelpWidth = KeyHelp.WIDTH, mixinStandardHelpOptions = true,
    description = "Print the value of one configuration key as the service resolves it, and nothing else.",
    footer = "%nAlso takes --KEY=VALUE for any configuration key (see socket-push --help).")
public final class GetCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @Spec
  private CommandSpec spec;

  @Mixin
  private ConfigOptions config;

  @Parameters(index = "0", paramLabel = "KEY", description = "a configuration key, e.g. channels.apiKey")
  private String key;

  public GetCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    Setting<?> setting = Settings.ALL.stream().filter(s -> s.key().equals(key)).findFirst().orElse(null);
    if (setting == null) {
      spec.commandLine().getErr().println("socket-push: unknown configuration key '" + key + "' (see --help)");
      return 2;
    }
    spec.commandLine().getOut().println(config.read(env).raw(setting));
    return 0;
  }
}
