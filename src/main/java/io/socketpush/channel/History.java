package io.socketpush.channel;

import java.util.List;

/**
 * A channel's position, and what a subscriber missed.
 *
 * @param epoch     the channel's sequence identity: a different one means its numbers restarted
 * @param top       the last sequence number given out
 * @param missed    the publications after the subscriber's position that are still kept, in order
 * @param asked     whether the subscriber gave a position to recover from
 * @param recovered whether {@code missed} is everything it missed
 */
public record History(String epoch, long top, List<ChannelLog.Entry> missed, boolean asked, boolean recovered)
    implements java.io.Serializable {
}
