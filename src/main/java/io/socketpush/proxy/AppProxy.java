package io.socketpush.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.socketpush.config.ProxyConfig;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Asks the application beside socket-push (connect, subscribe, publish) over HTTP: a JSON body and the
 * allowed headers of the original request in, {@code {"result":…}}, {@code {"error":…}} or
 * {@code {"disconnect":…}} out. One per node, shared by its event loops; a call never blocks, never
 * outlives {@code proxy.timeoutMs}, and at most {@code proxy.maxInFlight} are made at once. Every call
 * ends in one {@link Outcome}, counted in {@code socketpush_proxy_calls_total{kind,outcome}}.
 */
public final class AppProxy {
  private static final Logger LOG = LoggerFactory.getLogger(AppProxy.class);
  /** An application's answer is a few fields: a larger body is not one. */
  static final int MAX_ANSWER_BYTES = 64 * 1024;

  /** What the call is about; each has its URL. */
  public enum Kind {
    CONNECT, SUBSCRIBE, PUBLISH;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** How a call ended. */
  public enum Outcome {
    /** {@code {"result":…}} that reads well. */
    OK,
    /** {@code {"error":…}}: the application said no. */
    REFUSED,
    /** {@code {"disconnect":…}}: the application said close. */
    DISCONNECT,
    /** no whole answer within {@code proxy.timeoutMs} */
    TIMEOUT,
    /** an HTTP status other than 200 */
    STATUS,
    /** not JSON, not one of the three shapes, or a result that does not read (a user id outside the allowed set) */
    INVALID,
    /** no connection, or the connection broke */
    UNREACHABLE,
    /** {@code proxy.maxInFlight} calls already waiting */
    BUSY;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final Vertx vertx;
  private final ProxyConfig config;
  private final HttpClient client;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Map<Kind, Map<Outcome, Counter>> counters = new EnumMap<>(Kind.class);

  public AppProxy(Vertx vertx, ProxyConfig config, MeterRegistry registry) {
    this.vertx = vertx;
    this.config = config;
    this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) config.timeoutMs())
            .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(config.maxInFlight()));
    for (Kind kind : Kind.values()) {
      Map<Outcome, Counter> byOutcome = new EnumMap<>(Outcome.class);
      for (Outcome outcome : Outcome.values()) {
        byOutcome.put(outcome, Counter.builder("socketpush.proxy.calls").tag("kind", kind.label()).tag("outcome", outcome.label())
            .description("calls to the application's proxy URLs, by what they were about and how they ended").register(registry));
      }
      counters.put(kind, byOutcome);
    }
    Gauge.builder("socketpush.proxy.in_flight", inFlight::get)
        .description("calls to the application waiting for an answer (at most proxy.maxInFlight)").register(registry);
  }

  public ProxyConfig config() {
    return config;
  }

  /**
   * A copy of the request headers that {@link #passOn} may use ({@code proxy.headers} and the cookies), for a
   * connection that calls the application later: it need not keep the whole request. Null for null.
   */
  public MultiMap kept(MultiMap headers) {
    if (headers == null) {
      return null;
    }
    MultiMap kept = MultiMap.caseInsensitiveMultiMap();
    for (String name : config.headers()) {
      if (headers.contains(name)) {
        kept.set(name, headers.getAll(name)); // set: a name listed twice (or Cookie, below) is kept once
      }
    }
    if (headers.contains(HttpHeaders.COOKIE)) {
      kept.set(HttpHeaders.COOKIE.toString(), headers.getAll(HttpHeaders.COOKIE));
    }
    return kept;
  }

  /**
   * Puts on {@code options} what {@code proxy.headers} lets through: each name is a request header,
   * passed on whole, or else the name of a cookie, passed on alone in a {@code Cookie} header (so
   * {@code sessionid} passes the session and not the other cookies of the application's domain).
   */
  private void passOn(MultiMap headers, RequestOptions options) {
    if (headers == null) {
      return;
    }
    List<String> cookies = new ArrayList<>();
    for (String name : config.headers()) {
      if (headers.contains(name)) {
        options.putHeader(name, List.<CharSequence>copyOf(headers.getAll(name)));
      } else {
        for (String header : headers.getAll(HttpHeaders.COOKIE)) {
          cookies.addAll(cookiesNamed(header, name));
        }
      }
    }
    if (!cookies.isEmpty() && !options.getHeaders().contains(HttpHeaders.COOKIE)) {
      options.putHeader(HttpHeaders.COOKIE, String.join("; ", cookies));
    }
  }

  /** The {@code name=value} pairs of a Cookie header whose name is exactly {@code name}, as sent. */
  static List<String> cookiesNamed(String header, String name) {
    List<String> found = new ArrayList<>();
    for (String pair : header.split(";")) {
      String cookie = pair.trim();
      int eq = cookie.indexOf('=');
      if (eq > 0 && cookie.substring(0, eq).trim().equals(name)) {
        found.add(cookie);
      }
    }
    return found;
  }

  /** Whether the application is asked about this kind of thing. */
  public boolean asks(Kind kind) {
    return !url(kind).isEmpty();
  }

  public int inFlight() {
    return inFlight.get();
  }

  /**
   * Asks the application; completes with its result read by {@code read} (which throws
   * {@link IllegalArgumentException} for a result it cannot accept), or fails with {@link Denied} (the
   * application said no, or close) or {@link Failed} (no usable answer: refuse).
   *
   * @param headers the original request's headers, of which those of {@code proxy.headers} are passed on
   */
  public <T> Future<T> ask(Kind kind, JsonObject body, MultiMap headers, Function<JsonObject, T> read) {
    String clientId = body.getString("client");
    if (inFlight.incrementAndGet() > config.maxInFlight()) {
      inFlight.decrementAndGet();
      return Future.failedFuture(ended(kind, clientId, Outcome.BUSY, "too many calls in flight"));
    }
    Call answer = new Call();
    long deadline = vertx.setTimer(config.timeoutMs(), t -> fail(answer, kind, clientId, Outcome.TIMEOUT,
        "no answer within " + config.timeoutMs() + " ms"));
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url(kind))
        .setConnectTimeout(config.timeoutMs()).setIdleTimeout(config.timeoutMs())
        .putHeader("Content-Type", "application/json").putHeader("Accept", "application/json");
    passOn(headers, options);
    client.request(options).onComplete(opened -> {
      if (opened.failed()) {
        fail(answer, kind, clientId, Outcome.UNREACHABLE, opened.cause().toString());
        return;
      }
      HttpClientRequest request = opened.result();
      answer.future().onFailure(e -> request.reset()); // a late or broken answer: give the socket back now
      request.send(body.toBuffer()).onComplete(sent -> {
        if (sent.failed()) {
          fail(answer, kind, clientId, Outcome.UNREACHABLE, sent.cause().toString());
          return;
        }
        if (sent.result().statusCode() != 200) {
          fail(answer, kind, clientId, Outcome.STATUS, "HTTP " + sent.result().statusCode());
          return;
        }
        Buffer whole = Buffer.buffer();
        sent.result().handler(chunk -> {
          whole.appendBuffer(chunk);
          if (whole.length() > MAX_ANSWER_BYTES) {
            fail(answer, kind, clientId, Outcome.INVALID, "answer over " + MAX_ANSWER_BYTES + " bytes");
          }
        });
        sent.result().exceptionHandler(e -> fail(answer, kind, clientId, Outcome.UNREACHABLE, e.toString()));
        sent.result().endHandler(v -> {
          try {
            answer.answered(whole.toJsonObject());
          } catch (RuntimeException e) {
            fail(answer, kind, clientId, Outcome.INVALID, "not a JSON object");
          }
        });
      });
    });
    return answer.future().eventually(() -> {
      vertx.cancelTimer(deadline);
      inFlight.decrementAndGet();
      return Future.succeededFuture();
    }).compose(json -> read(kind, clientId, json, read));
  }

  private <T> Future<T> read(Kind kind, String clientId, JsonObject json, Function<JsonObject, T> read) {
    try {
      if (json.getValue("result") instanceof JsonObject result) {
        T value = read.apply(result);
        ended(kind, clientId, Outcome.OK, null);
        return Future.succeededFuture(value);
      }
      if (json.getValue("error") instanceof JsonObject error && error.getValue("code") instanceof Integer code) {
        ended(kind, clientId, Outcome.REFUSED, "error " + code);
        return Future.failedFuture(new Denied(false, code, text(error.getValue("message"), "refused by the application")));
      }
      if (json.getValue("disconnect") instanceof JsonObject close && close.getValue("code") instanceof Integer code
          && code >= 4000 && code <= 4999) {
        ended(kind, clientId, Outcome.DISCONNECT, "close " + code);
        return Future.failedFuture(new Denied(true, code, text(close.getValue("reason"), "closed by the application")));
      }
      throw new IllegalArgumentException("none of result, error {code}, disconnect {code 4000-4999}");
    } catch (IllegalArgumentException | ClassCastException e) {
      return Future.failedFuture(ended(kind, clientId, Outcome.INVALID, e.getMessage()));
    }
  }

  private static String text(Object value, String otherwise) {
    if (!(value instanceof String s) || s.isEmpty()) {
      return otherwise;
    }
    return s.length() > 120 ? s.substring(0, 120) : s; // a close reason has at most 123 bytes
  }

  /**
   * Fails the call unless it has ended already: a call ends once, counted once (a reset after a timeout is no
   * second outcome), and counted before whoever waits for it hears of it.
   */
  private void fail(Call answer, Kind kind, String clientId, Outcome outcome, String why) {
    if (answer.end()) {
      answer.fail(ended(kind, clientId, outcome, why));
    }
  }

  /** One call's answer: it ends once, whichever comes first (the answer, a failure, the deadline). */
  private static final class Call {
    private final AtomicBoolean ended = new AtomicBoolean();
    private final Promise<JsonObject> promise = Promise.promise();

    boolean end() {
      return ended.compareAndSet(false, true);
    }

    void answered(JsonObject json) {
      if (end()) {
        promise.complete(json);
      }
    }

    void fail(Failed failed) {
      promise.fail(failed);
    }

    Future<JsonObject> future() {
      return promise.future();
    }
  }

  /** Counts the outcome and logs it; returns the failure to give the caller. */
  private Failed ended(Kind kind, String clientId, Outcome outcome, String why) {
    count(kind, clientId, outcome, why);
    return new Failed(outcome, why);
  }

  /** Counts the outcome and logs it, with the connection's id (the access log's {@code client=}). */
  private void count(Kind kind, String client, Outcome outcome, String why) {
    counters.get(kind).get(outcome).increment();
    if (outcome == Outcome.OK) {
      LOG.debug("proxy {}: ok client={}", kind.label(), client);
    } else if (outcome == Outcome.REFUSED || outcome == Outcome.DISCONNECT) {
      LOG.info("proxy {}: {} ({}) client={}", kind.label(), outcome.label(), why, client);
    } else {
      LOG.warn("proxy {} failed: {} ({}) client={}", kind.label(), outcome.label(), why, client);
    }
  }

  private String url(Kind kind) {
    return switch (kind) {
      case CONNECT -> config.connectUrl();
      case SUBSCRIBE -> config.subscribeUrl();
      case PUBLISH -> config.publishUrl();
    };
  }

  public Future<Void> close() {
    return client.close();
  }

  /** The application answered no: {@code {"error":{code,message}}}, or {@code {"disconnect":{code,reason}}}. */
  public static final class Denied extends RuntimeException {
    private final boolean disconnect;
    private final int code;

    Denied(boolean disconnect, int code, String message) {
      super(message, null, false, false);
      this.disconnect = disconnect;
      this.code = code;
    }

    /** Whether the application asked to close (a WebSocket close code of 4000-4999) rather than refuse. */
    public boolean disconnect() {
      return disconnect;
    }

    public int code() {
      return code;
    }
  }

  /** No usable answer: the call is refused (error 100, or HTTP 502/503 for a connection). */
  public static final class Failed extends RuntimeException {
    private final Outcome outcome;

    Failed(Outcome outcome, String why) {
      super("proxy " + outcome.label() + ": " + why, null, false, false);
      this.outcome = outcome;
    }

    public Outcome outcome() {
      return outcome;
    }
  }
}
