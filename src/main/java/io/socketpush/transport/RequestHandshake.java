package io.socketpush.transport;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.util.List;

/**
 * A plain HTTP request seen as a WebSocket handshake, so the HTTP transports pass the very same
 * {@link io.socketpush.security.HandshakePolicy} (origin, rate, token, connection slot), refusal counters
 * and access log as {@code /ws/time}, without a second copy of those rules. Only what the policy reads
 * is real: headers, query, path, addresses. It can never be accepted.
 */
public final class RequestHandshake implements ServerWebSocketHandshake {
  private final MultiMap headers;
  private final String uri;
  private final String path;
  private final String query;
  private final SocketAddress remote;
  private final SocketAddress local;
  private final boolean ssl;

  private RequestHandshake(MultiMap headers, String uri, String path, String query, SocketAddress remote,
                           SocketAddress local, boolean ssl) {
    this.headers = headers;
    this.uri = uri;
    this.path = path;
    this.query = query;
    this.remote = remote;
    this.local = local;
    this.ssl = ssl;
  }

  public static RequestHandshake of(HttpServerRequest request) {
    return new RequestHandshake(request.headers(), request.uri(), request.path(), request.query(),
        request.remoteAddress(), request.localAddress(), request.isSSL());
  }

  /**
   * A SockJS session, from the request that opened it.
   *
   * @param headers that request's headers as it came (vertx-web strips the cookies of {@link SockJSSocket#headers()})
   */
  static RequestHandshake of(SockJSSocket socket, MultiMap headers, boolean ssl) {
    String uri = socket.uri();
    int q = uri.indexOf('?');
    return new RequestHandshake(headers, uri, q < 0 ? uri : uri.substring(0, q), q < 0 ? null : uri.substring(q + 1),
        socket.remoteAddress(), socket.localAddress(), ssl);
  }

  @Override
  public MultiMap headers() {
    return headers;
  }

  @Override
  public String scheme() {
    return ssl ? "https" : "http";
  }

  @Override
  public HostAndPort authority() {
    String host = headers.get("Host");
    return host == null ? null : HostAndPort.parseAuthority(host, ssl ? 443 : 80);
  }

  @Override
  public String uri() {
    return uri;
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public String query() {
    return query;
  }

  @Override
  public Future<ServerWebSocket> accept() {
    return Future.failedFuture(new UnsupportedOperationException("a plain HTTP request is not upgraded"));
  }

  @Override
  public Future<Void> reject(int status) {
    return Future.failedFuture(new UnsupportedOperationException("answer the HTTP request instead"));
  }

  @Override
  public SocketAddress remoteAddress() {
    return remote;
  }

  @Override
  public SocketAddress localAddress() {
    return local;
  }

  @Override
  public boolean isSsl() {
    return ssl;
  }

  @Override
  public SSLSession sslSession() {
    return null;
  }

  @Override
  public List<Certificate> peerCertificates() {
    return List.of();
  }
}
