package io.socketpush.config;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * @param periodMs time between two ticks
 * @param zone     zone of the formatted time
 * @param pattern  pattern of the formatted time
 */
public record TickConfig(long periodMs, ZoneId zone, String pattern) {
  public DateTimeFormatter formatter() {
    return DateTimeFormatter.ofPattern(pattern).withZone(zone);
  }
}
