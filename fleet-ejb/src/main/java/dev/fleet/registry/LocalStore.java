package dev.fleet.registry;

import dev.fleet.store.Command;
import dev.fleet.store.KeyStore;
import dev.fleet.store.Result;
import dev.fleet.store.WatchStart;

import java.util.function.Consumer;
import java.util.function.LongSupplier;

/** A single, unreplicated state machine behind {@link StorePort}: for tests and benchmarks of pure logic. */
public final class LocalStore implements StorePort {
    private final KeyStore store = new KeyStore();
    private final LongSupplier clock;

    public LocalStore() {
        this(System::currentTimeMillis);
    }

    public LocalStore(LongSupplier clock) {
        this.clock = clock;
    }

    @Override
    public synchronized Result submit(Command command) {
        return store.apply(command);
    }

    @Override
    public synchronized Result read(String key, boolean recursive) {
        return store.get(key, recursive, true);
    }

    @Override
    public synchronized KeyStore.Slice slice(String dir, int offset, int limit) {
        return store.slice(dir, offset, limit);
    }

    @Override
    public synchronized long index() {
        return store.index();
    }

    @Override
    public synchronized WatchStart watch(String key, boolean recursive, long waitIndex, Consumer<Result> listener) {
        return store.watch(key, recursive, waitIndex, listener);
    }

    @Override
    public long now() {
        return clock.getAsLong();
    }

    /** Advances the replicated clock to {@link #now()}, expiring due TTLs, as the leader's tick does. */
    public synchronized Result tick() {
        return store.apply(new Command.Tick(now()));
    }
}
