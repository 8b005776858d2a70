package dev.fleet.api.cluster;

import dev.fleet.engine.Engine;
import dev.fleet.engine.EngineMetrics;
import dev.fleet.engine.EngineService;
import dev.fleet.node.FleetNode;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;

/** Prometheus text metrics, named as fleet's ({@code fleet_engine_*}) plus the store's RAFT counters. */
@ApplicationScoped
@Path("metrics")
public class MetricsResource {
    @EJB
    FleetNode node;

    @EJB
    EngineService engine;

    @GET
    @Produces("text/plain; version=0.0.4")
    public String metrics() {
        EngineMetrics m = engine.metrics();
        var store = node.store();
        StringBuilder b = new StringBuilder();
        // with disable_engine the RAFT leader runs no passes: it is not the engine leader
        line(b, "fleet_engine_leader", store.isLeader() && engine.enabled() ? 1 : 0);
        line(b, "fleet_engine_disabled", engine.enabled() ? 0 : 1);
        line(b, "fleet_engine_leader_start_time", m.leaderSinceMillis() / 1000.0);
        line(b, "fleet_engine_reconcile_count_total", m.passes());
        line(b, "fleet_engine_reconcile_failure_count_total{reason=\"conflict\"}", m.conflicts());
        line(b, "fleet_engine_reconcile_duration_second_sum", m.totalSeconds());
        line(b, "fleet_engine_task_count_total{type=\"move\"}", m.moved());
        line(b, "fleet_engine_commit_count_total", m.commits());
        Engine.PassReport last = m.last();
        if (last != null) {
            line(b, "fleet_engine_last_pass_seconds", last.nanos() / 1e9);
            line(b, "fleet_engine_last_pass_units", last.units());
            line(b, "fleet_engine_last_pass_machines", last.machines());
            line(b, "fleet_engine_last_pass_unplaced", last.unplaced());
        }
        line(b, "fleet_store_raft_term", store.term());
        line(b, "fleet_store_raft_commit_index", store.commitIndex());
        line(b, "fleet_store_raft_applied_index", store.appliedIndex());
        line(b, "fleet_store_index", store.index());
        // the process: a flood or a fuzzer must leave these flat (heap after GC: what the old generation kept)
        line(b, "process_threads", java.lang.management.ManagementFactory.getThreadMXBean().getThreadCount());
        line(b, "jvm_memory_heap_used_bytes", java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        line(b, "jvm_memory_heap_after_gc_bytes", heapAfterGc());
        // long-lived requests (docs/streams.md): admitted watchers and journals, the store's pending watchers
        var streams = dev.fleet.api.Streams.get();
        line(b, "fleet_store_watchers", store.watcherCount());
        line(b, "fleet_streams_watchers", streams.watchers().inUse());
        line(b, "fleet_streams_journals", streams.journals().inUse());
        line(b, "fleet_streams_journal_threads", streams.journalThreads());
        return b.toString();
    }

    /** Heap still used after each pool's last collection, summed over the heap pools (0 before any GC). */
    static long heapAfterGc() {
        long sum = 0;
        for (java.lang.management.MemoryPoolMXBean pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
            java.lang.management.MemoryUsage after = pool.getCollectionUsage();
            if (pool.getType() == java.lang.management.MemoryType.HEAP && after != null) {
                sum += after.getUsed();
            }
        }
        return sum;
    }

    private static void line(StringBuilder b, String name, double value) {
        b.append(name).append(' ').append(value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value)).append('\n');
    }
}
