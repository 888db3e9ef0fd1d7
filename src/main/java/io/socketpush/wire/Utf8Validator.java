package io.socketpush.wire;

import io.netty.buffer.ByteBuf;

/**
 * Incremental UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF), so a text message split over several frames is checked as it arrives and an invalid
 * one is refused at the first bad byte. The state is one int: 0 between characters,
 * {@link #INVALID} after an error, otherwise the bytes still owed and the range the next may take.
 */
public final class Utf8Validator {
  public static final int COMPLETE = 0;
  public static final int INVALID = -1;

  private Utf8Validator() {
  }

  /** Feeds {@code bytes}, starting from {@code state}; returns the new state. */
  public static int feed(int state, ByteBuf bytes) {
    int s = state;
    for (int i = bytes.readerIndex(), end = bytes.writerIndex(); i < end && s != INVALID; i++) {
      s = step(s, bytes.getByte(i) & 0xFF);
    }
    return s;
  }

  public static int feed(int state, byte[] bytes) {
    int s = state;
    for (int i = 0; i < bytes.length && s != INVALID; i++) {
      s = step(s, bytes[i] & 0xFF);
    }
    return s;
  }

  private static int step(int state, int b) {
    if (state == COMPLETE) {
      if (b < 0x80) {
        return COMPLETE;
      } else if (b >= 0xC2 && b <= 0xDF) {
        return expect(1, 0x80, 0xBF);
      } else if (b == 0xE0) {
        return expect(2, 0xA0, 0xBF);
      } else if (b == 0xED) {
        return expect(2, 0x80, 0x9F);
      } else if (b >= 0xE1 && b <= 0xEF) {
        return expect(2, 0x80, 0xBF);
      } else if (b == 0xF0) {
        return expect(3, 0x90, 0xBF);
      } else if (b >= 0xF1 && b <= 0xF3) {
        return expect(3, 0x80, 0xBF);
      } else if (b == 0xF4) {
        return expect(3, 0x80, 0x8F);
      }
      return INVALID;
    }
    int owed = state & 0xFF;
    int lo = (state >>> 8) & 0xFF;
    int hi = (state >>> 16) & 0xFF;
    if (b < lo || b > hi) {
      return INVALID;
    }
    return owed == 1 ? COMPLETE : expect(owed - 1, 0x80, 0xBF);
  }

  private static int expect(int owed, int lo, int hi) {
    return owed | lo << 8 | hi << 16;
  }
}
