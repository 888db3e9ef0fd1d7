package io.socketpush.channel;

import io.socketpush.HeadlessChromium;
import io.socketpush.TestService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The chat of the demo page and the channels API of socket-push.js, in two headless Chromium browsers (two
 * driver sessions, two profiles): both join a room and see each other, a message typed in one shows in the
 * other with its sender, and closing one shows its leave in the other; a client whose connection drops
 * subscribes again from where it was and gets what it missed, once; a position from another epoch is
 * reported unrecovered. Over WebSocket, and over SSE.
 * Skipped like BrowserTest where Chromium is missing, except on CI.
 */
@ExtendWith(VertxExtension.class)
class ChatBrowserTest {
  private static final Duration WAIT = Duration.ofSeconds(30); // returns as soon as it holds: long only for a loaded machine
  /** A page backs off to a few seconds between tries while its server is down. */
  private static final Duration RESTART_WAIT = Duration.ofSeconds(40);

  /**
   * Runs before the page: the channel connections (WebSocket on /ws, EventSource on /sse/channels/) are
   * kept in {@code __links} so the test can drop them, and while {@code __offline} is set new ones go to a
   * closed port, as if the network were down. The clock and the echo are left alone.
   */
  private static final String NETWORK_SWITCH = """
      (() => {
      window.__links = []; window.__offline = false;
      const wrap = (Real, isChannel, dead) => {
        if (typeof Real !== 'function') return Real;
        const Wrapped = function (url, more) {
          const channel = isChannel(new URL(url, location.href));
          const link = new Real(channel && window.__offline ? dead : url, more);
          if (channel) window.__links.push(link);
          return link;
        };
        Wrapped.prototype = Real.prototype;
        Object.assign(Wrapped, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
        return Wrapped;
      };
      window.WebSocket = wrap(window.WebSocket, u => u.pathname === '/ws', 'ws://127.0.0.1:9/');
      window.EventSource = wrap(window.EventSource, u => u.pathname.startsWith('/sse/channels/'), 'http://127.0.0.1:9/');
      window.__drop = () => window.__links.splice(0).forEach(l => {
        l.close();
        if (l instanceof EventSource && l.onerror) l.onerror(new Event('error')); // close() alone tells nobody
      });
      })();
      """;

  private TestService service;
  private final List<HeadlessChromium> browsers = new ArrayList<>();

  @BeforeEach
  void start(Vertx vertx, VertxTestContext ctx) {
    HeadlessChromium.require("ChatBrowserTest");
    TestService.start(vertx).onComplete(ctx.succeeding(s -> {
      service = s;
      ctx.completeNow();
    }));
  }

  @AfterEach
  void stop(Vertx vertx, VertxTestContext ctx) {
    browsers.forEach(HeadlessChromium::close);
    TestService.stop(service, vertx).onComplete(ctx.succeedingThenComplete());
  }

  @ParameterizedTest
  @ValueSource(strings = {"websocket", "sse"})
  void twoBrowsersChatInARoomSeeEachOtherAndTheLeave(String transport) throws IOException {
    ChatPage alice = open(transport);
    ChatPage bob = open(transport);
    alice.join("alice", "tea");
    alice.waitFor("alice to see herself here", () -> alice.people().equals(List.of("alice")));
    alice.say("anyone here?");
    alice.waitFor("alice's own message", () -> alice.messages().equals(List.of("alice: anyone here?")));
    bob.join("bob", "tea");
    bob.waitFor("the room's last messages at bob's, from before he came", () -> bob.messages().equals(List.of("alice: anyone here?")));
    bob.waitFor("bob to see both", () -> bob.people().equals(List.of("alice", "bob")));
    alice.waitFor("alice to see bob", () -> alice.people().equals(List.of("alice", "bob")));
    alice.waitFor("bob's join in alice's log", () -> alice.notes().contains("bob joined"));

    alice.say("hello bob, 你好");
    bob.waitFor("alice's message at bob's", () -> bob.messages().contains("alice: hello bob, 你好"));
    bob.say("hi alice");
    alice.waitFor("bob's reply at alice's",
        () -> alice.messages().equals(List.of("alice: anyone here?", "alice: hello bob, 你好", "bob: hi alice")));
    assertEquals(alice.messages(), bob.messages(), "the same room, in the same order");
    assertEquals(transport, alice.script("return document.body.dataset.chatTransport"));

    bob.browser.close();
    browsers.remove(bob.browser);
    alice.waitFor("bob's leave at alice's", () -> alice.notes().contains("bob left") && alice.people().equals(List.of("alice")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"websocket", "sse"})
  void aDroppedConnectionResubscribesFromItsPositionAndGetsWhatItMissedOnce(String transport) throws Exception {
    ChatPage page = open(transport);
    page.follow(transport, "carol", "chat:recover", "undefined");
    page.waitFor("the first subscription", () -> page.list("__events").equals(List.of("subscribed undefined")));
    publish("chat:recover", "\"one\"");
    page.waitFor("a live publication", () -> page.list("__got").equals(List.of("1:one")));

    page.dropAndStayOffline();
    publish("chat:recover", "\"two\"");
    publish("chat:recover", "\"three\"");
    page.backOnline();

    page.waitFor("what it missed, after the reconnection",
        () -> page.list("__got").equals(List.of("1:one", "2:two", "3:three")));
    publish("chat:recover", "\"four\"");
    page.waitFor("live again", () -> page.list("__got").equals(List.of("1:one", "2:two", "3:three", "4:four")));
    assertEquals(List.of("subscribed undefined", "subscribed true"), page.list("__events"), "recovered, and said so");
    assertEquals(4L, page.script("return window.__sub.seq"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"websocket", "sse"})
  void aNewSubscriptionGetsTheRecentOnesFirstThenRecoversFromThere(String transport) throws Exception {
    for (String text : List.of("a", "b", "c")) {
      publish("chat:recent", "\"" + text + "\"");
    }
    ChatPage page = open(transport);
    page.follow(transport, "dan", "chat:recent", "{recent: 2}");
    page.waitFor("the last two", () -> page.list("__got").equals(List.of("2:b", "3:c")));
    page.dropAndStayOffline();
    publish("chat:recent", "\"d\"");
    page.backOnline();
    page.waitFor("what it missed, once", () -> page.list("__got").equals(List.of("2:b", "3:c", "4:d")));
    assertEquals(List.of("subscribed undefined", "subscribed true"), page.list("__events"), "recovered, not asked for the recent ones again");
  }

  @ParameterizedTest
  @ValueSource(strings = {"websocket", "sse"})
  void aSkippedPublicationIsFetchedFromHistoryWithoutReconnecting(String transport) throws Exception {
    ChatPage page = open(transport);
    page.follow(transport, null, "chat:gap", "undefined");
    // as the server does for a socket whose write queue is full: publication 2 never reaches the client
    page.script("const s = window.__sub, real = s._message.bind(s); let skipped = false;"
        + "s._message = m => { if (m.seq === 2 && !skipped) { skipped = true; return; } real(m); };");
    page.waitFor("the subscription", () -> page.list("__events").equals(List.of("subscribed undefined")));
    publish("chat:gap", "\"one\"");
    page.waitFor("a live publication", () -> page.list("__got").equals(List.of("1:one")));
    publish("chat:gap", "\"two\"");
    publish("chat:gap", "\"three\"");
    page.waitFor("the skipped one fetched, in order, once",
        () -> page.list("__got").equals(List.of("1:one", "2:two", "3:three")));
    assertEquals(List.of("subscribed undefined", "subscribed true"), page.list("__events"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"websocket", "sse"})
  void aPublicationSentAgainWithItsIdempotencyKeyIsPublishedOnce(String transport) throws Exception {
    ChatPage page = open(transport);
    page.follow(transport, null, "chat:once", "undefined");
    page.waitFor("the subscription", () -> page.list("__events").equals(List.of("subscribed undefined")));
    page.script("window.__seqs = [];"
        + "__c.publish('chat:once', 'hello', {idempotencyKey: 'tab-1-msg-1'}).then(r => __seqs.push(r.seq))"
        + ".then(() => __c.publish('chat:once', 'hello', {idempotencyKey: 'tab-1-msg-1'})).then(r => __seqs.push(r.seq));");
    page.waitFor("both answers", () -> page.list("__seqs").size() == 2);
    assertEquals(List.of("1", "1"), page.list("__seqs"), "the repeat gets the first seq");
    publish("chat:once", "\"end\"");
    page.waitFor("the sentinel", () -> page.list("__got").contains("2:end"));
    assertEquals(List.of("1:hello", "2:end"), page.list("__got"), "published once");
  }

  @ParameterizedTest
  @ValueSource(strings = {"websocket", "sse"})
  void aPositionFromAnotherEpochIsReportedUnrecovered(String transport) throws Exception {
    publish("chat:old", "\"before\"");
    ChatPage page = open(transport);
    page.script("window.__got = []; window.__events = [];"
        + "const c = window.__c = SocketPush.channels({transports: [arguments[0]]});"
        + "const s = window.__sub = c.subscribe('chat:old', p => __got.push(p.seq + ':' + p.data), {since: 7, epoch: 'gone'});"
        + "s.on('subscribed', e => __events.push('subscribed ' + e.recovered + ' at ' + e.seq));"
        + "s.on('unrecovered', e => __events.push('unrecovered since ' + e.since));", transport);
    page.waitFor("the subscription", () -> page.list("__events").size() == 2);
    assertEquals(List.of("subscribed false at 1", "unrecovered since 7"), page.list("__events"));
    publish("chat:old", "\"after\"");
    page.waitFor("the next publication", () -> page.list("__got").equals(List.of("2:after")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"websocket", "sse"})
  void aRefusedChannelFailsAloneAndTheOthersGoOn(String transport) throws Exception {
    ChatPage page = open(transport);
    page.script("window.__got = []; window.__events = [];"
        + "const c = window.__c = SocketPush.channels({transports: [arguments[0]]});"
        + "c.subscribe('nowhere:1', () => {}).on('error', e => __events.push('error ' + e.code));"
        + "c.subscribe('chat:fine', p => __got.push(p.data)).on('subscribed', () => __events.push('subscribed'));", transport);
    page.waitFor("both answers", () -> page.list("__events").size() == 2);
    assertEquals(List.of("error 102", "subscribed"), page.list("__events").stream().sorted().toList());
    assertEquals(List.of("chat:fine"), page.list("[...__c.subscriptions.keys()]"), "the refused one is over");
    publish("chat:fine", "\"still here\"");
    page.waitFor("a publication on the other channel", () -> page.list("__got").equals(List.of("still here")));
  }

  @org.junit.jupiter.api.Test
  void whileAwayTheChatSaysSoKeepsItsPlaceAndSaysWhatCameBack() throws Exception {
    ChatPage page = open("websocket");
    page.join("erin", "away");
    page.waitFor("erin here", () -> page.people().equals(List.of("erin")));
    page.dropAndStayOffline();
    page.waitFor("the chat to say it is away", () -> page.state().matches("(connection lost|server unreachable) — .*"));
    page.waitFor("the people greyed: who was here, not who is", () -> page.peopleStale());
    assertEquals(List.of("erin"), page.people(), "the last known list stays, greyed");
    assertEquals(true, page.script("return document.getElementById('chat-input').disabled"));
    assertEquals("you are still in the room; you can send once reconnected", page.script("return document.getElementById('chat-input').placeholder"));
    page.screenshot("chat-away");
    publish("chat:away", "{\"name\":\"frank\",\"text\":\"one\"}");
    publish("chat:away", "{\"name\":\"frank\",\"text\":\"two\"}");
    publish("chat:away", "{\"name\":\"frank\",\"text\":\"three\"}");
    page.backOnline();
    page.retryWhenOffered("back: 3 messages recovered");
    assertEquals(List.of("frank: one", "frank: two", "frank: three"), page.messages());
    assertEquals(false, page.peopleStale());
    assertEquals(false, page.script("return document.getElementById('chat-input').disabled"));
    page.screenshot("chat-back");
  }

  @org.junit.jupiter.api.Test
  void afterAServerRestartTheChatSaysMessagesMayBeMissing() throws Exception {
    ChatPage page = open("websocket");
    page.join("gail", "restart");
    publish("chat:restart", "{\"name\":\"gail\",\"text\":\"before\"}");
    page.waitFor("the message before", () -> page.messages().equals(List.of("gail: before")));
    service.stopNode().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    page.waitFor("the chat to say the server is unreachable", () -> page.state().startsWith("server unreachable — "), RESTART_WAIT);
    assertEquals(true, page.peopleStale());
    service = service.startAgain().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    page.retryWhenOffered("back: messages sent meanwhile may be missing");
    page.waitFor("gail here again", () -> page.people().equals(List.of("gail")) && !page.peopleStale());
  }

  private String base() {
    return service.url("");
  }

  /** Publishes through the REST API, as a server-side publisher or an SSE client would. */
  private void publish(String channel, String json) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base() + "/api/channels/" + channel))
        .POST(HttpRequest.BodyPublishers.ofString(json)).header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(202, response.statusCode(), response.body());
  }

  private ChatPage open(String transport) throws IOException {
    HeadlessChromium browser = HeadlessChromium.start(WAIT);
    browsers.add(browser);
    ChromeDriver driver = browser.driver();
    driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", NETWORK_SWITCH));
    driver.get(base() + "/?transports=" + transport);
    return new ChatPage(browser);
  }

  /** The demo page's chat in one browser. */
  private static final class ChatPage {
    final HeadlessChromium browser;
    final ChromeDriver driver;

    ChatPage(HeadlessChromium browser) {
      this.browser = browser;
      this.driver = browser.driver();
    }

    void join(String name, String room) {
      driver.findElement(By.id("chat-name")).sendKeys(name);
      driver.findElement(By.id("chat-room")).clear();
      driver.findElement(By.id("chat-room")).sendKeys(room);
      driver.findElement(By.id("chat-join-button")).click();
      waitFor(name + "'s chat to open", () -> String.valueOf(script("return document.getElementById('chat-state').textContent")).startsWith("connected over "));
    }

    void say(String text) {
      driver.findElement(By.id("chat-input")).sendKeys(text);
      driver.findElement(By.id("chat-send")).click();
      waitFor("the input to be cleared once sent", () -> "".equals(driver.findElement(By.id("chat-input")).getDomProperty("value")));
    }

    List<String> people() {
      return texts("#chat-people li");
    }

    /** With {@code -Ddemo.screenshot=/some/file.png}, keeps the chat as /some/file-{name}.png. */
    void screenshot(String name) throws IOException {
      String asked = System.getProperty("demo.screenshot");
      if (asked != null && !asked.isBlank()) {
        script("document.getElementById('chat-title').scrollIntoView();");
        java.nio.file.Files.copy(driver.getScreenshotAs(org.openqa.selenium.OutputType.FILE).toPath(),
            java.nio.file.Path.of(asked.replaceFirst("(\\.png)?$", "-" + name + ".png")), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }

    String state() {
      return String.valueOf(script("return document.getElementById('chat-state').textContent"));
    }

    boolean peopleStale() {
      return (Boolean) script("return document.getElementById('chat-people-box').classList.contains('stale')");
    }

    /** Waits for the chat to say {@code expected}, pressing Retry now while it offers one. */
    void retryWhenOffered(String expected) {
      waitFor("the chat to say '" + expected + "'", () -> {
        script("const b = document.getElementById('chat-retry'); if (!b.hidden) b.click();");
        return state().equals(expected);
      }, RESTART_WAIT);
    }

    List<String> messages() {
      return texts("#chat-log li.message");
    }

    List<String> notes() {
      return texts("#chat-log li.note");
    }

    private List<String> texts(String selector) {
      return list("[...document.querySelectorAll(\"" + selector + "\")].map(e => e.textContent)");
    }

    @SuppressWarnings("unchecked")
    List<String> list(String expression) {
      return ((List<Object>) script("return " + expression)).stream().map(String::valueOf).toList();
    }

    /**
     * Follows a channel with a channels client of its own over the transport: each publication goes to
     * {@code __got} as {@code seq:data}, each 'subscribed' to {@code __events} as {@code subscribed <recovered>},
     * each 'unrecovered' as {@code unrecovered}; the client is {@code __c}, the subscription {@code __sub}.
     *
     * @param options the subscribe options as JavaScript, e.g. {@code {recent: 2}}, or {@code undefined}
     */
    void follow(String transport, String name, String channel, String options) {
      script("window.__got = []; window.__events = [];"
          + "const c = window.__c = SocketPush.channels({name: arguments[1] || undefined, transports: [arguments[0]]});"
          + "const s = window.__sub = c.subscribe(arguments[2], p => __got.push(p.seq + ':' + p.data), " + options + ");"
          + "s.on('subscribed', e => __events.push('subscribed ' + e.recovered));"
          + "s.on('unrecovered', () => __events.push('unrecovered'));", transport, name, channel);
    }

    /** Drops the page's channel connections and keeps new ones from getting through until {@link #backOnline}. */
    void dropAndStayOffline() {
      script("window.__offline = true; window.__drop();");
    }

    void backOnline() {
      script("window.__offline = false;");
    }

    Object script(String script, Object... args) {
      return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    void waitFor(String what, java.util.function.BooleanSupplier condition) {
      waitFor(what, condition, WAIT);
    }

    void waitFor(String what, java.util.function.BooleanSupplier condition, Duration timeout) {
      new WebDriverWait(driver, timeout).withMessage(() -> what + "; state: " + state() + ", log: " + texts("#chat-log li") + ", here: " + people())
          .until(d -> condition.getAsBoolean());
    }
  }
}
