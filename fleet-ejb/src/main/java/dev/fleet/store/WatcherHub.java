package dev.fleet.store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The pending one-shot watchers, by watched key. Local to a replica (never replicated or
 * snapshotted). {@link #take} only selects and unregisters; the store calls the listeners once
 * the state change is complete.
 */
final class WatcherHub {
    private final TreeMap<String, LinkedHashSet<Watcher>> byKey = new TreeMap<>();
    private long nextSeq;
    private int count;

    final class Watcher implements WatchStart.Watch {
        final String key;
        final boolean recursive;
        final long sinceIndex;
        final Consumer<Result> listener;
        final long seq;
        private boolean registered = true;
        private boolean finished; // delivered or cancelled: the listener is never called again

        private Watcher(String key, boolean recursive, long sinceIndex, Consumer<Result> listener, long seq) {
            this.key = key;
            this.recursive = recursive;
            this.sinceIndex = sinceIndex;
            this.listener = listener;
            this.seq = seq;
        }

        @Override
        public void cancel() {
            finished = true;
            if (registered) {
                unregister(this);
            }
        }

        /** Marks the watcher as delivered; false if it was cancelled (or delivered) already. */
        boolean claim() {
            if (finished) {
                return false;
            }
            finished = true;
            return true;
        }

        @Override
        public String toString() {
            return "Watcher[" + key + (recursive ? ", recursive" : "") + ", since " + sinceIndex + "]";
        }
    }

    Watcher add(String key, boolean recursive, long sinceIndex, Consumer<Result> listener) {
        Watcher w = new Watcher(key, recursive, sinceIndex, listener, nextSeq++);
        byKey.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(w);
        count++;
        return w;
    }

    int size() {
        return count;
    }

    /** Unregisters and returns the watchers interested in the event, in registration order. */
    List<Watcher> take(Result.Event e) {
        if (count == 0) {
            return List.of();
        }
        List<Watcher> hits = new ArrayList<>();
        String key = e.node().key();
        // the event's key and its ancestors (recursive watchers)
        for (String k = key; k != null; k = parentOf(k)) {
            collect(byKey.get(k), e, hits);
        }
        // watchers below a removed directory are told even if not recursive (etcd's force notify)
        if (removesDir(e)) {
            // every key starting with key + "/" sorts in [key + "/", key + "0") since '0' == '/' + 1
            for (Map.Entry<String, LinkedHashSet<Watcher>> en : byKey.subMap(key + "/", true, key + "0", false).entrySet()) {
                collect(en.getValue(), e, hits);
            }
        }
        hits.sort(Comparator.comparingLong(w -> w.seq));
        for (Watcher w : hits) {
            unregister(w);
        }
        return hits;
    }

    /** Unregisters and returns every pending watcher, in registration order. */
    List<Watcher> takeAll() {
        List<Watcher> all = new ArrayList<>(count);
        for (LinkedHashSet<Watcher> set : byKey.values()) {
            all.addAll(set);
        }
        all.sort(Comparator.comparingLong(w -> w.seq));
        for (Watcher w : all) {
            unregister(w);
        }
        return all;
    }

    /**
     * The spec's matching rule, shared by live notification and history scans: the event's key is
     * the watched key; or the watch is recursive and the key is below it and not hidden relative
     * to it; or the watched key is below a deleted or expired directory.
     */
    static boolean matches(String watchKey, boolean recursive, Result.Event e) {
        String key = e.node().key();
        if (key.equals(watchKey)) {
            return true;
        }
        if (recursive && isBelow(key, watchKey) && !hiddenBelow(watchKey, key)) {
            return true;
        }
        return removesDir(e) && isBelow(watchKey, key);
    }

    static boolean isBelow(String key, String ancestor) {
        if (ancestor.equals(KeyStore.ROOT)) {
            return !key.equals(KeyStore.ROOT);
        }
        return key.length() > ancestor.length() && key.charAt(ancestor.length()) == '/' && key.startsWith(ancestor);
    }

    /** A segment of key below watchKey starts with '_'. */
    private static boolean hiddenBelow(String watchKey, String key) {
        String rest = watchKey.equals(KeyStore.ROOT) ? key : key.substring(watchKey.length());
        return rest.contains("/_");
    }

    private static boolean removesDir(Result.Event e) {
        return ("delete".equals(e.action()) || "expire".equals(e.action()))
                && e.prevNode() != null && e.prevNode().dir();
    }

    private static String parentOf(String key) {
        if (key.equals(KeyStore.ROOT)) {
            return null;
        }
        int slash = key.lastIndexOf('/');
        return slash == 0 ? KeyStore.ROOT : key.substring(0, slash);
    }

    private static void collect(LinkedHashSet<Watcher> set, Result.Event e, List<Watcher> hits) {
        if (set == null) {
            return;
        }
        for (Watcher w : set) {
            if (e.index() >= w.sinceIndex && matches(w.key, w.recursive, e)) {
                hits.add(w);
            }
        }
    }

    private void unregister(Watcher w) {
        if (!w.registered) {
            return;
        }
        w.registered = false;
        LinkedHashSet<Watcher> set = byKey.get(w.key);
        if (set != null && set.remove(w) && set.isEmpty()) {
            byKey.remove(w.key);
        }
        count--;
    }
}
