package io.socketpush.wire;

/** The RFC 6455 close codes the server sends. */
public final class CloseCodes {
  private CloseCodes() {
  }

  public static final short NORMAL = 1000;
  /** Server shutting down, or the peer went silent. */
  public static final short GOING_AWAY = 1001;
  public static final short PROTOCOL_ERROR = 1002;
  /** A text message that is not UTF-8. */
  public static final short INVALID_PAYLOAD = 1007;
  /** Slow consumer, and later: flood, expired token. */
  public static final short POLICY_VIOLATION = 1008;
  public static final short MESSAGE_TOO_BIG = 1009;
}
