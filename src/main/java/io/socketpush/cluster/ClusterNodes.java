package io.socketpush.cluster;

import io.socketpush.internal.VertxInternals;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Asks every member of the cluster a question and gathers the answers: how many subscribers a
 * channel has, who is present, how many sockets a broadcast reached. Each member answers on an
 * address of its own ({@code <address>.<nodeId>}), so a question reaches each member exactly once
 * whatever its number of verticle instances. Standalone, the only member is this one.
 *
 * <p>A member that does not answer within the timeout (it just died, or it is another kind of
 * Vert.x service with no such address) is left out of the answers rather than failing them: a
 * dead member's sockets are gone, so leaving it out is the right count.
 */
public final class ClusterNodes {
  private final Vertx vertx;
  private final ClusterManager cluster;

  public ClusterNodes(Vertx vertx) {
    this.vertx = vertx;
    this.cluster = VertxInternals.clusterManager(vertx);
  }

  /** Whether this node is a member of a cluster (else standalone). */
  public boolean clustered() {
    return cluster != null;
  }

  /** This member's id: the Hazelcast member UUID in a cluster, {@code local} standalone. */
  public String localId() {
    return cluster == null ? "local" : cluster.getNodeId();
  }

  /** The ids of the members this one currently sees, itself included. */
  public List<String> members() {
    return cluster == null ? List.of(localId()) : cluster.getNodes();
  }

  /** Answers the questions sent to this member on {@code address}. Register it once per node. */
  public MessageConsumer<JsonObject> answer(String address, Function<JsonObject, Future<JsonObject>> handler) {
    return vertx.eventBus().consumer(address + "." + localId(), (Message<JsonObject> question) ->
        handler.apply(question.body()).onComplete(answered -> {
          if (answered.succeeded()) {
            question.reply(answered.result());
          } else {
            question.fail(500, String.valueOf(answered.cause().getMessage()));
          }
        }));
  }

  /** Sends the question to every member and completes with the answers of those that gave one in time. */
  public Future<List<JsonObject>> askAll(String address, JsonObject question, long timeoutMs) {
    List<String> members = members();
    List<Future<JsonObject>> asked = new ArrayList<>(members.size());
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMs);
    for (String member : members) {
      asked.add(vertx.eventBus().<JsonObject>request(address + "." + member, question, options)
          .map(Message::body)
          .otherwiseEmpty());
    }
    return Future.join(asked).map(all -> {
      List<JsonObject> answers = new ArrayList<>(asked.size());
      for (Future<JsonObject> answer : asked) {
        if (answer.result() != null) {
          answers.add(answer.result());
        }
      }
      return answers;
    });
  }
}
