package dev.fleet.it.cluster;

import dev.fleet.testkit.EtcdV2Client;
import dev.fleet.testkit.FleetCluster;
import dev.fleet.testkit.FleetNodeProcess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Small helpers shared by the multi-process cluster tests. */
final class ClusterSupport {
    private ClusterSupport() { }

    static Path workDir(String testName) throws IOException {
        Path base = Path.of(System.getProperty("fleet.test.work", "target/it-work"));
        Path dir = base.resolve(testName + "-" + System.currentTimeMillis());
        Files.createDirectories(dir);
        return dir;
    }

    static EtcdV2Client client(FleetNodeProcess n) {
        return new EtcdV2Client(n.url(), EtcdV2Client.newHttpClient(), Duration.ofSeconds(10));
    }

    /** The member that currently leads, asked of a node that is up; null while there is none. */
    static FleetNodeProcess leader(FleetCluster cluster) {
        for (FleetNodeProcess n : cluster.nodes()) {
            if (!n.isAlive()) {
                continue;
            }
            try {
                var self = client(n).statsSelf();
                String name = self.getJsonObject("leaderInfo").getString("leaderName", "");
                if (!name.isEmpty()) {
                    return cluster.node(name);
                }
            } catch (IOException | RuntimeException e) {
                // ask the next one
            }
        }
        return null;
    }

    static void log(String format, Object... args) {
        System.out.printf("[cluster-test] " + format + "%n", args);
    }

}
