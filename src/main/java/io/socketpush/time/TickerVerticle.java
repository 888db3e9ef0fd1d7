package io.socketpush.time;

import io.socketpush.core.PushStats;

import io.socketpush.config.TickConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.format.DateTimeFormatter;

/**
 * Publishes a time tick on {@link TimeAddresses#TIME_TICKS} every {@code tick.periodMs}, aligned to the
 * period's wall-clock boundaries. It knows nothing of sockets.
 *
 * <p>Every node deploys one, but only the holder of the cluster-wide lock {@value #LOCK} publishes;
 * the others poll for the lock with a short timeout, so when the holder dies another takes over.
 * Standalone, the lock is local and the only ticker takes it at once. Every ticker follows the
 * published ticks, so a new leader continues with a {@code ts} above the last one ever published.
 */
public final class TickerVerticle extends VerticleBase {
  static final String LOCK = "socket-push.ticker";
  private static final Logger LOG = LoggerFactory.getLogger(TickerVerticle.class);

  private final TickConfig config;
  private final PushStats stats;
  private final long leaderPollMs;
  private final DateTimeFormatter formatter;
  private MessageConsumer<JsonObject> follower;
  private Lock lock;
  private long lastTs;
  private long nextDue;
  private long timer = -1;
  private boolean stopped;

  public TickerVerticle(TickConfig config, PushStats stats, long leaderPollMs) {
    this.config = config;
    this.stats = stats;
    this.leaderPollMs = leaderPollMs;
    this.formatter = config.formatter();
  }

  @Override
  public Future<?> start() {
    follower = vertx.eventBus().<JsonObject>consumer(TimeAddresses.TIME_TICKS, msg -> follow(msg.body()));
    return follower.completion().onSuccess(v -> campaign());
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    if (lock != null) {
      lock.release();
      lock = null;
      stats.leadingTicker(false);
    }
    return follower.unregister();
  }

  /**
   * Stops publishing without releasing the lock, and campaigns again: for a member whose cluster merged
   * into another after a network partition. The lock it took while cut off lived only on its own side and
   * is gone; the other side's leader holds the real one, and a release here would free that one (Vert.x's
   * Hazelcast lock is released by force, whoever holds it), letting a third ticker start. Any thread.
   */
  public void forgetLead() {
    context.runOnContext(v -> {
      if (lock == null || stopped) {
        return;
      }
      lock = null;
      stats.leadingTicker(false);
      LOG.info("this node's cluster merged into another: it stops publishing the time ticks and asks for the lock again");
      vertx.cancelTimer(timer);
      timer = vertx.setTimer(leaderPollMs, t -> campaign());
    });
  }

  /** Whether this node is the one that publishes. */
  public boolean leading() {
    return lock != null;
  }

  private void follow(JsonObject tick) {
    Long ts = tick.getLong("ts");
    if (ts != null && ts > lastTs) {
      lastTs = ts;
    }
  }

  private void campaign() {
    if (stopped) {
      return;
    }
    vertx.sharedData().getLockWithTimeout(LOCK, Math.min(100, leaderPollMs))
        .onSuccess(this::lead)
        .onFailure(notYet -> timer = vertx.setTimer(leaderPollMs, t -> campaign()));
  }

  private void lead(Lock acquired) {
    if (stopped) {
      acquired.release();
      return;
    }
    lock = acquired;
    stats.leadingTicker(true);
    LOG.info("this node now publishes the time ticks every {} ms", config.periodMs());
    nextDue = 0;
    schedule();
  }

  private void schedule() {
    long now = System.currentTimeMillis();
    long period = config.periodMs();
    nextDue = nextDue > now ? nextDue : now - now % period + period;
    timer = vertx.setTimer(Math.max(1, nextDue - now), t -> tick());
  }

  private void tick() {
    if (stopped || lock == null) {
      return;
    }
    long ts = Math.max(System.currentTimeMillis(), lastTs + 1);
    lastTs = ts;
    JsonObject tick = new JsonObject()
        .put("time", formatter.format(Instant.ofEpochMilli(ts)))
        .put("ts", ts)
        .put("zone", config.zone().getId());
    vertx.eventBus().publish(TimeAddresses.TIME_TICKS, tick);
    stats.tickPublished();
    nextDue += config.periodMs();
    schedule();
  }
}
