package dev.fleet.store;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.fleet.store.Cmd.T;
import static org.assertj.core.api.Assertions.assertThat;

/** One-shot watches: live, from history, hidden keys, deleted directories, errors. */
class KeyStoreWatchTest {

    private final KeyStore store = new KeyStore();
    private final List<String> log = new ArrayList<>();

    /** Registers a watch that records "name: action key @modifiedIndex" (or the error code). */
    private WatchStart watch(String name, String key, boolean recursive, long waitIndex) {
        return store.watch(key, recursive, waitIndex, r -> {
            if (r instanceof Result.Event e) {
                log.add(name + ": " + e.action() + " " + e.node().key() + " @" + e.node().modifiedIndex());
            } else {
                log.add(name + ": error " + ((StoreError) r).errorCode());
            }
        });
    }

    @Test
    void waitIndexZeroWaitsForTheNextEventAndFiresOnce() {
        store.apply(Cmd.set(T, "/k", "1"));
        assertThat(watch("w", "/k", false, 0)).isInstanceOf(WatchStart.Waiting.class);
        assertThat(log).isEmpty();
        store.apply(Cmd.set(T, "/other", "x"));
        store.apply(Cmd.set(T, "/k", "2"));
        store.apply(Cmd.set(T, "/k", "3"));
        assertThat(log).containsExactly("w: set /k @3");
    }

    @Test
    void theListenerGetsTheEventWithItsOwnIndex() {
        List<Result> got = new ArrayList<>();
        store.watch("/k", false, 0, got::add);
        Result.Event set = Cmd.event(store.apply(Cmd.set(T, "/k", "v")));
        assertThat(got).containsExactly(set);
    }

    @Test
    void exactVersusRecursive() {
        watch("exact", "/d", false, 0);
        watch("rec", "/d", true, 0);
        watch("root", "/", true, 0);
        store.apply(Cmd.set(T, "/d/x", "1"));
        assertThat(log).containsExactly("rec: set /d/x @1", "root: set /d/x @1");
        store.apply(Cmd.set(T, "/d2", "1")); // a sibling with the same prefix is not below /d
        store.apply(Cmd.rmrf(T, "/d"));
        assertThat(log).containsExactly("rec: set /d/x @1", "root: set /d/x @1", "exact: delete /d @3");
    }

    @Test
    void hiddenKeysAreInvisibleToRecursiveWatchersAbove() {
        watch("root", "/", true, 0);
        watch("a", "/a", true, 0);
        watch("hiddenDir", "/a/_h", true, 0);
        watch("hiddenKey", "/a/_h/x", false, 0);
        store.apply(Cmd.set(T, "/a/_h/x", "secret"));
        assertThat(log).containsExactly("hiddenDir: set /a/_h/x @1", "hiddenKey: set /a/_h/x @1");
        store.apply(Cmd.set(T, "/a/visible", "v"));
        assertThat(log).endsWith("root: set /a/visible @2", "a: set /a/visible @2");
        // the same rule holds for history scans
        WatchStart fromHistory = store.watch("/", true, 1, r -> { });
        assertThat(((WatchStart.Ready) fromHistory).event().node().key()).isEqualTo("/a/visible");
    }

    @Test
    void watchersBelowADeletedDirectoryAreForceNotified() {
        store.apply(Cmd.set(T, "/d/x/y", "1"));
        watch("file", "/d/x/y", false, 0);
        watch("notYetThere", "/d/x/none", false, 0);
        watch("sibling", "/dx", false, 0);
        store.apply(Cmd.rmrf(T, "/d"));
        assertThat(log).containsExactly("file: delete /d @2", "notYetThere: delete /d @2");
        // history serves the same: a past watch below the deleted dir sees the delete
        Result.Event past = ((WatchStart.Ready) store.watch("/d/x/y", false, 2, r -> { })).event();
        assertThat(past.action()).isEqualTo("delete");
        assertThat(past.node().key()).isEqualTo("/d");
    }

    @Test
    void watchersBelowAnExpiredDirectoryAreForceNotified() {
        store.apply(Cmd.mkdirTtl(T, "/d", 1));
        store.apply(Cmd.set(T, "/d/x", "1"));
        watch("x", "/d/x", false, 0);
        store.apply(Cmd.tick(T + 1000));
        assertThat(log).containsExactly("x: expire /d @3");
    }

    @Test
    void aPastWaitIndexIsServedFromHistoryWithTheCurrentIndex() {
        store.apply(Cmd.set(T, "/a", "1"));   // 1
        store.apply(Cmd.set(T, "/b", "1"));   // 2
        store.apply(Cmd.set(T, "/a", "2"));   // 3
        store.apply(Cmd.set(T, "/c", "1"));   // 4
        WatchStart w = watch("a", "/a", false, 2);
        Result.Event e = ((WatchStart.Ready) w).event();
        assertThat(e.node().modifiedIndex()).isEqualTo(3);
        assertThat(e.node().value()).isEqualTo("2");
        assertThat(e.prevNode().value()).isEqualTo("1");
        assertThat(e.index()).as("X-Etcd-Index is the current index").isEqualTo(4);
        assertThat(log).as("a Ready watch does not call the listener").isEmpty();
        assertThat(((WatchStart.Ready) watch("a1", "/a", false, 1)).event().node().modifiedIndex()).isEqualTo(1);
        // nothing matching since 4: waits
        assertThat(watch("a4", "/a", false, 4)).isInstanceOf(WatchStart.Waiting.class);
        store.apply(Cmd.set(T, "/a", "3"));
        assertThat(log).containsExactly("a4: set /a @5");
    }

    @Test
    void aFutureWaitIndexSkipsEarlierEvents() {
        store.apply(Cmd.set(T, "/a", "1")); // 1
        watch("w", "/a", false, 3);
        store.apply(Cmd.set(T, "/a", "2")); // 2: too early
        assertThat(log).isEmpty();
        store.apply(Cmd.set(T, "/a", "3")); // 3
        assertThat(log).containsExactly("w: set /a @3");
    }

    @Test
    void historyOlderThanTheRingIsCleared() {
        KeyStore small = new KeyStore(3);
        for (int i = 1; i <= 5; i++) {
            small.apply(Cmd.set(T, "/k", "v" + i));
        }
        WatchStart.Failed f = (WatchStart.Failed) small.watch("/k", false, 2, r -> { });
        assertThat(f.error()).isEqualTo(new StoreError(401, "The event in requested index is outdated and cleared",
                "the requested history has been cleared [3/2]", 5));
        assertThat(((WatchStart.Ready) small.watch("/k", false, 3, r -> { })).event().node().value()).isEqualTo("v3");
        assertThat(small.watch("/k", false, 0, r -> { })).isInstanceOf(WatchStart.Waiting.class);
    }

    @Test
    void cancelledWatchersAreNotCalled() {
        WatchStart.Waiting w = (WatchStart.Waiting) watch("w", "/k", false, 0);
        watch("other", "/k", false, 0);
        w.watch().cancel();
        w.watch().cancel(); // idempotent
        store.apply(Cmd.set(T, "/k", "1"));
        assertThat(log).containsExactly("other: set /k @1");
    }

    @Test
    void listenersRunAfterTheWholeCommandInEventOrder() {
        store.apply(Cmd.setTtl(T, "/old", "x", 1));
        List<String> seen = new ArrayList<>();
        store.watch("/", true, 0, r -> seen.add("first " + Cmd.event(r).action() + " index=" + store.index()
                + " b=" + Cmd.valueOf(store, "/b")));
        store.watch("/b", false, 0, r -> seen.add("second " + Cmd.event(r).action()));
        store.apply(Cmd.txn(T + 1000, List.of(), Cmd.set(T, "/a", "1"), Cmd.set(T, "/b", "2")));
        // the expire of /old (index 2) comes first; the listener already sees the txn's result
        assertThat(seen).containsExactly("first expire index=4 b=2", "second set");
    }

    @Test
    void aThrowingListenerDoesNotBreakTheStoreOrOtherListeners() {
        store.watch("/k", false, 0, r -> { throw new IllegalStateException("boom"); });
        watch("after", "/k", false, 0);
        Result r = store.apply(Cmd.set(T, "/k", "1"));
        assertThat(Cmd.event(r).index()).isEqualTo(1);
        assertThat(log).containsExactly("after: set /k @1");
        assertThat(Cmd.event(store.apply(Cmd.set(T, "/k", "2"))).index()).isEqualTo(2);
    }

    @Test
    void listenersMayReadAndWatchButNotApply() {
        List<Object> seen = new ArrayList<>();
        store.watch("/k", false, 0, r -> {
            try {
                store.apply(Cmd.set(T, "/nested", "x"));
                seen.add("applied");
            } catch (IllegalStateException expected) {
                seen.add("refused");
            }
            // re-arming from the listener does not receive the same event again
            seen.add(store.watch("/k", false, 0, again -> seen.add("again " + Cmd.event(again).node().value()))
                    .getClass().getSimpleName());
        });
        store.apply(Cmd.set(T, "/k", "1"));
        store.apply(Cmd.set(T, "/k", "2"));
        assertThat(seen).containsExactly("refused", "Waiting", "again 2");
        assertThat(Cmd.valueOf(store, "/nested")).isNull();
    }

    @Test
    void aFailedWriteFiresNothing() {
        watch("w", "/", true, 0);
        store.apply(Cmd.update(T, "/missing", "x"));
        store.apply(Cmd.del(T, "/missing"));
        assertThat(log).isEmpty();
    }
}
