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
import jakarta.ejb.Schedule;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.enterprise.concurrent.ManagedExecutorService;

/**
 * The engine's shell on every node: a non-persistent timer (every second) (and store changes) ask for passes; the pass
 * acts only while this node is the RAFT leader, and its writes are fenced (see {@link Engine}).
 */
@Singleton
@Startup
@DependsOn("FleetNode")
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class EngineService {
    @EJB
    FleetNode node;

    @Resource
    ManagedExecutorService executor;

    private final EngineMetrics metrics = new EngineMetrics();
    private EngineRunner runner;

    @PostConstruct
    void start() {
        var store = node.store();
        Engine engine = new Engine(node.registry(), node.settings().name(), () -> !node.isStopping() && store.isLeader(),
                store::term, metrics);
        runner = new EngineRunner(engine, node.registry(), executor);
        runner.start();
    }

    /**
     * fleet reconciled every 2 s; we tick every second and react to changes at once. Non-persistent: the
     * persistent timer store needs Payara's Hazelcast, which is off.
     */
    @Schedule(second = "*", minute = "*", hour = "*", persistent = false)
    void tick() {
        runner.requestPass();
    }

    /** Asks for a pass now (after an API change that the watch would report a little later anyway). */
    public void nudge() {
        runner.requestPass();
    }

    public EngineMetrics metrics() {
        return metrics;
    }

    @PreDestroy
    void stop() {
        runner.stop();
    }
}
