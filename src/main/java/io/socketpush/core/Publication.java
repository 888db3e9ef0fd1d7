package io.socketpush.core;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * One message on one channel, as it reaches a hub: a publication (numbered by {@link #seq()} within
 * its channel), or a presence event (a client joined or left; not numbered). Each wire format a
 * transport needs is encoded once per publication (rarely twice, when two threads race for it: the
 * same bytes either way) and the same bytes are written to every subscriber. One publication may be
 * handed to every event loop of a node: its encodings are safe to share.
 */
public final class Publication {
  /** What a hub carries; PRESENCE is a summary of the joins and leaves left out over a channel's presence limit. */
  public enum Kind { PUBLICATION, JOIN, LEAVE, PRESENCE }

  private final String channel;
  private final Kind kind;
  private final Object data;
  private final long seq;
  private final String epoch;
  private final long ts;
  private final long receivedAtMs;
  private final Map<Function<Publication, ByteBuf>, ByteBuf> encoded = new ConcurrentHashMap<>(4);

  /** A time tick or a bench message: data is a JSON object, seq {@code 0} when it has none. */
  public Publication(String channel, JsonObject data, long ts, long receivedAtMs) {
    this(channel, Kind.PUBLICATION, data, 0, "", ts, receivedAtMs);
  }

  /**
   * @param data  any JSON value (object, array, string, number, boolean), as Vert.x's JSON types hold it
   * @param seq   position in the channel, from 1, or 0 for a presence event
   * @param epoch identifies the channel's sequence: it changes if the sequence restarts from 1
   */
  public Publication(String channel, Kind kind, Object data, long seq, String epoch, long ts, long receivedAtMs) {
    this.channel = channel;
    this.kind = kind;
    this.data = data;
    this.seq = seq;
    this.epoch = epoch;
    this.ts = ts;
    this.receivedAtMs = receivedAtMs;
  }

  public String channel() {
    return channel;
  }

  public Kind kind() {
    return kind;
  }

  /**
   * A channel publication whose data is already JSON text (as numbered and kept): it is never parsed,
   * its bytes are copied into each wire format as they are.
   */
  public static Publication ofJson(String channel, long seq, String epoch, long ts, long receivedAtMs, ByteBuf dataJson) {
    Publication p = new Publication(channel, Kind.PUBLICATION, null, seq, epoch, ts, receivedAtMs);
    p.encoded.put(DATA_JSON, Unpooled.unreleasableBuffer(dataJson));
    return p;
  }

  /** The data: a {@link JsonObject} for ticks, any JSON value on other channels (null if made {@link #ofJson}). */
  public Object data() {
    return data;
  }

  public long seq() {
    return seq;
  }

  public String epoch() {
    return epoch;
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
    // not computeIfAbsent: a format built on another (a frame around the JSON) would update the map recursively
    ByteBuf done = encoded.get(format);
    if (done == null) {
      done = Unpooled.unreleasableBuffer(format.apply(this));
      ByteBuf raced = encoded.putIfAbsent(format, done);
      if (raced != null) {
        done = raced;
      }
    }
    return done;
  }

  private static final Function<Publication, ByteBuf> DATA_JSON =
      p -> Unpooled.wrappedBuffer(Json.encode(p.data).getBytes(StandardCharsets.UTF_8));
}
