package dev.fleet.it.agent;

import dev.fleet.testkit.FleetNodeProcess;
import dev.fleet.schema.Unit;
import dev.fleet.testkit.UnitOptions;
import dev.fleet.testkit.machines.DevCluster;
import dev.fleet.testkit.machines.DevClusterExtension;
import dev.fleet.testkit.machines.SystemdMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.fleet.it.agent.MachineView.activeOn;
import static dev.fleet.it.agent.MachineView.show;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole control plane goes away and comes back (fleet §4.6): meanwhile the machines keep their units running
 * untouched; afterwards the agents re-register, nothing is restarted or moved, and new work is done again.
 */
class ControlPlaneOutageIT {

    @RegisterExtension
    static final DevClusterExtension FLEET = DevClusterExtension.nodes(1).machines(2).ttl("6s");

    static final List<String> UNITS = List.of("steady-1.service", "steady-2.service", "steady-3.service", "steady-4.service");

    @Test
    void unitsRunOnThroughAnOutageAndNothingMovesAfterIt() throws Exception {
        try {
            scenario();
        } catch (AssertionError | RuntimeException e) {
            for (SystemdMachine m : FLEET.cluster().machines()) { // what each agent did, for the report
                System.out.println("--- agent on " + m.name() + ":\n" + m.exec("journalctl", "-u", DevCluster.AGENT_UNIT, "--no-pager",
                        "-o", "cat", "-n", "60").output());
            }
            throw e;
        }
    }

    private void scenario() throws Exception {
        DevCluster c = FLEET.cluster();
        for (String u : UNITS) {
            assertThat(c.client().putUnit(Unit.put(u, List.of(UnitOptions.service("ExecStart", "/bin/sleep 1500")), "launched"))).isEqualTo(201);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> UNITS.stream().allMatch(u -> activeOn(c, u).size() == 1));
        Map<String, String> where = new LinkedHashMap<>();
        Map<String, String> invocation = new LinkedHashMap<>();
        for (String u : UNITS) {
            SystemdMachine m = c.machine(activeOn(c, u).get(0));
            where.put(u, m.name());
            invocation.put(u, show(m, u).get("InvocationID"));
        }

        FleetNodeProcess node = c.node(0);
        assertThat(node.stop()).as("node exit").isIn(0, 143);
        // the agents notice, and keep their units as they are for longer than the TTL
        for (SystemdMachine m : c.machines()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> m.exec("journalctl", "-u", DevCluster.AGENT_UNIT, "--no-pager", "-o", "cat")
                    .output().contains("units keep running as they are"));
        }
        long downSince = System.nanoTime();
        await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ofSeconds(1)).until(() -> {
            for (String u : UNITS) {
                assertThat(activeOn(c, u)).as(u + " while the control plane is down").containsExactly(where.get(u));
            }
            return System.nanoTime() - downSince > Duration.ofSeconds(9).toNanos(); // 1.5 × TTL
        });

        node.start();
        node.awaitReady(Duration.ofMinutes(4));
        await().atMost(Duration.ofSeconds(60)).until(() -> c.client().machines().size() == 2);
        // new work is done again
        assertThat(c.client().putUnit(Unit.put("after-outage.service", List.of(UnitOptions.service("ExecStart", "/bin/sleep 1501")), "launched")))
                .isEqualTo(201);
        await().atMost(Duration.ofSeconds(60)).until(() -> activeOn(c, "after-outage.service").size() == 1);
        for (String u : UNITS) {
            assertThat(activeOn(c, u)).as(u + " after the outage").containsExactly(where.get(u));
            assertThat(show(c.machine(where.get(u)), u).get("InvocationID")).as(u + " not restarted").isEqualTo(invocation.get(u));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> c.client().states().stream()
                .filter(s -> UNITS.contains(s.name()) && "active".equals(s.activeState())).count() == UNITS.size());
    }
}
