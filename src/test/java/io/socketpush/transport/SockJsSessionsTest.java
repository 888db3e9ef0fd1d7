package io.socketpush.transport;

import io.socketpush.Await;
import io.socketpush.TestService;
import io.socketpush.config.ConfigSources;
import io.socketpush.config.ServiceConfig;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What vertx-web hands {@link SockJsSessions}, taken once, however often it is handed. */
@ExtendWith(VertxExtension.class)
class SockJsSessionsTest {

  /** A session as vertx-web's socket handler sees it: an xhr-polling session from 127.0.0.1. */
  private static SockJSSocket session(AtomicInteger closes) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Host", "127.0.0.1");
    return (SockJSSocket) Proxy.newProxyInstance(SockJSSocket.class.getClassLoader(), new Class<?>[] {SockJSSocket.class},
        (proxy, method, args) -> switch (method.getName()) {
          case "uri" -> "/sockjs/test/000/1/xhr";
          case "headers" -> headers;
          case "remoteAddress", "localAddress" -> SocketAddress.inetSocketAddress(1, "127.0.0.1");
          case "close" -> {
            closes.incrementAndGet();
            yield null;
          }
          case "hashCode" -> System.identityHashCode(proxy);
          case "equals" -> proxy == args[0];
          case "toString" -> "session";
          default -> method.getReturnType().isInstance(proxy) ? proxy : null; // the fluent setters
        });
  }

  @Test
  void aSessionHandedOverTwiceIsOpenedOnce(Vertx vertx) {
    TestService service = Await.result(TestService.start(vertx), 20);
    ServiceConfig config = ServiceConfig.from(ConfigSources.of(new JsonObject()));
    AtomicInteger conversations = new AtomicInteger();
    AtomicInteger ended = new AtomicInteger();
    SockJsSessions sessions = new SockJsSessions(vertx, config, new Gate(service.app().node().handshakes(), service.app().node().stats(), service.app().node()::draining), new TokenExpiry(vertx, service.app().node().clock()), service.app().node().stats(),
        service.app().node().clock(), "/sockjs/test", "sockjs-test", session -> {
          conversations.incrementAndGet();
          return new SockJsSessions.Conversation() {
            @Override
            public void received(String message) {
            }

            @Override
            public void ended() {
              ended.incrementAndGet();
            }
          };
        });
    AtomicInteger closes = new AtomicInteger();
    SockJSSocket socket = session(closes);
    Context context = vertx.getOrCreateContext();
    Promise<Void> opened = Promise.promise();
    context.runOnContext(v -> {
      sessions.mount(Router.router(vertx));
      sessions.opened(socket);
      sessions.opened(socket); // vertx-web's race: the client's next poll registered before "o" was marked sent
      vertx.setTimer(200, t -> opened.complete());
    });
    Await.result(opened.future(), 10);
    assertEquals(1, conversations.get(), "one conversation");
    assertEquals(1L, open(service), "one slot, one open session");

    Promise<Void> closed = Promise.promise();
    context.runOnContext(v -> sessions.drain().onComplete(closed));
    Await.result(closed.future(), 10);
    assertEquals(1, ended.get());
    assertEquals(1, closes.get(), "closed once");
    assertEquals(0L, open(service));

    Promise<Void> again = Promise.promise();
    context.runOnContext(v -> {
      sessions.opened(socket); // a closed session is forgotten: nothing is kept per socket after it
      vertx.setTimer(200, t -> again.complete());
    });
    Await.result(again.future(), 10);
    assertEquals(2, closes.get(), "taken again, and refused while draining");
    assertEquals(0L, open(service));
  }

  private static long open(TestService service) {
    return service.app().node().stats().toJson().getJsonObject("socketsOpen").getLong("sockjs-test");
  }
}
