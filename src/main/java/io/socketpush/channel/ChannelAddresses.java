package io.socketpush.channel;

/**
 * The channels' event-bus addresses. Public API: other Vert.x services on the cluster publish and
 * subscribe on them, so names and formats only ever grow.
 */
public final class ChannelAddresses {
  private ChannelAddresses() {
  }

  /**
   * Publish on a channel from another service (point to point: one member takes it). Body: a JSON object
   * {@code {"channel":"news:sport","data":<any JSON value>}}. The reply is {@code {"channel":…,"seq":N}}
   * once the publication is numbered and kept; a refusal fails the request with the error's code
   * (102 unknown channel, 103 publishing not allowed, 107 bad request, 109 too large, 113 the node holds
   * {@code channels.maxChannels} channels, all with subscribers) and its message.
   * The rule's {@code publish} must be {@code server} or open to clients; {@code time} is read-only.
   */
  public static final String CHANNELS_PUBLISH = "channels.publish";

  /**
   * The channels that have subscribers anywhere in the cluster (request/reply). Body {@code {"pattern":"chat:*"}}
   * (a name, or a prefix ending in {@code *}; absent: all); reply
   * {@code {"channels":[{"channel":"chat:lobby","subscribers":N},…]}}, by name.
   */
  public static final String CHANNELS_LIST = "channels.list";

  /**
   * A channel's kept publications, oldest first (request/reply). Body {@code {"channel":…,"since"?:S,"limit"?:L}}: those
   * with a {@code seq} above S (default: all kept), at most L (default and most: the rule's {@code historySize});
   * reply {@code {"channel":…,"epoch":…,"seq":top,"publications":[{"seq":N,"ts":…,"data":…},…]}}. Fails with 102
   * (no rule matches) or 107.
   */
  public static final String CHANNELS_HISTORY = "channels.history";

  /**
   * One publication to many channels (request/reply), for example to a list of users' personal channels. Body
   * {@code {"channels":["user:1","user:2"],"data":…}} (1 to 1000 channels); reply
   * {@code {"results":[{"channel":"user:1","seq":N},{"channel":…,"error":{"code":…,"message":…}}]}}, in the
   * order asked: each channel is published to on its own, with the same checks as {@code channels.publish}.
   */
  public static final String CHANNELS_BROADCAST = "channels.broadcast";

  /**
   * Every channel publication and presence event, as each member's fan-out receives it; other
   * services may consume it to follow all channels. Body: {@code {"channel":…,"seq":N,"epoch":…,"ts":…,"data":…}}
   * for a publication ({@code seq} increases by exactly 1 within a channel and {@code epoch}), or
   * {@code {"channel":…,"join":{"client":…,"user":…,"name":…}}} / {@code {"channel":…,"leave":{…}}}.
   * Publications of one channel may arrive out of order from different publishers: order by {@code seq}.
   */
  public static final String CHANNEL_PUBLICATIONS = "socket-push.channels.publications";

  /**
   * Per-member questions (the member id is appended: {@code socket-push.node.subscribers.<nodeId>}).
   * Body {@code {"channel":…}}; reply {@code {"count":N}}, the subscribers of the channel on that member.
   */
  public static final String NODE_SUBSCRIBERS = "socket-push.node.subscribers";

  /**
   * Internal, between members (the member id is appended): a publication sent to its channel's owner to
   * be numbered. Body: a {@link ChannelWire#publishRequest} buffer; reply: {@link ChannelWire#appended},
   * or a failure with the channel error code (111: the owner is overloaded).
   */
  public static final String SEQUENCE = "socket-push.channels.sequence";

  /**
   * Internal, between members (the member id is appended): numbered publications of the channels this
   * member has subscribers of, sent by their owner, one message per pass. Body: {@link ChannelWire} batch.
   */
  public static final String DELIVER = "socket-push.channels.deliver";

  /**
   * Internal: presence events (joins and leaves) for every member's fan-outs. Body as on
   * {@link #CHANNEL_PUBLICATIONS}: {@code {"channel":…,"join":{…}}} or {@code {"channel":…,"leave":{…}}}.
   */
  public static final String CHANNEL_PRESENCE = "socket-push.channels.presence";

  /**
   * Per-member question ({@code socket-push.node.channels.<nodeId>}): body {@code {"pattern":…}}; reply
   * {@code {"channels":{"<name>":N,…}}}, the channels with subscribers on that member.
   */
  public static final String NODE_CHANNELS = "socket-push.node.channels";
}
