package dev.fleet.api;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts one kind of long-lived request (watchers, journals) per node and per client. Pure: a stream takes a
 * {@link Ticket} before it starts and gives it back when it ends, however it ends; {@link Ticket#release} counts
 * only once, so every end path may call it. Over a limit the caller gets a {@link Refused}: 429 when this client
 * holds its share, 503 when the node is full (the client's own limit is checked first: it is the client's doing).
 */
public final class Admission {
    /** What a refused client is told to wait before trying again. */
    public static final int RETRY_AFTER_SECONDS = 5;

    public sealed interface Outcome permits Ticket, Refused { }

    /** A refusal: the status (429 or 503), a message naming the limit, and Retry-After in seconds. */
    public record Refused(int status, String message, int retryAfterSeconds) implements Outcome { }

    /** One admitted stream; release it exactly when the stream ends. */
    public final class Ticket implements Outcome {
        private final String client;
        private final AtomicBoolean released = new AtomicBoolean();

        private Ticket(String client) {
            this.client = client;
        }

        /** Gives the place back; true the first time, false (and nothing counted) after. */
        public boolean release() {
            if (!released.compareAndSet(false, true)) {
                return false;
            }
            Admission.this.release(client);
            return true;
        }

        public boolean released() {
            return released.get();
        }
    }

    private final String what;
    private final int perNode;
    private final int perClient;
    private final Map<String, Integer> byClient = new HashMap<>();
    private int total;

    /** {@code what}: the plural the messages name ("watchers", "journals"). */
    public Admission(String what, int perNode, int perClient) {
        if (perNode < 1 || perClient < 1) {
            throw new IllegalArgumentException("limits must be at least 1");
        }
        this.what = what;
        this.perNode = perNode;
        this.perClient = perClient;
    }

    public synchronized Outcome tryAcquire(String client) {
        String c = client == null ? "" : client;
        int mine = byClient.getOrDefault(c, 0);
        if (mine >= perClient) {
            return new Refused(429, "too many " + what + " for " + c + " (limit " + perClient + " per client)", RETRY_AFTER_SECONDS);
        }
        if (total >= perNode) {
            return new Refused(503, "too many " + what + " on this node (limit " + perNode + ")", RETRY_AFTER_SECONDS);
        }
        byClient.put(c, mine + 1);
        total++;
        return new Ticket(c);
    }

    private synchronized void release(String client) {
        Integer mine = byClient.get(client);
        if (mine == null) {
            throw new IllegalStateException("no " + what + " held by " + client);
        }
        if (mine == 1) {
            byClient.remove(client);
        } else {
            byClient.put(client, mine - 1);
        }
        total--;
    }

    public synchronized int inUse() {
        return total;
    }

    public synchronized int inUse(String client) {
        return byClient.getOrDefault(client == null ? "" : client, 0);
    }

    /** Clients holding at least one place. */
    public synchronized int clients() {
        return byClient.size();
    }

    public int perNode() {
        return perNode;
    }

    public int perClient() {
        return perClient;
    }
}
