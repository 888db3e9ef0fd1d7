package io.socketpush.config;

import io.vertx.core.json.JsonObject;

import java.util.Locale;

/**
 * What may happen on the channels whose name matches {@link #pattern}: {@code chat:*} matches every
 * name that starts with {@code chat:}, a pattern without {@code *} one name only.
 *
 * @param subscribe       who may subscribe: {@code anyone}, {@code authenticated} (a socket with a valid JWT) or {@code nobody}
 * @param publish         who may publish: {@code anyone}, {@code authenticated}, {@code server} (the REST API with the
 *                        API key, and the event bus) or {@code nobody}
 * @param maxMessageBytes largest publication, its {@code data} as JSON; a larger one is refused with an error
 * @param historySize     publications kept for recovery (0: none, but publications are still numbered)
 * @param historyTtlMs    how long a kept publication may be recovered
 * @param presence        whether the channel keeps the list of its subscribers and announces joins and leaves
 * @param personal        one user's channel: only the connection whose user is the part of the name after the
 *                        pattern's prefix may subscribe ({@code user:42} on {@code user:*}: user {@code 42}), on any
 *                        member and transport; the server side reaches every tab and device of that user through it
 */
public record ChannelRule(String pattern, Who subscribe, Who publish, int maxMessageBytes, int historySize,
                          long historyTtlMs, boolean presence, boolean personal) {

  public ChannelRule(String pattern, Who subscribe, Who publish, int maxMessageBytes, int historySize,
                     long historyTtlMs, boolean presence) {
    this(pattern, subscribe, publish, maxMessageBytes, historySize, historyTtlMs, presence, false);
  }

  /** Who may do something on a channel; {@code PROXY}: whoever the application says, asked each time. */
  public enum Who {
    ANYONE, AUTHENTICATED, SERVER, NOBODY, PROXY;

    static Who parse(String field, String raw, boolean serverAllowed) {
      try {
        Who who = valueOf(raw.toUpperCase(Locale.ROOT));
        if (who == SERVER && !serverAllowed) {
          throw new IllegalArgumentException();
        }
        return who;
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(field + " '" + raw + "' must be one of anyone, authenticated, "
            + (serverAllowed ? "server, " : "") + "proxy, nobody");
      }
    }
  }

  /** The user a personal channel belongs to: the name after the pattern's prefix; null if the rule is not personal. */
  public String owner(String channel) {
    return personal ? channel.substring(pattern.length() - 1) : null;
  }

  public boolean matches(String channel) {
    return pattern.endsWith("*") ? channel.startsWith(pattern.substring(0, pattern.length() - 1)) : channel.equals(pattern);
  }

  private static boolean personal(String pattern, JsonObject json) {
    boolean personal = json.getBoolean("personal", false);
    if (personal && !pattern.endsWith("*")) {
      throw new IllegalArgumentException("a personal rule is a prefix ending in '*' (user:*): the user is the rest of the name");
    }
    return personal;
  }

  static ChannelRule fromJson(JsonObject json) {
    String pattern = json.getString("pattern");
    if (pattern == null || pattern.isEmpty() || pattern.indexOf('*') >= 0 && pattern.indexOf('*') != pattern.length() - 1) {
      throw new IllegalArgumentException("a rule needs a 'pattern': a channel name, or a prefix ending in '*'");
    }
    String where = "rule '" + pattern + "': ";
    try {
      int maxBytes = json.getInteger("maxMessageBytes", 65536);
      int historySize = json.getInteger("historySize", 100);
      long ttl = json.getLong("historyTtlMs", 300_000L);
      if (maxBytes < 0 || historySize < 0 || historySize > 10_000 || ttl < 0) {
        throw new IllegalArgumentException("maxMessageBytes and historyTtlMs must be ≥ 0, historySize 0 to 10000");
      }
      return new ChannelRule(pattern,
          Who.parse("subscribe", json.getString("subscribe", "anyone"), false),
          Who.parse("publish", json.getString("publish", "server"), true),
          maxBytes, historySize, ttl, json.getBoolean("presence", false), personal(pattern, json));
    } catch (ClassCastException e) {
      throw new IllegalArgumentException(where + "a field has the wrong type");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + e.getMessage());
    }
  }
}
