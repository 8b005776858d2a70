package dev.fleet.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.fleet.store.Cmd.T;
import static dev.fleet.store.Cmd.cond;
import static org.assertj.core.api.Assertions.assertThat;

/** Transactions: conditions first, then all operations or nothing. */
class KeyStoreTxnTest {

    private final KeyStore store = new KeyStore();
    private final List<Result> fired = new ArrayList<>();

    /** /a = "1" (index 1), dir /d (2), /d/x = "x" with a TTL (3). */
    private void prepare() {
        store.apply(Cmd.set(T, "/a", "1"));
        store.apply(Cmd.mkdir(T, "/d"));
        store.apply(Cmd.setTtl(T, "/d/x", "x", 100));
        store.watch("/", true, 0, fired::add);
    }

    @Test
    void allConditionsHoldThenEveryOperationAppliesWithConsecutiveIndexes() {
        prepare();
        Result.Batch b = Cmd.batch(store.apply(Cmd.txn(T, List.of(cond("/a", true, "1", 1L), cond("/new", false, null, null)),
                Cmd.set(T, "/a", "2"), Cmd.create(T, "/new", "n"), Cmd.post(T, "/q", "p"), Cmd.del(T, "/d/x"))));
        assertThat(b.events()).extracting(Result.Event::action).containsExactly("set", "create", "create", "delete");
        assertThat(b.events()).extracting(Result.Event::index).containsExactly(4L, 5L, 6L, 7L);
        assertThat(b.events().get(2).node().key()).isEqualTo("/q/00000000000000000006");
        assertThat(b.index()).isEqualTo(7);
        assertThat(Cmd.valueOf(store, "/a")).isEqualTo("2");
        assertThat(Cmd.valueOf(store, "/new")).isEqualTo("n");
        assertThat(fired).containsExactly(b.events().get(0));
    }

    @Test
    void laterOperationsSeeEarlierOnes() {
        prepare();
        Result.Batch b = Cmd.batch(store.apply(Cmd.txn(T, List.of(),
                Cmd.set(T, "/t", "1"), Cmd.cas(T, "/t", "2", "1", 4L), Cmd.cad(T, "/t", "2", 5L))));
        assertThat(b.events()).extracting(Result.Event::action).containsExactly("set", "compareAndSwap", "compareAndDelete");
        assertThat(Cmd.valueOf(store, "/t")).isNull();
    }

    @Test
    void anEmptyTransactionSucceedsWithoutChange() {
        prepare();
        Result.Batch b = Cmd.batch(store.apply(Cmd.txn(T, List.of(cond("/a", null, null, null)))));
        assertThat(b.events()).isEmpty();
        assertThat(b.index()).isEqualTo(3);
    }

    static Stream<Arguments> failingConditions() {
        return Stream.of(
                Arguments.of(cond("/a", null, "2", null), 101, "[2 != 1]"),
                Arguments.of(cond("/a", true, null, 9L), 101, "[9 != 1]"),
                Arguments.of(cond("/a", null, "2", 9L), 101, "[2 != 1] [9 != 1]"),
                Arguments.of(cond("/missing", true, null, null), 100, "/missing"),
                Arguments.of(cond("/missing", null, "1", null), 100, "/missing"),
                Arguments.of(cond("/a/below", null, "1", null), 104, "/a"),
                Arguments.of(cond("/a", false, null, null), 105, "/a"),
                Arguments.of(cond("/d", null, "1", null), 102, "/d"));
    }

    @ParameterizedTest
    @MethodSource("failingConditions")
    void aFailingConditionChangesNothing(Command.Condition failing, int code, String cause) {
        prepare();
        byte[] before = Cmd.snapshot(store);
        StoreError e = Cmd.error(store.apply(Cmd.txn(T, List.of(cond("/a", true, "1", null), failing),
                Cmd.set(T, "/a", "changed"), Cmd.set(T, "/b", "new"))));
        assertThat(e.errorCode()).isEqualTo(code);
        assertThat(e.cause()).isEqualTo(cause);
        assertThat(e.index()).isEqualTo(3);
        assertThat(Cmd.snapshot(store)).isEqualTo(before);
        assertThat(fired).isEmpty();
    }

    @Test
    void conditionsThatHoldOnAbsentKeys() {
        prepare();
        Result r = store.apply(Cmd.txn(T, List.of(cond("/missing", false, null, null),
                cond("/missing", false, "x", 5L), cond("/a/under/file", false, null, null), cond("/missing", null, null, null),
                cond("/d", true, null, null)), Cmd.set(T, "/ok", "1")));
        assertThat(Cmd.batch(r).events()).hasSize(1);
    }

    @Test
    void aFailingLaterOperationRollsEverythingBack() {
        prepare();
        byte[] before = Cmd.snapshot(store);
        StoreError e = Cmd.error(store.apply(Cmd.txn(T, List.of(),
                Cmd.set(T, "/a", "2"),                       // modifies a file (set replaces the node)
                Cmd.set(T, "/n/e/w", "deep"),                // creates directories
                Cmd.rmrf(T, "/d"),                           // removes a subtree holding a TTL
                new Command.Put(T, "/a", "3", false, 5L, true, null, null, false), // gives /a a TTL
                Cmd.post(T, "/q", "p"),
                Cmd.create(T, "/n/e/w", "again"))));          // fails: 105
        assertThat(e.errorCode()).isEqualTo(105);
        assertThat(e.cause()).isEqualTo("/n/e/w");
        assertThat(e.index()).as("the index is the one before the txn").isEqualTo(3);
        assertThat(store.index()).isEqualTo(3);
        assertThat(Cmd.snapshot(store)).isEqualTo(before);
        assertThat(fired).as("no watcher fired").isEmpty();
        assertThat(store.nextExpiration()).hasValue(T + 100_000);
        // and the restored TTL still works: /d/x expires on time, /a does not
        Result.Batch tick = Cmd.batch(store.apply(Cmd.tick(T + 100_000)));
        assertThat(tick.events()).extracting(ev -> ev.node().key()).containsExactly("/d/x");
        assertThat(fired).hasSize(1);
        assertThat(Cmd.event(fired.get(0)).index()).isEqualTo(4);
        assertThat(Cmd.valueOf(store, "/a")).isEqualTo("1");
    }

    @Test
    void expiriesBeforeAFailedTransactionStay() {
        prepare();
        StoreError e = Cmd.error(store.apply(Cmd.txn(T + 100_000, List.of(), Cmd.set(T, "/z", "1"), Cmd.update(T, "/nope", "x"))));
        assertThat(e.errorCode()).isEqualTo(100);
        assertThat(e.index()).as("the expiry of /d/x took index 4").isEqualTo(4);
        assertThat(Cmd.valueOf(store, "/d/x")).isNull();
        assertThat(Cmd.valueOf(store, "/z")).isNull();
        assertThat(fired).extracting(r -> Cmd.event(r).action()).containsExactly("expire");
        assertThat(store.clock()).isEqualTo(T + 100_000);
    }

    @Test
    void anErrorInTheMiddleAfterCreatingAndDeletingTheSameKey() {
        prepare();
        byte[] before = Cmd.snapshot(store);
        Result r = store.apply(Cmd.txn(T, List.of(), Cmd.del(T, "/a"), Cmd.create(T, "/a", "other"),
                Cmd.del(T, "/a"), Cmd.set(T, "/a", "third"), Cmd.rmdir(T, "/d")));
        assertThat(Cmd.error(r).errorCode()).isEqualTo(108);
        assertThat(Cmd.snapshot(store)).isEqualTo(before);
    }
}
