package io.socketpush.security;

import io.socketpush.proxy.AppProxy;
import io.vertx.core.Future;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Asks the application who a connection without a token is ({@code proxy.connectUrl}): the answer's
 * {@code user} then works as a JWT subject does. Its refusals become the handshake's: {@code error} a 403
 * (401 where its code is 401 or 101), {@code disconnect} a close with its code, no usable answer a 502
 * (503 when {@code proxy.maxInFlight} calls are waiting).
 */
final class ConnectProxy {
  /** As a channel name: the channels the application subscribes a connection to must exist to be subscribed. */
  private static final Pattern CHANNEL = Pattern.compile("[A-Za-z0-9_\\-.:@=]{1,128}");
  private static final int MAX_NAME = 32;
  private static final int MAX_CHANNELS = 128;

  private final AppProxy proxy;
  private final InstantSource clock;

  /** @param clock the node's clock, against which the application's {@code expireAt} is checked */
  ConnectProxy(AppProxy proxy, InstantSource clock) {
    this.proxy = proxy;
    this.clock = clock;
  }

  /** @param client the id the connection will have if it is accepted */
  Future<TokenAuthenticator.Principal> ask(ServerWebSocketHandshake handshake, String client) {
    JsonObject body = new JsonObject().put("client", client).put("transport", transport(handshake.path()))
        .put("remote", handshake.remoteAddress().hostAddress());
    return proxy.ask(AppProxy.Kind.CONNECT, body, handshake.headers(), this::principal)
        .recover(e -> Future.failedFuture(refusal(e)));
  }

  static Refusal refusal(Throwable e) {
    if (e instanceof AppProxy.Denied denied) {
      if (denied.disconnect()) {
        return new Refusal(403, "proxy disconnect", (short) denied.code(), denied.getMessage());
      }
      return new Refusal(denied.code() == 401 || denied.code() == 101 ? 401 : 403, "proxy refused");
    }
    if (e instanceof AppProxy.Failed failed) {
      return failed.outcome() == AppProxy.Outcome.BUSY ? new Refusal(503, "proxy busy")
          : new Refusal(502, "proxy " + failed.outcome().name().toLowerCase(java.util.Locale.ROOT));
    }
    return new Refusal(500, "internal error");
  }

  /** The transport a connection comes over, by the path it asked for. */
  static String transport(String path) {
    if (path.startsWith("/sse/")) {
      return "sse";
    }
    if (path.startsWith("/sockjs/")) {
      return "sockjs";
    }
    if (path.startsWith("/api/time/next")) {
      return "longpoll";
    }
    if (path.startsWith("/api/")) {
      return "poll"; // asked only where tokens are required and none is sent
    }
    return "websocket";
  }

  /** The application's {@code result}; throws {@link IllegalArgumentException} for one that does not read. */
  TokenAuthenticator.Principal principal(JsonObject result) {
    Object user = result.getValue("user");
    if (user != null && !(user instanceof String)) {
      throw new IllegalArgumentException("user is not a string");
    }
    String subject = user == null || ((String) user).isEmpty() ? null : (String) user;
    if (subject != null && !UserIds.valid(subject)) {
      throw new IllegalArgumentException("user is not a valid user id");
    }
    Object name = result.getValue("name");
    if (name != null && !(name instanceof String)) {
      throw new IllegalArgumentException("name is not a string");
    }
    String display = name == null || ((String) name).isBlank() ? null : ((String) name).strip();
    if (display != null && display.length() > MAX_NAME) {
      display = display.substring(0, MAX_NAME);
    }
    Object expireAt = result.getValue("expireAt");
    if (expireAt != null && !(expireAt instanceof Number)) {
      throw new IllegalArgumentException("expireAt is not a number");
    }
    long expiresAtMs = expireAt == null ? 0 : ((Number) expireAt).longValue() * 1000;
    if (expireAt != null && expiresAtMs <= clock.millis()) {
      throw new IllegalArgumentException("expireAt has passed");
    }
    Object channels = result.getValue("channels");
    List<String> names = new ArrayList<>();
    if (channels != null) {
      if (!(channels instanceof JsonArray array) || array.size() > MAX_CHANNELS) {
        throw new IllegalArgumentException("channels is not an array of at most " + MAX_CHANNELS);
      }
      for (Object channel : array) {
        if (!(channel instanceof String c) || !CHANNEL.matcher(c).matches()) {
          throw new IllegalArgumentException("channels holds something that is not a channel name");
        }
        names.add(c);
      }
    }
    return new TokenAuthenticator.Principal(subject, expiresAtMs, display, List.copyOf(names));
  }
}
