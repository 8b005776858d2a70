package dev.fleet.bench;

import dev.fleet.client.FleetClient;
import dev.fleet.schema.Unit;
import dev.fleet.testkit.EtcdCluster;
import dev.fleet.testkit.FleetCluster;
import dev.fleet.testkit.SimulatedMachine;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One request at a time (issue 20): p50/p99 of each fleet API v1 request kind from one keep-alive client, on the
 * leader and on a follower of 3 fleet nodes, beside etcd 3.4's GET and PUT from the same client in the same run; then
 * fleet's own client's sequence for {@code --units} units ({@code fleetctl start --no-block}: GET the unit, PUT its
 * options, PUT desiredState=launched, one after the other) and the time until the engine has placed them all on
 * {@code --machines} simulated machines.
 *
 * <pre>
 * fleet-bench requests [--requests=500] [--warmup=1000] [--units=300] [--machines=3] [--out=DIR]
 * </pre>
 */
public final class RequestsBench {
    private static final String OPTIONS = "{\"options\":[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\"/bin/sleep infinity\"}]}";

    record Config(int requests, int warmup, int units, int machines, Path out) { }

    /** The path or body of the i-th call of a phase (warm-up or measured, on the leader or a follower). */
    interface Part {
        String of(String phase, int i);
    }

    /** One request kind: its label, its request, and whether etcd runs it too (the anchor). */
    record Kind(String label, String method, int okStatus, Part path, Part body, boolean etcdToo) { }

    private RequestsBench() { }

    public static void main(String[] args) throws Exception {
        Config cfg = BenchArgs.parseOrExit(() -> parse(args),
                "usage: fleet-bench requests [--requests=500] [--warmup=1000] [--units=300] [--machines=3] [--out=DIR]");
        Files.createDirectories(cfg.out());
        Path work = Files.createTempDirectory("fleet-bench-requests");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        try (FleetCluster fleet = FleetCluster.start(work.resolve("fleet"), 3);
             EtcdCluster etcd = EtcdCluster.start();
             SimulatedMachine.Pool pool = new SimulatedMachine.Pool(1, 64)) {
            log("three fleet nodes ready (" + fleet.readySeconds() + " s); etcd " + etcd.clientUrls());
            List<URI> urls = fleet.clientUrls();
            URI leader = leaderOf(http, urls);
            URI follower = urls.stream().filter(u -> !u.equals(leader)).findFirst().orElseThrow();
            List<URI> etcdUrls = etcd.clientUrls();
            URI etcdLeader = leaderOf(http, etcdUrls);
            URI etcdFollower = etcdUrls.stream().filter(u -> !u.equals(etcdLeader)).findFirst().orElseThrow();
            List<SimulatedMachine> machines = new ArrayList<>();
            for (int i = 0; i < cfg.machines(); i++) {
                machines.add(SimulatedMachine.builder(pool, String.format(Locale.ROOT, "req-%02d", i), urls)
                        .mode(SimulatedMachine.Mode.PRESENCE).start());
            }
            for (SimulatedMachine m : machines) {
                m.registered().get();
            }
            String machine = machines.get(0).id();
            FleetClient api = new FleetClient(List.of(leader));
            api.send("PUT", "/fleet/v1/units/seed.service", OPTIONS).expect(201);

            Part none = (phase, i) -> null;
            // creates and desired states name units by phase, so that a create never meets an existing unit
            List<Kind> kinds = List.of(
                    new Kind("GET unit", "GET", 200, (phase, i) -> "/fleet/v1/units/seed.service?alt=json", none, false),
                    new Kind("GET unit, 404", "GET", 404, (phase, i) -> "/fleet/v1/units/missing-" + i + ".service?alt=json", none, false),
                    new Kind("PUT create", "PUT", 201, (phase, i) -> "/fleet/v1/units/" + phase + "-" + i + ".service?alt=json",
                            (phase, i) -> OPTIONS, false),
                    new Kind("PUT desired state", "PUT", 204, (phase, i) -> "/fleet/v1/units/" + phase + "-" + i + ".service?alt=json",
                            (phase, i) -> "{\"name\":\"" + phase + "-" + i + ".service\",\"desiredState\":\"loaded\"}", false),
                    new Kind("GET state page", "GET", 200, (phase, i) -> "/fleet/v1/state?alt=json", none, false),
                    new Kind("PATCH machines", "PATCH", 204, (phase, i) -> "/fleet/v1/machines?alt=json",
                            (phase, i) -> "[{\"op\":\"add\",\"path\":\"/" + machine + "/metadata/bench\",\"value\":\"v" + i + "\"}]", false),
                    new Kind("etcd v2 GET", "GET", 200, (phase, i) -> "/v2/keys/bench/key", none, true),
                    new Kind("etcd v2 PUT", "PUT", 200, (phase, i) -> "/v2/keys/bench/key", (phase, i) -> "value=v" + i, true));
            send(http, leader, "PUT", "/v2/keys/bench/key", "value=seed", 201);
            send(http, etcdLeader, "PUT", "/v2/keys/bench/key", "value=seed", 201);

            log("warming up: " + cfg.warmup() + " requests of each kind on each node");
            Map<String, long[]> results = new LinkedHashMap<>();
            for (String role : List.of("leader", "follower")) {
                URI node = role.equals("leader") ? leader : follower;
                for (Kind k : kinds) {
                    run(http, node, k, cfg.warmup(), "w" + role);
                }
            }
            for (Kind k : kinds) {
                for (String role : List.of("leader", "follower")) {
                    URI node = role.equals("leader") ? leader : follower;
                    results.put("ours " + role + " " + k.label(), run(http, node, k, cfg.requests(), role));
                    if (k.etcdToo()) {
                        URI e = role.equals("leader") ? etcdLeader : etcdFollower;
                        run(http, e, k, cfg.warmup(), "w" + role);
                        results.put("etcd " + role + " " + k.label(), run(http, e, k, cfg.requests(), role));
                    }
                }
                log(k.label() + " done");
            }
            String table = table(kinds, results);
            System.out.println();
            System.out.println(table);

            log("fleetctl start --no-block of " + cfg.units() + " units, one request at a time, on the follower");
            String seq = sequence(http, follower, api, cfg.units());
            System.out.println(seq);
            Files.writeString(cfg.out().resolve("requests-bench.txt"), table + "\n" + seq + "\n", StandardCharsets.UTF_8);
            log("wrote " + cfg.out().toAbsolutePath() + "/requests-bench.txt");
            machines.forEach(SimulatedMachine::crash);
        } finally {
            dev.fleet.testkit.Dirs.deleteRecursively(work); // three nodes' Payara runtime dirs and logs
        }
    }

    /** {@code n} requests of one kind, one after the other; their latencies in nanoseconds, sorted. */
    private static long[] run(HttpClient http, URI node, Kind k, int n, String phase) throws Exception {
        long[] lat = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            send(http, node, k.method(), k.path().of(phase, i), k.body().of(phase, i), k.okStatus());
            lat[i] = System.nanoTime() - t0;
        }
        Arrays.sort(lat);
        return lat;
    }

    private static String send(HttpClient http, URI node, String method, String path, String body, int okStatus) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(node.resolve(path)).timeout(Duration.ofSeconds(10));
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.method(method, HttpRequest.BodyPublishers.ofString(body))
                    .header("Content-Type", path.startsWith("/v2/") ? "application/x-www-form-urlencoded" : "application/json");
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != okStatus && !(okStatus == 200 && r.statusCode() == 201 && method.equals("PUT"))) {
            throw new IOException(method + " " + node.resolve(path) + ": " + r.statusCode() + " " + r.body() + " (expected " + okStatus + ")");
        }
        return r.body();
    }

    /** fleetctl's sequence per unit (GET 404, PUT options, PUT desiredState), then polls until all are placed. */
    private static String sequence(HttpClient http, URI node, FleetClient api, int units) throws Exception {
        long t0 = System.nanoTime();
        for (int i = 0; i < units; i++) {
            String path = "/fleet/v1/units/seq-" + i + ".service?alt=json";
            send(http, node, "GET", path, null, 404);
            send(http, node, "PUT", path, OPTIONS, 201);
            send(http, node, "PUT", path, "{\"name\":\"seq-" + i + ".service\",\"desiredState\":\"launched\"}", 204);
        }
        double returned = (System.nanoTime() - t0) / 1e9;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        long placed = 0;
        while (System.nanoTime() < deadline) {
            placed = api.units().stream().filter(u -> u.name().startsWith("seq-") && u.machineID() != null && !u.machineID().isEmpty()).count();
            if (placed == units) {
                break;
            }
            Thread.sleep(5); // a benchmark's poll, not a test's wait
        }
        double all = (System.nanoTime() - t0) / 1e9;
        return String.format(Locale.ROOT, "fleetctl's sequence, %d units (%d requests, one at a time): the calls return after %.2f s;"
                + " %s after %.2f s (original fleet v1.0 on this machine, issue 20: 2.45 s and all active 6.02 s)",
                units, 3 * units, returned, placed == units ? "all placed" : ("only " + placed + " placed"), all);
    }

    private static String table(List<Kind> kinds, Map<String, long[]> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-20s | %-5s | %14s | %14s | %14s | %14s%n", "request", "side",
                "leader p50 ms", "leader p99 ms", "follower p50", "follower p99"));
        for (Kind k : kinds) {
            for (String side : List.of("ours", "etcd")) {
                long[] l = results.get(side + " leader " + k.label());
                long[] f = results.get(side + " follower " + k.label());
                if (l == null) {
                    continue;
                }
                sb.append(String.format(Locale.ROOT, "%-20s | %-5s | %14.3f | %14.3f | %14.3f | %14.3f%n", k.label(), side,
                        ms(l, 0.50), ms(l, 0.99), ms(f, 0.50), ms(f, 0.99)));
            }
        }
        return sb.toString();
    }

    private static double ms(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }

    /** The member that says it leads ({@code /v2/stats/self}, as etcd and fleet both answer it). */
    private static URI leaderOf(HttpClient http, List<URI> urls) throws Exception {
        for (int attempt = 0; attempt < 100; attempt++) {
            for (URI u : urls) {
                String self = send(http, u, "GET", "/v2/stats/self", null, 200);
                if (self.contains("\"StateLeader\"")) {
                    return u;
                }
            }
            Thread.sleep(100); // no leader yet: etcd elects one right after start
        }
        throw new IllegalStateException("no leader among " + urls);
    }

    static Config parse(String[] args) {
        Map<String, String> a = BenchArgs.options(args);
        Config c = new Config(number(a.remove("requests"), 500), number(a.remove("warmup"), 1000),
                number(a.remove("units"), 300), number(a.remove("machines"), 3),
                Path.of(a.getOrDefault("out", "target/bench-requests")));
        a.remove("out");
        if (!a.isEmpty()) {
            throw new IllegalArgumentException("unknown options " + a.keySet());
        }
        return c;
    }

    private static int number(String v, int dflt) {
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < 1) {
                throw new IllegalArgumentException("a count must be at least 1, not " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + v);
        }
    }

    private static void log(String msg) {
        System.out.println("[bench] " + msg);
    }
}
