package io.socketpush;

/**
 * The event-bus addresses of socket-push. They are public API: other Vert.x services on the
 * cluster subscribe to them and publish on them, so names and formats only ever grow.
 */
public final class Addresses {
  private Addresses() {
  }

  /**
   * Time ticks, published once per {@code tick.periodMs} by the one ticker of the cluster. Body: a
   * JSON object {@code {"time":"2026.11.25 19:58:08","ts":1795636872927,"zone":"Asia/Shanghai"}};
   * {@code ts} is the epoch milliseconds of publication and never goes backwards, {@code zone} the
   * zone {@code time} is in. More fields may follow.
   */
  public static final String TIME_TICKS = "socket-push.time.ticks";

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
   * A {@code /ws/bench} broadcast, asked of every member once (only with {@code bench.enabled}):
   * each member answers on {@code socket-push.bench.broadcast.<nodeId>} (see
   * {@link io.socketpush.cluster.ClusterNodes}). Question: {@code {"broadcast":{"type":"broadcast","payload":P},
   * "except":"<loop>"}}; the member writes {@code broadcast} to its {@code /ws/bench} sockets on every
   * event loop but the one named {@code except} (the sender's, which writes it itself; optional)
   * and answers {@code {"sent":N}}, the sockets it was sent to: handed to their event loops for
   * writing, the answer does not wait for the writes.
   */
  public static final String BENCH_BROADCAST = "socket-push.bench.broadcast";
}
