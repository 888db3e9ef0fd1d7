package io.socketpush.transport;

import io.socketpush.internal.VertxInternals;
import io.socketpush.core.EndpointMeters;
import io.socketpush.core.Publication;
import io.socketpush.time.TickFanOut;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /api/time}: the latest tick this instance has seen, for clients that can only poll. It reads
 * {@link TickFanOut#latest()} and holds nothing, so it needs no slot. The ETag is the tick's ts: a client
 * that sends it back in {@code If-None-Match} gets a bodiless 304 until the next tick.
 */
final class Poll {
  private final TickFanOut fanOut;
  private final Gate gate;
  private final EndpointMeters meters;

  Poll(TickFanOut fanOut, Gate gate, EndpointMeters meters) {
    this.fanOut = fanOut;
    this.gate = gate;
    this.meters = meters;
  }

  void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    gate.check(RequestHandshake.of(request)).onComplete(checked -> {
      if (checked.failed()) {
        gate.refuse(request, checked.cause());
      } else {
        answer(request, fanOut.latest(), meters);
      }
    });
  }

  static String etag(Publication tick) {
    return "\"" + tick.ts() + "\"";
  }

  /** 200 with the tick, 304 if the client has it already, 204 before the first tick. */
  static void answer(HttpServerRequest request, Publication tick, EndpointMeters meters) {
    HttpServerResponse response = request.response().putHeader("Cache-Control", "no-cache");
    if (response.ended() || response.closed()) {
      return;
    }
    if (tick == null) {
      response.setStatusCode(204).end();
      return;
    }
    String etag = etag(tick);
    response.putHeader("ETag", etag);
    if (etag.equals(request.getHeader("If-None-Match"))) {
      response.setStatusCode(304).end();
      return;
    }
    Buffer json = VertxInternals.wrap(tick.dataJson().duplicate()); // the shared bytes, not a copy
    response.putHeader("Content-Type", "application/json").end(json);
    meters.out(json.length(), true);
  }
}
