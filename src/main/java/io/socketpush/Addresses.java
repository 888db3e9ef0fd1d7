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
