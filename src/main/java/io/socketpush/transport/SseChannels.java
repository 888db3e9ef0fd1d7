package io.socketpush.transport;

import io.netty.buffer.ByteBuf;
import io.socketpush.channel.ChannelConnection;
import io.socketpush.channel.ChannelError;
import io.socketpush.channel.ChannelFanOut;
import io.socketpush.channel.ChannelMessages;
import io.socketpush.core.Publication;
import io.socketpush.security.Refusal;
import io.socketpush.ws.ChannelEndpoint;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.function.Function;

/**
 * {@code GET /sse/channels/{name}}: one channel per stream, for clients that cannot open a WebSocket. The
 * stream opens with {@code event: subscribed} (the subscribe result of {@code /ws}); each publication is an
 * event with {@code id: <epoch>-<seq>} and the {@code /ws} JSON as data; presence is {@code event: join} or
 * {@code event: leave} with the client's JSON ({@code event: presence} with {@code {"joins":J,"leaves":L}} once a
 * second for those over {@code channels.presenceEventsPerSecond}). {@code Last-Event-ID} (or {@code ?lastEventId=}) of that form
 * recovers what was missed. It is a {@link ChannelConnection} that subscribes once and sends nothing, so
 * the channel's rules, recovery and presence are those of {@code /ws}; publishing is {@code POST /api/channels/{name}}.
 */
final class SseChannels implements SseStreams.Source {
  /** A publication or presence event as SSE, made once per publication: the {@code /ws} JSON is shared, not copied. */
  private static final Function<Publication, ByteBuf> EVENT = p -> {
    String head = switch (p.kind()) {
      case PUBLICATION -> "id: " + p.epoch() + "-" + p.seq() + "\ndata: ";
      case JOIN -> "event: join\ndata: ";
      case LEAVE -> "event: leave\ndata: ";
      case PRESENCE -> "event: presence\ndata: ";
    };
    return SseStreams.event(head, p.kind() == Publication.Kind.PUBLICATION ? p.encoded(ChannelMessages.JSON) : p.dataJson());
  };

  private final ChannelFanOut fanOut;

  SseChannels(ChannelFanOut fanOut) {
    this.fanOut = fanOut;
  }

  @Override
  public Future<Void> follow(RoutingContext ctx, SseStreams.Stream stream) {
    String channel = ctx.pathParam("name");
    int recent = recent(ctx);
    if (recent < 0) {
      return Future.failedFuture(new Refusal(400, "bad request"));
    }
    Position from = Position.parse(SseStreams.lastEventId(ctx.request()));
    ChannelConnection connection = new ChannelConnection(fanOut, new ChannelConnection.Link() {
      @Override
      public void reply(String json) {
        // no requests come over SSE, so no replies go
      }

      @Override
      public void deliver(Publication publication) {
        stream.write(publication.encoded(EVENT), publication.receivedAtMs());
      }

      @Override
      public void close(short code, String reason) {
        stream.close(code);
      }
    }, stream.client(), stream.subject(), stream.name(ChannelEndpoint.displayName(ctx.request().query())),
        ctx.request().headers());
    stream.onClose(connection::closed);
    return connection.follow(channel, from.seq(), from.epoch(), recent, result -> stream.open(subscribed(result, from)))
        .<Void>mapEmpty()
        .recover(e -> Future.failedFuture(refusal(e)));
  }

  /** {@code ?recent=N}: the last N publications kept, sent after the first event when no position is given; −1 if malformed. */
  private static int recent(RoutingContext ctx) {
    String recent = ctx.request().getParam("recent");
    try {
      return recent == null ? 0 : Integer.parseInt(recent);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * The first event. Its id is where the stream stands, so an EventSource that reconnects before any
   * publication came still recovers what it missed: the client's own position when the missed
   * publications follow, the position before the recent ones when they follow, else the channel's top.
   */
  private static Buffer subscribed(JsonObject result, Position from) {
    long at = result.getBoolean("recovered", false) ? from.seq() : result.getLong("seq") - result.getLong("recent", 0L);
    return Buffer.buffer("event: subscribed\nid: " + result.getString("epoch") + "-" + at + "\ndata: " + result.encode() + "\n\n");
  }

  /** The HTTP refusal of a subscription that failed, with a reason from a short fixed list (it is a metric tag). */
  private static Refusal refusal(Throwable cause) {
    if (!(cause instanceof ChannelError e)) {
      return cause instanceof Refusal r ? r : new Refusal(500, "internal error");
    }
    return new Refusal(e.httpStatus(), switch (e.code()) {
      case ChannelError.UNKNOWN_CHANNEL -> "unknown channel";
      case ChannelError.PERMISSION_DENIED -> "channel not allowed";
      case ChannelError.UNAUTHORIZED -> "channel needs a token";
      case ChannelError.BAD_REQUEST -> "bad channel name";
      default -> "channel unavailable";
    });
  }

  /** A position in a channel, {@code <epoch>-<seq>}; seq −1 when none was given (nothing to recover). */
  record Position(String epoch, long seq) {
    static final Position NONE = new Position("", -1);

    static Position parse(String id) {
      int dash = id == null ? -1 : id.lastIndexOf('-');
      if (dash <= 0) {
        return NONE;
      }
      try {
        long seq = Long.parseLong(id.substring(dash + 1));
        return seq < 0 ? NONE : new Position(id.substring(0, dash), seq);
      } catch (NumberFormatException e) {
        return NONE;
      }
    }
  }
}
