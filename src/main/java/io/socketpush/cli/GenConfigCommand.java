package io.socketpush.cli;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.Callable;

/**
 * {@code genconfig [FILE]}: a configuration file with a fresh random API key, JWT secret and admin
 * password, readable by its owner only. An existing file is never overwritten: its secrets may be
 * in use.
 */
@Command(name = "genconfig", sortOptions = false, usageHelpWidth = KeyHelp.WIDTH, mixinStandardHelpOptions = true,
    description = "Write a configuration file with a fresh random API key, JWT secret and admin password "
        + "(an existing file is never overwritten).")
public final class GenConfigCommand implements Callable<Integer> {
  static final String DEFAULT_FILE = "conf/local.json";
  /** 32 random bytes: the strength of an HS256 key, as 43 URL-safe characters a shell needs no quotes for. */
  private static final int SECRET_BYTES = 32;
  private final SecureRandom random = new SecureRandom();

  @Spec
  private CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "FILE", defaultValue = DEFAULT_FILE,
      description = "where to write it (default: ${DEFAULT-VALUE})")
  private Path file;

  @Override
  public Integer call() throws IOException {
    JsonObject config = new JsonObject()
        .put("security", new JsonObject().put("jwt", new JsonObject().put("secret", secret())))
        .put("channels", new JsonObject().put("apiKey", secret()))
        .put("admin", new JsonObject().put("password", secret()));
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ownerOnly(file);
      out.write((config.encodePrettily() + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (FileAlreadyExistsException e) {
      spec.commandLine().getErr().println("socket-push: " + file + " exists; not overwritten (its secrets may be in use)");
      return 1;
    }
    spec.commandLine().getOut().println("wrote " + file + ": a random API key (channels.apiKey), JWT secret"
        + " (security.jwt.secret) and admin password (admin.password); readable by you only."
        + " Run with: java -jar socket-push.jar -conf " + file);
    return 0;
  }

  private String secret() {
    byte[] bytes = new byte[SECRET_BYTES];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static void ownerOnly(Path file) throws IOException {
    if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
  }
}
