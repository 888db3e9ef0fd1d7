package io.socketpush.config;

import java.util.Arrays;
import java.util.List;

/**
 * @param enabled       clustered event bus on Hazelcast; off means standalone and no Hazelcast at all
 * @param name          cluster name: members with another name never join this cluster
 * @param host          address bound and announced, for Hazelcast and the event bus
 * @param port          Hazelcast member port
 * @param discovery     {@code tcp} (the members list) or {@code kubernetes} (DNS of a headless service)
 * @param members       {@code host:port} of members to join with tcp discovery
 * @param serviceDns    headless service name for kubernetes discovery
 * @param eventBusPort  event-bus TCP port; 0 picks a free one
 */
public record ClusterConfig(boolean enabled, String name, String host, int port, String discovery,
                            List<String> members, String serviceDns, int eventBusPort) {

  static List<String> members(String commaSeparated) {
    return Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(m -> !m.isEmpty()).toList();
  }
}
