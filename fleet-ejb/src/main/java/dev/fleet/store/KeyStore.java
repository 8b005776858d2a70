package dev.fleet.store;

import dev.fleet.model.KeyPath;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The etcd-v2 state machine (see docs/store-spec.md). Not thread-safe: the RAFT adapter
 * serialises access.
 *
 * <p>Determinism: the only time is the commands' {@code time}; directories are TreeMaps and the
 * TTL index orders by (expiration, key), so two replicas applying the same commands end in the
 * same state, byte for byte in {@link #writeTo}.
 *
 * <p>Atomicity: every write (a single Put/Post/Delete or a whole Txn) runs with an undo journal;
 * on failure the journal puts the tree and the index back. Events of the write are collected and
 * reach the history and the watchers only once the write has succeeded.
 */
public final class KeyStore {
    public static final int DEFAULT_HISTORY = 1000;
    /** The history's memory budget by default (see {@link EventHistory}): far above 1,000 unit bodies. */
    public static final long DEFAULT_HISTORY_BYTES = 64L * 1024 * 1024;
    /** The node's setting of that budget (NodeLimits' limit_history_bytes sets it). */
    public static final String HISTORY_BYTES_PROPERTY = "fleet.limits.historyBytes";

    static final String ROOT = KeyPath.ROOT;
    static final String MSG_WATCHER_CLEARED = "watcher is cleared due to etcd recovery";
    static final String MSG_EVENT_INDEX_CLEARED = "The event in requested index is outdated and cleared";

    private static final int SNAPSHOT_VERSION = 1;
    /** Length of the name of an in-order key (%020d) plus its '/'. */
    private static final int POST_SUFFIX = 21;
    private static final System.Logger LOG = System.getLogger(KeyStore.class.getName());

    private Node root = Node.root();
    private final TreeSet<Node> ttlIndex = new TreeSet<>(Node.BY_EXPIRATION);
    private final EventHistory history;
    private final WatcherHub watchers = new WatcherHub();
    private long index;
    private long clock;

    /** Undo actions of the write in progress, newest last; null outside a write. */
    private List<Runnable> journal;
    /** Events of the write in progress, not yet in the history. */
    private final List<Emitted> emitted = new ArrayList<>();
    /** True while listeners run: they may read and watch, not apply. */
    private boolean dispatching;

    private record Emitted(Result.Event event, boolean refresh) { }

    /** A store error raised inside a write; unwinds to the write's journal. No stack trace: it is control flow. */
    private static final class Failure extends RuntimeException {
        final StoreError error;

        Failure(StoreError error) {
            super(error.message(), null, false, false);
            this.error = error;
        }
    }

    public KeyStore() { this(DEFAULT_HISTORY); }

    public KeyStore(int historyCapacity) {
        this(historyCapacity, DEFAULT_HISTORY_BYTES);
    }

    public KeyStore(int historyCapacity, long historyBytes) {
        history = new EventHistory(historyCapacity, historyBytes);
    }

    /** Estimated bytes the watch history holds now (at most its budget, or one event past it). */
    public long historyBytes() {
        return history.bytes();
    }

    // ------------------------------------------------------------------ public API

    /**
     * Applies one replicated command; deterministic.
     *
     * @throws IllegalArgumentException if a key is not canonical (see {@link KeyPath}) or a TTL is
     *         negative; nothing changes then, not even the clock
     */
    public Result apply(Command command) {
        validate(command);
        if (dispatching) {
            throw new IllegalStateException("apply() must not be called from a watch listener");
        }
        if (command instanceof Command.Group g) {
            List<Result> results = new ArrayList<>(g.commands().size());
            for (Command c : g.commands()) {
                results.add(apply(c));
            }
            return new Result.Group(results, index);
        }
        List<Result.Event> fired = new ArrayList<>();
        advanceClock(command.time(), fired);
        Result result;
        if (command instanceof Command.Tick) {
            result = new Result.Batch(fired, index);
        } else if (command instanceof Command.QuorumGet q) {
            result = get(q.key(), q.recursive(), q.sorted());
        } else if (command instanceof Command.Txn t) {
            StoreError failed = checkConditions(t.conditions());
            result = failed != null ? failed : runWrites(t.operations(), true, fired);
        } else {
            result = runWrites(List.of(command), false, fired);
        }
        dispatch(fired);
        return result;
    }

    /** Told about a log entry that could not be applied: the command (null if it did not decode) and why. */
    @FunctionalInterface
    public interface ApplyFailureListener {
        void failed(Command command, RuntimeException why);
    }

    /**
     * Applies one committed log entry and never throws: an entry that does not decode, or a command whose
     * execution throws (a bug: submitters {@link #validate} first), becomes {@link StoreError#RAFT_INTERNAL}
     * with the exception as its cause. The outcome depends only on the entry and the state, so every replica
     * records the same error at the same position and keeps applying; a throw here would wedge the replica
     * (JGroups-RAFT stops replaying a log at an entry that throws). In a {@link Command.Group} each command
     * is guarded on its own, so one bad command fails alone.
     */
    public Result applyEntry(byte[] entry, int offset, int length, ApplyFailureListener onFailure) {
        Command command;
        try {
            command = StoreCodec.decodeCommand(entry, offset, length);
        } catch (RuntimeException e) {
            onFailure.failed(null, e);
            return internalError("the log entry does not decode: " + e.getMessage());
        }
        if (command instanceof Command.Group g) {
            List<Result> results = new ArrayList<>(g.commands().size());
            for (Command c : g.commands()) {
                results.add(applyGuarded(c, onFailure));
            }
            return new Result.Group(results, index);
        }
        return applyGuarded(command, onFailure);
    }

    private Result applyGuarded(Command command, ApplyFailureListener onFailure) {
        try {
            return apply(command);
        } catch (RuntimeException e) {
            onFailure.failed(command, e);
            return internalError("the command could not be applied: " + e);
        }
    }

    private StoreError internalError(String cause) {
        return new StoreError(StoreError.RAFT_INTERNAL, message(StoreError.RAFT_INTERNAL), cause, index);
    }

    /** A local (possibly stale on a follower) read: Event("get") or StoreError 100/104. */
    public Result get(String key, boolean recursive, boolean sorted) {
        requireKey(key);
        Node n = find(key);
        if (n == null) {
            return missing(key);
        }
        // children are always sorted (TreeMap); the flag is kept for API compatibility
        return new Result.Event("get", n.view(true, recursive), null, index);
    }

    public long index() {
        return index;
    }

    /** A slice of a directory's children in name order (hidden ones included), and how many there are. */
    public record Slice(List<NodeView> nodes, int total) { }

    /**
     * Children {@code offset .. offset+limit-1} of a directory, each as a plain (non-recursive) view: paging
     * through a large directory without copying all of it. Empty if the key is missing or not a directory.
     */
    public Slice slice(String dir, int offset, int limit) {
        requireKey(dir);
        Node n = find(dir);
        if (n == null || !n.isDir()) {
            return new Slice(List.of(), 0);
        }
        List<NodeView> out = new ArrayList<>(Math.min(limit, n.children.size()));
        int i = 0;
        for (Node child : n.children.values()) {
            if (i >= offset + limit) {
                break;
            }
            if (i++ >= offset) {
                out.add(child.view(true, false));
            }
        }
        return new Slice(out, n.children.size());
    }

    /** The replicated clock (max time of all applied commands). */
    public long clock() {
        return clock;
    }

    /** The earliest expiration of any node, if any has a TTL. */
    public OptionalLong nextExpiration() {
        return ttlIndex.isEmpty() ? OptionalLong.empty() : OptionalLong.of(ttlIndex.first().expiration);
    }

    /**
     * Registers a one-shot watch. waitIndex 0 = the next event. The listener receives one Result:
     * the matching Event, or a StoreError 400 if the store is restored from a snapshot meanwhile.
     * It is called on the applying thread: keep it short.
     */
    public WatchStart watch(String key, boolean recursive, long waitIndex, Consumer<Result> listener) {
        requireKey(key);
        Objects.requireNonNull(listener, "listener");
        if (waitIndex < 0) {
            throw new IllegalArgumentException("waitIndex must be >= 0, not " + waitIndex);
        }
        long since = waitIndex == 0 ? index + 1 : waitIndex;
        long start = history.startIndex();
        if (since < start) {
            return new WatchStart.Failed(new StoreError(StoreError.EVENT_INDEX_CLEARED, MSG_EVENT_INDEX_CLEARED,
                    "the requested history has been cleared [" + start + "/" + since + "]", index));
        }
        Result.Event past = history.scan(since, e -> WatcherHub.matches(key, recursive, e));
        if (past != null) {
            // as etcd: an event served from history carries the current index
            return new WatchStart.Ready(new Result.Event(past.action(), past.node(), past.prevNode(), index));
        }
        return new WatchStart.Waiting(watchers.add(key, recursive, since, listener));
    }

    /** Watchers waiting for an event (local to this replica). */
    public int watcherCount() {
        return watchers.size();
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(SNAPSHOT_VERSION);
        out.writeLong(index);
        out.writeLong(clock);
        writeNode(out, root);
        out.writeInt(history.size());
        for (int i = 0; i < history.size(); i++) {
            out.writeBoolean(history.isRefreshAt(i));
            StoreCodec.writeEvent(out, history.eventAt(i));
        }
    }

    /** Replaces the whole content with a snapshot; pending watchers get error 400. */
    public void readFrom(DataInput in) throws IOException {
        if (dispatching) {
            throw new IllegalStateException("readFrom() must not be called from a watch listener");
        }
        Wire wire = Wire.over(in);
        int version = in.readUnsignedByte();
        if (version != SNAPSHOT_VERSION) {
            throw new IOException("unsupported snapshot version " + version);
        }
        long newIndex = in.readLong();
        long newClock = in.readLong();
        List<Node> withTtl = new ArrayList<>();
        Node newRoot = readTree(wire, withTtl);
        if (!newRoot.isDir()) {
            throw new IOException("corrupt snapshot: the root is not a directory");
        }
        int count = in.readInt();
        if (count < 0) {
            throw new IOException("corrupt snapshot: history size " + count);
        }
        List<Emitted> events = new ArrayList<>(Math.min(count, history.capacity()));
        for (int i = 0; i < count; i++) {
            boolean refresh = in.readBoolean();
            Result.Event e = StoreCodec.readEvent(wire);
            if (e.node() == null || e.action() == null) {
                throw new IOException("corrupt snapshot: incomplete history event");
            }
            if (!events.isEmpty() && e.index() <= events.get(events.size() - 1).event().index()) {
                throw new IOException("corrupt snapshot: history out of order");
            }
            events.add(new Emitted(e, refresh));
        }

        // everything read: swap in (a failed read above leaves the store as it was)
        root = newRoot;
        ttlIndex.clear();
        ttlIndex.addAll(withTtl);
        index = newIndex;
        clock = newClock;
        history.clear();
        for (Emitted e : events.subList(Math.max(0, events.size() - history.capacity()), events.size())) {
            history.add(e.event(), e.refresh());
        }
        List<WatcherHub.Watcher> pending = watchers.takeAll();
        dispatching = true;
        try {
            for (WatcherHub.Watcher w : pending) {
                deliver(w, new StoreError(StoreError.WATCHER_CLEARED, MSG_WATCHER_CLEARED, w.key, index));
            }
        } finally {
            dispatching = false;
        }
    }

    // ------------------------------------------------------------------ clock and expiry

    private void advanceClock(long time, List<Result.Event> fired) {
        clock = Math.max(clock, time);
        while (!ttlIndex.isEmpty() && ttlIndex.first().expiration <= clock) {
            Node n = ttlIndex.first();
            long next = ++index;
            NodeView prev = n.view(false, false);
            detach(n);
            Result.Event e = new Result.Event("expire",
                    new NodeView(n.key, null, n.isDir(), null, n.createdIndex, next, null), prev, next);
            history.add(e, false);
            fired.add(e);
        }
    }

    private long expirationFor(Long ttl) {
        if (ttl == null) {
            return Node.PERMANENT;
        }
        long millis = ttl > Long.MAX_VALUE / 1000 ? Long.MAX_VALUE : ttl * 1000;
        long exp = clock + millis;
        return exp < clock ? Long.MAX_VALUE : exp; // saturate instead of wrapping into the past
    }

    // ------------------------------------------------------------------ writes

    /**
     * Runs Put/Post/Delete commands as one unit. On success their events go to the history and to
     * {@code fired}; on any failure the journal undoes every change and the error is returned with
     * the restored index.
     */
    private Result runWrites(List<Command> ops, boolean batch, List<Result.Event> fired) {
        long savedIndex = index;
        journal = new ArrayList<>();
        List<Result.Event> events = new ArrayList<>(ops.size());
        try {
            for (Command op : ops) {
                events.add(write(op));
            }
        } catch (Failure f) {
            rollback(savedIndex);
            StoreError e = f.error;
            return new StoreError(e.errorCode(), e.message(), e.cause(), index);
        } catch (RuntimeException | Error unexpected) {
            rollback(savedIndex);
            throw unexpected;
        } finally {
            journal = null;
        }
        for (Emitted em : emitted) {
            history.add(em.event(), em.refresh());
            if (!em.refresh()) {
                fired.add(em.event());
            }
        }
        emitted.clear();
        return batch ? new Result.Batch(events, index) : events.get(0);
    }

    private void rollback(long savedIndex) {
        List<Runnable> undo = journal;
        journal = null; // undo actions must not journal themselves
        for (int i = undo.size() - 1; i >= 0; i--) {
            undo.get(i).run();
        }
        index = savedIndex;
        emitted.clear();
    }

    private Result.Event write(Command op) {
        if (op instanceof Command.Put p) {
            return put(p);
        } else if (op instanceof Command.Post p) {
            return post(p);
        } else if (op instanceof Command.Delete d) {
            return delete(d);
        }
        throw new IllegalArgumentException("not a write: " + op);
    }

    /** Dispatch as etcd's v2 apply, with the spec's refresh rules. */
    private Result.Event put(Command.Put p) {
        if (p.refresh()) {
            // checked first, as etcd's HTTP layer does before the request reaches the store
            if (p.value() != null && !p.value().isEmpty()) {
                throw fail(StoreError.REFRESH_VALUE, "A value was provided on a refresh");
            }
            if (p.ttl() == null) {
                throw fail(StoreError.REFRESH_TTL_REQUIRED, "No TTL value set");
            }
        }
        String key = p.key();
        if (key.equals(ROOT)) {
            throw fail(StoreError.ROOT_READ_ONLY, ROOT);
        }
        long expiration = expirationFor(p.ttl());
        boolean compare = p.prevValue() != null || p.prevIndex() != null;
        if (Boolean.FALSE.equals(p.prevExist())) {
            if (p.refresh()) {
                // must not exist, yet a refresh needs something to refresh: always fails
                if (find(key) != null) {
                    throw fail(StoreError.NODE_EXIST, key);
                }
                throw new Failure(missing(key));
            }
            return create(key, p.dir(), p.value(), expiration, false);
        }
        if (compare) {
            return compareAndSwap(key, p.prevValue(), p.prevIndex(), p.value(), expiration, p.refresh());
        }
        if (Boolean.TRUE.equals(p.prevExist()) || p.refresh()) {
            return update(key, p.value(), expiration, p.refresh());
        }
        return create(key, p.dir(), p.value(), expiration, true);
    }

    private Result.Event post(Command.Post p) {
        String name = inOrderName(index + 1);
        String key = p.dirKey().equals(ROOT) ? "/" + name : p.dirKey() + "/" + name;
        return create(key, false, p.value(), expirationFor(p.ttl()), false);
    }

    /** etcd's internalCreate: {@code replace} = set (files only), otherwise create. */
    private Result.Event create(String key, boolean dir, String value, long expiration, boolean replace) {
        int slash = key.lastIndexOf('/');
        String name = key.substring(slash + 1);
        long next = index + 1;
        Node parent = ensureDir(slash == 0 ? ROOT : key.substring(0, slash), next);
        Node existing = parent.children.get(name);
        NodeView prev = null;
        if (existing != null) {
            if (!replace) {
                throw fail(StoreError.NODE_EXIST, key);
            }
            if (existing.isDir()) {
                throw fail(StoreError.NOT_FILE, key);
            }
            prev = existing.view(false, false);
            detach(existing); // set replaces the node: a new createdIndex, as etcd
        }
        Node n = dir ? Node.dir(key, name, next, next, expiration)
                     : Node.file(key, name, value == null ? "" : value, next, next, expiration);
        attach(parent, n);
        index = next;
        return emit(new Result.Event(replace ? "set" : "create", n.view(false, false), prev, next), false);
    }

    /** prevExist=true without prev*: a file gets a new value, a directory only a new TTL. */
    private Result.Event update(String key, String value, long expiration, boolean refresh) {
        Node n = existing(key);
        if (n.isDir() && value != null && !value.isEmpty()) {
            throw fail(StoreError.NOT_FILE, key);
        }
        String newValue = n.isDir() ? null : refresh ? n.value : value == null ? "" : value;
        return modify(n, "update", newValue, expiration, refresh);
    }

    private Result.Event compareAndSwap(String key, String prevValue, Long prevIndex, String value,
                                        long expiration, boolean refresh) {
        Node n = existing(key);
        if (n.isDir()) {
            throw fail(StoreError.NOT_FILE, key);
        }
        String cause = compareFailure(n, prevValue, prevIndex);
        if (cause != null) {
            throw fail(StoreError.TEST_FAILED, cause);
        }
        String newValue = refresh ? n.value : value == null ? "" : value;
        return modify(n, "compareAndSwap", newValue, expiration, refresh);
    }

    private Result.Event modify(Node n, String action, String newValue, long expiration, boolean refresh) {
        long next = index + 1;
        NodeView prev = n.view(false, false);
        setFields(n, newValue, next, expiration);
        index = next;
        return emit(new Result.Event(action, n.view(false, false), prev, next), refresh);
    }

    private Result.Event delete(Command.Delete d) {
        String key = d.key();
        if (key.equals(ROOT)) {
            throw fail(StoreError.ROOT_READ_ONLY, ROOT);
        }
        Node n = existing(key);
        String action;
        if (d.prevValue() != null || d.prevIndex() != null) {
            if (n.isDir()) {
                throw fail(StoreError.NOT_FILE, key);
            }
            String cause = compareFailure(n, d.prevValue(), d.prevIndex());
            if (cause != null) {
                throw fail(StoreError.TEST_FAILED, cause);
            }
            action = "compareAndDelete";
        } else {
            if (n.isDir()) {
                if (!d.dir() && !d.recursive()) {
                    throw fail(StoreError.NOT_FILE, key);
                }
                if (!n.children.isEmpty() && !d.recursive()) {
                    throw fail(StoreError.DIR_NOT_EMPTY, key);
                }
            }
            action = "delete";
        }
        long next = index + 1;
        NodeView prev = n.view(false, false);
        detach(n);
        index = next;
        return emit(new Result.Event(action,
                new NodeView(key, null, n.isDir(), null, n.createdIndex, next, null), prev, next), false);
    }

    private Result.Event emit(Result.Event e, boolean refresh) {
        emitted.add(new Emitted(e, refresh));
        return e;
    }

    /** etcd's getCompareFailCause: which of prevValue / prevIndex did not match, or null. */
    private static String compareFailure(Node n, String prevValue, Long prevIndex) {
        boolean valueOk = prevValue == null || prevValue.equals(n.value);
        boolean indexOk = prevIndex == null || prevIndex == n.modifiedIndex;
        if (valueOk && indexOk) {
            return null;
        }
        if (!valueOk && !indexOk) {
            return "[" + prevValue + " != " + n.value + "] [" + prevIndex + " != " + n.modifiedIndex + "]";
        }
        return valueOk ? "[" + prevIndex + " != " + n.modifiedIndex + "]" : "[" + prevValue + " != " + n.value + "]";
    }

    /** The first failing condition as the error the equivalent Put would give, or null. */
    private StoreError checkConditions(List<Command.Condition> conditions) {
        for (Command.Condition c : conditions) {
            Node n = find(c.key());
            boolean compare = c.prevValue() != null || c.prevIndex() != null;
            if (n == null) {
                if (Boolean.TRUE.equals(c.prevExist()) || (compare && !Boolean.FALSE.equals(c.prevExist()))) {
                    return missing(c.key());
                }
                continue;
            }
            if (Boolean.FALSE.equals(c.prevExist())) {
                return error(StoreError.NODE_EXIST, c.key());
            }
            if (compare) {
                if (n.isDir()) {
                    return error(StoreError.NOT_FILE, c.key());
                }
                String cause = compareFailure(n, c.prevValue(), c.prevIndex());
                if (cause != null) {
                    return error(StoreError.TEST_FAILED, cause);
                }
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ tree primitives (journaled)

    private void attach(Node parent, Node child) {
        attachRaw(parent, child);
        if (journal != null) {
            journal.add(() -> detachRaw(child));
        }
    }

    private void detach(Node n) {
        Node parent = n.parent;
        detachRaw(n);
        if (journal != null) {
            journal.add(() -> attachRaw(parent, n));
        }
    }

    private void setFields(Node n, String value, long modifiedIndex, long expiration) {
        String oldValue = n.value;
        long oldModified = n.modifiedIndex;
        long oldExpiration = n.expiration;
        setFieldsRaw(n, value, modifiedIndex, expiration);
        if (journal != null) {
            journal.add(() -> setFieldsRaw(n, oldValue, oldModified, oldExpiration));
        }
    }

    private void attachRaw(Node parent, Node child) {
        parent.children.put(child.name, child);
        child.parent = parent;
        indexTtl(child, true);
    }

    private void detachRaw(Node n) {
        n.parent.children.remove(n.name);
        indexTtl(n, false);
    }

    private void setFieldsRaw(Node n, String value, long modifiedIndex, long expiration) {
        if (n.expiration != expiration) {
            // the TTL index orders by expiration: take the node out before changing it
            if (n.hasTtl()) {
                ttlIndex.remove(n);
            }
            n.expiration = expiration;
            if (n.hasTtl()) {
                ttlIndex.add(n);
            }
        }
        n.value = value;
        n.modifiedIndex = modifiedIndex;
    }

    /** Adds or removes a subtree's TTL nodes: a detached subtree must never expire. */
    private void indexTtl(Node n, boolean add) {
        for (Node x : n.isDir() ? n.subtree() : List.of(n)) {
            if (x.hasTtl()) {
                if (add) {
                    ttlIndex.add(x);
                } else {
                    ttlIndex.remove(x);
                }
            }
        }
    }

    /** The directory at dirKey, creating missing ones (createdIndex = the write's index); 104 on a file. */
    private Node ensureDir(String dirKey, long createdIndex) {
        Node cur = root;
        if (dirKey.equals(ROOT)) {
            return cur;
        }
        int i = 1;
        while (i <= dirKey.length()) {
            int j = dirKey.indexOf('/', i);
            if (j < 0) {
                j = dirKey.length();
            }
            String seg = dirKey.substring(i, j);
            Node child = cur.children.get(seg);
            if (child == null) {
                child = Node.dir(dirKey.substring(0, j), seg, createdIndex, createdIndex, Node.PERMANENT);
                attach(cur, child);
            } else if (!child.isDir()) {
                throw fail(StoreError.NOT_DIR, child.key);
            }
            cur = child;
            i = j + 1;
        }
        return cur;
    }

    // ------------------------------------------------------------------ lookups

    private Node find(String key) {
        Node cur = root;
        if (key.equals(ROOT)) {
            return cur;
        }
        int i = 1;
        while (true) {
            if (!cur.isDir()) {
                return null;
            }
            int j = key.indexOf('/', i);
            cur = cur.children.get(j < 0 ? key.substring(i) : key.substring(i, j));
            if (cur == null || j < 0) {
                return cur;
            }
            i = j + 1;
        }
    }

    private Node existing(String key) {
        Node n = find(key);
        if (n == null) {
            throw new Failure(missing(key));
        }
        return n;
    }

    /**
     * etcd's internalGet error for a missing key: 104 naming a file met on the way, else 100
     * naming the first missing prefix.
     */
    private StoreError missing(String key) {
        Node cur = root;
        int i = 1;
        while (true) {
            if (!cur.isDir()) {
                return error(StoreError.NOT_DIR, cur.key);
            }
            int j = key.indexOf('/', i);
            int end = j < 0 ? key.length() : j;
            Node child = cur.children.get(key.substring(i, end));
            if (child == null) {
                return error(StoreError.KEY_NOT_FOUND, key.substring(0, end));
            }
            if (j < 0) {
                throw new IllegalStateException("missing() called for an existing key " + key);
            }
            cur = child;
            i = j + 1;
        }
    }

    // ------------------------------------------------------------------ errors

    private StoreError error(int code, String cause) {
        return new StoreError(code, message(code), cause, index);
    }

    private Failure fail(int code, String cause) {
        return new Failure(error(code, cause));
    }

    static String message(int code) {
        return switch (code) {
            case StoreError.KEY_NOT_FOUND -> "Key not found";
            case StoreError.TEST_FAILED -> "Compare failed";
            case StoreError.NOT_FILE -> "Not a file";
            case StoreError.NOT_DIR -> "Not a directory";
            case StoreError.NODE_EXIST -> "Key already exists";
            case StoreError.ROOT_READ_ONLY -> "Root is read only";
            case StoreError.DIR_NOT_EMPTY -> "Directory not empty";
            case StoreError.REFRESH_VALUE -> "Value provided on refresh";
            case StoreError.REFRESH_TTL_REQUIRED -> "A TTL must be provided on refresh";
            case StoreError.WATCHER_CLEARED -> MSG_WATCHER_CLEARED;
            case StoreError.EVENT_INDEX_CLEARED -> MSG_EVENT_INDEX_CLEARED;
            case StoreError.RAFT_INTERNAL -> "Raft Internal Error";
            default -> throw new IllegalArgumentException("unknown error code " + code);
        };
    }

    // ------------------------------------------------------------------ watchers

    private void dispatch(List<Result.Event> events) {
        if (events.isEmpty() || watchers.size() == 0) {
            return;
        }
        dispatching = true;
        try {
            for (Result.Event e : events) {
                for (WatcherHub.Watcher w : watchers.take(e)) {
                    deliver(w, e);
                }
            }
        } finally {
            dispatching = false;
        }
    }

    /** Calls a listener once; its failure is logged and must not break the store. */
    private static void deliver(WatcherHub.Watcher w, Result r) {
        if (!w.claim()) {
            return; // cancelled meanwhile, e.g. by an earlier listener
        }
        try {
            w.listener.accept(r);
        } catch (VirtualMachineError fatal) {
            throw fatal;
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "watch listener of " + w + " failed", t);
        }
    }

    // ------------------------------------------------------------------ validation

    /**
     * The input checks {@link #apply} makes before anything else: canonical keys (see
     * {@link KeyPath}), TTLs >= 0, room for in-order names. Submitters should call it before
     * proposing a command, so that a command the store would reject never enters the log.
     *
     * @throws IllegalArgumentException describing the first problem
     */
    public static void validate(Command command) {
        Objects.requireNonNull(command, "command");
        if (command instanceof Command.Put p) {
            requireKey(p.key());
            requireTtl(p.ttl());
        } else if (command instanceof Command.Post p) {
            requireKey(p.dirKey());
            requireTtl(p.ttl());
            if (p.dirKey().length() + POST_SUFFIX > KeyPath.MAX_LENGTH) {
                throw new IllegalArgumentException("an in-order key under this directory would exceed "
                        + KeyPath.MAX_LENGTH + " characters");
            }
        } else if (command instanceof Command.Delete d) {
            requireKey(d.key());
        } else if (command instanceof Command.QuorumGet q) {
            requireKey(q.key());
        } else if (command instanceof Command.Txn t) {
            for (Command.Condition c : t.conditions()) {
                requireKey(c.key());
            }
            for (Command op : t.operations()) {
                validate(op);
            }
        } else if (command instanceof Command.Group g) {
            g.commands().forEach(KeyStore::validate);
        }
    }

    private static void requireKey(String key) {
        if (!KeyPath.normalize(key).equals(key)) {
            throw new IllegalArgumentException("key is not in canonical form: \"" + key + "\" (expected \""
                    + KeyPath.normalize(key) + "\")");
        }
    }

    private static void requireTtl(Long ttl) {
        if (ttl != null && ttl < 0) {
            throw new IllegalArgumentException("ttl must be >= 0 seconds, not " + ttl);
        }
    }

    static String inOrderName(long index) {
        String digits = Long.toString(index);
        return "0".repeat(Math.max(0, 20 - digits.length())) + digits;
    }

    // ------------------------------------------------------------------ snapshot

    /** Pre-order; each directory is followed by its child count and its children. */
    private static void writeNode(DataOutput out, Node top) throws IOException {
        for (Node n : top.subtree()) {
            out.writeByte((n.isDir() ? 1 : 0) | (n.hasTtl() ? 2 : 0));
            Wire.writeString(out, n.name);
            Wire.writeVarLong(out, n.createdIndex);
            Wire.writeVarLong(out, n.modifiedIndex);
            if (n.hasTtl()) {
                Wire.writeVarLong(out, n.expiration);
            }
            if (n.isDir()) {
                Wire.writeVarLong(out, n.children.size());
            } else {
                Wire.writeString(out, n.value);
            }
        }
    }

    /** A directory whose children are still being read. */
    private static final class PendingDir {
        final Node dir;
        long left;

        PendingDir(Node dir, long left) {
            this.dir = dir;
            this.left = left;
        }
    }

    /** The inverse of {@link #writeNode}, iterative (depth is bounded by the key length). */
    private static Node readTree(Wire in, List<Node> withTtl) throws IOException {
        ArrayDeque<PendingDir> stack = new ArrayDeque<>();
        Node root = readNode(in, null, stack, withTtl);
        while (!stack.isEmpty()) {
            PendingDir top = stack.peek();
            if (top.left == 0) {
                stack.pop();
                continue;
            }
            top.left--;
            Node child = readNode(in, top.dir, stack, withTtl);
            if (top.dir.children.put(child.name, child) != null) {
                throw new IOException("corrupt snapshot: duplicate node " + child.key);
            }
            child.parent = top.dir;
        }
        return root;
    }

    /** Reads one node (parent null = the root); a directory is pushed to receive its children. */
    private static Node readNode(Wire in, Node parent, ArrayDeque<PendingDir> stack, List<Node> withTtl)
            throws IOException {
        int flags = in.in.readUnsignedByte();
        if ((flags & ~3) != 0) {
            throw new IOException("corrupt snapshot: node flags 0x" + Integer.toHexString(flags));
        }
        String name = in.readString();
        String key;
        if (parent == null) {
            if (!"".equals(name)) {
                throw new IOException("corrupt snapshot: root named \"" + name + "\"");
            }
            key = ROOT;
        } else {
            if (name == null || name.isEmpty() || name.indexOf('/') >= 0) {
                throw new IOException("corrupt snapshot: bad node name under " + parent.key);
            }
            key = parent.key.equals(ROOT) ? "/" + name : parent.key + "/" + name;
            if (key.length() > KeyPath.MAX_LENGTH) {
                throw new IOException("corrupt snapshot: key longer than " + KeyPath.MAX_LENGTH);
            }
        }
        long created = in.readVarLong();
        long modified = in.readVarLong();
        long expiration = Node.PERMANENT;
        if ((flags & 2) != 0) {
            expiration = in.readVarLong();
            if (expiration == Node.PERMANENT) {
                throw new IOException("corrupt snapshot: bad expiration of " + key);
            }
        }
        Node n;
        if ((flags & 1) != 0) {
            n = Node.dir(key, name, created, modified, expiration);
            long count = in.readVarLong();
            if (count < 0) {
                throw new IOException("corrupt snapshot: child count " + count);
            }
            stack.push(new PendingDir(n, count));
        } else {
            String value = in.readString();
            if (value == null) {
                throw new IOException("corrupt snapshot: file without value " + key);
            }
            n = Node.file(key, name, value, created, modified, expiration);
        }
        if (n.hasTtl()) {
            withTtl.add(n);
        }
        return n;
    }
}
