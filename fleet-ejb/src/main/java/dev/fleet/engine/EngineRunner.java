package dev.fleet.engine;

import dev.fleet.registry.Registry;
import dev.fleet.registry.StorePort;
import dev.fleet.store.WatchStart;

import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs engine passes one at a time: on every tick and as soon as something the engine decides on changes
 * (units, machines, metadata). Requests that arrive during a pass coalesce into one more pass.
 */
public final class EngineRunner {
    private static final Logger LOG = Logger.getLogger(EngineRunner.class.getName());
    static final List<String> WATCHED = List.of("/_fleet/units", "/_fleet/machines", "/_fleet/metadata");

    private final Engine engine;
    private final StorePort store;
    private final Executor executor;
    private final AtomicBoolean dirty = new AtomicBoolean();
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile boolean stopped;

    public EngineRunner(Engine engine, Registry registry, Executor executor) {
        this.engine = engine;
        this.store = registry.store();
        this.executor = executor;
    }

    /** Starts following changes. */
    public void start() {
        for (String dir : WATCHED) {
            follow(dir, store.index() + 1);
        }
    }

    public void stop() {
        stopped = true;
    }

    private void follow(String dir, long since) {
        if (stopped) {
            return;
        }
        WatchStart w = store.watch(dir, true, since, r -> {
            requestPass();
            follow(dir, Math.max(r.index(), since) + 1);
        });
        if (!(w instanceof WatchStart.Waiting)) { // already happened, or history cleared: act and follow from now
            requestPass();
            try {
                executor.execute(() -> follow(dir, store.index() + 1));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "engine stopped following " + dir + "; it still acts on every tick", e);
            }
        }
    }

    /** Under a stream of changes (a bulk submit) back-to-back passes over a large registry would starve the API. */
    private void pauseAfterLastPass() {
        long wait = lastEndNanos + Math.max(MIN_GAP_NANOS, lastPassNanos) - System.nanoTime();
        if (lastEndNanos != 0 && wait > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(wait);
        }
    }

    /** Asks for a pass; returns at once. */
    public void requestPass() {
        dirty.set(true);
        if (!stopped && running.compareAndSet(false, true)) {
            submitDrain();
        }
    }

    /** An executor may refuse work (e.g. while the application starts); never leave "running" set then. */
    private void submitDrain() {
        try {
            executor.execute(this::drain);
        } catch (RuntimeException e) {
            running.set(false);
            LOG.log(Level.FINE, "engine pass not started; the next tick retries", e);
        }
    }

    /** Passes started by changes keep at least this gap, and at least the last pass's length (≤ half a CPU). */
    static final long MIN_GAP_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(20);
    private long lastPassNanos;
    private long lastEndNanos;

    private void drain() {
        try {
            while (!stopped && dirty.getAndSet(false)) {
                pauseAfterLastPass();
                try {
                    long start = System.nanoTime();
                    Engine.PassReport r = engine.pass();
                    lastEndNanos = System.nanoTime();
                    lastPassNanos = lastEndNanos - start;
                    if (r.conflicted()) {
                        dirty.set(true); // decide again on a fresh snapshot
                    }
                } catch (RuntimeException | LinkageError | AssertionError e) { // an executor would swallow it silently
                    LOG.log(Level.WARNING, "engine pass failed; the next tick retries", e);
                }
            }
        } finally {
            running.set(false);
            if (dirty.get() && !stopped && running.compareAndSet(false, true)) {
                submitDrain();
            }
        }
    }
}
