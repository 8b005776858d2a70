package dev.fleet.it.cluster;

import dev.fleet.testkit.EtcdV2Client;
import dev.fleet.testkit.FleetCluster;
import dev.fleet.testkit.FleetNodeProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.fleet.it.cluster.ClusterSupport.client;
import static dev.fleet.it.cluster.ClusterSupport.leader;
import static dev.fleet.it.cluster.ClusterSupport.log;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scenario: three real nodes (bin/fleet-node processes) on loopback lose their leader to kill -9, get it
 * back from its data directory, and then all restart — and no acknowledged write is ever lost.
 * Steps run in order and share the cluster; each step states what a user would observe.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LeaderFailoverIT {
    private FleetCluster cluster;
    /** Every write a client got a success answer for: key → value. */
    private final Map<String, String> acknowledged = new LinkedHashMap<>();
    private FleetNodeProcess killed;

    @BeforeAll
    void boot() throws Exception {
        cluster = FleetCluster.start(ClusterSupport.workDir("failover"), 3);
        log("three nodes ready in %s s (as each printed)", cluster.readySeconds());
    }

    @AfterAll
    void shutdown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void write(FleetNodeProcess via, String key, String value) throws Exception {
        EtcdV2Client.Response r = client(via).put(key, value);
        assertThat(r.isSuccess()).as("PUT %s via %s: %s", key, via.name(), r).isTrue();
        acknowledged.put(key, value);
    }

    private void assertEveryAcknowledgedWriteOn(FleetNodeProcess n) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (var e : acknowledged.entrySet()) {
                assertThat(client(n).get(e.getKey()).value()).as("%s on %s", e.getKey(), n.name()).isEqualTo(e.getValue());
            }
        });
    }

    @Test
    @Order(1)
    void aWriteThroughAnyNodeIsReadFromEveryNode() throws Exception {
        int i = 0;
        for (FleetNodeProcess via : cluster.nodes()) {
            for (int k = 0; k < 5; k++) {
                write(via, "/failover/before/" + (i++), via.name() + "-" + k);
            }
        }
        for (FleetNodeProcess n : cluster.nodes()) {
            assertEveryAcknowledgedWriteOn(n);
        }
    }

    @Test
    @Order(2)
    void killingTheLeaderElectsANewOneThatAcceptsWritesWithinSeconds() throws Exception {
        killed = leader(cluster);
        assertThat(killed).isNotNull();
        FleetNodeProcess survivor = cluster.nodes().stream().filter(n -> n != killed).findFirst().orElseThrow();
        killed.kill();
        long t0 = System.nanoTime();
        List<Double> attempts = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            try {
                EtcdV2Client.Response r = client(survivor).put("/failover/after-kill", "accepted");
                attempts.add((System.nanoTime() - t0) / 1e9);
                return r.isSuccess();
            } catch (java.io.IOException e) {
                return false;
            }
        });
        acknowledged.put("/failover/after-kill", "accepted");
        double seconds = (System.nanoTime() - t0) / 1e9;
        log("leader %s killed with SIGKILL; writes accepted again after %.2f s (%d attempts); new leader %s",
                killed.name(), seconds, attempts.size(), leader(cluster).name());
        assertThat(seconds).as("a new leader accepts writes within a few seconds").isLessThan(10);
        assertThat(leader(cluster)).isNotEqualTo(killed);

        for (int k = 0; k < 10; k++) {
            write(survivor, "/failover/during/" + k, "v" + k);
        }
        for (FleetNodeProcess n : cluster.nodes()) {
            if (n != killed) {
                assertEveryAcknowledgedWriteOn(n);
            }
        }
    }

    @Test
    @Order(3)
    void theKilledNodeRestartsFromItsDataDirectoryAndCatchesUp() throws Exception {
        killed.start();
        cluster.awaitAllReady(List.of(killed));
        assertEveryAcknowledgedWriteOn(killed);
        write(killed, "/failover/via-restarted", "yes");
        for (FleetNodeProcess n : cluster.nodes()) {
            assertEveryAcknowledgedWriteOn(n);
        }
    }

    @Test
    @Order(4)
    void allThreeStoppedAndRestartedKeepEveryAcknowledgedWrite() throws Exception {
        for (FleetNodeProcess n : cluster.nodes()) {
            assertThat(n.stop()).as("%s exits cleanly on SIGTERM", n.name()).isIn(0, 143);
        }
        for (FleetNodeProcess n : cluster.nodes()) {
            n.start();
        }
        cluster.awaitAllReady(cluster.nodes());
        log("restarted nodes ready; every time to ready so far: %s s", cluster.readySeconds());
        for (FleetNodeProcess n : cluster.nodes()) {
            assertEveryAcknowledgedWriteOn(n);
        }
        // and the cluster still takes writes
        write(cluster.nodes().get(2), "/failover/after-restart", "ok");
        assertEveryAcknowledgedWriteOn(cluster.nodes().get(0));
    }
}
