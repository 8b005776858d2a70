package dev.fleet.api;

/**
 * The {@code waitIndex} of a long poll (etcd's keys, the agents' schedule): a whole number from 0 to {@link #MAX}.
 * Larger ones are refused rather than waited on: they would overflow the "next index" arithmetic, and no cluster
 * reaches them.
 */
public final class WaitIndex {
    /** 2^53, the largest integer a JSON number carries exactly; 285 years of a million writes a second. */
    public static final long MAX = 1L << 53;

    private WaitIndex() { }

    /** The index, or {@link IllegalArgumentException} with a message for the client. {@code raw} is not null. */
    public static long parse(String raw) {
        long v;
        try {
            v = Long.parseLong(raw);
        } catch (NumberFormatException e) {
            v = -1;
        }
        if (v < 0 || v > MAX) {
            throw new IllegalArgumentException("waitIndex must be a whole number from 0 to " + MAX + ", not \""
                    + ErrorBodies.printable(raw) + "\"");
        }
        return v;
    }
}
