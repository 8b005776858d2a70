package dev.fleet.testkit.linearizability;

import java.util.Objects;

/**
 * One operation of a single-key register history, as a client saw it.
 *
 * <p>The register holds a string, or {@code null} when the key does not exist (the initial state of every key).
 * <ul>
 *   <li>{@link Kind#READ}: {@code value} is what the read returned ({@code null} = "key not found").</li>
 *   <li>{@link Kind#WRITE}: {@code value} is what was written; a write of {@code null} is a delete.</li>
 *   <li>{@link Kind#CAS}: compare-and-swap from {@code expected} to {@code value}.</li>
 * </ul>
 * Outcomes:
 * <ul>
 *   <li>{@link Outcome#OK}: the operation took effect (for a read: returned {@code value}); it took effect at
 *       some instant between {@code invoke} and {@code complete}.</li>
 *   <li>{@link Outcome#FAILED}: it definitely did not take effect. A failed read or write carries no information
 *       and is ignored. A failed CAS is, by default, taken as a failed compare (the value was not {@code expected}
 *       at some instant between invoke and complete) — see {@link LinearizabilityChecker.Builder#failedCasMeansCompareFailed}.</li>
 *   <li>{@link Outcome#UNKNOWN}: timeout or error: it may or may not have taken effect, at any time after
 *       {@code invoke}; {@code complete} is ignored. Unknown reads carry no information and are ignored.</li>
 * </ul>
 * Times are any monotonic clock (normally {@link System#nanoTime()}); only their order matters. When an invocation
 * and a completion have the same time, the two operations are taken as concurrent.
 *
 * @param process who issued it (a client or thread number); only used in reports
 * @param key the register; histories are checked key by key
 */
public record Op(int process, String key, Kind kind, String expected, String value, Outcome outcome,
                 long invoke, long complete) {

    public enum Kind { READ, WRITE, CAS }

    public enum Outcome { OK, FAILED, UNKNOWN }

    public Op {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(outcome, "outcome");
        if (kind != Kind.CAS && expected != null) {
            throw new IllegalArgumentException("only a CAS has an expected value: " + kind);
        }
        if (outcome != Outcome.UNKNOWN && complete < invoke) {
            throw new IllegalArgumentException("completes (" + complete + ") before it is invoked (" + invoke + ")");
        }
    }

    /** A read that returned {@code observed} ({@code null}: key not found). */
    public static Op read(int process, String key, String observed, long invoke, long complete) {
        return new Op(process, key, Kind.READ, null, observed, Outcome.OK, invoke, complete);
    }

    /** An acknowledged write. */
    public static Op write(int process, String key, String value, long invoke, long complete) {
        return new Op(process, key, Kind.WRITE, null, value, Outcome.OK, invoke, complete);
    }

    /** A successful compare-and-swap. */
    public static Op cas(int process, String key, String expected, String value, long invoke, long complete) {
        return new Op(process, key, Kind.CAS, expected, value, Outcome.OK, invoke, complete);
    }

    public Op withOutcome(Outcome newOutcome) {
        return new Op(process, key, kind, expected, value, newOutcome, invoke, complete);
    }

    /** The same operation, but it definitely did not take effect (for a CAS: the compare failed). */
    public Op failed() {
        return withOutcome(Outcome.FAILED);
    }

    /** The same operation, but its client does not know whether it took effect. */
    public Op unknown() {
        return withOutcome(Outcome.UNKNOWN);
    }

    /** Short human form, e.g. {@code p2 cas "1" -> "2" ok [120, 180]}, times relative to {@code timeOrigin}. */
    public String describe(long timeOrigin) {
        return describe(timeOrigin, false);
    }

    /** As {@link #describe(long)}; with {@code nanosAsMillis} the times are taken as nanoseconds and shown in ms. */
    public String describe(long timeOrigin, boolean nanosAsMillis) {
        StringBuilder sb = new StringBuilder();
        sb.append('p').append(process).append(' ');
        switch (kind) {
            case READ -> sb.append("read -> ").append(quote(value));
            case WRITE -> sb.append("write ").append(quote(value));
            case CAS -> sb.append("cas ").append(quote(expected)).append(" -> ").append(quote(value));
        }
        sb.append(' ').append(outcome.name().toLowerCase());
        sb.append(" [").append(time(invoke - timeOrigin, nanosAsMillis)).append(", ");
        sb.append(outcome == Outcome.UNKNOWN ? "?" : time(complete - timeOrigin, nanosAsMillis));
        sb.append(nanosAsMillis ? " ms]" : "]");
        return sb.toString();
    }

    private static String time(long t, boolean nanosAsMillis) {
        return nanosAsMillis ? String.format(java.util.Locale.ROOT, "%.3f", t / 1e6) : String.valueOf(t);
    }

    static String quote(String v) {
        return v == null ? "nil" : '"' + v + '"';
    }
}
