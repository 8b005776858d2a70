package dev.fleet.engine;

import dev.fleet.engine.ClusterSnapshot.Machine;
import dev.fleet.engine.ClusterSnapshot.Unit;
import dev.fleet.registry.EngineWrites;
import dev.fleet.registry.LocalStore;
import dev.fleet.schema.Presence;
import dev.fleet.registry.Registry;
import dev.fleet.registry.StorePort;
import dev.fleet.registry.UnitRecord;
import dev.fleet.store.Command;
import dev.fleet.unit.DesiredState;
import dev.fleet.unit.Requirements;
import dev.fleet.unit.UnitFile;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The engine shell writes the decisions of its plan, no more and no less; the grace is part of what is planned. */
class EngineDecisionsTest {
    final LocalStore local = new LocalStore();
    /** Every command submitted through {@link #store}. */
    final List<Command> submitted = java.util.Collections.synchronizedList(new ArrayList<>());
    /** {@link #local}, recording what is submitted to it. */
    final StorePort store = (StorePort) java.lang.reflect.Proxy.newProxyInstance(StorePort.class.getClassLoader(),
            new Class<?>[]{StorePort.class}, (proxy, method, args) -> {
                if (method.getName().equals("submit")) {
                    submitted.add((Command) args[0]);
                }
                try {
                    return method.invoke(local, args);
                } catch (java.lang.reflect.InvocationTargetException e) {
                    throw e.getCause();
                }
            });
    final Registry registry = new Registry(store);
    final Engine engine = new Engine(registry, "n1", () -> true, () -> 1, new EngineMetrics(), System::nanoTime,
            java.time.Duration.ZERO);

    static final UnitFile SLEEP = UnitFile.parse("[Service]\nExecStart=/bin/sleep 1000\n");

    void machine(String id) {
        registry.register(new Presence(id, "10.0.0.1", Map.of(), "t", "s-" + id, 30));
    }

    static List<String> keys(List<? extends Command> ops) {
        return ops.stream().map(op -> op instanceof Command.Put p ? "put " + p.key()
                : "delete " + ((Command.Delete) op).key()).toList();
    }

    @Test
    void aUnitThatMovesIsOneTransactionOffItsOldMachineAndOntoItsNew() {
        machine("m1");
        machine("m2");
        registry.putUnit("a.service", SLEEP, DesiredState.LAUNCHED);
        engine.pass();
        assertThat(registry.unit("a.service").orElseThrow().target()).isEqualTo("m1");
        registry.deregister("m1", "s-m1");
        long recordIndex = registry.unit("a.service").orElseThrow().index();

        submitted.clear();
        Engine.PassReport report = engine.pass();

        assertThat(report.moved()).isEqualTo(1);
        assertThat(submitted).singleElement().isInstanceOfSatisfying(Command.Txn.class, txn -> {
            assertThat(keys(txn.operations())).containsExactly("put /_fleet/units/a.service",
                    "delete /_fleet/schedule/m1/a.service", "put /_fleet/schedule/m2/a.service");
            assertThat(txn.conditions()).extracting(Command.Condition::key)
                    .containsExactly("/_fleet/engine/leader", "/_fleet/machines/m1", "/_fleet/units/a.service");
            assertThat(txn.conditions().get(2).prevIndex()).isEqualTo(recordIndex);
            assertThat(txn.conditions().get(1).prevExist()).isFalse(); // m1 still gone
        });
        assertThat(registry.schedule("m2").units()).extracting(Registry.ScheduledUnit::name).containsExactly("a.service");
        assertThat(registry.schedule("m1").units()).isEmpty();
    }

    @Test
    void theShellWritesTheDecisionsItIsGivenAndNothingElse() {
        machine("m1");
        machine("m2");
        registry.putUnit("a.service", SLEEP, DesiredState.LAUNCHED);
        registry.putUnit("b.service", SLEEP, DesiredState.LAUNCHED);
        registry.putUnit("c.service", SLEEP, DesiredState.LAUNCHED);
        EngineWrites writes = new EngineWrites(registry);
        long fence = writes.claimFence("test", 1);
        writes.apply(fence, registry.units(), null, List.of(new EngineWrites.Move("a.service", null, "m1"),
                new EngineWrites.Move("c.service", null, "m1")), Map.of());
        registry.putUnit("c.service", null, DesiredState.INACTIVE); // a re-diffing shell would unschedule it

        Plan plan = new Plan(Map.of("a.service", "m1", "c.service", "m1"), List.of(
                new Decision.Unschedule("a.service", "m1", "test"),
                new Decision.Schedule("a.service", "m2", "test"),
                new Decision.Unplaceable("b.service", "why not")));
        List<EngineWrites.Move> moves = Engine.moves(plan.decisions());
        assertThat(moves).containsExactly(new EngineWrites.Move("a.service", "m1", "m2"));
        EngineWrites.Applied applied = writes.apply(fence, registry.units(), Set.of("m1", "m2"), moves, plan.reasons());

        assertThat(applied.conflicted()).isFalse();
        assertThat(applied.unitsChanged()).isEqualTo(1);
        assertThat(registry.units()).extracting(UnitRecord::name, UnitRecord::target).containsExactly(
                org.assertj.core.groups.Tuple.tuple("a.service", "m2"), org.assertj.core.groups.Tuple.tuple("b.service", null),
                org.assertj.core.groups.Tuple.tuple("c.service", "m1"));
        assertThat(plan.targets()).isEqualTo(Map.of("a.service", "m2", "c.service", "m1"));
        assertThat(registry.unplacedReasons()).isEqualTo(Map.of("b.service", "why not"));

        // a unit with no Unplaceable decision any more loses its stored reason
        writes.apply(fence, registry.units(), null, List.of(), Map.of());
        assertThat(registry.unplacedReasons()).isEmpty();
    }

    @Test
    void decisionsFoldIntoOneMovePerUnitInTheOrderOfItsFirstDecision() {
        assertThat(Engine.moves(List.of(
                new Decision.Unschedule("c", "m1", ""),
                new Decision.Schedule("b", "m2", ""),
                new Decision.Unplaceable("x", ""),
                new Decision.Unschedule("a", "m1", ""),
                new Decision.Schedule("a", "m3", "")))).containsExactly(
                new EngineWrites.Move("c", "m1", null),
                new EngineWrites.Move("b", null, "m2"),
                new EngineWrites.Move("a", "m1", "m3"));
        assertThatThrownBy(() -> Engine.moves(List.of(new Decision.Schedule("a", "m1", ""),
                new Decision.Unschedule("a", "m1", "")))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Engine.moves(List.of(new Decision.Schedule("a", "m1", ""),
                new Decision.Schedule("a", "m2", "")))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unitsOnAnAwaitedMachineGetNoDecisionsUnlessTheyAreInactive() {
        Requirements none = Requirements.NONE;
        ClusterSnapshot s = new ClusterSnapshot(List.of(new Machine("m1", Map.of()), new Machine("m2", Map.of())), List.of(
                new Unit("held.service", none, DesiredState.LAUNCHED, "m9"),
                new Unit("idle.service", none, DesiredState.INACTIVE, "m9"),
                new Unit("lost.service", none, DesiredState.LAUNCHED, "m8"),
                new Unit("new.service", none, DesiredState.LAUNCHED, null)), Set.of("m9"));
        Plan p = Placement.plan(s);
        assertThat(PlacementTest.moves(p)).containsExactly("unschedule idle.service m9", "unschedule lost.service m8",
                "schedule lost.service m1", "schedule new.service m2");
        assertThat(p.targets()).isEqualTo(Map.of("held.service", "m9", "lost.service", "m1", "new.service", "m2"));
        assertThat(p.reasons()).isEmpty();

        // without the grace the same unit moves
        Plan after = Placement.plan(new ClusterSnapshot(s.machines(), s.units()));
        assertThat(PlacementTest.moves(after)).contains("unschedule held.service m9");
        assertThat(after.targets()).doesNotContainEntry("held.service", "m9");
    }

    @Test
    void theNewLeadersGraceKeepsAHeldUnitAndWritesNothingForIt() {
        machine("m1");
        machine("m2");
        registry.putUnit("a.service", SLEEP, DesiredState.LAUNCHED);
        engine.pass(); // a.service on m1
        registry.deregister("m1", "s-m1");
        java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
        Engine next = new Engine(registry, "n2", () -> true, () -> 2, new EngineMetrics(), nanos::get,
                java.time.Duration.ofSeconds(30));
        next.pass(); // claims the fence
        submitted.clear();
        Engine.PassReport report = next.pass();
        assertThat(report.moved()).isZero();
        assertThat(report.unplaced()).isZero();
        assertThat(submitted).isEmpty();
        assertThat(registry.unit("a.service").orElseThrow().target()).isEqualTo("m1");
    }
}
