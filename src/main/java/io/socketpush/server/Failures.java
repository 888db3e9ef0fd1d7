package io.socketpush.server;

import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.socketpush.core.PushStats;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;

/**
 * Answers every failure of the router, so vertx-web never logs one as "Unhandled exception in router" (ERROR
 * with a stack trace, once per request: a client could flood the log). A failure a client caused is answered
 * with its status and counted; an unexpected one is logged at WARN the first time its kind is seen on this
 * event loop, and at DEBUG after.
 */
final class Failures {
  static final String REASON_TOO_LARGE = "body too large";
  private static final Logger LOG = LoggerFactory.getLogger(Failures.class);

  private final PushStats stats;
  /** Kinds of unexpected failure already logged at WARN; few (one per exception class), and of this event loop only. */
  private final Set<String> warned = new HashSet<>();

  Failures(PushStats stats) {
    this.stats = stats;
  }

  /**
   * The HTTP status of a failure: its own, or 413 for a form the request decoder would not hold (Netty's
   * limits on fields and field sizes: a form POST to a route with a body handler), or 500.
   */
  static int status(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof HttpPostRequestDecoder.TooManyFormFieldsException
        || failure instanceof HttpPostRequestDecoder.TooLongFormFieldException
        || failure instanceof IOException) { // "Size exceed allowed maximum capacity": a form field over the limit
      return 413; // the body handler says 400, or nothing
    }
    if (ctx.statusCode() > 0) {
      return ctx.statusCode();
    }
    if (failure instanceof HttpException e) {
      return e.getStatusCode();
    }
    return 500;
  }

  /** Counts the failure, and logs it if it is unexpected; returns its status. */
  int record(RoutingContext ctx) {
    int status = status(ctx);
    if (status == 413) {
      stats.httpRefused(REASON_TOO_LARGE);
    } else if (status >= 500) {
      Throwable failure = ctx.failure();
      String kind = failure == null ? "status " + status : failure.getClass().getName();
      if (warned.add(kind)) {
        LOG.warn("request failed on {} (logged once per kind; then at DEBUG)", ctx.request().path(), failure);
      } else {
        LOG.debug("request failed on {}", ctx.request().path(), failure);
      }
    }
    return status;
  }

  /** The router's last failure handler: the status and its reason phrase, as plain text. */
  void answer(RoutingContext ctx) {
    int status = record(ctx);
    if (!ctx.response().ended() && !ctx.response().closed()) {
      ctx.response().setStatusCode(status).end(ctx.response().getStatusMessage());
    }
  }
}
