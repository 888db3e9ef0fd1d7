package io.socketpush.ws;

import io.socketpush.internal.DirectWrites;
import io.socketpush.internal.HandshakeRelease;
import io.socketpush.config.WebSocketConfig;
import io.socketpush.core.PushStats;
import io.socketpush.core.UserConnection;
import io.socketpush.security.HandshakePolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;

import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The open sockets of one event loop, and the one timer that looks after all of them (keep-alive
 * pings, idle and slow-consumer closes): no timer per socket.
 *
 * <p>The sweep walks a snapshot array, rebuilt only when sockets came or went since the last one: at
 * 19,000 steady sockets it no longer copies the set every second, and a socket that closes during a
 * sweep does not disturb it.
 */
public final class SessionRegistry {
  private static final WsSession[] NONE = new WsSession[0];

  private final Vertx vertx;
  private final WebSocketConfig config;
  private final PushStats stats;
  private final InstantSource clock;
  private final Set<WsSession> sessions = new LinkedHashSet<>();
  private final DirectWrites directWrites = DirectWrites.create();
  private final HandshakeRelease handshakeRelease = HandshakeRelease.create();
  private WsSession[] snapshot = NONE;
  private long sweepTimer = -1;

  /** @param clock the node's clock: the sweep runs on a real-time timer and judges the sockets by this clock */
  public SessionRegistry(Vertx vertx, WebSocketConfig config, PushStats stats, InstantSource clock) {
    this.vertx = vertx;
    this.clock = clock;
    this.config = config;
    this.stats = stats;
  }

  public void start() {
    long every = Math.max(50, Math.min(1000, Math.min(config.pingIntervalMs(), config.slowConsumerCloseMs()) / 4));
    sweepTimer = vertx.setPeriodic(every, t -> sweep());
  }

  public WsSession open(ServerWebSocket ws, Endpoint endpoint, HandshakePolicy.Admission admission) {
    if (directWrites != null) {
      directWrites.apply(ws); // before anything is written: about 4 KB less per socket
    }
    if (handshakeRelease != null) {
      handshakeRelease.apply(ws); // the upgrade request, no longer needed
    }
    WsSession session = new WsSession(ws, endpoint, config, stats, admission.client(), admission.principal(), clock);
    sessions.add(session);
    snapshot = null;
    session.start(() -> {
      if (sessions.remove(session)) {
        snapshot = null;
      }
      admission.release().run();
    });
    if (handshakeRelease != null) {
      handshakeRelease.dropHeaders(ws); // the endpoint has opened: what it needed of them, it copied
    }
    return session;
  }

  public int size() {
    return sessions.size();
  }

  /** Closes every socket with the code; completes when all are closed. */
  public Future<Void> closeAll(short code, String reason) {
    vertx.cancelTimer(sweepTimer);
    List<Future<Void>> closing = new ArrayList<>(sessions.size());
    for (WsSession session : new ArrayList<>(sessions)) {
      closing.add(session.close(code, reason));
    }
    return Future.join(closing).mapEmpty();
  }

  /** Closes every socket of a user (the JWT subject or the connect proxy's user) with the code; returns how many. */
  public int closeUser(String user, short code, String reason) {
    int closing = 0;
    for (WsSession session : new ArrayList<>(sessions)) {
      if (user.equals(session.subject())) {
        session.close(code, reason);
        closing++;
      }
    }
    return closing;
  }

  /**
   * Hands each socket of a user to {@code found}, but not those being closed: a console that just disconnected
   * the user lists what is left. Call on this registry's event loop.
   */
  public void connectionsOf(String user, Consumer<UserConnection> found) {
    for (WsSession session : sessions) {
      if (user.equals(session.subject()) && !session.closing()) {
        found.accept(UserConnection.of(session.client(), session.endpointName(), session.socket().remoteAddress(),
            session.openedAtMs()));
      }
    }
  }

  private void sweep() {
    long now = clock.millis();
    if (snapshot == null) {
      snapshot = sessions.toArray(NONE);
    }
    for (WsSession session : snapshot) {
      session.sweep(now);
    }
  }
}
