package dev.fleet.api;

/**
 * The limits of long-lived requests (etcd and schedule watches, journals), per node and per client, and a watch's
 * lifetime. Read from system properties once; to be folded into the node's other limits later.
 */
public record StreamLimits(int watchers, int watchersPerClient, int journals, int journalsPerClient, int longPollSeconds) {
    public static final String WATCHERS = "fleet.limits.watchers";
    public static final String WATCHERS_PER_CLIENT = "fleet.limits.watchersPerClient";
    public static final String JOURNALS = "fleet.limits.journals";
    public static final String JOURNALS_PER_CLIENT = "fleet.limits.journalsPerClient";
    public static final String LONG_POLL_SECONDS = "fleet.limits.longPollSeconds";

    public static final StreamLimits DEFAULTS = new StreamLimits(10_000, 2_500, 512, 300, 300);

    public StreamLimits {
        positive(WATCHERS, watchers);
        positive(WATCHERS_PER_CLIENT, watchersPerClient);
        positive(JOURNALS, journals);
        positive(JOURNALS_PER_CLIENT, journalsPerClient);
        positive(LONG_POLL_SECONDS, longPollSeconds);
    }

    public static StreamLimits fromSystemProperties() {
        return new StreamLimits(
                Integer.getInteger(WATCHERS, DEFAULTS.watchers),
                Integer.getInteger(WATCHERS_PER_CLIENT, DEFAULTS.watchersPerClient),
                Integer.getInteger(JOURNALS, DEFAULTS.journals),
                Integer.getInteger(JOURNALS_PER_CLIENT, DEFAULTS.journalsPerClient),
                Integer.getInteger(LONG_POLL_SECONDS, DEFAULTS.longPollSeconds));
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, not " + v);
        }
    }
}
