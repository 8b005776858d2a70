package dev.fleet.store;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

import static dev.fleet.store.Cmd.T;
import static org.assertj.core.api.Assertions.assertThat;

/** The watch history's memory budget: big values push old events out; small ones keep the count limit. */
class HistoryBudgetTest {
    private static final String MIB = "x".repeat(512 * 1024); // 1 MiB as UTF-16

    @Test
    void bigValuesEvictOldEventsWithinTheBudgetAndAWatchFromThemGets401() {
        KeyStore store = new KeyStore(1000, 4L * 1024 * 1024);
        for (int i = 0; i < 10; i++) {
            store.apply(Cmd.set(T, "/big", MIB + i)); // each event: the value and the previous one, ≈ 2 MiB
        }
        assertThat(store.historyBytes()).isLessThanOrEqualTo(4L * 1024 * 1024);
        assertThat(store.historyBytes()).isGreaterThan(2L * 1024 * 1024); // the newest two or so are kept
        WatchStart old = store.watch("/big", false, 1, r -> { });
        assertThat(old).isInstanceOf(WatchStart.Failed.class);
        assertThat(((WatchStart.Failed) old).error().errorCode()).isEqualTo(401);
        WatchStart latest = store.watch("/big", false, 10, r -> { });
        assertThat(latest).isInstanceOf(WatchStart.Ready.class); // the newest event is always kept
    }

    @Test
    void oneEventLargerThanTheWholeBudgetIsStillKept() {
        KeyStore store = new KeyStore(1000, 1024);
        store.apply(Cmd.set(T, "/a", "small"));
        store.apply(Cmd.set(T, "/big", MIB));
        assertThat(store.watch("/big", false, 2, r -> { })).isInstanceOf(WatchStart.Ready.class);
        assertThat(store.watch("/a", false, 1, r -> { })).isInstanceOf(WatchStart.Failed.class);
    }

    @Test
    void smallEventsAreBoundByTheCountAsBefore() {
        KeyStore store = new KeyStore(5, KeyStore.DEFAULT_HISTORY_BYTES);
        for (int i = 1; i <= 8; i++) {
            store.apply(Cmd.set(T, "/k", "v" + i));
        }
        assertThat(store.watch("/k", false, 3, r -> { })).isInstanceOf(WatchStart.Failed.class);
        assertThat(store.watch("/k", false, 4, r -> { })).isInstanceOf(WatchStart.Ready.class);
    }

    @Test
    void aSnapshotRestoredUnderASmallerBudgetKeepsOnlyWhatFits() throws IOException {
        KeyStore big = new KeyStore(1000, 64L * 1024 * 1024);
        for (int i = 0; i < 6; i++) {
            big.apply(Cmd.set(T, "/big", MIB + i));
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        big.writeTo(new DataOutputStream(bytes));
        KeyStore small = new KeyStore(1000, 3L * 1024 * 1024);
        small.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertThat(small.historyBytes()).isLessThanOrEqualTo(3L * 1024 * 1024);
        assertThat(small.watch("/big", false, 6, r -> { })).isInstanceOf(WatchStart.Ready.class);
        assertThat(small.watch("/big", false, 1, r -> { })).isInstanceOf(WatchStart.Failed.class);
    }

    @Test
    void theEstimateCountsKeysValuesAndPreviousValues() {
        Result.Event e = new Result.Event("set", new NodeView("/k", "abc", false, null, 2, 2, null),
                new NodeView("/k", "de", false, null, 1, 1, null), 2);
        assertThat(EventHistory.estimate(e)).isEqualTo(EventHistory.EVENT_OVERHEAD + 2L * (2 + 3 + 2 + 2 + 3));
    }
}
