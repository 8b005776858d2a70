package dev.fleet.engine;

import dev.fleet.registry.LocalStore;
import dev.fleet.schema.Presence;
import dev.fleet.registry.Registry;
import dev.fleet.registry.UnitRecord;
import dev.fleet.unit.DesiredState;
import dev.fleet.unit.UnitFile;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The engine's pass over a registry on a local state machine: placement written, fenced, and re-placed on loss. */
class EngineTest {
    final AtomicLong clock = new AtomicLong(1_000_000);
    final LocalStore store = new LocalStore(clock::get);
    final Registry registry = new Registry(store);
    final AtomicBoolean leader = new AtomicBoolean(true);
    final AtomicLong term = new AtomicLong(1);
    /** No grace for machines unseen since leadership here: the grace has tests of its own below. */
    final Engine engine = new Engine(registry, "n1", leader::get, term::get, new EngineMetrics(), System::nanoTime,
            java.time.Duration.ZERO);

    static UnitFile service(String extra) {
        return UnitFile.parse("[Service]\nExecStart=/bin/sleep 1000\n" + extra);
    }

    void machine(String id, String session, Map<String, String> metadata) {
        registry.register(new Presence(id, "10.0.0." + id.charAt(1), metadata, "t", session, 3));
    }

    Map<String, Long> perMachine() {
        return registry.units().stream().filter(u -> u.target() != null)
                .collect(Collectors.groupingBy(UnitRecord::target, Collectors.counting()));
    }

    @Test
    void unitsSpreadLeastLoadedAndFollowTheirMachineWhenItGoesAway() {
        machine("m1", "s1", Map.of());
        machine("m2", "s2", Map.of());
        machine("m3", "s3", Map.of());
        for (int i = 0; i < 9; i++) {
            registry.putUnit("u" + i + ".service", service("X-Ignored=" + i), DesiredState.LAUNCHED);
        }
        engine.pass();
        assertThat(perMachine()).isEqualTo(Map.of("m1", 3L, "m2", 3L, "m3", 3L));
        assertThat(registry.schedule("m2").units()).hasSize(3);

        // m1 and m3 keep heartbeating, m2 stops: after its TTL its units move
        clock.addAndGet(2_000);
        machine("m1", "s1", Map.of());
        machine("m3", "s3", Map.of());
        clock.addAndGet(1_500);
        store.tick();
        engine.pass();
        assertThat(perMachine()).containsOnlyKeys("m1", "m3").containsValues(5L, 4L);
        assertThat(registry.schedule("m2").units()).isEmpty();

        // m2 comes back: nothing is stolen back
        machine("m2", "s2b", Map.of());
        engine.pass();
        assertThat(perMachine()).containsOnlyKeys("m1", "m3");
    }

    /** Machines m1 and m2 with one unit each, placed by {@link #engine}; returns unit -> machine. */
    private Map<String, String> twoUnitsOnTwoMachines() {
        machine("m1", "s1", Map.of());
        machine("m2", "s2", Map.of());
        registry.putUnit("a.service", service(""), DesiredState.LAUNCHED);
        registry.putUnit("b.service", service("X-Ignored=b"), DesiredState.LAUNCHED);
        engine.pass();
        return registry.units().stream().collect(Collectors.toMap(UnitRecord::name, UnitRecord::target));
    }

    /** The engine of a leader that took over at {@code nanos}' zero in {@code term}, with the 30 s grace for unseen machines. */
    private Engine newLeader(long term, AtomicLong nanos) {
        return new Engine(registry, "n1", () -> true, () -> term, new EngineMetrics(), nanos::get, java.time.Duration.ofSeconds(30));
    }

    @Test
    void aNewLeaderKeepsUnitsOnMachinesItHasNotSeenYetForTheGrace() {
        Map<String, String> before = twoUnitsOnTwoMachines();

        // the whole control plane was down longer than the TTL: on its clock both presences have expired
        clock.addAndGet(10_000);
        store.tick();
        assertThat(registry.machines()).isEmpty();
        AtomicLong nanos = new AtomicLong(0);
        Engine next = newLeader(2, nanos);
        next.pass();
        assertThat(registry.units()).allSatisfy(u -> assertThat(u.target()).isEqualTo(before.get(u.name())));

        // m1 comes back within the grace and keeps its unit; m2 does not, and after the grace its unit moves to m1
        machine("m1", "s1", Map.of());
        nanos.addAndGet(java.time.Duration.ofSeconds(5).toNanos());
        next.pass();
        assertThat(registry.units()).allSatisfy(u -> assertThat(u.target()).isEqualTo(before.get(u.name())));
        nanos.addAndGet(java.time.Duration.ofSeconds(26).toNanos());
        next.pass();
        assertThat(perMachine()).isEqualTo(Map.of("m1", 2L));

        // a machine this leader has seen alive and then lost moves at once, grace or not
        machine("m3", "s3", Map.of());
        registry.putUnit("c.service", service("X-Ignored=c"), DesiredState.LAUNCHED);
        Engine third = newLeader(3, nanos);
        third.pass();
        assertThat(registry.unit("c.service").orElseThrow().target()).isEqualTo("m3");
        nanos.addAndGet(Engine.SEEN_AFTER.toNanos()); // seen alive only a little after the leader took over
        third.pass();
        clock.addAndGet(3_500);
        machine("m1", "s1", Map.of());
        store.tick();
        third.pass();
        assertThat(registry.unit("c.service").orElseThrow().target()).isEqualTo("m1");
    }

    @Test
    void presencesThatOnlyLookAliveUntilTheFirstTickDoNotCountAsSeen() {
        Map<String, String> before = twoUnitsOnTwoMachines();
        // restart after an outage: the first pass still sees both presences (no clock tick applied yet)
        AtomicLong nanos = new AtomicLong(0);
        Engine next = newLeader(2, nanos);
        next.pass();
        clock.addAndGet(10_000);
        store.tick(); // now they expire
        machine("m1", "s1", Map.of()); // m1 is back first
        nanos.addAndGet(java.time.Duration.ofSeconds(1).toNanos());
        next.pass();
        assertThat(registry.units()).allSatisfy(u -> assertThat(u.target()).as(u.name()).isEqualTo(before.get(u.name())));
    }

    @Test
    void unplaceableUnitsCarryTheirReasonUntilTheyArePlaced() {
        machine("m1", "s1", Map.of("region", "us"));
        registry.putUnit("eu.service", service("[X-Fleet]\nMachineMetadata=region=eu\n"), DesiredState.LAUNCHED);
        engine.pass();
        assertThat(registry.unit("eu.service").orElseThrow().target()).isNull();
        assertThat(registry.unplacedReason("eu.service")).get().asString().contains("region=eu");
        machine("m2", "s2", Map.of("region", "eu"));
        engine.pass();
        assertThat(registry.unit("eu.service").orElseThrow().target()).isEqualTo("m2");
        assertThat(registry.unplacedReason("eu.service")).isEmpty();
    }

    @Test
    void withoutMachinesAUnitWaitsWithAReasonAndIsPlacedWhenOneRegisters() {
        registry.putUnit("a.service", service(""), DesiredState.LAUNCHED);
        engine.pass();
        assertThat(registry.unplacedReason("a.service")).isPresent();
        machine("m1", "s1", Map.of());
        engine.pass();
        assertThat(registry.unit("a.service").orElseThrow().target()).isEqualTo("m1");
    }

    @Test
    void globalUnitsAreNeverPlacedButCountInLoads() {
        machine("m1", "s1", Map.of("role", "edge"));
        machine("m2", "s2", Map.of());
        registry.putUnit("g.service", service("[X-Fleet]\nGlobal=true\nMachineMetadata=role=edge\n"), DesiredState.LAUNCHED);
        registry.putUnit("a.service", service(""), DesiredState.LAUNCHED);
        engine.pass();
        assertThat(registry.unit("g.service").orElseThrow().target()).isNull();
        assertThat(registry.unit("a.service").orElseThrow().target()).isEqualTo("m2"); // m1 carries the global unit
    }

    @Test
    void inactiveUnitsAreUnscheduled() {
        machine("m1", "s1", Map.of());
        registry.putUnit("a.service", service(""), DesiredState.LAUNCHED);
        engine.pass();
        assertThat(registry.schedule("m1").units()).hasSize(1);
        registry.putUnit("a.service", null, DesiredState.INACTIVE);
        engine.pass();
        assertThat(registry.unit("a.service").orElseThrow().target()).isNull();
        assertThat(registry.schedule("m1").units()).isEmpty();
    }

    @Test
    void aFollowerDoesNothingAndADeposedEngineCannotWrite() {
        machine("m1", "s1", Map.of());
        registry.putUnit("a.service", service(""), DesiredState.LAUNCHED);
        leader.set(false);
        assertThat(engine.pass().leader()).isFalse();
        assertThat(registry.unit("a.service").orElseThrow().target()).isNull();

        // another engine took over (wrote its fence) while this one still believes it leads
        leader.set(true);
        engine.pass(); // claims the fence and places a.service
        Engine other = new Engine(registry, "n2", () -> true, () -> 2, new EngineMetrics());
        registry.putUnit("b.service", service("X-B=1"), DesiredState.LAUNCHED);
        other.pass();
        registry.putUnit("c.service", service("X-C=1"), DesiredState.LAUNCHED);
        Engine.PassReport stale = engine.pass();
        assertThat(stale.conflicted()).isTrue();
        assertThat(registry.unit("c.service").orElseThrow().target()).isNull();
        other.pass();
        assertThat(registry.unit("c.service").orElseThrow().target()).isEqualTo("m1");
    }

    @Test
    void aCleanDeregistrationMovesUnitsInTheNextPass() {
        machine("m1", "s1", Map.of());
        machine("m2", "s2", Map.of());
        registry.putUnit("a.service", service(""), DesiredState.LAUNCHED);
        engine.pass();
        String first = registry.unit("a.service").orElseThrow().target();
        registry.deregister(first, first.equals("m1") ? "s1" : "s2");
        engine.pass();
        assertThat(registry.unit("a.service").orElseThrow().target()).isNotNull().isNotEqualTo(first);
    }
}
