package io.socketpush.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Members on addresses of their own on {@code lo} (127.0.X.11, .12, .13, X at random so two runs on one
 * machine do not meet), and an nftables table that cuts them from each other: packets from one member's
 * address to another's are dropped, both ways, on the output hook (loopback traffic passes it once). Only
 * member-to-member traffic matches: an unbound client connecting to a member address leaves from that same
 * address (the kernel's choice on lo), so the test's clients always get through, and so would a member's
 * connection that did not bind its own address; members do (Hazelcast's
 * {@code hazelcast.socket.client.bind.any=false}, the event bus client's local address), which
 * {@link #foreignConnections} checks.
 *
 * <p>Root only. The table ({@code inet socketpush_partition_<pid>}) and the addresses (label
 * {@code lo:sp<pid>}) are removed by {@link #close}, by a shutdown hook if the JVM is stopped, and, if it
 * was killed, by the next run, which removes those of processes that are gone.
 */
final class LoopbackPartition implements AutoCloseable {
  private static final String TABLE_PREFIX = "socketpush_partition_";
  private static final String LABEL_PREFIX = "lo:sp";

  private final List<String> addresses;
  private final String table;
  private final String label;
  private final Thread hook = new Thread(this::cleanUp, "partition-cleanup");
  private boolean closed;

  private LoopbackPartition(List<String> addresses) {
    long pid = ProcessHandle.current().pid();
    this.addresses = addresses;
    this.table = TABLE_PREFIX + pid;
    this.label = LABEL_PREFIX + pid;
  }

  /** Why this machine cannot run the harness, or null if it can. */
  static String cannotRun() {
    try {
      if (!run("id", "-u").trim().equals("0")) {
        return "not root: adding loopback addresses and nftables rules needs root";
      }
      if (which("nft") == null) {
        return "no nft: install Debian's nftables package";
      }
      if (which("ip") == null) {
        return "no ip: install Debian's iproute2 package";
      }
      run("nft", "list", "tables"); // fails without CAP_NET_ADMIN (a container without it)
      return null;
    } catch (IOException e) {
      return e.getMessage();
    }
  }

  /** Adds {@code count} addresses to lo and an empty table with an output chain. */
  static LoopbackPartition create(int count) throws IOException {
    removeLeftovers();
    List<String> addresses = pickAddresses(count);
    LoopbackPartition partition = new LoopbackPartition(addresses);
    Runtime.getRuntime().addShutdownHook(partition.hook);
    try {
      for (String address : addresses) {
        run("ip", "addr", "add", address + "/32", "dev", "lo", "label", partition.label);
      }
      partition.apply(List.of());
    } catch (IOException | RuntimeException e) {
      partition.close();
      throw e;
    }
    return partition;
  }

  List<String> addresses() {
    return addresses;
  }

  /** Cuts every member in {@code side} from every member not in it (a set of member indices, from 0). */
  void split(Set<Integer> side) throws IOException {
    List<String> rules = new ArrayList<>();
    for (int a : side) {
      for (int b = 0; b < addresses.size(); b++) {
        if (!side.contains(b)) {
          rules.add("ip saddr " + addresses.get(a) + " ip daddr " + addresses.get(b) + " drop");
          rules.add("ip saddr " + addresses.get(b) + " ip daddr " + addresses.get(a) + " drop");
        }
      }
    }
    apply(rules);
  }

  /** Lets every member reach every other again. */
  void heal() throws IOException {
    apply(List.of());
  }

  /** Replaces the chain's rules in one transaction: a cut or a heal is never half applied. */
  private void apply(List<String> rules) throws IOException {
    StringBuilder script = new StringBuilder()
        .append("table inet ").append(table).append(" {\n")
        .append("  chain output { type filter hook output priority 0; policy accept; }\n")
        .append("}\n")
        .append("flush chain inet ").append(table).append(" output\n");
    for (String rule : rules) {
      script.append("add rule inet ").append(table).append(" output ").append(rule).append('\n');
    }
    Path file = Files.createTempFile("partition", ".nft");
    try {
      Files.writeString(file, script);
      run("nft", "-f", file.toString());
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /**
   * Whether a socket bound to {@code from} reaches {@code toPort} on {@code to} within the timeout: what a
   * member's own connections meet.
   */
  static boolean reaches(String from, String to, int toPort, int timeoutMs) {
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress(from, 0));
      socket.connect(new InetSocketAddress(to, toPort), timeoutMs);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * The established connections to one of {@code ports} on a member address that do not come from another
   * member's address: from 127.0.0.1, or from the destination's own address (what an unbound socket gets on
   * lo), both of which would slip past the rules. Members never connect to themselves.
   */
  List<String> foreignConnections(Set<Integer> ports) throws IOException {
    List<String> foreign = new ArrayList<>();
    for (String line : run("ss", "-Htn", "state", "established").split("\n")) {
      String[] fields = line.trim().split("\\s+");
      if (fields.length < 4) {
        continue;
      }
      String local = plain(fields[fields.length - 2]);
      String peer = plain(fields[fields.length - 1]);
      String peerHost = peer.substring(0, peer.lastIndexOf(':'));
      int peerPort = Integer.parseInt(peer.substring(peer.lastIndexOf(':') + 1));
      String localHost = local.substring(0, local.lastIndexOf(':'));
      if (addresses.contains(peerHost) && ports.contains(peerPort) && (!addresses.contains(localHost) || localHost.equals(peerHost))) {
        foreign.add(local + " -> " + peer);
      }
    }
    return foreign;
  }

  private static String plain(String address) {
    return address.replace("[::ffff:", "").replace("]", "");
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    cleanUp();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or will: it does the same
    }
  }

  private synchronized void cleanUp() {
    if (closed) {
      return;
    }
    closed = true;
    quietly("nft", "delete", "table", "inet", table);
    for (String address : addresses) {
      quietly("ip", "addr", "del", address + "/32", "dev", "lo");
    }
  }

  /** Tables and addresses of earlier runs whose JVM was killed before it could remove them. */
  private static void removeLeftovers() {
    try {
      for (String line : run("nft", "list", "tables").split("\n")) {
        String name = line.trim().replace("table inet ", "");
        if (name.startsWith(TABLE_PREFIX) && gone(name.substring(TABLE_PREFIX.length()))) {
          quietly("nft", "delete", "table", "inet", name);
        }
      }
      // "1: lo    inet 127.0.123.11/32 scope host lo:sp4242\       valid_lft forever ..."
      Matcher ours = Pattern.compile("inet (\\S+) .*\\b" + Pattern.quote(LABEL_PREFIX) + "(\\d+)")
          .matcher(run("ip", "-o", "-4", "addr", "show", "dev", "lo"));
      while (ours.find()) {
        if (gone(ours.group(2))) {
          quietly("ip", "addr", "del", ours.group(1), "dev", "lo");
        }
      }
    } catch (IOException e) {
      System.out.println("PartitionIT: leftovers of earlier runs not looked for: " + e.getMessage());
    }
  }

  private static boolean gone(String pid) {
    try {
      return ProcessHandle.of(Long.parseLong(pid)).map(p -> !p.isAlive()).orElse(true);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static List<String> pickAddresses(int count) throws IOException {
    String taken = run("ip", "-o", "-4", "addr", "show");
    for (int attempt = 0; attempt < 50; attempt++) {
      int block = 100 + ThreadLocalRandom.current().nextInt(100);
      List<String> addresses = new ArrayList<>();
      for (int i = 1; i <= count; i++) {
        addresses.add("127.0." + block + "." + (10 + i));
      }
      if (addresses.stream().noneMatch(a -> taken.contains(" " + a + "/"))) {
        return addresses;
      }
    }
    throw new IOException("no free block of loopback addresses");
  }

  private static String which(String tool) {
    for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return dir + "/" + tool;
      }
    }
    return null;
  }

  private static void quietly(String... command) {
    try {
      run(command);
    } catch (IOException e) {
      System.out.println("PartitionIT: " + e.getMessage());
    }
  }

  static String run(String... command) throws IOException {
    List<String> resolved = new ArrayList<>(List.of(command));
    String path = which(command[0]);
    if (path != null) {
      resolved.set(0, path);
    }
    Process process = new ProcessBuilder(resolved).redirectErrorStream(true).start();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(String.join(" ", command) + ": no answer within 20 s");
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException(String.join(" ", command) + ": interrupted");
    }
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed (" + process.exitValue() + "): " + out.trim());
    }
    return out;
  }
}
