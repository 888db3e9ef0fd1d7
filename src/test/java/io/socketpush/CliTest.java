package io.socketpush;

import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The commands of the README's quick start: genconfig, get, token, and the service run with their file. */
class CliTest {
  @TempDir
  Path dir;
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void closeVertx() {
    vertx.close().await();
  }

  /** One run of the command line in this JVM: exit status, stdout, stderr. */
  private record Run(int status, String out, String err) {
  }

  private static Run run(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Main.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void genconfigWritesFreshSecretsReadableByItsOwnerAndNeverOverwrites() throws Exception {
    Path file = dir.resolve("conf/local.json");
    Run first = run(Map.of(), "genconfig", file.toString());
    assertEquals(0, first.status, first.err);
    assertTrue(first.out.startsWith("wrote " + file), first.out);
    JsonObject written = new JsonObject(Files.readString(file));
    String secret = written.getJsonObject("security").getJsonObject("jwt").getString("secret");
    String apiKey = written.getJsonObject("channels").getString("apiKey");
    String password = written.getJsonObject("admin").getString("password");
    for (String value : new String[] {secret, apiKey, password}) {
      assertEquals(32, Base64.getUrlDecoder().decode(value).length, value);
    }
    assertNotEquals(secret, apiKey);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

    Path other = dir.resolve("other.json");
    run(Map.of(), "genconfig", other.toString());
    assertNotEquals(new JsonObject(Files.readString(other)).getJsonObject("channels").getString("apiKey"), apiKey,
        "each file has its own secrets");

    String before = Files.readString(file);
    Run again = run(Map.of(), "genconfig", file.toString());
    assertEquals(1, again.status);
    assertTrue(again.err.contains("not overwritten"), again.err);
    assertEquals(before, Files.readString(file));
  }

  @Test
  void getPrintsTheResolvedValueAloneWithFlagsOverEnvironmentOverTheFile() throws Exception {
    Path file = dir.resolve("local.json");
    Files.writeString(file, "{\"channels\":{\"apiKey\":\"from-file\"},\"http\":{\"port\":9000}}");
    String conf = file.toString();
    assertEquals("from-file\n", run(Map.of(), "get", "channels.apiKey", "-conf", conf).out);
    assertEquals("from-env\n", run(Map.of("CHANNELS_API_KEY", "from-env"), "get", "channels.apiKey", "-conf", conf).out);
    assertEquals("from-flag\n", run(Map.of("CHANNELS_API_KEY", "from-env"), "get", "channels.apiKey", "-conf", conf,
        "--channels.apiKey=from-flag").out);
    assertEquals("9000\n", run(Map.of(), "get", "http.port", "-conf", conf).out);
    assertEquals("1000\n", run(Map.of(), "get", "tick.periodMs", "-conf", conf).out, "a default");
    Run unknown = run(Map.of(), "get", "http.prot", "-conf", conf);
    assertEquals(2, unknown.status);
    assertTrue(unknown.err.contains("http.prot"), unknown.err);
  }

  @Test
  void aTokenFromTheTokenCommandIsAcceptedOnWsAndOneSignedWithAnotherSecretIsRefused() throws Exception {
    Path conf = dir.resolve("local.json");
    assertEquals(0, run(Map.of(), "genconfig", conf.toString()).status);
    Run token = run(Map.of(), "token", "-conf", conf.toString(), "--user", "42", "--ttl", "1h");
    assertEquals(0, token.status, token.err);
    assertEquals(1, token.out.lines().count(), "stdout holds the token alone: " + token.out);
    JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(token.out.trim().split("\\.")[1]),
        StandardCharsets.UTF_8));
    assertEquals("42", claims.getString("sub"));
    long ttl = claims.getLong("exp") - claims.getLong("iat");
    assertEquals(3600, ttl);

    Path otherConf = dir.resolve("other.json");
    run(Map.of(), "genconfig", otherConf.toString());
    String foreign = run(Map.of(), "token", "-conf", otherConf.toString(), "--user", "42").out.trim();

    try (ServiceProcess node = ServiceProcess.start(Map.of(), "-conf", conf.toString(), "--security.jwt.required=true")) {
      WebSocketClient client = vertx.createWebSocketClient();
      WebSocket accepted = client.connect(bearer(node.port(), token.out.trim())).await(10, TimeUnit.SECONDS);
      accepted.close().await(5, TimeUnit.SECONDS);
      Exception refused = assertThrows(Exception.class,
          () -> client.connect(bearer(node.port(), foreign)).await(10, TimeUnit.SECONDS));
      assertInstanceOf(UpgradeRejectedException.class, refused);
      assertEquals(401, ((UpgradeRejectedException) refused).getStatus());
    }
  }

  @Test
  void tokenRefusesAnUnreadableDurationAndAMissingSecret() {
    Run badTtl = run(Map.of("JWT_SECRET", "s3cret"), "token", "--user", "42", "--ttl", "soon");
    assertEquals(2, badTtl.status);
    assertTrue(badTtl.err.contains("soon"), badTtl.err);
    Run noSecret = run(Map.of(), "token", "--user", "42", "--security.jwt.secret=");
    assertEquals(2, noSecret.status);
    assertTrue(noSecret.err.contains("security.jwt.secret"), noSecret.err);
    assertEquals("", noSecret.out);
  }

  private static WebSocketConnectOptions bearer(int port, String token) {
    return new WebSocketConnectOptions().setHost(TestService.HOST).setPort(port).setURI("/ws")
        .addHeader("Authorization", "Bearer " + token);
  }
}
