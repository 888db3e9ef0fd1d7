package io.socketpush.ws;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.socketpush.channel.ChannelConnection;
import io.socketpush.channel.ChannelFanOut;
import io.socketpush.channel.ChannelMessages;
import io.socketpush.core.Publication;
import io.socketpush.security.TokenAuthenticator.Principal;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;

/**
 * {@code /ws}: one socket, many channels, in the JSON protocol of {@link ChannelConnection}. A text
 * message may come in fragments; it is read once whole. {@code ?name=} gives the client a display
 * name for presence (up to 32 characters; a JWT's subject is shown beside it, never replaced by it).
 * The same endpoint serves SockJS's WebSocket transports of {@code /sockjs/channels} with another
 * {@link Framing}. How many messages a socket may send is {@link ChannelConnection}'s rule, the same
 * on every transport.
 */
public final class ChannelEndpoint implements Endpoint {
  static final int MAX_NAME = 32;

  /** How the protocol's messages are framed on the socket. */
  public interface Framing {
    /** Each message as its own text frame, as on {@code /ws}. */
    Framing PLAIN = new Framing() {
      @Override
      public String frame(String json) {
        return json;
      }

      @Override
      public Function<Publication, ByteBuf> publications() {
        return ChannelMessages.WEBSOCKET;
      }

      @Override
      public List<String> messages(String text) {
        return List.of(text);
      }
    };

    /** Sent as the socket opens, or null. */
    default String greeting() {
      return null;
    }

    /** A reply's JSON as the text of one frame. */
    String frame(String json);

    /** A publication as a whole WebSocket frame, encoded once and shared by every socket. */
    Function<Publication, ByteBuf> publications();

    /** The protocol messages in one text message from the client, or null if it cannot be read. */
    List<String> messages(String text);
  }

  private final String name;
  private final ChannelFanOut fanOut;
  private final Framing framing;

  public ChannelEndpoint(ChannelFanOut fanOut) {
    this("channels", fanOut, Framing.PLAIN);
  }

  /** @param name the endpoint's name in stats and logs */
  public ChannelEndpoint(String name, ChannelFanOut fanOut, Framing framing) {
    this.name = name;
    this.fanOut = fanOut;
    this.framing = framing;
  }

  @Override
  public String name() {
    return name;
  }

  /** The connection's protocol state, and the fragments of a message still coming. */
  private static final class State {
    final ChannelConnection connection;
    Buffer partial;
    boolean partialBinary;

    State(ChannelConnection connection) {
      this.connection = connection;
    }
  }

  @Override
  public void opened(WsSession session) {
    if (framing.greeting() != null) {
      session.send(framing.greeting());
    }
    ChannelConnection.Link link = new ChannelConnection.Link() {
      @Override
      public void reply(String json) {
        session.send(framing.frame(json));
      }

      @Override
      public void deliver(Publication publication) {
        session.write(publication, framing.publications());
      }

      @Override
      public void close(short code, String reason) {
        session.close(code, reason);
      }
    };
    Principal principal = session.principal();
    String name = principal != null && principal.name() != null ? principal.name() : displayName(session.socket().query());
    ChannelConnection connection = new ChannelConnection(fanOut, link, session.client(), session.subject(), name,
        session.socket().headers());
    session.attach(new State(connection));
    if (principal != null && !principal.channels().isEmpty()) {
      connection.subscribeAtOnce(principal.channels());
    }
  }

  @Override
  public void frame(WsSession session, WebSocketFrame frame) {
    State state = session.attachment();
    if (frame.isFinal() && !frame.isContinuation()) {
      message(state, frame.isBinary(), frame.binaryData());
      return;
    }
    if (!frame.isContinuation()) {
      state.partial = Buffer.buffer();
      state.partialBinary = frame.isBinary();
    }
    state.partial.appendBuffer(frame.binaryData()); // the size is bounded by ws.maxMessageBytes
    if (frame.isFinal()) {
      Buffer whole = state.partial;
      state.partial = null;
      message(state, state.partialBinary, whole);
    }
  }

  private void message(State state, boolean binary, Buffer payload) {
    List<String> messages = binary ? null : framing.messages(payload.toString(StandardCharsets.UTF_8));
    if (messages == null) {
      state.connection.unreadable(binary ? "binary messages are not part of the protocol: send JSON text"
          : "a SockJS message is a JSON array of strings");
      return;
    }
    for (String message : messages) {
      state.connection.handle(message);
    }
  }

  @Override
  public void closed(WsSession session) {
    State state = session.attachment();
    state.connection.closed();
  }

  /** The display name a client chose with {@code ?name=} (at most 32 characters), or null. */
  public static String displayName(String query) {
    if (query == null) {
      return null;
    }
    List<String> names = new QueryStringDecoder(query, false).parameters().get("name");
    if (names == null || names.isEmpty() || names.get(0).isBlank()) {
      return null;
    }
    String name = names.get(0).strip();
    return name.length() > MAX_NAME ? name.substring(0, MAX_NAME) : name;
  }
}
