package dev.fleet.it.agent;

import dev.fleet.testkit.FleetV1Client;
import dev.fleet.testkit.FleetV1Client.Option;
import dev.fleet.testkit.machines.DevCluster;
import dev.fleet.testkit.machines.DevClusterExtension;
import dev.fleet.testkit.machines.SystemdMachine;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
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

    static List<Option> sleep(String seconds) {
        return List.of(Option.service("ExecStart", "/bin/sleep " + seconds));
    }

    private SystemdMachine placed(String unit) {
        AtomicReference<SystemdMachine> m = new AtomicReference<>();
        await().atMost(WAIT).until(() -> {
            m.set(MachineView.machineOf(FLEET.cluster(), unit).orElse(null));
            return m.get() != null;
        });
        return m.get();
    }

    private JsonObject apiState(String unit) throws Exception {
        JsonObject body = FLEET.cluster().client().send("GET", "/fleet/v1/state?unitName=" + unit, null).json();
        if (body == null || !body.containsKey("states")) {
            return null;
        }
        List<JsonValue> states = body.getJsonArray("states");
        return states.isEmpty() ? null : states.get(0).asJsonObject();
    }

    @Test
    void loadStartStopUnloadDestroy() throws Exception {
        DevCluster c = FLEET.cluster();
        FleetV1Client api = c.client();
        String unit = "life.service";
        assertThat(api.putUnit(unit, sleep("1000"), "loaded")).isEqualTo(201);

        SystemdMachine m = placed(unit);
        await().atMost(WAIT).until(() -> fileLoaded(m, unit) && show(m, unit).get("LoadState").equals("loaded"));
        assertThat(activeState(m, unit)).isEqualTo("inactive");
        assertThat(Files.readString(m.rootPath().resolve(MachineView.UNITS_DIR).resolve(unit))).contains("ExecStart=/bin/sleep 1000");
        await().atMost(WAIT).until(() -> apiState(unit) != null && apiState(unit).getString("systemdLoadState").equals("loaded"));

        assertThat(api.setDesiredState(unit, "launched")).isEqualTo(204);
        await().atMost(WAIT).until(() -> activeState(m, unit).equals("active"));
        assertThat(show(m, unit).get("SubState")).isEqualTo("running");
        await().atMost(WAIT).until(() -> "active".equals(apiState(unit).getString("systemdActiveState"))
                && "running".equals(apiState(unit).getString("systemdSubState")));
        await().atMost(WAIT).until(() -> "launched".equals(api.getUnit(unit).orElseThrow().currentState()));

        assertThat(api.setDesiredState(unit, "loaded")).isEqualTo(204);
        await().atMost(WAIT).until(() -> activeState(m, unit).equals("inactive"));
        assertThat(fileLoaded(m, unit)).isTrue();

        assertThat(api.setDesiredState(unit, "inactive")).isEqualTo(204);
        await().atMost(WAIT).until(() -> !fileLoaded(m, unit));
        await().atMost(WAIT).until(() -> show(m, unit).get("LoadState").equals("not-found"));
        await().atMost(WAIT).until(() -> apiState(unit) == null);

        assertThat(api.deleteUnit(unit)).isEqualTo(204);
        assertThat(api.getUnit(unit)).isEmpty();
        for (SystemdMachine any : c.machines()) {
            assertThat(fileLoaded(any, unit)).isFalse();
        }
    }

    @Test
    void newContentsRestartTheUnitWithThem() throws Exception {
        FleetV1Client api = FLEET.cluster().client();
        String unit = "replaced.service";
        assertThat(api.putUnit(unit, sleep("1001"), "launched")).isEqualTo(201);
        SystemdMachine m = placed(unit);
        await().atMost(WAIT).until(() -> activeState(m, unit).equals("active"));
        String before = show(m, unit).get("InvocationID");

        assertThat(api.putUnit(unit, sleep("2002"), "launched")).isIn(200, 201, 204);
        SystemdMachine now = placed(unit);
        assertThat(now.name()).as("a replaced unit keeps its machine when it still fits").isEqualTo(m.name());
        await().atMost(WAIT).until(() -> {
            Map<String, String> s = show(m, unit);
            return s.get("ActiveState").equals("active") && !s.get("InvocationID").equals(before);
        });
        assertThat(m.exec("systemctl", "show", "-p", "ExecStart", unit).output()).contains("/bin/sleep 2002").doesNotContain("1001");
        assertThat(api.deleteUnit(unit)).isEqualTo(204);
        await().atMost(WAIT).until(() -> !fileLoaded(m, unit));
    }

    @Test
    void aUnitThatCannotStartIsReportedFailedWithSystemdsResult() throws Exception {
        FleetV1Client api = FLEET.cluster().client();
        String unit = "broken.service";
        assertThat(api.putUnit(unit, List.of(Option.service("ExecStart", "/nonexistent/fleet-test-binary")), "launched")).isEqualTo(201);
        SystemdMachine m = placed(unit);
        await().atMost(WAIT).until(() -> activeState(m, unit).equals("failed"));
        assertThat(show(m, unit).get("Result")).isEqualTo("exit-code");
        await().atMost(WAIT).until(() -> apiState(unit) != null && "failed".equals(apiState(unit).getString("systemdActiveState")));
        JsonObject s = apiState(unit);
        assertThat(s.getString("systemdSubState")).isEqualTo("failed");
        assertThat(s.getString("systemdResult", "")).isEqualTo("exit-code");
        assertThat(api.deleteUnit(unit)).isEqualTo(204);
        await().atMost(WAIT).until(() -> !fileLoaded(m, unit));
    }

    @Test
    void aUnitWithABadDirectiveIsReportedWithSystemdsVerdict() throws Exception {
        FleetV1Client api = FLEET.cluster().client();
        String unit = "baddirective.service";
        // systemd refuses a relative ExecStart path: the unit loads as bad-setting and StartUnit is refused
        assertThat(api.putUnit(unit, List.of(Option.service("ExecStart", "relative/path/binary")), "launched")).isEqualTo(201);
        SystemdMachine m = placed(unit);
        await().atMost(WAIT).until(() -> show(m, unit).get("LoadState").equals("bad-setting"));
        await().atMost(WAIT).until(() -> apiState(unit) != null && "bad-setting".equals(apiState(unit).getString("systemdLoadState")));
        assertThat(apiState(unit).getString("systemdActiveState")).isNotEqualTo("active");
        assertThat(api.deleteUnit(unit)).isEqualTo(204);
        await().atMost(WAIT).until(() -> !fileLoaded(m, unit));
    }

    @Test
    void anInstallSidekickStartsWithItsTarget() throws Exception {
        FleetV1Client api = FLEET.cluster().client();
        assertThat(api.putUnit("app.service", sleep("1003"), "loaded")).isEqualTo(201);
        List<Option> side = new ArrayList<>(sleep("1004"));
        side.add(new Option("Unit", "BindsTo", "app.service"));
        side.add(new Option("Unit", "After", "app.service"));
        side.add(new Option("Install", "WantedBy", "app.service"));
        side.add(Option.xFleet("MachineOf", "app.service"));
        assertThat(api.putUnit("app-sidekick.service", side, "loaded")).isEqualTo(201);
        SystemdMachine m = placed("app.service");
        await().atMost(WAIT).until(() -> fileLoaded(m, "app-sidekick.service")
                && show(m, "app-sidekick.service").get("UnitFileState").equals("enabled-runtime"));
        assertThat(activeState(m, "app-sidekick.service")).isEqualTo("inactive");

        assertThat(api.setDesiredState("app.service", "launched")).isEqualTo(204);
        await().atMost(WAIT).until(() -> activeState(m, "app.service").equals("active")
                && activeState(m, "app-sidekick.service").equals("active"));

        assertThat(api.deleteUnit("app-sidekick.service")).isEqualTo(204);
        assertThat(api.deleteUnit("app.service")).isEqualTo(204);
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
            FleetV1Client.Response r = c.client().send("PUT", "/fleet/v1/units/" + path, body);
            assertThat(r.status()).as(path).isIn(400, 404);
            if (r.status() == 400) {
                assertThat(r.json().getJsonObject("error").getInt("code")).isEqualTo(400);
            }
        }
        assertThat(c.client().listUnits()).extracting(FleetV1Client.Unit::name).noneMatch(n -> n.contains("x.service") || n.length() > 256);
        for (int i = 0; i < c.machines().size(); i++) {
            SystemdMachine m = c.machines().get(i);
            assertThat(MachineView.unitFiles(m)).isEqualTo(before.get(i));
            assertThat(Files.exists(m.rootPath().resolve("run/fleet/x.service"))).isFalse();
        }
    }
}
