package io.socketpush;

import io.vertx.core.transport.Transport;

import java.util.ArrayList;
import java.util.List;

/**
 * The Netty transport a node's Vert.x runs on, from {@code http.transport}: a native one (epoll, io_uring)
 * where it loads, NIO otherwise. The native libraries ship in the jar for Linux x86_64; elsewhere, or where
 * the kernel or a container's seccomp profile refuses them, the node runs on NIO and says why.
 *
 * <p>{@code auto} takes epoll first: it is the native transport Vert.x and Netty have long defaulted to on
 * Linux; io_uring, which submits a pass's writes together, is taken when asked for, or when epoll does not load.
 *
 * @param transport what Vert.x is built with
 * @param asked     the setting: auto, epoll, io_uring or nio
 * @param why       why a native transport asked for (or tried by auto) did not load; empty if none failed
 */
record NetworkTransport(Transport transport, String asked, String why) {
  /** The native transports auto tries, in order. */
  private static final List<String> AUTO = List.of("epoll", "io_uring");

  static NetworkTransport choose(String asked) {
    List<String> tried = asked.equals("auto") ? AUTO : asked.equals("nio") ? List.of() : List.of(asked);
    List<String> failures = new ArrayList<>();
    for (String name : tried) {
      Transport t = named(name);
      if (t != null && t.available()) {
        return new NetworkTransport(t, asked, String.join("; ", failures));
      }
      failures.add(name + " did not load: " + cause(t));
    }
    return new NetworkTransport(Transport.NIO, asked, String.join("; ", failures));
  }

  private static Transport named(String name) {
    return switch (name) {
      case "epoll" -> Transport.EPOLL;
      case "io_uring" -> Transport.IO_URING;
      default -> throw new IllegalArgumentException("not a native transport: " + name);
    };
  }

  /** Why a transport is unavailable, in one line: the root cause's message, as Netty's loader phrases it. */
  private static String cause(Transport t) {
    if (t == null) {
      return "its classes are not on the class path";
    }
    Throwable cause = t.unavailabilityCause();
    if (cause == null) {
      return "unavailable";
    }
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause.toString();
  }

  /** {@code epoll}, {@code io_uring} or {@code nio}. */
  String name() {
    return transport.name();
  }

  /** A transport was asked for by name and another runs. */
  boolean fellBack() {
    return !asked.equals("auto") && !asked.equals(name());
  }

  /** The start-up log line: which transport runs, and why not the one asked for or tried first. */
  String describe() {
    return "network transport: " + name() + " (http.transport=" + asked + (why.isEmpty() ? "" : "; " + why) + ")";
  }
}
