package dev.fleet.store;

import java.util.Arrays;
import java.util.function.Predicate;

/**
 * Ring of the last {@code capacity} events, oldest first, for watches from a past index. As in
 * etcd, every index-consuming event is recorded (so the ring covers a contiguous index range),
 * but refresh events are flagged and never handed to a watch.
 */
final class EventHistory {
    private final Result.Event[] events;
    private final boolean[] refresh;
    private int head;
    private int size;

    EventHistory(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("history capacity must be >= 1, not " + capacity);
        }
        events = new Result.Event[capacity];
        refresh = new boolean[capacity];
    }

    int capacity() {
        return events.length;
    }

    int size() {
        return size;
    }

    void add(Result.Event event, boolean isRefresh) {
        int pos;
        if (size < events.length) {
            pos = slot(size);
            size++;
        } else {
            pos = head; // overwrite the oldest
            head = (head + 1) % events.length;
        }
        events[pos] = event;
        refresh[pos] = isRefresh;
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
        head = 0;
        size = 0;
    }

    private int slot(int i) {
        return (head + i) % events.length;
    }
}
