package io.socketpush.ws;

import io.socketpush.internal.Frames;
import io.socketpush.internal.RawSocket;
import io.socketpush.wire.CloseCodes;
import io.socketpush.wire.MessageGuard;
import io.socketpush.wire.WebSocketFrames;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.socketpush.config.WebSocketConfig;
import io.socketpush.core.EndpointMeters;
import io.socketpush.core.Publication;
import io.socketpush.core.PushStats;
import io.socketpush.core.Subscriber;
import io.socketpush.security.TokenAuthenticator.Principal;
import io.socketpush.security.TokenBucket;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.InstantSource;

/**
 * One accepted WebSocket and what the server tracks about it: when it was last heard from, since
 * when its write queue is full, what it sent and was sent. Lives on the event loop that accepted it.
 */
public final class WsSession implements Subscriber {
  private static final Logger LOG = LoggerFactory.getLogger(WsSession.class);
  /**
   * How long a close handshake may take before the TCP connection is dropped. Vert.x starts its own
   * closing timeout only once the close frame is flushed, which never happens for a peer that stopped
   * reading: without this a stuck client would hold its connection for ever.
   */
  static final long FORCE_CLOSE_MS = 3000;

  private final ServerWebSocket ws;
  private final RawSocket raw;
  private final Endpoint endpoint;
  private final WebSocketConfig config;
  private final PushStats stats;
  private final EndpointMeters meters;
  private final MessageGuard guard;
  private final InstantSource clock;
  private final long openedAtMs;
  private final String client;
  private final String subject;
  private final Principal principal;
  private final long expiresAtMs;
  private final TokenBucket inbound;
  private final TokenBucket frames;
  private long lastHeardMs;
  private long lastPingMs;
  private long fullSinceMs;
  private long messagesIn;
  private long messagesOut;
  private short closeCode;
  private String closeReason;
  private long closingSinceMs;
  private final Promise<Void> closed = Promise.promise();
  private Object attachment;

  /** @param clock the node's clock: idle, ping, expiry and close timing are measured on it, as the sweep's {@code nowMs} */
  /** @param client the connection's id, given at its admission */
  WsSession(ServerWebSocket ws, Endpoint endpoint, WebSocketConfig config, PushStats stats, String client, Principal principal,
            InstantSource clock) {
    long nowMs = clock.millis();
    this.clock = clock;
    this.ws = ws;
    this.endpoint = endpoint;
    this.config = config;
    this.stats = stats;
    this.meters = stats.endpoint(endpoint.name());
    this.guard = new MessageGuard(config.maxMessageBytes());
    this.openedAtMs = nowMs;
    this.client = client;
    this.principal = principal;
    this.subject = principal == null ? null : principal.subject();
    this.expiresAtMs = principal == null ? 0 : principal.expiresAtMs();
    this.inbound = endpoint.messagesPerSecond() > 0 ? new TokenBucket(endpoint.messagesPerSecond(), clock) : null;
    this.frames = new TokenBucket(config.framesPerSecond(), clock);
    this.lastHeardMs = nowMs;
    ws.setWriteQueueMaxSize(config.writeQueueMaxBytes());
    this.raw = RawSocket.of(ws);
    raw.waterMarks(config.writeQueueMaxBytes() / 2, config.writeQueueMaxBytes());
  }

  void start(Runnable onClosed) {
    ws.frameHandler(this::onFrame);
    ws.exceptionHandler(this::onError);
    ws.closeHandler(v -> {
      closed.complete();
      onClosed.run();
      endpoint.closed(this);
      int code = closeCode != 0 ? closeCode : ws.closeStatusCode() == null ? 1006 : ws.closeStatusCode();
      meters.closed(code);
      AccessLog.closed(this, code, closeReason != null ? closeReason : ws.closeReason(),
          clock.millis() - openedAtMs, messagesIn, messagesOut);
    });
    meters.opened();
    AccessLog.opened(this);
    endpoint.opened(this);
  }

  /** A text message written through Vert.x (replies); counted like pushes. */
  public void send(String text) {
    if (closeCode != 0) {
      return;
    }
    ws.writeTextMessage(text);
    meters.out(text.length(), true);
    messagesOut++;
  }

  /** What the endpoint keeps about this socket. */
  @SuppressWarnings("unchecked")
  public <T> T attachment() {
    return (T) attachment;
  }

  public void attach(Object attachment) {
    this.attachment = attachment;
  }

  public ServerWebSocket socket() {
    return ws;
  }

  public String endpointName() {
    return endpoint.name();
  }

  /** The connection's id, unique in the cluster: the one the connect proxy was told and presence shows. */
  public String client() {
    return client;
  }

  /** Who connected (the JWT, or the application's connect proxy), or null for an anonymous socket. */
  public Principal principal() {
    return principal;
  }

  /** The user (the JWT subject or the connect proxy's user), or null for an anonymous socket. */
  public String subject() {
    return subject;
  }

  /** Whether the server has begun closing it (it stays registered until the close handshake ends). */
  public boolean closing() {
    return closeCode != 0;
  }

  /** When the socket was accepted, on the node's clock. */
  public long openedAtMs() {
    return openedAtMs;
  }

  /** Writes a client's frame back unchanged: same type, same fragmentation, same bytes. */
  public void echo(WebSocketFrame frame) {
    ByteBuf payload = Frames.payload(frame);
    int bytes = payload.readableBytes(); // before the write, which consumes the buffer
    ws.writeFrame(Frames.frame(frame.type(), payload, frame.isFinal()));
    meters.out(bytes, frame.isFinal());
    if (frame.isFinal()) {
      messagesOut++;
    }
    if (ws.writeQueueFull()) {
      // The client sends faster than it reads its echoes: stop reading until it catches up.
      ws.pause();
      ws.drainHandler(v -> ws.resume());
    }
  }

  /**
   * Writes the publication's pre-encoded frame straight to the channel: the same bytes for every
   * socket, no per-socket encoding, promise or queue. Safe beside Vert.x's own writes (pongs, close)
   * because both happen on this socket's event loop, in order.
   */
  @Override
  public void deliver(Publication publication) {
    write(publication, WebSocketFrames.TEXT);
  }

  /**
   * Writes a publication as one pre-encoded frame of the given format (shared by every socket), or
   * skips it while the socket's write queue is full (a slow consumer, closed if it stays so).
   */
  public void write(Publication publication, java.util.function.Function<Publication, ByteBuf> frameFormat) {
    if (closeCode != 0) {
      return;
    }
    if (!raw.writable()) {
      if (fullSinceMs == 0) {
        fullSinceMs = publication.receivedAtMs();
      }
      stats.skippedSlow();
      return;
    }
    fullSinceMs = 0;
    ByteBuf frame = publication.encoded(frameFormat).duplicate();
    int bytes = (int) WebSocketFrames.payloadLength(frame);
    raw.writeFrame(frame);
    meters.out(bytes, true);
    messagesOut++;
  }

  /**
   * Closes with a code and reason, once; later calls only return the same future. It completes when
   * the connection is closed, not when the close frame is sent.
   */
  public Future<Void> close(short code, String reason) {
    if (closeCode == 0) {
      closeCode = code;
      closeReason = reason;
      closingSinceMs = clock.millis();
      ws.close(code, reason);
    }
    return closed.future();
  }

  /**
   * Pings a quiet socket, closes a silent one or one that stayed too slow, whatever wrote to it; drops one
   * with too much queued. Called by the sweep.
   */
  void sweep(long nowMs) {
    if (overQueued()) {
      drop();
      return;
    }
    if (raw.writable()) {
      fullSinceMs = 0;
    } else if (fullSinceMs == 0) {
      fullSinceMs = nowMs; // full of replies, pongs or echoes, not only of pushes
    }
    if (closeCode != 0) {
      if (nowMs - closingSinceMs > FORCE_CLOSE_MS) {
        raw.drop(false);
      }
      return;
    }
    if (expiresAtMs != 0 && nowMs >= expiresAtMs) {
      close(CloseCodes.POLICY_VIOLATION, "token expired");
    } else if (fullSinceMs != 0 && nowMs - fullSinceMs >= config.slowConsumerCloseMs()) {
      stats.closedOverLimit(PushStats.LIMIT_SLOW);
      close(CloseCodes.POLICY_VIOLATION, "slow consumer");
    } else if (nowMs - lastHeardMs >= config.idleTimeoutMs()) {
      close(CloseCodes.GOING_AWAY, "idle timeout");
    } else if (nowMs - lastHeardMs >= config.pingIntervalMs() && nowMs - lastPingMs >= config.pingIntervalMs()) {
      lastPingMs = nowMs;
      ws.writePing(io.vertx.core.buffer.Buffer.buffer());
    }
  }

  /**
   * Every frame, control frames included: Vert.x has already answered a ping with a pong when it gets
   * here, so the queue is checked after it.
   */
  private void onFrame(WebSocketFrame frame) {
    if (overQueued()) {
      drop();
      return;
    }
    if (closeCode != 0) {
      return; // closing: nothing more this client sends is used
    }
    lastHeardMs = clock.millis();
    if (!frames.tryTake()) {
      stats.closedOverLimit(PushStats.LIMIT_FRAMES);
      close(CloseCodes.POLICY_VIOLATION, "too many frames");
      raw.stopReading(); // the rest of the flood stays in the client's socket
      return;
    }
    if (!frame.isText() && !frame.isBinary() && !frame.isContinuation()) {
      return;
    }
    short verdict = guard.check(frame);
    if (verdict != 0) {
      close(verdict, reasonFor(verdict));
      return;
    }
    meters.in(Frames.payload(frame).readableBytes(), frame.isFinal());
    if (frame.isFinal()) {
      messagesIn++;
      if (inbound != null && !inbound.tryTake()) {
        close(CloseCodes.POLICY_VIOLATION, "too many messages");
        return;
      }
    }
    endpoint.frame(this, frame);
  }

  /**
   * Whether more is queued for this socket than {@code ws.maxQueuedBytes}: pongs, replies, echoes and pushes
   * alike, unflushed and unwritten, as Netty counts them (each message with its entry's overhead).
   */
  private boolean overQueued() {
    if (raw.queuedBytes() <= config.maxQueuedBytes()) {
      return false;
    }
    // Vert.x flushes once a read is done: a client that reads may just have sent many pings (each pong
    // costs about 200 bytes here, with Netty's overhead) or requests in one read. Their answers fit in the
    // kernel's buffer unless the client stopped reading.
    raw.flush();
    return raw.queuedBytes() > config.maxQueuedBytes();
  }

  /**
   * Closes with 1008 and drops the connection at once, with a reset: the client did not read what was
   * queued before, so it would not read the close frame behind it either, and waiting for it would keep
   * the queue (and the kernel's send buffer) for {@link #FORCE_CLOSE_MS}.
   */
  private void drop() {
    if (closeCode == 0) {
      stats.closedOverLimit(PushStats.LIMIT_QUEUE);
      close(CloseCodes.POLICY_VIOLATION, "too much queued");
    }
    raw.stopReading();
    raw.drop(true);
  }

  private void onError(Throwable error) {
    if (error instanceof CorruptedWebSocketFrameException) {
      CorruptedWebSocketFrameException corrupt = (CorruptedWebSocketFrameException) error;
      short code = (short) corrupt.closeStatus().code();
      close(code, reasonFor(code));
      // Vert.x calls this from the channel's exceptionCaught and closes the channel as soon as it
      // returns. When the bad frame came in the same read as good ones, their echoes and the Close
      // frame just written are not flushed yet (Vert.x flushes at the end of a read), and closing
      // the channel drops them: the peer would see the TCP connection end with neither. Flush now.
      raw.flush();
    } else {
      LOG.debug("socket error on {} {}: {}", endpoint.name(), ws.remoteAddress(), error.toString());
    }
  }

  private static String reasonFor(short code) {
    switch (code) {
      case CloseCodes.MESSAGE_TOO_BIG: return "message too big";
      case CloseCodes.INVALID_PAYLOAD: return "invalid UTF-8";
      default: return "protocol error";
    }
  }
}
