package io.socketpush.push;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.json.JsonObject;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * One message on one channel, as it reaches a hub. Each wire format a transport needs is encoded at
 * most once per publication and the same bytes are written to every subscriber.
 */
public final class Publication {
  private final String channel;
  private final JsonObject data;
  private final long ts;
  private final long receivedAtMs;
  private final Map<Function<Publication, ByteBuf>, ByteBuf> encoded = new IdentityHashMap<>(2);

  public Publication(String channel, JsonObject data, long ts, long receivedAtMs) {
    this.channel = channel;
    this.data = data;
    this.ts = ts;
    this.receivedAtMs = receivedAtMs;
  }

  public String channel() {
    return channel;
  }

  public JsonObject data() {
    return data;
  }

  /** Epoch milliseconds at which it was published. */
  public long ts() {
    return ts;
  }

  /** Wall clock when this node received it: a clock read once for the whole fan-out. */
  public long receivedAtMs() {
    return receivedAtMs;
  }

  /** The data as compact JSON, encoded once. */
  public ByteBuf dataJson() {
    return encoded(DATA_JSON);
  }

  /**
   * The publication in a transport's format, encoded on first use. Callers write a
   * {@link ByteBuf#duplicate() duplicate}: the buffer itself is shared by every subscriber.
   */
  public ByteBuf encoded(Function<Publication, ByteBuf> format) {
    return encoded.computeIfAbsent(format, f -> Unpooled.unreleasableBuffer(f.apply(this)));
  }

  private static final Function<Publication, ByteBuf> DATA_JSON =
      p -> Unpooled.wrappedBuffer(p.data.toBuffer().getBytes());
}
