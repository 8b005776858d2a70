package dev.fleet.registry;

import dev.fleet.store.Command;
import dev.fleet.store.Result;
import dev.fleet.store.WatchStart;

import java.util.function.Consumer;

/**
 * The part of the replicated store the registry needs. The RAFT store implements it on a node; tests use
 * {@link LocalStore}, a bare state machine, so the registry and engine are tested in milliseconds.
 */
public interface StorePort {
    /** Replicates a write and returns its result once this replica has applied it (read-your-writes). */
    Result submit(Command command);

    /** A local read of this replica. */
    Result read(String key, boolean recursive);

    /** Children offset..offset+limit-1 of a directory, and their total: paging without copying the whole directory. */
    dev.fleet.store.KeyStore.Slice slice(String dir, int offset, int limit);

    /** The store index this replica has applied. */
    long index();

    /** A one-shot watch; see {@link dev.fleet.store.KeyStore#watch}. */
    WatchStart watch(String key, boolean recursive, long waitIndex, Consumer<Result> listener);

    /** The submitter's clock (epoch millis) stamped on each command. */
    default long now() {
        return System.currentTimeMillis();
    }
}
