package io.socketpush.internal;

import io.vertx.core.Vertx;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import io.vertx.ext.web.handler.sockjs.impl.JsonCodec;

import java.util.List;

/** What the SockJS transports need of vertx-web's SockJS implementation. */
public final class SockJsInternals {
  /** vertx-web's map of the xhr, eventsource, htmlfile and jsonp sessions of all its SockJS handlers. */
  private static final String SESSIONS_MAP = "_vertx.sockjssessions";

  private SockJsInternals() {
  }

  /**
   * A JSON array of strings escaped as SockJS clients expect (it escapes more than JSON needs, so that
   * every browser transport carries it intact): {@code ["…"]}.
   */
  public static String encode(String... messages) {
    return JsonCodec.encode(messages);
  }

  /** The strings of a SockJS client's JSON array, or null if it is not one. */
  public static List<String> decode(String text) {
    return JsonCodec.decodeValues(text);
  }

  /** The session vertx-web holds under this id for any SockJS handler of this Vert.x, or null. */
  public static SockJSSocket session(Vertx vertx, String id) {
    return vertx.sharedData().getLocalMap(SESSIONS_MAP).get(id) instanceof SockJSSocket session ? session : null;
  }
}
