package dev.fleet.bench;

import dev.fleet.client.Tls;
import dev.fleet.testkit.ClusterCa;
import dev.fleet.testkit.EtcdV2Client;
import dev.fleet.testkit.FleetCluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code bin/fleet-bench}: {@code store [--security=off|on|both] [StoreBench options]} starts three fleet nodes
 * (plain, secured, or both) and compares them with a three-member etcd 3.4 in the same run; {@code boot [runs]} measures a node's time to ready; {@code scale
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
            case "requests" -> RequestsBench.main(rest);
            default -> {
                System.err.println("usage: fleet-bench store [--security=off|on|both] [--token=yes|no] [--seconds=10] [--clients=16] [--out=DIR] ... | fleet-bench boot [RUNS]"
                        + " | fleet-bench scale [--machines=1000] [--units=10000] [--clients=16] [--ttl=30] [--timeout=600] [--inflight=256]"
                        + " | fleet-bench cli [--units=1000] [--runs=15]"
                        + " | fleet-bench agent [--machines=3] [--starts=100] [--units=300] [--idle-seconds=30]"
                        + " | fleet-bench requests [--requests=500] [--warmup=1000] [--units=300] [--machines=3]");
                System.exit(what.equals("help") ? 0 : 2);
            }
        }
    }

    /**
     * {@code store [--security=off|on|both] [--token=yes|no] [StoreBench options]}: starts the fleet clusters itself
     * (plain: 3 nodes; secured: 3 nodes, each with its own {@code --tls-dir} from one {@link ClusterCa} in the run's
     * work dir), then runs {@link StoreBench} against them and the etcd anchor in one run. Secured clients use an
     * operate-role client certificate over HTTPS ("secured") and, unless {@code --token=no}, an operate bearer token
     * over HTTPS without a certificate ("token").
     */
    private static void store(String[] options) throws Exception {
        String security = "off";
        boolean token = true;
        List<String> args = new ArrayList<>();
        for (String a : options) {
            if (a.startsWith("--security=")) {
                security = a.substring("--security=".length());
            } else if (a.startsWith("--token=")) {
                token = !a.substring("--token=".length()).equals("no");
            } else {
                args.add(a);
            }
        }
        if (!List.of("off", "on", "both").contains(security)) {
            System.err.println("error: --security is off, on or both, not " + security);
            System.exit(2);
        }
        if (args.stream().noneMatch(a -> a.startsWith("--warmup="))) {
            // three Payara JVMs on a small machine need thousands of requests before the JIT has settled
            args.add("--warmup=30");
        }
        Path work = Files.createTempDirectory("fleet-bench");
        FleetCluster plain = null;
        FleetCluster secured = null;
        try {
            List<StoreBench.Side> sides = new ArrayList<>();
            if (!security.equals("on")) {
                plain = FleetCluster.start(work.resolve("plain"), 3);
                System.out.println("[bench] three plain fleet nodes ready (time to ready " + plain.readySeconds() + " s)");
                sides.add(new StoreBench.Side(security.equals("off") ? "ours" : "plain", "fleet, plain HTTP",
                        plain.clientUrls(), plain.auth()));
            }
            if (!security.equals("off")) {
                ClusterCa ca = ClusterCa.init(FleetCluster.repositoryRoot(), work.resolve("ca"));
                secured = FleetCluster.startSecured(work.resolve("secured"), 3, ca);
                System.out.println("[bench] three secured fleet nodes ready (--tls-dir from " + ca.dir()
                        + "; time to ready " + secured.readySeconds() + " s)");
                sides.add(new StoreBench.Side("secured", "fleet, --tls-dir, operate client certificate",
                        secured.clientUrls(), secured.auth()));
                if (token) {
                    EtcdV2Client.Auth bearer = new EtcdV2Client.Auth(Tls.fromPem(ca.caFile(), null, null),
                            ca.token("bench", "operate", 1));
                    sides.add(new StoreBench.Side("token", "the same secured nodes, operate bearer token, no certificate",
                            secured.clientUrls(), bearer));
                }
            }
            StoreBench.run(args.toArray(String[]::new), sides);
        } finally {
            if (secured != null) secured.close();
            if (plain != null) plain.close();
        }
    }
}
