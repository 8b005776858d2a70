package dev.fleet.agent.systemd;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Futures of jobs, keyed by job object path, completed by {@code JobRemoved}. The signal and the reply of
 * {@code StartUnit} travel on different threads, so a job's {@code JobRemoved} can be seen before the call
 * that created it returns: while calls are in flight, results of unknown jobs are kept (bounded) for them.
 * Futures complete on {@code completer}, never on the D-Bus thread that saw the signal.
 */
final class JobWaiters {

    /** Bound of results kept for calls in flight (other clients' jobs end up here too). */
    static final int MAX_EARLY_RESULTS = 4096;

    private final Executor completer;
    private final Map<String, CompletableFuture<String>> waiting = new HashMap<>();
    private final Map<String, String> earlyResults = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > MAX_EARLY_RESULTS;
        }
    };
    private int callsInFlight;
    private Throwable closedBy;

    JobWaiters(Executor completer) {
        this.completer = completer;
    }

    /** Before calling StartUnit/StopUnit. */
    synchronized void callStarted() {
        callsInFlight++;
    }

    /** The call failed: no job. */
    synchronized void callFailed() {
        callEnded();
    }

    /** The call returned {@code jobPath}: the future of that job (shared when systemd merged it into a running job). */
    CompletableFuture<String> callReturned(String jobPath) {
        String early;
        CompletableFuture<String> future;
        synchronized (this) {
            early = earlyResults.remove(jobPath);
            callEnded();
            if (early == null) {
                if (closedBy != null) {
                    return CompletableFuture.failedFuture(closedBy);
                }
                return waiting.computeIfAbsent(jobPath, p -> new CompletableFuture<>());
            }
            future = new CompletableFuture<>();
        }
        completeOnCompleter(future, early);
        return future;
    }

    /** {@code JobRemoved(id, job, unit, result)}. */
    void jobRemoved(String jobPath, String result) {
        CompletableFuture<String> future;
        synchronized (this) {
            future = waiting.remove(jobPath);
            if (future == null) {
                if (callsInFlight > 0) {
                    earlyResults.put(jobPath, result);
                }
                return;
            }
        }
        completeOnCompleter(future, result);
    }

    /** The connection is gone: no JobRemoved will come. */
    void failAll(Throwable cause) {
        Map<String, CompletableFuture<String>> pending;
        synchronized (this) {
            closedBy = cause;
            pending = new HashMap<>(waiting);
            waiting.clear();
            earlyResults.clear();
        }
        pending.values().forEach(f -> f.completeExceptionally(cause));
    }

    synchronized int pendingCount() {
        return waiting.size() + earlyResults.size();
    }

    private void completeOnCompleter(CompletableFuture<String> future, String result) {
        try {
            completer.execute(() -> future.complete(result));
        } catch (RejectedExecutionException closing) {
            future.complete(result);
        }
    }

    private void callEnded() {
        callsInFlight--;
        if (callsInFlight == 0) {
            earlyResults.clear();
        }
    }
}
