package io.socketpush.channel;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a channel's log remembers of the publications it numbered recently, to answer a repeat instead of
 * numbering it again: each batch by its own id ({@link PublicationIds}: Hazelcast ran the same operation again)
 * with its answer, each client's idempotency key with its position. Oldest first, for
 * {@code channels.idempotencyWindowMs} and at most {@link #MAX} entries. Part of the log: not thread-safe.
 */
final class IdempotencyWindow {
  /**
   * The most entries a log remembers: one per client key and one per batch it numbered, so at least the keys of
   * its last 512 publications (and a whole batch, {@link ChannelSequencer#MAX_BATCH}, with its keys). About 140
   * bytes an entry (a 64-character key: 185), so at most about 190 KB per channel: docs/limits.md.
   */
  static final int MAX = 1024;

  /** A batch's own id: that of its first publication. */
  private record OwnId(long node, long id) {
  }

  /** What is remembered of a batch or of a client's key, and since when (the publication's {@code ts}). */
  private sealed interface Remembered permits Answered, Keyed {
    long ts();
  }

  /** A batch it numbered: its answer, given again if the same batch is run again. */
  private record Answered(long[] seqs, boolean[] repeats, long ts) implements Remembered {
  }

  /** A publication with a client's key: the position it was given. */
  private record Keyed(long seq, long ts) implements Remembered {
  }

  private final LinkedHashMap<Object, Remembered> entries = new LinkedHashMap<>();

  /** The positions a batch was given if it was numbered before (and its repeats, copied into {@code repeats}); else null. */
  long[] answered(ChannelBackend.Batch batch, boolean[] repeats) {
    long[] ts = batch.ts();
    if (entries.get(new OwnId(batch.idNode(), batch.idFirst())) instanceof Answered again
        && again.ts() >= ts[ts.length - 1] - batch.windowMs()) {
      if (again.repeats() != null) {
        System.arraycopy(again.repeats(), 0, repeats, 0, repeats.length);
      }
      return again.seqs();
    }
    return null;
  }

  /** The position given to a publication with this key, if it was sent at or after {@code sinceMs}; else −1. */
  long seqOf(String key, long sinceMs) {
    return entries.get(key) instanceof Keyed first && first.ts() >= sinceMs ? first.seq() : -1;
  }

  /** Remembers a key (one past the window is remembered anew, as the newest). */
  void key(String key, long seq, long ts) {
    entries.remove(key);
    entries.put(key, new Keyed(seq, ts));
  }

  /** Remembers a batch's answer, then forgets what is over the count or older than the window. */
  void batch(ChannelBackend.Batch batch, long[] seqs, boolean[] repeats) {
    long last = batch.ts()[batch.ts().length - 1];
    boolean anyRepeat = false;
    for (boolean r : repeats) {
      anyRepeat |= r;
    }
    entries.put(new OwnId(batch.idNode(), batch.idFirst()), new Answered(seqs, anyRepeat ? repeats.clone() : null, last));
    var oldest = entries.values().iterator();
    while (oldest.hasNext()) {
      Remembered r = oldest.next();
      if (entries.size() <= MAX && r.ts() >= last - batch.windowMs()) {
        return;
      }
      oldest.remove();
    }
  }

  int size() {
    return entries.size();
  }

  void writeData(ObjectDataOutput out) throws IOException {
    out.writeInt(entries.size());
    for (Map.Entry<Object, Remembered> e : entries.entrySet()) {
      if (e.getKey() instanceof OwnId own && e.getValue() instanceof Answered answered) {
        out.writeBoolean(true);
        out.writeLong(own.node());
        out.writeLong(own.id());
        out.writeLongArray(answered.seqs());
        out.writeBooleanArray(answered.repeats());
        out.writeLong(answered.ts());
      } else {
        Keyed keyed = (Keyed) e.getValue();
        out.writeBoolean(false);
        out.writeString((String) e.getKey());
        out.writeLong(keyed.seq());
        out.writeLong(keyed.ts());
      }
    }
  }

  void readData(ObjectDataInput in) throws IOException {
    for (int n = in.readInt(); n > 0; n--) {
      if (in.readBoolean()) {
        entries.put(new OwnId(in.readLong(), in.readLong()), new Answered(in.readLongArray(), in.readBooleanArray(), in.readLong()));
      } else {
        entries.put(in.readString(), new Keyed(in.readLong(), in.readLong()));
      }
    }
  }
}
