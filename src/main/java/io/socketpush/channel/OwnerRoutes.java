package io.socketpush.channel;

import io.socketpush.config.ChannelRule;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The publications one event loop sends to other members to be numbered: those made in one pass go to
 * each owner as one request, answered with one reply (one event-bus message each way, not one per
 * publication). A batch to one owner keeps the order in which they were made, and batches to one
 * owner leave in order, so the owner numbers one connection's publications in the order it sent them.
 * One per context; used on it only.
 */
final class OwnerRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(OwnerRoutes.class);

  private record Waiting(String channel, ChannelRule rule, String json, long ts, String key, Promise<ChannelBackend.Appended> done) {
  }

  private final Vertx vertx;
  private final Context context;
  private final DeliveryOptions options;
  private final ChannelService service;
  private final Map<String, List<Waiting>> outbox = new LinkedHashMap<>();
  private boolean flushScheduled;

  OwnerRoutes(Vertx vertx, Context context, long timeoutMs, ChannelService service) {
    this.vertx = vertx;
    this.context = context;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMs);
    this.service = service;
  }

  /** The routes of the calling context (made on first use). */
  static OwnerRoutes of(Vertx vertx, Supplier<OwnerRoutes> make) {
    Context context = vertx.getOrCreateContext();
    OwnerRoutes routes = (OwnerRoutes) context.get(OwnerRoutes.class);
    if (routes == null) {
      routes = make.get();
      context.put(OwnerRoutes.class, routes);
    }
    return routes;
  }

  Context context() {
    return context;
  }

  Future<ChannelBackend.Appended> send(String owner, String channel, ChannelRule rule, String json, long ts, String key) {
    Promise<ChannelBackend.Appended> done = Promise.promise();
    outbox.computeIfAbsent(owner, o -> new ArrayList<>()).add(new Waiting(channel, rule, json, ts, key, done));
    if (!flushScheduled) {
      flushScheduled = true;
      ChannelBatches.later(vertx, context, service.config().batchMs(), this::flush);
    }
    return done.future();
  }

  private void flush() {
    flushScheduled = false;
    outbox.forEach(this::request);
    outbox.clear();
  }

  private void request(String owner, List<Waiting> batch) {
    Buffer body = Buffer.buffer(64 * batch.size());
    for (Waiting w : batch) {
      ChannelWire.appendPublishRequest(body, w.channel(), w.ts(), w.json(), w.key());
    }
    vertx.eventBus().<Buffer>request(ChannelAddresses.SEQUENCE + "." + owner, body, options).onComplete(reply -> {
      if (reply.succeeded()) {
        answer(batch, reply.result());
      } else if (reply.cause() instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS) {
        // the owner is not numbering yet (starting): number them from here, in their order
        for (Waiting w : batch) {
          service.numberLocally(w.channel(), w.rule(), w.json(), w.ts(), w.key()).onComplete(w.done());
        }
      } else {
        service.ownerDidNotAnswer(batch.size());
        LOG.debug("{} publications not numbered by {}: {}", batch.size(), owner, reply.cause().toString());
        ChannelError error = new ChannelError(ChannelError.INTERNAL, "the channel's owner did not answer: try again");
        batch.forEach(w -> w.done().fail(error));
      }
    });
  }

  private static void answer(List<Waiting> batch, Message<Buffer> reply) {
    List<Object> answers = ChannelWire.readAnswers(reply.body());
    for (int i = 0; i < batch.size(); i++) {
      Object a = i < answers.size() ? answers.get(i) : new ChannelError(ChannelError.INTERNAL, "no answer from the owner");
      if (a instanceof ChannelBackend.Appended appended) {
        batch.get(i).done().complete(appended);
      } else {
        batch.get(i).done().fail((ChannelError) a);
      }
    }
  }
}
