package dev.fleet.testkit.linearizability;

import static dev.fleet.testkit.linearizability.Op.cas;
import static dev.fleet.testkit.linearizability.Op.read;
import static dev.fleet.testkit.linearizability.Op.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fleet.testkit.linearizability.LinearizabilityResult.CounterExample;
import dev.fleet.testkit.linearizability.LinearizabilityResult.Verdict;

import java.util.List;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Hand-made histories. Times are arbitrary ticks; {@code [a, b]} in a comment is an operation's invoke/complete.
 */
class LinearizabilityCheckerTest {

    private static final String K = "/k";

    private static LinearizabilityResult check(Op... ops) {
        return LinearizabilityChecker.checkHistory(List.of(ops));
    }

    private static void assertLinearizable(Op... ops) {
        LinearizabilityResult r = check(ops);
        assertThat(r.verdict()).as(r.toString()).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(r.counterExample()).isEmpty();
    }

    private static CounterExample assertNotLinearizable(Op... ops) {
        LinearizabilityResult r = check(ops);
        assertThat(r.verdict()).as(r.toString()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(r.isLinearizable()).isFalse();
        assertThat(r.counterExample()).isPresent();
        return r.counterExample().orElseThrow();
    }

    @Nested
    class Linearizable {

        @Test
        void emptyHistory() {
            assertLinearizable();
        }

        @Test
        void readOfAMissingKeyIsNil() {
            assertLinearizable(read(0, K, null, 0, 10));
        }

        @Test
        void sequentialWritesAndReads() {
            assertLinearizable(
                    write(0, K, "1", 0, 10),
                    read(1, K, "1", 20, 30),
                    write(0, K, "2", 40, 50),
                    read(1, K, "2", 60, 70),
                    write(0, K, null, 80, 90), // a delete
                    read(1, K, null, 100, 110));
        }

        @Test
        void readsOverlappingAWriteMaySeeEitherValueButNotGoBack() {
            // write "1" [0, 100]; a read seeing the new value may complete before a read seeing the old one
            // starts only if they overlap: here they do ([5, 15] sees nil, [10, 20] sees "1")
            assertLinearizable(
                    write(0, K, "1", 0, 100),
                    read(1, K, null, 5, 15),
                    read(2, K, "1", 10, 20),
                    read(1, K, "1", 30, 40));
        }

        @Test
        void concurrentWritesMayTakeEffectInEitherOrder() {
            assertLinearizable(
                    write(0, K, "a", 0, 50),
                    write(1, K, "b", 10, 40),
                    read(2, K, "a", 60, 70),
                    read(3, K, "a", 80, 90));
        }

        @Test
        void unknownWriteThatHappened() {
            assertLinearizable(
                    write(0, K, "1", 0, 10),
                    write(1, K, "2", 20, 30).unknown(),
                    read(2, K, "2", 100, 110));
        }

        @Test
        void unknownWriteThatDidNotHappen() {
            assertLinearizable(
                    write(0, K, "1", 0, 10),
                    write(1, K, "2", 20, 30).unknown(),
                    read(2, K, "1", 100, 110),
                    read(2, K, "1", 120, 130));
        }

        @Test
        void unknownWriteThatHappenedLongAfterItsClientGaveUp() {
            assertLinearizable(
                    write(0, K, "1", 0, 10),
                    write(1, K, "2", 20, 30).unknown(),
                    read(2, K, "1", 40, 50),
                    read(2, K, "1", 60, 70),
                    read(2, K, "2", 80, 90));
        }

        @Test
        void unknownCasThatHappenedAndOneThatDidNot() {
            assertLinearizable(
                    write(0, K, "0", 0, 10),
                    cas(1, K, "0", "1", 20, 30).unknown(),  // happened
                    cas(2, K, "0", "2", 25, 35).unknown(),  // could not have: "0" was gone
                    read(3, K, "1", 50, 60));
        }

        @Test
        void failedOperationsAreNotApplied() {
            assertLinearizable(
                    write(0, K, "1", 0, 10),
                    write(1, K, "x", 20, 30).failed(),
                    cas(1, K, "0", "y", 40, 50).failed(),
                    read(2, K, "1", 60, 70));
        }

        @Test
        void casChainWithAConcurrentLoser() {
            assertLinearizable(
                    write(0, K, "0", 0, 10),
                    cas(1, K, "0", "1", 20, 40),
                    cas(2, K, "0", "2", 25, 35).failed(), // lost the race: compare failed
                    cas(2, K, "1", "2", 50, 60),
                    read(3, K, "2", 70, 80));
        }

        @Test
        void failedCasMayOverlapTheWriteThatChangedTheValue() {
            assertLinearizable(
                    write(0, K, "0", 0, 10),
                    write(1, K, "1", 20, 40),
                    cas(2, K, "0", "x", 15, 30).failed(), // compared after the write
                    read(3, K, "1", 50, 60));
        }

        @Test
        void keysAreIndependent() {
            assertLinearizable(
                    write(0, "/a", "1", 0, 10),
                    write(1, "/b", "1", 5, 15),
                    read(0, "/a", "1", 20, 30),
                    read(1, "/b", "1", 20, 30),
                    read(2, "/c", null, 20, 30));
        }

        @Test
        void historyRecorderProducesCheckableOps() {
            History h = new History();
            History.Pending w = h.invokeWrite(0, K, "1");
            w.ok();
            History.Pending r = h.invokeRead(1, K);
            r.okRead("1");
            History.Pending c = h.invokeCas(2, K, "nope", "2");
            c.failed();
            h.invokeWrite(3, K, "3"); // never completes: unknown
            List<Op> ops = h.ops();
            assertThat(ops).hasSize(4);
            assertThat(ops.get(3).outcome()).isEqualTo(Op.Outcome.UNKNOWN);
            assertThat(LinearizabilityChecker.checkHistory(ops).isLinearizable()).isTrue();
        }
    }

    @Nested
    class NotLinearizable {

        @Test
        void staleReadAfterACompletedWrite() {
            CounterExample ce = assertNotLinearizable(
                    write(0, K, "1", 0, 10),
                    write(0, K, "2", 20, 30),
                    read(1, K, "1", 40, 50),
                    read(1, K, "2", 60, 70));
            assertThat(ce.key()).isEqualTo(K);
            assertThat(ce.culprits()).extracting(LinearizabilityResult.IndexedOp::index).containsExactly(2);
            assertThat(ce.minimal()).isTrue();
            // the prefix ends at the stale read: the later read is not part of it
            assertThat(ce.prefix()).extracting(LinearizabilityResult.IndexedOp::index).containsExactly(0, 1, 2);
            assertThat(ce.text()).contains("#2 p1 read -> \"1\" ok [40, 50]", "<== completes here");
        }

        @Test
        void lostAcknowledgedWrite() {
            CounterExample ce = assertNotLinearizable(
                    write(0, K, "0", 0, 10),
                    write(1, K, "1", 20, 30),
                    read(2, K, "0", 40, 50));
            assertThat(ce.culprits()).extracting(LinearizabilityResult.IndexedOp::index).containsExactly(2);
            assertThat(ce.partialLinearisation()).extracting(LinearizabilityResult.IndexedOp::index)
                    .containsExactly(0, 1);
            assertThat(ce.valuesAfter()).containsExactly("0", "1");
        }

        @Test
        void lostWriteSeenAsAMissingKey() {
            assertNotLinearizable(
                    write(0, K, "1", 0, 10),
                    read(1, K, null, 20, 30));
        }

        @Test
        void twoSuccessfulCasFromTheSameExpectedValue() {
            CounterExample ce = assertNotLinearizable(
                    write(0, K, "0", 0, 10),
                    cas(1, K, "0", "1", 20, 40),
                    cas(2, K, "0", "2", 25, 45));
            // up to the first CAS's completion the second may still not have happened; its completion breaks it
            assertThat(ce.culprits()).extracting(LinearizabilityResult.IndexedOp::index).containsExactly(2);
        }

        @Test
        void twoSuccessfulCasFromTheSameExpectedValueEvenWithAnUnknownWrite() {
            // an unknown write of an unrelated value cannot reset the register to "0"
            assertNotLinearizable(
                    write(0, K, "0", 0, 10),
                    write(3, K, "9", 15, 16).unknown(),
                    cas(1, K, "0", "1", 20, 40),
                    cas(2, K, "0", "2", 25, 45));
        }

        @Test
        void readOfAValueNobodyWrote() {
            assertNotLinearizable(
                    write(0, K, "1", 0, 10),
                    read(1, K, "7", 20, 30));
        }

        @Test
        void unknownWriteCannotTakeEffectBeforeItIsInvoked() {
            assertNotLinearizable(
                    read(1, K, "1", 0, 10),
                    write(0, K, "1", 20, 30).unknown());
        }

        @Test
        void failedCasThatMustHaveSucceeded() {
            Op[] ops = {
                    write(0, K, "0", 0, 10),
                    cas(1, K, "0", "1", 20, 30).failed()};
            assertNotLinearizable(ops);
            // unless a failed CAS may have failed for other reasons than the compare
            assertThat(LinearizabilityChecker.builder().failedCasMeansCompareFailed(false).build()
                    .check(List.of(ops)).isLinearizable()).isTrue();
        }

        @Test
        void onlyTheBrokenKeyIsReported() {
            LinearizabilityResult r = check(
                    write(0, "/a", "1", 0, 10),
                    read(1, "/a", "1", 20, 30),
                    write(0, "/b", "1", 0, 10),
                    write(0, "/b", "2", 20, 30),
                    read(1, "/b", "1", 40, 50));
            assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
            assertThat(r.keys()).extracting(LinearizabilityResult.KeyResult::verdict)
                    .containsExactly(Verdict.LINEARIZABLE, Verdict.NOT_LINEARIZABLE);
            assertThat(r.counterExample().orElseThrow().key()).isEqualTo("/b");
            assertThat(r.counterExample().orElseThrow().culprits())
                    .extracting(LinearizabilityResult.IndexedOp::index).containsExactly(4);
            assertThat(r.toString()).contains("NOT_LINEARIZABLE", "key /b");
        }

        @Test
        void counterExampleIsTheSmallestBrokenPrefix() {
            CounterExample ce = assertNotLinearizable(
                    write(0, K, "1", 0, 10),
                    read(1, K, "1", 15, 25),
                    write(0, K, "2", 30, 40),
                    read(1, K, "2", 45, 55),
                    read(2, K, "1", 50, 60),  // stale: "2" was read before this began... and completed before it
                    write(0, K, "3", 70, 80),
                    read(1, K, "3", 90, 100));
            assertThat(ce.culprits()).extracting(LinearizabilityResult.IndexedOp::index).containsExactly(4);
            assertThat(ce.prefix()).extracting(LinearizabilityResult.IndexedOp::index).containsExactly(0, 1, 2, 3, 4);
        }
    }
}
