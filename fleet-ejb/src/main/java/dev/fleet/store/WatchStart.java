package dev.fleet.store;

/** The outcome of registering a watch: an event already in history, a pending watch, or an error (401). */
public sealed interface WatchStart permits WatchStart.Ready, WatchStart.Waiting, WatchStart.Failed {
    record Ready(Result.Event event) implements WatchStart { }
    record Waiting(Watch watch) implements WatchStart { }
    record Failed(StoreError error) implements WatchStart { }

    /** A pending one-shot watch. */
    interface Watch {
        /** Stop waiting; the listener is not called afterwards. Idempotent. */
        void cancel();
    }
}
