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
import java.time.InstantSource;
import java.time.format.DateTimeFormatter;

/**
 * Publishes a time tick on {@link TimeAddresses#TIME_TICKS} every {@code tick.periodMs}, aligned to the
 * period's wall-clock boundaries. It knows nothing of sockets.
 *
 * <p>Every node deploys one, but only the holder of the cluster-wide lock {@value #LOCK} publishes;
 * the others poll for the lock every {@code leaderPollMs}, so when the holder dies another takes over.
 * Standalone, the lock is local and the only ticker takes it at once. Every ticker follows the
 * published ticks, so a new leader continues with a {@code ts} above the last one ever published.
 *
 * <p>The time comes from the node's clock, and a tick's {@code ts} is the period boundary it stands for, not
 * the moment its timer happened to fire: consecutive ticks are exactly a period apart (or a multiple, if the
 * timer was late by a whole period), whatever the load. Vert.x timers fire on real time and the clock says
 * whether a boundary has come: the ticker looks at it at least every {@value #MAX_WAIT_MS} ms, so a clock that
 * a test moves forward is followed within that, and a clock that stands still publishes nothing.
 */
public final class TickerVerticle extends VerticleBase {
  static final String LOCK = "socket-push.ticker";
  /** The longest the ticker sleeps without looking at the clock. */
  static final long MAX_WAIT_MS = 1000;
  private static final Logger LOG = LoggerFactory.getLogger(TickerVerticle.class);

  private final TickConfig config;
  private final PushStats stats;
  private final long leaderPollMs;
  private final DateTimeFormatter formatter;
  private final InstantSource clock;
  private MessageConsumer<JsonObject> follower;
  private Lock lock;
  private long lastTs;
  private long nextDue;
  private long timer = -1;
  private boolean stopped;

  public TickerVerticle(TickConfig config, PushStats stats, long leaderPollMs, InstantSource clock) {
    this.config = config;
    this.clock = clock;
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
    // no wait in a cluster: a lock request parked on its partition owner, even for 1 ms, is cut off when
    // that partition migrates (a member joining or leaving), which Hazelcast reports at WARN; the next
    // poll comes soon enough. Vert.x's local lock refuses 0.
    vertx.sharedData().getLockWithTimeout(LOCK, vertx.isClustered() ? 0 : 1)
        .onSuccess(this::lead)
        .onFailure(notYet -> timer = vertx.setTimer(leaderPollMs, t -> campaign()));
  }

  private void lead(Lock acquired) {
    if (stopped) {
      acquired.release();
      return;
    }
    lock = acquired;
    nextDue = 0;
    schedule();
    stats.leadingTicker(true); // once the first boundary is chosen: a test may move the clock on seeing it
    LOG.info("this node now publishes the time ticks every {} ms", config.periodMs());
  }

  private void schedule() {
    long now = clock.millis();
    long period = config.periodMs();
    nextDue = nextDue > now ? nextDue : now - now % period + period;
    waitFor(now);
  }

  private void waitFor(long now) {
    timer = vertx.setTimer(Math.max(1, Math.min(MAX_WAIT_MS, nextDue - now)), t -> due());
  }

  private void due() {
    if (stopped || lock == null) {
      return;
    }
    long now = clock.millis();
    if (now < nextDue) {
      waitFor(now); // a period longer than the longest wait, or a timer that ran ahead of the clock
      return;
    }
    tick(now);
  }

  private void tick(long now) {
    long period = config.periodMs();
    // the boundary last passed: the one it was due at, or a later one if the timer was late or the clock moved
    long ts = Math.max(now - now % period, lastTs + 1);
    lastTs = ts;
    JsonObject tick = new JsonObject()
        .put("time", formatter.format(Instant.ofEpochMilli(ts)))
        .put("ts", ts)
        .put("zone", config.zone().getId());
    vertx.eventBus().publish(TimeAddresses.TIME_TICKS, tick);
    stats.tickPublished();
    nextDue = ts - ts % period + period;
    schedule();
  }
}
