package dev.fleet.engine;

import dev.fleet.engine.ClusterSnapshot.Machine;
import dev.fleet.engine.ClusterSnapshot.Unit;
import dev.fleet.unit.DesiredState;
import dev.fleet.unit.Requirements;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class PlacementTest {

    // ---------------------------------------------------------------- fixtures

    /** Requirements are built with the canonical constructor: the [X-Fleet] parser is not used here. */
    static final class Req {
        private String machineId;
        private final List<String> machineOf = new ArrayList<>();
        private final Map<String, Set<String>> metadata = new LinkedHashMap<>();
        private final List<String> conflicts = new ArrayList<>();
        private boolean global;
        private final List<String> replaces = new ArrayList<>();

        Req machineId(String id) {
            machineId = id;
            return this;
        }

        Req machineOf(String... peers) {
            machineOf.addAll(List.of(peers));
            return this;
        }

        Req meta(String key, String... values) {
            metadata.put(key, new LinkedHashSet<>(List.of(values)));
            return this;
        }

        Req conflicts(String... globs) {
            conflicts.addAll(List.of(globs));
            return this;
        }

        Req global() {
            global = true;
            return this;
        }

        Req replaces(String... globs) {
            replaces.addAll(List.of(globs));
            return this;
        }

        Requirements build() {
            return new Requirements(machineId, machineOf, metadata, conflicts, global, replaces, List.of());
        }
    }

    static Req req() {
        return new Req();
    }

    /** {@code m("m1", "region=eu", "disk=ssd")}. */
    static Machine m(String id, String... metadata) {
        Map<String, String> md = new LinkedHashMap<>();
        for (String kv : metadata) {
            String[] p = kv.split("=", 2);
            md.put(p[0], p[1]);
        }
        return new Machine(id, md);
    }

    static Unit u(String name) {
        return new Unit(name, Requirements.NONE, DesiredState.LAUNCHED, null);
    }

    static Unit u(String name, Req r) {
        return new Unit(name, r.build(), DesiredState.LAUNCHED, null);
    }

    static Unit on(String name, String target) {
        return new Unit(name, Requirements.NONE, DesiredState.LAUNCHED, target);
    }

    static Unit on(String name, Req r, String target) {
        return new Unit(name, r.build(), DesiredState.LAUNCHED, target);
    }

    static List<Machine> machines(Machine... ms) {
        return List.of(ms);
    }

    static Plan plan(List<Machine> machines, Unit... units) {
        return Placement.plan(new ClusterSnapshot(machines, List.of(units)));
    }

    /** Decisions without their reasons: "schedule x m1", "unschedule x m1", "unplaceable x". */
    static List<String> moves(Plan p) {
        return p.decisions().stream().map(d -> d instanceof Decision.Schedule s ? "schedule " + s.unit() + " " + s.machine()
                : d instanceof Decision.Unschedule s ? "unschedule " + s.unit() + " " + s.machine()
                : "unplaceable " + d.unit()).toList();
    }

    static String unscheduleReason(Plan p, String unit) {
        return p.decisions().stream().filter(d -> d instanceof Decision.Unschedule && d.unit().equals(unit))
                .map(Decision::reason).findFirst().orElseThrow();
    }

    /** The snapshot the store would hold after applying {@code p}. */
    static ClusterSnapshot applied(ClusterSnapshot s, Plan p) {
        return new ClusterSnapshot(s.machines(), s.units().stream()
                .map(u -> new Unit(u.name(), u.requirements(), u.desired(), p.targets().get(u.name()))).toList());
    }

    static final String A = "aaaaaaaa000000000000000000000001";
    static final String B = "bbbbbbbb000000000000000000000002";
    static final String C = "cccccccc000000000000000000000003";

    // ---------------------------------------------------------------- MachineID

    @Nested
    class MachineId {
        @Test
        void fullIdPinsTheUnitEvenToABusierMachine() {
            Plan p = plan(machines(m(A), m(B), m(C)), on("x", A), on("y", C), u("pinned", req().machineId(C)));
            assertThat(p.targets()).containsEntry("pinned", C);
        }

        @Test
        void eightCharacterPrefixMatchesAsFleetsCode() {
            Plan p = plan(machines(m(A), m(B), m(C)), u("pinned", req().machineId("bbbbbbbb")));
            assertThat(p.targets()).containsEntry("pinned", B);
        }

        @Test
        void unknownIdIsUnplaceable() {
            Plan p = plan(machines(m(A), m(B)), u("pinned", req().machineId("1234abcd")));
            assertThat(p.reasons()).containsExactly(Map.entry("pinned", "no machine with id 1234abcd"));
            assertThat(p.targets()).isEmpty();
        }

        @Test
        void pinnedUnitBlockedOnItsMachineNamesThatMachine() {
            Plan p = plan(machines(m(A), m(B)), on("a.service", req().conflicts("pinned*"), A),
                    u("pinned.service", req().machineId(A)));
            assertThat(p.reasons()).containsExactly(Map.entry("pinned.service", "conflicts with a.service on " + A));
        }

        @Test
        void pinnedMachineGoneUnschedulesAndWaits() {
            Plan p = plan(machines(m(A)), on("pinned", req().machineId(B), B));
            assertThat(moves(p)).containsExactly("unschedule pinned " + B, "unplaceable pinned");
            assertThat(unscheduleReason(p, "pinned")).isEqualTo("target machine " + B + " went away");
            assertThat(p.reasons()).containsEntry("pinned", "no machine with id " + B);
        }
    }

    // ---------------------------------------------------------------- MachineMetadata

    @Nested
    class Metadata {
        @Test
        void valuesOfOneKeyAreAlternatives() {
            Plan p = plan(machines(m("m1", "region=ap"), m("m2", "region=us"), m("m3", "region=eu")),
                    u("x", req().meta("region", "eu", "us")));
            assertThat(p.targets()).containsEntry("x", "m2");
        }

        @Test
        void differentKeysAreAllRequired() {
            Plan p = plan(machines(m("m1", "region=eu", "disk=hdd"), m("m2", "region=us", "disk=ssd"),
                            m("m3", "region=eu", "disk=ssd")),
                    u("x", req().meta("region", "eu").meta("disk", "ssd")));
            assertThat(p.targets()).containsEntry("x", "m3");
        }

        @Test
        void missingKeyIsNamed() {
            Plan p = plan(machines(m("m1", "region=us"), m("m2")), u("x", req().meta("region", "eu")));
            assertThat(p.reasons()).containsExactly(Map.entry("x", "no machine with metadata region=eu"));
        }

        @Test
        void onlyTheKeyNobodyHasIsNamed() {
            Plan p = plan(machines(m("m1", "region=eu", "disk=hdd")),
                    u("x", req().meta("region", "eu").meta("disk", "ssd", "nvme")));
            assertThat(p.reasons()).containsEntry("x", "no machine with metadata disk=ssd|nvme");
        }

        @Test
        void keysThatExistOnlyApartAreNamedTogether() {
            Plan p = plan(machines(m("m1", "region=eu", "disk=hdd"), m("m2", "region=us", "disk=ssd")),
                    u("x", req().meta("region", "eu").meta("disk", "ssd")));
            assertThat(p.reasons()).containsEntry("x", "no machine with metadata region=eu, disk=ssd");
        }

        @Test
        void changedMetadataUnschedulesAndReplaces() {
            Plan p = plan(machines(m("m1", "region=us"), m("m2", "region=eu")),
                    on("x", req().meta("region", "eu"), "m1"));
            assertThat(moves(p)).containsExactly("unschedule x m1", "schedule x m2");
            assertThat(unscheduleReason(p, "x")).isEqualTo("metadata region=eu not met");
        }
    }

    // ---------------------------------------------------------------- MachineOf

    @Nested
    class MachineOf {
        @Test
        void followerGoesWhereItsPeerIs() {
            Plan p = plan(machines(m("m1"), m("m2")), on("db.service", "m2"),
                    u("app.service", req().machineOf("db.service")));
            assertThat(p.targets()).containsEntry("app.service", "m2");
        }

        @Test
        void followerSortedBeforeItsPeerIsPlacedInTheSamePlan() {
            Plan p = plan(machines(m("m1"), m("m2")), u("a-app.service", req().machineOf("z-db.service")),
                    u("z-db.service"));
            assertThat(p.targets()).containsEntry("z-db.service", "m1").containsEntry("a-app.service", "m1");
            assertThat(p.reasons()).isEmpty();
        }

        @Test
        void followerMovesWithItsPeerWhenTheMachineIsLost() {
            Plan p = plan(machines(m("m2"), m("m3")), on("db.service", "m1"),
                    on("app.service", req().machineOf("db.service"), "m1"), on("x", "m2"));
            assertThat(p.targets()).containsEntry("db.service", "m3").containsEntry("app.service", "m3");
        }

        @Test
        void followerMovesWithItsPeerWhenThePeerBecomesIneligible() {
            // a-app is checked before its peer moves, so it only notices in the next round of the same plan
            Plan p = plan(machines(m("m1", "region=us"), m("m2", "region=eu")),
                    on("a-app.service", req().machineOf("db.service"), "m1"),
                    on("db.service", req().meta("region", "eu"), "m1"));
            assertThat(moves(p)).containsExactly("unschedule db.service m1", "schedule db.service m2",
                    "unschedule a-app.service m1", "schedule a-app.service m2");
            assertThat(unscheduleReason(p, "a-app.service")).isEqualTo("MachineOf peer db.service not here");
        }

        @Test
        void unscheduledPeerMakesTheFollowerUnplaceable() {
            Plan p = plan(machines(m("m1")), new Unit("db.service", Requirements.NONE, DesiredState.INACTIVE, null),
                    u("app.service", req().machineOf("db.service")), u("b.service", req().machineOf("nope.service")));
            assertThat(p.reasons()).containsExactly(
                    Map.entry("app.service", "MachineOf peer db.service is not scheduled"),
                    Map.entry("b.service", "MachineOf peer nope.service is not scheduled"));
        }

        @Test
        void globalPeerCountsWhereverItQualifies() {
            Plan p = plan(machines(m("m1", "region=us"), m("m2", "region=eu")),
                    u("logger.service", req().global().meta("region", "eu")),
                    u("app.service", req().machineOf("logger.service")));
            assertThat(p.targets()).containsExactly(Map.entry("app.service", "m2"));
        }

        @Test
        void peerOnAMachineWhereTheFollowerCannotRunIsReportedPerMachine() {
            Plan p = plan(machines(m("m1", "region=us"), m("m2", "region=eu")), on("db.service", "m1"),
                    u("app.service", req().machineOf("db.service").meta("region", "eu")));
            assertThat(p.reasons()).containsEntry("app.service",
                    "no machine can run it: m2: MachineOf peer db.service not here; m1: metadata region=eu not met");
        }
    }

    // ---------------------------------------------------------------- Conflicts

    @Nested
    class Conflicts {
        @Test
        void newUnitsGlobMatchesAnExistingUnit() {
            Plan p = plan(machines(m("m1"), m("m2"), m("m3")), on("web.1.service", "m1"),
                    on("x1", "m2"), on("x2", "m2"), on("y1", "m3"), on("y2", "m3"),
                    u("web.2.service", req().conflicts("web.*.service")));
            assertThat(p.targets()).containsEntry("web.2.service", "m2");
        }

        @Test
        void existingUnitsGlobMatchesTheNewUnit() {
            Plan p = plan(machines(m("m1"), m("m2"), m("m3")), on("web.1.service", req().conflicts("web.[0-9].service"), "m1"),
                    on("x1", "m2"), on("x2", "m2"), on("y1", "m3"), on("y2", "m3"),
                    u("web.2.service"));
            assertThat(p.targets()).containsEntry("web.2.service", "m2");
        }

        @Test
        void aSharedGlobNeverMatchesItsOwnUnit() {
            Plan p = plan(machines(m("m1"), m("m2")), u("web@1.service", req().conflicts("web@*.service")),
                    u("web@2.service", req().conflicts("web@*.service")));
            assertThat(p.targets()).containsEntry("web@1.service", "m1").containsEntry("web@2.service", "m2");
        }

        @Test
        void conflictInTheStoredScheduleMovesTheFirstByName() {
            Plan p = plan(machines(m("m1"), m("m2")), on("a.service", req().conflicts("b.service"), "m1"),
                    on("b.service", "m1"));
            assertThat(moves(p)).containsExactly("unschedule a.service m1", "schedule a.service m2");
            assertThat(unscheduleReason(p, "a.service")).isEqualTo("conflicts with b.service");
        }

        @Test
        void sameConflictEverywhereIsSaidOnce() {
            Plan p = plan(machines(m("m1"), m("m2")), u("web.1.service", req().global()),
                    u("web.2.service", req().conflicts("web.*")));
            assertThat(p.reasons()).containsExactly(Map.entry("web.2.service", "conflicts with web.1.service on every machine"));
        }

        @Test
        void differentReasonsAreSummarisedClosestFirst() {
            Plan p = plan(machines(m("m1", "region=eu"), m("m2", "region=us")), on("a.service", "m1"),
                    u("x.service", req().conflicts("a.service").meta("region", "eu")));
            assertThat(p.reasons()).containsEntry("x.service",
                    "no machine can run it: m1: conflicts with a.service; m2: metadata region=eu not met");
        }

        @Test
        void longSummariesAreCut() {
            List<Unit> units = new ArrayList<>();
            List<Machine> ms = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                ms.add(m("m" + i));
                units.add(on("svc-" + i + ".service", "m" + i));
            }
            units.add(u("x.service", req().conflicts("svc-*")));
            Plan p = Placement.plan(new ClusterSnapshot(ms, units));
            assertThat(p.reasons()).containsEntry("x.service", "no machine can run it: m1: conflicts with svc-1.service; "
                    + "m2: conflicts with svc-2.service; m3: conflicts with svc-3.service; +2 more");
        }

        @Test
        void fiveMutuallyConflictingUnitsOnThreeMachinesRunTheFirstThreeByName() {
            List<Unit> units = new ArrayList<>();
            for (String n : List.of("svc-e", "svc-c", "svc-a", "svc-d", "svc-b")) {
                units.add(u(n + ".service", req().conflicts("svc-*")));
            }
            List<Machine> ms = List.of(m("m3"), m("m1"), m("m2"));
            Plan p = Placement.plan(new ClusterSnapshot(ms, units));
            assertThat(p.targets()).containsExactly(Map.entry("svc-a.service", "m1"),
                    Map.entry("svc-b.service", "m2"), Map.entry("svc-c.service", "m3"));
            String all = "no machine can run it: m1: conflicts with svc-a.service; m2: conflicts with svc-b.service; "
                    + "m3: conflicts with svc-c.service";
            assertThat(p.reasons()).containsExactly(Map.entry("svc-d.service", all), Map.entry("svc-e.service", all));
            // the outcome does not depend on the order the registry listed things in
            Collections.shuffle(units, new Random(7));
            assertThat(Placement.plan(new ClusterSnapshot(List.of(m("m2"), m("m3"), m("m1")), units))).isEqualTo(p);
        }
    }

    // ---------------------------------------------------------------- Replaces

    @Nested
    class Replaces {
        @Test
        void placingAReplacerDisplacesTheReplacedUnitToTheLeastLoadedOtherMachine() {
            Plan p = plan(machines(m("m1"), m("m2"), m("m3")), on("old.service", "m1"),
                    on("x1", "m2"), on("x2", "m2"), on("y1", "m3"), on("y2", "m3"),
                    u("new.service", req().replaces("old.service")));
            assertThat(moves(p)).containsExactly("schedule new.service m1", "unschedule old.service m1",
                    "schedule old.service m2");
            assertThat(unscheduleReason(p, "old.service")).isEqualTo("replaced by new.service");
        }

        @Test
        void replacerAlreadyOnTheMachineMovesTheOtherAndStays() {
            Plan p = plan(machines(m("m1"), m("m2"), m("m3")), on("new.service", req().replaces("old*"), "m1"),
                    on("old.service", "m1"), on("z", "m3"));
            assertThat(moves(p)).containsExactly("unschedule old.service m1", "schedule old.service m2");
            assertThat(p.targets()).containsEntry("new.service", "m1");
        }

        @Test
        void replacedUnitIsNotPutBackNextToItsReplacer() {
            Plan p = plan(machines(m("m1"), m("m2")), on("new.service", req().replaces("old.service"), "m1"),
                    on("x", "m2"), u("old.service"));
            assertThat(p.targets()).containsEntry("old.service", "m2");
        }

        @Test
        void mutualReplaceIsIgnored() {
            Plan p = plan(machines(m("m1"), m("m2")), on("a.service", req().replaces("b.service"), "m1"),
                    on("b.service", req().replaces("a.service"), "m1"));
            assertThat(p.decisions()).isEmpty();
            assertThat(p.targets()).containsOnly(Map.entry("a.service", "m1"), Map.entry("b.service", "m1"));
        }

        @Test
        void displacedUnitGoesOnlyWhereItCanRunSoNoHealthyUnitIsEvicted() {
            // fleet moved the replaced unit unchecked: b-old would land on m2 next to c.service, which it
            // conflicts with, and evict it. Here it goes to the least-loaded machine it can run on: m3.
            Plan p = plan(machines(m("m1"), m("m2"), m("m3")), on("a-new.service", req().replaces("b-old.service"), "m1"),
                    on("b-old.service", req().conflicts("c.service"), "m1"), on("c.service", "m2"),
                    on("d1", "m3"), on("d2", "m3"));
            assertThat(moves(p)).containsExactly("unschedule b-old.service m1", "schedule b-old.service m3");
        }
    }

    // ---------------------------------------------------------------- Global

    @Nested
    class Global {
        @Test
        void countsInTheLoadOfEveryQualifyingMachineButIsNeverPlaced() {
            Plan p = plan(machines(m("m1", "region=eu"), m("m2", "region=us")),
                    u("logger.service", req().global().meta("region", "eu")), u("x"));
            assertThat(p.targets()).containsExactly(Map.entry("x", "m2"));
            assertThat(p.decisions()).extracting(Decision::unit).doesNotContain("logger.service");
        }

        @Test
        void inactiveGlobalDoesNotCount() {
            Plan p = plan(machines(m("m1"), m("m2")),
                    new Unit("logger.service", req().global().build(), DesiredState.INACTIVE, null),
                    on("y", "m2"), u("x", req().conflicts("logger.service")));
            assertThat(p.targets()).containsEntry("x", "m1");
        }

        @Test
        void conflictsEitherWay() {
            Plan p = plan(machines(m("m1", "region=eu"), m("m2", "region=us")), on("y1", "m2"), on("y2", "m2"),
                    u("guard.service", req().global().meta("region", "eu").conflicts("x*")),
                    u("x.service"), u("z.service", req().conflicts("guard.service")));
            assertThat(p.targets()).containsEntry("x.service", "m2").containsEntry("z.service", "m2");
        }
    }

    // ---------------------------------------------------------------- least loaded

    @Nested
    class LeastLoaded {
        @Test
        void fewestUnitsFirstThenLowestMachineId() {
            Plan p = plan(machines(m("m3"), m("m1"), m("m2")), on("a", "m1"), on("b", "m1"), on("c", "m2"),
                    on("d", "m3"), u("x"));
            assertThat(p.targets()).containsEntry("x", "m2");
        }

        @Test
        void inactiveUnitsDoNotCount() {
            Plan p = plan(machines(m("m1"), m("m2")),
                    new Unit("a", Requirements.NONE, DesiredState.INACTIVE, "m1"), on("b", "m2"), u("x"));
            assertThat(p.targets()).containsEntry("x", "m1");
        }

        @Test
        void loadedUnitsCount() {
            Plan p = plan(machines(m("m1"), m("m2")),
                    new Unit("a", Requirements.NONE, DesiredState.LOADED, "m1"), u("x"));
            assertThat(p.targets()).containsEntry("x", "m2");
        }

        @Test
        void aBatchSpreads() {
            Plan p = plan(machines(m("m1"), m("m2"), m("m3")), u("u1"), u("u2"), u("u3"), u("u4"), u("u5"), u("u6"));
            assertThat(p.targets()).containsExactly(Map.entry("u1", "m1"), Map.entry("u2", "m2"),
                    Map.entry("u3", "m3"), Map.entry("u4", "m1"), Map.entry("u5", "m2"), Map.entry("u6", "m3"));
            assertThat(p.decisions()).allSatisfy(d -> assertThat(d.reason())
                    .isEqualTo("target state launched and unit not scheduled"));
        }

        @Test
        void noMachinesAtAll() {
            Plan p = plan(List.of(), u("x"));
            assertThat(p.reasons()).containsExactly(Map.entry("x", "no machines available"));
        }
    }

    // ---------------------------------------------------------------- machine loss, rejoin, inactive

    @Nested
    class Lifecycle {
        @Test
        void lostMachinesUnitsArePlacedElsewhereAndTheReturningMachineGetsNothingBack() {
            ClusterSnapshot s = new ClusterSnapshot(List.of(m("m2"), m("m3")),
                    List.of(on("a", "m1"), on("b", "m1"), on("c", "m2")));
            Plan p = Placement.plan(s);
            assertThat(moves(p)).containsExactly("unschedule a m1", "unschedule b m1", "schedule a m3",
                    "schedule b m2");
            assertThat(unscheduleReason(p, "a")).isEqualTo("target machine m1 went away");

            ClusterSnapshot back = applied(new ClusterSnapshot(List.of(m("m1"), m("m2"), m("m3")), s.units()), p);
            assertThat(Placement.plan(back).decisions()).isEmpty();
        }

        @Test
        void desiredInactiveIsUnscheduledAndNotReported() {
            Plan p = plan(machines(m("m1")), new Unit("a", Requirements.NONE, DesiredState.INACTIVE, "m1"),
                    new Unit("b", Requirements.NONE, DesiredState.INACTIVE, null));
            assertThat(p.decisions()).containsExactly(new Decision.Unschedule("a", "m1", "target state inactive"));
            assertThat(p.targets()).isEmpty();
        }

        @Test
        void aSettledClusterPlansNothing() {
            Plan p = plan(machines(m("m1"), m("m2")), on("a", "m1"), on("b", "m1"), on("c", "m1"));
            assertThat(p.decisions()).isEmpty(); // no rebalancing, as fleet
            assertThat(p.targets()).hasSize(3);
        }
    }

    // ---------------------------------------------------------------- scale

    @Test
    void thousandMachinesTenThousandUnits() {
        List<Machine> ms = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            String id = String.format("%08x%024d", (i * 2654435761L) & 0xffffffffL, i);
            ms.add(m(id, "region=" + List.of("eu", "us", "ap").get(i % 3), "disk=" + (i % 2 == 0 ? "ssd" : "hdd")));
        }
        List<Unit> units = new ArrayList<>();
        units.add(u("logger.service", req().global()));
        units.add(u("monitor-eu.service", req().global().meta("region", "eu")));
        for (int i = 0; i < 300; i++) {
            units.add(u(String.format("web@%03d.service", i), req().conflicts("web@*.service")));
            units.add(u(String.format("web-sidekick@%03d.service", i), req().machineOf(String.format("web@%03d.service", i))));
        }
        for (int i = 0; i < 150; i++) {
            units.add(u(String.format("db@%03d.service", i), req().conflicts("db@*.service").meta("region", "eu")));
        }
        for (int i = 0; i < 100; i++) {
            units.add(u(String.format("cache@%03d.service", i), req().conflicts("cache@*").meta("disk", "ssd")));
        }
        for (int i = 0; i < 2000; i++) {
            units.add(u(String.format("eu-app-%04d.service", i), req().meta("region", "eu")));
        }
        for (int i = 0; i < 1000; i++) {
            units.add(u(String.format("fast-%04d.service", i), req().meta("region", "us", "ap").meta("disk", "ssd")));
        }
        for (int i = 0; i < 50; i++) {
            units.add(u(String.format("pinned-%02d.service", i), req().machineId(ms.get(i).id().substring(0, 8))));
        }
        while (units.size() < 10_000) {
            units.add(u(String.format("app-%05d.service", units.size())));
        }
        Collections.shuffle(units, new Random(42));

        ClusterSnapshot s = new ClusterSnapshot(ms, units);
        Plan first = timed("initial placement", s);
        assertConstraintsHold(s, first);
        assertThat(first.reasons()).isEmpty();
        assertThat(first.targets()).hasSize(10_000 - 2);

        ClusterSnapshot settled = applied(s, first);
        Plan again = timed("settled cluster", settled);
        assertThat(again.decisions()).isEmpty();

        // lose 100 machines (none holding a pinned unit)
        ClusterSnapshot lost = new ClusterSnapshot(ms.subList(0, 900), settled.units());
        Plan after = timed("after losing 100 machines", lost);
        assertConstraintsHold(lost, after);
        assertThat(after.reasons()).isEmpty();
        assertThat(after.targets()).hasSize(10_000 - 2);
        long moved = after.decisions().stream().filter(d -> d instanceof Decision.Schedule).count();
        assertThat(moved).isEqualTo(settled.units().stream().filter(u -> u.target() != null
                && ms.subList(900, 1000).stream().anyMatch(x -> x.id().equals(u.target()))).count());
        assertThat(Placement.plan(lost)).isEqualTo(after); // deterministic
    }

    private static Plan timed(String what, ClusterSnapshot s) {
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        Plan p = Placement.plan(s);
        System.out.printf("Placement %s: %d machines, %d units, %d decisions in %d ms (%d ms CPU, cold JIT)%n", what,
                s.machines().size(), s.units().size(), p.decisions().size(), (System.nanoTime() - t0) / 1_000_000,
                (threads.getCurrentThreadCpuTime() - cpu0) / 1_000_000);
        return p;
    }

    /** Checks every [X-Fleet] rule on the result, independently of the planner's own indexes. */
    private static void assertConstraintsHold(ClusterSnapshot s, Plan p) {
        Map<String, Machine> byId = s.machines().stream().collect(Collectors.toMap(Machine::id, x -> x));
        Map<String, Unit> units = s.units().stream().collect(Collectors.toMap(Unit::name, x -> x));
        Map<String, List<String>> onMachine = new HashMap<>();
        byId.keySet().forEach(id -> onMachine.put(id, new ArrayList<>()));
        for (Unit u : s.units()) {
            Requirements r = u.requirements();
            if (r.global()) {
                assertThat(p.targets()).doesNotContainKey(u.name());
                if (u.desired() != DesiredState.INACTIVE) {
                    byId.values().stream().filter(x -> r.machineIdMatches(x.id()) && r.metadataSatisfiedBy(x.metadata()))
                            .forEach(x -> onMachine.get(x.id()).add(u.name()));
                }
            } else if (u.desired() == DesiredState.INACTIVE) {
                assertThat(p.targets()).doesNotContainKey(u.name());
            } else if (p.targets().containsKey(u.name())) {
                assertThat(byId).containsKey(p.targets().get(u.name()));
                onMachine.get(p.targets().get(u.name())).add(u.name());
            } else {
                assertThat(p.reasons()).containsKey(u.name());
            }
        }
        for (Map.Entry<String, List<String>> e : new TreeMap<>(onMachine).entrySet()) {
            Machine mach = byId.get(e.getKey());
            for (String name : e.getValue()) {
                Requirements r = units.get(name).requirements();
                assertThat(r.machineIdMatches(mach.id())).as("%s MachineID on %s", name, mach.id()).isTrue();
                assertThat(r.metadataSatisfiedBy(mach.metadata())).as("%s metadata on %s", name, mach.id()).isTrue();
                assertThat(e.getValue()).as("%s peers on %s", name, mach.id()).containsAll(r.machineOf());
                for (String other : e.getValue()) {
                    if (!other.equals(name)) {
                        assertThat(r.conflictsWith(other)).as("%s conflicts with %s on %s", name, other, mach.id())
                                .isFalse();
                    }
                }
            }
        }
    }

    @Test
    void planIsImmutableAndReasonsFollowDecisions() {
        Plan p = plan(machines(m("m1")), u("b", req().machineId("zz")), u("a", req().machineId("yy")), u("c"));
        assertThat(p.reasons().keySet()).containsExactly("a", "b");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.targets().put("x", "y"))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
