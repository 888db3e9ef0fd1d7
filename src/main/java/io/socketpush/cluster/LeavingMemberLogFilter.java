package io.socketpush.cluster;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

import java.util.Set;

/**
 * Drops Hazelcast's warnings about lost partitions on a member that is itself leaving. When the members of
 * a cluster are stopped together (a deployment scaled to zero, every process sent SIGTERM), a leaving member
 * accepts no partition from another leaving one, and the last to go reports the others' partitions as
 * "completely lost": they are, with the whole cluster, and on purpose. A member that stays still warns, so a
 * loss the remaining cluster suffers is still logged. Declared in {@code logback.xml}; told by
 * {@link MemberDepartures#announceLeaving} that this member is leaving.
 *
 * <p>One per logging context, that is per JVM: where several members share a JVM (tests), the first to
 * leave quiets these two loggers for all of them.
 */
public final class LeavingMemberLogFilter extends TurboFilter {
  private static final Set<String> PARTITION_LOSS = Set.of(
      "com.hazelcast.internal.partition.impl.MigrationManager",
      "com.hazelcast.internal.partition.InternalPartitionService");
  private volatile boolean leaving;

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    return leaving && level == Level.WARN && PARTITION_LOSS.contains(logger.getName()) ? FilterReply.DENY : FilterReply.NEUTRAL;
  }

  void leaving() {
    leaving = true;
  }

  /** Marks this JVM's member as leaving, if the filter is configured. */
  static void memberLeaving() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      for (TurboFilter filter : context.getTurboFilterList()) {
        if (filter instanceof LeavingMemberLogFilter ours) {
          ours.leaving();
        }
      }
    }
  }
}
