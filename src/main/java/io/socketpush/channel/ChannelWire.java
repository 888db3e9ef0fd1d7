package io.socketpush.channel;

import io.netty.buffer.Unpooled;
import io.socketpush.core.Publication;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes members exchange about publications, plain {@link Buffer}s (no JSON, no Java
 * serialisation): publications sent to their channel's owner to be numbered, the owner's answers, and a
 * batch of numbered publications the owner sends to a member with subscribers. A publication's data is
 * its JSON text, carried as it is and never parsed.
 */
final class ChannelWire {
  private ChannelWire() {
  }

  /** To the owner, appended to a batch: {@code channel, ts, data, key} (the client's idempotency key; length −1: none). */
  static void appendPublishRequest(Buffer batch, String channel, long ts, String dataJson, String key) {
    appendString(batch, channel);
    batch.appendLong(ts);
    appendString(batch, dataJson);
    if (key == null) {
      batch.appendInt(-1);
    } else {
      appendString(batch, key);
    }
  }

  record PublishRequest(String channel, long ts, String dataJson, String key) {
  }

  static List<PublishRequest> readPublishRequests(Buffer b) {
    List<PublishRequest> out = new ArrayList<>();
    int[] at = {0};
    while (at[0] < b.length()) {
      String channel = readString(b, at);
      long ts = b.getLong(at[0]);
      at[0] += 8;
      String data = readString(b, at);
      String key = null;
      if (b.getInt(at[0]) < 0) {
        at[0] += 4;
      } else {
        key = readString(b, at);
      }
      out.add(new PublishRequest(channel, ts, data, key));
    }
    return out;
  }

  /** The owner's answer to one publication of a batch: {@code 0, epoch, seq}, or {@code code, message}. */
  static void appendAnswer(Buffer answers, ChannelBackend.Appended a, ChannelError refused) {
    if (refused == null) {
      answers.appendInt(0);
      appendString(answers, a.epoch());
      answers.appendLong(a.seq());
    } else {
      answers.appendInt(refused.code());
      appendString(answers, String.valueOf(refused.getMessage()));
    }
  }

  /** The answers, in the order of the batch: an {@link ChannelBackend.Appended} or a {@link ChannelError}. */
  static List<Object> readAnswers(Buffer b) {
    List<Object> out = new ArrayList<>();
    int[] at = {0};
    while (at[0] < b.length()) {
      int code = b.getInt(at[0]);
      at[0] += 4;
      String text = readString(b, at);
      if (code == 0) {
        out.add(new ChannelBackend.Appended(text, b.getLong(at[0])));
        at[0] += 8;
      } else {
        out.add(new ChannelError(code, text));
      }
    }
    return out;
  }

  private static void appendString(Buffer b, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    b.appendInt(bytes.length).appendBytes(bytes);
  }

  private static String readString(Buffer b, int[] at) {
    int len = b.getInt(at[0]);
    String s = b.getString(at[0] + 4, at[0] + 4 + len, "UTF-8");
    at[0] += 4 + len;
    return s;
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
