package io.socketpush.security;

/** A handshake turned down: the HTTP status it gets and the reason counted in metrics and logged. */
public final class Refusal extends RuntimeException {
  private final int status;
  private final String reason;

  public Refusal(int status, String reason) {
    super(reason, null, false, false);
    this.status = status;
    this.reason = reason;
  }

  public int status() {
    return status;
  }

  public String reason() {
    return reason;
  }
}
