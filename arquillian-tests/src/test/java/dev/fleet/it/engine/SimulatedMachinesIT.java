package dev.fleet.it.engine;

import dev.fleet.client.FleetClient;
import dev.fleet.schema.Machine;
import dev.fleet.schema.Unit;
import dev.fleet.schema.UnitState;
import dev.fleet.testkit.EtcdV2Client;
import dev.fleet.testkit.FleetCluster;
import dev.fleet.testkit.FleetNodeProcess;
import dev.fleet.testkit.NodeMetrics;
import dev.fleet.testkit.SimulatedMachine;
import dev.fleet.testkit.UnitOptions;
import dev.fleet.unit.UnitOption;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scenario: three real nodes (bin/fleet-node processes) and simulated machines that speak the agent API with a
 * 3 s TTL (fleet's functional-test setting). Twelve units spread least-loaded over four machines and launch; a
 * machine crashes and its units move once its presence expires; another stops cleanly and its units move at
 * once; two fresh machines join (nothing moves back); the node that runs the engine is killed with SIGKILL and
 * another node's engine places the units submitted after the kill.
 *
 * <p>Throughout, a checker compares what the machines hold (from the schedules they receive, with timestamps):
 * no unit may ever be held by two machines at once — a unit moves only after the machine that had it lost it
 * (crashed, stopped, or its lease ran out). It also polls {@code GET /fleet/v1/state} and logs units reported
 * active by two machines; that is only logged, since a report is a snapshot of what an agent saw.
 * Steps run in order and share the cluster.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SimulatedMachinesIT {
    private static final int TTL = 3;
    private static final Duration STEP_LIMIT = Duration.ofSeconds(60);

    private FleetCluster cluster;
    private FleetClient api;
    private SimulatedMachine.Pool pool;
    private final Map<String, SimulatedMachine> machines = new ConcurrentSkipListMap<>();
    private ScheduledExecutorService checker;
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final Set<String> seenOverlaps = Collections.synchronizedSet(new HashSet<>());
    private final List<String> doubleStates = new CopyOnWriteArrayList<>();
    private final AtomicLong checks = new AtomicLong();
    private final AtomicLong stateChecks = new AtomicLong();
    private FleetNodeProcess killed;
    private volatile String leaderProbe = "";

    @BeforeAll
    void boot() throws Exception {
        cluster = FleetCluster.start(workDir("simulated-machines"), 3);
        log("three nodes ready in %s s (as each printed)", cluster.readySeconds());
        api = new FleetClient(cluster.clientUrls());
        pool = new SimulatedMachine.Pool();
        for (String id : List.of("sim-a", "sim-b", "sim-c", "sim-d")) {
            startMachine(id);
        }
        for (SimulatedMachine m : machines.values()) {
            m.registered().get(60, TimeUnit.SECONDS);
        }
        checker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hold-checker");
            t.setDaemon(true);
            return t;
        });
        checker.scheduleWithFixedDelay(this::check, 100, 100, TimeUnit.MILLISECONDS);
    }

    @AfterAll
    void shutdown() {
        if (checker != null) {
            checker.shutdownNow();
        }
        for (SimulatedMachine m : machines.values()) {
            log("%s: %s", m, m.counters());
            m.crash();
        }
        if (pool != null) {
            pool.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    // ---------------------------------------------------------------------------------------------- steps

    @Test
    @Order(1)
    void twelveUnitsSpreadLeastLoadedOverFourMachinesAndLaunch() throws Exception {
        await().atMost(STEP_LIMIT).ignoreExceptions().untilAsserted(() ->
                assertThat(machineIds()).containsExactlyInAnyOrder("sim-a", "sim-b", "sim-c", "sim-d"));
        long t0 = System.nanoTime();
        for (int i = 1; i <= 12; i++) {
            assertThat(api.putUnit(Unit.put(name("web", i), sleeper("web " + i), "launched"))).as("PUT %s", name("web", i)).isEqualTo(201);
        }
        List<String> names = names("web", 12);
        List<Unit> units = awaitPlacedAndLaunched(names, Set.of(), STEP_LIMIT);
        log("12 units submitted, placed and launched %.2f s after the first PUT", secondsSince(t0));

        Map<String, Integer> counts = countByMachine(units);
        log("placement: %s", counts);
        assertThat(counts).as("least loaded: 12 units over 4 machines is 3 each")
                .containsOnlyKeys("sim-a", "sim-b", "sim-c", "sim-d").allSatisfy((m, n) -> assertThat(n).isEqualTo(3));
        assertMachinesAgreeWithApi(units);
        assertNoViolationSoFar();
    }

    @Test
    @Order(2)
    void aCrashedMachinesUnitsMoveOnceItsPresenceExpires() throws Exception {
        SimulatedMachine victim = machines.get("sim-a");
        Set<String> lost = victim.held();
        assertThat(lost).hasSize(3);
        long t0 = System.nanoTime();
        victim.crash();
        double placed = awaitMovedOff(lost, "sim-a", t0, Duration.ofSeconds(TTL + 30));
        List<Unit> units = awaitPlacedAndLaunched(names("web", 12), Set.of("sim-a"), STEP_LIMIT);
        double launched = secondsSince(t0);
        log("crash of sim-a (TTL %d s): its units %s placed elsewhere after %.2f s, all launched again after %.2f s",
                TTL, lost, placed, launched);
        assertThat(placed).as("moved only once the presence can have expired (last heartbeat <= TTL/3 before the crash)")
                .isGreaterThan(TTL - TTL / 3.0 - 0.5);
        assertThat(placed).as("moved within TTL + a few seconds").isLessThan(TTL + 10);
        assertThat(machineIds()).doesNotContain("sim-a");

        Map<String, Integer> counts = countByMachine(units);
        log("placement: %s", counts);
        assertThat(counts).as("the 3 units went one to each remaining machine (all at 3)")
                .containsOnlyKeys("sim-b", "sim-c", "sim-d").allSatisfy((m, n) -> assertThat(n).isEqualTo(4));
        assertMachinesAgreeWithApi(units);
        assertNoViolationSoFar();
    }

    @Test
    @Order(3)
    void aCleanlyStoppedMachinesUnitsMoveAtOnce() throws Exception {
        SimulatedMachine victim = machines.get("sim-b");
        Set<String> lost = victim.held();
        assertThat(lost).hasSize(4);
        long t0 = System.nanoTime();
        int status = victim.stop();
        double deregistered = secondsSince(t0);
        assertThat(status).as("DELETE /fleet/agent/v1/machines/sim-b?session=...").isEqualTo(204);
        // the presence is gone at once, not after the TTL
        await().atMost(Duration.ofMillis(TTL * 1000L / 2)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .untilAsserted(() -> assertThat(machineIds()).doesNotContain("sim-b"));
        double gone = secondsSince(t0);
        double placed = awaitMovedOff(lost, "sim-b", t0, Duration.ofSeconds(TTL + 30));
        List<Unit> units = awaitPlacedAndLaunched(names("web", 12), Set.of("sim-a", "sim-b"), STEP_LIMIT);
        double launched = secondsSince(t0);
        log("clean stop of sim-b: deregistered in %.3f s, gone from the machine list after %.3f s, its units %s placed "
                + "elsewhere after %.2f s, all launched again after %.2f s", deregistered, gone, lost, placed, launched);
        assertThat(placed).as("a clean stop moves the units without waiting for the TTL (generous bound)").isLessThan(TTL + 2);

        Map<String, Integer> counts = countByMachine(units);
        log("placement: %s", counts);
        assertThat(counts).containsOnlyKeys("sim-c", "sim-d").allSatisfy((m, n) -> assertThat(n).isEqualTo(6));
        assertMachinesAgreeWithApi(units);
        assertNoViolationSoFar();
    }

    @Test
    @Order(4)
    void newMachinesJoinAndNothingMovesBack() throws Exception {
        startMachine("sim-e");
        startMachine("sim-f");
        machines.get("sim-e").registered().get(30, TimeUnit.SECONDS);
        machines.get("sim-f").registered().get(30, TimeUnit.SECONDS);
        await().atMost(STEP_LIMIT).ignoreExceptions().untilAsserted(() ->
                assertThat(machineIds()).containsExactlyInAnyOrder("sim-c", "sim-d", "sim-e", "sim-f"));
        Thread.sleep(2000); // a couple of engine ticks
        List<Unit> units = awaitPlacedAndLaunched(names("web", 12), Set.of("sim-a", "sim-b"), STEP_LIMIT);
        assertThat(countByMachine(units)).as("fleet does not rebalance when machines join")
                .containsOnlyKeys("sim-c", "sim-d");
        assertThat(machines.get("sim-e").held()).isEmpty();
        assertThat(machines.get("sim-f").held()).isEmpty();
        assertNoViolationSoFar();
    }

    @Test
    @Order(5)
    void killingTheNodeThatRunsTheEngineHandsTheEngineToAnotherNode() throws Exception {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(engineLeader()).as("one node reports fleet_engine_leader 1: %s", leaderProbe).isNotNull());
        killed = engineLeader();
        assertThat(killed).as("one node reports fleet_engine_leader 1: %s", leaderProbe).isNotNull();
        log("before the kill: %s", leaderProbe);
        FleetNodeProcess raftLeader = raftLeader();
        log("engine runs on %s (RAFT leader per /v2/stats/self: %s); killing it with SIGKILL", killed.name(),
                raftLeader == null ? "?" : raftLeader.name());
        Map<String, Map<String, Long>> countersBefore = counters();
        killed.kill();
        long t0 = System.nanoTime();

        List<String> batch = names("batch", 6);
        double[] accepted = new double[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            String unit = batch.get(i);
            await().atMost(STEP_LIMIT).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .until(() -> api.putUnit(Unit.put(unit, sleeper(unit), "launched")), s -> s == 201 || s == 204);
            accepted[i] = secondsSince(t0);
        }
        List<Unit> placedBatch = awaitPlacedAndLaunched(batch, Set.of("sim-a", "sim-b"), STEP_LIMIT);
        double launched = secondsSince(t0);
        FleetNodeProcess newEngine = await().atMost(STEP_LIMIT).ignoreExceptions().until(this::engineLeader, n -> n != null);
        log("engine node %s killed: first PUT accepted %.2f s later, the 6 new units accepted by %.2f s, placed and "
                + "launched %.2f s after the kill; the engine now runs on %s", killed.name(), accepted[0],
                accepted[accepted.length - 1], launched, newEngine.name());
        log("new units: %s", countByMachine(placedBatch));
        assertThat(newEngine).isNotEqualTo(killed);
        Map<String, Double> m = NodeMetrics.get(newEngine.url());
        assertThat(m.get("fleet_engine_reconcile_count_total")).as("passes on %s", newEngine.name()).isGreaterThan(0);

        // the earlier units are still placed on live machines and launched
        List<Unit> all = awaitPlacedAndLaunched(names("web", 12), Set.of("sim-a", "sim-b"), STEP_LIMIT);
        List<Unit> every = new ArrayList<>(all);
        every.addAll(placedBatch);
        assertMachinesAgreeWithApi(every);

        Map<String, Map<String, Long>> after = counters();
        for (String id : after.keySet()) {
            long regs = after.get(id).get("registered201") - countersBefore.getOrDefault(id, Map.of()).getOrDefault("registered201", 0L);
            long fences = after.get(id).get("leaseExpiries") - countersBefore.getOrDefault(id, Map.of()).getOrDefault("leaseExpiries", 0L);
            log("%s across the kill: %d registrations anew, %d lease expiries, counters %s", id, regs, fences, after.get(id));
        }
        log("placement after the kill: web %s, batch %s", countByMachine(all), countByMachine(placedBatch));
        assertNoViolationSoFar();
    }

    @Test
    @Order(6)
    void noUnitWasEverHeldByTwoMachinesAtOnce() throws Exception {
        checker.shutdown();
        checker.awaitTermination(10, TimeUnit.SECONDS);
        check();
        List<SimulatedMachine.Hold> holds = machines.values().stream().flatMap(m -> m.history().stream()).toList();
        log("checked %d holds (%d closed) on %d machines, %d checker rounds, %d /fleet/v1/state polls",
                holds.size(), holds.stream().filter(h -> !h.open()).count(), machines.size(), checks.get(), stateChecks.get());
        for (SimulatedMachine.Hold h : holds) {
            if (!h.open()) {
                log("  %s %s %s", h.unit(), h.machine(), pool.span(h));
            }
        }
        log("units reported active by two machines in /fleet/v1/state (informational): %d polls%s", doubleStates.size(),
                doubleStates.isEmpty() ? "" : ", e.g. " + doubleStates.subList(0, Math.min(5, doubleStates.size())));
        assertThat(violations).as("no unit held by two machines at once").isEmpty();
    }

    // ---------------------------------------------------------------------------------------------- the checker

    private void check() {
        try {
            checks.incrementAndGet();
            for (SimulatedMachine.Overlap o : SimulatedMachine.overlaps(machines.values())) {
                String key = o.unit() + " " + o.first().machine() + "@" + o.first().acquiredNanos() + " "
                        + o.second().machine() + "@" + o.second().acquiredNanos();
                if (seenOverlaps.add(key)) {
                    String v = o.describe(pool);
                    violations.add(v);
                    log("VIOLATION: %s", v);
                    for (SimulatedMachine m : List.of(machines.get(o.first().machine()), machines.get(o.second().machine()))) {
                        List<String> ev = m.events();
                        log("  events of %s: %s", m.id(), ev.subList(Math.max(0, ev.size() - 15), ev.size()));
                    }
                }
            }
            if (checks.get() % 10 == 0) {
                Map<String, Set<String>> active = new TreeMap<>();
                for (UnitState s : api.states()) {
                    if ("active".equals(s.activeState())) {
                        active.computeIfAbsent(s.name(), k -> new TreeSet<>()).add(s.machineId());
                    }
                }
                stateChecks.incrementAndGet();
                active.forEach((unit, ms) -> {
                    if (ms.size() > 1) {
                        doubleStates.add(String.format(Locale.ROOT, "%.1f s %s on %s", pool.seconds(System.nanoTime()), unit, ms));
                    }
                });
            }
        } catch (RuntimeException e) {
            // a node may be down right now: the next round asks again
        }
    }

    private void assertNoViolationSoFar() {
        check();
        assertThat(violations).as("no unit held by two machines at once (so far)").isEmpty();
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private SimulatedMachine startMachine(String id) {
        SimulatedMachine m = SimulatedMachine.builder(pool, id, cluster.clientUrls())
                .ttlSeconds(TTL)
                .metadata(Map.of("role", "worker", "name", id))
                .firstEndpoint(machines.size())
                .start();
        machines.put(id, m);
        return m;
    }

    private static List<UnitOption> sleeper(String description) {
        return List.of(UnitOptions.unit("Description", description), UnitOptions.service("ExecStart", "/bin/sleep 1000"));
    }

    private static String name(String prefix, int i) {
        return String.format(Locale.ROOT, "%s-%02d.service", prefix, i);
    }

    private static List<String> names(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(name(prefix, i));
        }
        return out;
    }

    private Set<String> machineIds() {
        return api.machines().stream().map(Machine::id).collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * Waits until every named unit has a machine that is not one of {@code notOn}, currentState launched, and
     * the simulated machine it names holds it; returns those units.
     */
    private List<Unit> awaitPlacedAndLaunched(List<String> names, Set<String> notOn, Duration limit) {
        List<List<Unit>> out = new ArrayList<>();
        await().atMost(limit).pollInterval(Duration.ofMillis(100)).ignoreExceptions().untilAsserted(() -> {
            Map<String, Unit> byName = api.units().stream().collect(Collectors.toMap(Unit::name, u -> u));
            List<Unit> units = new ArrayList<>();
            for (String n : names) {
                Unit u = byName.get(n);
                assertThat(u).as("unit %s", n).isNotNull();
                assertThat(u.machineID()).as("%s placed (reason: %s)", n, u.reason()).isNotNull().isNotIn(notOn);
                assertThat(u.currentState()).as("%s currentState", n).isEqualTo("launched");
                SimulatedMachine m = machines.get(u.machineID());
                assertThat(m).as("%s is on a simulated machine", n).isNotNull();
                assertThat(m.held()).as("%s held by %s", n, m.id()).contains(n);
                units.add(u);
            }
            out.clear();
            out.add(units);
        });
        return out.get(0);
    }

    /** Waits until none of {@code units} is on {@code from} and each has a machine; returns the seconds since {@code t0}. */
    private double awaitMovedOff(Set<String> units, String from, long t0, Duration limit) {
        await().atMost(limit).pollInterval(Duration.ofMillis(50)).ignoreExceptions().untilAsserted(() -> {
            for (String n : units) {
                Unit u = api.unit(n).orElseThrow();
                assertThat(u.machineID()).as("%s", n).isNotNull().isNotEqualTo(from);
            }
        });
        return secondsSince(t0);
    }

    private static Map<String, Integer> countByMachine(List<Unit> units) {
        Map<String, Integer> out = new TreeMap<>();
        units.forEach(u -> out.merge(String.valueOf(u.machineID()), 1, Integer::sum));
        return out;
    }

    /** Every unit the API places on a simulated machine is held by that machine, and by no other. */
    private void assertMachinesAgreeWithApi(List<Unit> units) {
        Map<String, Set<String>> holders = SimulatedMachine.holders(machines.values());
        for (Unit u : units) {
            assertThat(holders.get(u.name())).as("holders of %s", u.name()).containsExactly(u.machineID());
        }
    }

    private Map<String, Map<String, Long>> counters() {
        Map<String, Map<String, Long>> out = new TreeMap<>();
        machines.forEach((id, m) -> {
            if (m.isAlive()) {
                out.put(id, m.counters());
            }
        });
        return out;
    }

    /** The node whose /metrics says {@code fleet_engine_leader 1}, or null; what each node said is in {@link #leaderProbe}. */
    private FleetNodeProcess engineLeader() {
        FleetNodeProcess found = null;
        Map<String, String> probe = new TreeMap<>();
        for (FleetNodeProcess n : cluster.nodes()) {
            if (!n.isAlive()) {
                probe.put(n.name(), "not running");
                continue;
            }
            try {
                Map<String, Double> m = NodeMetrics.get(n.url());
                probe.put(n.name(), "fleet_engine_leader=" + m.get("fleet_engine_leader") + " term=" + m.get("fleet_store_raft_term"));
                if (m.getOrDefault("fleet_engine_leader", 0.0) == 1.0 && found == null) {
                    found = n;
                }
            } catch (IOException e) {
                probe.put(n.name(), e.toString());
            }
        }
        leaderProbe = probe.toString();
        return found;
    }

    /** The RAFT leader as /v2/stats/self names it, or null. */
    private FleetNodeProcess raftLeader() {
        for (FleetNodeProcess n : cluster.nodes()) {
            if (!n.isAlive()) {
                continue;
            }
            try {
                String name = new EtcdV2Client(n.url()).statsSelf().getJsonObject("leaderInfo").getString("leaderName", "");
                if (!name.isEmpty()) {
                    return cluster.node(name);
                }
            } catch (IOException | RuntimeException e) {
                // next
            }
        }
        return null;
    }

    private static double secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static Path workDir(String testName) throws IOException {
        Path base = Path.of(System.getProperty("fleet.test.work", "target/it-work"));
        Path dir = base.resolve(testName + "-" + System.currentTimeMillis());
        Files.createDirectories(dir);
        return dir;
    }

    private static void log(String format, Object... args) {
        System.out.printf("[engine-test] " + format + "%n", args);
    }
}
