package dev.fleet.agent.plan;

import dev.fleet.unit.UnitFile;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.fleet.unit.DesiredState.INACTIVE;
import static dev.fleet.unit.DesiredState.LAUNCHED;
import static dev.fleet.unit.DesiredState.LOADED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DesiredSetTest {

    static final String MACHINE = "0123456789abcdef0123456789abcdef";

    static DesiredUnit unit(String name, String xfleet) {
        return DesiredUnit.of(name, LAUNCHED, UnitFile.parse("[Service]\nExecStart=/bin/sleep 1\n\n[X-Fleet]\n" + xfleet));
    }

    static DesiredUnit global(String name, String more) {
        return unit(name, "Global=true\n" + more);
    }

    static List<String> names(DesiredSet s) {
        return s.units().stream().map(DesiredUnit::name).toList();
    }

    @Test
    void globalFlagIsReadFromXFleet() {
        assertThat(global("g.service", "").global()).isTrue();
        assertThat(unit("g.service", "Global=false\n").global()).isFalse();
        assertThat(unit("g.service", "Global=false\nGlobal=yes\n").global()).isTrue();
    }

    @Test
    void nonGlobalUnitsAreKeptAsGivenInNameOrder() {
        DesiredSet s = DesiredSet.of(MACHINE, Map.of(), List.of(
                unit("b.service", ""), unit("a.service", "Conflicts=b.service\n")));
        assertThat(names(s)).containsExactly("a.service", "b.service");
        assertThat(s.skipped()).isEmpty();
    }

    @Test
    void globalUnitWithMatchingMetadataIsAccepted() {
        DesiredSet s = DesiredSet.of(MACHINE, Map.of("region", "eu", "disk", "ssd"), List.of(
                global("g.service", "MachineMetadata=region=eu\nMachineMetadata=disk=ssd\n"),
                global("h.service", "MachineMetadata=\"region=us\" \"region=eu\"\n")));
        assertThat(names(s)).containsExactly("g.service", "h.service");
        assertThat(s.skipped()).isEmpty();
    }

    @Test
    void globalUnitWithMismatchingMetadataIsSkippedWithReason() {
        DesiredSet s = DesiredSet.of(MACHINE, Map.of("region", "us"), List.of(
                global("g.service", "MachineMetadata=region=eu\n"),
                global("h.service", "MachineMetadata=disk=ssd\n")));
        assertThat(names(s)).isEmpty();
        assertThat(s.skipped()).containsOnlyKeys("g.service", "h.service");
        assertThat(s.skipped().get("g.service")).contains("MachineMetadata").contains("region");
    }

    @Test
    void globalUnitWithOtherMachineIdIsSkipped() {
        DesiredSet s = DesiredSet.of(MACHINE, Map.of(), List.of(
                global("mine.service", "MachineID=" + MACHINE + "\n"),
                global("short.service", "MachineID=01234567\n"),
                global("other.service", "MachineID=ffffffffffffffffffffffffffffffff\n")));
        assertThat(names(s)).containsExactly("mine.service", "short.service");
        assertThat(s.skipped()).containsOnlyKeys("other.service");
        assertThat(s.skipped().get("other.service")).startsWith("requires machine ffffffff");
    }

    @Test
    void conflictingGlobalsResolvedInNameOrderFirstWins() {
        DesiredSet s = DesiredSet.of(MACHINE, Map.of(), List.of(
                global("b.service", "Conflicts=a.service\n"),
                global("a.service", "Conflicts=b.service\n"),
                global("c.service", "")));
        assertThat(names(s)).containsExactly("a.service", "c.service");
        assertThat(s.skipped()).containsExactly(Map.entry("b.service", "conflicts with a.service"));
    }

    @Test
    void conflictIsCheckedInBothDirections() {
        // only the earlier unit declares the conflict
        DesiredSet s = DesiredSet.of(MACHINE, Map.of(), List.of(
                global("a.service", "Conflicts=b*.service\n"),
                global("b1.service", "")));
        assertThat(names(s)).containsExactly("a.service");
        assertThat(s.skipped()).containsExactly(Map.entry("b1.service", "a.service conflicts with it"));
    }

    @Test
    void globalConflictingWithMachineUnitIsSkippedEvenIfEarlierByName() {
        DesiredSet s = DesiredSet.of(MACHINE, Map.of(), List.of(
                global("a-global.service", "Conflicts=web.service\n"),
                unit("web.service", "")));
        assertThat(names(s)).containsExactly("web.service");
        assertThat(s.skipped()).containsExactly(Map.entry("a-global.service", "conflicts with web.service"));
    }

    @Test
    void skippedGlobalDoesNotBlockLaterOnes() {
        DesiredSet s = DesiredSet.of(MACHINE, Map.of("region", "us"), List.of(
                global("a.service", "MachineMetadata=region=eu\nConflicts=b.service\n"),
                global("b.service", "")));
        assertThat(names(s)).containsExactly("b.service");
        assertThat(s.skipped()).containsOnlyKeys("a.service");
    }

    @Test
    void inactiveUnitsAreKeptButDoNotTakePartInConflicts() {
        DesiredUnit inactive = DesiredUnit.of("a.service", INACTIVE,
                UnitFile.parse("[Service]\nExecStart=/bin/true\n\n[X-Fleet]\nConflicts=g.service\n"));
        DesiredSet s = DesiredSet.of(MACHINE, Map.of(), List.of(inactive, global("g.service", "")));
        assertThat(names(s)).containsExactly("a.service", "g.service");
        assertThat(s.skipped()).isEmpty();
    }

    @Test
    void loadedUnitsTakePartInConflicts() {
        DesiredUnit loaded = DesiredUnit.of("a.service", LOADED,
                UnitFile.parse("[Service]\nExecStart=/bin/true\n\n[X-Fleet]\nConflicts=g.service\n"));
        DesiredSet s = DesiredSet.of(MACHINE, Map.of(), List.of(loaded, global("g.service", "")));
        assertThat(names(s)).containsExactly("a.service");
    }

    @Test
    void skippedGlobalPresentOnDiskIsUnloaded() {
        DesiredSet s = DesiredSet.of(MACHINE, Map.of("region", "us"), List.of(global("g.service", "MachineMetadata=region=eu\n")));
        List<Task> tasks = ReconcilePlan.plan(s, Map.of("g.service", CurrentUnit.cached("g.service", "x", LAUNCHED)));
        assertThat(tasks).extracting(Task::kind).containsExactly(Task.Kind.UNLOAD, Task.Kind.RELOAD_UNIT_FILES);
    }

    @Test
    void installSectionMeansEnable() {
        DesiredUnit side = DesiredUnit.of("side.service", LAUNCHED,
                UnitFile.parse("[Service]\nExecStart=/bin/true\n\n[Install]\nWantedBy=app.service\n"));
        assertThat(side.enable()).isTrue();
        assertThat(unit("plain.service", "").enable()).isFalse();
    }

    @Test
    void duplicateNamesAreRefused() {
        assertThatThrownBy(() -> DesiredSet.of(MACHINE, Map.of(), List.of(unit("a.service", ""), unit("a.service", ""))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a.service");
    }

    @Test
    void hashDefaultsToContentsHash() {
        UnitFile f = UnitFile.parse("[Service]\nExecStart=/bin/sleep 100\n");
        assertThat(new DesiredUnit("a.service", null, LAUNCHED, f, false).hash())
                .isEqualTo("1c6fb6f3684bafb0c173d8b8b957ceff031180c1");
    }
}
