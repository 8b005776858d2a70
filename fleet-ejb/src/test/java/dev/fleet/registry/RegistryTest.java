package dev.fleet.registry;

import dev.fleet.schema.Machine;
import dev.fleet.schema.Presence;
import dev.fleet.schema.UnitState;
import dev.fleet.unit.DesiredState;
import dev.fleet.unit.UnitFile;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class RegistryTest {
    final AtomicLong clock = new AtomicLong(1_000_000);
    final LocalStore store = new LocalStore(clock::get);
    final Registry registry = new Registry(store);

    static final UnitFile SLEEP = UnitFile.parse("[Service]\nExecStart=/bin/sleep 100\n");
    static final UnitFile SLEEP2 = UnitFile.parse("[Service]\nExecStart=/bin/sleep 200\n");
    static final UnitFile GLOBAL = UnitFile.parse("[Service]\nExecStart=/bin/true\n[X-Fleet]\nGlobal=true\n");

    @Test
    void putFollowsFleetsDecisionTable() {
        assertThat(registry.putUnit("a.service", null, DesiredState.LAUNCHED))
                .isEqualTo(new PutOutcome.Refused(409, "unit does not exist and options field empty"));
        assertThat(registry.putUnit("a.service", SLEEP, null)).isEqualTo(new PutOutcome.Created(false));
        assertThat(registry.unit("a.service")).get().extracting(UnitRecord::desired, UnitRecord::hash)
                .containsExactly(DesiredState.INACTIVE, "1c6fb6f3684bafb0c173d8b8b957ceff031180c1");
        assertThat(registry.body(SLEEP.hash())).contains(SLEEP);
        assertThat(registry.putUnit("a.service", SLEEP, null))
                .isEqualTo(new PutOutcome.Refused(409, "must provide DesiredState to update existing unit"));
        assertThat(registry.putUnit("a.service", SLEEP, DesiredState.LAUNCHED)).isEqualTo(new PutOutcome.Updated());
        assertThat(registry.putUnit("a.service", null, DesiredState.LOADED)).isEqualTo(new PutOutcome.Updated());
        assertThat(registry.unit("a.service").orElseThrow().desired()).isEqualTo(DesiredState.LOADED);
        // new contents replace the unit; without a desired state it becomes inactive, as fleet
        assertThat(registry.putUnit("a.service", SLEEP2, null)).isEqualTo(new PutOutcome.Created(true));
        assertThat(registry.unit("a.service").orElseThrow().desired()).isEqualTo(DesiredState.INACTIVE);
    }

    @Test
    void templatesCannotBeActivated() {
        assertThat(registry.putUnit("web@.service", SLEEP, DesiredState.LAUNCHED))
                .isEqualTo(new PutOutcome.Refused(400, "cannot activate template \"web@.service\""));
        assertThat(registry.unit("web@.service")).isEmpty();
        assertThat(registry.putUnit("web@.service", SLEEP, null)).isEqualTo(new PutOutcome.Created(false));
        assertThat(registry.putUnit("web@.service", null, DesiredState.LOADED))
                .isEqualTo(new PutOutcome.Refused(400, "cannot activate template \"web@.service\""));
    }

    @Test
    void destroyRemovesTheUnitItsScheduleEntryAndItsGlobalMirror() {
        registry.putUnit("g.service", GLOBAL, DesiredState.LAUNCHED);
        registry.putUnit("a.service", SLEEP, DesiredState.LAUNCHED);
        schedule("a.service", "m1");
        assertThat(registry.schedule("m1").units()).extracting(Registry.ScheduledUnit::name)
                .containsExactly("a.service", "g.service");
        assertThat(registry.destroy("a.service")).isTrue();
        assertThat(registry.destroy("g.service")).isTrue();
        assertThat(registry.destroy("g.service")).isFalse();
        assertThat(registry.schedule("m1").units()).isEmpty();
        assertThat(registry.units()).isEmpty();
    }

    @Test
    void aReplacedUnitKeepsItsMachineAndTheScheduleCarriesTheNewHash() {
        registry.putUnit("a.service", SLEEP, DesiredState.LAUNCHED);
        schedule("a.service", "m1");
        registry.putUnit("a.service", SLEEP2, DesiredState.LAUNCHED);
        assertThat(registry.unit("a.service").orElseThrow().target()).isEqualTo("m1");
        assertThat(registry.schedule("m1").units()).singleElement()
                .satisfies(u -> assertThat(u.hash()).isEqualTo(SLEEP2.hash()))
                .satisfies(u -> assertThat(u.contents()).isEqualTo(SLEEP2));
    }

    @Test
    void aSecondAgentWithTheSameMachineIdIsRefusedWhileTheFirstIsAlive() {
        assertThat(registry.register(machine("m1", "s1", 3))).isInstanceOf(Registry.Registration.Registered.class);
        assertThat(registry.register(machine("m1", "s1", 3))).isInstanceOf(Registry.Registration.Refreshed.class);
        assertThat(registry.register(machine("m1", "s2", 3))).isInstanceOf(Registry.Registration.Refused.class);
        clock.addAndGet(3_001);
        store.tick();
        assertThat(registry.machines()).isEmpty();
        assertThat(registry.register(machine("m1", "s2", 3))).isInstanceOf(Registry.Registration.Registered.class);
    }

    @Test
    void heartbeatsKeepAMachineAliveAndDoNotWakeItsWatchers() {
        registry.register(machine("m1", "s1", 3));
        List<Long> wakes = new ArrayList<>();
        store.watch("/_fleet/machines", true, store.index() + 1, r -> wakes.add(r.index()));
        for (int i = 0; i < 5; i++) {
            clock.addAndGet(2_000);
            registry.register(machine("m1", "s1", 3));
            store.tick();
        }
        assertThat(registry.machines()).extracting(Machine::id).containsExactly("m1");
        assertThat(wakes).isEmpty();
    }

    @Test
    void metadataIsStaticMergedWithDynamicAndTombstonesDelete() {
        registry.register(new Presence("m1", "10.0.0.1", Map.of("region", "eu", "disk", "ssd"), "1", "s", 30));
        registry.patchMetadata(List.of(new Registry.MetadataChange("m1", "region", "us"),
                new Registry.MetadataChange("m1", "disk", null), new Registry.MetadataChange("m1", "rack", "7")));
        assertThat(registry.machines()).singleElement().extracting(Machine::metadata)
                .isEqualTo(Map.of("region", "us", "rack", "7"));
    }

    @Test
    void agentPortResultAndInvocationIdRoundTripAndOldRecordsStillDecode() {
        registry.register(new Presence("m1", "10.0.0.1", Map.of(), "1", "s", 30, 4011));
        assertThat(registry.machineRecord("m1").orElseThrow().agentPort()).isEqualTo(4011);
        assertThat(dev.fleet.schema.Codec.readStoredPresence("{\"id\":\"m2\",\"publicIP\":\"\",\"metadata\":{},\"ttl\":30}").agentPort()).isZero();
        // a presence without a port encodes exactly as before the field existed (heartbeats compare values)
        assertThat(dev.fleet.schema.Codec.storedPresence(new Presence("m3", "", Map.of(), "", "s", 30))).doesNotContain("agentPort");
        registry.reportStates("m1", "s", List.of(new UnitState("a.service", "m1", SLEEP.hash(), "loaded", "failed", "failed",
                true, "exit-code", "0123456789abcdef0123456789abcdef")), List.of());
        UnitState a = registry.state("a.service", "m1").orElseThrow();
        assertThat(a.result()).isEqualTo("exit-code");
        assertThat(a.invocationId()).isEqualTo("0123456789abcdef0123456789abcdef");
        assertThat(dev.fleet.schema.Codec.readStoredState("{\"hash\":\"h\",\"launched\":true}", "b.service", "m1").result()).isEmpty();
    }

    @Test
    void currentStateComesFromTheTargetsReport() {
        registry.register(machine("m1", "s1", 30));
        registry.putUnit("a.service", SLEEP, DesiredState.LAUNCHED);
        assertThat(registry.currentState(registry.unit("a.service").orElseThrow())).isEqualTo("inactive");
        schedule("a.service", "m1");
        assertThat(registry.currentState(registry.unit("a.service").orElseThrow())).isEqualTo("inactive");
        assertThat(registry.reportStates("m1", "s1", List.of(state("a.service", "m1", false)), List.of())).isTrue();
        assertThat(registry.currentState(registry.unit("a.service").orElseThrow())).isEqualTo("loaded");
        registry.reportStates("m1", "s1", List.of(state("a.service", "m1", true)), List.of());
        assertThat(registry.currentState(registry.unit("a.service").orElseThrow())).isEqualTo("launched");
        assertThat(registry.reportStates("m1", "other-session", List.of(), List.of("a.service"))).isFalse();
        registry.reportStates("m1", "s1", List.of(), List.of("a.service"));
        assertThat(registry.states()).isEmpty();
    }

    @Test
    void aRestartIsANewLaunchAndCurrentStateWaitsForIt() {
        registry.register(machine("m1", "s1", 30));
        registry.putUnit("a.service", SLEEP, DesiredState.LAUNCHED);
        schedule("a.service", "m1");
        assertThat(registry.unit("a.service").orElseThrow().launch()).isEqualTo(1);
        registry.reportStates("m1", "s1", List.of(launchedUnder("a.service", 1)), List.of());
        assertThat(registry.currentState(registry.unit("a.service").orElseThrow())).isEqualTo("launched");

        // fleet's restart: loaded (the same launch: still launched until the agent stops it), then launched again
        registry.putUnit("a.service", null, DesiredState.LOADED);
        assertThat(registry.unit("a.service").orElseThrow().launch()).isEqualTo(1);
        assertThat(registry.currentState(registry.unit("a.service").orElseThrow())).isEqualTo("launched");
        registry.putUnit("a.service", null, DesiredState.LAUNCHED);
        UnitRecord u = registry.unit("a.service").orElseThrow();
        assertThat(u.launch()).isEqualTo(2);
        assertThat(registry.schedule("m1").units()).extracting(Registry.ScheduledUnit::launch).containsExactly(2L);
        assertThat(registry.currentState(u)).as("the run of launch 1 is not the one asked for").isEqualTo("loaded");
        registry.reportStates("m1", "s1", List.of(launchedUnder("a.service", 2)), List.of());
        assertThat(registry.currentState(u)).isEqualTo("launched");
        // launched again while launched is no new launch; a report without a launch number counts for any
        registry.putUnit("a.service", null, DesiredState.LAUNCHED);
        assertThat(registry.unit("a.service").orElseThrow().launch()).isEqualTo(2);
        registry.reportStates("m1", "s1", List.of(state("a.service", "m1", true)), List.of());
        assertThat(registry.currentState(registry.unit("a.service").orElseThrow())).isEqualTo("launched");
    }

    @Test
    void unitRecordsWithoutALaunchNumberStillRead() {
        UnitRecord old = UnitRecord.decode("a.service", SLEEP.hash() + " launched m1 -", 7);
        assertThat(old.launch()).isZero();
        assertThat(old.target()).isEqualTo("m1");
        assertThat(UnitRecord.decode("a.service", old.withDesired(DesiredState.LOADED).withDesired(DesiredState.LAUNCHED).encode(), 8)
                .launch()).isEqualTo(1);
    }

    static UnitState launchedUnder(String unit, long launch) {
        return new UnitState(unit, "m1", SLEEP.hash(), "loaded", "active", "running", true, "", "", launch);
    }

    @Test
    void deregisteringRemovesThePresenceAndOnlyThatMachinesStates() {
        registry.register(machine("m1", "s1", 30));
        registry.register(machine("m2", "s2", 30));
        registry.reportStates("m1", "s1", List.of(state("a.service", "m1", true)), List.of());
        registry.reportStates("m2", "s2", List.of(state("a.service", "m2", true)), List.of());
        assertThat(registry.deregister("m1", "wrong")).isFalse();
        assertThat(registry.deregister("m1", "s1")).isTrue();
        assertThat(registry.machines()).extracting(Machine::id).containsExactly("m2");
        assertThat(registry.states()).extracting(UnitState::machineId).containsExactly("m2");
    }

    @Test
    void aScheduleWatchWakesOnlyForItsOwnMachine() {
        registry.putUnit("a.service", SLEEP, DesiredState.LAUNCHED);
        registry.putUnit("b.service", SLEEP2, DesiredState.LAUNCHED);
        List<String> woke = new ArrayList<>();
        long index = store.index();
        registry.watchSchedule("m1", index, i -> woke.add("m1"));
        registry.watchSchedule("m2", index, i -> woke.add("m2"));
        schedule("b.service", "m2");
        assertThat(woke).containsExactly("m2");
        registry.putUnit("g.service", GLOBAL, DesiredState.LAUNCHED); // a global unit concerns everyone
        assertThat(woke).containsExactly("m2", "m1");
    }

    @Test
    void aScheduleWatchFromAnOldIndexAnswersAtOnce() {
        long before = store.index();
        registry.putUnit("a.service", SLEEP, DesiredState.LAUNCHED);
        schedule("a.service", "m1");
        List<Long> woke = new ArrayList<>();
        registry.watchSchedule("m1", before, woke::add);
        assertThat(woke).hasSize(1);
    }

    @Test
    void unusedBodiesAreCollectedButNotOnesInUse() {
        registry.putUnit("a.service", SLEEP, null);
        registry.putUnit("b.service", SLEEP2, null);
        registry.destroy("b.service");
        EngineWrites writes = new EngineWrites(registry);
        long fence = writes.claimFence("test", 1);
        assertThat(writes.collectBodies(fence)).isEqualTo(1);
        assertThat(store.read("/_fleet/bodies/" + SLEEP.hash(), false)).isInstanceOf(dev.fleet.store.Result.Event.class);
        assertThat(store.read("/_fleet/bodies/" + SLEEP2.hash(), false)).isInstanceOf(dev.fleet.store.StoreError.class);
    }

    @Test
    void anEngineDecisionFailsOnceAnotherEngineHasWrittenTheFence() {
        registry.putUnit("a.service", SLEEP, DesiredState.LAUNCHED);
        EngineWrites old = new EngineWrites(registry);
        long oldFence = old.claimFence("node1", 1);
        long newFence = new EngineWrites(registry).claimFence("node2", 2);
        var applied = old.apply(oldFence, registry.units(), null, List.of(new EngineWrites.Move("a.service", null, "m1")), Map.of());
        assertThat(applied.conflicted()).isTrue();
        assertThat(registry.unit("a.service").orElseThrow().target()).isNull();
        assertThat(old.fenceHeld(oldFence)).isFalse();
        assertThat(new EngineWrites(registry).apply(newFence, registry.units(), null,
                List.of(new EngineWrites.Move("a.service", null, "m1")), Map.of()).conflicted()).isFalse();
        assertThat(registry.unit("a.service").orElseThrow().target()).isEqualTo("m1");
    }

    @Test
    void aMoveOffAGoneMachineFailsIfItRegisteredAgainMeanwhile() {
        registry.register(machine("m1", "s1", 30));
        registry.putUnit("a.service", SLEEP, DesiredState.LAUNCHED);
        schedule("a.service", "m1");
        registry.deregister("m1", "s1");
        var units = registry.units(); // the engine's snapshot: m1 is gone
        registry.register(machine("m1", "s1b", 30)); // ...and back before the decision commits
        EngineWrites w = new EngineWrites(registry);
        long fence = w.claimFence("test", 1);
        assertThat(w.apply(fence, units, java.util.Set.of("m2"), List.of(new EngineWrites.Move("a.service", "m1", "m2")), Map.of())
                .conflicted()).isTrue();
        assertThat(registry.unit("a.service").orElseThrow().target()).isEqualTo("m1");
    }

    @Test
    void statesGoWithTheirMachinesPresence() {
        registry.register(machine("m1", "s1", 3));
        registry.reportStates("m1", "s1", List.of(state("a.service", "m1", true)), List.of());
        clock.addAndGet(3_001);
        store.tick();
        assertThat(registry.states()).isEmpty();
        EngineWrites w = new EngineWrites(registry);
        assertThat(w.collectStates(w.claimFence("test", 1), java.util.Set.of())).isEqualTo(1);
        assertThat(store.read("/_fleet/states/m1", false)).isInstanceOf(dev.fleet.store.StoreError.class);
    }

    @Test
    void unitsArePagedWithoutReadingThemAll() {
        for (int i = 0; i < 25; i++) {
            registry.putUnit(String.format("u%02d.service", i), SLEEP, null);
        }
        Registry.UnitPage page = registry.units(20, 10);
        assertThat(page.total()).isEqualTo(25);
        assertThat(page.units()).extracting(UnitRecord::name).containsExactly("u20.service", "u21.service", "u22.service",
                "u23.service", "u24.service");
    }

    @Test
    void putEngineMovesAndDestroyNeverLeaveAScheduleEntryOrMirrorWithoutItsRecord() {
        EngineWrites w = new EngineWrites(registry);
        long fence = w.claimFence("test", 1);
        List<Runnable> steps = List.of(
                () -> registry.putUnit("a.service", SLEEP, DesiredState.LAUNCHED),
                () -> registry.putUnit("g.service", GLOBAL, DesiredState.LAUNCHED),
                () -> move(w, fence, "a.service", null, "m1"),
                () -> registry.putUnit("a.service", null, DesiredState.LOADED), // the entry carries the desired state
                () -> registry.putUnit("a.service", SLEEP2, DesiredState.LAUNCHED), // ...and the new hash
                () -> move(w, fence, "a.service", "m1", "m2"),
                () -> registry.putUnit("g.service", SLEEP, DesiredState.LAUNCHED), // no longer global: mirror goes
                () -> move(w, fence, "g.service", null, "m1"),
                () -> move(w, fence, "a.service", "m2", null),
                () -> move(w, fence, "a.service", null, "m3"),
                () -> registry.destroy("a.service"),
                () -> registry.putUnit("g.service", GLOBAL, DesiredState.LAUNCHED), // global again: off m1
                () -> registry.destroy("g.service"));
        for (int i = 0; i < steps.size(); i++) {
            steps.get(i).run();
            assertThat(scheduleKeysAsRecordsImplyThem()).as("after step %d", i).isEqualTo(scheduleKeysStored());
        }
        assertThat(scheduleKeysStored()).isEmpty();
    }

    private void move(EngineWrites w, long fence, String unit, String from, String to) {
        assertThat(w.apply(fence, registry.units(), null, List.of(new EngineWrites.Move(unit, from, to)), Map.of())
                .conflicted()).isFalse();
    }

    /** Every schedule entry and global mirror in the store, key -> value. */
    private Map<String, String> scheduleKeysStored() {
        Map<String, String> out = new java.util.TreeMap<>();
        for (var machine : registry.children(Keys.SCHEDULE)) {
            if (machine.nodes() != null) {
                machine.nodes().forEach(n -> out.put(n.key(), n.value()));
            }
        }
        registry.children(Keys.GLOBAL).forEach(n -> out.put(n.key(), n.value()));
        return out;
    }

    /** The schedule entries and global mirrors the stored unit records call for, key -> value. */
    private Map<String, String> scheduleKeysAsRecordsImplyThem() {
        Map<String, String> out = new java.util.TreeMap<>();
        for (UnitRecord u : registry.units()) {
            if (u.target() != null) {
                out.put(Keys.schedule(u.target(), u.name()), u.scheduleEntry());
            }
            if (u.global()) {
                out.put(Keys.global(u.name()), u.scheduleEntry());
            }
        }
        return out;
    }

    @Test
    void aMoveMustStartWhereTheSnapshotsRecordIs() {
        registry.putUnit("a.service", SLEEP, DesiredState.LAUNCHED);
        schedule("a.service", "m1");
        EngineWrites w = new EngineWrites(registry);
        long fence = w.claimFence("test", 1);
        var wrong = List.of(new EngineWrites.Move("a.service", "m2", "m3"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> w.apply(fence, registry.units(), null, wrong, Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(registry.unit("a.service").orElseThrow().target()).isEqualTo("m1");
    }

    private void schedule(String unit, String machine) {
        EngineWrites w = new EngineWrites(registry);
        long fence = w.claimFence("test", 1);
        String from = registry.unit(unit).orElseThrow().target();
        assertThat(w.apply(fence, registry.units(), null, List.of(new EngineWrites.Move(unit, from, machine)), Map.of())
                .conflicted()).isFalse();
    }

    static Presence machine(String id, String session, long ttl) {
        return new Presence(id, "10.0.0.1", Map.of(), "test", session, ttl);
    }

    static UnitState state(String unit, String machine, boolean launched) {
        return new UnitState(unit, machine, SLEEP.hash(), "loaded", launched ? "active" : "inactive",
                launched ? "running" : "dead", launched);
    }
}
