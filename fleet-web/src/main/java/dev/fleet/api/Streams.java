package dev.fleet.api;

import dev.fleet.api.security.Access;
import jakarta.servlet.http.HttpServletRequest;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's long-lived requests: one {@link Admission} for watchers (etcd watches and agents' schedule watches)
 * and one for journals (followed or not), from {@link StreamLimits}; and the pool journals are pumped on, so that
 * they never hold Grizzly's request threads. One per web application (the routes that use it are a filter and
 * JAX-RS singletons).
 */
public final class Streams {
    private static volatile Streams instance;

    private final StreamLimits limits;
    private final Admission watchers;
    private final Admission journals;
    private final ThreadPoolExecutor journalPool;

    Streams(StreamLimits limits) {
        this.limits = limits;
        this.watchers = new Admission("watchers", limits.watchers(), limits.watchersPerClient());
        this.journals = new Admission("journals", limits.journals(), limits.journalsPerClient());
        AtomicInteger n = new AtomicInteger();
        // one thread per admitted journal at most (admission bounds it); idle threads go after a minute
        this.journalPool = new ThreadPoolExecutor(0, limits.journals(), 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "fleet-journal-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public static Streams get() {
        Streams s = instance;
        if (s == null) {
            synchronized (Streams.class) {
                s = instance;
                if (s == null) {
                    s = new Streams(StreamLimits.fromSystemProperties());
                    instance = s;
                }
            }
        }
        return s;
    }

    public StreamLimits limits() {
        return limits;
    }

    public Admission watchers() {
        return watchers;
    }

    public Admission journals() {
        return journals;
    }

    public ExecutorService journalPool() {
        return journalPool;
    }

    /** Journals being pumped right now (threads of the pool at work). */
    public int journalThreads() {
        return journalPool.getActiveCount();
    }

    /** Who the limits count against: the authenticated identity if any, else the remote address. */
    public static String clientOf(HttpServletRequest req) {
        return clientOf(req.getAttribute(Access.IDENTITY_ATTRIBUTE), req.getRemoteAddr());
    }

    static String clientOf(Object identity, String remoteAddress) {
        if (identity != null && !identity.toString().isEmpty() && !"anonymous".equals(identity.toString())) {
            return identity.toString();
        }
        return remoteAddress == null ? "unknown" : remoteAddress;
    }
}
