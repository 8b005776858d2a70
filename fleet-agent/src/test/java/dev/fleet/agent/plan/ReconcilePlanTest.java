package dev.fleet.agent.plan;

import dev.fleet.unit.DesiredState;
import dev.fleet.unit.UnitFile;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.fleet.unit.DesiredState.INACTIVE;
import static dev.fleet.unit.DesiredState.LAUNCHED;
import static dev.fleet.unit.DesiredState.LOADED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

class ReconcilePlanTest {

    static final UnitFile SLEEP = UnitFile.parse("[Service]\nExecStart=/bin/sleep 100\n");
    static final UnitFile OTHER = UnitFile.parse("[Service]\nExecStart=/bin/sleep 200\n");
    static final UnitFile INSTALL = UnitFile.parse("[Service]\nExecStart=/bin/true\n\n[Install]\nWantedBy=app.service\n");

    static DesiredUnit want(String name, DesiredState state) {
        return DesiredUnit.of(name, state, SLEEP);
    }

    static DesiredSet set(DesiredUnit... units) {
        return DesiredSet.of("m1", Map.of(), List.of(units));
    }

    static Map<String, CurrentUnit> have(CurrentUnit... units) {
        Map<String, CurrentUnit> m = new LinkedHashMap<>();
        Arrays.stream(units).forEach(u -> m.put(u.name(), u));
        return m;
    }

    static CurrentUnit cached(String name, DesiredState state) {
        return CurrentUnit.cached(name, SLEEP.hash(), state);
    }

    static List<String> kinds(List<Task> tasks) {
        return tasks.stream().map(t -> t.kind() + (t.unitName() == null ? "" : " " + t.unitName())).toList();
    }

    @Test
    void nothingDesiredNothingPresentGivesNoTask() {
        assertThat(ReconcilePlan.plan(set(), have())).isEmpty();
    }

    @Test
    void notDesiredButPresentIsUnloaded() {
        List<Task> tasks = ReconcilePlan.plan(set(), have(cached("a.service", LAUNCHED)));
        assertThat(kinds(tasks)).containsExactly("UNLOAD a.service", "RELOAD_UNIT_FILES");
        assertThat(tasks.get(0).reason()).isEqualTo("unit not scheduled here");
    }

    @Test
    void desiredInactiveButPresentIsUnloaded() {
        List<Task> tasks = ReconcilePlan.plan(set(want("a.service", INACTIVE)), have(cached("a.service", LOADED)));
        assertThat(kinds(tasks)).containsExactly("UNLOAD a.service", "RELOAD_UNIT_FILES");
        assertThat(tasks.get(0).reason()).isEqualTo("desired state inactive");
    }

    @Test
    void desiredInactiveAndAbsentGivesNoTask() {
        assertThat(ReconcilePlan.plan(set(want("a.service", INACTIVE)), have())).isEmpty();
    }

    @Test
    void desiredLoadedButAbsentIsLoaded() {
        List<Task> tasks = ReconcilePlan.plan(set(want("a.service", LOADED)), have());
        assertThat(kinds(tasks)).containsExactly("LOAD a.service", "RELOAD_UNIT_FILES");
        Task.Load load = (Task.Load) tasks.get(0);
        assertThat(load.contents()).isEqualTo(SLEEP);
        assertThat(load.hash()).isEqualTo(SLEEP.hash());
        assertThat(load.enable()).isFalse();
    }

    @Test
    void desiredLaunchedButAbsentIsLoadedAndStarted() {
        List<Task> tasks = ReconcilePlan.plan(set(want("a.service", LAUNCHED)), have());
        assertThat(kinds(tasks)).containsExactly("LOAD a.service", "RELOAD_UNIT_FILES", "START a.service");
    }

    @Test
    void hashChangeUnloadsLoadsAndStarts() {
        DesiredUnit d = DesiredUnit.of("a.service", LAUNCHED, OTHER);
        List<Task> tasks = ReconcilePlan.plan(set(d), have(cached("a.service", LAUNCHED)));
        assertThat(kinds(tasks)).containsExactly("UNLOAD a.service", "LOAD a.service", "RELOAD_UNIT_FILES", "START a.service");
        assertThat(tasks.get(0).reason()).isEqualTo("hash changed from 1c6fb6f to " + OTHER.shortHash());
        assertThat(((Task.Load) tasks.get(1)).contents()).isEqualTo(OTHER);
    }

    @Test
    void hashChangeOfLoadedUnitDoesNotStart() {
        DesiredUnit d = DesiredUnit.of("a.service", LOADED, OTHER);
        assertThat(kinds(ReconcilePlan.plan(set(d), have(cached("a.service", LOADED)))))
                .containsExactly("UNLOAD a.service", "LOAD a.service", "RELOAD_UNIT_FILES");
    }

    @Test
    void hashChangeAfterRestartEvenIfRunningReplacesTheUnit() {
        DesiredUnit d = DesiredUnit.of("a.service", LAUNCHED, OTHER);
        CurrentUnit c = CurrentUnit.onDisk("a.service", SLEEP.hash(), "active");
        assertThat(kinds(ReconcilePlan.plan(set(d), have(c))))
                .containsExactly("UNLOAD a.service", "LOAD a.service", "RELOAD_UNIT_FILES", "START a.service");
    }

    @Test
    void currentInactiveUnknownToSystemdDesiredLoadedIsLoaded() {
        List<Task> tasks = ReconcilePlan.plan(set(want("a.service", LOADED)), have(CurrentUnit.onDisk("a.service", SLEEP.hash(), null)));
        assertThat(kinds(tasks)).containsExactly("LOAD a.service", "RELOAD_UNIT_FILES");
    }

    @Test
    void currentInactiveUnknownToSystemdDesiredLaunchedIsLoadedThenStarted() {
        List<Task> tasks = ReconcilePlan.plan(set(want("a.service", LAUNCHED)), have(CurrentUnit.onDisk("a.service", SLEEP.hash(), null)));
        assertThat(kinds(tasks)).containsExactly("LOAD a.service", "RELOAD_UNIT_FILES", "START a.service");
    }

    @Test
    void currentLoadedDesiredLaunchedIsStarted() {
        List<Task> tasks = ReconcilePlan.plan(set(want("a.service", LAUNCHED)), have(cached("a.service", LOADED)));
        assertThat(tasks).extracting(Task::kind, Task::unitName, Task::reason)
                .containsExactly(tuple(Task.Kind.START, "a.service", "desired state launched, current loaded"));
    }

    @Test
    void currentLaunchedDesiredLoadedIsStopped() {
        List<Task> tasks = ReconcilePlan.plan(set(want("a.service", LOADED)), have(cached("a.service", LAUNCHED)));
        assertThat(tasks).extracting(Task::kind, Task::unitName, Task::reason)
                .containsExactly(tuple(Task.Kind.STOP, "a.service", "desired state loaded, current launched"));
    }

    @Test
    void aLaterLaunchOfARunningUnitIsARestart() {
        DesiredUnit again = new DesiredUnit("a.service", SLEEP.hash(), LAUNCHED, SLEEP, false, 3);
        List<Task> tasks = ReconcilePlan.plan(set(again), have(CurrentUnit.cached("a.service", SLEEP.hash(), LAUNCHED, 2)));
        assertThat(kinds(tasks)).containsExactly("STOP a.service", "START a.service");
        assertThat(tasks.get(0).reason()).isEqualTo("launch 3 desired, running launch 2: restart");
    }

    @Test
    void theSameLaunchOrAnUnknownOneIsNoRestart() {
        DesiredUnit d = new DesiredUnit("a.service", SLEEP.hash(), LAUNCHED, SLEEP, false, 3);
        assertThat(ReconcilePlan.plan(set(d), have(CurrentUnit.cached("a.service", SLEEP.hash(), LAUNCHED, 3)))).isEmpty();
        // launch unknown (0): an agent that adopted the unit, or a control plane without launch numbers
        assertThat(ReconcilePlan.plan(set(d), have(CurrentUnit.cached("a.service", SLEEP.hash(), LAUNCHED, 0)))).isEmpty();
        assertThat(ReconcilePlan.plan(set(want("a.service", LAUNCHED)), have(CurrentUnit.cached("a.service", SLEEP.hash(), LAUNCHED, 2))))
                .isEmpty();
    }

    @Test
    void equalStatesGiveNoTask() {
        assertThat(ReconcilePlan.plan(set(want("a.service", LOADED)), have(cached("a.service", LOADED)))).isEmpty();
        assertThat(ReconcilePlan.plan(set(want("a.service", LAUNCHED)), have(cached("a.service", LAUNCHED)))).isEmpty();
    }

    @Test
    void cachedLaunchedUnitThatSystemdReportsFailedIsNotRestarted() {
        CurrentUnit c = new CurrentUnit("a.service", SLEEP.hash(), LAUNCHED, "failed");
        assertThat(ReconcilePlan.plan(set(want("a.service", LAUNCHED)), have(c))).isEmpty();
    }

    @Test
    void agentRestartWithRunningUnitGivesNoTask() {
        for (String active : List.of("active", "activating", "reloading")) {
            CurrentUnit c = CurrentUnit.onDisk("a.service", SLEEP.hash(), active);
            assertThat(ReconcilePlan.plan(set(want("a.service", LAUNCHED)), have(c))).as(active).isEmpty();
        }
    }

    @Test
    void agentRestartWithStoppedUnitOnlyStartsIt() {
        for (String active : List.of("inactive", "failed", "deactivating")) {
            CurrentUnit c = CurrentUnit.onDisk("a.service", SLEEP.hash(), active);
            List<Task> tasks = ReconcilePlan.plan(set(want("a.service", LAUNCHED)), have(c));
            assertThat(kinds(tasks)).as(active).containsExactly("START a.service");
            assertThat(tasks.get(0).reason()).isEqualTo("desired state launched, current inactive, systemd " + active);
        }
    }

    @Test
    void agentRestartWithLinkedStoppedUnitDesiredLoadedGivesNoTask() {
        CurrentUnit c = CurrentUnit.onDisk("a.service", SLEEP.hash(), "inactive");
        assertThat(ReconcilePlan.plan(set(want("a.service", LOADED)), have(c))).isEmpty();
    }

    @Test
    void agentRestartWithRunningUnitDesiredLoadedStopsIt() {
        CurrentUnit c = CurrentUnit.onDisk("a.service", SLEEP.hash(), "active");
        assertThat(kinds(ReconcilePlan.plan(set(want("a.service", LOADED)), have(c)))).containsExactly("STOP a.service");
    }

    @Test
    void agentRestartWithUnitNoLongerScheduledUnloadsIt() {
        CurrentUnit c = CurrentUnit.onDisk("a.service", SLEEP.hash(), "active");
        assertThat(kinds(ReconcilePlan.plan(set(), have(c)))).containsExactly("UNLOAD a.service", "RELOAD_UNIT_FILES");
    }

    @Test
    void installSectionSetsEnable() {
        DesiredUnit d = DesiredUnit.of("side.service", LOADED, INSTALL);
        List<Task> tasks = ReconcilePlan.plan(set(d), have());
        assertThat(((Task.Load) tasks.get(0)).enable()).isTrue();
    }

    @Test
    void tasksAreOrderedByKindThenNameWithOneReload() {
        DesiredSet desired = set(
                want("z-new.service", LAUNCHED),      // Load, Start
                want("a-new.service", LOADED),        // Load
                want("m-stop.service", LOADED),       // Stop
                want("b-start.service", LAUNCHED),    // Start
                DesiredUnit.of("c-changed.service", LAUNCHED, OTHER), // Unload, Load, Start
                want("k-same.service", LAUNCHED));    // nothing
        Map<String, CurrentUnit> current = have(
                cached("y-gone.service", LAUNCHED),   // Unload
                cached("m-stop.service", LAUNCHED),
                cached("b-start.service", LOADED),
                cached("c-changed.service", LAUNCHED),
                cached("k-same.service", LAUNCHED),
                cached("d-gone.service", LOADED));    // Unload
        List<Task> tasks = ReconcilePlan.plan(desired, current);
        assertThat(kinds(tasks)).containsExactly(
                "UNLOAD c-changed.service", "UNLOAD d-gone.service", "UNLOAD y-gone.service",
                "LOAD a-new.service", "LOAD c-changed.service", "LOAD z-new.service",
                "RELOAD_UNIT_FILES",
                "STOP m-stop.service",
                "START b-start.service", "START c-changed.service", "START z-new.service");
        assertThat(tasks).filteredOn(t -> t instanceof Task.ReloadUnitFiles).singleElement()
                .extracting(Task::reason)
                .isEqualTo("unit files changed: a-new.service, c-changed.service, d-gone.service, y-gone.service, z-new.service");
    }

    @Test
    void noReloadWithoutLoadOrUnload() {
        List<Task> tasks = ReconcilePlan.plan(
                set(want("a.service", LAUNCHED), want("b.service", LOADED)),
                have(cached("a.service", LOADED), cached("b.service", LAUNCHED)));
        assertThat(kinds(tasks)).containsExactly("STOP b.service", "START a.service");
    }

    @Test
    void currentMapIsNotModifiedAndPlanIsImmutable() {
        Map<String, CurrentUnit> current = have(cached("a.service", LAUNCHED));
        List<Task> tasks = ReconcilePlan.plan(set(), current);
        assertThat(current).hasSize(1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> tasks.add(new Task.Stop("x.service", "x")))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
