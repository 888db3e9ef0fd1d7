package io.socketpush.channel;

/**
 * A request on a channel that cannot be done, with the code a client sees in an error reply. The
 * codes follow Centrifugo's where they mean the same thing; the REST API answers with the HTTP status.
 */
public final class ChannelError extends RuntimeException {
  public static final int INTERNAL = 100;
  public static final int UNAUTHORIZED = 101;
  public static final int UNKNOWN_CHANNEL = 102;
  public static final int PERMISSION_DENIED = 103;
  public static final int METHOD_NOT_FOUND = 104;
  public static final int ALREADY_SUBSCRIBED = 105;
  public static final int LIMIT_EXCEEDED = 106;
  public static final int BAD_REQUEST = 107;
  public static final int NOT_SUBSCRIBED = 108;
  public static final int TOO_LARGE = 109;
  public static final int TOO_MANY_REQUESTS = 111;
  /**
   * The node holds {@code channels.maxChannels} channels and every one has a subscriber: a new channel is refused
   * until one is left (HTTP 503; not one of Centrifugo's codes).
   */
  public static final int CHANNELS_FULL = 113;
  /**
   * This member cannot reach a majority of the cluster (a network partition, or most members down): it
   * numbers no publication, so that none it acknowledges is lost or renumbered when the sides merge
   * (HTTP 503; not one of Centrifugo's codes; docs/partitions.md). Try again, or on another member.
   */
  public static final int NO_QUORUM = 114;

  /** The most of a client's own text an error message repeats. */
  static final int MAX_QUOTED = 64;

  private final int code;

  public ChannelError(int code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public int code() {
    return code;
  }

  /**
   * What a client sent, as an error message may quote it: at most {@link #MAX_QUOTED} characters, then
   * an ellipsis. A reply repeating a client's whole field would let one small connection make the server
   * write (and queue, if it does not read) as much as it sends.
   */
  public static String quote(String clientText) {
    return clientText.length() <= MAX_QUOTED ? clientText : clientText.substring(0, MAX_QUOTED) + "…";
  }

  /** The HTTP status of the same refusal. */
  public int httpStatus() {
    switch (code) {
      case UNAUTHORIZED: return 401;
      case UNKNOWN_CHANNEL: return 404;
      case PERMISSION_DENIED: return 403;
      case TOO_LARGE: return 413;
      case TOO_MANY_REQUESTS: return 429;
      case CHANNELS_FULL: return 503;
      case NO_QUORUM: return 503;
      case INTERNAL: return 500;
      default: return 400;
    }
  }
}
