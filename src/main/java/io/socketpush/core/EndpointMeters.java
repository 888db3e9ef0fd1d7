package io.socketpush.core;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The meters of one WebSocket endpoint, tagged {@code endpoint=NAME}; looked up once per socket. */
public final class EndpointMeters {
  private final MeterRegistry registry;
  private final String name;
  private final AtomicLong open = new AtomicLong();
  private final Counter opened;
  private final Map<Integer, Counter> closed = new ConcurrentHashMap<>();
  private final Counter messagesIn;
  private final Counter messagesOut;
  private final Counter bytesIn;
  private final Counter bytesOut;

  EndpointMeters(MeterRegistry registry, String name) {
    this.registry = registry;
    this.name = name;
    Gauge.builder("socketpush.sockets.open", open, AtomicLong::get).tag("endpoint", name)
        .description("open WebSockets").register(registry);
    opened = counter("socketpush.sockets.opened", "WebSockets accepted");
    messagesIn = counter("socketpush.messages.in", "messages received from clients");
    messagesOut = counter("socketpush.messages.out", "messages written to clients");
    bytesIn = counter("socketpush.bytes.in", "payload bytes received from clients");
    bytesOut = counter("socketpush.bytes.out", "payload bytes written to clients");
  }

  private Counter counter(String meter, String description) {
    return Counter.builder(meter).tag("endpoint", name).description(description).register(registry);
  }

  public String name() {
    return name;
  }

  public void opened() {
    open.incrementAndGet();
    opened.increment();
  }

  public void closed(int code) {
    open.decrementAndGet();
    closed.computeIfAbsent(code, c -> Counter.builder("socketpush.sockets.closed").tag("endpoint", name)
        .tag("code", String.valueOf(c)).description("WebSockets closed, by close code").register(registry)).increment();
  }

  /** A frame of {@code bytes} payload came in; {@code last} if it ended a message. */
  public void in(int bytes, boolean last) {
    bytesIn.increment(bytes);
    if (last) {
      messagesIn.increment();
    }
  }

  /** A frame of {@code bytes} payload went out; {@code last} if it ended a message. */
  public void out(int bytes, boolean last) {
    bytesOut.increment(bytes);
    if (last) {
      messagesOut.increment();
    }
  }

  long open() {
    return open.get();
  }

  long messagesIn() {
    return (long) messagesIn.count();
  }

  long messagesOut() {
    return (long) messagesOut.count();
  }

  Map<String, Long> closedByCode() {
    Map<String, Long> byCode = new TreeMap<>();
    closed.forEach((code, n) -> byCode.put(String.valueOf(code), (long) n.count()));
    return byCode;
  }
}
