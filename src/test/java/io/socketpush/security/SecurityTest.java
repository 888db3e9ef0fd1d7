package io.socketpush.security;

import io.socketpush.TestService;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Origin checks, tokens, TLS: each refusal with its status, each admission for real. */
@ExtendWith(VertxExtension.class)
class SecurityTest {
  private static final String SECRET = "test-secret-that-is-long-enough-for-hs256";

  private final List<Object> keep = new ArrayList<>(); // Vert.x closes clients that become garbage

  private Future<WebSocket> connect(Vertx vertx, TestService service, String uri, String... headers) {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(TestService.HOST).setPort(service.port()).setURI(uri);
    boolean origin = false;
    for (int i = 0; i < headers.length; i += 2) {
      options.addHeader(headers[i], headers[i + 1]);
      origin |= headers[i].equalsIgnoreCase("Origin");
    }
    // the Vert.x client sends an Origin of its own (the server's): only the test's Origin may go
    options.setAllowOriginHeader(origin);
    var client = vertx.createWebSocketClient();
    keep.add(client);
    return client.connect(options);
  }

  private static void assertRefused(Throwable err, int status) {
    assertInstanceOf(UpgradeRejectedException.class, err, String.valueOf(err));
    assertEquals(status, ((UpgradeRejectedException) err).getStatus());
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://evil.example", "http://localhost.evil.example", "null", "http://127.0.0.1.evil.example:80"})
  void aForeignOriginIsRefusedWith403(String origin, Vertx vertx, VertxTestContext ctx) {
    TestService.start(vertx).compose(s -> connect(vertx, s, "/ws/time", "Origin", origin))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertRefused(err, 403);
          ctx.completeNow();
        })));
  }

  @Test
  void theServicesOwnOriginAndLocalDevelopmentAreAllowed(Vertx vertx, VertxTestContext ctx) {
    TestService.start(vertx).compose(s -> Future.all(
            connect(vertx, s, "/ws/echo", "Origin", "http://127.0.0.1:" + s.port()),
            connect(vertx, s, "/ws/echo", "Origin", "http://localhost:3000"),
            connect(vertx, s, "/ws/echo")))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void onlyTheExactConfiguredOriginIsAllowed(Vertx vertx, VertxTestContext ctx) {
    JsonObject conf = new JsonObject().put("security", new JsonObject().put("allowedOrigins", "https://app.example.com"));
    TestService.start(vertx, conf).compose(s -> connect(vertx, s, "/ws/echo", "Origin", "https://APP.example.com:443")
            .compose(ok -> connect(vertx, s, "/ws/echo", "Origin", "https://app.example.com.evil.net"))
            .transform(ar -> {
              ctx.verify(() -> assertRefused(ar.cause(), 403));
              return connect(vertx, s, "/ws/echo", "Origin", "http://localhost:3000"); // not listed now
            }))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertRefused(err, 403);
          ctx.completeNow();
        })));
  }

  @Test
  void aMissingOriginIsRefusedWhenRequired(Vertx vertx, VertxTestContext ctx) {
    JsonObject conf = new JsonObject().put("security", new JsonObject().put("requireOrigin", true));
    TestService.start(vertx, conf).compose(s -> connect(vertx, s, "/ws/echo"))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertRefused(err, 403);
          ctx.completeNow();
        })));
  }

  private static JsonObject jwtRequired() {
    return new JsonObject().put("security", new JsonObject().put("jwt",
        new JsonObject().put("required", true).put("secret", SECRET).put("issuer", "socket-push-test")));
  }

  private static String token(Vertx vertx, String secret, int expiresInSeconds, String issuer) {
    JWTAuth signer = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
    long exp = System.currentTimeMillis() / 1000 + expiresInSeconds;
    return signer.generateToken(new JsonObject().put("sub", "alice").put("exp", exp), new JWTOptions().setIssuer(issuer));
  }

  @Test
  void aMissingTokenIsRefusedWith401(Vertx vertx, VertxTestContext ctx) {
    TestService.start(vertx, jwtRequired()).compose(s -> connect(vertx, s, "/ws/time"))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertRefused(err, 401);
          ctx.completeNow();
        })));
  }

  @ParameterizedTest
  @ValueSource(strings = {"wrong-secret", "expired", "wrong-issuer", "garbage"})
  void aBadTokenIsRefusedWith401(String kind, Vertx vertx, VertxTestContext ctx) {
    String token = switch (kind) {
      case "wrong-secret" -> token(vertx, "another-secret-that-is-also-long-enough", 60, "socket-push-test");
      case "expired" -> token(vertx, SECRET, -60, "socket-push-test");
      case "wrong-issuer" -> token(vertx, SECRET, 60, "someone-else");
      default -> "not.a.jwt";
    };
    TestService.start(vertx, jwtRequired()).compose(s -> connect(vertx, s, "/ws/time", "Authorization", "Bearer " + token))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertRefused(err, 401);
          ctx.completeNow();
        })));
  }

  @Test
  void aSignedTokenWhoseExpIsAStringIsRefusedWith401OnASocketAndOverRest(Vertx vertx, VertxTestContext ctx) {
    String token = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)))
        .generateToken(new JsonObject().put("sub", "mallory").put("exp", "tomorrow"), new JWTOptions().setIssuer("socket-push-test"));
    TestService.start(vertx, jwtRequired()).compose(s -> connect(vertx, s, "/ws/time", "Authorization", "Bearer " + token)
            .transform(ws -> {
              ctx.verify(() -> assertRefused(ws.cause(), 401));
              var http = vertx.createHttpClient();
              keep.add(http);
              return http.request(HttpMethod.POST, s.port(), TestService.HOST, "/api/channels/chat:x")
                  .compose(req -> req.putHeader("Authorization", "Bearer " + token).send("{\"text\":\"hi\"}"))
                  .compose(resp -> resp.body().map(body -> new TestService.Response(resp.statusCode(), body)));
            }))
        .onComplete(ctx.succeeding(resp -> ctx.verify(() -> {
          assertEquals(401, resp.status(), resp.body().toString());
          assertEquals(101, resp.body().toJsonObject().getJsonObject("error").getInteger("code"));
          ctx.completeNow();
        })));
  }

  @Test
  void aValidTokenInTheHeaderOrTheQueryIsAdmitted(Vertx vertx, VertxTestContext ctx) {
    String token = token(vertx, SECRET, 60, "socket-push-test");
    TestService.start(vertx, jwtRequired()).compose(s -> Future.all(
            connect(vertx, s, "/ws/echo", "Authorization", "Bearer " + token),
            connect(vertx, s, "/ws/echo?token=" + token)))
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anRs256TokenIsCheckedAgainstTheConfiguredPublicKey(Vertx vertx, VertxTestContext ctx) throws Exception {
    java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    java.security.KeyPair pair = generator.generateKeyPair();
    java.util.Base64.Encoder base64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes());
    String publicPem = "-----BEGIN PUBLIC KEY-----\n" + base64.encodeToString(pair.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
    String privatePem = "-----BEGIN PRIVATE KEY-----\n" + base64.encodeToString(pair.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
    String token = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("RS256").setBuffer(privatePem)))
        .generateToken(new JsonObject().put("sub", "carol"), new JWTOptions().setAlgorithm("RS256"));
    String forged = token(vertx, SECRET, 60, "socket-push-test"); // HS256: must not pass for RS256
    JsonObject conf = new JsonObject().put("security", new JsonObject().put("jwt", new JsonObject()
        .put("required", true).put("algorithm", "RS256").put("publicKey", publicPem)));
    TestService.start(vertx, conf).compose(s -> connect(vertx, s, "/ws/echo", "Authorization", "Bearer " + token)
            .compose(admitted -> connect(vertx, s, "/ws/echo", "Authorization", "Bearer " + forged)
                .transform(ar -> ar.failed() ? Future.succeededFuture(ar.cause()) : Future.failedFuture("an HS256 token passed"))))
        .onComplete(ctx.succeeding(err -> ctx.verify(() -> {
          assertRefused(err, 401);
          ctx.completeNow();
        })));
  }

  @Test
  void aSocketIsClosedWith1008WhenItsTokenExpires(Vertx vertx, VertxTestContext ctx) {
    String token = token(vertx, SECRET, 2, "socket-push-test");
    long start = System.currentTimeMillis();
    TestService.start(vertx, jwtRequired()).compose(s -> connect(vertx, s, "/ws/time?token=" + token))
        .compose(ws -> {
          Promise<Short> code = Promise.promise();
          ws.closeHandler(v -> code.complete(ws.closeStatusCode()));
          return code.future();
        })
        .onComplete(ctx.succeeding(code -> ctx.verify(() -> {
          long after = System.currentTimeMillis() - start;
          assertEquals((short) 1008, code);
          assertTrue(after >= 1000 && after < 4500, "closed after " + after + " ms");
          ctx.completeNow();
        })));
  }

  @Test
  void servesWssAndHttpsWithAPemCertificate(Vertx vertx, VertxTestContext ctx) {
    SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    JsonObject conf = new JsonObject().put("tls", new JsonObject()
        .put("cert", certificate.certificatePath()).put("key", certificate.privateKeyPath()));
    TestService.start(vertx, conf).compose(s -> {
      var wss = vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
      var https = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
      keep.add(wss);
      keep.add(https);
      Future<String> echoed = wss.connect(s.port(), TestService.HOST, "/ws/echo").compose(ws -> {
        Promise<String> reply = Promise.promise();
        ws.textMessageHandler(reply::complete);
        ws.writeTextMessage("over TLS");
        return reply.future();
      });
      Future<Integer> live = https.request(HttpMethod.GET, s.port(), TestService.HOST, "/health/live")
          .compose(req -> req.send()).map(resp -> resp.statusCode());
      Future<Void> plain = s.connect("/ws/echo").transform(ar -> ar.failed() ? Future.succeededFuture()
          : Future.failedFuture("plain ws:// was accepted on the TLS port"));
      return Future.all(echoed, live, plain);
    }).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
      assertEquals("over TLS", all.resultAt(0));
      assertEquals(200, (Integer) all.resultAt(1));
      ctx.completeNow();
    })));
  }
}
