package dev.fleet.testkit.linearizability;

import java.util.List;
import java.util.Optional;

/**
 * The checker's verdict for a whole history: per key, and overall.
 *
 * @param keys one result per key, ordered by key
 */
public record LinearizabilityResult(Verdict verdict, List<KeyResult> keys) {

    public enum Verdict {
        LINEARIZABLE,
        NOT_LINEARIZABLE,
        /** the time budget ran out before a verdict (for some key; no key was found non-linearizable) */
        TIMED_OUT
    }

    /**
     * @param operations operations of this key that reached the search (ignored ones not counted)
     * @param configurations memoised search configurations explored (a measure of the work done)
     * @param counterExample present iff the verdict is NOT_LINEARIZABLE
     */
    public record KeyResult(String key, Verdict verdict, int operations, long configurations,
                            Optional<CounterExample> counterExample) {}

    /**
     * The smallest non-linearisable prefix of one key's history: the history cut at the completion of
     * {@code culprits} (operations still running at that instant count as unknown) cannot be linearised,
     * while the history cut at the previous completion can.
     *
     * @param prefix the operations of that prefix, by invocation, with their index in the checked list
     * @param culprits the operation(s) whose completion makes the prefix non-linearisable
     * @param partialLinearisation the longest partial linearisation the search found for that prefix
     * @param valuesAfter the register value after each step of {@code partialLinearisation}
     * @param minimal false when the time budget ran out while narrowing the prefix down
     * @param text a readable account of all of the above
     */
    public record CounterExample(String key, List<IndexedOp> prefix, List<IndexedOp> culprits,
                                 List<IndexedOp> partialLinearisation, List<String> valuesAfter,
                                 boolean minimal, String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    /** An operation and its position in the list given to the checker. */
    public record IndexedOp(int index, Op op) {}

    public boolean isLinearizable() {
        return verdict == Verdict.LINEARIZABLE;
    }

    /** The first counter-example (by key), if any. */
    public Optional<CounterExample> counterExample() {
        return keys.stream().flatMap(k -> k.counterExample().stream()).findFirst();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(verdict);
        sb.append(" (").append(keys.size()).append(keys.size() == 1 ? " key" : " keys");
        sb.append(", ").append(keys.stream().mapToInt(KeyResult::operations).sum()).append(" operations checked)");
        for (KeyResult k : keys) {
            if (k.verdict() != Verdict.LINEARIZABLE) {
                sb.append("\n").append("key ").append(k.key()).append(": ").append(k.verdict());
                k.counterExample().ifPresent(c -> sb.append("\n").append(c.text()));
            }
        }
        return sb.toString();
    }
}
