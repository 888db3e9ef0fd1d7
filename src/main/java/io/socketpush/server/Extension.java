package io.socketpush.server;

import io.socketpush.core.Hub;
import io.socketpush.ws.Endpoint;
import io.vertx.core.Context;
import io.vertx.core.Deployable;

import java.util.List;

/**
 * A feature plugged into a node from outside the product jar: put a jar on the class path that names
 * its implementation in {@code META-INF/services/io.socketpush.server.Extension}. The node finds it
 * with {@link java.util.ServiceLoader} as it starts; with none on the class path, the node is the
 * product alone. The benchmark module's {@code /ws/bench} endpoint is one.
 *
 * <p>Each node loads its extensions afresh, so an instance belongs to one node and may keep that
 * node's state in its fields (several nodes share a JVM in tests).
 */
public interface Extension {
  /**
   * The verticles to deploy once per node, before the HTTP verticles (so what they consume is in
   * place when the first socket arrives); undeployed after them at shutdown.
   */
  default List<Deployable> nodeVerticles() {
    return List.of();
  }

  /**
   * Called by each HTTP verticle instance as it starts, on its event loop, before it listens: add
   * the WebSocket endpoints to serve there.
   */
  void onEventLoop(EventLoop loop);

  /** One HTTP verticle instance, as an extension sees it. */
  interface EventLoop {
    /** The instance's context: everything added here runs on it. */
    Context context();

    /** The instance's hub: who follows which channel among the sockets of this event loop. */
    Hub hub();

    /**
     * Serves {@code path} with {@code endpoint} on this event loop: its sockets pass the same handshake
     * checks (origin, token, limits) and get the same {@link io.socketpush.ws.WsSession} as the
     * product's own. A path the product or another extension serves already is refused.
     *
     * @throws IllegalArgumentException if the path is taken
     */
    void endpoint(String path, Endpoint endpoint);

    /** Runs {@code cleanup} on this event loop when the instance stops. */
    void onStop(Runnable cleanup);
  }
}
