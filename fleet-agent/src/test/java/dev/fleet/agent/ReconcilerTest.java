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
        reconciler = new Reconciler(systemd, dir, publisher, new Log(new PrintStream(new ByteArrayOutputStream()), false));
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
    void aUnitWhoseStopFailsKeepsItsFileAndNothingIsLoadedInThatPass() {
        reconciler.reconcile(desired(DesiredUnit.of("a.service", DesiredState.LAUNCHED, file("/bin/sleep 100"))));
        systemd.drainCalls();
        systemd.failStop.add("a.service");
        Reconciler.Pass p = reconciler.reconcile(desired(DesiredUnit.of("b.service", DesiredState.LAUNCHED, file("/bin/true"))));
        assertThat(p.succeeded()).isFalse();
        assertThat(p.failures()).singleElement().asString().contains("unload a.service").contains("file is kept");
        assertThat(systemd.drainCalls()).containsExactly("stop a.service");
        assertThat(dir.scan()).containsOnlyKeys("a.service");

        systemd.failStop.clear();
        assertThat(reconciler.reconcile(desired(DesiredUnit.of("b.service", DesiredState.LAUNCHED, file("/bin/true")))).succeeded()).isTrue();
        assertThat(dir.scan()).containsOnlyKeys("b.service");
    }

    @Test
    void aStartSystemdRefusesFailsThePassButOtherUnitsStart() {
        systemd.refuseStart.add("a.service");
        Reconciler.Pass p = reconciler.reconcile(desired(DesiredUnit.of("a.service", DesiredState.LAUNCHED, file("/bin/x")),
                DesiredUnit.of("b.service", DesiredState.LAUNCHED, file("/bin/y"))));
        assertThat(p.failures()).singleElement().asString().startsWith("start a.service: ").contains("bad unit file setting");
        assertThat(systemd.drainCalls()).contains("start a.service", "start b.service");
        // retried next pass
        systemd.refuseStart.clear();
        reconciler.reconcile(desired(DesiredUnit.of("a.service", DesiredState.LAUNCHED, file("/bin/x")),
                DesiredUnit.of("b.service", DesiredState.LAUNCHED, file("/bin/y"))));
        assertThat(systemd.drainCalls()).containsExactly("start a.service");
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
