package dev.fleet.testkit.linearizability;

import dev.fleet.testkit.linearizability.LinearizabilityResult.CounterExample;
import dev.fleet.testkit.linearizability.LinearizabilityResult.IndexedOp;
import dev.fleet.testkit.linearizability.LinearizabilityResult.KeyResult;
import dev.fleet.testkit.linearizability.LinearizabilityResult.Verdict;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Checks that a history of single-key register operations (read, write, compare-and-swap) is linearizable.
 *
 * <p>The history is partitioned by key (linearizability is compositional), and each key's sub-history is checked
 * with the Wing &amp; Gong / Lowe search with memoisation ({@link WglSearch}). The register of every key starts
 * absent ({@code null}). When a key is not linearizable, the checker narrows it down (binary search over
 * completion events) to the smallest prefix that cannot be linearised and reports it as a {@link CounterExample}.
 *
 * <pre>{@code
 * LinearizabilityResult r = LinearizabilityChecker.builder().timeout(Duration.ofSeconds(30)).build().check(ops);
 * assertThat(r.isLinearizable()).as(r.toString()).isTrue();
 * }</pre>
 */
public final class LinearizabilityChecker {

    private final boolean failedCasMeansCompareFailed;
    private final Duration timeout;
    private final int maxReportedOps;

    private LinearizabilityChecker(Builder b) {
        this.failedCasMeansCompareFailed = b.failedCasMeansCompareFailed;
        this.timeout = b.timeout;
        this.maxReportedOps = b.maxReportedOps;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Checks with the default settings. */
    public static LinearizabilityResult checkHistory(Collection<Op> history) {
        return builder().build().check(history);
    }

    public static final class Builder {
        private boolean failedCasMeansCompareFailed = true;
        private Duration timeout = Duration.ofSeconds(60);
        private int maxReportedOps = 40;

        /**
         * True (default): a {@link Op.Outcome#FAILED} CAS means its compare failed, i.e. the register did not hold
         * the expected value at some instant while it ran (etcd error 101, or 100 when expecting a value of a
         * missing key), and the checker uses that. False: a failed CAS is simply dropped, like any failed operation.
         * Use false when a CAS may be recorded as failed for other reasons.
         */
        public Builder failedCasMeansCompareFailed(boolean b) {
            this.failedCasMeansCompareFailed = b;
            return this;
        }

        /** Time budget for the whole check (default 60 s); when it runs out the verdict is TIMED_OUT. */
        public Builder timeout(Duration d) {
            this.timeout = d;
            return this;
        }

        /** How many operations a counter-example lists at most (the latest ones; default 40). */
        public Builder maxReportedOps(int n) {
            this.maxReportedOps = n;
            return this;
        }

        public LinearizabilityChecker build() {
            return new LinearizabilityChecker(this);
        }
    }

    public LinearizabilityResult check(Collection<Op> history) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Op> all = new ArrayList<>(history);
        TreeMap<String, List<IndexedOp>> byKey = new TreeMap<>();
        for (int i = 0; i < all.size(); i++) {
            Op op = all.get(i);
            byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(new IndexedOp(i, op));
        }
        List<KeyResult> results = new ArrayList<>();
        Verdict overall = Verdict.LINEARIZABLE;
        for (var entry : byKey.entrySet()) {
            KeyResult r = checkKey(entry.getKey(), entry.getValue(), deadline);
            results.add(r);
            if (r.verdict() == Verdict.NOT_LINEARIZABLE) {
                overall = Verdict.NOT_LINEARIZABLE;
            } else if (r.verdict() == Verdict.TIMED_OUT && overall == Verdict.LINEARIZABLE) {
                overall = Verdict.TIMED_OUT;
            }
        }
        return new LinearizabilityResult(overall, List.copyOf(results));
    }

    /** What reaches the search for one cut of a key's history, with the original operation of each element. */
    private record Prepared(List<Op> ops, List<IndexedOp> origin) {}

    /**
     * The key's history as known at time {@code cut}: operations invoked after it are left out; operations that
     * complete after it count as unknown. Operations that carry no information are dropped.
     */
    private Prepared prepare(List<IndexedOp> ops, long cut) {
        List<Op> out = new ArrayList<>();
        List<IndexedOp> origin = new ArrayList<>();
        for (IndexedOp io : ops) {
            Op op = io.op();
            if (op.invoke() > cut) {
                continue;
            }
            Op.Outcome outcome = op.outcome();
            if (outcome != Op.Outcome.UNKNOWN && op.complete() > cut) {
                outcome = outcome == Op.Outcome.OK ? Op.Outcome.UNKNOWN : null; // a failed op that ends later: nothing known yet
            }
            if (outcome == null) {
                continue;
            }
            boolean keep = switch (outcome) {
                case OK -> true;
                case UNKNOWN -> op.kind() != Op.Kind.READ;
                case FAILED -> op.kind() == Op.Kind.CAS && failedCasMeansCompareFailed;
            };
            if (keep) {
                out.add(outcome == op.outcome() ? op : op.withOutcome(outcome));
                origin.add(io);
            }
        }
        return new Prepared(out, origin);
    }

    private boolean informative(Op op) {
        return op.outcome() == Op.Outcome.OK
                || (op.outcome() == Op.Outcome.FAILED && op.kind() == Op.Kind.CAS && failedCasMeansCompareFailed);
    }

    private KeyResult checkKey(String key, List<IndexedOp> ops, long deadline) {
        Prepared full = prepare(ops, Long.MAX_VALUE);
        WglSearch.Outcome o = WglSearch.run(full.ops(), deadline);
        long configurations = o.configurations();
        switch (o.status()) {
            case LINEARIZABLE:
                return new KeyResult(key, Verdict.LINEARIZABLE, full.ops().size(), configurations, Optional.empty());
            case TIMED_OUT:
                return new KeyResult(key, Verdict.TIMED_OUT, full.ops().size(), configurations, Optional.empty());
            default:
                break;
        }

        // Narrow down: the smallest cut (a completion time) whose prefix is not linearisable. Prefixes are
        // monotone (a linearisation of a longer prefix yields one of a shorter), so binary search works. The
        // last completion's prefix is equivalent to the whole history (what starts later is unknown, hence optional).
        long[] cuts = ops.stream().map(IndexedOp::op).filter(this::informative)
                .mapToLong(Op::complete).sorted().distinct().toArray();
        int lo = 0;
        int hi = cuts.length - 1;
        Prepared failing = full;
        WglSearch.Outcome failingOutcome = o;
        boolean minimal = true;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            Prepared p = prepare(ops, cuts[mid]);
            WglSearch.Outcome po = WglSearch.run(p.ops(), deadline);
            configurations += po.configurations();
            if (po.status() == WglSearch.Status.TIMED_OUT) {
                minimal = false;
                break;
            }
            if (po.status() == WglSearch.Status.NOT_LINEARIZABLE) {
                hi = mid;
                failing = p;
                failingOutcome = po;
            } else {
                lo = mid + 1;
            }
        }
        long cut = cuts[hi];
        if (failing == full) {
            // hi is the last completion, never probed: its prefix is the whole history minus what can be left out
            Prepared p = prepare(ops, cut);
            WglSearch.Outcome po = WglSearch.run(p.ops(), deadline);
            if (po.status() == WglSearch.Status.NOT_LINEARIZABLE) {
                failing = p;
                failingOutcome = po;
            }
        }
        CounterExample ce = counterExample(key, failing, failingOutcome, cut, minimal);
        return new KeyResult(key, Verdict.NOT_LINEARIZABLE, full.ops().size(), configurations, Optional.of(ce));
    }

    private CounterExample counterExample(String key, Prepared failing, WglSearch.Outcome outcome, long cut,
                                          boolean minimal) {
        List<IndexedOp> prefix = new ArrayList<>(failing.origin());
        prefix.sort(Comparator.comparingLong((IndexedOp io) -> io.op().invoke()).thenComparingInt(IndexedOp::index));
        List<IndexedOp> culprits = prefix.stream()
                .filter(io -> informative(io.op()) && io.op().complete() == cut).toList();
        List<IndexedOp> lin = new ArrayList<>();
        for (int i : outcome.linearised()) {
            lin.add(failing.origin().get(i));
        }
        List<String> valuesAfter = Collections.unmodifiableList(Arrays.asList(outcome.valuesAfter()));
        long origin = prefix.stream().mapToLong(io -> io.op().invoke()).min().orElse(0);
        long span = prefix.stream().mapToLong(io -> io.op().complete()).max().orElse(origin) - origin;
        boolean ms = span > 10_000_000; // nanoTime-based: show milliseconds

        StringBuilder sb = new StringBuilder();
        sb.append("Key ").append(key).append(" is not linearizable");
        sb.append(minimal ? "" : " (time budget ran out while minimising; this prefix may not be the smallest)");
        sb.append(".\nThe history of this key up to the completion of\n");
        for (IndexedOp c : culprits) {
            sb.append("    ").append(line(c, origin, ms)).append('\n');
        }
        sb.append("cannot be linearised").append(minimal ? ", while up to the previous completion it can" : "").append(".\n");
        sb.append("Operations in that prefix (").append(prefix.size())
                .append("; times relative to the first invocation").append(ms ? ", from nanoTime" : "")
                .append("; '*' = still running at that point, so unknown):\n");
        appendLimited(sb, prefix, origin, ms,
                io -> io.op().outcome() != Op.Outcome.UNKNOWN && io.op().complete() > cut, culprits);
        sb.append("Longest partial linearisation found (operation => value after):\n");
        if (lin.isEmpty()) {
            sb.append("    (none: not even the first operation can be linearised)\n");
        }
        int from = Math.max(0, lin.size() - Math.max(1, maxReportedOps / 2));
        if (from > 0) {
            sb.append("    ... ").append(from).append(" earlier steps\n");
        }
        for (int i = from; i < lin.size(); i++) {
            sb.append("    ").append(line(lin.get(i), origin, ms)).append("  => ").append(Op.quote(valuesAfter.get(i)))
                    .append('\n');
        }
        List<IndexedOp> left = new ArrayList<>(prefix);
        left.removeAll(lin);
        left.removeIf(io -> io.op().outcome() == Op.Outcome.UNKNOWN || io.op().complete() > cut);
        sb.append("Completed operations it could not place after that:\n");
        appendLimited(sb, left, origin, ms, io -> false, culprits);
        return new CounterExample(key, List.copyOf(prefix), culprits, List.copyOf(lin), valuesAfter, minimal,
                sb.toString());
    }

    private void appendLimited(StringBuilder sb, List<IndexedOp> list, long origin, boolean ms,
                               Predicate<IndexedOp> star, List<IndexedOp> culprits) {
        int from = Math.max(0, list.size() - maxReportedOps);
        if (from > 0) {
            sb.append("    ... ").append(from).append(" earlier operations\n");
        }
        for (int i = from; i < list.size(); i++) {
            IndexedOp io = list.get(i);
            sb.append(star.test(io) ? "  * " : "    ").append(line(io, origin, ms));
            if (culprits.contains(io)) {
                sb.append("   <== completes here");
            }
            sb.append('\n');
        }
    }

    private static String line(IndexedOp io, long origin, boolean ms) {
        return "#" + io.index() + " " + io.op().describe(origin, ms);
    }
}
