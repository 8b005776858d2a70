package dev.fleet.it.agent;

import dev.fleet.client.FleetClient;
import dev.fleet.schema.Unit;
import dev.fleet.testkit.UnitOptions;
import dev.fleet.testkit.machines.DevCluster;
import dev.fleet.testkit.machines.DevClusterExtension;
import dev.fleet.unit.UnitOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.fleet.it.agent.MachineView.activeOn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** [X-Fleet] placement, checked by what systemd runs on three real machines (m1 has region=eu). */
class PlacementOnMachinesIT {

    @RegisterExtension
    static final DevClusterExtension FLEET = DevClusterExtension.nodes(1).machines(3).ttl("5s").metadata("m1", "region=eu");

    static final Duration WAIT = Duration.ofSeconds(60);

    static List<UnitOption> unit(String exec, UnitOption... xfleet) {
        List<UnitOption> o = new ArrayList<>(List.of(UnitOptions.service("ExecStart", exec)));
        o.addAll(List.of(xfleet));
        return o;
    }

    @Test
    void globalUnitsRunOnEveryMatchingMachine() throws Exception {
        FleetClient api = FLEET.cluster().client();
        assertThat(api.putUnit(Unit.put("everywhere.service", unit("/bin/sleep 1100", UnitOptions.xFleet("Global", "true")), "launched"))).isEqualTo(201);
        assertThat(api.putUnit(Unit.put("eu-everywhere.service", unit("/bin/sleep 1101", UnitOptions.xFleet("Global", "true"),
                UnitOptions.xFleet("MachineMetadata", "region=eu")), "launched"))).isEqualTo(201);
        await().atMost(WAIT).until(() -> activeOn(FLEET.cluster(), "everywhere.service").size() == 3);
        await().atMost(WAIT).until(() -> activeOn(FLEET.cluster(), "eu-everywhere.service").equals(List.of("m1")));
        assertThat(activeOn(FLEET.cluster(), "everywhere.service")).containsExactly("m1", "m2", "m3");
        api.destroy("everywhere.service");
        api.destroy("eu-everywhere.service");
        await().atMost(WAIT).until(() -> activeOn(FLEET.cluster(), "everywhere.service").isEmpty());
    }

    @Test
    void conflictsSpreadMachineOfCoLocatesMetadataRestricts() throws Exception {
        DevCluster c = FLEET.cluster();
        FleetClient api = c.client();
        for (int i = 1; i <= 3; i++) {
            assertThat(api.putUnit(Unit.put("spread-" + i + ".service", unit("/bin/sleep 120" + i, UnitOptions.xFleet("Conflicts", "spread-*.service")),
                    "launched"))).isEqualTo(201);
        }
        assertThat(api.putUnit(Unit.put("follower.service", unit("/bin/sleep 1210", UnitOptions.xFleet("MachineOf", "spread-2.service")), "launched")))
                .isEqualTo(201);
        assertThat(api.putUnit(Unit.put("eu-only.service", unit("/bin/sleep 1211", UnitOptions.xFleet("MachineMetadata", "region=eu")), "launched")))
                .isEqualTo(201);

        await().atMost(WAIT).until(() -> {
            for (String u : List.of("spread-1.service", "spread-2.service", "spread-3.service", "follower.service", "eu-only.service")) {
                if (activeOn(c, u).size() != 1) {
                    return false;
                }
            }
            return true;
        });
        Set<String> spreadMachines = new HashSet<>();
        for (int i = 1; i <= 3; i++) {
            spreadMachines.addAll(activeOn(c, "spread-" + i + ".service"));
        }
        assertThat(spreadMachines).as("one conflicting unit per machine").containsExactlyInAnyOrder("m1", "m2", "m3");
        assertThat(activeOn(c, "follower.service")).isEqualTo(activeOn(c, "spread-2.service"));
        assertThat(activeOn(c, "eu-only.service")).containsExactly("m1");

        // a fourth conflicting unit has nowhere to go: the API says why, and no machine runs it
        assertThat(api.putUnit(Unit.put("spread-4.service", unit("/bin/sleep 1204", UnitOptions.xFleet("Conflicts", "spread-*.service")), "launched")))
                .isEqualTo(201);
        await().atMost(WAIT).until(() -> api.unit("spread-4.service").orElseThrow().reason() != null);
        assertThat(api.unit("spread-4.service").orElseThrow().reason()).contains("conflict");
        assertThat(activeOn(c, "spread-4.service")).isEmpty();
    }
}
