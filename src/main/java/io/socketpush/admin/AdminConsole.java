package io.socketpush.admin;

import io.socketpush.channel.ChannelError;
import io.socketpush.channel.ChannelService;
import io.socketpush.config.ChannelRule;
import io.socketpush.config.ServiceConfig;
import io.socketpush.core.PushStats;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.Session;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.SessionHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.sstore.ClusteredSessionStore;
import io.vertx.ext.web.sstore.LocalSessionStore;
import io.vertx.ext.web.sstore.SessionStore;

import java.time.InstantSource;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The admin console at {@code /admin/}: a page (resources {@code admin/}, with Chart.js from its WebJar) and
 * its JSON API under {@code /admin/api/}. Off (every path 404) unless {@code admin.password} or
 * {@code channels.apiKey} is set; the password is the first of the two that is. A login makes a session
 * (cookie HttpOnly, SameSite=Strict, Secure under TLS) holding a CSRF token that each POST of the page
 * must echo in {@code X-CSRF-Token}. One instance per HTTP verticle instance, on its event loop.
 */
public final class AdminConsole {
  static final String CSRF_HEADER = "X-CSRF-Token";
  private static final String SESSION_ADMIN = "admin";
  private static final String SESSION_CSRF = "csrf";
  private static final String SESSIONS_MAP = "socket-push.admin.sessions";
  private static final long ASK_TIMEOUT_MS = 900; // the page asks once a second
  private static final int BUSIEST = 10;
  private static final int HISTORY = 20;

  private final Vertx vertx;
  private final byte[] passwordDigest;
  private final boolean tls;
  private final ChannelService channels;
  private final UserControl users;
  private final LoginThrottle throttle;
  private final MemberReport report;
  private final InstantSource clock;
  private final SecureRandom random = new SecureRandom();

  private AdminConsole(Vertx vertx, String password, boolean tls, ChannelService channels, UserControl users, PushStats stats,
                       LoginThrottle throttle, InstantSource clock, long startedAtMs, Supplier<String> httpAddress) {
    this.vertx = vertx;
    this.clock = clock;
    this.passwordDigest = sha256(password);
    this.tls = tls;
    this.channels = channels;
    this.users = users;
    this.throttle = throttle;
    this.report = new MemberReport(channels.nodes().localId(), stats, clock, startedAtMs, httpAddress);
  }

  /** The console, or null when it is off (no admin password nor API key configured). */
  public static AdminConsole create(Vertx vertx, ServiceConfig config, ChannelService channels, UserControl users, PushStats stats,
                                    LoginThrottle throttle, InstantSource clock, long startedAtMs,
                                    Supplier<String> httpAddress) {
    String password = !config.adminPassword().isEmpty() ? config.adminPassword() : config.channels().apiKey();
    if (password.isEmpty()) {
      return null;
    }
    return new AdminConsole(vertx, password, config.security().tls(), channels, users, stats, throttle, clock, startedAtMs,
        httpAddress);
  }

  /**
   * Answers the console's question to this member. Every HTTP verticle instance registers it: a question is
   * sent, not published, so one of them answers, and they all read the same node-wide counters.
   */
  public MessageConsumer<JsonObject> answerMembers() {
    return channels.nodes().answer(MemberReport.ADDRESS, question -> Future.succeededFuture(report.answer()));
  }

  public void mount(Router router) {
    // in a cluster, sessions live in a cluster-wide map, so a balancer may send the console's next request to
    // any member; standalone, in a local map shared by the event loops. Over plain HTTP the browser would drop
    // a Secure cookie, so the flag is set under TLS only (docs/operations.md)
    SessionStore store = vertx.isClustered()
        ? ClusteredSessionStore.create(vertx, SESSIONS_MAP) : LocalSessionStore.create(vertx, SESSIONS_MAP);
    SessionHandler sessions = SessionHandler.create(store)
        .setSessionCookieName("socketpush-admin").setSessionCookiePath("/admin")
        .setCookieHttpOnlyFlag(true).setCookieSameSite(CookieSameSite.STRICT).setCookieSecureFlag(tls)
        .setSessionTimeout(30 * 60_000L).setLazySession(true);
    router.get("/admin").handler(ctx -> { // the route matches /admin/ too
      if (ctx.request().path().equals("/admin")) {
        ctx.redirect("/admin/");
      } else {
        ctx.next();
      }
    });
    router.route("/admin/*").handler(AdminConsole::guarded);
    router.route("/admin/*").handler(sessions); // a platform handler: a route of its own
    router.post("/admin/*").handler(BodyHandler.create(false).setBodyLimit(70_000));
    router.post("/admin/login").handler(this::login);
    router.route("/admin/api/*").handler(this::loggedIn);
    router.post("/admin/api/*").handler(this::csrf);
    router.get("/admin/api/session").handler(ctx -> ctx.json(new JsonObject().put("csrf", ctx.session().<String>get(SESSION_CSRF))));
    router.post("/admin/api/logout").handler(ctx -> {
      ctx.session().destroy();
      ctx.response().setStatusCode(204).end();
    });
    router.get("/admin/api/overview").handler(this::overview);
    router.get("/admin/api/channels/:name").handler(this::channel);
    router.post("/admin/api/channels/:name").handler(this::publish);
    router.get("/admin/api/users/:user").handler(this::user);
    router.post("/admin/api/users/:user/disconnect").handler(this::disconnect);
    router.get("/admin/webjars/*").handler(StaticHandler.create("META-INF/resources/webjars").setCachingEnabled(true));
    router.get("/admin/*").handler(StaticHandler.create("admin").setCachingEnabled(false));
  }

  /** No framing (clickjacking), no caching of the console's answers, no referrer leaving it. */
  private static void guarded(RoutingContext ctx) {
    ctx.response().putHeader("X-Frame-Options", "DENY")
        .putHeader("Content-Security-Policy", "frame-ancestors 'none'")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("Cache-Control", "no-store");
    ctx.next();
  }

  private void login(RoutingContext ctx) {
    String from = ctx.request().remoteAddress().hostAddress();
    long now = clock.millis();
    long wait = throttle.waitMs(from, now);
    if (wait > 0) {
      long seconds = (wait + 999) / 1000;
      ctx.response().putHeader("Retry-After", String.valueOf(seconds));
      error(ctx, 429, "too many wrong passwords: try again in " + seconds + " s");
      return;
    }
    JsonObject body = ctx.body().asJsonObject();
    String given = body == null ? null : body.getString("password");
    if (given == null || !MessageDigest.isEqual(passwordDigest, sha256(given))) {
      long lock = throttle.failed(from, now);
      error(ctx, 401, "wrong password; the next try is possible in " + (lock / 1000) + " s");
      return;
    }
    throttle.succeeded(from);
    Session session = ctx.session().regenerateId(); // a session id known before login is worth nothing after
    String csrf = token();
    session.put(SESSION_ADMIN, true).put(SESSION_CSRF, csrf);
    ctx.json(new JsonObject().put("csrf", csrf));
  }

  private void loggedIn(RoutingContext ctx) {
    if (Boolean.TRUE.equals(ctx.session().get(SESSION_ADMIN))) {
      ctx.next();
    } else {
      error(ctx, 401, "log in first");
    }
  }

  private void csrf(RoutingContext ctx) {
    String expected = ctx.session().get(SESSION_CSRF);
    String given = ctx.request().getHeader(CSRF_HEADER);
    if (expected != null && given != null
        && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8))) {
      ctx.next();
    } else {
      error(ctx, 403, "missing or wrong " + CSRF_HEADER);
    }
  }

  /** Every member's report, and the busiest channels of the cluster (local subscriber counts summed). */
  private void overview(RoutingContext ctx) {
    channels.nodes().askAll(MemberReport.ADDRESS, new JsonObject(), ASK_TIMEOUT_MS).onSuccess(answers -> {
      Map<String, Long> subscribers = new HashMap<>();
      JsonArray members = new JsonArray();
      for (JsonObject member : answers) {
        JsonArray local = (JsonArray) member.remove("channels");
        for (int i = 0; i < local.size(); i++) {
          JsonObject c = local.getJsonObject(i);
          subscribers.merge(c.getString("channel"), c.getLong("subscribers"), Long::sum);
        }
        members.add(member);
      }
      List<Map.Entry<String, Long>> busiest = subscribers.entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
          .limit(BUSIEST).toList();
      JsonArray top = new JsonArray();
      busiest.forEach(e -> top.add(new JsonObject().put("channel", e.getKey()).put("subscribers", e.getValue())));
      ctx.json(new JsonObject().put("at", clock.millis()).put("members", members).put("channels", top));
    }).onFailure(ctx::fail);
  }

  /** A channel's presence (or subscriber count) and its last publications. */
  private void channel(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    ChannelRule rule;
    try {
      rule = channels.rule(name);
    } catch (ChannelError e) {
      error(ctx, e.httpStatus(), e.getMessage());
      return;
    }
    Future.all(channels.presence(name, rule), channels.history(name, rule, -1, null, HISTORY)).onSuccess(both -> {
      JsonObject presence = both.resultAt(0);
      io.socketpush.channel.History history = both.resultAt(1);
      JsonArray last = new JsonArray();
      history.missed().forEach(e -> last.add(new JsonObject().put("seq", e.seq()).put("ts", e.ts()).put("data", e.data())));
      ctx.json(new JsonObject().put("channel", name).put("presence", presence)
          .put("epoch", history.epoch()).put("top", history.top()).put("history", last));
    }).onFailure(e -> failed(ctx, e));
  }

  /** Publishes the body (JSON) as the server side, as the API key may. */
  private void publish(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    String body = ctx.body().asString();
    if (body == null || body.isBlank()) {
      error(ctx, 400, "the body is the publication's data, as JSON");
      return;
    }
    channels.publishJson(name, body, null, true, null)
        .onSuccess(appended -> ctx.json(new JsonObject().put("channel", name).put("seq", appended.seq())))
        .onFailure(e -> failed(ctx, e));
  }

  /** A user's connections on every member. */
  private void user(RoutingContext ctx) {
    users.connections(ctx.pathParam("user")).onSuccess(ctx::json).onFailure(e -> failed(ctx, e));
  }

  /** Closes a user's connections on every member; the body, optional, is {@code {"code"?,"reason"?}}. */
  private void disconnect(RoutingContext ctx) {
    String user = ctx.pathParam("user");
    String text = ctx.body().asString();
    JsonObject body;
    try {
      body = text == null || text.isBlank() ? null : new JsonObject(text);
    } catch (RuntimeException e) {
      error(ctx, 400, "the body is {\"code\"?:4000-4999,\"reason\"?:…}");
      return;
    }
    users.disconnect(user, body)
        .onSuccess(count -> ctx.json(new JsonObject().put("user", user).put("disconnected", count)))
        .onFailure(e -> failed(ctx, e));
  }

  private static void failed(RoutingContext ctx, Throwable e) {
    if (e instanceof ChannelError refused) {
      error(ctx, refused.httpStatus(), refused.getMessage());
    } else {
      ctx.fail(e);
    }
  }

  private static void error(RoutingContext ctx, int status, String message) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", message).encode());
  }

  private String token() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Compared as digests: equal lengths, so the comparison's time says nothing about the password's length. */
  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }
}
