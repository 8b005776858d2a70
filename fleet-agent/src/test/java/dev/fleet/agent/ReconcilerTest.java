package dev.fleet.agent;

import dev.fleet.schema.UnitState;
import dev.fleet.agent.plan.DesiredSet;
import dev.fleet.agent.plan.DesiredUnit;
import dev.fleet.unit.DesiredState;
import dev.fleet.unit.UnitFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ReconcilerTest {

    @TempDir
    Path tmp;
    FakeSystemd systemd;
    UnitsDirectory dir;
    StatePublisher publisher;
    final List<List<UnitState>> reports = new ArrayList<>();
    final List<List<String>> removals = new ArrayList<>();
    Reconciler reconciler;
    /** The reconciler's clock (nanoseconds): back-off is tested by moving it, never by sleeping. */
    final java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();

    @BeforeEach
    void setUp() {
        systemd = new FakeSystemd();
        dir = new UnitsDirectory(tmp.resolve("units"));
        dir.create();
        publisher = new StatePublisher((s, r) -> {
            synchronized (reports) {
                reports.add(s);
                removals.add(r);
            }
            return true;
        }, Duration.ofHours(1), () -> { }, new Log(new PrintStream(new ByteArrayOutputStream()), false));
        systemd.subscribe(publisher::onSystemd);
        reconciler = new Reconciler(systemd, dir, publisher, new Log(new PrintStream(new ByteArrayOutputStream()), false),
                now::get, Duration.ofSeconds(5), Duration.ofSeconds(30));
    }

    @AfterEach
    void tearDown() {
        publisher.close();
    }

    static UnitFile file(String exec) {
        return UnitFile.parse("[Service]\nExecStart=" + exec + "\n");
    }

    static DesiredSet desired(DesiredUnit... units) {
        return DesiredSet.of("m1", Map.of(), List.of(units));
    }

    @Test
    void launchingAUnitWritesLinksReloadsOnceThenStarts() throws Exception {
        UnitFile f = file("/bin/sleep 100");
        Reconciler.Pass p = reconciler.reconcile(desired(DesiredUnit.of("a.service", DesiredState.LAUNCHED, f),
                DesiredUnit.of("b.service", DesiredState.LOADED, f)));

        assertThat(p.succeeded()).isTrue();
        // new units: systemd loads them from disk when first used, so no daemon-reload
        assertThat(systemd.drainCalls()).containsExactly("link [a.service, b.service]", "start a.service");
        Path written = dir.dir().resolve("a.service");
        assertThat(Files.readString(written)).isEqualTo(f.canonical() + "\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(written))).isEqualTo("rw-r--r--");
        assertThat(dir.scan()).containsEntry("a.service", f.hash());
    }

    @Test
    void aUnitWithAnInstallSectionIsEnabled() {
        UnitFile f = UnitFile.parse("[Service]\nExecStart=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n");
        reconciler.reconcile(desired(DesiredUnit.of("side.service", DesiredState.LOADED, f)));
        assertThat(systemd.drainCalls()).containsExactly("link [side.service]", "enable [side.service]", "reload");
    }

    @Test
    void aSecondPassWithNothingChangedDoesNothing() {
        DesiredSet d = desired(DesiredUnit.of("a.service", DesiredState.LAUNCHED, file("/bin/sleep 100")));
        reconciler.reconcile(d);
        systemd.drainCalls();
        assertThat(reconciler.reconcile(d).tasks()).isEmpty();
        assertThat(systemd.drainCalls()).isEmpty();
    }

    @Test
    void changedContentsUnloadLoadAndStartWithOneReload() {
        reconciler.reconcile(desired(DesiredUnit.of("a.service", DesiredState.LAUNCHED, file("/bin/sleep 100"))));
        systemd.drainCalls();
        UnitFile v2 = file("/bin/sleep 200");
        reconciler.reconcile(desired(DesiredUnit.of("a.service", DesiredState.LAUNCHED, v2)));
        assertThat(systemd.drainCalls()).containsExactly("stop a.service", "disable [a.service]", "reset-failed a.service",
                "link [a.service]", "reload", "start a.service");
        assertThat(dir.scan()).containsEntry("a.service", v2.hash());
    }

    @Test
    void unscheduledUnitsAreStoppedDisabledResetAndDeleted() {
        reconciler.reconcile(desired(DesiredUnit.of("a.service", DesiredState.LAUNCHED, file("/bin/sleep 100"))));
        systemd.drainCalls();
        reconciler.reconcile(desired());
        assertThat(systemd.drainCalls()).containsExactly("stop a.service", "disable [a.service]", "reset-failed a.service");
        assertThat(dir.scan()).isEmpty();
        assertThat(reconciler.current()).isEmpty();
    }

    @Test
    void aUnitWhoseStopFailsKeepsItsFileAndTheOthersStillLoadInThatPass() {
        reconciler.reconcile(desired(DesiredUnit.of("a.service", DesiredState.LAUNCHED, file("/bin/sleep 100"))));
        systemd.drainCalls();
        systemd.failStop.add("a.service");
        Reconciler.Pass p = reconciler.reconcile(desired(DesiredUnit.of("b.service", DesiredState.LAUNCHED, file("/bin/true"))));
        assertThat(p.succeeded()).isFalse();
        assertThat(p.failures()).singleElement().asString().contains("unload a.service").contains("file is kept");
        assertThat(systemd.drainCalls()).containsExactly("stop a.service", "link [b.service]", "start b.service");
        assertThat(dir.scan()).containsOnlyKeys("a.service", "b.service");
        assertThat(reconciler.setAside()).containsOnlyKeys("a.service");

        systemd.failStop.clear();
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        assertThat(reconciler.reconcile(desired(DesiredUnit.of("b.service", DesiredState.LAUNCHED, file("/bin/true")))).succeeded()).isTrue();
        assertThat(dir.scan()).containsOnlyKeys("b.service");
        assertThat(reconciler.setAside()).isEmpty();
    }

    @Test
    void aStartSystemdRefusesFailsThePassButOtherUnitsStart() {
        systemd.refuseStart.add("a.service");
        DesiredSet d = desired(DesiredUnit.of("a.service", DesiredState.LAUNCHED, file("/bin/x")),
                DesiredUnit.of("b.service", DesiredState.LAUNCHED, file("/bin/y")));
        Reconciler.Pass p = reconciler.reconcile(d);
        assertThat(p.failures()).singleElement().asString().startsWith("start a.service: ").contains("bad unit file setting");
        assertThat(systemd.drainCalls()).contains("start a.service", "start b.service");
        // retried once its back-off is over
        systemd.refuseStart.clear();
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        reconciler.reconcile(d);
        assertThat(systemd.drainCalls()).containsExactly("start a.service");
        assertThat(reconciler.setAside()).isEmpty();
    }

    @Test
    void aRefusedStartIsRetriedWithDoublingBackOffNotEveryPass() {
        systemd.refuseStart.add("a.service");
        DesiredSet d = desired(DesiredUnit.of("a.service", DesiredState.LAUNCHED, file("/bin/x")));
        reconciler.reconcile(d);
        systemd.drainCalls();
        List<Long> triedAt = new ArrayList<>();
        for (int second = 1; second <= 80; second++) {
            now.set(Duration.ofSeconds(second).toNanos());
            Reconciler.Pass p = reconciler.reconcile(d);
            if (systemd.drainCalls().contains("start a.service")) {
                triedAt.add((long) second);
            } else {
                assertThat(p.tasks()).as("a unit waiting out its back-off plans nothing").isEmpty();
            }
        }
        // 5, 10, 20 s apart, then at most 30 s
        assertThat(triedAt).containsExactly(5L, 15L, 35L, 65L);
        assertThat(reconciler.setAside().get("a.service").attempts()).isEqualTo(5);
    }

    @Test
    void aChangedScheduleEntryIsRetriedAtOnce() {
        systemd.refuseStart.add("a.service");
        reconciler.reconcile(desired(DesiredUnit.of("a.service", DesiredState.LAUNCHED, file("/bin/x"))));
        systemd.drainCalls();
        systemd.refuseStart.clear();
        // the user fixed the unit: new contents, no waiting
        Reconciler.Pass p = reconciler.reconcile(desired(DesiredUnit.of("a.service", DesiredState.LAUNCHED, file("/bin/fixed"))));
        assertThat(p.succeeded()).isTrue();
        assertThat(systemd.drainCalls()).contains("start a.service");
        assertThat(reconciler.setAside()).isEmpty();
    }

    @Test
    void aNameTheDirectoryRefusesIsSetAsideAndTheOthersStart() {
        Reconciler.Pass p = reconciler.reconcile(desired(
                new DesiredUnit("../escape.service", null, DesiredState.LAUNCHED, file("/bin/x"), false),
                DesiredUnit.of("b.service", DesiredState.LAUNCHED, file("/bin/y"))));
        assertThat(p.failures()).singleElement().asString().contains("refusing unit name '../escape.service'");
        assertThat(systemd.drainCalls()).containsExactly("link [b.service]", "start b.service");
        assertThat(reconciler.setAside()).containsOnlyKeys("../escape.service");
        assertThat(publisher.trackedNames()).as("a name the control plane refuses is never reported").containsExactly("b.service");
        assertThat(Files.exists(tmp.resolve("escape.service"))).isFalse();
    }

    @Test
    void aFileThatCannotBeWrittenIsSetAsideReportedFailedAndRetried() throws Exception {
        publisher.start();
        // a non-empty directory where the file goes: the atomic move onto it fails
        Files.createDirectories(dir.dir().resolve("bad.service").resolve("x"));
        DesiredSet d = desired(DesiredUnit.of("bad.service", DesiredState.LAUNCHED, file("/bin/x")),
                DesiredUnit.of("good.service", DesiredState.LAUNCHED, file("/bin/y")));
        Reconciler.Pass p = reconciler.reconcile(d);
        assertThat(p.failures()).singleElement().asString().startsWith("load bad.service: cannot write");
        assertThat(systemd.drainCalls()).containsExactly("link [good.service]", "start good.service");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> lastState("bad.service") != null);
        UnitState bad = lastState("bad.service");
        assertThat(List.of(bad.loadState(), bad.activeState(), bad.subState(), bad.result()))
                .containsExactly("error", "failed", "failed", "fleet-write-failed");

        Files.delete(dir.dir().resolve("bad.service").resolve("x"));
        Files.delete(dir.dir().resolve("bad.service"));
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        assertThat(reconciler.reconcile(d).succeeded()).isTrue();
        assertThat(systemd.drainCalls()).containsExactly("link [bad.service]", "start bad.service");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> "active".equals(lastState("bad.service").activeState()));
        assertThat(lastState("bad.service").loadState()).isEqualTo("loaded");
    }

    @Test
    void aBatchLinkThatFailsIsRetriedOneUnitAtATimeToFindTheCulprit() throws Exception {
        publisher.start();
        systemd.failLink.add("b.service");
        DesiredSet d = desired(DesiredUnit.of("a.service", DesiredState.LAUNCHED, file("/bin/x")),
                DesiredUnit.of("b.service", DesiredState.LAUNCHED, file("/bin/y")),
                DesiredUnit.of("c.service", DesiredState.LAUNCHED, file("/bin/z")));
        Reconciler.Pass p = reconciler.reconcile(d);
        assertThat(p.failures()).singleElement().asString().startsWith("load b.service: LinkUnitFiles: ").contains("masked");
        List<String> calls = systemd.drainCalls();
        assertThat(calls.subList(0, 4)).containsExactly("link [a.service, b.service, c.service]", "link [a.service]",
                "link [b.service]", "link [c.service]");
        assertThat(calls.subList(4, calls.size())).as("starts overlap").containsExactlyInAnyOrder("start a.service", "start c.service");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> lastState("b.service") != null
                && "fleet-link-failed".equals(lastState("b.service").result()));
        assertThat(lastState("b.service").activeState()).isEqualTo("failed");

        systemd.failLink.clear();
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        assertThat(reconciler.reconcile(d).succeeded()).isTrue();
        assertThat(systemd.drainCalls()).containsExactly("link [b.service]", "start b.service");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> "active".equals(lastState("b.service").activeState()));
    }

    @Test
    void aUnitSystemdHasAVerdictOnIsReportedFailedWithIt() {
        publisher.start();
        systemd.units.put("m.service", new dev.fleet.agent.systemd.SystemdPort.UnitState("m.service", "masked", "inactive", "dead", "", ""));
        systemd.refuseStart.add("m.service");
        Reconciler.Pass p = reconciler.reconcile(desired(DesiredUnit.of("m.service", DesiredState.LAUNCHED, file("/bin/x")),
                DesiredUnit.of("ok.service", DesiredState.LAUNCHED, file("/bin/y"))));
        assertThat(p.failures()).singleElement().asString().startsWith("start m.service: ");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> lastState("m.service") != null
                && "failed".equals(lastState("m.service").activeState()));
        assertThat(lastState("m.service").loadState()).isEqualTo("masked");
        assertThat(lastState("m.service").result()).isEqualTo("fleet-start-refused");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> lastState("ok.service") != null
                && "active".equals(lastState("ok.service").activeState()));
    }

    @Test
    void aStateReadAfterAReloadNeverOverwritesANewerSignal() {
        reconciler.reconcile(desired(DesiredUnit.of("a.service", DesiredState.LAUNCHED, file("/bin/x"))));
        assertThat(publisher.systemdState("a.service").activeState()).isEqualTo("active");
        // the next pass links b and reads every unit's state; a's read left systemd before a's "active" signal
        systemd.staleReads.put("a.service", new dev.fleet.agent.systemd.SystemdPort.UnitState("a.service", "loaded", "inactive", "dead", "", ""));
        UnitFile withInstall = UnitFile.parse("[Service]\nExecStart=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n");
        reconciler.reconcile(desired(DesiredUnit.of("a.service", DesiredState.LAUNCHED, file("/bin/x")),
                DesiredUnit.of("b.service", DesiredState.LOADED, withInstall)));
        assertThat(systemd.drainCalls()).contains("reload");
        assertThat(publisher.systemdState("a.service").activeState()).isEqualTo("active");
        assertThat(publisher.systemdState("b.service").loadState()).as("a new unit's state is still read").isEqualTo("loaded");
    }

    @Test
    void aUnitWhoseChangesSystemdCannotSignalIsPolledAtEveryPass() {
        String longName = "l".repeat(247) + ".service";
        systemd.noSignals.add(longName);
        DesiredSet d = desired(DesiredUnit.of(longName, DesiredState.LAUNCHED, file("/bin/x")));
        reconciler.reconcile(d);
        assertThat(publisher.systemdState(longName).activeState()).as("read after its start, not signalled").isEqualTo("active");
        // it stops on its own (no signal): the next periodic pass reads it
        systemd.units.put(longName, new dev.fleet.agent.systemd.SystemdPort.UnitState(longName, "loaded", "failed", "failed", "", ""));
        assertThat(reconciler.reconcile(d).tasks()).isEmpty();
        assertThat(publisher.systemdState(longName).activeState()).isEqualTo("failed");
    }

    @Test
    void aBatchEnableThatFailsIsRetriedOneUnitAtATime() {
        UnitFile withInstall = UnitFile.parse("[Service]\nExecStart=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n");
        systemd.failEnable.add("y.service");
        Reconciler.Pass p = reconciler.reconcile(desired(DesiredUnit.of("x.service", DesiredState.LAUNCHED, withInstall),
                DesiredUnit.of("y.service", DesiredState.LAUNCHED, withInstall)));
        assertThat(p.failures()).singleElement().asString().startsWith("load y.service: EnableUnitFiles: ");
        assertThat(systemd.drainCalls()).containsExactly("link [x.service, y.service]", "enable [x.service, y.service]",
                "enable [x.service]", "enable [y.service]", "reload", "start x.service");
        assertThat(reconciler.setAside()).containsOnlyKeys("y.service");
    }

    @Test
    void aBatchDisableThatFailsIsRetriedOneUnitAtATimeAndTheOthersAreUnloaded() {
        reconciler.reconcile(desired(DesiredUnit.of("a.service", DesiredState.LAUNCHED, file("/bin/x")),
                DesiredUnit.of("b.service", DesiredState.LAUNCHED, file("/bin/y"))));
        systemd.drainCalls();
        systemd.failDisable.add("a.service");
        Reconciler.Pass p = reconciler.reconcile(desired());
        assertThat(p.failures()).singleElement().asString().startsWith("unload a.service: DisableUnitFiles: ");
        assertThat(systemd.drainCalls()).containsExactly("stop a.service", "stop b.service", "disable [a.service, b.service]",
                "disable [a.service]", "disable [b.service]", "reset-failed b.service");
        assertThat(dir.scan()).containsOnlyKeys("a.service");
        assertThat(reconciler.current()).containsOnlyKeys("a.service");
    }

    @Test
    void afterAnAgentRestartRunningUnitsAreAdoptedNotRestarted() {
        UnitFile f = file("/bin/sleep 100");
        dir.write("a.service", f);
        dir.write("gone.service", f);
        systemd.running("a.service");
        systemd.running("gone.service");

        reconciler.adopt();
        Reconciler.Pass p = reconciler.reconcile(desired(DesiredUnit.of("a.service", DesiredState.LAUNCHED, f)));

        assertThat(p.succeeded()).isTrue();
        assertThat(systemd.drainCalls()).containsExactly("stop gone.service", "disable [gone.service]",
                "reset-failed gone.service").doesNotContain("start a.service");
        assertThat(reconciler.current().get("a.service").state()).isEqualTo(DesiredState.LAUNCHED);
    }

    @Test
    void aNewUnitSystemdCannotFindWithoutAReloadGetsOneReloadThenStarts() {
        systemd.needReloadToFind.add("a.service");
        systemd.needReloadToFind.add("b.service");
        Reconciler.Pass p = reconciler.reconcile(desired(DesiredUnit.of("a.service", DesiredState.LAUNCHED, file("/bin/x")),
                DesiredUnit.of("b.service", DesiredState.LAUNCHED, file("/bin/y"))));
        assertThat(p.succeeded()).isTrue();
        List<String> calls = systemd.drainCalls();
        assertThat(calls).startsWith("link [a.service, b.service]").containsOnlyOnce("reload");
        assertThat(calls.subList(calls.indexOf("reload") + 1, calls.size())).contains("start a.service", "start b.service");
    }

    @Test
    void purgeUnloadsEverything() {
        reconciler.reconcile(desired(DesiredUnit.of("a.service", DesiredState.LAUNCHED, file("/bin/sleep 100")),
                DesiredUnit.of("b.service", DesiredState.LOADED, file("/bin/sleep 100"))));
        systemd.drainCalls();
        assertThat(reconciler.purge(3)).isTrue();
        assertThat(systemd.drainCalls()).containsExactly("stop a.service", "stop b.service", "disable [a.service, b.service]",
                "reset-failed a.service", "reset-failed b.service");
        assertThat(dir.scan()).isEmpty();
    }

    @Test
    void aPassAfterThePurgeLoadsNothingAgain() {
        DesiredSet d = desired(DesiredUnit.of("a.service", DesiredState.LAUNCHED, file("/bin/sleep 100")));
        reconciler.reconcile(d);
        reconciler.purge(3);
        systemd.drainCalls();
        // a periodic or schedule pass that was waiting for the purge, with the schedule it had read before
        assertThat(reconciler.reconcile(d).tasks()).isEmpty();
        assertThat(systemd.drainCalls()).isEmpty();
        assertThat(dir.scan()).isEmpty();
    }

    @Test
    void statesAreReportedWithTheLaunchedFlagAndWithdrawnOnUnload() throws Exception {
        publisher.start();
        UnitFile f = file("/bin/sleep 100");
        reconciler.reconcile(desired(DesiredUnit.of("a.service", DesiredState.LAUNCHED, f)));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> lastState("a.service") != null
                && lastState("a.service").activeState().equals("active"));
        UnitState r = lastState("a.service");
        assertThat(r.launched()).isTrue();
        assertThat(r.hash()).isEqualTo(f.hash());
        assertThat(r.subState()).isEqualTo("running");

        reconciler.reconcile(desired());
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            synchronized (reports) {
                return removals.stream().anyMatch(l -> l.contains("a.service"));
            }
        });
    }

    private UnitState lastState(String name) {
        synchronized (reports) {
            UnitState last = null;
            for (List<UnitState> batch : reports) {
                for (UnitState s : batch) {
                    if (s.name().equals(name)) {
                        last = s;
                    }
                }
            }
            return last;
        }
    }
}
