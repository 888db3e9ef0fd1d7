package io.socketpush.channel;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The channels' event-bus API of one member: publishing from other services
 * ({@link ChannelAddresses#CHANNELS_PUBLISH}), this member's subscriber counts for cluster-wide presence
 * ({@link ChannelAddresses#NODE_SUBSCRIBERS}), the leave announcements of clients whose member died, and
 * forgetting idle channels.
 * One instance per node.
 */
public final class ChannelsVerticle extends VerticleBase {
  private final ChannelService service;
  private MessageConsumer<JsonObject> publish;
  private MessageConsumer<JsonObject> subscribers;
  private MessageConsumer<Buffer> sequence;
  private MessageConsumer<Buffer> deliver;

  public ChannelsVerticle(ChannelService service) {
    this.service = service;
  }

  @Override
  public Future<?> start() {
    service.startSequencer(context);
    publish = vertx.eventBus().consumer(ChannelAddresses.CHANNELS_PUBLISH, this::publish);
    subscribers = service.nodes().answer(ChannelAddresses.NODE_SUBSCRIBERS, q -> Future.succeededFuture(service.localSubscribers(q)));
    String self = service.nodes().localId();
    sequence = vertx.eventBus().consumer(ChannelAddresses.SEQUENCE + "." + self, this::number);
    deliver = vertx.eventBus().consumer(ChannelAddresses.DELIVER + "." + self, this::deliver);
    // a sweep of 100,000 channels takes milliseconds: not worth a worker thread
    vertx.setPeriodic(ChannelBackend.sweepPeriodMs(service.config().idleTimeoutMs()), t -> service.backend().forgetIdle());
    // say again which channels have subscribers here: heals an interest lost with every copy of a log, or
    // with a log forgotten (evicted) under its subscribers, whose next publication would otherwise go nowhere
    vertx.setPeriodic(ChannelInterest.PERIOD_MS, t ->
        service.interest().channels().forEach((channel, gen) -> service.backend().interested(channel, self, gen)));
    service.backend().onOrphans((channel, client) -> context.runOnContext(v -> service.announce(channel, "leave", client)));
    return Future.join(publish.completion(), subscribers.completion(), sequence.completion(), deliver.completion());
  }

  @Override
  public Future<?> stop() {
    return Future.join(publish.unregister(), subscribers.unregister(), sequence.unregister(), deliver.unregister(),
        service.backend().close());
  }

  /** Publications of channels this member owns, from another member: numbered here, answered in one reply. */
  private void number(Message<Buffer> message) {
    service.numberHere(message.body()).onSuccess(message::reply);
  }

  /**
   * Publications numbered by their owner, for this member's subscribers. An owner that asks (a request, with a
   * quorum) is confirmed, and its publications delivered, only if this member sees it and sees a quorum itself: then
   * the owner and this member are on the majority's side, and what the owner numbered survives the merge. The
   * incarnation it sent must still be the owner's: one that has merged back since (a new one) asked for a numbering
   * the merge dropped.
   */
  private void deliver(Message<Buffer> message) {
    if (message.replyAddress() != null) {
      List<String> members = service.nodes().members();
      String from = message.headers().get(ChannelSequencer.FROM);
      String incarnation = message.headers().get(ChannelSequencer.INCARNATION);
      if (members.size() < service.backend().quorum() || from == null || !members.contains(from)
          || incarnation != null && !incarnation.equals(service.backend().incarnation(from))) {
        message.fail(ChannelError.NO_QUORUM, "this member does not see the owner among a majority");
        return;
      }
    }
    if (message.body().length() > 0) {
      service.deliveries().deliver(ChannelWire.readDeliveries(message.body(), service.clock().millis()));
    }
    if (message.replyAddress() != null) {
      message.reply(null);
    }
  }

  private void publish(Message<JsonObject> message) {
    JsonObject body = message.body();
    if (body == null || !(body.getValue("channel") instanceof String channel) || !body.containsKey("data")
        || body.getValue("idempotencyKey") != null && !(body.getValue("idempotencyKey") instanceof String)) {
      message.fail(ChannelError.BAD_REQUEST, "the body is {\"channel\":…,\"data\":…,\"idempotencyKey\"?:…}");
      return;
    }
    service.publish(channel, body.getValue("data"), null, true, (String) body.getValue("idempotencyKey")).onComplete(done -> {
      if (done.succeeded()) {
        message.reply(new JsonObject().put("channel", channel).put("seq", done.result().seq()));
      } else {
        ChannelError error = done.cause() instanceof ChannelError e ? e : new ChannelError(ChannelError.INTERNAL, "internal error");
        message.fail(error.code(), error.getMessage());
      }
    });
  }
}
