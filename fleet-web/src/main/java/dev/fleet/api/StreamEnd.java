package dev.fleet.api;

import java.util.ArrayList;
import java.util.List;

/**
 * The one end of a long-lived request, whichever path comes first (answered, timed out, client gone, container
 * error): it releases the stream's {@link Admission.Ticket} and runs the cleanups (cancel the store watcher, unhook
 * the close listener) exactly once. A cleanup added after the end runs at once.
 */
public final class StreamEnd implements Runnable {
    private final Admission.Ticket ticket;
    private final List<Runnable> cleanups = new ArrayList<>();
    private boolean ended;

    public StreamEnd(Admission.Ticket ticket) {
        this.ticket = ticket;
    }

    public void andThen(Runnable cleanup) {
        synchronized (this) {
            if (!ended) {
                cleanups.add(cleanup);
                return;
            }
        }
        cleanup.run();
    }

    public boolean ended() {
        synchronized (this) {
            return ended;
        }
    }

    @Override
    public void run() {
        List<Runnable> todo;
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            todo = List.copyOf(cleanups);
            cleanups.clear();
        }
        ticket.release();
        for (Runnable r : todo) {
            r.run();
        }
    }
}
