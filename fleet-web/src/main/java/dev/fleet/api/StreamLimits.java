package dev.fleet.api;

/**
 * The limits of long-lived requests (etcd and schedule watches, journals), per node and per client, and a watch's
 * lifetime: the stream part of the node's {@link dev.fleet.node.NodeLimits}, parsed there (fleet.conf
 * {@code limit_watchers} ..., README "Limits").
 */
public record StreamLimits(int watchers, int watchersPerClient, int journals, int journalsPerClient, int longPollSeconds) {
    public static final String WATCHERS = dev.fleet.node.NodeLimits.Limit.WATCHERS.property();
    public static final String WATCHERS_PER_CLIENT = dev.fleet.node.NodeLimits.Limit.WATCHERS_PER_CLIENT.property();
    public static final String JOURNALS = dev.fleet.node.NodeLimits.Limit.JOURNALS.property();
    public static final String JOURNALS_PER_CLIENT = dev.fleet.node.NodeLimits.Limit.JOURNALS_PER_CLIENT.property();
    public static final String LONG_POLL_SECONDS = dev.fleet.node.NodeLimits.Limit.LONG_POLL_SECONDS.property();

    public static final StreamLimits DEFAULTS = of(dev.fleet.node.NodeLimits.DEFAULTS);

    public StreamLimits {
        positive(WATCHERS, watchers);
        positive(WATCHERS_PER_CLIENT, watchersPerClient);
        positive(JOURNALS, journals);
        positive(JOURNALS_PER_CLIENT, journalsPerClient);
        positive(LONG_POLL_SECONDS, longPollSeconds);
    }

    public static StreamLimits of(dev.fleet.node.NodeLimits l) {
        return new StreamLimits(l.watchers(), l.watchersPerClient(), l.journals(), l.journalsPerClient(), l.longPollSeconds());
    }

    /** What the node was started with (the same properties NodeLimits reads everywhere else). */
    public static StreamLimits fromSystemProperties() {
        return of(dev.fleet.node.NodeLimits.fromSystemProperties(System.getProperties()));
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, not " + v);
        }
    }
}
