package dev.fleet.it.agent;

import dev.fleet.client.FleetClient;
import dev.fleet.schema.Unit;
import dev.fleet.testkit.UnitOptions;
import dev.fleet.testkit.machines.DevCluster;
import dev.fleet.testkit.machines.DevClusterExtension;
import dev.fleet.testkit.machines.SystemdMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A machine loses power: its units become active on the other machines within the TTL and a few
 * seconds, and a watcher polling every machine's systemd never sees one unit active on two machines.
 */
class MachineLossIT {

    static final String TTL = "3s";

    @RegisterExtension
    static final DevClusterExtension FLEET = DevClusterExtension.nodes(1).machines(3).ttl(TTL);

    @Test
    void unitsOfAPoweredOffMachineMoveAndNeverRunTwice() throws Exception {
        DevCluster c = FLEET.cluster();
        FleetClient api = c.client();
        List<String> units = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            String u = "moving-" + i + ".service";
            units.add(u);
            assertThat(api.putUnit(Unit.put(u, List.of(UnitOptions.service("ExecStart", "/bin/sleep 130" + i)), "launched"))).isEqualTo(201);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> units.stream().allMatch(u -> MachineView.activeOn(c, u).size() == 1));

        List<String> overlaps = new CopyOnWriteArrayList<>();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                Map<String, List<String>> where = new java.util.TreeMap<>();
                for (SystemdMachine m : c.machines()) {
                    if (!m.isAlive()) {
                        continue;
                    }
                    try {
                        MachineView.showAll(m, units).forEach((u, p) -> {
                            if (List.of("active", "activating", "deactivating").contains(p.getOrDefault("ActiveState", ""))) {
                                where.computeIfAbsent(u, k -> new ArrayList<>()).add(m.name());
                            }
                        });
                    } catch (RuntimeException e) {
                        // a machine powered off between isAlive and exec
                    }
                }
                where.forEach((u, ms) -> {
                    if (ms.size() > 1) {
                        overlaps.add(u + " on " + ms);
                    }
                });
            }
        }, "overlap-watcher");
        watcher.start();
        try {
            SystemdMachine victim = c.machines().stream()
                    .filter(m -> units.stream().anyMatch(u -> MachineView.activeOn(c, u).contains(m.name())))
                    .findFirst().orElseThrow();
            List<String> itsUnits = units.stream().filter(u -> MachineView.activeOn(c, u).contains(victim.name())).toList();
            assertThat(itsUnits).isNotEmpty();

            long t0 = System.nanoTime();
            victim.powerOff();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
                    itsUnits.stream().allMatch(u -> {
                        List<String> on = MachineView.activeOn(c, u);
                        return on.size() == 1 && !on.contains(victim.name());
                    }));
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("MachineLossIT: %d unit(s) of %s active elsewhere %.2f s after the power cut (TTL %s)%n",
                    itsUnits.size(), victim.name(), seconds, TTL);
            assertThat(seconds).as("within the TTL plus a few seconds").isLessThan(3 + 10);
        } finally {
            watching.set(false);
            watcher.join(10_000);
        }
        assertThat(overlaps).as("a unit active on two machines at once").isEmpty();
        assertThat(units).allSatisfy(u -> assertThat(MachineView.activeOn(c, u)).hasSize(1));
    }
}
