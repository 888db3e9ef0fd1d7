package io.socketpush.channel;

import io.socketpush.config.ChannelRule;
import io.socketpush.config.ChannelRule.Who;
import io.socketpush.proxy.AppProxy;
import io.vertx.core.MultiMap;
import io.socketpush.core.Publication;
import io.socketpush.security.TokenBucket;
import io.socketpush.wire.CloseCodes;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The channel protocol of one connection, whatever carries it (a WebSocket on {@code /ws}, a SockJS
 * session, or an SSE stream that only {@link #follow follows} one channel): requests in, replies and
 * publications out. Every request has an {@code id} and gets one reply, {@code {"id":…,"result":{…}}}
 * or {@code {"id":…,"error":{"code":…,"message":…}}}; a request that cannot be read at all gets an
 * error without an id. Lives on its connection's event loop.
 */
public final class ChannelConnection {
  private static final Logger LOG = LoggerFactory.getLogger(ChannelConnection.class);

  /** What the protocol needs of the transport under it. */
  public interface Link {
    /** Sends a reply (a JSON text). */
    void reply(String json);

    /** Sends a publication or presence event in the transport's encoding, or skips it if the connection is full. */
    void deliver(Publication publication);

    /** Closes the connection with a WebSocket close code and reason. */
    void close(short code, String reason);
  }

  /**
   * Publications of one connection waiting for their number: beyond, it is refused (111) at once. Keeps a
   * client that publishes faster than its channels' owners answer from queueing without bound.
   */
  /** The longest string {@code id} a request may carry: each reply repeats it. */
  static final int MAX_ID_LENGTH = 64;
  static final int MAX_IN_FLIGHT = 100;
  /** Not a member id: a publication waiting for the application is no owner's, so the next one waits behind it. */
  private static final String ASKING_THE_APPLICATION = "";

  private final ChannelFanOut fanOut;
  private final ChannelService service;
  private final Link link;
  private final Client client;
  private final String subject;
  private final TokenBucket publishes;
  private final int publishesPerSecond;
  private final TokenBucket requests;
  private final MultiMap headers;
  private final Map<String, ChannelSubscription> subscriptions = new LinkedHashMap<>();
  private int refusedInARow;
  private Future<?> publishing = Future.succeededFuture();
  private String publishingTo;
  private int inFlight;
  private boolean closed;

  /**
   * @param id      the connection's id, unique in the cluster
   * @param subject the JWT subject, or null for an anonymous client
   * @param name    a display name the client chose (not authenticated), or null
   */
  public ChannelConnection(ChannelFanOut fanOut, Link link, String id, String subject, String name) {
    this(fanOut, link, id, subject, name, null);
  }

  /** @param headers the request that opened the connection: those of {@code proxy.headers} go with each proxy call */
  public ChannelConnection(ChannelFanOut fanOut, Link link, String id, String subject, String name, MultiMap headers) {
    this.fanOut = fanOut;
    this.service = fanOut.service();
    this.headers = service.proxy() == null ? null : service.proxy().kept(headers); // not the whole request, for the socket's life
    this.link = link;
    this.subject = subject;
    this.client = service.client(id, subject, name);
    this.publishesPerSecond = service.config().publishesPerSecond();
    this.publishes = new TokenBucket(publishesPerSecond, service.clock());
    this.requests = new TokenBucket(service.config().requestsPerSecond(), service.clock());
  }

  public Client client() {
    return client;
  }

  /** One whole text message from the client. */
  public void handle(String text) {
    if (tooMany()) {
      return;
    }
    JsonObject request;
    try {
      request = new JsonObject(text);
    } catch (DecodeException e) {
      link.reply(error(null, new ChannelError(ChannelError.BAD_REQUEST, "a request is a JSON object")));
      return;
    }
    Object id = request.getValue("id");
    if (!(id instanceof Number || id instanceof String)) {
      link.reply(error(null, new ChannelError(ChannelError.BAD_REQUEST, "every request needs an 'id' (a number or a string)")));
      return;
    }
    if (id instanceof String idText && idText.length() > MAX_ID_LENGTH) { // every reply repeats it: never a client's megabyte
      link.reply(error(null, new ChannelError(ChannelError.BAD_REQUEST, "an 'id' string is at most " + MAX_ID_LENGTH + " characters")));
      return;
    }
    Future<Reply> result;
    try {
      result = dispatch(request);
    } catch (ChannelError e) {
      result = Future.failedFuture(e);
    } catch (ClassCastException e) {
      result = Future.failedFuture(new ChannelError(ChannelError.BAD_REQUEST, "a field has the wrong type"));
    }
    result.onComplete(done -> {
      if (closed) {
        return;
      }
      if (done.succeeded()) {
        link.reply(new JsonObject().put("id", id).put("result", done.result().result()).encode());
        if (done.result().then() != null) {
          done.result().then().run();
        }
      } else {
        link.reply(error(id, done.cause()));
      }
    });
  }

  /** A message the protocol cannot read (binary): answered, never dropped silently. */
  public void unreadable(String why) {
    if (tooMany()) {
      return;
    }
    link.reply(error(null, new ChannelError(ChannelError.BAD_REQUEST, why)));
  }

  /**
   * Counts a message against {@code channels.requestsPerSecond}, here rather than in a transport because
   * a SockJS frame may batch many messages; closes the connection (1008) beyond it.
   */
  private boolean tooMany() {
    if (closed) {
      return true;
    }
    if (!requests.tryTake()) {
      link.close(CloseCodes.POLICY_VIOLATION, "too many messages");
      return true;
    }
    return false;
  }

  /**
   * Subscribes without a request, for a transport that follows one channel per connection and sends
   * nothing (SSE): {@code announce} gets the subscribe result before the first publication is passed
   * on (the missed ones, when it recovers, or the {@code recent} last ones, then live ones). Fails with
   * a {@link ChannelError} if the channel is unknown, not allowed, or its history could not be read.
   */
  public Future<JsonObject> follow(String channel, long since, String epoch, int recent, Consumer<JsonObject> announce) {
    Future<Reply> subscribed;
    try {
      subscribed = subscribe(channel, since, epoch, recent);
    } catch (ChannelError e) {
      return Future.failedFuture(e);
    }
    return subscribed.map(reply -> {
      announce.accept(reply.result());
      reply.then().run();
      return reply.result();
    });
  }

  /**
   * Subscribes to the channels the application named when it accepted the connection (the connect proxy's
   * {@code channels}), without a request: each gets {@code {"subscribed":{"channel":…,"epoch":…,"seq":…}}}, or
   * {@code {"subscribed":{"channel":…,"error":{"code":…,"message":…}}}} if it cannot be (the same checks as a request).
   */
  public void subscribeAtOnce(java.util.List<String> channels) {
    for (String channel : channels) {
      Future<Reply> subscribed;
      try {
        subscribed = subscribe(channel, -1, "", 0);
      } catch (ChannelError e) {
        subscribed = Future.failedFuture(e);
      }
      subscribed.onComplete(done -> {
        if (closed) {
          return;
        }
        if (done.succeeded()) {
          link.reply(new JsonObject().put("subscribed", done.result().result()).encode());
          done.result().then().run();
        } else {
          ChannelError error = done.cause() instanceof ChannelError e ? e : new ChannelError(ChannelError.INTERNAL, "internal error");
          link.reply(new JsonObject().put("subscribed", new JsonObject().put("channel", channel)
              .put("error", new JsonObject().put("code", error.code()).put("message", error.getMessage()))).encode());
        }
      });
    }
  }

  /** A result, and what to send after it (a subscription's missed publications follow its reply). */
  private record Reply(JsonObject result, Runnable then) {
    static Reply of(JsonObject result) {
      return new Reply(result, null);
    }
  }

  private Future<Reply> dispatch(JsonObject request) {
    String op = request.getString("op");
    if (op == null) {
      throw new ChannelError(ChannelError.BAD_REQUEST, "a request needs an 'op'");
    }
    switch (op) {
      case "subscribe":
        return subscribe(channel(request), request.getLong("since", -1L), request.getString("epoch", ""),
            request.getInteger("recent", 0));
      case "unsubscribe":
        return unsubscribe(channel(request)).map(Reply::of);
      case "publish":
        return publish(channel(request), request.getValue("data"), idempotencyKey(request)).map(Reply::of);
      case "presence":
        return presence(channel(request)).map(Reply::of);
      case "ping":
        return Future.succeededFuture(Reply.of(new JsonObject()));
      default:
        throw new ChannelError(ChannelError.METHOD_NOT_FOUND, "unknown op '" + ChannelError.quote(op) + "': subscribe, unsubscribe, publish, presence or ping");
    }
  }

  /** The publish's {@code idempotencyKey}, or null; its length and characters are checked with the publication. */
  private static String idempotencyKey(JsonObject request) {
    Object key = request.getValue("idempotencyKey");
    if (key != null && !(key instanceof String)) {
      throw new ChannelError(ChannelError.BAD_REQUEST, "'idempotencyKey' is a string");
    }
    return (String) key;
  }

  private static String channel(JsonObject request) {
    if (!(request.getValue("channel") instanceof String channel)) {
      throw new ChannelError(ChannelError.BAD_REQUEST, "a request on a channel needs 'channel' (a string)");
    }
    return channel;
  }

  private Future<Reply> subscribe(String channel, long since, String epoch, int recent) {
    ChannelRule rule = service.rule(channel);
    ChannelService.checkSubscribe(rule, channel, subject);
    if (subscriptions.containsKey(channel)) {
      throw new ChannelError(ChannelError.ALREADY_SUBSCRIBED, "already subscribed to " + ChannelError.quote(channel));
    }
    if (subscriptions.size() >= service.config().maxPerConnection()) {
      throw new ChannelError(ChannelError.LIMIT_EXCEEDED, "at most " + service.config().maxPerConnection() + " channels per connection");
    }
    if (since < -1) {
      throw new ChannelError(ChannelError.BAD_REQUEST, "'since' is a sequence number, 0 or more");
    }
    if (recent < 0) {
      throw new ChannelError(ChannelError.BAD_REQUEST, "'recent' is a number of publications, 0 or more");
    }
    ChannelSubscription sub = new ChannelSubscription(channel, rule, link::deliver);
    subscriptions.put(channel, sub);
    Future<Object> allowed = rule.subscribe() == Who.PROXY ? ask(AppProxy.Kind.SUBSCRIBE, channel, null) : Future.succeededFuture();
    return allowed.compose(ok -> fanOut.join(sub, since, epoch, recent)).compose(history -> {
      if (subscriptions.get(channel) != sub) {
        return Future.failedFuture(new ChannelError(ChannelError.NOT_SUBSCRIBED, "unsubscribed before the subscription completed"));
      }
      JsonObject result = new JsonObject().put("channel", channel).put("epoch", history.epoch()).put("seq", history.top());
      if (history.asked()) {
        result.put("recovered", history.recovered());
      } else if (recent > 0) {
        result.put("recent", history.missed().size()); // the last ones kept, seq - recent + 1 to seq, follow
      }
      if (rule.presence()) {
        service.join(channel, client).onFailure(e -> LOG.warn("presence join on {} failed: {}", channel, e.toString()));
      }
      return Future.succeededFuture(new Reply(result, () -> {
        if (!sub.joined(history, service.clock().millis())) {
          LOG.warn("subscription to {} could not hold what came while it joined", channel);
        }
      }));
    }, failure -> {
      subscriptions.remove(channel, sub);
      return Future.failedFuture(failure instanceof ChannelError ? failure
          : new ChannelError(ChannelError.INTERNAL, "the channel's history could not be read: try again"));
    });
  }

  private Future<JsonObject> unsubscribe(String channel) {
    ChannelSubscription sub = subscriptions.remove(channel);
    if (sub == null) {
      throw new ChannelError(ChannelError.NOT_SUBSCRIBED, "not subscribed to " + ChannelError.quote(channel));
    }
    leave(sub);
    return Future.succeededFuture(new JsonObject());
  }

  private Future<JsonObject> publish(String channel, Object data, String key) {
    if (!publishes.tryTake()) {
      if (++refusedInARow > publishesPerSecond) {
        link.close(CloseCodes.POLICY_VIOLATION, "too many publications");
      }
      throw new ChannelError(ChannelError.TOO_MANY_REQUESTS, "over " + publishesPerSecond + " publications per second");
    }
    refusedInARow = 0;
    if (inFlight >= MAX_IN_FLIGHT) {
      service.refusedInFlight();
      throw new ChannelError(ChannelError.TOO_MANY_REQUESTS, MAX_IN_FLIGHT + " publications of this connection are still being numbered");
    }
    // a client's publications are numbered in the order it sent them: those that go to the same owner go
    // at once (one path, first in first out: the owner numbers them in that order); a publication for
    // another owner waits until those in flight are answered
    ChannelRule rule = service.rule(channel);
    String owner = service.ownerOf(channel);
    Future<ChannelBackend.Appended> numbered;
    if (rule.publish() == Who.PROXY) {
      // the application approves (and may rewrite) it first, so it waits its turn; it goes out as the server side's
      numbered = publishing.transform(previous -> ask(AppProxy.Kind.PUBLISH, channel, data)
          .compose(approved -> service.publish(channel, approved, subject, true, key)));
      owner = ASKING_THE_APPLICATION; // the next publication waits for this one, whatever its owner
    } else if (inFlight == 0 || owner.equals(publishingTo)) {
      numbered = service.publish(channel, data, subject, false, key);
    } else {
      numbered = publishing.transform(previous -> service.publish(channel, data, subject, false, key));
    }
    publishingTo = owner;
    inFlight++;
    publishing = numbered.andThen(done -> inFlight--);
    return numbered.map(appended -> new JsonObject().put("channel", channel).put("seq", appended.seq()));
  }

  /**
   * Asks the application whether this connection may subscribe or publish; completes with the data to publish
   * (the application's, if it rewrote it). Its {@code error} is the client's error, its {@code disconnect}
   * closes the connection, no usable answer is error 100.
   */
  private Future<Object> ask(AppProxy.Kind kind, String channel, Object data) {
    AppProxy proxy = service.proxy();
    if (proxy == null || !proxy.asks(kind)) {
      return Future.failedFuture(new ChannelError(ChannelError.PERMISSION_DENIED, "no proxy.subscribeUrl or proxy.publishUrl is set"));
    }
    JsonObject body = new JsonObject().put("client", client.id()).put("user", subject).put("channel", channel);
    if (kind == AppProxy.Kind.PUBLISH) {
      body.put("data", data);
    }
    return proxy.ask(kind, body, headers, result -> result.containsKey("data") ? result.getValue("data") : data)
        .recover(e -> {
          if (e instanceof AppProxy.Denied denied && denied.disconnect()) {
            link.close((short) denied.code(), denied.getMessage());
            return Future.failedFuture(new ChannelError(ChannelError.PERMISSION_DENIED, denied.getMessage()));
          }
          if (e instanceof AppProxy.Denied denied) {
            return Future.failedFuture(new ChannelError(denied.code(), denied.getMessage()));
          }
          return Future.failedFuture(new ChannelError(ChannelError.INTERNAL, "the application did not answer: try again"));
        });
  }

  private Future<JsonObject> presence(String channel) {
    ChannelRule rule = service.rule(channel);
    ChannelService.checkSubscribe(rule, channel, subject);
    return service.presence(channel, rule);
  }

  /** The connection is gone: leaves every channel (and every presence list). */
  public void closed() {
    closed = true;
    for (ChannelSubscription sub : new ArrayList<>(subscriptions.values())) {
      leave(sub);
    }
    subscriptions.clear();
  }

  private void leave(ChannelSubscription sub) {
    fanOut.leave(sub);
    if (sub.rule().presence()) {
      service.leave(sub.channel(), client).onFailure(e -> LOG.warn("presence leave on {} failed: {}", sub.channel(), e.toString()));
    }
  }

  private static String error(Object id, Throwable cause) {
    ChannelError error = cause instanceof ChannelError e ? e : new ChannelError(ChannelError.INTERNAL, "internal error");
    if (!(cause instanceof ChannelError)) {
      LOG.warn("channel request failed: {}", cause.toString());
    }
    JsonObject reply = new JsonObject();
    if (id != null) {
      reply.put("id", id);
    }
    return reply.put("error", new JsonObject().put("code", error.code()).put("message", error.getMessage())).encode();
  }
}
