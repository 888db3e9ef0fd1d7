package io.socketpush;

import io.socketpush.config.ConfigException;
import io.socketpush.config.ConfigLoader;
import io.socketpush.config.ConfigReference;
import io.socketpush.config.ServiceConfig;
import io.socketpush.config.Setting;
import io.socketpush.config.Settings;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigTest {

  @Test
  void confFileListsEveryKeyWithItsDefault() throws Exception {
    JsonObject file = new JsonObject(Files.readString(Path.of("conf/config.json")));
    Set<String> inFile = new HashSet<>();
    collectKeys("", file, inFile);
    Set<String> known = new HashSet<>();
    for (Setting<?> setting : Settings.ALL) {
      known.add(setting.key());
      Object value = valueAt(file, setting.key());
      assertEquals(String.valueOf(setting.defaultValue()), String.valueOf(value), setting.key());
    }
    assertEquals(known, inFile, "conf/config.json and Settings.ALL list the same keys");
  }

  /**
   * docs/configuration.md carries {@link ConfigReference#markdown()} between its markers. With
   * {@code -Dregenerate=true} the test writes it there instead of failing.
   */
  @Test
  void theConfigurationReferenceIsGeneratedFromTheSettings() throws Exception {
    Path doc = Path.of("docs/configuration.md");
    String text = Files.readString(doc);
    int begin = text.indexOf(ConfigReference.BEGIN);
    int end = text.indexOf(ConfigReference.END);
    assertTrue(begin >= 0 && end > begin, doc + " has no generated part between the markers "
        + ConfigReference.BEGIN + " and " + ConfigReference.END);
    String head = text.substring(0, begin + ConfigReference.BEGIN.length()) + "\n";
    String generated = text.substring(head.length(), end);
    String expected = ConfigReference.markdown();
    if (Boolean.getBoolean("regenerate")) {
      Files.writeString(doc, head + expected + text.substring(end));
      return;
    }
    assertEquals(expected, generated, doc + " is out of step with Settings.ALL; regenerate it with:\n"
        + "  mvn -q test -Dtest=ConfigTest -Dregenerate=true\nand commit the file");
  }

  @Test
  void environmentOverridesTheFileAndTheCommandLineOverridesBoth() {
    JsonObject file = new JsonObject().put("http", new JsonObject().put("port", 9000).put("host", "127.0.0.2"))
        .put("tick", new JsonObject().put("periodMs", 500));
    ServiceConfig config = ServiceConfig.from(ConfigLoader.read(file,
        Map.of("HTTP_PORT", "9001", "TICK_PERIOD_MS", "250", "TIME_ZONE", "Asia/Shanghai"),
        Map.of("http.port", "9002")));
    assertEquals(9002, config.http().port());
    assertEquals("127.0.0.2", config.http().host(), "a key the file alone sets survives the merge");
    assertEquals(250, config.tick().periodMs());
    assertEquals(ZoneId.of("Asia/Shanghai"), config.tick().zone());
    assertEquals(65536, config.ws().maxMessageBytes());
  }

  @ParameterizedTest
  @CsvSource({
      "HTTP_PORT, abc, http.port",
      "HTTP_PORT, 70000, http.port",
      "TICK_PERIOD_MS, -5, tick.periodMs",
      "TIME_ZONE, Mars/Olympus, time.zone",
      "TIME_PATTERN, yyyy-MM-dd {{, time.pattern",
      "WS_MAX_MESSAGE_BYTES, 1kb, ws.maxMessageBytes",
      "SHUTDOWN_GRACE_MS, -1, shutdown.graceMs",
  })
  void aBadValueIsRejectedNamingTheKeyAndTheValue(String env, String value, String key) {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ServiceConfig.from(ConfigLoader.read(new JsonObject(), Map.of(env, value), Map.of())));
    assertTrue(e.getMessage().contains(key), e.getMessage());
    assertTrue(e.getMessage().contains(value), e.getMessage());
    assertTrue(e.getMessage().contains(env), e.getMessage());
  }

  @Test
  void startUpWithABadValuePrintsOneLineAndExitsNonZero() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Main.run(new String[0], Map.of("HTTP_PORT", "abc"), new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String printed = err.toString(StandardCharsets.UTF_8);
    assertEquals(2, status);
    assertEquals(1, printed.lines().count(), printed);
    assertTrue(printed.contains("http.port") && printed.contains("HTTP_PORT") && printed.contains("abc"), printed);
  }

  @Test
  void anUnknownOptionOrKeyIsRefused() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    PrintStream out = new PrintStream(new ByteArrayOutputStream());
    assertEquals(2, Main.run(new String[] {"--bogus"}, Map.of(), out, errStream));
    assertEquals(2, Main.run(new String[] {"--http.prot=1"}, Map.of(), out, errStream));
    assertEquals(2, Main.run(new String[] {"-conf", "does/not/exist.json"}, Map.of(), out, errStream));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("http.prot"));
  }

  @Test
  void helpListsEveryOptionAndKey() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(0, Main.run(new String[] {"--help"}, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
    String help = out.toString(StandardCharsets.UTF_8);
    assertTrue(help.contains("-conf"));
    for (Setting<?> setting : Settings.ALL) {
      assertTrue(help.contains(setting.key()) && help.contains(setting.env()), setting.key());
    }
  }

  @Test
  void helpFitsOneHundredColumnsAndPointsAtLongDefaults() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(0, Main.run(new String[] {"--help"}, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
    String help = out.toString(StandardCharsets.UTF_8);
    help.lines().forEach(line -> assertTrue(line.length() <= 100, "longer than 100 columns: " + line));
    assertTrue(help.contains("see docs/configuration.md"), help);
    assertFalse(help.contains(String.valueOf(Settings.CHANNELS_RULES.defaultValue())), "the rules' default is printed");
    assertFalse(help.contains("machine"), "speaks of a machine");
    for (String command : new String[] {"genconfig", "token", "get"}) {
      assertTrue(help.contains(command), command);
    }
  }

  private static void collectKeys(String prefix, JsonObject json, Set<String> into) {
    for (String name : json.fieldNames()) {
      Object value = json.getValue(name);
      if (value instanceof JsonObject) {
        collectKeys(prefix + name + ".", (JsonObject) value, into);
      } else {
        into.add(prefix + name);
      }
    }
  }

  private static Object valueAt(JsonObject json, String dotted) {
    String[] parts = dotted.split("\\.");
    JsonObject node = json;
    for (int i = 0; i < parts.length - 1; i++) {
      node = node.getJsonObject(parts[i], new JsonObject());
    }
    return node.getValue(parts[parts.length - 1]);
  }
}
