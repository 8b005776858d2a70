package dev.fleet.store;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** Short command builders and helpers for the store tests. */
final class Cmd {
    static final long T = 1_700_000_000_000L;

    private Cmd() { }

    static Command.Put set(long t, String key, String value) {
        return new Command.Put(t, key, value, false, null, null, null, null, false);
    }

    static Command.Put setTtl(long t, String key, String value, long ttl) {
        return new Command.Put(t, key, value, false, ttl, null, null, null, false);
    }

    static Command.Put mkdir(long t, String key) {
        return new Command.Put(t, key, null, true, null, null, null, null, false);
    }

    static Command.Put mkdirTtl(long t, String key, long ttl) {
        return new Command.Put(t, key, null, true, ttl, null, null, null, false);
    }

    static Command.Put create(long t, String key, String value) {
        return new Command.Put(t, key, value, false, null, false, null, null, false);
    }

    static Command.Put update(long t, String key, String value) {
        return new Command.Put(t, key, value, false, null, true, null, null, false);
    }

    static Command.Put cas(long t, String key, String value, String prevValue, Long prevIndex) {
        return new Command.Put(t, key, value, false, null, null, prevValue, prevIndex, false);
    }

    static Command.Put refresh(long t, String key, long ttl) {
        return new Command.Put(t, key, null, false, ttl, null, null, null, true);
    }

    static Command.Post post(long t, String dirKey, String value) {
        return new Command.Post(t, dirKey, value, null);
    }

    static Command.Delete del(long t, String key) {
        return new Command.Delete(t, key, false, false, null, null);
    }

    static Command.Delete rmdir(long t, String key) {
        return new Command.Delete(t, key, true, false, null, null);
    }

    static Command.Delete rmrf(long t, String key) {
        return new Command.Delete(t, key, true, true, null, null);
    }

    static Command.Delete cad(long t, String key, String prevValue, Long prevIndex) {
        return new Command.Delete(t, key, false, false, prevValue, prevIndex);
    }

    static Command.QuorumGet qget(long t, String key) {
        return new Command.QuorumGet(t, key, false, true);
    }

    static Command.Tick tick(long t) {
        return new Command.Tick(t);
    }

    static Command.Txn txn(long t, List<Command.Condition> conditions, Command... ops) {
        return new Command.Txn(t, conditions, List.of(ops));
    }

    static Command.Condition cond(String key, Boolean prevExist, String prevValue, Long prevIndex) {
        return new Command.Condition(key, prevExist, prevValue, prevIndex);
    }

    /** The store's full serialised state: equal bytes = equal tree, index, clock and history. */
    static byte[] snapshot(KeyStore store) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            store.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static Result.Event event(Result r) {
        if (!(r instanceof Result.Event e)) {
            throw new AssertionError("expected an Event, got " + r);
        }
        return e;
    }

    static StoreError error(Result r) {
        if (!(r instanceof StoreError e)) {
            throw new AssertionError("expected a StoreError, got " + r);
        }
        return e;
    }

    static Result.Batch batch(Result r) {
        if (!(r instanceof Result.Batch b)) {
            throw new AssertionError("expected a Batch, got " + r);
        }
        return b;
    }

    /** The value of a key via get(), or null when absent. */
    static String valueOf(KeyStore store, String key) {
        Result r = store.get(key, false, true);
        return r instanceof Result.Event e ? e.node().value() : null;
    }
}
