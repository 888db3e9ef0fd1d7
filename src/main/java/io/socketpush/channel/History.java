package io.socketpush.channel;

import java.io.Serializable;
import java.util.List;

/**
 * A channel's position, and what a subscriber missed.
 *
 * <p>Serializable: in a cluster it is the answer of an entry processor run on the channel's owner,
 * another member for most channels (without it Hazelcast tries its zero-configuration Compact
 * serialization for the record, which refuses the Serializable {@link ChannelLog.Entry} inside).
 *
 * @param epoch     the channel's sequence identity: a different one means its numbers restarted
 * @param top       the last sequence number given out
 * @param missed    the publications after the subscriber's position that are still kept, in order; with
 *                  no position asked, the last ones it asked for ({@code recent})
 * @param asked     whether the subscriber gave a position to recover from
 * @param recovered whether {@code missed} is everything it missed
 */
public record History(String epoch, long top, List<ChannelLog.Entry> missed, boolean asked, boolean recovered)
    implements Serializable {
}
