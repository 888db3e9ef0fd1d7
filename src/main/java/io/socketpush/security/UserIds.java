package io.socketpush.security;

import java.util.regex.Pattern;

/**
 * What a user id may be, whoever vouches for it (a JWT's {@code sub}, or the application's connect proxy):
 * the characters of a channel name, 1 to 64 of them, so {@code user:<id>} is always a valid personal channel
 * and an id can never smuggle a second channel name, a wildcard or a line break into logs.
 */
public final class UserIds {
  private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9_\\-.:@=]{1,64}");

  private UserIds() {
  }

  public static boolean valid(String user) {
    return user != null && ALLOWED.matcher(user).matches();
  }
}
