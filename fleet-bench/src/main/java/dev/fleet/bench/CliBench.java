package dev.fleet.bench;

import dev.fleet.schema.PageTokens;
import dev.fleet.testkit.Dirs;
import dev.fleet.testkit.FleetCluster;
import dev.fleet.testkit.FleetNodeProcess;
import dev.fleet.testkit.Ports;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * {@code fleet-bench cli [--units=1000] [--runs=15]}: wall time of {@code bin/fleetctl list-units} (JVM start
 * included) on one node holding that many units with reported states, against curl fetching the same API
 * pages in one process (its anchor), in the same run. Goal of issue 5: fleetctl ≤ 300 ms.
 * {@code --also=PATH} adds another fleetctl script (say, a worktree's at an older commit) to the interleaved runs,
 * for an A/B comparison under the same load.
 */
public final class CliBench {
    private CliBench() { }

    public static void main(String[] args) throws Exception {
        int units = 1000;
        int runs = 15;
        int warmUpReads = WARM_UP_READS;
        List<Path> others = new ArrayList<>();
        for (String a : args) {
            if (a.startsWith("--units=")) {
                units = Integer.parseInt(a.substring(8));
            } else if (a.startsWith("--runs=")) {
                runs = Integer.parseInt(a.substring(7));
            } else if (a.startsWith("--warm-up-reads=")) {
                warmUpReads = Integer.parseInt(a.substring("--warm-up-reads=".length()));
            } else if (a.startsWith("--also=") && Files.isExecutable(Path.of(a.substring(7)))) {
                others.add(Path.of(a.substring(7)).toAbsolutePath());
            } else {
                System.err.println("usage: fleet-bench cli [--units=1000] [--runs=15] [--warm-up-reads=" + WARM_UP_READS
                        + "] [--also=OTHER/bin/fleetctl ...]");
                System.exit(2);
            }
        }
        Path root = FleetCluster.repositoryRoot();
        Path work = Files.createTempDirectory("fleet-cli-bench");
        FleetNodeProcess node = new FleetNodeProcess(root, "cli1", Ports.free(), Ports.free(100), work.resolve("cli1"), List.of());
        try {
            node.start();
            node.awaitReady(Duration.ofMinutes(4));
            String base = node.url().toString().replaceAll("/$", "");
            seed(base, units);
            // curl reuses one connection for all pages in one process: the best a shell script can do
            List<String> urls = new ArrayList<>();
            for (int page = 1; (page - 1) * 100 < units; page++) {
                urls.add(base + "/fleet/v1/state" + (page == 1 ? "" : "?nextPageToken=" + PageTokens.encode(100, page)));
            }
            urls.add(base + "/fleet/v1/machines");
            List<String> curl = new ArrayList<>(List.of("curl", "-s", "-o", "/dev/null"));
            for (int i = 1; i < urls.size(); i++) {
                curl.addAll(List.of("-o", "/dev/null"));
            }
            curl.addAll(urls);
            List<Path> scripts = new ArrayList<>(List.of(root.resolve("bin/fleetctl")));
            scripts.addAll(others);
            List<List<String>> fleetctls = new ArrayList<>();
            for (Path script : scripts) {
                fleetctls.add(List.of(script.toString(), "--endpoint=" + base, "list-units"));
                run(fleetctls.get(fleetctls.size() - 1), 2); // builds the class-data archive
            }
            run(curl, 2);
            // A serving node has long been warm (its JIT has compiled the paths a listing takes); a node booted a
            // moment ago answers each page 2-3 times slower at first, which would measure the node's warm-up
            // rather than the command line.
            warm(urls, warmUpReads);
            // ... and its JIT compiler has finished with them (this benchmark's own too, after those reads): measured
            // while either still compiles, both commands share the CPU with it
            double settled = awaitIdle(List.of(ProcessHandle.of(node.pid()).orElseThrow(), ProcessHandle.current()),
                    Duration.ofSeconds(120));
            List<List<Double>> ours = new ArrayList<>();
            fleetctls.forEach(c -> ours.add(new ArrayList<>()));
            List<Double> anchor = new ArrayList<>();
            // the floor any JVM command line stands on, measured alongside: this VM's speed drifts by tens of ms
            List<String> bareJvm = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "--version"); // to stdout
            List<Double> floor = new ArrayList<>();
            for (int i = 0; i < runs; i++) { // interleaved, so that load on the machine hits all alike
                for (int k = 0; k < fleetctls.size(); k++) {
                    ours.get(k).add(run(fleetctls.get(k), 1));
                }
                anchor.add(run(curl, 1));
                floor.add(run(bareJvm, 1));
            }
            System.out.printf(Locale.ROOT, "== fleetctl list-units, %d units with states, %d runs each (JVM start included;"
                    + " the node warmed by %d page reads first, then idle after %.0f s)%n", units, runs, warmUpReads, settled);
            for (int k = 0; k < fleetctls.size(); k++) {
                System.out.printf(Locale.ROOT, "%-34s p50 %4.0f ms   min %4.0f ms   max %4.0f ms%n",
                        k == 0 ? "bin/fleetctl list-units" : scripts.get(k) + " list-units", pct(ours.get(k), 50),
                        pct(ours.get(k), 0), pct(ours.get(k), 100));
            }
            System.out.printf(Locale.ROOT, "%-34s p50 %4.0f ms   min %4.0f ms   max %4.0f ms%n", "curl, the same " + urls.size() + " pages",
                    pct(anchor, 50), pct(anchor, 0), pct(anchor, 100));
            System.out.printf(Locale.ROOT, "%-34s p50 %4.0f ms   min %4.0f ms   max %4.0f ms%n", "a bare JVM (java --version)",
                    pct(floor, 50), pct(floor, 0), pct(floor, 100));
            System.out.printf(Locale.ROOT, "goal fleetctl <= 300 ms: %s%n", pct(ours.get(0), 50) <= 300 ? "met" : "missed");
        } finally {
            node.stop();
            Dirs.deleteRecursively(work);
        }
    }

    static final int WARM_UP_READS = 2000;

    /** Reads the listing's pages {@code reads} times in all, from 4 clients. */
    private static void warm(List<String> urls, int reads) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> clients = new ArrayList<>();
        List<Exception> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int c = 0; c < 4; c++) {
            Thread t = new Thread(() -> {
                for (int i; (i = next.getAndIncrement()) < reads; ) {
                    try {
                        http.send(HttpRequest.newBuilder(URI.create(urls.get(i % urls.size()))).build(), HttpResponse.BodyHandlers.discarding());
                    } catch (Exception e) {
                        failures.add(e);
                        return;
                    }
                }
            });
            t.start();
            clients.add(t);
        }
        for (Thread t : clients) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }

    /** Waits until each of {@code processes} uses under 3 % of a CPU over a second; the seconds it took. */
    private static double awaitIdle(List<ProcessHandle> processes, Duration limit) throws InterruptedException {
        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < limit.toNanos()) {
            long before = cpuMillis(processes);
            Thread.sleep(1000);
            if (cpuMillis(processes) - before < 30L * processes.size()) {
                break;
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static long cpuMillis(List<ProcessHandle> processes) {
        long ms = 0;
        for (ProcessHandle p : processes) {
            ms += p.info().totalCpuDuration().orElse(Duration.ZERO).toMillis();
        }
        return ms;
    }

    /** One machine with a state for each of {@code units} units, through the agent API. */
    private static void seed(String base, int units) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String machine = "c11be0c11be0c11be0c11be0c11be001";
        send(http, base + "/fleet/agent/v1/machines/" + machine, "{\"session\":\"bench\",\"publicIP\":\"10.1.0.1\",\"ttl\":3600}");
        StringBuilder states = new StringBuilder("{\"session\":\"bench\",\"states\":[");
        for (int i = 0; i < units; i++) {
            states.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"name\":\"bench-%05d.service\",\"hash\":\"1c6fb6f3684bafb0c173d8b8b957ceff031180c1\","
                            + "\"loadState\":\"loaded\",\"activeState\":\"active\",\"subState\":\"running\",\"launched\":true}", i));
        }
        send(http, base + "/fleet/agent/v1/machines/" + machine + "/states", states.append("]}").toString());
    }

    private static void send(HttpClient http, String url, String json) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).PUT(HttpRequest.BodyPublishers.ofString(json))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException("seeding failed: " + url + " -> " + r.statusCode() + " " + r.body());
        }
    }

    /** Runs a command {@code times} times; the wall time of the last run in ms. */
    private static double run(List<String> cmd, int times) throws Exception {
        double ms = 0;
        for (int i = 0; i < times; i++) {
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            int rc = p.waitFor();
            ms = (System.nanoTime() - t0) / 1e6;
            if (rc != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " exited " + rc);
            }
        }
        return ms;
    }

    private static double pct(List<Double> xs, int p) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(Math.min(s.size() - 1, (int) Math.round(p / 100.0 * (s.size() - 1))));
    }
}
