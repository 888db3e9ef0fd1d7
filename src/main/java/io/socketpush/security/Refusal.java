package io.socketpush.security;

/** A handshake turned down: the HTTP status it gets and the reason counted in metrics and logged. */
public final class Refusal extends RuntimeException {
  private final int status;
  private final String reason;

  private final short closeCode;
  private final String closeReason;

  public Refusal(int status, String reason) {
    this(status, reason, (short) 0, null);
  }

  /**
   * A refusal that the application asked to be a close: a WebSocket is accepted and closed at once with
   * this code (4000-4999) and reason, so the client sees them; other transports get the status.
   */
  public Refusal(int status, String reason, short closeCode, String closeReason) {
    super(reason, null, false, false);
    this.status = status;
    this.reason = reason;
    this.closeCode = closeCode;
    this.closeReason = closeReason;
  }

  /** The WebSocket close code to answer with instead of the status, or 0. */
  public short closeCode() {
    return closeCode;
  }

  public String closeReason() {
    return closeReason;
  }

  public int status() {
    return status;
  }

  public String reason() {
    return reason;
  }
}
