package dev.fleet.store;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.fleet.store.Cmd.T;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** writeTo / readFrom: same tree, indexes, expirations, clock and history. */
class KeyStoreSnapshotTest {

    private static KeyStore populated() {
        KeyStore s = new KeyStore();
        s.apply(Cmd.set(T, "/a/b", "1"));
        s.apply(Cmd.setTtl(T, "/a/ttl", "t", 30));
        s.apply(Cmd.mkdirTtl(T, "/dir", 60));
        s.apply(Cmd.set(T, "/_hidden/x", "h"));
        s.apply(Cmd.post(T, "/q", "p1"));
        s.apply(Cmd.set(T, "/unicode", "ü€\uD83D\uDE00 \u0000 \uD800"));
        s.apply(Cmd.set(T + 10, "/a/b", "2"));
        s.apply(Cmd.refresh(T + 20, "/a/ttl", 40));
        s.apply(Cmd.setTtl(T, "/short", "s", 1));
        s.apply(Cmd.tick(T + 5000)); // expires /short
        s.apply(Cmd.del(T + 5000, "/q/00000000000000000005"));
        return s;
    }

    private static KeyStore restore(byte[] snapshot, int capacity) throws IOException {
        KeyStore s = new KeyStore(capacity);
        s.readFrom(new DataInputStream(new ByteArrayInputStream(snapshot)));
        return s;
    }

    @Test
    void restoreGivesTheSameState() throws IOException {
        KeyStore original = populated();
        byte[] snap = Cmd.snapshot(original);
        KeyStore restored = restore(snap, KeyStore.DEFAULT_HISTORY);

        assertThat(restored.index()).isEqualTo(original.index()).isEqualTo(11);
        assertThat(restored.clock()).isEqualTo(original.clock()).isEqualTo(T + 5000);
        assertThat(restored.nextExpiration()).isEqualTo(original.nextExpiration());
        assertThat(restored.get("/", true, true)).isEqualTo(original.get("/", true, true));
        assertThat(restored.get("/_hidden/x", false, true)).isEqualTo(original.get("/_hidden/x", false, true));
        assertThat(restored.get("/unicode", false, true)).isEqualTo(original.get("/unicode", false, true));
        assertThat(Cmd.snapshot(restored)).isEqualTo(snap);
        // history behaves the same, refresh events included (skipped by both)
        for (long i = 1; i <= 12; i++) {
            assertThat(describe(restored.watch("/", true, i, r -> { })))
                    .as("watch from %d", i).isEqualTo(describe(original.watch("/", true, i, r -> { })));
        }
    }

    @Test
    void theSameFurtherCommandsGiveTheSameResults() throws IOException {
        KeyStore original = populated();
        KeyStore restored = restore(Cmd.snapshot(original), KeyStore.DEFAULT_HISTORY);
        List<Command> more = List.of(
                Cmd.set(T + 6000, "/a/b", "3"),
                Cmd.cas(T + 6000, "/a/b", "4", "3", null),
                Cmd.post(T + 6000, "/q", "p2"),
                Cmd.tick(T + 45_000),          // expires /a/ttl (refreshed to T+20+40s)
                Cmd.tick(T + 60_000),          // expires /dir
                Cmd.create(T + 60_000, "/dir", "file now"),
                Cmd.txn(T + 60_000, List.of(Cmd.cond("/a/b", true, "4", null)), Cmd.rmrf(T, "/a")),
                Cmd.qget(T + 60_000, "/"));
        for (Command c : more) {
            assertThat(restored.apply(c)).as("%s", c).isEqualTo(original.apply(c));
        }
        assertThat(Cmd.snapshot(restored)).isEqualTo(Cmd.snapshot(original));
    }

    @Test
    void restoringFailsPendingWatchersWith400() throws IOException {
        KeyStore target = new KeyStore();
        target.apply(Cmd.set(T, "/k", "1"));
        List<Result> got = new ArrayList<>();
        target.watch("/k", false, 0, got::add);
        target.watch("/", true, 0, got::add);
        byte[] snap = Cmd.snapshot(populated());
        target.readFrom(new DataInputStream(new ByteArrayInputStream(snap)));
        assertThat(got).containsExactly(
                new StoreError(400, "watcher is cleared due to etcd recovery", "/k", 11),
                new StoreError(400, "watcher is cleared due to etcd recovery", "/", 11));
        target.apply(Cmd.set(T + 6000, "/k", "2"));
        assertThat(got).hasSize(2);
    }

    @Test
    void aSmallerHistoryKeepsTheNewestEvents() throws IOException {
        KeyStore restored = restore(Cmd.snapshot(populated()), 3);
        WatchStart.Failed f = (WatchStart.Failed) restored.watch("/", true, 8, r -> { });
        assertThat(f.error().cause()).isEqualTo("the requested history has been cleared [9/8]");
        assertThat(restored.watch("/", true, 9, r -> { })).isInstanceOf(WatchStart.Ready.class);
    }

    @Test
    void aCorruptSnapshotFailsAndLeavesTheStoreAsItWas() {
        byte[] good = Cmd.snapshot(populated());
        KeyStore target = new KeyStore();
        target.apply(Cmd.set(T, "/mine", "1"));
        byte[] before = Cmd.snapshot(target);
        for (int cut : new int[] {0, 1, 10, good.length / 2, good.length - 1}) {
            byte[] truncated = Arrays.copyOf(good, cut);
            assertThatThrownBy(() -> target.readFrom(new DataInputStream(new ByteArrayInputStream(truncated))))
                    .isInstanceOf(IOException.class);
        }
        byte[] badVersion = good.clone();
        badVersion[0] = 99;
        assertThatThrownBy(() -> target.readFrom(new DataInputStream(new ByteArrayInputStream(badVersion))))
                .isInstanceOf(IOException.class).hasMessageContaining("version");
        assertThat(Cmd.snapshot(target)).isEqualTo(before);
    }

    private static String describe(WatchStart w) {
        if (w instanceof WatchStart.Ready r) {
            return "ready " + r.event();
        }
        if (w instanceof WatchStart.Failed f) {
            return "failed " + f.error();
        }
        ((WatchStart.Waiting) w).watch().cancel();
        return "waiting";
    }
}
