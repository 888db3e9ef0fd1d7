package io.socketpush.channel;

import io.socketpush.cluster.ClusterNodes;
import io.socketpush.config.ChannelConfig;
import io.socketpush.config.ChannelRule;
import io.socketpush.config.ChannelRule.Who;
import io.socketpush.core.PushStats;
import io.socketpush.proxy.AppProxy;
import io.socketpush.time.TickFanOut;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

/**
 * The channels of one node: who may do what (the rules), publishing (hand it to the channel's owner,
 * which numbers it and sends it to the members with subscribers), recovery and presence. Shared by the
 * node's event loops; holds no per-connection state.
 */
public final class ChannelService {
  private static final Logger LOG = LoggerFactory.getLogger(ChannelService.class);
  private static final long ASK_TIMEOUT_MS = 2000;
  /**
   * A publish whose channel's owner does not answer within this long (it died, or the network between
   * them did) fails with 100; the publication may or may not have been numbered.
   */
  static final long OWNER_TIMEOUT_MS = 5000;

  private final Vertx vertx;
  private final ChannelConfig config;
  private final ChannelBackend backend;
  private final ClusterNodes nodes;
  private final PushStats stats;
  private final AppProxy proxy;
  private final ChannelDeliveries deliveries = new ChannelDeliveries();
  private final ChannelInterest interest;
  private final Counter refusedOverloaded;
  private final Counter refusedInFlight;
  private final Counter ownerTimeouts;
  private final Counter unconfirmed;
  private final InstantSource clock;
  private volatile ChannelSequencer sequencer;

  public ChannelService(Vertx vertx, ChannelConfig config, ChannelBackend backend, PushStats stats) {
    this(vertx, config, backend, stats, null, InstantSource.system());
  }

  /**
   * @param proxy the application, asked on channels whose rule says {@code proxy}; or null
   * @param clock the node's clock (publication times, rates, gap deadlines): the system's but in tests
   */
  public ChannelService(Vertx vertx, ChannelConfig config, ChannelBackend backend, PushStats stats, AppProxy proxy,
                        InstantSource clock) {
    this.proxy = proxy;
    this.clock = clock;
    this.vertx = vertx;
    this.config = config;
    this.backend = backend;
    this.nodes = new ClusterNodes(vertx);
    this.stats = stats;
    this.interest = new ChannelInterest(backend, nodes.localId());
    this.refusedOverloaded = Counter.builder("socketpush.channels.refused").tag("reason", "owner-overloaded")
        .description("publications refused (111) because their channel's owner had " + ChannelSequencer.MAX_PENDING
            + " waiting to be numbered or confirmed").register(stats.registry());
    this.ownerTimeouts = Counter.builder("socketpush.channels.owner.unanswered")
        .description("publications failed with 100: their channel's owner did not answer within " + OWNER_TIMEOUT_MS + " ms")
        .register(stats.registry());
    this.unconfirmed = Counter.builder("socketpush.channels.unconfirmed")
        .description("publications numbered by this member as their channel's owner and failed with 100 because a "
            + "majority of the members did not confirm them within " + ChannelSequencer.CONFIRM_TIMEOUT_MS + " ms")
        .register(stats.registry());
    this.refusedInFlight = Counter.builder("socketpush.channels.refused").tag("reason", "connection-in-flight")
        .description("publications refused (111) because their connection had " + ChannelConnection.MAX_IN_FLIGHT
            + " waiting for their number").register(stats.registry());
  }

  /** Starts numbering the channels this member owns, on the given context (the channels verticle's). */
  ChannelSequencer startSequencer(Context context) {
    ChannelSequencer s = new ChannelSequencer(vertx, context, backend, this, nodes.clustered());
    Gauge.builder("socketpush.channels.pending", s, ChannelSequencer::pending)
        .description("publications waiting on this member to be numbered (at most " + ChannelSequencer.MAX_PENDING + ")")
        .register(stats.registry());
    sequencer = s;
    return s;
  }

  /** The node's clock: every time the channels read comes from it. */
  public InstantSource clock() {
    return clock;
  }

  ChannelDeliveries deliveries() {
    return deliveries;
  }

  ChannelInterest interest() {
    return interest;
  }

  void published(String channel) {
    stats.channelPublished(config.label(channel));
  }

  void refusedOverloaded() {
    refusedOverloaded.increment();
  }

  void unconfirmed(int publications) {
    unconfirmed.increment(publications);
  }

  void refusedInFlight() {
    refusedInFlight.increment();
  }

  /** The member that numbers the channel's publications (this one's id standalone, or while not known). */
  String ownerOf(String channel) {
    String owner = backend.ownerOf(channel);
    return owner == null ? nodes.localId() : owner;
  }

  /** Whether numbered publications go to {@link ChannelAddresses#CHANNEL_PUBLICATIONS} for other services. */
  boolean hasFollowers() {
    return true;
  }

  public ChannelConfig config() {
    return config;
  }

  /** The application's proxy, or null where no proxy URL is set. */
  public AppProxy proxy() {
    return proxy;
  }

  public ClusterNodes nodes() {
    return nodes;
  }

  ChannelBackend backend() {
    return backend;
  }

  /** The rule of a channel; throws 107 for a malformed name, 102 when no rule matches. */
  public ChannelRule rule(String channel) {
    if (!ChannelConfig.validName(channel)) {
      throw new ChannelError(ChannelError.BAD_REQUEST, "a channel name is 1 to 128 letters, digits or _-.:@=");
    }
    ChannelRule rule = config.rule(channel);
    if (rule == null) {
      throw new ChannelError(ChannelError.UNKNOWN_CHANNEL, "no channel rule matches '" + ChannelError.quote(channel) + "'");
    }
    return rule;
  }

  /**
   * Throws unless a client with this user (the JWT subject or the connect proxy's user; null: anonymous) may
   * subscribe to the channel (and see its presence). A personal channel is its owner's only. A rule of
   * {@code proxy} passes here: the connection then asks the application.
   */
  public static void checkSubscribe(ChannelRule rule, String channel, String subject) {
    check(rule.subscribe(), subject, false, "subscribing");
    String owner = rule.owner(channel);
    if (owner != null && !owner.equals(subject)) {
      throw new ChannelError(subject == null ? ChannelError.UNAUTHORIZED : ChannelError.PERMISSION_DENIED,
          "a personal channel is for its own user only");
    }
  }

  /** Throws unless the publisher may publish: a client with a subject (null: anonymous), or the server side. */
  public static void checkPublish(ChannelRule rule, String subject, boolean server) {
    if (rule.publish() == Who.PROXY && !server) {
      // a connection asks the application first, then publishes what it approved as the server side; REST clients cannot
      throw new ChannelError(ChannelError.PERMISSION_DENIED, "publishing on this channel is decided by the application: publish over a connection");
    }
    check(rule.publish(), subject, server, "publishing");
  }

  private static void check(Who who, String subject, boolean server, String what) {
    if (who == Who.NOBODY) {
      throw new ChannelError(ChannelError.PERMISSION_DENIED, what + " is not allowed on this channel");
    }
    if (server) {
      return; // the API key and the event bus may do anything a rule allows anybody
    }
    if (who == Who.SERVER) {
      throw new ChannelError(ChannelError.PERMISSION_DENIED, what + " is for the server side only on this channel");
    }
    if (who == Who.AUTHENTICATED && subject == null) {
      throw new ChannelError(ChannelError.UNAUTHORIZED, what + " on this channel needs a token");
    }
  }

  /**
   * Publishes after the permission check: the data ({@code undefined} is not JSON: null is refused) is
   * numbered and kept by the backend, then published to every member. Completes with its position
   * once it is numbered and kept; fails with a {@link ChannelError}.
   */
  public Future<ChannelBackend.Appended> publish(String channel, Object data, String subject, boolean server) {
    return publish(channel, data, subject, server, null);
  }

  /**
   * As {@link #publish(String, Object, String, boolean)}, with the publisher's idempotency key (null: none): a
   * publication with a key the channel's log remembers ({@code channels.idempotencyWindowMs}) is not published
   * again, and is answered with the first one's position. A key that is not {@link #validIdempotencyKey} fails
   * with 107.
   */
  public Future<ChannelBackend.Appended> publish(String channel, Object data, String subject, boolean server, String key) {
    ChannelRule rule;
    String json;
    try {
      if (key != null && !validIdempotencyKey(key)) {
        throw new ChannelError(ChannelError.BAD_REQUEST,
            "an idempotency key is 1 to " + MAX_IDEMPOTENCY_KEY + " of A-Z a-z 0-9 _ - . : @ =");
      }
      rule = rule(channel);
      if (channel.equals(TickFanOut.CHANNEL)) {
        throw new ChannelError(ChannelError.PERMISSION_DENIED, "the time channel is read-only");
      }
      checkPublish(rule, subject, server);
      if (data == null) {
        throw new ChannelError(ChannelError.BAD_REQUEST, "a publication needs 'data'");
      }
      if (!finite(data)) { // 1e400 parses as Infinity, which JSON cannot carry: it would go out as "Infinity"
        throw new ChannelError(ChannelError.BAD_REQUEST, "a number in data is out of range");
      }
      json = Json.encode(data);
      if (json.getBytes(StandardCharsets.UTF_8).length > rule.maxMessageBytes()) {
        throw new ChannelError(ChannelError.TOO_LARGE, "data is over " + rule.maxMessageBytes() + " bytes");
      }
    } catch (ChannelError e) {
      return Future.failedFuture(e);
    }
    return number(channel, rule, json, clock.millis(), key == null ? null : scoped(key, subject, server));
  }

  /**
   * A key as the log remembers it: within its publisher's scope, so that nobody can take another's key and have
   * their publication answered as a repeat of his. A user (JWT subject), the server side (API key, event bus) and
   * anonymous clients each have their own keys; anonymous clients share theirs (they should use random ones).
   * {@code /} is not in a key's alphabet: the last one ends the scope, whatever the subject holds.
   */
  static String scoped(String key, String subject, boolean server) {
    return subject != null ? "u" + subject + "/" + key : server ? "s/" + key : "a/" + key;
  }

  /** The longest idempotency key: every log remembers up to {@link IdempotencyWindow#MAX} of them. */
  public static final int MAX_IDEMPOTENCY_KEY = 64;

  /** 1 to {@value #MAX_IDEMPOTENCY_KEY} of the characters of a channel name: {@code A-Z a-z 0-9 _ - . : @ =}. */
  public static boolean validIdempotencyKey(String key) {
    return key.length() <= MAX_IDEMPOTENCY_KEY && io.socketpush.config.ChannelConfig.validName(key);
  }

  /** Hands the publication to its channel's owner: this member's sequencer, or another member's over the event bus. */
  private Future<ChannelBackend.Appended> number(String channel, ChannelRule rule, String json, long ts, String key) {
    String owner = ownerOf(channel);
    if (owner.equals(nodes.localId())) {
      return sequencer.submit(channel, rule, json, ts, key);
    }
    return OwnerRoutes.of(vertx, () -> new OwnerRoutes(vertx, vertx.getOrCreateContext(), OWNER_TIMEOUT_MS, this))
        .send(owner, channel, rule, json, ts, key);
  }

  /** Numbers on this member, whoever owns the channel (Hazelcast's entry processor goes to the owner). */
  Future<ChannelBackend.Appended> numberLocally(String channel, ChannelRule rule, String json, long ts, String key) {
    return sequencer.submit(channel, rule, json, ts, key);
  }

  void ownerDidNotAnswer(int publications) {
    ownerTimeouts.increment(publications);
  }

  /** Publications sent to this member, their channels' owner, to be numbered; the answers in their order. */
  Future<Buffer> numberHere(Buffer requests) {
    List<ChannelWire.PublishRequest> batch = ChannelWire.readPublishRequests(requests);
    List<Future<ChannelBackend.Appended>> numbered = new ArrayList<>(batch.size());
    for (ChannelWire.PublishRequest r : batch) {
      try {
        numbered.add(sequencer.submit(r.channel(), rule(r.channel()), r.dataJson(), r.ts(), r.key()));
      } catch (ChannelError e) {
        numbered.add(Future.failedFuture(e));
      }
    }
    return Future.join(numbered).transform(all -> {
      Buffer answers = Buffer.buffer(32 * batch.size());
      for (Future<ChannelBackend.Appended> f : numbered) {
        ChannelError refused = f.succeeded() ? null
            : f.cause() instanceof ChannelError e ? e : new ChannelError(ChannelError.INTERNAL, "internal error");
        ChannelWire.appendAnswer(answers, f.result(), refused);
      }
      return Future.succeededFuture(answers);
    });
  }

  /** Whether every number in decoded JSON is finite. */
  static boolean finite(Object value) {
    if (value instanceof Double d) {
      return Double.isFinite(d);
    }
    if (value instanceof Float f) {
      return Float.isFinite(f);
    }
    if (value instanceof JsonObject object) {
      return object.stream().allMatch(e -> finite(e.getValue()));
    }
    if (value instanceof JsonArray array) {
      return array.stream().allMatch(ChannelService::finite);
    }
    if (value instanceof java.util.Map<?, ?> map) {
      return map.values().stream().allMatch(ChannelService::finite);
    }
    if (value instanceof java.util.List<?> list) {
      return list.stream().allMatch(ChannelService::finite);
    }
    return true;
  }

  /** Publishes from the event bus or REST, where data arrives as JSON text. */
  public Future<ChannelBackend.Appended> publishJson(String channel, String dataJson, String subject, boolean server, String key) {
    Object data;
    try {
      data = Json.decodeValue(dataJson);
    } catch (DecodeException e) {
      return Future.failedFuture(new ChannelError(ChannelError.BAD_REQUEST, "the body is not JSON"));
    }
    return publish(channel, data, subject, server, key);
  }

  public Future<History> history(String channel, ChannelRule rule, long since, String epoch, int recent) {
    return backend.history(channel, rule, since, epoch, recent);
  }

  /** A local subscriber joins: this member's interest in the channel is recorded with the history read. */
  Future<History> subscribe(String channel, ChannelRule rule, long since, String epoch, int recent) {
    return interest.joined(channel, (node, gen) -> backend.subscribe(channel, rule, since, epoch, recent, node, gen));
  }

  /** A local subscriber left; the member's interest goes with its last one. */
  void unsubscribed(String channel) {
    interest.left(channel);
  }

  /** Adds a client to a presence channel and announces it if it is new. */
  public Future<Void> join(String channel, Client client) {
    return backend.join(channel, client).onSuccess(added -> {
      if (added) {
        announce(channel, "join", client);
      }
    }).mapEmpty();
  }

  /** Removes a client from a presence channel and announces it if it was there. */
  public Future<Void> leave(String channel, Client client) {
    return backend.leave(channel, client.id()).onSuccess(removed -> {
      if (removed) {
        announce(channel, "leave", client);
      }
    }).mapEmpty();
  }

  void announce(String channel, String event, Client client) {
    JsonObject message = new JsonObject().put("channel", channel).put(event, client.toJson());
    vertx.eventBus().publish(ChannelAddresses.CHANNEL_PRESENCE, message);
    vertx.eventBus().publish(ChannelAddresses.CHANNEL_PUBLICATIONS, message);
  }

  /**
   * Who is in a channel: {@code {"channel":…,"count":N}}, plus {@code "clients":[…]} where the rule
   * keeps presence (the count is then the list's length). The count of other channels is asked of
   * every member: their local subscribers, over every transport.
   */
  public Future<JsonObject> presence(String channel, ChannelRule rule) {
    JsonObject answer = new JsonObject().put("channel", channel);
    if (rule.presence()) {
      return backend.present(channel).map(clients -> {
        JsonArray list = new JsonArray();
        clients.forEach(c -> list.add(c.toJson()));
        return answer.put("count", clients.size()).put("clients", list);
      });
    }
    return nodes.askAll(ChannelAddresses.NODE_SUBSCRIBERS, new JsonObject().put("channel", channel), ASK_TIMEOUT_MS)
        .map(answers -> answer.put("count", answers.stream().mapToLong(a -> a.getLong("count", 0L)).sum()));
  }

  /** This member's answer to {@link ChannelAddresses#NODE_SUBSCRIBERS}. */
  JsonObject localSubscribers(JsonObject question) {
    return new JsonObject().put("count", stats.subscribers(question.getString("channel", "")));
  }

  /** A client in presence lists: its id is unique in the cluster and names its member. */
  public Client client(String id, String subject, String name) {
    return new Client(id, subject, name, nodes.localId());
  }
}
