package dev.fleet.bench;

import dev.fleet.testkit.FleetCluster;

import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code bin/fleet-bench}: {@code store [StoreBench options]} starts three fleet nodes and compares them with a
 * three-member etcd 3.4 in the same run; {@code boot [runs]} measures a node's time to ready; {@code scale
 * [ScaleBench options]} places many units on many simulated machines; {@code cli} times fleetctl against curl.
 */
public final class Bench {
    private Bench() { }

    public static void main(String[] args) throws Exception {
        String what = args.length == 0 ? "help" : args[0];
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        switch (what) {
            case "store" -> store(rest);
            case "boot" -> NodeBootBench.main(rest);
            case "scale" -> ScaleBench.main(rest);
            case "cli" -> CliBench.main(rest);
            case "agent" -> AgentBench.main(rest);
            default -> {
                System.err.println("usage: fleet-bench store [--seconds=10] [--clients=16] [--out=DIR] ... | fleet-bench boot [RUNS]"
                        + " | fleet-bench scale [--machines=1000] [--units=10000] [--clients=16] [--ttl=30] [--timeout=600] [--inflight=256]"
                        + " | fleet-bench cli [--units=1000] [--runs=15]"
                        + " | fleet-bench agent [--machines=3] [--starts=100] [--units=300] [--idle-seconds=30]");
                System.exit(what.equals("help") ? 0 : 2);
            }
        }
    }

    private static void store(String[] options) throws Exception {
        try (FleetCluster ours = FleetCluster.start(Files.createTempDirectory("fleet-bench"), 3)) {
            System.out.println("[bench] three fleet nodes ready (time to ready " + ours.readySeconds() + " s)");
            List<String> args = new ArrayList<>(List.of(options));
            if (args.stream().noneMatch(a -> a.startsWith("--warmup="))) {
                // three Payara JVMs on a small machine need thousands of requests before the JIT has settled
                args.add("--warmup=30");
            }
            args.add("--ours=" + ours.clientUrls().stream().map(URI::toString).collect(Collectors.joining(",")));
            StoreBench.main(args.toArray(String[]::new));
        }
    }
}
