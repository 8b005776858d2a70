package dev.fleet.it.agent;

import dev.fleet.client.FleetClient;
import dev.fleet.schema.Unit;
import dev.fleet.testkit.machines.DevCluster;
import dev.fleet.testkit.machines.DevClusterExtension;
import dev.fleet.testkit.machines.Sh;
import dev.fleet.testkit.machines.SystemdMachine;
import dev.fleet.unit.UnitOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A clean agent shutdown ({@code systemctl stop fleet-agent}) moves its units at once, every time: four machines, three
 * mutually conflicting units and one pinned to the machine of the middle one; the agent under {@code conflict.1} is
 * stopped, and {@code conflict.1} must be active on the one free machine within 15 s (the TTL is 30 s, so a machine
 * that stays registered, or comes back without its agent, shows up as a miss). The agent is started again and the
 * next round stops the agent where {@code conflict.1} went. Twenty rounds, no miss.
 */
class CleanShutdownMoveIT {

    @RegisterExtension
    static final DevClusterExtension FLEET = DevClusterExtension.nodes(1).machines(4).ttl("30s");

    static final int ROUNDS = 20;

    @Test
    void cleanShutdownMovesTheUnitEveryTime() {
        DevCluster c = FLEET.cluster();
        FleetClient api = new FleetClient(c.endpoints());
        c.awaitRegistered(Duration.ofSeconds(60));
        for (int i = 0; i < 3; i++) {
            api.putUnit(Unit.put("conflict." + i + ".service", List.of(
                    new UnitOption("Service", "ExecStart", "/bin/sleep 100000"),
                    new UnitOption("X-Fleet", "Conflicts", "conflict.*.service")), "launched"));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> activeOn(c, "conflict.1.service").isPresent()
                && activeOn(c, "conflict.0.service").isPresent() && activeOn(c, "conflict.2.service").isPresent());
        SystemdMachine first = activeOn(c, "conflict.1.service").orElseThrow();
        api.putUnit(Unit.put("pinned.service", List.of(new UnitOption("Service", "ExecStart", "/bin/sleep 100000"),
                new UnitOption("X-Fleet", "MachineID", first.machineId())), "launched"));
        await().atMost(Duration.ofSeconds(30)).until(() -> "active".equals(MachineView.show(first, "pinned.service").get("ActiveState")));

        List<String> log = new ArrayList<>();
        for (int round = 1; round <= ROUNDS; round++) {
            SystemdMachine from = activeOn(c, "conflict.1.service").orElseThrow();
            check(from.exec("systemctl", "stop", DevCluster.AGENT_UNIT));
            long t0 = System.nanoTime();
            int r = round;
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50))
                    .alias("round " + r + ": conflict.1 active on another machine after its agent on " + from.name() + " stopped; "
                            + String.join("; ", log))
                    .until(() -> activeOn(c, "conflict.1.service").filter(m -> m != from).isPresent());
            SystemdMachine to = activeOn(c, "conflict.1.service").orElseThrow();
            log.add(round + ": " + from.name() + "->" + to.name() + " " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            assertThat(MachineView.activeState(from, "conflict.1.service")).as("purged from " + from.name()).isNotEqualTo("active");
            check(from.exec("systemctl", "start", DevCluster.AGENT_UNIT));
            await().atMost(Duration.ofSeconds(60)).until(() -> api.machines().stream().anyMatch(m -> m.id().equals(from.machineId())));
        }
        System.out.println("clean-shutdown moves: " + String.join(", ", log));
    }

    /** The machine whose systemd runs {@code unit} (at most one: the units conflict), if any. */
    static Optional<SystemdMachine> activeOn(DevCluster c, String unit) {
        for (SystemdMachine m : c.machines()) {
            if ("active".equals(MachineView.activeState(m, unit))) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    static void check(Sh.Result r) {
        assertThat(r.exitCode()).as(r.output()).isZero();
    }
}
