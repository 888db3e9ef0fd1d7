package io.socketpush.transport;

import io.netty.buffer.ByteBuf;
import io.socketpush.core.Hub;
import io.socketpush.core.Publication;
import io.socketpush.core.Subscriber;
import io.socketpush.time.TickFanOut;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

import java.time.InstantSource;
import java.util.function.Function;

/**
 * {@code GET /sse/time}: one event per tick, {@code id: <ts>} and {@code data: <tick>}, encoded once per
 * tick for all streams. Each stream follows the instance's hub, fed by the same one event-bus consumer as
 * the sockets. A client that is behind ({@code Last-Event-ID} older than the latest tick, or none) gets the
 * latest tick at once.
 */
final class SseTicks implements SseStreams.Source {
  private static final Function<Publication, ByteBuf> EVENT = p -> SseStreams.event("id: " + p.ts() + "\ndata: ", p.dataJson());
  private static final Buffer HELLO = Buffer.buffer(": open\n\n");

  private final Hub hub;
  private final TickFanOut fanOut;
  private final InstantSource clock;

  SseTicks(Hub hub, TickFanOut fanOut, InstantSource clock) {
    this.hub = hub;
    this.clock = clock;
    this.fanOut = fanOut;
  }

  @Override
  public Future<Void> follow(RoutingContext ctx, SseStreams.Stream stream) {
    Publication latest = fanOut.latest();
    boolean behind = latest != null && latest.ts() > lastTs(SseStreams.lastEventId(ctx.request()));
    stream.open(behind ? null : HELLO);
    if (behind) {
      stream.write(latest.encoded(EVENT), clock.millis()); // a new client, or one that missed ticks
    }
    Subscriber subscriber = tick -> stream.write(tick.encoded(EVENT), tick.receivedAtMs());
    hub.subscribe(TickFanOut.CHANNEL, subscriber);
    stream.onClose(() -> hub.unsubscribe(TickFanOut.CHANNEL, subscriber));
    return Future.succeededFuture();
  }

  private static long lastTs(String id) {
    try {
      return id == null ? 0 : Long.parseLong(id.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
