package dev.fleet.store;

import java.util.Arrays;
import java.util.function.Predicate;

/**
 * Ring of the last {@code capacity} events, oldest first, for watches from a past index. As in
 * etcd, every index-consuming event is recorded (so the ring covers a contiguous index range),
 * but refresh events are flagged and never handed to a watch.
 *
 * <p>The ring also has a memory budget: 1,000 events of 1 MiB values (and their previous values)
 * would pin 2 GiB on every replica, so the oldest events go as soon as the estimated size of the
 * kept ones passes {@code maxBytes} (the newest is always kept). A watch from an index that went
 * gets etcd's 401 "event index cleared" and re-reads, as it would after 1,000 small writes.
 * Eviction depends only on the events, so replicas with the same budget keep the same history.
 */
final class EventHistory {
    /** Estimated bytes of an event beyond its strings: the records, the index, the list slot. */
    static final int EVENT_OVERHEAD = 160;

    private final Result.Event[] events;
    private final boolean[] refresh;
    private final long[] sizes;
    private final long maxBytes;
    private int head;
    private int size;
    private long bytes;

    EventHistory(int capacity) {
        this(capacity, Long.MAX_VALUE);
    }

    EventHistory(int capacity, long maxBytes) {
        if (capacity < 1) {
            throw new IllegalArgumentException("history capacity must be >= 1, not " + capacity);
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException("history memory must be >= 1 byte, not " + maxBytes);
        }
        events = new Result.Event[capacity];
        refresh = new boolean[capacity];
        sizes = new long[capacity];
        this.maxBytes = maxBytes;
    }

    /** Estimated heap bytes of one event: two bytes per character of its keys and values, plus overhead. */
    static long estimate(Result.Event e) {
        return EVENT_OVERHEAD + 2L * (chars(e.node()) + chars(e.prevNode()) + (e.action() == null ? 0 : e.action().length()));
    }

    private static long chars(NodeView n) {
        if (n == null) {
            return 0;
        }
        long c = (n.key() == null ? 0 : n.key().length()) + (n.value() == null ? 0 : n.value().length());
        if (n.nodes() != null) {
            for (NodeView child : n.nodes()) {
                c += chars(child);
            }
        }
        return c;
    }

    long bytes() {
        return bytes;
    }

    long maxBytes() {
        return maxBytes;
    }

    int capacity() {
        return events.length;
    }

    int size() {
        return size;
    }

    void add(Result.Event event, boolean isRefresh) {
        long eventBytes = estimate(event);
        while (size > 0 && (size == events.length || bytes + eventBytes > maxBytes)) {
            dropOldest();
        }
        int pos = slot(size);
        size++;
        events[pos] = event;
        refresh[pos] = isRefresh;
        sizes[pos] = eventBytes;
        bytes += eventBytes;
    }

    private void dropOldest() {
        bytes -= sizes[head];
        events[head] = null;
        sizes[head] = 0;
        head = (head + 1) % events.length;
        size--;
    }

    /** Index of the oldest kept event; 0 when empty (etcd's StartIndex). */
    long startIndex() {
        return size == 0 ? 0 : events[head].index();
    }

    Result.Event eventAt(int i) {
        return events[slot(i)];
    }

    boolean isRefreshAt(int i) {
        return refresh[slot(i)];
    }

    /** The first non-refresh event with index >= since that matches, or null. */
    Result.Event scan(long since, Predicate<Result.Event> matches) {
        int lo = 0;
        int hi = size;
        while (lo < hi) { // first position whose index >= since
            int mid = (lo + hi) >>> 1;
            if (eventAt(mid).index() < since) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        for (int i = lo; i < size; i++) {
            if (!isRefreshAt(i) && matches.test(eventAt(i))) {
                return eventAt(i);
            }
        }
        return null;
    }

    void clear() {
        Arrays.fill(events, null);
        Arrays.fill(sizes, 0);
        head = 0;
        size = 0;
        bytes = 0;
    }

    private int slot(int i) {
        return (head + i) % events.length;
    }
}
