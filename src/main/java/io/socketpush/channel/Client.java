package io.socketpush.channel;

import io.vertx.core.json.JsonObject;

import java.io.Serializable;

/**
 * One subscriber as presence shows it.
 *
 * @param id   the connection's id, unique in the cluster
 * @param user the JWT subject, or null for an anonymous client
 * @param name the display name the client chose (unauthenticated), or null
 * @param node the member it is connected to, so its entries go when that member dies
 */
public record Client(String id, String user, String name, String node) implements Serializable {
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("client", id);
    if (user != null) {
      json.put("user", user);
    }
    if (name != null) {
      json.put("name", name);
    }
    return json;
  }
}
