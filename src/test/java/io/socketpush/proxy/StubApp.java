package io.socketpush.proxy;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * The application beside socket-push, as tests need it: a real HTTP server on a random port that answers
 * each proxy path the way a test says (a JSON answer, a 500, text that is not JSON, half an answer, nothing),
 * and remembers what it was asked and which of its connections are open.
 */
public final class StubApp {
  /** A request the stub received: its path, JSON body and headers. */
  public record Asked(String path, JsonObject body, MultiMap headers) {
  }

  private final HttpServer server;
  private final Map<String, BiConsumer<HttpServerRequest, JsonObject>> answers = new ConcurrentHashMap<>();
  private final List<Asked> asked = new CopyOnWriteArrayList<>();
  private final AtomicInteger open = new AtomicInteger();
  private volatile Promise<Void> allClosed = Promise.promise();

  private StubApp(HttpServer server) {
    this.server = server;
  }

  public static Future<StubApp> start(Vertx vertx) {
    HttpServer server = vertx.createHttpServer();
    StubApp stub = new StubApp(server);
    server.connectionHandler(conn -> {
      if (stub.open.incrementAndGet() == 1) {
        stub.allClosed = Promise.promise();
      }
      conn.closeHandler(v -> {
        if (stub.open.decrementAndGet() == 0) {
          stub.allClosed.tryComplete();
        }
      });
    });
    server.requestHandler(req -> req.body().onSuccess(body -> {
      JsonObject json;
      try {
        json = body.toJsonObject();
      } catch (RuntimeException e) {
        json = null;
      }
      stub.asked.add(new Asked(req.path(), json, MultiMap.caseInsensitiveMultiMap().addAll(req.headers())));
      BiConsumer<HttpServerRequest, JsonObject> answer = stub.answers.get(req.path());
      if (answer == null) {
        req.response().setStatusCode(404).end();
      } else {
        answer.accept(req, json);
      }
    }));
    return server.listen(0, "127.0.0.1").map(s -> stub);
  }

  public String url(String path) {
    return "http://127.0.0.1:" + server.actualPort() + path;
  }

  /** Answers the path with this JSON. */
  public StubApp json(String path, JsonObject answer) {
    return on(path, (req, body) -> req.response().putHeader("Content-Type", "application/json").end(answer.encode()));
  }

  public StubApp on(String path, BiConsumer<HttpServerRequest, JsonObject> answer) {
    answers.put(path, answer);
    return this;
  }

  /** How the application can fail to answer. */
  public enum Fault {
    /** HTTP 500 */
    ERROR_500,
    /** 200 with a body that is not JSON */
    NOT_JSON,
    /** the head and half a body, then nothing */
    SLOW,
    /** nothing at all */
    SILENT
  }

  public StubApp fault(String path, Fault fault) {
    return on(path, (req, body) -> {
      switch (fault) {
        case ERROR_500 -> req.response().setStatusCode(500).end("oops");
        case NOT_JSON -> req.response().putHeader("Content-Type", "application/json").end("<html>not json</html>");
        case SLOW -> req.response().setChunked(true).putHeader("Content-Type", "application/json").write("{\"result\":");
        case SILENT -> { }
      }
    });
  }

  public List<Asked> asked() {
    return asked;
  }

  public int openConnections() {
    return open.get();
  }

  /** Completes once no connection to the stub is open (after at least one was). */
  public Future<Void> allConnectionsClosed() {
    if (open.get() == 0) {
      return Future.succeededFuture();
    }
    return allClosed.future();
  }

  public Future<Void> close() {
    return server.close();
  }
}
