package io.socketpush.cli;

import io.socketpush.config.ServiceConfig;
import io.socketpush.security.TokenIssuer;
import io.vertx.core.Vertx;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code token --user ID [--ttl 1h]}: prints a JWT the configured service accepts, and nothing else,
 * so a shell can take it with {@code $(…)}. There is no {@code --channels}: the service grants
 * channels by its rules, not by claims in the token.
 */
@Command(name = "token", sortOptions = false, usageHelpWidth = KeyHelp.WIDTH, mixinStandardHelpOptions = true,
    description = "Print a JWT for one user, signed with the configured secret (HS256) or the given private key.",
    footer = "%nAlso takes --KEY=VALUE for any configuration key (see socket-push --help).")
public final class TokenCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @Spec
  private CommandSpec spec;

  @Mixin
  private ConfigOptions config;

  @Option(names = "--user", required = true, paramLabel = "ID", order = 3, description = "the token's subject (sub)")
  private String user;

  @Option(names = "--ttl", paramLabel = "DURATION", order = 4, defaultValue = "1h", converter = DurationConverter.class,
      description = "how long it is valid: 90s, 15m, 1h, 7d (default: ${DEFAULT-VALUE})")
  private Duration ttl;

  @Option(names = "--private-key", paramLabel = "FILE", order = 5,
      description = "PKCS#8 PEM private key, for RS256 or ES256 (security.jwt.algorithm)")
  private Path privateKey;

  public TokenCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() throws Exception {
    ServiceConfig service = ServiceConfig.from(config.read(env));
    String signingKey = privateKey == null ? null : Files.readString(privateKey);
    Vertx vertx = Vertx.vertx();
    try {
      TokenIssuer issuer = new TokenIssuer(vertx, service.security().jwt(), signingKey);
      spec.commandLine().getOut().println(issuer.issue(user, ttl));
      return 0;
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("socket-push: cannot make a token: " + e.getMessage());
      return 2;
    } finally {
      vertx.close();
    }
  }

  /** {@code 90s}, {@code 15m}, {@code 1h}, {@code 7d}, or an ISO-8601 duration such as {@code PT1H}. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      String text = value.trim().toLowerCase(Locale.ROOT);
      Duration duration;
      if (text.startsWith("p")) {
        duration = Duration.parse(value.trim());
      } else if (text.matches("\\d+[smhd]")) {
        long amount = Long.parseLong(text.substring(0, text.length() - 1));
        duration = switch (text.charAt(text.length() - 1)) {
          case 's' -> Duration.ofSeconds(amount);
          case 'm' -> Duration.ofMinutes(amount);
          case 'h' -> Duration.ofHours(amount);
          default -> Duration.ofDays(amount);
        };
      } else {
        throw new IllegalArgumentException("'" + value + "' is not a duration such as 90s, 15m, 1h or 7d");
      }
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException("'" + value + "' is not a positive duration");
      }
      return duration;
    }
  }
}
