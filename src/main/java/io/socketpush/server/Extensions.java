package io.socketpush.server;

import io.socketpush.core.Hub;
import io.socketpush.ws.Endpoint;
import io.vertx.core.Context;
import io.vertx.core.Deployable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** The {@link Extension}s of one node, and how an HTTP verticle instance lets each add to its event loop. */
public final class Extensions {
  private final List<Extension> extensions;

  public Extensions(List<Extension> extensions) {
    this.extensions = List.copyOf(extensions);
  }

  /** Those on the class path, new instances for this node. */
  public static Extensions load() {
    return new Extensions(ServiceLoader.load(Extension.class).stream().map(ServiceLoader.Provider::get).toList());
  }

  /** Every extension's node verticles, in the order found. */
  public List<Deployable> nodeVerticles() {
    return extensions.stream().flatMap(e -> e.nodeVerticles().stream()).toList();
  }

  /**
   * Lets each extension add endpoints to {@code endpoints} (the instance's own, by path); returns what
   * to run when the instance stops.
   */
  Runnable onEventLoop(Context context, Hub hub, Map<String, Endpoint> endpoints) {
    List<Runnable> cleanups = new ArrayList<>();
    Extension.EventLoop loop = new Extension.EventLoop() {
      @Override
      public Context context() {
        return context;
      }

      @Override
      public Hub hub() {
        return hub;
      }

      @Override
      public void endpoint(String path, Endpoint endpoint) {
        if (endpoints.putIfAbsent(path, endpoint) != null) {
          throw new IllegalArgumentException("an extension asks for " + path + ", which is served already");
        }
      }

      @Override
      public void onStop(Runnable cleanup) {
        cleanups.add(cleanup);
      }
    };
    extensions.forEach(e -> e.onEventLoop(loop));
    return () -> cleanups.forEach(Runnable::run);
  }
}
