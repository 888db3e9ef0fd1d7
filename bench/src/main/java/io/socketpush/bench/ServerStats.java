package io.socketpush.bench;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A server's own counters: {@code GET /api/stats} (this node's counters as JSON) as a plain HTTP/1.0 request
 * on a socket with timeouts, from 127.0.0.1, and the difference of two such readings.
 */
final class ServerStats {
  private ServerStats() {
  }

  /** The node's counters, or an object with {@code "unreadable"} saying why. */
  static JsonObject read(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(("GET /api/stats HTTP/1.0\r\nHost: 127.0.0.1:" + port + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      int body = response.indexOf("\r\n\r\n");
      return new JsonObject(response.substring(body + 4));
    } catch (IOException | RuntimeException e) {
      return new JsonObject().put("unreadable", e.toString());
    }
  }

  /**
   * after − before for every number, nested objects included; a key missing before counts from 0; keys whose
   * difference is 0 are left out, as are gauges (the caller reads those from {@code after}).
   */
  static JsonObject delta(JsonObject before, JsonObject after) {
    JsonObject out = new JsonObject();
    for (String key : after.fieldNames()) {
      Object a = after.getValue(key);
      Object b = before.getValue(key);
      if (a instanceof JsonObject ao) {
        JsonObject d = delta(b instanceof JsonObject bo ? bo : new JsonObject(), ao);
        if (!d.isEmpty()) {
          out.put(key, d);
        }
      } else if (a instanceof Number an) {
        long d = an.longValue() - (b instanceof Number bn ? bn.longValue() : 0);
        if (d != 0) {
          out.put(key, d);
        }
      }
    }
    return out;
  }

  /** The counters of /api/stats that a soak reports, as differences over the run; the channels held at its end. */
  static JsonObject counters(JsonObject start, JsonObject end) {
    JsonObject d = delta(start, end);
    JsonObject out = new JsonObject();
    for (String key : List.of("socketsClosedByCode", "socketsClosedByLimit", "handshakesRefused", "httpRefused",
        "ticksPublished", "tickDeliveries", "ticksSkippedSlow", "ticksMissed", "messagesIn", "messagesOut")) {
      out.put(key, d.getValue(key, 0L));
    }
    JsonObject channels = d.getJsonObject("channels", new JsonObject());
    channels.remove("held"); // a gauge
    return out.put("channels", channels.put("heldAtEnd", number(end, "channels.held")));
  }

  /** A number at a dotted path, or −1. */
  static long number(JsonObject stats, String path) {
    String[] parts = path.split("\\.");
    JsonObject node = stats;
    for (int i = 0; i < parts.length - 1; i++) {
      node = node.getJsonObject(parts[i]);
      if (node == null) {
        return -1;
      }
    }
    Object v = node.getValue(parts[parts.length - 1]);
    return v instanceof Number n ? n.longValue() : -1;
  }
}
