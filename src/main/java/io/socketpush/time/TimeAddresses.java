package io.socketpush.time;

/**
 * The clock's event-bus address. Public API: other Vert.x services on the cluster subscribe to it,
 * so its name and format only ever grow.
 */
public final class TimeAddresses {
  private TimeAddresses() {
  }

  /**
   * Time ticks, published once per {@code tick.periodMs} by the one ticker of the cluster. Body: a
   * JSON object {@code {"time":"2026.11.25 19:58:08","ts":1795636872927,"zone":"Asia/Shanghai"}};
   * {@code ts} is the epoch milliseconds of publication and never goes backwards, {@code zone} the
   * zone {@code time} is in. More fields may follow.
   */
  public static final String TIME_TICKS = "socket-push.time.ticks";
}
