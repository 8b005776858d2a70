package dev.fleet.it.agent;

import dev.fleet.testkit.FleetV1Client;
import dev.fleet.testkit.FleetV1Client.Option;
import dev.fleet.testkit.machines.DevCluster;
import dev.fleet.testkit.machines.DevClusterExtension;
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

    static List<Option> unit(String exec, Option... xfleet) {
        List<Option> o = new ArrayList<>(List.of(Option.service("ExecStart", exec)));
        o.addAll(List.of(xfleet));
        return o;
    }

    @Test
    void globalUnitsRunOnEveryMatchingMachine() throws Exception {
        FleetV1Client api = FLEET.cluster().client();
        assertThat(api.putUnit("everywhere.service", unit("/bin/sleep 1100", Option.xFleet("Global", "true")), "launched")).isEqualTo(201);
        assertThat(api.putUnit("eu-everywhere.service", unit("/bin/sleep 1101", Option.xFleet("Global", "true"),
                Option.xFleet("MachineMetadata", "region=eu")), "launched")).isEqualTo(201);
        await().atMost(WAIT).until(() -> activeOn(FLEET.cluster(), "everywhere.service").size() == 3);
        await().atMost(WAIT).until(() -> activeOn(FLEET.cluster(), "eu-everywhere.service").equals(List.of("m1")));
        assertThat(activeOn(FLEET.cluster(), "everywhere.service")).containsExactly("m1", "m2", "m3");
        api.deleteUnit("everywhere.service");
        api.deleteUnit("eu-everywhere.service");
        await().atMost(WAIT).until(() -> activeOn(FLEET.cluster(), "everywhere.service").isEmpty());
    }

    @Test
    void conflictsSpreadMachineOfCoLocatesMetadataRestricts() throws Exception {
        DevCluster c = FLEET.cluster();
        FleetV1Client api = c.client();
        for (int i = 1; i <= 3; i++) {
            assertThat(api.putUnit("spread-" + i + ".service", unit("/bin/sleep 120" + i, Option.xFleet("Conflicts", "spread-*.service")),
                    "launched")).isEqualTo(201);
        }
        assertThat(api.putUnit("follower.service", unit("/bin/sleep 1210", Option.xFleet("MachineOf", "spread-2.service")), "launched"))
                .isEqualTo(201);
        assertThat(api.putUnit("eu-only.service", unit("/bin/sleep 1211", Option.xFleet("MachineMetadata", "region=eu")), "launched"))
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
        assertThat(api.putUnit("spread-4.service", unit("/bin/sleep 1204", Option.xFleet("Conflicts", "spread-*.service")), "launched"))
                .isEqualTo(201);
        await().atMost(WAIT).until(() -> api.getUnit("spread-4.service").orElseThrow().reason() != null);
        assertThat(api.getUnit("spread-4.service").orElseThrow().reason()).contains("conflict");
        assertThat(activeOn(c, "spread-4.service")).isEmpty();
    }
}
