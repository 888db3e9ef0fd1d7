package io.socketpush.channel;

import java.util.ArrayList;
import java.util.List;

/** The protocol clients a test opened, closed after it whatever state each is in. */
public final class ProtocolClients {
  private final List<ProtocolClient> opened = new ArrayList<>();

  /** Connects a client to {@code pathAndQuery} on {@code port} and keeps it to close. */
  public ProtocolClient connect(io.vertx.core.Vertx vertx, int port, String pathAndQuery) {
    return add(ProtocolClient.connect(vertx, port, pathAndQuery));
  }

  public ProtocolClient add(ProtocolClient client) {
    opened.add(client);
    return client;
  }

  public ProtocolClient get(int index) {
    return opened.get(index);
  }

  /** Closes every client; one the server or the test closed already is left as it is. */
  public void closeAll() {
    for (ProtocolClient client : opened) {
      try {
        client.close();
      } catch (RuntimeException alreadyClosed) {
        // closed by the server or by the test
      }
    }
    opened.clear();
  }
}
