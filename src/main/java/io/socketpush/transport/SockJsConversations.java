package io.socketpush.transport;

import io.socketpush.channel.ChannelConnection;
import io.socketpush.channel.ChannelFanOut;
import io.socketpush.channel.ChannelMessages;
import io.socketpush.core.Hub;
import io.socketpush.core.Publication;
import io.socketpush.core.Subscriber;
import io.socketpush.time.TickFanOut;
import io.socketpush.ws.ChannelEndpoint;

import java.util.function.Function;

/** What the HTTP SockJS sessions of each path do once admitted. */
final class SockJsConversations {
  static final String TIME_PATH = "/sockjs/time";
  static final String CHANNELS_PATH = "/sockjs/channels";

  private SockJsConversations() {
  }

  /** {@code /sockjs/time}: each tick's JSON as one SockJS message; what the client sends is ignored, as on {@code /ws/time}. */
  static Function<SockJsSessions.Session, SockJsSessions.Conversation> ticks(Hub hub) {
    return session -> {
      Subscriber subscriber = tick -> session.write(tick.dataJson(), tick.receivedAtMs());
      hub.subscribe(TickFanOut.CHANNEL, subscriber);
      return new SockJsSessions.Conversation() {
        @Override
        public void received(String message) {
        }

        @Override
        public void ended() {
          hub.unsubscribe(TickFanOut.CHANNEL, subscriber);
        }
      };
    };
  }

  /** The display name the connect proxy gave, else the one chosen with {@code ?name=}. */
  private static String name(SockJsSessions.Session session) {
    var principal = session.principal();
    return principal != null && principal.name() != null ? principal.name() : ChannelEndpoint.displayName(session.query());
  }

  /**
   * {@code /sockjs/channels}: the JSON protocol of {@code /ws}, one SockJS message per request, reply,
   * publication (the same JSON, encoded once) or presence event; {@code ?name=} as on {@code /ws}.
   */
  static Function<SockJsSessions.Session, SockJsSessions.Conversation> channels(ChannelFanOut fanOut) {
    return session -> {
      ChannelConnection connection = new ChannelConnection(fanOut, new ChannelConnection.Link() {
        @Override
        public void reply(String json) {
          session.send(json);
        }

        @Override
        public void deliver(Publication publication) {
          session.write(publication.encoded(ChannelMessages.JSON), publication.receivedAtMs());
        }

        @Override
        public void close(short code, String reason) {
          session.close(code, reason);
        }
      }, session.client(), session.subject(), name(session), session.headers());
      if (session.principal() != null && !session.principal().channels().isEmpty()) {
        connection.subscribeAtOnce(session.principal().channels());
      }
      return new SockJsSessions.Conversation() {
        @Override
        public void received(String message) {
          connection.handle(message);
        }

        @Override
        public void ended() {
          connection.closed();
        }
      };
    };
  }
}
