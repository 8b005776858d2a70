package dev.fleet.store.raft;

import dev.fleet.store.Command;
import dev.fleet.store.KeyStore;
import dev.fleet.store.Result;
import dev.fleet.store.StoreCodec;
import dev.fleet.store.WatchStart;
import org.jgroups.raft.StateMachine;

import java.io.DataInput;
import java.io.DataOutput;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Adapts the pure {@link KeyStore} to JGroups-RAFT: decodes log entries, serialises access
 * (RAFT applies on one thread, HTTP reads on many) and wakes those waiting for an index.
 */
final class StoreStateMachine implements StateMachine {
    private static final Logger LOG = Logger.getLogger(StoreStateMachine.class.getName());
    private final KeyStore store;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private final ConcurrentNavigableMap<Long, CompletableFuture<Void>> indexWaiters = new ConcurrentSkipListMap<>();
    private volatile long index;

    StoreStateMachine(int historyCapacity) {
        this.store = new KeyStore(historyCapacity);
    }

    @Override
    public byte[] apply(byte[] data, int offset, int length, boolean serializeResponse) {
        Command command = StoreCodec.decodeCommand(data, offset, length);
        Result result;
        lock.writeLock().lock();
        try {
            result = store.apply(command);
            index = store.index();
        } catch (RuntimeException e) {
            // JGroups-RAFT logs only the exception's message; keep the whole story
            LOG.log(Level.SEVERE, "applying " + command + " failed", e);
            throw e;
        } finally {
            lock.writeLock().unlock();
        }
        wakeIndexWaiters();
        return serializeResponse ? StoreCodec.encode(result) : null;
    }

    @Override
    public void readContentFrom(DataInput in) throws Exception {
        lock.writeLock().lock();
        try {
            store.readFrom(in);
            index = store.index();
        } finally {
            lock.writeLock().unlock();
        }
        wakeIndexWaiters();
    }

    @Override
    public void writeContentTo(DataOutput out) throws Exception {
        lock.readLock().lock();
        try {
            store.writeTo(out);
        } finally {
            lock.readLock().unlock();
        }
    }

    <T> T read(Function<KeyStore, T> reader) {
        lock.readLock().lock();
        try {
            return reader.apply(store);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Registration takes the write lock so that no event can slip between "check history" and "wait". */
    WatchStart watch(String key, boolean recursive, long waitIndex, Consumer<Result> listener) {
        lock.writeLock().lock();
        try {
            return store.watch(key, recursive, waitIndex, listener);
        } finally {
            lock.writeLock().unlock();
        }
    }

    long index() {
        return index;
    }

    /** Completes once this replica has applied the store index {@code target} (read-your-writes on followers). */
    CompletableFuture<Void> whenApplied(long target) {
        if (index >= target) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> f = indexWaiters.computeIfAbsent(target, t -> new CompletableFuture<>());
        wakeIndexWaiters(); // the index may have moved while we registered
        return f;
    }

    private void wakeIndexWaiters() {
        if (indexWaiters.isEmpty()) {
            return;
        }
        var due = indexWaiters.headMap(index, true);
        due.values().forEach(f -> f.complete(null));
        due.clear();
    }
}
