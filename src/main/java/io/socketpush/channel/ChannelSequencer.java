package io.socketpush.channel;

import io.netty.buffer.Unpooled;
import io.socketpush.config.ChannelRule;
import io.socketpush.core.Publication;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Numbers the publications of the channels this member owns, and sends each one, once, to the members
 * that have subscribers of its channel. Lives on one context (the channels verticle's event loop): a
 * publication made on this member is handed to it, one made elsewhere arrives on
 * {@link ChannelAddresses#SEQUENCE}{@code .<nodeId>}.
 *
 * <p>Per channel, one batch at a time is numbered (one entry processor on the owner's partition and one
 * synchronous backup for all the publications that came meanwhile), so batches stay in order and a
 * publication is acknowledged only once it and its number are on two members. Then one message per
 * interested member carries the pass's publications of every channel, already in their wire bytes.
 *
 * <p>With a quorum ({@link ChannelBackend#quorum()} above 1) a numbered publication is acknowledged only once
 * enough other members to make a majority with this one have answered that window's message: every other member
 * is sent one (its deliveries, or none), as a request. A member cut off from the majority gets no answer and
 * fails its window's publications with 100 ("not known whether it was numbered") instead of acknowledging what
 * the majority will drop at the merge; Hazelcast alone may report a backup done once the backup's member has
 * left its view (docs/partitions.md, gap 1).
 *
 * <p>Bounded: at most {@link #MAX_PENDING} publications wait here, to be numbered or confirmed; beyond, a
 * publish is refused at once with 111 (the owner is overloaded), never queued without bound.
 */
final class ChannelSequencer {
  private static final Logger LOG = LoggerFactory.getLogger(ChannelSequencer.class);
  /** Publications waiting to be numbered on this member, over all its channels: beyond, refusals (111). */
  static final int MAX_PENDING = 20_000;
  /** The most publications of one channel numbered in one operation. */
  static final int MAX_BATCH = 512;
  /**
   * How long the other members have to confirm a window's publications; then they fail with 100. Below the 5 s a
   * publishing member waits for the owner's answer, so that its publications fail for the right reason.
   */
  static final long CONFIRM_TIMEOUT_MS = 3_000;
  /** The headers of a delivery message that name the member it comes from, and its incarnation when it sent it. */
  static final String FROM = "from";
  static final String INCARNATION = "incarnation";
  private static final Buffer NOTHING = Buffer.buffer(0);

  private final Vertx vertx;
  private final Context context;
  private final ChannelBackend backend;
  private final ChannelService service;
  private final boolean clustered;
  private final Map<String, Queue> queues = new HashMap<>();
  private final Map<String, Buffer> outbox = new HashMap<>();
  private List<Publication> localOut = new ArrayList<>();
  /** Numbered this window, answered once a majority has confirmed it (with a quorum). */
  private List<Ack> unconfirmed = new ArrayList<>();
  /** What else waits for this window's confirmation: counting each publication, telling the followers. */
  private List<Runnable> confirmedLater = new ArrayList<>();
  /** Windows sent for confirmation and not yet answered, oldest first. */
  private final ArrayDeque<Confirmation> confirming = new ArrayDeque<>();
  private boolean flushScheduled;
  private int pending;

  private record Pending(String data, long ts, String key, Promise<ChannelBackend.Appended> done) {
  }

  private record Ack(Promise<ChannelBackend.Appended> done, ChannelBackend.Appended position) {
  }

  private static final class Queue {
    final String channel;
    final ChannelRule rule;
    final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    boolean numbering;

    Queue(String channel, ChannelRule rule) {
      this.channel = channel;
      this.rule = rule;
    }
  }

  /** @param context where it runs; {@code clustered}: batch and route (standalone numbers at once on the caller's thread) */
  ChannelSequencer(Vertx vertx, Context context, ChannelBackend backend, ChannelService service, boolean clustered) {
    this.vertx = vertx;
    this.context = context;
    this.backend = backend;
    this.service = service;
    this.clustered = clustered;
  }

  /** Publications waiting to be numbered or, with a quorum, confirmed (the bounded queue's metric). */
  int pending() {
    return pending;
  }

  /**
   * Numbers a publication of a channel this member owns; completes on the caller's context. With a {@code key}
   * (the client's idempotency key, or null) the same key within the window gets the first one's position and is
   * not delivered again.
   */
  Future<ChannelBackend.Appended> submit(String channel, ChannelRule rule, String data, long ts, String key) {
    if (!clustered) {
      // standalone: the log is in this node's memory, appended under its lock on the caller's thread
      ChannelBackend.Batch batch = new ChannelBackend.Batch(new String[] {data}, new long[] {ts}, new String[] {key},
          PublicationIds.NODE, PublicationIds.next(1), service.config().idempotencyWindowMs());
      return backend.appendAll(channel, rule, batch).map(n -> {
        if (!n.repeat(0)) {
          service.deliveries().deliver(List.of(publication(channel, n.epoch(), n.seq(0), ts, data.getBytes(StandardCharsets.UTF_8))));
          service.published(channel);
          followers(channel, n.epoch(), n.seq(0), ts, data);
        }
        return new ChannelBackend.Appended(n.epoch(), n.seq(0));
      });
    }
    Context caller = vertx.getOrCreateContext();
    Promise<ChannelBackend.Appended> done = Promise.promise();
    if (caller == context) {
      enqueue(channel, rule, data, ts, key, done);
      return done.future();
    }
    Promise<ChannelBackend.Appended> answered = Promise.promise(); // completed on the caller's context
    done.future().onComplete(result -> caller.runOnContext(v -> answered.handle(result)));
    context.runOnContext(v -> enqueue(channel, rule, data, ts, key, done));
    return answered.future();
  }

  private void enqueue(String channel, ChannelRule rule, String data, long ts, String key, Promise<ChannelBackend.Appended> done) {
    if (pending >= MAX_PENDING) {
      service.refusedOverloaded();
      done.fail(new ChannelError(ChannelError.TOO_MANY_REQUESTS, "the channel's owner is overloaded: try again later"));
      return;
    }
    Queue q = queues.computeIfAbsent(channel, c -> new Queue(c, rule));
    q.waiting.add(new Pending(data, ts, key, done));
    pending++;
    if (!q.numbering) {
      number(q);
    }
  }

  /** Numbers what waits on one channel, in one operation; the next batch starts when it is done. */
  private void number(Queue q) {
    int n = Math.min(q.waiting.size(), MAX_BATCH);
    Pending[] batch = new Pending[n];
    String[] data = new String[n];
    long[] ts = new long[n];
    String[] keys = new String[n];
    for (int i = 0; i < n; i++) {
      batch[i] = q.waiting.poll();
      data[i] = batch[i].data();
      ts[i] = batch[i].ts();
      keys[i] = batch[i].key();
    }
    q.numbering = true;
    ChannelBackend.Batch numbering = new ChannelBackend.Batch(data, ts, keys, PublicationIds.NODE, PublicationIds.next(n),
        service.config().idempotencyWindowMs());
    backend.appendAll(q.channel, q.rule, numbering).onComplete(done -> {
      q.numbering = false;
      if (done.succeeded()) {
        numbered(q.channel, batch, done.result());
      } else {
        pending -= n;
        ChannelError error;
        if (done.cause() instanceof ChannelError refused) {
          error = refused; // the node is full (113): the client's answer, not a failure
        } else {
          LOG.warn("{} publications on {} not numbered: {}", n, q.channel, done.cause().toString());
          error = new ChannelError(ChannelError.INTERNAL, "the channel's owner did not answer: try again");
        }
        for (Pending p : batch) {
          p.done().fail(error);
        }
      }
      if (!q.waiting.isEmpty()) {
        number(q);
      } else {
        queues.remove(q.channel);
      }
    });
  }

  /**
   * Acknowledges a numbered batch (with a quorum: once the window is confirmed), then queues it for every member
   * with subscribers (this one too).
   */
  private void numbered(String channel, Pending[] batch, ChannelBackend.Numbered n) {
    Set<String> members = null;
    String self = service.nodes().localId();
    boolean confirm = backend.quorum() > 1;
    if (!confirm) {
      pending -= batch.length;
    }
    for (int i = 0; i < batch.length; i++) {
      Pending p = batch[i];
      long seq = n.seq(i);
      ChannelBackend.Appended position = new ChannelBackend.Appended(n.epoch(), seq);
      if (confirm) {
        unconfirmed.add(new Ack(p.done(), position));
      } else {
        p.done().complete(position);
      }
      if (n.repeat(i)) {
        continue; // a client's repeat of a publication already numbered: answered with its position, not delivered again
      }
      byte[] bytes = p.data().getBytes(StandardCharsets.UTF_8);
      String[] targets = n.interested();
      if (targets == null) { // a log made anew: who has subscribers is not all known yet, so every member
        targets = service.nodes().members().toArray(new String[0]);
      }
      for (String node : targets) {
        if (node.equals(self)) {
          localOut.add(publication(channel, n.epoch(), seq, p.ts(), bytes));
        } else {
          if (members == null) {
            members = new HashSet<>(service.nodes().members()); // a member that died keeps its interest until it is dropped
          }
          if (members.contains(node)) {
            ChannelWire.appendDelivery(outbox.computeIfAbsent(node, x -> Buffer.buffer(256)), channel, n.epoch(), seq, p.ts(), bytes);
          }
        }
      }
      String epoch = n.epoch();
      long ts = p.ts();
      String data = p.data();
      if (confirm) {
        confirmedLater.add(() -> published(channel, epoch, seq, ts, data));
      } else {
        published(channel, epoch, seq, ts, data);
      }
    }
    if (!flushScheduled) {
      flushScheduled = true;
      // after the other batches this pass (or the batch window) completes: one message per member
      ChannelBatches.later(vertx, context, service.config().batchMs(), this::flush);
    }
  }

  private void flush() {
    flushScheduled = false;
    if (unconfirmed.isEmpty()) {
      outbox.forEach((node, batch) -> vertx.eventBus().send(ChannelAddresses.DELIVER + "." + node, batch));
      if (!localOut.isEmpty()) {
        service.deliveries().deliver(localOut);
      }
    } else {
      confirm(unconfirmed, localOut, confirmedLater);
      unconfirmed = new ArrayList<>();
      confirmedLater = new ArrayList<>();
    }
    outbox.clear();
    localOut = new ArrayList<>();
  }

  /**
   * Sends this window's message to every other member as a request (its deliveries, or nothing) and answers the
   * window's publications once {@code quorum - 1} have replied; fails them with 100 as soon as too few can. This
   * member's own subscribers get them only once confirmed (the others' deliver only what they confirm), and windows
   * are answered in the order they were numbered.
   */
  private void confirm(List<Ack> acks, List<Publication> local, List<Runnable> then) {
    String self = service.nodes().localId();
    List<String> others = new ArrayList<>(service.nodes().members());
    others.remove(self);
    Confirmation confirmation = new Confirmation(acks, local, then, backend.quorum() - 1, others.size());
    confirming.add(confirmation);
    String incarnation = backend.incarnation(self);
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(CONFIRM_TIMEOUT_MS).addHeader(FROM, self);
    if (incarnation != null) {
      options.addHeader(INCARNATION, incarnation);
    }
    for (String node : others) {
      vertx.eventBus().request(ChannelAddresses.DELIVER + "." + node, outbox.getOrDefault(node, NOTHING), options)
          .onComplete(answer -> confirmation.answered(answer.succeeded()));
    }
    confirmation.answered(null);
  }

  /** Answers the windows whose confirmation is settled, oldest first, up to the first one still waiting. */
  private void settle() {
    while (!confirming.isEmpty() && confirming.peek().confirmed != null) {
      Confirmation c = confirming.poll();
      pending -= c.acks.size();
      if (c.confirmed) {
        for (Ack ack : c.acks) {
          ack.done().complete(ack.position());
        }
        if (!c.local.isEmpty()) {
          service.deliveries().deliver(c.local);
        }
        c.then.forEach(Runnable::run);
      } else {
        service.unconfirmed(c.acks.size());
        ChannelError error = new ChannelError(ChannelError.INTERNAL, "not known whether it was numbered: a majority "
            + "of the members did not confirm it; check before publishing again");
        for (Ack ack : c.acks) {
          ack.done().fail(error);
        }
      }
    }
  }

  /** The answers to one window's message: counted on the sequencer's context. */
  private final class Confirmation {
    final List<Ack> acks;
    final List<Publication> local;
    final List<Runnable> then;
    private final int needed;
    private int unanswered;
    private int yes;
    /** Null while it waits; then whether a majority confirmed the window. */
    Boolean confirmed;

    Confirmation(List<Ack> acks, List<Publication> local, List<Runnable> then, int needed, int asked) {
      this.acks = acks;
      this.local = local;
      this.then = then;
      this.needed = needed;
      this.unanswered = asked;
    }

    /** One more answer ({@code null}: none, a first look once every member was asked). */
    void answered(Boolean ok) {
      if (ok != null) {
        unanswered--;
        if (ok) {
          yes++;
        }
      }
      if (confirmed != null) {
        return;
      }
      if (yes >= needed) {
        confirmed = true;
      } else if (yes + unanswered < needed) {
        confirmed = false;
      } else {
        return;
      }
      settle();
    }
  }

  private Publication publication(String channel, String epoch, long seq, long ts, byte[] data) {
    return Publication.ofJson(channel, seq, epoch, ts, service.clock().millis(), Unpooled.wrappedBuffer(data));
  }

  private void published(String channel, String epoch, long seq, long ts, String data) {
    service.published(channel);
    followers(channel, epoch, seq, ts, data);
  }

  /** Other services may follow every channel on {@link ChannelAddresses#CHANNEL_PUBLICATIONS}: once per publication, from its owner. */
  private void followers(String channel, String epoch, long seq, long ts, String data) {
    if (service.hasFollowers()) {
      vertx.eventBus().publish(ChannelAddresses.CHANNEL_PUBLICATIONS, new JsonObject().put("channel", channel)
          .put("seq", seq).put("epoch", epoch).put("ts", ts).put("data", Json.decodeValue(data)));
    }
  }
}
