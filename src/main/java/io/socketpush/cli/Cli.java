package io.socketpush.cli;

import io.socketpush.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Model.UsageMessageSpec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The command line: the service's own command (which runs it) with {@code genconfig}, {@code token}
 * and {@code get} under it, parsed by picocli. Usage errors and bad configuration end with one line
 * on stderr and exit status 2.
 */
public final class Cli {
  public static final int USAGE = 2;
  private static final String KEYS_SECTION = "configurationKeys";

  private Cli() {
  }

  /**
   * @param service the command that runs the service: annotated with {@code @Command}, with a
   *                {@code @Mixin ConfigOptions}
   * @param env     the environment the commands read their configuration from
   */
  public static CommandLine create(Object service, Map<String, String> env, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(service)
        .addSubcommand(new GenConfigCommand())
        .addSubcommand(new TokenCommand(env))
        .addSubcommand(new GetCommand(env));
    ConfigOptions.addKeyOptions(cli.getCommandSpec());
    ConfigOptions.addKeyOptions(cli.getSubcommands().get("token").getCommandSpec());
    ConfigOptions.addKeyOptions(cli.getSubcommands().get("get").getCommandSpec());
    cli.getHelpSectionMap().put(KEYS_SECTION, help -> KeyHelp.render());
    List<String> sections = new ArrayList<>(cli.getHelpSectionKeys());
    sections.add(sections.indexOf(UsageMessageSpec.SECTION_KEY_FOOTER_HEADING), KEYS_SECTION);
    cli.setHelpSectionKeys(sections);
    cli.setOut(out).setErr(err);
    cli.setParameterExceptionHandler((e, args) -> {
      e.getCommandLine().getErr().println("socket-push: " + e.getMessage() + " (see --help)");
      return USAGE;
    });
    cli.setExecutionExceptionHandler((e, command, parsed) -> {
      if (e instanceof ConfigException) {
        command.getErr().println("socket-push: invalid configuration: " + e.getMessage());
        return USAGE;
      }
      throw e;
    });
    return cli;
  }
}
