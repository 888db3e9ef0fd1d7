package io.socketpush.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Says in the log how each member left: a member that announced its leave, or a lite member (another
 * service on the cluster, which holds no data), left cleanly (INFO); any other member vanished (WARN:
 * it crashed, was killed or was cut off, and an operator has something to look at).
 *
 * <p>Hazelcast cannot tell the two apart itself: even after a graceful shutdown the others reconnect to
 * the member that has gone and log that at WARN (hazelcast/hazelcast#26319), so logback.xml quiets those
 * loggers and this line takes their place. The announcement is an entry in a Hazelcast map rather than an
 * event-bus message: members stopping together would otherwise send it to event buses already closed.
 */
public final class MemberDepartures implements MembershipListener {
  /** Hazelcast map of the members that announced their leave: member UUID → true, for a minute. */
  static final String LEAVING = "socket-push.cluster.leaving";
  private static final long ANNOUNCEMENT_TTL_SECONDS = 60;
  private static final Logger LOG = LoggerFactory.getLogger(MemberDepartures.class);

  private final HazelcastInstance hazelcast;

  private MemberDepartures(HazelcastInstance hazelcast) {
    this.hazelcast = hazelcast;
  }

  /** Logs every departure seen by this member for as long as it is in the cluster. */
  public static void watch(HazelcastInstance hazelcast) {
    hazelcast.getCluster().addMembershipListener(new MemberDepartures(hazelcast));
  }

  /**
   * Tells the other members that this one is leaving on purpose. Best effort: a failure is logged (the
   * others will log this leave as a crash) and the returned future succeeds all the same.
   */
  public static Future<Void> announceLeaving(Vertx vertx, HazelcastInstance hazelcast) {
    LeavingMemberLogFilter.memberLeaving();
    return vertx.<Void>executeBlocking(() -> {
      leaving(hazelcast).set(hazelcast.getCluster().getLocalMember().getUuid(), true,
          ANNOUNCEMENT_TTL_SECONDS, TimeUnit.SECONDS);
      return null;
    }).recover(failure -> {
      LOG.warn("could not announce this member's leave; the others will take it for a crash: {}", failure.toString());
      return Future.succeededFuture();
    });
  }

  private static IMap<UUID, Boolean> leaving(HazelcastInstance hazelcast) {
    return hazelcast.getMap(LEAVING);
  }

  @Override
  public void memberAdded(MembershipEvent event) {
  }

  @Override
  public void memberRemoved(MembershipEvent event) {
    Member member = event.getMember();
    int remain = event.getMembers().size();
    if (member.isLiteMember()) {
      LOG.info("lite member {} (another service) left the cluster ({} remain)", member.getAddress(), remain);
      return;
    }
    // read, not removed: every member looks the announcement up (it expires on its own)
    leaving(hazelcast).getAsync(member.getUuid()).whenComplete((announced, failure) -> {
      if (Boolean.TRUE.equals(announced)) {
        LOG.info("member {} left the cluster ({} remain)", member.getAddress(), remain);
      } else if (failure == null) {
        LOG.warn("member {} dropped out of the cluster without leaving it: it crashed, was killed or was cut off "
            + "({} remain)", member.getAddress(), remain);
      }
      // a failure: this member is itself shutting down, and has no more to say about the others
    });
  }
}
