package dev.fleet.it.agent;

import dev.fleet.client.FleetClient;
import dev.fleet.schema.ApiError;
import dev.fleet.schema.Unit;
import dev.fleet.schema.UnitState;
import dev.fleet.testkit.UnitOptions;
import dev.fleet.testkit.machines.DevCluster;
import dev.fleet.testkit.machines.DevClusterExtension;
import dev.fleet.testkit.machines.SystemdMachine;
import dev.fleet.unit.UnitOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static dev.fleet.it.agent.MachineView.activeState;
import static dev.fleet.it.agent.MachineView.fileLoaded;
import static dev.fleet.it.agent.MachineView.show;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A unit's whole life through API v1, checked on the real systemd of the machine it lands on: load, start,
 * stop, unload, destroy; new contents restart it; a unit that cannot start is reported failed (a missing binary) or
 * with systemd's load verdict (a bad directive); an
 * {@code [Install] WantedBy=} sidekick starts with its target; hostile names never reach a machine.
 */
class UnitLifecycleIT {

    @RegisterExtension
    static final DevClusterExtension FLEET = DevClusterExtension.nodes(1).machines(2).ttl("5s");

    static final Duration WAIT = Duration.ofSeconds(60);

    static List<UnitOption> sleep(String seconds) {
        return List.of(UnitOptions.service("ExecStart", "/bin/sleep " + seconds));
    }

    private SystemdMachine placed(String unit) {
        AtomicReference<SystemdMachine> m = new AtomicReference<>();
        await().atMost(WAIT).until(() -> {
            m.set(MachineView.machineOf(FLEET.cluster(), unit).orElse(null));
            return m.get() != null;
        });
        return m.get();
    }

    /** The unit's state in {@code GET /fleet/v1/state?unitName=UNIT}, or null when none is reported. */
    private UnitState apiState(String unit) {
        List<UnitState> states = FLEET.cluster().client().states(null, unit);
        return states.isEmpty() ? null : states.get(0);
    }

    /** {@code DELETE /fleet/v1/units/UNIT}: the status itself, for the test to check. */
    private static int delete(FleetClient api, String unit) {
        return api.send("DELETE", FleetClient.UNITS + "/" + FleetClient.segment(unit), null).status();
    }

    @Test
    void loadStartStopUnloadDestroy() throws Exception {
        DevCluster c = FLEET.cluster();
        FleetClient api = c.client();
        String unit = "life.service";
        assertThat(api.putUnit(Unit.put(unit, sleep("1000"), "loaded"))).isEqualTo(201);

        SystemdMachine m = placed(unit);
        await().atMost(WAIT).until(() -> fileLoaded(m, unit) && show(m, unit).get("LoadState").equals("loaded"));
        assertThat(activeState(m, unit)).isEqualTo("inactive");
        assertThat(Files.readString(m.rootPath().resolve(MachineView.UNITS_DIR).resolve(unit))).contains("ExecStart=/bin/sleep 1000");
        await().atMost(WAIT).until(() -> apiState(unit) != null && apiState(unit).loadState().equals("loaded"));

        assertThat(api.putUnit(Unit.put(unit, List.of(), "launched"))).isEqualTo(204);
        await().atMost(WAIT).until(() -> activeState(m, unit).equals("active"));
        assertThat(show(m, unit).get("SubState")).isEqualTo("running");
        await().atMost(WAIT).until(() -> "active".equals(apiState(unit).activeState())
                && "running".equals(apiState(unit).subState()));
        await().atMost(WAIT).until(() -> "launched".equals(api.unit(unit).orElseThrow().currentState()));

        assertThat(api.putUnit(Unit.put(unit, List.of(), "loaded"))).isEqualTo(204);
        await().atMost(WAIT).until(() -> activeState(m, unit).equals("inactive"));
        assertThat(fileLoaded(m, unit)).isTrue();

        assertThat(api.putUnit(Unit.put(unit, List.of(), "inactive"))).isEqualTo(204);
        await().atMost(WAIT).until(() -> !fileLoaded(m, unit));
        await().atMost(WAIT).until(() -> show(m, unit).get("LoadState").equals("not-found"));
        await().atMost(WAIT).until(() -> apiState(unit) == null);

        assertThat(delete(api, unit)).isEqualTo(204);
        assertThat(api.unit(unit)).isEmpty();
        for (SystemdMachine any : c.machines()) {
            assertThat(fileLoaded(any, unit)).isFalse();
        }
    }

    @Test
    void newContentsRestartTheUnitWithThem() throws Exception {
        FleetClient api = FLEET.cluster().client();
        String unit = "replaced.service";
        assertThat(api.putUnit(Unit.put(unit, sleep("1001"), "launched"))).isEqualTo(201);
        SystemdMachine m = placed(unit);
        await().atMost(WAIT).until(() -> activeState(m, unit).equals("active"));
        String before = show(m, unit).get("InvocationID");

        assertThat(api.putUnitResponse(Unit.put(unit, sleep("2002"), "launched")).status()).isIn(200, 201, 204);
        SystemdMachine now = placed(unit);
        assertThat(now.name()).as("a replaced unit keeps its machine when it still fits").isEqualTo(m.name());
        await().atMost(WAIT).until(() -> {
            Map<String, String> s = show(m, unit);
            return s.get("ActiveState").equals("active") && !s.get("InvocationID").equals(before);
        });
        assertThat(m.exec("systemctl", "show", "-p", "ExecStart", unit).output()).contains("/bin/sleep 2002").doesNotContain("1001");
        assertThat(delete(api, unit)).isEqualTo(204);
        await().atMost(WAIT).until(() -> !fileLoaded(m, unit));
    }

    @Test
    void aUnitThatCannotStartIsReportedFailedWithSystemdsResult() throws Exception {
        FleetClient api = FLEET.cluster().client();
        String unit = "broken.service";
        assertThat(api.putUnit(Unit.put(unit, List.of(UnitOptions.service("ExecStart", "/nonexistent/fleet-test-binary")), "launched"))).isEqualTo(201);
        SystemdMachine m = placed(unit);
        await().atMost(WAIT).until(() -> activeState(m, unit).equals("failed"));
        assertThat(show(m, unit).get("Result")).isEqualTo("exit-code");
        await().atMost(WAIT).until(() -> apiState(unit) != null && "failed".equals(apiState(unit).activeState()));
        UnitState s = apiState(unit);
        assertThat(s.subState()).isEqualTo("failed");
        assertThat(s.result()).isEqualTo("exit-code");
        assertThat(delete(api, unit)).isEqualTo(204);
        await().atMost(WAIT).until(() -> !fileLoaded(m, unit));
    }

    @Test
    void aUnitWithABadDirectiveIsReportedWithSystemdsVerdict() throws Exception {
        FleetClient api = FLEET.cluster().client();
        String unit = "baddirective.service";
        // systemd refuses a relative ExecStart path: the unit loads as bad-setting and StartUnit is refused
        assertThat(api.putUnit(Unit.put(unit, List.of(UnitOptions.service("ExecStart", "relative/path/binary")), "launched"))).isEqualTo(201);
        SystemdMachine m = placed(unit);
        await().atMost(WAIT).until(() -> show(m, unit).get("LoadState").equals("bad-setting"));
        await().atMost(WAIT).until(() -> apiState(unit) != null && "bad-setting".equals(apiState(unit).loadState()));
        assertThat(apiState(unit).activeState()).isNotEqualTo("active");
        assertThat(delete(api, unit)).isEqualTo(204);
        await().atMost(WAIT).until(() -> !fileLoaded(m, unit));
    }

    @Test
    void anInstallSidekickStartsWithItsTarget() throws Exception {
        FleetClient api = FLEET.cluster().client();
        assertThat(api.putUnit(Unit.put("app.service", sleep("1003"), "loaded"))).isEqualTo(201);
        List<UnitOption> side = new ArrayList<>(sleep("1004"));
        side.add(UnitOptions.unit("BindsTo", "app.service"));
        side.add(UnitOptions.unit("After", "app.service"));
        side.add(new UnitOption("Install", "WantedBy", "app.service"));
        side.add(UnitOptions.xFleet("MachineOf", "app.service"));
        assertThat(api.putUnit(Unit.put("app-sidekick.service", side, "loaded"))).isEqualTo(201);
        SystemdMachine m = placed("app.service");
        await().atMost(WAIT).until(() -> fileLoaded(m, "app-sidekick.service")
                && show(m, "app-sidekick.service").get("UnitFileState").equals("enabled-runtime"));
        assertThat(activeState(m, "app-sidekick.service")).isEqualTo("inactive");

        assertThat(api.putUnit(Unit.put("app.service", List.of(), "launched"))).isEqualTo(204);
        await().atMost(WAIT).until(() -> activeState(m, "app.service").equals("active")
                && activeState(m, "app-sidekick.service").equals("active"));

        assertThat(delete(api, "app-sidekick.service")).isEqualTo(204);
        assertThat(delete(api, "app.service")).isEqualTo(204);
        await().atMost(WAIT).until(() -> !fileLoaded(m, "app.service") && !fileLoaded(m, "app-sidekick.service"));
    }

    @Test
    void hostileNamesAreRefusedAndNothingReachesAMachine() throws Exception {
        DevCluster c = FLEET.cluster();
        List<List<String>> before = new ArrayList<>();
        for (SystemdMachine m : c.machines()) {
            before.add(MachineView.unitFiles(m));
        }
        String body = "{\"desiredState\":\"launched\",\"options\":[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\"/bin/true\"}]}";
        for (String path : List.of("..%2Fx.service", "%2E%2E%2Fx.service", "a".repeat(249) + ".service", "x%0A.service")) {
            FleetClient.Response r = c.client().send("PUT", "/fleet/v1/units/" + path, body);
            assertThat(r.status()).as(path).isIn(400, 404);
            if (r.status() == 400) {
                ApiError e = r.error();
                assertThat(e).as("error JSON of %s: %s", path, r.body()).isNotNull();
                assertThat(e.code()).isEqualTo(400);
            }
        }
        assertThat(c.client().units()).extracting(Unit::name).noneMatch(n -> n.contains("x.service") || n.length() > 256);
        for (int i = 0; i < c.machines().size(); i++) {
            SystemdMachine m = c.machines().get(i);
            assertThat(MachineView.unitFiles(m)).isEqualTo(before.get(i));
            assertThat(Files.exists(m.rootPath().resolve("run/fleet/x.service"))).isFalse();
        }
    }
}
