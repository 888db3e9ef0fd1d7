package io.socketpush;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;

import java.nio.charset.StandardCharsets;

/**
 * A WebSocket client at the byte level, for what a well-behaved client library will not do: send
 * broken frames, or stay silent to pings.
 */
final class RawWebSocket {
  private final NetSocket socket;
  private final Promise<String> handshake = Promise.promise();
  private final Promise<Integer> closeCode = Promise.promise();
  private final Promise<Void> tcpClosed = Promise.promise();
  private Buffer pending = Buffer.buffer();
  private boolean upgraded;
  private int pings;
  private long framesReceived;
  private boolean flooding;
  private Promise<Void> flooded;
  private NetClient client;
  private Vertx vertx;

  private RawWebSocket(NetSocket socket) {
    this.socket = socket;
  }

  static Future<RawWebSocket> connect(Vertx vertx, int port, String path) {
    return connect(vertx, port, path, new NetClientOptions());
  }

  /**
   * With the client's TCP receive buffer fixed at {@code bytes}, as a client that means to make the server
   * hold what it does not read would: on loopback an autotuned one grows to tens of MB.
   */
  static Future<RawWebSocket> connect(Vertx vertx, int port, String path, int receiveBufferBytes) {
    return connect(vertx, port, path, new NetClientOptions().setReceiveBufferSize(receiveBufferBytes));
  }

  private static Future<RawWebSocket> connect(Vertx vertx, int port, String path, NetClientOptions options) {
    return connect(vertx, port, path, "dGhlIHNhbXBsZSBub25jZQ==", "13", options)
        .compose(raw -> raw.handshake.future().compose(status -> status.startsWith("HTTP/1.1 101")
            ? Future.succeededFuture(raw) : Future.failedFuture(status)));
  }

  /** The status line the server answers a handshake with this key and version with. */
  static Future<String> handshakeStatus(Vertx vertx, int port, String path, String key, String version) {
    return connect(vertx, port, path, key, version, new NetClientOptions()).compose(raw -> raw.handshake.future());
  }

  private static Future<RawWebSocket> connect(Vertx vertx, int port, String path, String key, String version,
                                              NetClientOptions options) {
    NetClient client = vertx.createNetClient(options);
    return client.connect(port, TestService.HOST).compose(socket -> {
      RawWebSocket raw = new RawWebSocket(socket);
      raw.client = client; // reachable as long as the socket: Vert.x closes a collected client
      raw.vertx = vertx;
      socket.handler(raw::onData);
      socket.closeHandler(v -> {
        raw.tcpClosed.tryComplete();
        raw.closeCode.tryComplete(-1);
        raw.handshake.tryFail("closed during handshake");
      });
      socket.write("GET " + path + " HTTP/1.1\r\nHost: " + TestService.HOST + ":" + port + "\r\n"
          + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: " + version + "\r\n\r\n");
      return Future.succeededFuture(raw);
    });
  }

  /** Sends one masked frame; {@code firstByte} is FIN, RSV and opcode, e.g. 0x81 for a final text frame. */
  Future<Void> send(int firstByte, byte[] payload) {
    return socket.write(frame(firstByte, payload));
  }

  /** One masked frame, as a client sends it. */
  static Buffer frame(int firstByte, byte[] payload) {
    Buffer frame = Buffer.buffer().appendByte((byte) firstByte);
    if (payload.length < 126) {
      frame.appendByte((byte) (0x80 | payload.length));
    } else {
      frame.appendByte((byte) (0x80 | 126)).appendShort((short) payload.length);
    }
    byte[] mask = {1, 2, 3, 4};
    frame.appendBytes(mask);
    for (int i = 0; i < payload.length; i++) {
      frame.appendByte((byte) (payload[i] ^ mask[i % 4]));
    }
    return frame;
  }

  /** {@code count} times the same frame, back to back. */
  static Buffer frames(int count, int firstByte, byte[] payload) {
    Buffer one = frame(firstByte, payload);
    Buffer all = Buffer.buffer(one.length() * count);
    for (int i = 0; i < count; i++) {
      all.appendBuffer(one);
    }
    return all;
  }

  /**
   * Writes {@code chunk} again and again, as fast as the server takes it (never more than this client's
   * own write queue holds), until {@link #stopFlooding()} or the connection closes; completes then.
   */
  Future<Void> flood(Buffer chunk) {
    Promise<Void> done = Promise.promise();
    flooded = done;
    flooding = true;
    tcpClosed.future().onComplete(v -> done.tryComplete());
    floodSome(chunk, done);
    return done.future();
  }

  /** Call on the socket's context. */
  void stopFlooding() {
    flooding = false;
    if (flooded != null) {
      flooded.tryComplete(); // even while a write waits for the server to read
    }
  }

  private void floodSome(Buffer chunk, Promise<Void> done) {
    for (int i = 0; i < 16 && flooding && !tcpClosed.future().isComplete() && !socket.writeQueueFull(); i++) {
      socket.write(chunk.copy());
    }
    if (!flooding || tcpClosed.future().isComplete()) {
      done.tryComplete();
    } else if (socket.writeQueueFull()) {
      socket.drainHandler(v -> floodSome(chunk, done));
    } else {
      vertx.runOnContext(v -> floodSome(chunk, done)); // let the event loop read too
    }
  }

  /** Stops reading: what the server writes piles up in its queue, as for a client that never reads. */
  void pause() {
    socket.pause();
  }

  void resume() {
    socket.resume();
  }

  long framesReceived() {
    return framesReceived;
  }

  /** The status code of the first close frame received; -1 if the TCP connection closed without one. */
  Future<Integer> closeCode() {
    return closeCode.future();
  }

  Future<Void> tcpClosed() {
    return tcpClosed.future();
  }

  int pingsReceived() {
    return pings;
  }

  private void onData(Buffer data) {
    pending.appendBuffer(data);
    if (!upgraded) {
      String text = pending.toString(StandardCharsets.ISO_8859_1);
      int end = text.indexOf("\r\n\r\n");
      if (end < 0) {
        return;
      }
      upgraded = true;
      pending = pending.getBuffer(end + 4, pending.length());
      handshake.tryComplete(text.substring(0, text.indexOf("\r\n")));
    }
    parseFrames();
  }

  /** Reads every whole frame in {@code pending}, then keeps what is left: one copy per read, not per frame. */
  private void parseFrames() {
    int at = 0;
    while (pending.length() - at >= 2) {
      int opcode = pending.getByte(at) & 0x0F;
      int len = pending.getByte(at + 1) & 0x7F;
      int header = 2;
      if (len == 126) {
        if (pending.length() - at < 4) {
          break;
        }
        len = pending.getUnsignedShort(at + 2);
        header = 4;
      } else if (len == 127) {
        if (pending.length() - at < 10) {
          break;
        }
        len = (int) pending.getLong(at + 2);
        header = 10;
      }
      if (pending.length() - at < header + len) {
        break;
      }
      Buffer payload = pending.getBuffer(at + header, at + header + len);
      at += header + len;
      framesReceived++;
      if (opcode == 0x8) {
        closeCode.tryComplete(payload.length() >= 2 ? (int) payload.getUnsignedShort(0) : 1005);
      } else if (opcode == 0x9) {
        pings++;
      }
    }
    if (at > 0) {
      pending = pending.getBuffer(at, pending.length());
    }
  }
}
