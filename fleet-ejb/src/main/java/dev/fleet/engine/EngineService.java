package dev.fleet.engine;

import dev.fleet.node.FleetNode;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.DependsOn;
import jakarta.ejb.EJB;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The engine's shell on every node: a periodic tick (every {@code engine_reconcile_interval}, 1 s by default) and
 * store changes ask for passes; the pass acts only while this node is the RAFT leader, and its
 * writes are fenced (see {@link Engine}). With {@code disable_engine} the node runs no passes at all: no timer, no
 * watches, nudges ignored (if such a node is the RAFT leader, nothing is scheduled; README, "Differences from fleet").
 */
@Singleton
@Startup
@DependsOn("FleetNode")
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class EngineService {
    private static final Logger LOG = Logger.getLogger(EngineService.class.getName());

    @EJB
    FleetNode node;

    @Resource
    ManagedExecutorService executor;

    private final EngineMetrics metrics = new EngineMetrics();
    private volatile EngineRunner runner;

    /**
     * The tick: a managed scheduled executor, not an EJB timer. Payara refuses to deploy a bean with programmatic
     * EJB timers when the persistent timer store (Hazelcast) is off, even if every timer it would create is
     * non-persistent; only automatic {@code @Schedule(persistent=false)} timers pass that check, and they cannot
     * take an interval from configuration.
     */
    @Resource
    ManagedScheduledExecutorService scheduler;

    private ScheduledFuture<?> ticks;

    @PostConstruct
    void start() {
        var tuning = node.settings().tuning();
        if (tuning.disableEngine()) {
            LOG.info("engine on " + node.settings().name() + ": disabled (disable_engine); this node runs no engine passes,"
                    + " even while it is the RAFT leader");
            ticks = scheduler.scheduleWithFixedDelay(this::warnIfLeading, 5, 10, TimeUnit.SECONDS);
            return;
        }
        var store = node.store();
        Engine engine = new Engine(node.registry(), node.settings().name(), () -> !node.isStopping() && store.isLeader(),
                store::term, metrics);
        runner = new EngineRunner(engine, node.registry(), executor);
        runner.start();
        // fleet reconciled every 2 s; we react to changes at once, and tick every second by default.
        long every = tuning.reconcileInterval().toMillis();
        EngineRunner r = runner;
        ticks = scheduler.scheduleAtFixedRate(() -> {
            try {
                r.requestPass();
            } catch (RuntimeException e) { // a periodic task that throws is never run again
                LOG.log(java.util.logging.Level.WARNING, "engine tick failed; the next one retries", e);
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    private long warnedTerm = -1;

    /** With disable_engine: says once per RAFT term that this node leads, so nothing is scheduled. */
    private void warnIfLeading() {
        try {
            var store = node.store();
            long term = store.term();
            if (store.isLeader() && term != warnedTerm && !node.isStopping()) {
                warnedTerm = term;
                LOG.warning("engine on " + node.settings().name() + ": this node is the RAFT leader (term " + term
                        + ") and has disable_engine: nothing is scheduled or moved while it leads");
            }
        } catch (RuntimeException e) {
            LOG.log(java.util.logging.Level.FINE, "leadership check failed", e);
        }
    }

    /** Asks for a pass now (after an API change that the watch would report a little later anyway). */
    public void nudge() {
        EngineRunner r = runner;
        if (r != null) {
            r.requestPass();
        }
    }

    /** False with {@code disable_engine}: this node never runs engine passes. */
    public boolean enabled() {
        return runner != null;
    }

    public EngineMetrics metrics() {
        return metrics;
    }

    @PreDestroy
    void stop() {
        if (ticks != null) {
            ticks.cancel(false);
        }
        if (runner != null) {
            runner.stop();
        }
    }
}
