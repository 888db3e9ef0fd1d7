package io.socketpush.bench.endpoint;

import io.socketpush.server.Extension;
import io.vertx.core.Deployable;

import java.util.List;

/**
 * Plugs {@code /ws/bench} into a node that has the bench jar on its class path (found through
 * {@code META-INF/services/io.socketpush.server.Extension}): the {@link BenchBroadcastVerticle} once
 * per node, a {@link BenchEndpoint} on every event loop. One instance per node, holding that node's
 * {@link BenchLoops}.
 */
public final class BenchExtension implements Extension {
  /** The path served, as in the websocket-shootout protocol's clients. */
  public static final String PATH = "/ws/bench";

  private final BenchLoops loops = new BenchLoops();

  @Override
  public List<Deployable> nodeVerticles() {
    return List.of(new BenchBroadcastVerticle(loops));
  }

  @Override
  public void onEventLoop(EventLoop loop) {
    BenchEndpoint endpoint = new BenchEndpoint(loop.context(), loop.hub(), loops);
    loop.endpoint(PATH, endpoint);
    loop.onStop(endpoint::stop);
  }
}
