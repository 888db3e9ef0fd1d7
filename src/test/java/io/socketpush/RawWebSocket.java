package io.socketpush;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
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
  private NetClient client;

  private RawWebSocket(NetSocket socket) {
    this.socket = socket;
  }

  static Future<RawWebSocket> connect(Vertx vertx, int port, String path) {
    NetClient client = vertx.createNetClient();
    return client.connect(port, TestService.HOST).compose(socket -> {
      RawWebSocket raw = new RawWebSocket(socket);
      raw.client = client; // reachable as long as the socket: Vert.x closes a collected client
      socket.handler(raw::onData);
      socket.closeHandler(v -> {
        raw.tcpClosed.tryComplete();
        raw.closeCode.tryComplete(-1);
        raw.handshake.tryFail("closed during handshake");
      });
      socket.write("GET " + path + " HTTP/1.1\r\nHost: " + TestService.HOST + ":" + port + "\r\n"
          + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
      return raw.handshake.future().compose(status -> status.startsWith("HTTP/1.1 101")
          ? Future.succeededFuture(raw) : Future.failedFuture(status));
    });
  }

  /** Sends one masked frame; {@code firstByte} is FIN, RSV and opcode, e.g. 0x81 for a final text frame. */
  Future<Void> send(int firstByte, byte[] payload) {
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
    return socket.write(frame);
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

  private void parseFrames() {
    while (pending.length() >= 2) {
      int opcode = pending.getByte(0) & 0x0F;
      int len = pending.getByte(1) & 0x7F;
      int header = 2;
      if (len == 126) {
        if (pending.length() < 4) {
          return;
        }
        len = pending.getUnsignedShort(2);
        header = 4;
      } else if (len == 127) {
        if (pending.length() < 10) {
          return;
        }
        len = (int) pending.getLong(2);
        header = 10;
      }
      if (pending.length() < header + len) {
        return;
      }
      Buffer payload = pending.getBuffer(header, header + len);
      pending = pending.getBuffer(header + len, pending.length());
      if (opcode == 0x8) {
        closeCode.tryComplete(payload.length() >= 2 ? (int) payload.getUnsignedShort(0) : 1005);
      } else if (opcode == 0x9) {
        pings++;
      }
    }
  }
}
