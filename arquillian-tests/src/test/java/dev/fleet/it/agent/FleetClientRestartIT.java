package dev.fleet.it.agent;

import dev.fleet.client.FleetClient;
import dev.fleet.schema.Codec;
import dev.fleet.schema.Unit;
import dev.fleet.testkit.machines.DevCluster;
import dev.fleet.testkit.machines.DevClusterExtension;
import dev.fleet.testkit.machines.SystemdMachine;
import dev.fleet.unit.UnitOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * fleet's own Go {@code fleetctl restart} of launched units, its requests reproduced one by one: it sets the target
 * {@code loaded}, polls the unit (at once, then every 500 ms) until {@code currentState} reads {@code launched} (its
 * quirk: it waits for launched, not loaded), then sets {@code launched} and polls the same way. With block attempts 0
 * (its default) it would poll forever. It must return, and each unit must really have been restarted: active again
 * under a new InvocationID.
 */
class FleetClientRestartIT {

    @RegisterExtension
    static final DevClusterExtension FLEET = DevClusterExtension.nodes(1).machines(2).ttl("5s");

    static final List<String> UNITS = List.of("restart-a.service", "restart-b.service", "restart-c.service");

    @Test
    void fleetsRestartSequenceReturnsWithTheUnitsRunAgain() throws Exception {
        DevCluster c = FLEET.cluster();
        FleetClient api = new FleetClient(c.endpoints());
        for (String u : UNITS) {
            api.putUnit(Unit.put(u, List.of(new UnitOption("Service", "ExecStart", "/bin/sleep 100000")), "launched"));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> UNITS.stream().allMatch(u -> "active".equals(
                MachineView.show(machineOf(api, u), u).get("ActiveState"))));
        Map<String, String> before = new LinkedHashMap<>();
        for (String u : UNITS) {
            before.put(u, MachineView.show(machineOf(api, u), u).get("InvocationID"));
            assertThat(currentState(api, u)).isEqualTo("launched");
        }

        // runRestartUnit: one listing (findUnits), then per unit setUnitStateAndWait(loaded), setUnitStateAndWait(launched)
        assertThat(api.send("GET", "/fleet/v1/units?alt=json", null).status()).isEqualTo(200);
        CompletableFuture<Void> restart = CompletableFuture.runAsync(() -> {
            for (String u : UNITS) {
                setUnitStateAndWait(api, u, "loaded");
                setUnitStateAndWait(api, u, "launched");
            }
        });
        restart.get(60, TimeUnit.SECONDS);

        for (String u : UNITS) {
            SystemdMachine m = machineOf(api, u);
            await().atMost(Duration.ofSeconds(30)).until(() -> "active".equals(MachineView.show(m, u).get("ActiveState")));
            assertThat(MachineView.show(m, u).get("InvocationID")).as(u + " was restarted; agent: " + m.exec("journalctl", "-u",
                    DevCluster.AGENT_UNIT, "--no-pager", "-n", "40").output()).isNotEqualTo(before.get(u)).isNotEmpty();
        }
    }

    /** fleet's client: PUT {"desiredState":S,"name":U}, then assertUnitState until currentState is launched. */
    static void setUnitStateAndWait(FleetClient api, String unit, String target) {
        String body = "{\"desiredState\":\"" + target + "\",\"name\":\"" + unit + "\"}";
        assertThat(api.send("PUT", "/fleet/v1/units/" + unit + "?alt=json", body).status()).isEqualTo(204);
        while (!"launched".equals(currentState(api, unit))) {
            try {
                Thread.sleep(500); // fleet's defaultSleepTime between two checks: part of the sequence reproduced
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        // the legend of "Unit X launched on MACHINE": one machine listing
        assertThat(api.send("GET", "/fleet/v1/machines?alt=json", null).status()).isEqualTo(200);
    }

    static String currentState(FleetClient api, String unit) {
        FleetClient.Response r = api.send("GET", "/fleet/v1/units/" + unit + "?alt=json", null);
        assertThat(r.status()).isEqualTo(200);
        return Codec.readUnit(r.body()).currentState();
    }

    static SystemdMachine machineOf(FleetClient api, String unit) {
        String id = api.unit(unit).orElseThrow().machineID();
        return FLEET.cluster().machines().stream().filter(m -> m.machineId().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError(unit + " is on no machine of the cluster (" + id + ")"));
    }
}
