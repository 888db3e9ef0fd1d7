package io.socketpush.ws;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.socketpush.channel.ChannelConnection;
import io.socketpush.channel.ChannelFanOut;
import io.socketpush.channel.ChannelMessages;
import io.socketpush.push.Publication;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketFrame;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/**
 * {@code /ws}: one socket, many channels, in the JSON protocol of {@link ChannelConnection}. A text
 * message may come in fragments; it is read once whole. {@code ?name=} gives the client a display
 * name for presence (up to 32 characters; a JWT's subject is shown beside it, never replaced by it).
 */
public final class ChannelEndpoint implements Endpoint {
  static final int MAX_NAME = 32;

  private final ChannelFanOut fanOut;
  private final int requestsPerSecond;

  public ChannelEndpoint(ChannelFanOut fanOut, int requestsPerSecond) {
    this.fanOut = fanOut;
    this.requestsPerSecond = requestsPerSecond;
  }

  @Override
  public String name() {
    return "channels";
  }

  @Override
  public int messagesPerSecond() {
    return requestsPerSecond;
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
    ChannelConnection.Link link = new ChannelConnection.Link() {
      @Override
      public void reply(String json) {
        session.send(json);
      }

      @Override
      public void deliver(Publication publication) {
        session.write(publication, ChannelMessages.WEBSOCKET);
      }

      @Override
      public void close(short code, String reason) {
        session.close(code, reason);
      }
    };
    session.attach(new State(new ChannelConnection(fanOut, link, UUID.randomUUID().toString(), session.subject(),
        displayName(session.socket().query()))));
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

  private static void message(State state, boolean binary, Buffer payload) {
    if (binary) {
      state.connection.unreadable("binary messages are not part of the protocol: send JSON text");
    } else {
      state.connection.handle(payload.toString(StandardCharsets.UTF_8));
    }
  }

  @Override
  public void closed(WsSession session) {
    State state = session.attachment();
    state.connection.closed();
  }

  static String displayName(String query) {
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
