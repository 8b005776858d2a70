package dev.fleet.agent.systemd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.fleet.agent.systemd.SystemdPort.SystemdException;
import dev.fleet.agent.systemd.SystemdPort.UnitState;
import dev.fleet.testkit.machines.DevCluster;
import dev.fleet.testkit.machines.SystemdMachine;

/**
 * {@link DbusSystemd} against a real systemd: one bare machine of the test kit ({@link DevCluster} with no node and
 * no agent: a {@link SystemdMachine}, systemd-nspawn on an overlay of {@code /}, recorded under /run/fleet-machines
 * like every machine of the kit), reached from the host through its system bus. Skipped unless the host can boot
 * machines ({@link SystemdMachine#unavailableBecause()}: root with systemd-nspawn).
 */
class DbusSystemdIT {

    private static final Duration LIMIT = Duration.ofSeconds(30);
    /** Unit files live here inside the machine (its own tmpfs), written by the host through /proc/<pid1>/root. */
    private static final String UNIT_DIR = "/run/fleet-dbus-it";

    private static DevCluster cluster;
    private static SystemdMachine machine;
    private static DbusSystemd systemd;
    private static final List<Delivery> deliveries = new CopyOnWriteArrayList<>();

    record Delivery(UnitState state, long nanos, String thread) {
    }

    @BeforeAll
    static void bootMachine() throws Exception {
        Optional<String> unavailable = SystemdMachine.unavailableBecause();
        assumeTrue(unavailable.isEmpty(), () -> "no systemd machine: " + unavailable.orElse(""));
        long t0 = System.nanoTime();
        // fleet-agent must not run in it: this test is the only client of the machine's systemd
        cluster = DevCluster.builder().nodes(0).machines(1).agents(false).start();
        machine = cluster.machine("m1");
        System.out.printf("[measure] machine %s booted to running in %d ms%n", machine.name(), (System.nanoTime() - t0) / 1_000_000);
        Files.createDirectories(machine.hostPath(UNIT_DIR));
        systemd = DbusSystemd.connect(machine.busAddress());
        systemd.subscribe(state -> deliveries.add(new Delivery(state, System.nanoTime(), Thread.currentThread().getName())));
    }

    @AfterAll
    static void tearDown() {
        try {
            if (systemd != null) {
                systemd.close();
            }
        } finally {
            if (cluster != null) {
                cluster.close(); // the machine, its bridge, cgroups and records
            }
        }
    }

    @Test
    void startAndStopCompleteWithJobResultsAndDeliverStates() throws Exception {
        String unit = "fleet-hello.service";
        install(unit, "[Service]\nExecStart=/bin/sleep infinity\n");

        assertThat(systemd.startUnit(unit).get(LIMIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("done");
        UnitState running = awaitState(unit, "active", "running");
        assertThat(running.loadState()).isEqualTo("loaded");
        assertThat(running.result()).isEqualTo("success");
        assertThat(running.invocationId()).matches("[0-9a-f]{32}");
        assertThat(deliveries).allSatisfy(d -> assertThat(d.thread()).isEqualTo("systemd-events"));

        Map<String, String> props = systemd.properties(unit);
        assertThat(props.get("InvocationID")).isEqualTo(running.invocationId());
        assertThat(Long.parseLong(props.get("MainPID"))).isPositive();
        assertThat(props).containsEntry("Id", unit).containsEntry("ActiveState", "active").containsEntry("SubState", "running")
                .containsEntry("LoadState", "loaded").containsEntry("Result", "success")
                .containsEntry("FragmentPath", "/run/systemd/system/" + unit)
                .containsKeys("Description", "UnitFileState", "ExecMainStatus", "ActiveEnterTimestamp",
                        "StateChangeTimestamp", "NRestarts", "ControlGroup", "MemoryCurrent", "TasksCurrent");
        assertThat(Long.parseLong(props.get("ActiveEnterTimestamp"))).isPositive();
        assertThat(props.get("ControlGroup")).isEqualTo("/system.slice/" + unit);
        String mainPid = props.get("MainPID");
        assertThat(machine.exec("cat", "/proc/" + mainPid + "/cmdline").output()).contains("sleep");

        assertThat(systemd.states(List.of(unit))).containsEntry(unit, new UnitState(unit, "loaded", "active", "running", "", ""));

        assertThat(systemd.stopUnit(unit).get(LIMIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("done");
        awaitState(unit, "inactive", "dead");
        assertNoDuplicateDeliveries(unit);
    }

    @Test
    void aUnitWhoseBinaryIsMissingFailsAndResetFailedClearsIt() throws Exception {
        String unit = "fleet-missing-binary.service";
        install(unit, "[Service]\nType=exec\nExecStart=/nonexistent/fleet-no-such-binary\n");

        CompletableFuture<String> job = systemd.startUnit(unit);
        assertThat(job.get(LIMIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("failed");
        UnitState failed = awaitState(unit, "failed", "failed");
        assertThat(failed.result()).isEqualTo("exit-code");
        assertThat(systemd.properties(unit)).containsEntry("Result", "exit-code").containsEntry("ExecMainStatus", "203");

        systemd.resetFailedUnit(unit);
        UnitState reset = awaitState(unit, "inactive", "dead");
        assertThat(reset.result()).isEqualTo("success");
        assertThat(systemd.states(List.of(unit)).get(unit).activeState()).isEqualTo("inactive");
        assertNoDuplicateDeliveries(unit);
    }

    @Test
    void enableLinksIntoTheWantsOfItsTargetAndDisableRemovesIt() throws Exception {
        String unit = "fleet-enabled.service";
        Path file = writeUnitFile(unit, "[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n");
        Path wants = machine.hostPath("/run/systemd/system/multi-user.target.wants/" + unit);

        systemd.enableUnitFiles(List.of(file));
        systemd.reload();
        assertThat(Files.readSymbolicLink(wants)).isEqualTo(file);
        assertThat(systemd.properties(unit)).containsEntry("UnitFileState", "enabled-runtime").containsEntry("LoadState", "loaded");

        systemd.disableUnitFiles(List.of(unit));
        systemd.reload();
        assertThat(Files.exists(wants, java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(systemd.properties(unit).get("UnitFileState")).isNotEqualTo("enabled-runtime");
    }

    @Test
    void unknownUnitsAreNotFoundAndCallsSystemdRefusesThrow() throws Exception {
        String unknown = "fleet-no-such-unit.service";
        assertThat(systemd.states(List.of(unknown))).containsEntry(unknown, new UnitState(unknown, "not-found", "inactive", "dead", "", ""));
        systemd.resetFailedUnit(unknown); // not an error

        assertThatThrownBy(() -> systemd.startUnit(unknown))
                .isInstanceOf(SystemdException.class)
                .hasMessageContaining("org.freedesktop.systemd1.NoSuchUnit");

        String bad = "fleet-bad-setting.service";
        install(bad, "[Service]\nRestart=always\n"); // no ExecStart: bad-setting
        assertThat(systemd.states(List.of(bad)).get(bad).loadState()).isEqualTo("bad-setting");
        assertThatThrownBy(() -> systemd.startUnit(bad))
                .isInstanceOf(SystemdException.class)
                .hasMessageContaining(bad);

        assertThatThrownBy(() -> systemd.startUnit("../../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> systemd.linkUnitFiles(List.of(Path.of("relative.service")))).isInstanceOf(IllegalArgumentException.class);
    }

    /** Not asserted as timing: numbers for the design notes. */
    @Test
    void measureStartToActiveLatencyAndReload() throws Exception {
        String unit = "fleet-measure.service";
        install(unit, "[Service]\nExecStart=/bin/sleep infinity\n");
        List<Long> micros = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            long t0 = System.nanoTime();
            systemd.startUnit(unit);
            Delivery active = await().atMost(LIMIT).pollInterval(Duration.ofMillis(1))
                    .until(() -> lastDelivery(unit, t0), d -> d != null && d.state().activeState().equals("active"));
            micros.add((active.nanos() - t0) / 1_000);
            assertThat(systemd.stopUnit(unit).get(LIMIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("done");
            awaitState(unit, "inactive", "dead");
        }
        Collections.sort(micros);
        List<Long> reloadMillis = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            systemd.reload();
            reloadMillis.add((System.nanoTime() - t0) / 1_000_000);
        }
        System.out.printf("[measure] StartUnit -> active delivered: p50 %.1f ms, p90 %.1f ms, max %.1f ms over %d starts%n",
                micros.get(micros.size() / 2) / 1000.0, micros.get(micros.size() * 9 / 10) / 1000.0,
                micros.get(micros.size() - 1) / 1000.0, micros.size());
        System.out.printf("[measure] Reload: %s ms%n", reloadMillis);
        assertThat(micros).hasSize(50);
        assertNoDuplicateDeliveries(unit);
    }

    /** Not asserted as timing: 100 units linked in one call, one reload, started at once, all seen active. */
    @Test
    void hundredUnitsStartTogetherAndEachStateIsDeliveredOnce() throws Exception {
        List<Path> files = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            String unit = "fleet-many-" + i + ".service";
            names.add(unit);
            files.add(writeUnitFile(unit, "[Service]\nExecStart=/bin/sleep infinity\n"));
        }
        long t0 = System.nanoTime();
        systemd.linkUnitFiles(files);
        long linked = System.nanoTime();
        systemd.reload();
        long reloaded = System.nanoTime();
        List<CompletableFuture<String>> started = names.stream().map(systemd::startUnit).toList();
        CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).get(LIMIT.toSeconds(), TimeUnit.SECONDS);
        long jobsDone = System.nanoTime();
        names.forEach(unit -> awaitState(unit, "active", "running"));
        long allActive = System.nanoTime();
        assertThat(started).allSatisfy(f -> assertThat(f).isCompletedWithValue("done"));
        assertThat(systemd.states(names).values()).hasSize(100).allSatisfy(state -> assertThat(state.subState()).isEqualTo("running"));
        System.out.printf("[measure] 100 units: LinkUnitFiles %d ms, Reload %d ms, 100 StartUnit jobs done %d ms, all active delivered %d ms%n",
                (linked - t0) / 1_000_000, (reloaded - linked) / 1_000_000, (jobsDone - reloaded) / 1_000_000, (allActive - reloaded) / 1_000_000);

        List<CompletableFuture<String>> stopped = names.stream().map(systemd::stopUnit).toList();
        CompletableFuture.allOf(stopped.toArray(CompletableFuture[]::new)).get(LIMIT.toSeconds(), TimeUnit.SECONDS);
        names.forEach(unit -> awaitState(unit, "inactive", "dead"));
        names.forEach(DbusSystemdIT::assertNoDuplicateDeliveries);
    }

    private static Delivery lastDelivery(String unit, long notBefore) {
        Delivery last = null;
        for (Delivery d : deliveries) {
            if (d.state().name().equals(unit) && d.nanos() >= notBefore) {
                last = d;
            }
        }
        return last;
    }

    private static Path writeUnitFile(String unit, String content) throws IOException {
        Path inMachine = Path.of(UNIT_DIR, unit);
        Files.writeString(machine.hostPath(inMachine.toString()), content);
        return inMachine;
    }

    /** Write, link (runtime), reload once. */
    private static void install(String unit, String content) throws IOException {
        systemd.linkUnitFiles(List.of(writeUnitFile(unit, content)));
        systemd.reload();
    }

    private static UnitState awaitState(String unit, String active, String sub) {
        return await(unit + " " + active + "/" + sub).atMost(LIMIT).pollInterval(Duration.ofMillis(5))
                .until(() -> latest(unit), s -> s != null && s.activeState().equals(active) && s.subState().equals(sub));
    }

    private static UnitState latest(String unit) {
        UnitState last = null;
        for (Delivery d : deliveries) {
            if (d.state().name().equals(unit)) {
                last = d.state();
            }
        }
        return last;
    }

    /** De-duplication: consecutive deliveries of one unit always differ in (load, active, sub, result). */
    private static void assertNoDuplicateDeliveries(String unit) {
        List<List<String>> keys = deliveries.stream().map(Delivery::state).filter(s -> s.name().equals(unit))
                .map(s -> List.of(s.loadState(), s.activeState(), s.subState(), s.result())).toList();
        assertThat(keys).isNotEmpty();
        for (int i = 1; i < keys.size(); i++) {
            assertThat(keys.get(i)).as("delivery %d of %s: %s", i, unit, keys).isNotEqualTo(keys.get(i - 1));
        }
    }
}
