package io.socketpush.channel;

import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import com.hazelcast.map.EntryProcessor;
import org.junit.jupiter.api.Test;

import java.util.AbstractMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The append entry processor is idempotent: Hazelcast may run the same operation again (an invocation retried
 * while a member merges or a partition migrates, on the owner or on the backup it promoted), and a client may
 * repeat a publication with the same idempotency key.
 */
class LogOperationsTest {
  private static final long WINDOW_MS = 300_000;
  private static final long T0 = 1_000_000;
  /** Hazelcast's own serialisation of the operations, as it sends them to the owner and the backup. */
  private final SerializationService wire = new DefaultSerializationServiceBuilder()
      .addDataSerializableFactory(LogOperations.FACTORY_ID, new LogOperations()).build();

  private static ChannelBackend.Batch batch(long idFirst, long ts, String... keys) {
    String[] data = new String[keys.length];
    long[] times = new long[keys.length];
    for (int i = 0; i < keys.length; i++) {
      data[i] = "\"m" + (idFirst + i) + "\"";
      times[i] = ts;
    }
    return new ChannelBackend.Batch(data, times, keys, 42, idFirst, WINDOW_MS);
  }

  /** As Hazelcast sends it: serialised and read back on the member that runs it. */
  private <T> T sent(T operation) {
    return wire.toObject(wire.toData(operation));
  }

  private LogOperations.NumberedAnswer run(EntryProcessor<String, ChannelLog, LogOperations.NumberedAnswer> op,
                                           Map.Entry<String, ChannelLog> entry) {
    LogOperations.NumberedAnswer answer = op.process(entry);
    return answer == null ? null : sent(answer);
  }

  @Test
  void anAppendRunTwiceGivesTheSameSeqsAndAppendsOnce() {
    Map.Entry<String, ChannelLog> owner = new AbstractMap.SimpleEntry<>("chat:x", null);
    Map.Entry<String, ChannelLog> backup = new AbstractMap.SimpleEntry<>("chat:x", null);
    LogOperations.AppendBatch op = sent(new LogOperations.AppendBatch(batch(100, T0, null, "key-a", null), 100, 60_000));

    LogOperations.NumberedAnswer first = run(op, owner);
    sent(op.getBackupProcessor()).process(backup);
    assertArrayEquals(new long[] {1, 2, 3}, first.seqs);
    assertNull(first.repeats, "nothing repeated");

    LogOperations.NumberedAnswer again = run(sent(op), owner); // the invocation retried on the same owner
    assertArrayEquals(first.seqs, again.seqs);
    assertNull(again.repeats, "the same append run again is answered as the first time (its answer was never received)");
    assertEquals(first.epoch, again.epoch);
    assertEquals(3, owner.getValue().top(), "appended once");

    LogOperations.NumberedAnswer promoted = run(sent(op), backup); // the owner died; its backup, promoted, runs it
    assertArrayEquals(first.seqs, promoted.seqs);
    assertEquals(first.epoch, promoted.epoch, "the backup has the owner's epoch");
    assertEquals(3, backup.getValue().top());
    assertEquals(3, backup.getValue().since(-1, "", 100, T0, 60_000).missed().size(), "kept once on the backup too");
  }

  @Test
  void aClientRepeatGetsTheFirstSeqMarkedAsARepeat() {
    Map.Entry<String, ChannelLog> entry = new AbstractMap.SimpleEntry<>("chat:x", null);
    run(sent(new LogOperations.AppendBatch(batch(1, T0, "key-a", "key-b"), 100, 60_000)), entry);
    LogOperations.NumberedAnswer answer = run(sent(new LogOperations.AppendBatch(batch(10, T0 + 1, null, "key-b", "key-c"), 100, 60_000)), entry);
    assertArrayEquals(new long[] {3, 2, 4}, answer.seqs);
    assertFalse(answer.repeats[0]);
    assertTrue(answer.repeats[1], "key-b came before, in another publication: a repeat, not delivered again");
    assertFalse(answer.repeats[2]);
    assertEquals(4, entry.getValue().top());
  }

  @Test
  void theRememberedKeysAreBoundedInCountAndTime() {
    ChannelLog log = ChannelLog.fresh();
    boolean[] repeats = new boolean[1];
    for (int i = 1; i <= 1100; i++) {
      log.appendAll(batch(i, T0, "key-" + i), 10, 60_000, repeats);
    }
    assertEquals(IdempotencyWindow.MAX, log.rememberedCount(), "a key and a batch per publication: the last 512 of each");
    assertEquals(1100 - 511, log.appendAll(batch(5000, T0, "key-" + (1100 - 511)), 10, 60_000, repeats)[0],
        "the 512th last key is still known");
    assertTrue(repeats[0]);
    repeats = new boolean[1];
    assertEquals(1101, log.appendAll(batch(5001, T0, "key-1"), 10, 60_000, repeats)[0], "a key forgotten over the count is new");
    assertFalse(repeats[0]);

    long[] later = log.appendAll(batch(6000, T0 + WINDOW_MS + 1, new String[1]), 10, 60_000, repeats);
    assertEquals(1102, later[0]);
    assertEquals(1, log.rememberedCount(), "everything older than the window is forgotten");
    assertEquals(1103, log.appendAll(batch(7000, T0 + WINDOW_MS + 2, "key-1100"), 10, 60_000, repeats)[0],
        "a key past the window is a new publication");
  }

  @Test
  void aWholeBatchRunAgainIsRecognisedByOneEntry() {
    ChannelLog log = ChannelLog.fresh();
    ChannelBackend.Batch big = batch(0, T0, new String[ChannelSequencer.MAX_BATCH]);
    long[] first = log.appendAll(big, 10, 60_000, new boolean[ChannelSequencer.MAX_BATCH]);
    assertEquals(1, log.rememberedCount(), "one entry for a batch without keys, whatever its size");
    assertArrayEquals(first, log.appendAll(big, 10, 60_000, new boolean[ChannelSequencer.MAX_BATCH]));
    assertEquals(ChannelSequencer.MAX_BATCH, log.top());
  }

  @Test
  void aLogCopiedWholeByHazelcastKeepsItsHistoryInterestAndWindow() {
    Map.Entry<String, ChannelLog> entry = new AbstractMap.SimpleEntry<>("chat:x", null);
    LogOperations.AppendBatch op = new LogOperations.AppendBatch(batch(100, T0, null, "key-a"), 100, 60_000);
    LogOperations.NumberedAnswer first = run(op, entry);
    entry.getValue().interested("member-1", 3);

    ChannelLog copy = sent(entry.getValue()); // as a migration or a new backup receives it
    assertEquals(entry.getValue().epoch(), copy.epoch());
    assertEquals(2, copy.top());
    assertEquals(entry.getValue().since(-1, "", 10, T0, 60_000), copy.since(-1, "", 10, T0, 60_000));
    assertArrayEquals(new String[] {"member-1"}, copy.interested(T0 + 60 * 60_000));
    assertEquals(entry.getValue().rememberedCount(), copy.rememberedCount());

    Map.Entry<String, ChannelLog> moved = new AbstractMap.SimpleEntry<>("chat:x", copy);
    assertArrayEquals(first.seqs, run(sent(op), moved).seqs, "the batch run again on the copy: the same seqs");
    LogOperations.NumberedAnswer repeat = run(new LogOperations.AppendBatch(batch(200, T0, "key-a"), 100, 60_000), moved);
    assertEquals(2, repeat.seqs[0]);
    assertTrue(repeat.repeats[0], "the copy knows the key");
    assertEquals(2, copy.top());
  }
}
