package dev.fleet.engine;

import java.util.concurrent.atomic.AtomicLong;

/** Counters for /metrics, named after fleet's (fleet_engine_*). */
public final class EngineMetrics {
    private final AtomicLong passes = new AtomicLong();
    private final AtomicLong conflicts = new AtomicLong();
    private final AtomicLong moved = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong totalNanos = new AtomicLong();
    private final AtomicLong leaderSince = new AtomicLong();
    private volatile Engine.PassReport last;

    void record(Engine.PassReport r) {
        passes.incrementAndGet();
        if (r.conflicted()) {
            conflicts.incrementAndGet();
        }
        moved.addAndGet(r.moved());
        commits.addAndGet(r.commits());
        totalNanos.addAndGet(r.nanos());
        last = r;
    }

    void leaderSince(long epochMillis) {
        leaderSince.set(epochMillis);
    }

    public long passes() {
        return passes.get();
    }

    public long conflicts() {
        return conflicts.get();
    }

    public long moved() {
        return moved.get();
    }

    public long commits() {
        return commits.get();
    }

    public double totalSeconds() {
        return totalNanos.get() / 1e9;
    }

    public long leaderSinceMillis() {
        return leaderSince.get();
    }

    /** The last pass this node ran as leader, or null. */
    public Engine.PassReport last() {
        return last;
    }
}
