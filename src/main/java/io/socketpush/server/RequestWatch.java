package io.socketpush.server;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * One HTTP/1 connection's progress, between the request decoder and Vert.x: whether it waits for a request's
 * head, for its body, or for the answer to a WebSocket handshake (each with a deadline, and holding a pending
 * slot of its address), or is being answered (neither: how long an answer takes, a long-poll or a stream, is
 * the business of its transport). Pipelined requests are counted, so a head read ahead of the previous answer
 * is not missed. Runs on the connection's event loop, like the sweep that reads it.
 */
final class RequestWatch extends ChannelDuplexHandler {
  private enum Phase { HEAD, BODY, HANDSHAKE, ANSWERING }

  private final RequestDeadlines owner;
  private final String ip;
  private ChannelHandlerContext ctx;
  private Phase phase = Phase.HEAD;
  private long deadlineNanos;
  private boolean holding = true; // the slot taken at accept
  /** Request heads read whose responses have not ended yet. */
  private int outstanding;
  private boolean bodyDone = true;
  private boolean upgrade;

  RequestWatch(RequestDeadlines owner, String ip, long acceptedNanos) {
    this.owner = owner;
    this.ip = ip;
    this.deadlineNanos = acceptedNanos + owner.headerTimeoutNanos();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    owner.forget(this);
    if (holding) {
      holding = false;
      owner.release(ip);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof HttpRequest request) {
      outstanding++;
      bodyDone = false;
      upgrade = request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
      deadlineNanos = System.nanoTime() + owner.bodyTimeoutNanos();
    }
    if (msg instanceof LastHttpContent) {
      bodyDone = true;
    }
    if (msg instanceof HttpRequest || msg instanceof LastHttpContent) {
      update();
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
    if (msg instanceof HttpResponse response && response.status().code() == 101) {
      ctx.write(msg, promise);
      ctx.pipeline().remove(this); // a WebSocket now: its own bounds apply
      return;
    }
    ctx.write(msg, promise);
    boolean informational = msg instanceof HttpResponse response && response.status().code() < 200;
    if (msg instanceof LastHttpContent && !informational && outstanding > 0) {
      outstanding--;
      update();
    }
  }

  private void update() {
    Phase next = outstanding == 0 && bodyDone ? Phase.HEAD
        : upgrade ? Phase.HANDSHAKE
        : !bodyDone ? Phase.BODY
        : Phase.ANSWERING;
    if (next == Phase.HEAD && phase != Phase.HEAD) {
      deadlineNanos = System.nanoTime() + owner.headerTimeoutNanos(); // keep-alive: the next head from now
    }
    phase = next;
    boolean waiting = phase != Phase.ANSWERING;
    if (waiting && !holding) {
      holding = owner.reacquire(ip);
      if (!holding) {
        ctx.flush(); // the response that just ended goes out first
        ctx.close();
      }
    } else if (!waiting && holding) {
      holding = false;
      owner.release(ip);
    }
  }

  /** Why it is overdue at {@code now}, or null if it is not. */
  String overdue(long now) {
    if (phase == Phase.ANSWERING || now - deadlineNanos < 0) {
      return null;
    }
    return switch (phase) {
      case HEAD -> RequestDeadlines.REASON_HEADER;
      case BODY -> RequestDeadlines.REASON_BODY;
      default -> RequestDeadlines.REASON_HANDSHAKE;
    };
  }

  void close() {
    if (ctx != null) {
      ctx.channel().close();
    }
  }
}
