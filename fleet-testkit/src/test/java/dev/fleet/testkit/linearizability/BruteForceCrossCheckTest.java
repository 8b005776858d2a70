package dev.fleet.testkit.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Compares the checker with a brute-force search over all orders (and all subsets of unknown operations) on many
 * small random histories, with few values and coarse times so that ties, overlaps and CAS races are common.
 */
class BruteForceCrossCheckTest {

    private static final String[] VALUES = {null, "a", "b"};

    @Test
    void agreesWithBruteForceOnSmallRandomHistories() {
        Random rnd = new Random(42);
        int linearizable = 0;
        int broken = 0;
        for (int round = 0; round < 5000; round++) {
            List<Op> ops = randomHistory(rnd, 1 + rnd.nextInt(7));
            boolean compareFailed = rnd.nextBoolean();
            boolean expected = bruteForce(ops, compareFailed);
            LinearizabilityResult r = LinearizabilityChecker.builder().failedCasMeansCompareFailed(compareFailed)
                    .build().check(ops);
            assertThat(r.isLinearizable()).as("round %d, compareFailed=%s, history %s%n%s", round, compareFailed,
                    ops, r).isEqualTo(expected);
            if (expected) {
                linearizable++;
            } else {
                broken++;
                assertThat(r.counterExample()).isPresent();
            }
        }
        // the generator must exercise both verdicts
        assertThat(linearizable).isGreaterThan(500);
        assertThat(broken).isGreaterThan(500);
    }

    private static List<Op> randomHistory(Random rnd, int n) {
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long invoke = rnd.nextInt(10);
            long complete = invoke + rnd.nextInt(4);
            String v = VALUES[rnd.nextInt(VALUES.length)];
            String w = VALUES[1 + rnd.nextInt(VALUES.length - 1)];
            Op op = switch (rnd.nextInt(3)) {
                case 0 -> Op.read(i, "/k", v, invoke, complete);
                case 1 -> Op.write(i, "/k", w, invoke, complete);
                default -> Op.cas(i, "/k", v, w, invoke, complete);
            };
            int o = rnd.nextInt(6);
            ops.add(o == 0 ? op.unknown() : o == 1 ? op.failed() : op);
        }
        return ops;
    }

    private static boolean bruteForce(List<Op> history, boolean compareFailed) {
        List<Op> ops = new ArrayList<>();
        for (Op op : history) {
            boolean keep = switch (op.outcome()) {
                case OK -> true;
                case UNKNOWN -> op.kind() != Op.Kind.READ;
                case FAILED -> op.kind() == Op.Kind.CAS && compareFailed;
            };
            if (keep) ops.add(op);
        }
        return search(ops, new boolean[ops.size()], null);
    }

    private static boolean search(List<Op> ops, boolean[] placed, String state) {
        boolean allRequiredPlaced = true;
        for (int i = 0; i < ops.size(); i++) {
            if (!placed[i] && ops.get(i).outcome() != Op.Outcome.UNKNOWN) allRequiredPlaced = false;
        }
        if (allRequiredPlaced) return true;
        for (int i = 0; i < ops.size(); i++) {
            if (placed[i]) continue;
            Op o = ops.get(i);
            boolean mayGoNext = true;
            for (int j = 0; j < ops.size(); j++) {
                Op p = ops.get(j);
                if (!placed[j] && j != i && p.outcome() != Op.Outcome.UNKNOWN && p.complete() < o.invoke()) {
                    mayGoNext = false;
                }
            }
            if (!mayGoNext) continue;
            String next;
            boolean legal;
            switch (o.kind()) {
                case READ -> { legal = Objects.equals(state, o.value()); next = state; }
                case WRITE -> { legal = true; next = o.value(); }
                default -> {
                    if (o.outcome() == Op.Outcome.FAILED) {
                        legal = !Objects.equals(state, o.expected());
                        next = state;
                    } else {
                        legal = Objects.equals(state, o.expected());
                        next = o.value();
                    }
                }
            }
            if (!legal) continue;
            placed[i] = true;
            boolean ok = search(ops, placed, next);
            placed[i] = false;
            if (ok) return true;
        }
        return false;
    }
}
