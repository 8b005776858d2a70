package dev.fleet.store.raft;

import dev.fleet.store.KeyStore;
import dev.fleet.store.Result;
import dev.fleet.store.StoreCodec;
import dev.fleet.store.StoreError;
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
        // the history's memory budget (README, "Limits"): the same on every member, or their 401s differ
        this.store = new KeyStore(historyCapacity, Long.getLong(KeyStore.HISTORY_BYTES_PROPERTY, KeyStore.DEFAULT_HISTORY_BYTES));
    }

    /** How many entries that could not be applied are remembered (for operators and tests; each is also logged). */
    static final int FAILURES_KEPT = 16;
    private final java.util.ArrayDeque<StoreError> failures = new java.util.ArrayDeque<>();

    /**
     * Total: an entry that does not decode or fails to apply becomes an error result (see
     * {@link KeyStore#applyEntry}), never an exception, so that every replica, and a restart replaying the
     * log, passes it the same way.
     */
    @Override
    public byte[] apply(byte[] data, int offset, int length, boolean serializeResponse) {
        Result result;
        lock.writeLock().lock();
        try {
            result = store.applyEntry(data, offset, length, (command, why) -> LOG.log(Level.WARNING,
                    "a committed log entry could not be applied at store index " + store.index() + " and is recorded as error "
                    + StoreError.RAFT_INTERNAL + " on every replica: " + (command == null ? "(does not decode)" : command), why));
            index = store.index();
            recordFailures(result);
        } finally {
            lock.writeLock().unlock();
        }
        wakeIndexWaiters();
        return serializeResponse ? StoreCodec.encode(result) : null;
    }

    private void recordFailures(Result result) {
        if (result instanceof Result.Group g) {
            g.results().forEach(this::recordFailures);
        } else if (result instanceof StoreError e && e.errorCode() == StoreError.RAFT_INTERNAL) {
            if (failures.size() == FAILURES_KEPT) {
                failures.removeFirst();
            }
            failures.addLast(e);
        }
    }

    /** The latest entries that could not be applied (at most {@value #FAILURES_KEPT}), oldest first. */
    java.util.List<StoreError> applyFailures() {
        lock.readLock().lock();
        try {
            return java.util.List.copyOf(failures);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** This replica's content as a snapshot would hold it: equal bytes on two replicas mean equal state. */
    byte[] contentBytes() {
        var out = new java.io.ByteArrayOutputStream();
        try {
            writeContentTo(new java.io.DataOutputStream(out));
        } catch (Exception e) {
            throw new IllegalStateException("cannot serialise the store", e);
        }
        return out.toByteArray();
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

    /**
     * A fingerprint of the whole content (hidden keys, TTLs, history and replicated clock included) at one
     * store index: SHA-256 of its snapshot bytes. Two replicas at the same index must give the same one.
     */
    StoreDigest digest() {
        lock.readLock().lock();
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            long[] bytes = new long[1];
            java.io.OutputStream sink = new java.io.OutputStream() {
                @Override
                public void write(int b) {
                    sha.update((byte) b);
                    bytes[0]++;
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    sha.update(b, off, len);
                    bytes[0] += len;
                }
            };
            java.io.DataOutputStream out = new java.io.DataOutputStream(new java.io.BufferedOutputStream(sink, 64 * 1024));
            store.writeTo(out);
            out.flush();
            return new StoreDigest(store.index(), java.util.HexFormat.of().formatHex(sha.digest()), bytes[0]);
        } catch (java.security.NoSuchAlgorithmException | java.io.IOException e) {
            throw new IllegalStateException("cannot fingerprint the store", e); // SHA-256 is in every JDK; memory does not fail
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
        WatchStart start;
        lock.writeLock().lock();
        try {
            start = store.watch(key, recursive, waitIndex, listener);
        } finally {
            lock.writeLock().unlock();
        }
        if (start instanceof WatchStart.Waiting w) {
            // cancels come from request and timeout threads; the watcher hub is the applying thread's, so take its lock
            WatchStart.Watch inner = w.watch();
            return new WatchStart.Waiting(() -> {
                lock.writeLock().lock();
                try {
                    inner.cancel();
                } finally {
                    lock.writeLock().unlock();
                }
            });
        }
        return start;
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
