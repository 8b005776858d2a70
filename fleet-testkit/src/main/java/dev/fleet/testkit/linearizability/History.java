package dev.fleet.testkit.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Thread-safe recorder of a history, for tests that drive a real cluster:
 * <pre>{@code
 * History h = new History();
 * History.Pending p = h.invoke(client, key, Op.Kind.CAS, "1", "2");
 * try { ...; if (applied) p.ok(); else p.failed(); } catch (IOException e) { p.unknown(); }
 * LinearizabilityResult r = LinearizabilityChecker.builder().build().check(h.ops());
 * }</pre>
 * Times come from {@link System#nanoTime()}, taken just before the request is sent ({@link #invoke}) and just
 * after its answer arrived ({@link Pending#ok()} etc.). Operations never completed count as {@link Op.Outcome#UNKNOWN}.
 */
public final class History {

    private final ConcurrentLinkedQueue<Op> done = new ConcurrentLinkedQueue<>();
    private final Set<Pending> pending = ConcurrentHashMap.newKeySet();

    /** Records the invocation now; call exactly one completion method on the result. */
    public Pending invoke(int process, String key, Op.Kind kind, String expected, String value) {
        Pending p = new Pending(process, key, kind, expected, value, System.nanoTime());
        pending.add(p);
        return p;
    }

    public Pending invokeRead(int process, String key) {
        return invoke(process, key, Op.Kind.READ, null, null);
    }

    public Pending invokeWrite(int process, String key, String value) {
        return invoke(process, key, Op.Kind.WRITE, null, value);
    }

    public Pending invokeCas(int process, String key, String expected, String value) {
        return invoke(process, key, Op.Kind.CAS, expected, value);
    }

    /** All operations so far, ordered by invocation; those still pending are included as unknown. */
    public List<Op> ops() {
        List<Op> all = new ArrayList<>(done);
        for (Pending p : pending) {
            if (!p.completed.get()) {
                all.add(new Op(p.process, p.key, p.kind, p.expected, p.value, Op.Outcome.UNKNOWN, p.invoke, p.invoke));
            }
        }
        all.sort(Comparator.comparingLong(Op::invoke));
        return all;
    }

    /** An invoked operation waiting for its completion. */
    public final class Pending {
        private final int process;
        private final String key;
        private final Op.Kind kind;
        private final String expected;
        private final String value;
        private final long invoke;
        private final AtomicBoolean completed = new AtomicBoolean();

        private Pending(int process, String key, Op.Kind kind, String expected, String value, long invoke) {
            this.process = process;
            this.key = key;
            this.kind = kind;
            this.expected = expected;
            this.value = value;
            this.invoke = invoke;
        }

        /** A write or CAS took effect. */
        public void ok() {
            if (kind == Op.Kind.READ) {
                throw new IllegalStateException("a read completes with okRead(value)");
            }
            complete(value, Op.Outcome.OK);
        }

        /** A read returned {@code observed} ({@code null}: key not found). */
        public void okRead(String observed) {
            if (kind != Op.Kind.READ) {
                throw new IllegalStateException("not a read: " + kind);
            }
            complete(observed, Op.Outcome.OK);
        }

        /** Definitely not applied (for a CAS: compare failed). */
        public void failed() {
            complete(value, Op.Outcome.FAILED);
        }

        /** Timeout or error: may or may not have taken effect. */
        public void unknown() {
            complete(value, Op.Outcome.UNKNOWN);
        }

        private void complete(String v, Op.Outcome outcome) {
            long now = System.nanoTime();
            if (!completed.compareAndSet(false, true)) {
                throw new IllegalStateException("completed twice");
            }
            done.add(new Op(process, key, kind, expected, v, outcome, invoke, now));
            pending.remove(this);
        }
    }
}
