package dev.fleet.agent;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Whether the agent's schedule/reconcile loop is alive, for the presence loop to ask before every heartbeat: a machine
 * must not stay registered while nothing acts on its schedule. Dead: the loop thread ended, or threw anything (an
 * {@link Error} included). Stuck: no sign of life from the loop for {@code bound}, or one reconcile pass running (or
 * waiting for another) for {@code bound}. Pure: the clock is given.
 */
final class LoopHealth {
    /**
     * Longer than anything the loop does legitimately: a long poll (75 s), the back-off between failed reads (at most
     * 60 s), a pass of stops that each may take systemd's 90 s.
     */
    static final Duration DEFAULT_BOUND = Duration.ofMinutes(5);

    /** {@code -Dfleet.agent.loopBoundSeconds} (at least 1), else {@link #DEFAULT_BOUND}. */
    static Duration configuredBound() {
        return Duration.ofSeconds(Math.max(1, Long.getLong("fleet.agent.loopBoundSeconds", DEFAULT_BOUND.toSeconds())));
    }

    private final Duration bound;
    private final LongSupplier clock;
    private volatile long lastBeat;
    /** When each thread's pass under way started (a thread runs one pass at a time). */
    private final java.util.concurrent.ConcurrentHashMap<Long, Long> passes = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile String death;

    LoopHealth(Duration bound, LongSupplier clock) {
        this.bound = bound;
        this.clock = clock;
        this.lastBeat = clock.getAsLong();
    }

    /** The loop is alive (it is about to read the schedule, or just read it). */
    void beat() {
        lastBeat = clock.getAsLong();
    }

    void passStarted() {
        passes.put(Thread.currentThread().getId(), clock.getAsLong());
    }

    void passEnded() {
        passes.remove(Thread.currentThread().getId());
        lastBeat = clock.getAsLong();
    }

    /** The loop ended by {@code t} (null: it returned while the agent was running). */
    void died(String where, Throwable t) {
        if (death == null) {
            death = where + (t == null ? " ended" : " died: " + t);
        }
    }

    /** Why the loop cannot be trusted, or empty. {@code threadAlive}: whether the loop's thread still runs. */
    Optional<String> problem(boolean threadAlive) {
        if (death != null) {
            return Optional.of(death);
        }
        if (!threadAlive) {
            return Optional.of("the schedule loop's thread is gone");
        }
        long now = clock.getAsLong();
        Long since = passes.values().stream().min((a, b) -> Long.compare(a - now, b - now)).orElse(null);
        if (since != null && now - since > bound.toNanos()) {
            return Optional.of("a reconcile pass has been running for " + Duration.ofNanos(now - since).toSeconds() + " s (bound "
                    + bound.toSeconds() + " s)");
        }
        if (since == null && now - lastBeat > bound.toNanos()) {
            return Optional.of("the schedule loop has shown no sign of life for " + Duration.ofNanos(now - lastBeat).toSeconds()
                    + " s (bound " + bound.toSeconds() + " s)");
        }
        return Optional.empty();
    }
}
