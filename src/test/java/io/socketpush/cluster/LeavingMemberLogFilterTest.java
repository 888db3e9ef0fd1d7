package io.socketpush.cluster;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.spi.FilterReply;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A member that stays warns of lost partitions; one that is leaving does not; other warnings pass either way. */
class LeavingMemberLogFilterTest {
  private final LoggerContext context = new LoggerContext();

  @Test
  void partitionLossIsQuietOnlyOnceThisMemberLeaves() {
    LeavingMemberLogFilter filter = new LeavingMemberLogFilter();
    context.addTurboFilter(filter);
    var lost = context.getLogger("com.hazelcast.internal.partition.impl.MigrationManager");
    var other = context.getLogger("com.hazelcast.internal.cluster.ClusterService");
    assertEquals(FilterReply.NEUTRAL, filter.decide(null, lost, Level.WARN, "partitionId=0 is completely lost!", null, null));

    filter.leaving();
    assertEquals(FilterReply.DENY, filter.decide(null, lost, Level.WARN, "partitionId=0 is completely lost!", null, null));
    assertEquals(FilterReply.NEUTRAL, filter.decide(null, lost, Level.ERROR, "anything", null, null));
    assertEquals(FilterReply.NEUTRAL, filter.decide(null, other, Level.WARN, "anything", null, null));
  }

  @Test
  void logbackXmlDeclaresIt() {
    LoggerContext configured = (LoggerContext) LoggerFactory.getILoggerFactory();
    assertTrue(configured.getTurboFilterList().stream().anyMatch(f -> f instanceof LeavingMemberLogFilter),
        "logback.xml declares the filter");
  }
}
