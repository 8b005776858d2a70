package dev.fleet.node;

import dev.fleet.registry.StorePort;
import dev.fleet.store.Command;
import dev.fleet.store.Result;
import dev.fleet.store.WatchStart;
import dev.fleet.store.raft.RaftStore;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** The registry's view of this node's RAFT store: writes are replicated, then awaited locally (read-your-writes). */
final class RaftStorePort implements StorePort {
    private static final long READ_YOUR_WRITES_MILLIS = 2000;
    private final RaftStore store;
    private final Duration timeout;

    RaftStorePort(RaftStore store, Duration timeout) {
        this.store = store;
        this.timeout = timeout;
    }

    @Override
    public Result submit(Command command) {
        Result r = store.submit(command, timeout);
        try {
            store.whenApplied(r.index()).get(READ_YOUR_WRITES_MILLIS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // committed; only this replica's view lags
        }
        return r;
    }

    @Override
    public Result read(String key, boolean recursive) {
        return store.read(key, recursive, true);
    }

    @Override
    public dev.fleet.store.KeyStore.Slice slice(String dir, int offset, int limit) {
        return store.slice(dir, offset, limit);
    }

    @Override
    public long index() {
        return store.index();
    }

    @Override
    public WatchStart watch(String key, boolean recursive, long waitIndex, Consumer<Result> listener) {
        return store.watch(key, recursive, waitIndex, listener);
    }
}
