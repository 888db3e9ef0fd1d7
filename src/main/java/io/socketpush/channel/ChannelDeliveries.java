package io.socketpush.channel;

import io.socketpush.core.Publication;
import io.vertx.core.Context;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The fan-outs of one member (one per event loop): a batch of numbered publications, read once on
 * this member, is handed to each on its own event loop. The publications are shared, so every event
 * loop writes the same encoded bytes.
 */
final class ChannelDeliveries {
  private record Target(Context context, Consumer<List<Publication>> fanOut) {
  }

  private final List<Target> targets = new CopyOnWriteArrayList<>();

  /** Returns what removes it again. */
  Runnable add(Context context, Consumer<List<Publication>> fanOut) {
    Target target = new Target(context, fanOut);
    targets.add(target);
    return () -> targets.remove(target);
  }

  void deliver(List<Publication> publications) {
    for (Target t : targets) {
      t.context().runOnContext(v -> t.fanOut().accept(publications));
    }
  }
}
