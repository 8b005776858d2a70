package dev.fleet.it.agent;

import dev.fleet.client.FleetClient;
import dev.fleet.schema.Machine;
import dev.fleet.schema.Unit;
import dev.fleet.testkit.UnitOptions;
import dev.fleet.testkit.machines.DevCluster;
import dev.fleet.testkit.machines.DevClusterExtension;
import dev.fleet.testkit.machines.SystemdMachine;
import dev.fleet.unit.UnitOption;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
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
 * The agent's own lifecycle on real systemd: a crashed agent (SIGKILL, restarted by systemd) takes over its
 * session and leaves running units running (same InvocationID); a stopped agent (SIGTERM) unloads its units
 * and deregisters, so they move at once rather than after the TTL; SIGHUP re-reads the configuration
 * without touching units.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentRestartIT {

    @RegisterExtension
    static final DevClusterExtension FLEET = DevClusterExtension.nodes(1).machines(2).ttl("10s");

    static final Duration WAIT = Duration.ofSeconds(60);
    static final List<String> UNITS = List.of("kept-1.service", "kept-2.service", "kept-3.service", "kept-4.service");

    private static String agentPid(SystemdMachine m) {
        return m.exec("systemctl", "show", "-p", "MainPID", "--value", DevCluster.AGENT_UNIT).output().strip();
    }

    /** The machine that runs the first unit, and the other one (placement decides which is which). */
    static String busy;
    static String other;

    @Test
    @Order(1)
    void aCrashedAgentComesBackWithoutRestartingItsUnits() throws Exception {
        DevCluster c = FLEET.cluster();
        FleetClient api = c.client();
        await().atMost(WAIT).until(() -> api.machines().size() == 2);
        for (String u : UNITS) {
            assertThat(api.putUnit(Unit.put(u, List.of(UnitOptions.service("ExecStart", "/bin/sleep 1400")), "launched"))).isEqualTo(201);
        }
        await().atMost(WAIT).until(() -> UNITS.stream().allMatch(u -> activeOn(c, u).size() == 1));
        busy = activeOn(c, UNITS.get(0)).get(0);
        other = busy.equals("m1") ? "m2" : "m1";
        SystemdMachine m1 = c.machine(busy);
        List<String> onM1 = UNITS.stream().filter(u -> activeOn(c, u).contains(busy)).toList();
        assertThat(onM1).isNotEmpty();
        Map<String, String> invocations = new LinkedHashMap<>();
        onM1.forEach(u -> invocations.put(u, show(m1, u).get("InvocationID")));

        String oldPid = agentPid(m1);
        c.killAgent(busy);
        await().atMost(WAIT).until(() -> {
            String pid = agentPid(m1);
            return !pid.equals(oldPid) && !pid.equals("0")
                    && m1.exec("journalctl", "-u", DevCluster.AGENT_UNIT, "_PID=" + pid, "--no-pager", "-o", "cat").output()
                    .contains("from a previous run");
        });
        // the new agent is at work: it runs a unit scheduled after its restart
        List<UnitOption> pinned = List.of(UnitOptions.service("ExecStart", "/bin/sleep 1401"), UnitOptions.xFleet("MachineID", m1.machineId()));
        assertThat(api.putUnit(Unit.put("after-restart.service", pinned, "launched"))).isEqualTo(201);
        await().atMost(WAIT).until(() -> activeOn(c, "after-restart.service").equals(List.of(busy)));

        for (String u : onM1) {
            Map<String, String> s = show(m1, u);
            assertThat(s.get("ActiveState")).as(u).isEqualTo("active");
            assertThat(s.get("InvocationID")).as(u + " was not restarted").isEqualTo(invocations.get(u));
        }
        assertThat(c.client().machines()).hasSize(2);
        api.destroy("after-restart.service");
    }

    @Test
    @Order(2)
    void sighupKeepsUnitsAndPublishesNewMetadata() throws Exception {
        DevCluster c = FLEET.cluster();
        SystemdMachine m2 = c.machine(busy);
        List<String> onM2 = UNITS.stream().filter(u -> activeOn(c, u).contains(busy)).toList();
        Map<String, String> invocations = new LinkedHashMap<>();
        onM2.forEach(u -> invocations.put(u, show(m2, u).get("InvocationID")));
        // the agent's configuration file gains metadata; SIGHUP makes the agent read it
        java.nio.file.Files.createDirectories(m2.rootPath().resolve("etc/fleet"));
        java.nio.file.Files.writeString(m2.rootPath().resolve("etc/fleet/fleet.conf"), "metadata=\"role=reloaded\"\n");
        assertThat(m2.exec("systemctl", "kill", "-s", "HUP", "--kill-who=main", DevCluster.AGENT_UNIT).ok()).isTrue();
        await().atMost(WAIT).until(() -> c.client().machines().stream()
                .anyMatch(x -> x.id().equals(m2.machineId()) && "reloaded".equals(x.metadata().get("role"))));
        for (String u : onM2) {
            assertThat(show(m2, u).get("InvocationID")).as(u).isEqualTo(invocations.get(u));
        }
    }

    @Test
    @Order(3)
    void aStoppedAgentUnloadsItsUnitsAndTheyMoveBeforeTheTtl() throws Exception {
        DevCluster c = FLEET.cluster();
        SystemdMachine m1 = c.machine(busy);
        List<String> onM1 = UNITS.stream().filter(u -> activeOn(c, u).contains(busy)).toList();
        assertThat(onM1).isNotEmpty();
        long t0 = System.nanoTime();
        assertThat(m1.exec(Duration.ofSeconds(120), "systemctl", "stop", DevCluster.AGENT_UNIT).ok()).isTrue();
        for (String u : onM1) {
            assertThat(MachineView.fileLoaded(m1, u)).as(u + " file removed on stop").isFalse();
            assertThat(show(m1, u).get("ActiveState")).isEqualTo("inactive");
        }
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> onM1.stream().allMatch(u -> activeOn(c, u).equals(List.of(other))));
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("AgentRestartIT: %d unit(s) active on %s %.2f s after 'systemctl stop fleet-agent' on %s (TTL 10 s)%n",
                onM1.size(), other, seconds, busy);
        assertThat(seconds).as("moved on deregistration, not after the TTL").isLessThan(10);
        assertThat(c.client().machines()).extracting(Machine::id).doesNotContain(m1.machineId());
        assertThat(m1.exec("systemctl", "start", DevCluster.AGENT_UNIT).ok()).isTrue();
        await().atMost(WAIT).until(() -> c.client().machines().size() == 2);
    }
}
