package io.socketpush.channel;

import io.netty.buffer.Unpooled;
import io.socketpush.core.Publication;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes members exchange about publications, plain {@link Buffer}s (no JSON, no Java
 * serialisation): a publication sent to its channel's owner to be numbered, the owner's answer, and a
 * batch of numbered publications the owner sends to a member with subscribers. A publication's data is
 * its JSON text, carried as it is and never parsed.
 */
final class ChannelWire {
  private ChannelWire() {
  }

  /** To the owner: {@code channel, ts, data}. */
  static Buffer publishRequest(String channel, long ts, String dataJson) {
    byte[] c = channel.getBytes(StandardCharsets.UTF_8);
    byte[] d = dataJson.getBytes(StandardCharsets.UTF_8);
    return Buffer.buffer(16 + c.length + d.length).appendInt(c.length).appendBytes(c).appendLong(ts)
        .appendInt(d.length).appendBytes(d);
  }

  record PublishRequest(String channel, long ts, String dataJson) {
  }

  static PublishRequest readPublishRequest(Buffer b) {
    int at = 0;
    int cl = b.getInt(at);
    String channel = b.getString(at + 4, at + 4 + cl, "UTF-8");
    at += 4 + cl;
    long ts = b.getLong(at);
    int dl = b.getInt(at + 8);
    String data = b.getString(at + 12, at + 12 + dl, "UTF-8");
    return new PublishRequest(channel, ts, data);
  }

  /** The owner's answer: {@code epoch, seq}. */
  static Buffer appended(ChannelBackend.Appended a) {
    byte[] e = a.epoch().getBytes(StandardCharsets.UTF_8);
    return Buffer.buffer(12 + e.length).appendInt(e.length).appendBytes(e).appendLong(a.seq());
  }

  static ChannelBackend.Appended readAppended(Buffer b) {
    int el = b.getInt(0);
    return new ChannelBackend.Appended(b.getString(4, 4 + el, "UTF-8"), b.getLong(4 + el));
  }

  /** Appends one numbered publication to a batch for a member. */
  static void appendDelivery(Buffer batch, String channel, String epoch, long seq, long ts, byte[] data) {
    byte[] c = channel.getBytes(StandardCharsets.UTF_8);
    byte[] e = epoch.getBytes(StandardCharsets.UTF_8);
    batch.appendInt(c.length).appendBytes(c).appendInt(e.length).appendBytes(e).appendLong(seq).appendLong(ts)
        .appendInt(data.length).appendBytes(data);
  }

  /** A member's batch, read once: the publications, ready to share with every event loop. */
  static List<Publication> readDeliveries(Buffer b, long receivedAtMs) {
    List<Publication> out = new ArrayList<>();
    int at = 0;
    int end = b.length();
    while (at < end) {
      int cl = b.getInt(at);
      String channel = b.getString(at + 4, at + 4 + cl, "UTF-8");
      at += 4 + cl;
      int el = b.getInt(at);
      String epoch = b.getString(at + 4, at + 4 + el, "UTF-8");
      at += 4 + el;
      long seq = b.getLong(at);
      long ts = b.getLong(at + 8);
      int dl = b.getInt(at + 16);
      at += 20;
      out.add(Publication.ofJson(channel, seq, epoch, ts, receivedAtMs, Unpooled.wrappedBuffer(b.getBytes(at, at + dl))));
      at += dl;
    }
    return out;
  }
}
