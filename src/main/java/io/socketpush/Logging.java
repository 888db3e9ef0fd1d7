package io.socketpush;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AsyncAppenderBase;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies {@code log.level} and {@code log.format} to the logback set up by {@code logback.xml}. */
final class Logging {
  private Logging() {
  }

  /**
   * Writes out what the asynchronous appender still holds and stops logging: the JVM does not wait
   * for that queue at exit, so the last lines of a shutdown would otherwise be lost.
   */
  static void flush() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.stop();
    }
  }

  static void configure(String level, String format) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext)) {
      return;
    }
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(level));
    if (format.equals("json")) {
      var async = (AsyncAppenderBase<ILoggingEvent>) root.getAppender("ASYNC");
      var console = (ConsoleAppender<ILoggingEvent>) async.getAppender("STDOUT");
      JsonEncoder json = new JsonEncoder();
      json.setContext(context);
      json.setWithArguments(false);
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithContext(false);
      json.start();
      console.stop();
      console.setEncoder(json);
      console.start();
    }
  }
}
