package io.socketpush.transport;

import io.socketpush.TestService;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpResponseExpectation;
import io.vertx.core.http.RequestOptions;

import java.util.Map;
import java.util.function.Predicate;

/** Plain HTTP requests and streamed responses against a test node, as a non-WebSocket client makes them. */
final class HttpProbe {
  private final Vertx vertx;
  private final int port;
  /** Every request and stream of this probe is made on this context's event loop ({@link TestService#on}). */
  private final Context context;

  HttpProbe(Vertx vertx, int port) {
    this.vertx = vertx;
    this.port = port;
    this.context = vertx.getOrCreateContext();
  }

  record Reply(int status, MultiMap headers, String body, long tookMs) {
  }

  Future<Reply> get(String path, Map<String, String> headers) {
    return send(HttpMethod.GET, path, headers, null);
  }

  Future<Reply> send(HttpMethod method, String path, Map<String, String> headers, String body) {
    return TestService.on(context, () -> sendHere(method, path, headers, body));
  }

  private Future<Reply> sendHere(HttpMethod method, String path, Map<String, String> headers, String body) {
    HttpClient http = client();
    long start = System.currentTimeMillis();
    RequestOptions options = new RequestOptions().setMethod(method).setPort(port).setHost(TestService.HOST).setURI(path);
    headers.forEach(options::putHeader);
    return http.request(options)
        .compose(req -> body == null ? req.send() : req.send(body))
        .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b.toString(),
            System.currentTimeMillis() - start)))
        .eventually(http::close);
  }

  /**
   * A streamed response (SSE): its head, and the text received so far. Chunks arrive on an event loop while
   * a test thread waits with {@link #until}: both go through the stream's lock, or a chunk and a waiter can
   * miss each other (each sees the other's state from before) and the wait never ends.
   */
  static final class Stream {
    final HttpClientResponse response;
    private final StringBuilder text = new StringBuilder();
    final long openedAtMs = System.currentTimeMillis();
    private final Promise<Void> ended = Promise.promise();
    private Predicate<String> until;
    private Promise<String> matched;

    Stream(HttpClientResponse response) {
      this.response = response;
      response.handler(chunk -> {
        synchronized (this) {
          text.append(chunk.toString());
          check();
        }
      });
      response.endHandler(v -> ended.tryComplete());
      response.exceptionHandler(ended::tryFail);
    }

    /** Completes with the text received so far as soon as it matches. */
    synchronized Future<String> until(Predicate<String> condition) {
      until = condition;
      matched = Promise.promise();
      check();
      return matched.future();
    }

    /** The text received so far. */
    synchronized String text() {
      return text.toString();
    }

    Future<Void> ended() {
      return ended.future();
    }

    void close() {
      response.request().connection().close();
    }

    private void check() {
      if (until != null && until.test(text.toString())) {
        until = null;
        matched.tryComplete(text.toString());
      }
    }
  }

  /** Opens a stream; fails unless the status is 200. */
  Future<Stream> stream(String path, Map<String, String> headers) {
    return stream(HttpMethod.GET, path, headers);
  }

  /** Opens a stream with a request of this method and no body (SockJS's xhr-streaming is a POST); fails unless the status is 200. */
  Future<Stream> stream(HttpMethod method, String path, Map<String, String> headers) {
    return TestService.on(context, () -> streamHere(method, path, headers));
  }

  private Future<Stream> streamHere(HttpMethod method, String path, Map<String, String> headers) {
    HttpClient http = client();
    RequestOptions options = new RequestOptions().setMethod(method).setPort(port).setHost(TestService.HOST).setURI(path);
    headers.forEach(options::putHeader);
    return http.request(options).compose(req -> req.send()).expecting(HttpResponseExpectation.SC_OK).map(Stream::new);
  }

  /** A stream on a connection with a small receive buffer, so that a client that stops reading is soon full. */
  Future<Stream> slowStream(String path) {
    return TestService.on(context, () -> slowStreamHere(path));
  }

  private Future<Stream> slowStreamHere(String path) {
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setReceiveBufferSize(4096));
    TestService.keepReachable(vertx, http);
    return http.request(new RequestOptions().setPort(port).setHost(TestService.HOST).setURI(path))
        .compose(req -> req.send()).expecting(HttpResponseExpectation.SC_OK).map(Stream::new);
  }

  private HttpClient client() {
    HttpClient http = vertx.createHttpClient();
    TestService.keepReachable(vertx, http);
    return http;
  }
}
