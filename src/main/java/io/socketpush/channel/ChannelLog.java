package io.socketpush.channel;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The sequence and the recent history of one channel. There is one per channel in the whole cluster
 * (in a Hazelcast map, changed only by entry processors on the partition that owns the channel, and
 * copied to a backup), or one per node standalone. Not thread-safe: its owner serialises access.
 *
 * <p>Written field by field ({@link IdentifiedDataSerializable}, no Java serialisation) when Hazelcast copies it
 * whole: to a new backup after a member's loss, to a new owner when a partition migrates.
 */
public final class ChannelLog implements IdentifiedDataSerializable {

  /** One kept publication; {@code data} is its JSON text. */
  public record Entry(long seq, long ts, String data) implements Serializable {
    /** As a subscriber receives it: the kept JSON text as it is, not parsed again. */
    public io.socketpush.core.Publication toPublication(String channel, String epoch, long receivedAtMs) {
      return io.socketpush.core.Publication.ofJson(channel, seq, epoch, ts, receivedAtMs,
          io.netty.buffer.Unpooled.wrappedBuffer(data.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
  }

  private String epoch;
  private long top;
  /** The recent batches and client keys it numbered: a repeated append is answered from here. In the log, so the backup has it too. */
  private final IdempotencyWindow remembered = new IdempotencyWindow();
  private long lastTs;
  private final ArrayDeque<Entry> entries = new ArrayDeque<>();
  /**
   * The members with subscribers of this channel (Vert.x node id → the newest interest generation
   * they sent): the owner sends each publication to these members only. Kept in the log, so it moves
   * with the channel's partition and its backup is promoted with it.
   */
  private final LinkedHashMap<String, Long> interest = new LinkedHashMap<>();
  private transient String[] interested;
  /**
   * Until when (epoch ms) the members with subscribers are not all known: a log made anew (the first use
   * of a channel, or again after it was forgotten under its subscribers) learns them as each member says
   * again which channels it has subscribers of ({@link ChannelInterest#PERIOD_MS}); until then the owner
   * sends to every member.
   */
  private long interestUnknownUntilMs;

  /** For {@link LogOperations#create}: then read by {@link #readData}. */
  ChannelLog() {
  }

  ChannelLog(String epoch) {
    this.epoch = epoch;
  }

  /** A log made at {@code nowMs} (given, so the owner and its backup agree). */
  ChannelLog(String epoch, long nowMs) {
    this.epoch = epoch;
    this.interestUnknownUntilMs = nowMs + 2 * ChannelInterest.PERIOD_MS;
  }

  static ChannelLog fresh() {
    return new ChannelLog(newEpoch());
  }

  static String newEpoch() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  public String epoch() {
    return epoch;
  }

  /** When the last publication was made (epoch ms). */
  long lastTs() {
    return lastTs;
  }

  /** The sequence number of the last publication, 0 before the first. */
  public long top() {
    return top;
  }

  /** Whether it keeps a publication that is still within {@code ttlMs} at {@code nowMs}. */
  boolean keeps(long nowMs, long ttlMs) {
    return !entries.isEmpty() && entries.peekLast().ts() >= nowMs - ttlMs;
  }

  /** Numbers the publication (top + 1), keeps it, forgets what is over the size or past the lifetime. */
  long append(String data, long ts, int historySize, long ttlMs) {
    top++;
    lastTs = ts;
    if (historySize > 0) {
      entries.addLast(new Entry(top, ts, data));
    }
    while (entries.size() > historySize || !entries.isEmpty() && entries.peekFirst().ts() < ts - ttlMs) {
      entries.removeFirst();
    }
    return top;
  }

  /**
   * Numbers and keeps a batch of publications in their order. A batch it numbered before (the same own id: Hazelcast
   * ran the operation again) gets the same answer and appends nothing. A publication with a client's key that it
   * remembers gets the position it was given the first time and is marked in {@code repeats} (not to be delivered
   * again). Returns the position of each.
   */
  long[] appendAll(ChannelBackend.Batch batch, int historySize, long ttlMs, boolean[] repeats) {
    long[] again = remembered.answered(batch, repeats);
    if (again != null) {
      return again;
    }
    String[] data = batch.data();
    long[] ts = batch.ts();
    long[] seqs = new long[data.length];
    for (int i = 0; i < data.length; i++) {
      String key = batch.keys()[i];
      long first = key == null ? -1 : remembered.seqOf(key, ts[i] - batch.windowMs());
      if (first >= 0) {
        seqs[i] = first;
        repeats[i] = true;
        continue;
      }
      seqs[i] = append(data[i], ts[i], historySize, ttlMs);
      if (key != null) {
        remembered.key(key, seqs[i], ts[i]);
      }
    }
    remembered.batch(batch, seqs, repeats);
    return seqs;
  }

  /** How many batches and keys it remembers now. */
  int rememberedCount() {
    return remembered.size();
  }

  /** A member has subscribers now (generation {@code gen} of its interest in this channel). */
  void interested(String node, long gen) {
    Long had = interest.get(node);
    if (had == null || had < gen) {
      interest.put(node, gen);
      interested = null;
    }
  }

  /**
   * A member's last subscriber left, when its interest was at generation {@code gen}: forgotten unless
   * a newer join of that member came first (joins and leaves of several event loops can cross).
   */
  void uninterested(String node, long gen) {
    Long had = interest.get(node);
    if (had != null && had <= gen) {
      interest.remove(node);
      interested = null;
    }
  }

  /**
   * The members with subscribers, as an array the owner may keep (it is replaced, never changed); null
   * while they are not all known yet (send to every member).
   */
  String[] interested(long nowMs) {
    if (nowMs < interestUnknownUntilMs) {
      return null;
    }
    if (interested == null) {
      interested = interest.keySet().toArray(new String[0]);
    }
    return interested;
  }

  /**
   * What a subscriber that saw {@code since} of {@code sinceEpoch} missed: the publications after it
   * that are still kept. Recovered only if the epoch is the same and every one of them is still kept;
   * a subscriber is given them only then (never a partial history), a fan-out filling a gap takes
   * what there is. A subscriber with no position ({@code since} −1) is given the last {@code recent}
   * kept instead, as a chat page shows the last messages of a room it joins.
   */
  History since(long since, String sinceEpoch, int recent, long nowMs, long ttlMs) {
    if (since < 0) {
      List<Entry> last = new ArrayList<>(Math.min(recent, entries.size()));
      if (recent > 0) {
        for (Entry e : entries) {
          if (e.seq() > top - recent && e.ts() >= nowMs - ttlMs) {
            last.add(e);
          }
        }
      }
      return new History(epoch, top, last, false, false);
    }
    if (!epoch.equals(sinceEpoch) || since > top) {
      return new History(epoch, top, List.of(), true, false);
    }
    List<Entry> missed = new ArrayList<>();
    for (Entry e : entries) {
      if (e.seq() > since && e.ts() >= nowMs - ttlMs) {
        missed.add(e);
      }
    }
    return new History(epoch, top, missed, true, missed.size() == top - since);
  }

  @Override
  public int getFactoryId() {
    return LogOperations.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return LogOperations.LOG;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeString(epoch);
    out.writeLong(top);
    out.writeLong(lastTs);
    out.writeLong(interestUnknownUntilMs);
    out.writeInt(entries.size());
    for (Entry e : entries) {
      out.writeLong(e.seq());
      out.writeLong(e.ts());
      out.writeString(e.data());
    }
    out.writeInt(interest.size());
    for (Map.Entry<String, Long> e : interest.entrySet()) {
      out.writeString(e.getKey());
      out.writeLong(e.getValue());
    }
    remembered.writeData(out);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    epoch = in.readString();
    top = in.readLong();
    lastTs = in.readLong();
    interestUnknownUntilMs = in.readLong();
    for (int n = in.readInt(); n > 0; n--) {
      entries.addLast(new Entry(in.readLong(), in.readLong(), in.readString()));
    }
    for (int n = in.readInt(); n > 0; n--) {
      interest.put(in.readString(), in.readLong());
    }
    remembered.readData(in);
  }
}
