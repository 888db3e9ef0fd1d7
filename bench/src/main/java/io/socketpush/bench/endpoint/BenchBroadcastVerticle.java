package io.socketpush.bench.endpoint;

import io.socketpush.cluster.ClusterNodes;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/**
 * This member's answer to {@link #ADDRESS}: one consumer per node (deploy one
 * instance), whatever the number of event loops, so a broadcast reaches each member once. It hands
 * the broadcast to the node's event loops ({@link BenchLoops}) and answers with how many
 * {@code /ws/bench} sockets it is sent to, without waiting for the writes. Deployed by
 * {@link BenchExtension}.
 */
public final class BenchBroadcastVerticle extends VerticleBase {
  /**
   * A {@code /ws/bench} broadcast, asked of every member once (members that run the bench module):
   * each member answers on {@code socket-push.bench.broadcast.<nodeId>} (see
   * {@link ClusterNodes}). Question: {@code {"broadcast":{"type":"broadcast","payload":P},
   * "except":"<loop>"}}; the member writes {@code broadcast} to its {@code /ws/bench} sockets on every
   * event loop but the one named {@code except} (the sender's, which writes it itself; optional)
   * and answers {@code {"sent":N}}, the sockets it was sent to: handed to their event loops for
   * writing, the answer does not wait for the writes.
   */
  public static final String ADDRESS = "socket-push.bench.broadcast";

  private final BenchLoops loops;
  private MessageConsumer<JsonObject> consumer;

  public BenchBroadcastVerticle(BenchLoops loops) {
    this.loops = loops;
  }

  @Override
  public Future<?> start() {
    consumer = new ClusterNodes(vertx).answer(BenchBroadcastVerticle.ADDRESS, question -> {
      JsonObject broadcast = question.getJsonObject("broadcast");
      if (broadcast == null) {
        return Future.failedFuture("no broadcast in the question");
      }
      return Future.succeededFuture(new JsonObject().put("sent", loops.broadcast(broadcast, question.getString("except"))));
    });
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister();
  }
}
