package dev.fleet.store;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.fleet.store.Cmd.T;
import static org.assertj.core.api.Assertions.assertThat;

/** TTL expiry through the replicated clock; refresh; TTL removal. */
class KeyStoreTtlTest {

    private final KeyStore store = new KeyStore();

    @Test
    void aKeyExpiresExactlyWhenTheReplicatedClockReachesItsExpiration() {
        Result.Event set = Cmd.event(store.apply(Cmd.setTtl(T, "/k", "v", 5)));
        assertThat(set.node().expiration()).isEqualTo(T + 5000);
        assertThat(store.nextExpiration()).hasValue(T + 5000);

        Result.Event before = Cmd.event(store.apply(Cmd.qget(T + 4999, "/k")));
        assertThat(before.node().value()).isEqualTo("v");
        assertThat(store.index()).isEqualTo(1);

        StoreError after = Cmd.error(store.apply(Cmd.qget(T + 5000, "/k")));
        assertThat(after.errorCode()).isEqualTo(100);
        assertThat(after.index()).as("the expiry took index 2").isEqualTo(2);
        assertThat(store.nextExpiration()).isEmpty();

        // the expire event is in the history, with its own index
        WatchStart w = store.watch("/k", false, 2, r -> { });
        Result.Event expire = ((WatchStart.Ready) w).event();
        assertThat(expire.action()).isEqualTo("expire");
        assertThat(expire.node()).isEqualTo(new NodeView("/k", null, false, null, 1, 2, null));
        assertThat(expire.prevNode()).isEqualTo(new NodeView("/k", "v", false, null, 1, 1, T + 5000));
    }

    @Test
    void theClockNeverGoesBackAndTtlCountsFromTheAdvancedClock() {
        store.apply(Cmd.tick(T + 10_000));
        Result.Event e = Cmd.event(store.apply(Cmd.setTtl(T, "/k", "v", 1))); // older command time
        assertThat(store.clock()).isEqualTo(T + 10_000);
        assertThat(e.node().expiration()).isEqualTo(T + 11_000);
        assertThat(Cmd.batch(store.apply(Cmd.tick(T + 10_999))).events()).isEmpty();
        assertThat(Cmd.batch(store.apply(Cmd.tick(T + 11_000))).events()).hasSize(1);
    }

    @Test
    void expiriesHappenBeforeTheCommandsOwnWorkInExpirationThenKeyOrder() {
        store.apply(Cmd.setTtl(T, "/b", "1", 2));
        store.apply(Cmd.setTtl(T, "/a", "2", 2));
        store.apply(Cmd.setTtl(T, "/c", "3", 1));
        store.apply(Cmd.setTtl(T, "/z", "4", 60));
        Result.Event created = Cmd.event(store.apply(Cmd.create(T + 3000, "/a", "new")));
        assertThat(created.index()).as("three expiries took 5, 6, 7").isEqualTo(8);
        List<String> expired = new ArrayList<>();
        for (long i = 5; i <= 7; i++) {
            Result.Event e = ((WatchStart.Ready) store.watch("/", true, i, r -> { })).event();
            assertThat(e.node().modifiedIndex()).isEqualTo(i);
            expired.add(e.action() + " " + e.node().key());
        }
        assertThat(expired).containsExactly("expire /c", "expire /a", "expire /b");
        assertThat(Cmd.valueOf(store, "/z")).isEqualTo("4");
    }

    @Test
    void tickReturnsTheExpireEventsAsABatch() {
        store.apply(Cmd.setTtl(T, "/x", "1", 1));
        store.apply(Cmd.setTtl(T, "/y", "2", 1));
        Result.Batch empty = Cmd.batch(store.apply(Cmd.tick(T + 999)));
        assertThat(empty.events()).isEmpty();
        assertThat(empty.index()).isEqualTo(2);
        Result.Batch b = Cmd.batch(store.apply(Cmd.tick(T + 1000)));
        assertThat(b.events()).extracting(e -> e.node().key()).containsExactly("/x", "/y");
        assertThat(b.events()).extracting(Result.Event::index).containsExactly(3L, 4L);
        assertThat(b.index()).isEqualTo(4);
    }

    @Test
    void anExpiringDirectoryTakesItsChildrenWithOneEvent() {
        store.apply(Cmd.mkdirTtl(T, "/d", 1));
        store.apply(Cmd.setTtl(T, "/d/x", "1", 100));
        store.apply(Cmd.set(T, "/d/y/z", "2"));
        Result.Batch b = Cmd.batch(store.apply(Cmd.tick(T + 1000)));
        assertThat(b.events()).hasSize(1);
        Result.Event e = b.events().get(0);
        assertThat(e.node()).isEqualTo(new NodeView("/d", null, true, null, 1, 4, null));
        assertThat(e.prevNode()).isEqualTo(new NodeView("/d", null, true, null, 1, 1, T + 1000));
        assertThat(store.nextExpiration()).as("the child's TTL went with it").isEmpty();
        assertThat(Cmd.event(store.get("/", true, true)).node().nodes()).isEmpty();
    }

    @Test
    void refreshKeepsTheValueBumpsTheIndexAndDoesNotNotify() {
        store.apply(Cmd.setTtl(T, "/k", "v", 5));
        List<Result> seen = new ArrayList<>();
        store.watch("/k", false, 0, seen::add);
        Result.Event r = Cmd.event(store.apply(Cmd.refresh(T + 3000, "/k", 5)));
        assertThat(r.action()).isEqualTo("update");
        assertThat(r.node()).isEqualTo(new NodeView("/k", "v", false, null, 1, 2, T + 8000));
        assertThat(r.prevNode().expiration()).isEqualTo(T + 5000);
        assertThat(store.index()).isEqualTo(2);
        assertThat(seen).as("refresh is not a watchable event").isEmpty();
        // nor is it served from history
        assertThat(store.watch("/k", false, 2, x -> { })).isInstanceOf(WatchStart.Waiting.class);

        assertThat(Cmd.event(store.apply(Cmd.qget(T + 7999, "/k"))).node().value()).isEqualTo("v");
        store.apply(Cmd.tick(T + 8000));
        assertThat(seen).singleElement().satisfies(x -> assertThat(Cmd.event(x).action()).isEqualTo("expire"));
    }

    @Test
    void refreshOfADirectoryAndWithCompareAndSwap() {
        store.apply(Cmd.mkdirTtl(T, "/d", 5));
        Result.Event d = Cmd.event(store.apply(new Command.Put(T, "/d", null, true, 9L, true, null, null, true)));
        assertThat(d.action()).isEqualTo("update");
        assertThat(d.node()).isEqualTo(new NodeView("/d", null, true, null, 1, 2, T + 9000));

        store.apply(Cmd.setTtl(T, "/k", "v", 5));
        Result.Event c = Cmd.event(store.apply(new Command.Put(T, "/k", null, false, 7L, null, "v", null, true)));
        assertThat(c.action()).isEqualTo("compareAndSwap");
        assertThat(c.node().value()).isEqualTo("v");
        assertThat(c.node().expiration()).isEqualTo(T + 7000);
        StoreError bad = Cmd.error(store.apply(new Command.Put(T, "/k", null, false, 7L, null, "w", null, true)));
        assertThat(bad.errorCode()).isEqualTo(101);
        assertThat(bad.cause()).isEqualTo("[w != v]");
    }

    @Test
    void refreshErrors() {
        store.apply(Cmd.setTtl(T, "/k", "v", 5));
        StoreError value = Cmd.error(store.apply(new Command.Put(T, "/k", "x", false, 5L, null, null, null, true)));
        assertThat(value.errorCode()).isEqualTo(211);
        assertThat(value.message()).isEqualTo("Value provided on refresh");
        StoreError ttl = Cmd.error(store.apply(new Command.Put(T, "/k", null, false, null, null, null, null, true)));
        assertThat(ttl.errorCode()).isEqualTo(212);
        assertThat(ttl.message()).isEqualTo("A TTL must be provided on refresh");
        StoreError missing = Cmd.error(store.apply(Cmd.refresh(T, "/nope", 5)));
        assertThat(missing.errorCode()).isEqualTo(100);
        StoreError exists = Cmd.error(store.apply(new Command.Put(T, "/k", null, false, 5L, false, null, null, true)));
        assertThat(exists.errorCode()).isEqualTo(105);
        StoreError root = Cmd.error(store.apply(Cmd.refresh(T, "/", 5)));
        assertThat(root.errorCode()).isEqualTo(107);
        assertThat(store.index()).isEqualTo(1);
        assertThat(Cmd.event(store.get("/k", false, false)).node().expiration()).isEqualTo(T + 5000);
    }

    @Test
    void updateSetAndCasWithoutTtlMakeTheKeyPermanent() {
        store.apply(Cmd.setTtl(T, "/u", "1", 5));
        store.apply(Cmd.setTtl(T, "/s", "1", 5));
        store.apply(Cmd.setTtl(T, "/c", "1", 5));
        store.apply(Cmd.setTtl(T, "/keep", "1", 5));
        assertThat(Cmd.event(store.apply(Cmd.update(T + 1, "/u", "2"))).node().expiration()).isNull();
        assertThat(Cmd.event(store.apply(Cmd.set(T + 1, "/s", "2"))).node().expiration()).isNull();
        assertThat(Cmd.event(store.apply(Cmd.cas(T + 1, "/c", "2", "1", null))).node().expiration()).isNull();
        Result.Batch b = Cmd.batch(store.apply(Cmd.tick(T + 60_000)));
        assertThat(b.events()).extracting(e -> e.node().key()).containsExactly("/keep");
        assertThat(Cmd.valueOf(store, "/u")).isEqualTo("2");
        assertThat(Cmd.valueOf(store, "/s")).isEqualTo("2");
        assertThat(Cmd.valueOf(store, "/c")).isEqualTo("2");
    }

    @Test
    void updateCanAddOrChangeATtl() {
        store.apply(Cmd.set(T, "/k", "1"));
        Result.Event e = Cmd.event(store.apply(new Command.Put(T + 10, "/k", "2", false, 3L, true, null, null, false)));
        assertThat(e.node().expiration()).isEqualTo(T + 3010);
        assertThat(store.nextExpiration()).hasValue(T + 3010);
        store.apply(new Command.Put(T + 20, "/k", "3", false, 1L, true, null, null, false));
        assertThat(store.nextExpiration()).hasValue(T + 1020);
        assertThat(Cmd.batch(store.apply(Cmd.tick(T + 1020))).events()).hasSize(1);
    }

    @Test
    void ttlZeroExpiresAtTheNextCommand() {
        store.apply(Cmd.setTtl(T, "/k", "v", 0));
        assertThat(Cmd.valueOf(store, "/k")).isEqualTo("v");
        assertThat(Cmd.batch(store.apply(Cmd.tick(T))).events()).hasSize(1);
    }
}
