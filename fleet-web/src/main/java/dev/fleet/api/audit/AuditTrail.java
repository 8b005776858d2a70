package dev.fleet.api.audit;

import dev.fleet.node.FleetNode;
import dev.fleet.node.NodeSettings;
import jakarta.annotation.PreDestroy;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.json.JsonObject;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The application's one {@link AuditLog}, opened on first use under the node's data dir
 * ({@code node.settings().dataDir()/audit.log}). {@link #record} never throws: a failure to write is logged as a
 * warning, at most once a minute.
 */
@ApplicationScoped
public class AuditTrail {
    private static final Logger LOG = Logger.getLogger(AuditTrail.class.getName());
    static final long WARN_EVERY_MILLIS = 60_000;

    @EJB
    FleetNode node;

    private volatile AuditLog log;
    private final AtomicLong lastWarning = new AtomicLong(Long.MIN_VALUE / 2);

    /** The log: under the node's data dir, named for the node. */
    public AuditLog log() {
        AuditLog l = log;
        if (l == null) {
            synchronized (this) {
                l = log;
                if (l == null) {
                    NodeSettings s = node.settings();
                    l = new AuditLog(s.dataDir(), s.name());
                    log = l;
                }
            }
        }
        return l;
    }

    /** Appends one record; a failure is only logged (rate-limited), never thrown at the request. */
    public void record(String who, String method, String path, int status, String remote) {
        try {
            log().append(who, method, path, status, remote);
        } catch (IOException | RuntimeException e) {
            warn(e);
        }
    }

    /** The newest records of this node, newest last. */
    public List<JsonObject> tail(int limit) throws IOException {
        return log().tail(limit);
    }

    private void warn(Exception e) {
        long now = System.currentTimeMillis();
        long last = lastWarning.get();
        if (now - last >= WARN_EVERY_MILLIS && lastWarning.compareAndSet(last, now)) {
            LOG.log(Level.WARNING, "fleet: cannot write the audit trail (warned at most once a minute): " + e, e);
        }
    }

    @PreDestroy
    void close() {
        AuditLog l = log;
        if (l != null) {
            l.close();
        }
    }
}
