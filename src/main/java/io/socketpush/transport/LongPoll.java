package io.socketpush.transport;

import io.socketpush.core.EndpointMeters;
import io.socketpush.core.Hub;
import io.socketpush.core.Publication;
import io.socketpush.core.Subscriber;
import io.socketpush.core.UserConnection;
import io.socketpush.time.TickFanOut;
import io.socketpush.security.HandshakePolicy;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code GET /api/time/next?after=<ts>}: long-polling, for clients that can neither keep a WebSocket nor
 * read a stream. A request is answered at once if a tick newer than {@code after} exists; otherwise it is
 * held, as a {@link Subscriber} of the hub, until the next tick or {@code longpoll.timeoutMs} (then 204).
 *
 * <p>A held request takes a connection slot like a socket. All held requests have the same timeout, so
 * they expire in the order they came: one periodic sweep per instance looks at the oldest ones only.
 */
final class LongPoll {
  static final int ANSWERED = 1000;
  static final int DRAINED = 1001;
  static final int CLIENT_WENT_AWAY = 1006;

  private final Vertx vertx;
  private final Hub hub;
  private final TickFanOut fanOut;
  private final Gate gate;
  private final EndpointMeters meters;
  private final long timeoutMs;
  private final InstantSource clock;
  /** In arrival order, hence in deadline order. */
  private final Set<Held> held = new LinkedHashSet<>();
  private long sweepTimer = -1;

  /** @param clock the node's clock: a held request's deadline is on it, checked by a real-time sweep */
  LongPoll(Vertx vertx, long timeoutMs, Hub hub, TickFanOut fanOut, Gate gate, EndpointMeters meters, InstantSource clock) {
    this.vertx = vertx;
    this.clock = clock;
    this.timeoutMs = timeoutMs;
    this.hub = hub;
    this.fanOut = fanOut;
    this.gate = gate;
    this.meters = meters;
  }

  void start() {
    // late by at most a quarter of the timeout, and never more than a second
    sweepTimer = vertx.setPeriodic(Math.max(20, Math.min(1000, timeoutMs / 4)), t -> expire(clock.millis()));
  }

  void stop() {
    vertx.cancelTimer(sweepTimer);
  }

  void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    long after;
    try {
      String param = request.getParam("after");
      after = param == null || param.isEmpty() ? -1 : Long.parseLong(param.trim());
    } catch (NumberFormatException e) {
      request.response().setStatusCode(400).end("after: not a number");
      return;
    }
    if (newerThan(after) != null) {
      gate.check(RequestHandshake.of(request)).onComplete(checked -> {
        if (checked.failed()) {
          gate.refuse(request, checked.cause());
        } else {
          Poll.answer(request, fanOut.latest(), meters);
        }
      });
      return;
    }
    gate.admit(RequestHandshake.of(request), false).onComplete(admitted -> {
      if (admitted.failed()) {
        gate.refuse(request, admitted.cause());
      } else if (request.response().closed()) {
        admitted.result().release().run();
      } else if (newerThan(after) != null) { // a tick came while the token was checked
        admitted.result().release().run();
        Poll.answer(request, fanOut.latest(), meters);
      } else {
        hold(request, after, admitted.result());
      }
    });
  }

  /** Answers every held request with 204; completes when they are all answered. */
  Future<Void> drain() {
    stop();
    List<Future<Void>> answered = new ArrayList<>(held.size());
    for (Held h : new ArrayList<>(held)) {
      answered.add(h.finish(null, DRAINED));
    }
    return Future.join(answered).mapEmpty();
  }

  /** Answers every held request of a user with 204 (its next one is admitted afresh); returns how many. */
  int closeUser(String user) {
    int answered = 0;
    for (Held h : new ArrayList<>(held)) {
      if (h.admission.principal() != null && user.equals(h.admission.principal().subject())) {
        h.finish(null, DRAINED);
        answered++;
      }
    }
    return answered;
  }

  /** Hands each held request of a user to {@code found}. */
  void connectionsOf(String user, Consumer<UserConnection> found) {
    for (Held h : held) {
      if (h.admission.principal() != null && user.equals(h.admission.principal().subject())) {
        found.accept(UserConnection.of(h.admission.client(), meters.name(), h.request.remoteAddress(), h.deadlineMs - timeoutMs));
      }
    }
  }

  /** The latest tick if it is newer than {@code after} (-1: the client has none), else null. */
  private Publication newerThan(long after) {
    Publication latest = fanOut.latest();
    return latest != null && latest.ts() > after ? latest : null;
  }

  private void hold(HttpServerRequest request, long after, HandshakePolicy.Admission admission) {
    Held h = new Held(request, after, admission, clock.millis() + timeoutMs);
    request.response().putHeader(Transports.CLIENT_HEADER, admission.client());
    held.add(h);
    hub.subscribe(TickFanOut.CHANNEL, h);
    request.response().closeHandler(v -> h.finish(null, CLIENT_WENT_AWAY));
    meters.opened();
  }

  private void expire(long nowMs) {
    for (Iterator<Held> it = held.iterator(); it.hasNext(); ) {
      Held h = it.next();
      if (h.deadlineMs > nowMs) {
        return;
      }
      it.remove();
      h.finish(null, ANSWERED);
    }
  }

  /** One held request. */
  private final class Held implements Subscriber {
    private final HttpServerRequest request;
    private final long after;
    private final HandshakePolicy.Admission admission;
    private final long deadlineMs;
    private final Promise<Void> done = Promise.promise();

    Held(HttpServerRequest request, long after, HandshakePolicy.Admission admission, long deadlineMs) {
      this.request = request;
      this.after = after;
      this.admission = admission;
      this.deadlineMs = deadlineMs;
    }

    @Override
    public void deliver(Publication tick) {
      // the client may have its ts from another node of the cluster, one that got this tick first
      if (tick.ts() > after) {
        finish(tick, ANSWERED);
      }
    }

    /** Once: answers with the tick, or 204 without one; leaves the hub and gives the slot back. */
    Future<Void> finish(Publication tick, int code) {
      if (done.tryComplete()) {
        held.remove(this);
        hub.unsubscribe(TickFanOut.CHANNEL, this);
        admission.release().run();
        meters.closed(code);
        if (code != CLIENT_WENT_AWAY) {
          Poll.answer(request, tick, meters);
        }
      }
      return done.future();
    }
  }
}
