package dev.fleet.bench;

import dev.fleet.testkit.FleetCluster;
import dev.fleet.testkit.FleetNodeProcess;
import dev.fleet.testkit.Ports;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Time to ready of a node, a product metric: {@code bin/fleet-node} started N times as a single-member
 * cluster (fresh data dir, then a restart from it), then a three-node cluster started at once. Prints the
 * "ready-in" each node reports (JVM start to serving with a leader) and the wall time seen from outside.
 */
public final class NodeBootBench {
    private NodeBootBench() { }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Path work = Files.createTempDirectory("fleet-boot-bench");
        Path root = FleetCluster.repositoryRoot();
        List<String> rows = new ArrayList<>();
        for (int i = 1; i <= runs; i++) {
            FleetNodeProcess n = new FleetNodeProcess(root, "boot" + i, Ports.free(), Ports.free(100), work.resolve("boot" + i), List.of());
            try {
                rows.add(measure(n, "single node, empty data dir"));
                n.stop();
                rows.add(measure(n, "single node, restart from its data dir"));
            } finally {
                n.stop();
            }
        }
        long t0 = System.nanoTime();
        try (FleetCluster c = FleetCluster.start(work.resolve("three"), 3)) {
            double wall = (System.nanoTime() - t0) / 1e9;
            rows.add(String.format(Locale.ROOT, "%-45s reported %s s, all ready after %.1f s wall", "three nodes started at once",
                    c.readySeconds(), wall));
        }
        System.out.println("== fleet-node time to ready (2-core machine; Payara Micro " + "6.2025.10)");
        rows.forEach(System.out::println);
    }

    private static String measure(FleetNodeProcess n, String what) throws Exception {
        long t0 = System.nanoTime();
        n.start();
        double reported = n.awaitReady(Duration.ofMinutes(4));
        double wall = (System.nanoTime() - t0) / 1e9;
        return String.format(Locale.ROOT, "%-45s reported %5.1f s, wall %5.1f s", what, reported, wall);
    }
}
