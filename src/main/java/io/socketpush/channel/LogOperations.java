package io.socketpush.channel;

import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;

import java.io.IOException;
import java.util.Map;

/**
 * The entry processors that change a channel's log in the Hazelcast map, and what they answer, in
 * Hazelcast's {@link IdentifiedDataSerializable} form: written field by field, no Java serialisation
 * on the publication path (a batch crosses to the backup member, and to the owner while a partition
 * migrates). Each runs on the owner's partition thread and then, identically, on the backup: so
 * everything it uses comes in its fields, and an epoch made by the owner travels to the backup.
 */
final class LogOperations implements DataSerializableFactory {
  /** Registered in the member's serialization config by {@link HazelcastBackend#configureMaps}. */
  static final int FACTORY_ID = 0x5350_4348; // "SPCH"
  static final int APPEND_BATCH = 1;
  static final int NUMBERED = 2;
  static final int INTEREST = 3;
  static final int LOG = 4;

  @Override
  public IdentifiedDataSerializable create(int typeId) {
    return switch (typeId) {
      case APPEND_BATCH -> new AppendBatch();
      case NUMBERED -> new NumberedAnswer();
      case INTEREST -> new Interest();
      case LOG -> new ChannelLog();
      default -> null;
    };
  }

  /**
   * Numbers a batch of publications of one channel; answers a {@link NumberedAnswer}. Safe to run twice: the log
   * remembers each publication's id (and its client's key), so a batch Hazelcast runs again, on the owner or on a
   * promoted backup, gets the positions of the first run and appends nothing.
   */
  static final class AppendBatch
      implements EntryProcessor<String, ChannelLog, NumberedAnswer>, IdentifiedDataSerializable, HazelcastInstanceAware {
    private ChannelBackend.Batch batch;
    private int historySize;
    private long ttlMs;
    /** The epoch of the log this batch went into: made by the owner if it created the log, given to the backup. */
    private String epoch;
    private boolean backup;
    /** The member it runs on, given by Hazelcast before it runs; not sent. */
    private transient HazelcastInstance member;

    AppendBatch() {
    }

    AppendBatch(ChannelBackend.Batch batch, int historySize, long ttlMs) {
      this.batch = batch;
      this.historySize = historySize;
      this.ttlMs = ttlMs;
    }

    @Override
    public NumberedAnswer process(Map.Entry<String, ChannelLog> entry) {
      if (!backup) {
        refuseWithoutMajority();
      }
      ChannelLog log = entry.getValue();
      long[] ts = batch.ts();
      if (log == null) {
        log = new ChannelLog(epoch != null ? epoch : ChannelLog.newEpoch(), ts[0]); // an epoch per log, not per publication
      }
      epoch = log.epoch();
      boolean[] repeats = new boolean[ts.length];
      long[] seqs = log.appendAll(batch, historySize, ttlMs, repeats);
      entry.setValue(log);
      return backup ? null : new NumberedAnswer(log.epoch(), seqs, anyOf(repeats) ? repeats : null, log.interested(ts[ts.length - 1]));
    }

    private static boolean anyOf(boolean[] flags) {
      for (boolean f : flags) {
        if (f) {
          return true;
        }
      }
      return false;
    }

    /**
     * Refuses to number anything while this member sees fewer members than the logs' quorum, read from the
     * member list at the moment it runs, on the partition thread. Hazelcast's own split-brain protection,
     * checked before, follows membership events and so lags the list; and when a member leaves the list the
     * partition table drops its backups, after which a write has no backup to wait for. Checked here, a member
     * cut off alone cannot number a publication with a single copy in that moment (docs/partitions.md, gap 1).
     */
    private void refuseWithoutMajority() {
      if (member == null) {
        return;
      }
      SplitBrainProtectionConfig quorum = member.getConfig().getSplitBrainProtectionConfigs().get(HazelcastBackend.QUORUM);
      if (quorum != null && quorum.isEnabled() && member.getCluster().getMembers().size() < quorum.getMinimumClusterSize()) {
        throw new SplitBrainProtectionException("this member sees fewer than " + quorum.getMinimumClusterSize() + " members");
      }
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance member) {
      this.member = member;
    }

    @Override
    public EntryProcessor<String, ChannelLog, NumberedAnswer> getBackupProcessor() {
      AppendBatch copy = new AppendBatch(batch, historySize, ttlMs);
      copy.epoch = epoch; // called after process() on the owner
      copy.backup = true;
      return copy;
    }

    @Override
    public int getFactoryId() {
      return FACTORY_ID;
    }

    @Override
    public int getClassId() {
      return APPEND_BATCH;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      String[] data = batch.data();
      out.writeInt(data.length);
      for (int i = 0; i < data.length; i++) {
        out.writeString(data[i]);
        out.writeLong(batch.ts()[i]);
        out.writeString(batch.keys()[i]);
      }
      out.writeLong(batch.idNode());
      out.writeLong(batch.idFirst());
      out.writeLong(batch.windowMs());
      out.writeInt(historySize);
      out.writeLong(ttlMs);
      out.writeString(epoch);
      out.writeBoolean(backup);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      int n = in.readInt();
      String[] data = new String[n];
      long[] ts = new long[n];
      String[] keys = new String[n];
      for (int i = 0; i < n; i++) {
        data[i] = in.readString();
        ts[i] = in.readLong();
        keys[i] = in.readString();
      }
      batch = new ChannelBackend.Batch(data, ts, keys, in.readLong(), in.readLong(), in.readLong());
      historySize = in.readInt();
      ttlMs = in.readLong();
      epoch = in.readString();
      backup = in.readBoolean();
    }
  }

  /** The answer to an {@link AppendBatch}. */
  static final class NumberedAnswer implements IdentifiedDataSerializable {
    String epoch;
    long[] seqs;
    boolean[] repeats;
    String[] interested;

    NumberedAnswer() {
    }

    NumberedAnswer(String epoch, long[] seqs, boolean[] repeats, String[] interested) {
      this.epoch = epoch;
      this.seqs = seqs;
      this.repeats = repeats;
      this.interested = interested;
    }

    ChannelBackend.Numbered toNumbered() {
      return new ChannelBackend.Numbered(epoch, seqs, repeats, interested);
    }

    @Override
    public int getFactoryId() {
      return FACTORY_ID;
    }

    @Override
    public int getClassId() {
      return NUMBERED;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeString(epoch);
      out.writeLongArray(seqs);
      out.writeBooleanArray(repeats);
      out.writeBoolean(interested != null);
      if (interested != null) {
        out.writeStringArray(interested);
      }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      epoch = in.readString();
      seqs = in.readLongArray();
      repeats = in.readBooleanArray();
      interested = in.readBoolean() ? in.readStringArray() : null;
    }
  }

  /**
   * A member's interest in a channel: added (it has subscribers, generation {@code gen}) or removed
   * (its last one left at generation {@code gen}). Also the backup's half of a subscribe: the log that a
   * read creates, with the epoch the owner made, and the interest it recorded.
   */
  static final class Interest implements EntryProcessor<String, ChannelLog, Boolean>, IdentifiedDataSerializable {
    private String node;
    private long gen;
    private boolean add;
    private String epoch;
    private long nowMs;

    Interest() {
    }

    Interest(String node, long gen, boolean add, String epoch, long nowMs) {
      this.node = node;
      this.gen = gen;
      this.add = add;
      this.epoch = epoch;
      this.nowMs = nowMs;
    }

    @Override
    public Boolean process(Map.Entry<String, ChannelLog> entry) {
      ChannelLog log = entry.getValue();
      if (log == null) {
        if (!add) {
          return false;
        }
        log = new ChannelLog(epoch != null ? epoch : ChannelLog.newEpoch(), nowMs);
        epoch = log.epoch();
      }
      if (add) {
        log.interested(node, gen);
      } else {
        log.uninterested(node, gen);
      }
      entry.setValue(log);
      return true;
    }

    @Override
    public EntryProcessor<String, ChannelLog, Boolean> getBackupProcessor() {
      return new Interest(node, gen, add, epoch, nowMs);
    }

    @Override
    public int getFactoryId() {
      return FACTORY_ID;
    }

    @Override
    public int getClassId() {
      return INTEREST;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeString(node);
      out.writeLong(gen);
      out.writeBoolean(add);
      out.writeString(epoch);
      out.writeLong(nowMs);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      node = in.readString();
      gen = in.readLong();
      add = in.readBoolean();
      epoch = in.readString();
      nowMs = in.readLong();
    }
  }
}
