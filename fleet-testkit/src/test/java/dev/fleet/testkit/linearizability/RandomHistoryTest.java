package dev.fleet.testkit.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleet.testkit.linearizability.LinearizabilityResult.Verdict;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Generated histories of the size the cluster tests produce (~2,000 operations over 5 keys, 8 concurrent clients,
 * some timeouts): a correct register gives a linearizable history, and one stale read makes it non-linearizable.
 * Both must be decided quickly.
 */
class RandomHistoryTest {

    private static final int KEYS = 5;
    private static final int PROCESSES = 8;
    private static final int OPS = 2000;

    /** A simulated atomic register: every operation takes effect at one random instant inside its interval. */
    static List<Op> linearizableHistory(long seed) {
        Random rnd = new Random(seed);
        record Planned(int process, String key, Op.Kind kind, String expected, String value, long invoke,
                       long complete, long point, boolean unknown, boolean applies) {}
        List<Planned> planned = new ArrayList<>();
        long[] clock = new long[PROCESSES];
        Map<String, List<String>> issued = new HashMap<>();
        for (int i = 0; i < OPS; i++) {
            int p = rnd.nextInt(PROCESSES);
            String key = "/k" + rnd.nextInt(KEYS);
            long invoke = clock[p] + 1 + rnd.nextInt(20);
            long complete = invoke + 1 + rnd.nextInt(100);
            clock[p] = complete;
            int dice = rnd.nextInt(10);
            Op.Kind kind = dice < 4 ? Op.Kind.READ : dice < 7 ? Op.Kind.WRITE : Op.Kind.CAS;
            String value = kind == Op.Kind.READ ? null : "v" + i;
            List<String> prior = issued.computeIfAbsent(key, k -> new ArrayList<>());
            String expected = kind != Op.Kind.CAS ? null
                    : prior.isEmpty() ? null : prior.get(Math.max(0, prior.size() - 1 - rnd.nextInt(3)));
            if (value != null) {
                prior.add(value);
            }
            boolean unknown = kind != Op.Kind.READ && rnd.nextInt(40) == 0;
            boolean applies = !unknown || rnd.nextBoolean();
            // an unknown operation may take effect long after its client gave up
            long point = invoke + (long) (rnd.nextDouble() * (complete - invoke) * (unknown ? 4 : 1));
            planned.add(new Planned(p, key, kind, expected, value, invoke, complete, point, unknown, applies));
        }
        List<Planned> byPoint = new ArrayList<>(planned);
        byPoint.sort(Comparator.comparingLong(Planned::point));
        Map<String, String> register = new HashMap<>();
        Map<Planned, Op> result = new HashMap<>();
        for (Planned pl : byPoint) {
            String current = register.get(pl.key());
            Op op;
            switch (pl.kind()) {
                case READ -> op = Op.read(pl.process(), pl.key(), current, pl.invoke(), pl.complete());
                case WRITE -> {
                    if (pl.applies()) register.put(pl.key(), pl.value());
                    op = Op.write(pl.process(), pl.key(), pl.value(), pl.invoke(), pl.complete());
                }
                default -> {
                    boolean matches = java.util.Objects.equals(current, pl.expected());
                    if (matches && pl.applies()) register.put(pl.key(), pl.value());
                    op = Op.cas(pl.process(), pl.key(), pl.expected(), pl.value(), pl.invoke(), pl.complete());
                    if (!matches && !pl.unknown()) op = op.failed();
                }
            }
            result.put(pl, pl.unknown() ? op.unknown() : op);
        }
        return planned.stream().map(result::get).toList();
    }

    private static LinearizabilityResult timedCheck(List<Op> ops) {
        long t0 = System.nanoTime();
        LinearizabilityResult r = LinearizabilityChecker.builder().timeout(Duration.ofSeconds(20)).build().check(ops);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        // a guard against exponential search, not a benchmark: ≈ 1 s alone, 4.9 s measured on a 2-core box busy with builds
        assertThat(ms).as("checking %d ops took %d ms: %s", ops.size(), ms, r.keys()).isLessThan(10_000);
        return r;
    }

    @Test
    void correctRegisterHistoriesAreLinearizable() {
        for (long seed = 1; seed <= 5; seed++) {
            List<Op> ops = linearizableHistory(seed);
            assertThat(ops).hasSize(OPS);
            assertThat(ops.stream().filter(o -> o.outcome() == Op.Outcome.UNKNOWN).count()).isPositive();
            assertThat(ops.stream().filter(o -> o.outcome() == Op.Outcome.FAILED).count()).isPositive();
            LinearizabilityResult r = timedCheck(ops);
            assertThat(r.verdict()).as("seed %d: %s", seed, r).isEqualTo(Verdict.LINEARIZABLE);
            assertThat(r.keys()).hasSize(KEYS);
        }
    }

    @Test
    void oneStaleReadIsFound() {
        for (long seed = 1; seed <= 5; seed++) {
            List<Op> ops = new ArrayList<>(linearizableHistory(seed));
            int victim = injectStaleRead(ops);
            LinearizabilityResult r = timedCheck(ops);
            assertThat(r.verdict()).as("seed %d", seed).isEqualTo(Verdict.NOT_LINEARIZABLE);
            LinearizabilityResult.CounterExample ce = r.counterExample().orElseThrow();
            assertThat(ce.key()).isEqualTo(ops.get(victim).key());
            assertThat(ce.culprits()).extracting(LinearizabilityResult.IndexedOp::index).contains(victim);
            assertThat(ce.text()).contains("#" + victim + " ");
        }
    }

    /**
     * Makes a late read return the value of an acknowledged write that was followed, strictly before the read,
     * by another acknowledged write of the same key. Values are unique, so the read is stale.
     */
    private static int injectStaleRead(List<Op> ops) {
        for (int r = ops.size() - 1; r > ops.size() / 2; r--) {
            Op read = ops.get(r);
            if (read.kind() != Op.Kind.READ) continue;
            for (Op w1 : ops) {
                if (!w1.key().equals(read.key()) || w1.kind() != Op.Kind.WRITE || w1.outcome() != Op.Outcome.OK
                        || w1.value().equals(read.value())) continue;
                boolean overwritten = ops.stream().anyMatch(w2 -> w2.key().equals(read.key())
                        && w2.kind() == Op.Kind.WRITE && w2.outcome() == Op.Outcome.OK
                        && w2.invoke() > w1.complete() && w2.complete() < read.invoke());
                if (overwritten) {
                    ops.set(r, Op.read(read.process(), read.key(), w1.value(), read.invoke(), read.complete()));
                    return r;
                }
            }
        }
        throw new IllegalStateException("no stale read could be injected");
    }
}
