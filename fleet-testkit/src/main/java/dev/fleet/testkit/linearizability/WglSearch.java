package dev.fleet.testkit.linearizability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The Wing &amp; Gong / Lowe linearizability search (as in Knossos' "wgl" and Porcupine) for one key's register
 * history, with memoisation of (set of linearised operations, register value) configurations.
 *
 * <p>Events (invocations and completions) are kept in a doubly linked list ordered by time. The search walks it
 * from the front: at an invocation it tries to linearise that operation now (apply it to the register); at a
 * completion of an operation not yet linearised it must backtrack. Operations with an unknown outcome have no
 * completion event: they may be linearised at any point after their invocation or never, so reaching the end of
 * the list with only their invocations left is success.
 *
 * <p>Pruning (Lowe's and Horn &amp; Kroening's observation, specialised to a register): linearising an unknown
 * operation whose resulting value no remaining operation observes can never help, because the next operation that
 * depends on the register would have to observe that value. This keeps timed-out writes cheap. It is only sound
 * when there are no failed-CAS observations ("value != expected"), which is the caller's flag.
 *
 * <p>Input must be prepared: no failed reads/writes, no unknown reads; failed CAS operations only as
 * compare-failed observations.
 */
final class WglSearch {

    enum Status { LINEARIZABLE, NOT_LINEARIZABLE, TIMED_OUT }

    /**
     * @param linearised the deepest partial linearisation found: indexes into the input list, in order
     * @param valuesAfter the register value after each of them
     */
    record Outcome(Status status, int[] linearised, String[] valuesAfter, long configurations) {}

    private static final int READ = 0, WRITE = 1, CAS = 2;
    private static final int NONE = -1;

    private final int n;
    private final int[] kind;
    private final boolean[] unknown;
    private final boolean[] failedCas;
    private final int[] expected;
    private final int[] value;
    private final int[] observes;
    private final List<String> values = new ArrayList<>();
    private final boolean prune;

    // the event list: entry 0 is the head sentinel, NONE terminates
    private final int[] next;
    private final int[] prev;
    private final int[] entryOp;
    private final boolean[] isCall;
    private final int[] match;

    private WglSearch(List<Op> ops) {
        n = ops.size();
        kind = new int[n];
        unknown = new boolean[n];
        failedCas = new boolean[n];
        expected = new int[n];
        value = new int[n];
        observes = new int[n];
        Map<String, Integer> ids = new HashMap<>();
        values.add(null); // id 0: key absent
        boolean anyFailedCas = false;
        int entries = 0;
        for (int i = 0; i < n; i++) {
            Op op = ops.get(i);
            kind[i] = switch (op.kind()) {
                case READ -> READ;
                case WRITE -> WRITE;
                case CAS -> CAS;
            };
            unknown[i] = op.outcome() == Op.Outcome.UNKNOWN;
            failedCas[i] = op.outcome() == Op.Outcome.FAILED;
            if (failedCas[i] && kind[i] != CAS) {
                throw new IllegalArgumentException("only a failed CAS may reach the search");
            }
            if (unknown[i] && kind[i] == READ) {
                throw new IllegalArgumentException("unknown reads must be dropped before the search");
            }
            anyFailedCas |= failedCas[i];
            expected[i] = intern(ids, op.expected());
            value[i] = intern(ids, op.value());
            observes[i] = kind[i] == READ ? value[i] : kind[i] == CAS && !failedCas[i] ? expected[i] : NONE;
            entries += unknown[i] ? 1 : 2;
        }
        prune = !anyFailedCas;

        // build the time-ordered event list; at equal times invocations come first (= concurrent)
        long[][] events = new long[entries][];
        int e = 0;
        for (int i = 0; i < n; i++) {
            Op op = ops.get(i);
            events[e++] = new long[] {op.invoke(), 0, i};
            if (!unknown[i]) {
                events[e++] = new long[] {op.complete(), 1, i};
            }
        }
        Arrays.sort(events, (a, b) -> {
            int c = Long.compare(a[0], b[0]);
            if (c == 0) c = Long.compare(a[1], b[1]);
            if (c == 0) c = Long.compare(a[2], b[2]);
            return c;
        });
        next = new int[entries + 1];
        prev = new int[entries + 1];
        entryOp = new int[entries + 1];
        isCall = new boolean[entries + 1];
        match = new int[entries + 1];
        int[] callOf = new int[n];
        Arrays.fill(match, NONE);
        prev[0] = NONE;
        for (int k = 0; k < entries; k++) {
            int id = k + 1;
            int op = (int) events[k][2];
            entryOp[id] = op;
            isCall[id] = events[k][1] == 0;
            if (isCall[id]) {
                callOf[op] = id;
            } else {
                match[callOf[op]] = id;
            }
            prev[id] = id - 1;
            next[id - 1] = id;
        }
        next[entries] = NONE;
    }

    private int intern(Map<String, Integer> ids, String v) {
        if (v == null) {
            return 0;
        }
        return ids.computeIfAbsent(v, k -> {
            values.add(k);
            return values.size() - 1;
        });
    }

    static Outcome run(List<Op> ops, long deadlineNanos) {
        return new WglSearch(ops).search(deadlineNanos);
    }

    /** The register after linearising {@code op} in state {@code s}, or NONE when it cannot be linearised there. */
    private int step(int s, int op) {
        return switch (kind[op]) {
            case READ -> s == value[op] ? s : NONE;
            case WRITE -> value[op];
            default -> failedCas[op]
                    ? (s != expected[op] ? s : NONE)
                    : (s == expected[op] ? value[op] : NONE);
        };
    }

    private void lift(int e) {
        next[prev[e]] = next[e];
        if (next[e] != NONE) prev[next[e]] = prev[e];
        int r = match[e];
        if (r != NONE) {
            next[prev[r]] = next[r];
            if (next[r] != NONE) prev[next[r]] = prev[r];
        }
    }

    private void unlift(int e) {
        int r = match[e];
        if (r != NONE) {
            next[prev[r]] = r;
            if (next[r] != NONE) prev[next[r]] = r;
        }
        next[prev[e]] = e;
        if (next[e] != NONE) prev[next[e]] = e;
    }

    private Outcome search(long deadlineNanos) {
        int[] remainingObservers = new int[values.size()];
        for (int i = 0; i < n; i++) {
            if (observes[i] != NONE) remainingObservers[observes[i]]++;
        }
        long[] zobrist = new long[n];
        SplittableRandom rnd = new SplittableRandom(0x5eed);
        for (int i = 0; i < n; i++) zobrist[i] = rnd.nextLong();

        long[] bits = new long[(n + 63) >>> 6];
        long hash = 0;
        HashSet<Config> cache = new HashSet<>();
        int[] stackEntry = new int[n];
        int[] stackState = new int[n];
        int sp = 0;
        int state = 0;
        int[] best = new int[0];
        int[] bestStates = new int[0];
        long iterations = 0;

        int e = next[0];
        while (true) {
            if ((++iterations & 0xFFF) == 0 && System.nanoTime() - deadlineNanos > 0) {
                return outcome(Status.TIMED_OUT, best, bestStates, cache.size());
            }
            if (e == NONE) {
                // only invocations of unknown operations (never needed) remain
                return outcome(Status.LINEARIZABLE, best, bestStates, cache.size());
            }
            if (isCall[e]) {
                int op = entryOp[e];
                int ns = step(state, op);
                // an unknown write/CAS whose value nobody left will read is never worth linearising
                boolean worthTrying = ns != NONE && !(prune && unknown[op] && remainingObservers[value[op]] == 0);
                if (worthTrying) {
                    bits[op >>> 6] |= 1L << op;
                    hash ^= zobrist[op];
                    if (cache.add(new Config(bits.clone(), ns, hash))) {
                        stackEntry[sp] = e;
                        stackState[sp] = state;
                        sp++;
                        state = ns;
                        lift(e);
                        if (observes[op] != NONE) remainingObservers[observes[op]]--;
                        if (sp > best.length) {
                            best = Arrays.copyOf(stackEntry, sp);
                            bestStates = valuesAfter(Arrays.copyOf(stackState, sp), state);
                        }
                        e = next[0];
                        continue;
                    }
                    bits[op >>> 6] &= ~(1L << op);
                    hash ^= zobrist[op];
                }
                e = next[e];
            } else {
                // a completed operation that is not linearised yet: this branch is dead
                if (sp == 0) {
                    return outcome(Status.NOT_LINEARIZABLE, best, bestStates, cache.size());
                }
                sp--;
                e = stackEntry[sp];
                state = stackState[sp];
                int op = entryOp[e];
                bits[op >>> 6] &= ~(1L << op);
                hash ^= zobrist[op];
                unlift(e);
                if (observes[op] != NONE) remainingObservers[observes[op]]++;
                e = next[e];
            }
        }
    }

    /** The stack holds the value before each step; turn it into the value after each step. */
    private static int[] valuesAfter(int[] before, int finalState) {
        int[] after = new int[before.length];
        for (int i = 0; i < before.length; i++) {
            after[i] = i + 1 < before.length ? before[i + 1] : finalState;
        }
        return after;
    }

    private Outcome outcome(Status status, int[] entries, int[] states, long configurations) {
        int[] opsOut = new int[entries.length];
        String[] vals = new String[entries.length];
        for (int i = 0; i < entries.length; i++) {
            opsOut[i] = entryOp[entries[i]];
            vals[i] = values.get(states[i]);
        }
        return new Outcome(status, opsOut, vals, configurations);
    }

    private static final class Config {
        private final long[] bits;
        private final int state;
        private final int hash;

        Config(long[] bits, int state, long zobrist) {
            this.bits = bits;
            this.state = state;
            this.hash = Long.hashCode(zobrist * 31 + state);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Config c && c.hash == hash && c.state == state && Arrays.equals(c.bits, bits);
        }
    }
}
