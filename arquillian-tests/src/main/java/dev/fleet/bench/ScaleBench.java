package dev.fleet.bench;

import dev.fleet.testkit.FleetCluster;
import dev.fleet.testkit.FleetV1Client;
import dev.fleet.testkit.FleetV1Client.Option;
import dev.fleet.testkit.FleetV1Client.Unit;
import dev.fleet.testkit.SimulatedMachine;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The engine at scale: a three-node cluster, many simulated machines (presence only: they register and heartbeat
 * through the agent API, TTL 30 s) and many units ({@code /bin/sleep} services, desired state launched; some with
 * {@code MachineMetadata}, some in {@code Conflicts} groups) submitted through API v1 by N concurrent clients.
 *
 * <p>Prints: machine registration time; submission time, rate and PUT latency; the time from the first submit
 * until every unit has a machine (polling the unit list on a follower, and as the engine's own metrics tell), the
 * time from the last submit until then, placements per second; RAFT commits per second over the run (deltas of
 * {@code fleet_store_raft_commit_index}); engine passes and their time ({@code fleet_engine_last_pass_seconds},
 * sampled every 250 ms: max and last); and whether the final placement respects every constraint. The goal to
 * compare against: all 10,000 placed within 10 s.
 *
 * <pre>
 * ScaleBench [--machines=1000] [--units=10000] [--clients=16] [--ttl=30] [--timeout=600] [--urls=URL,URL,URL]
 * </pre>
 * Without {@code --urls} it starts three nodes itself (bin/fleet-node) in a temporary directory.
 */
public final class ScaleBench {
    private static final String[] REGIONS = {"us-east", "us-west", "eu-central", "ap-south"};

    record Config(int machines, int units, int clients, int ttl, int timeoutSeconds, List<URI> urls) { }

    /** One sample of one node's /metrics. */
    record Sample(double t, String node, boolean leader, double lastPassSeconds, double lastPassUnits,
                  double lastPassUnplaced, double passes, double engineCommits, double commitIndex) { }

    private ScaleBench() { }

    public static void main(String[] args) throws Exception {
        Config cfg;
        try {
            cfg = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println("usage: fleet-bench scale [--machines=1000] [--units=10000] [--clients=16] [--ttl=30]"
                    + " [--timeout=600] [--urls=URL,URL,URL]");
            System.exit(2);
            return;
        }
        if (!cfg.urls().isEmpty()) {
            run(cfg, cfg.urls());
            return;
        }
        try (FleetCluster c = FleetCluster.start(Files.createTempDirectory("fleet-scale-bench"), 3)) {
            log("three fleet nodes ready (time to ready " + c.readySeconds() + " s); data under " + c.workDir());
            run(cfg, c.clientUrls());
        }
    }

    static Config parse(String[] args) {
        Map<String, String> a = new LinkedHashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("expected --name=value, got " + arg);
            }
            a.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        int machines = positive(a.remove("machines"), 1000, "machines");
        int units = positive(a.remove("units"), 10_000, "units");
        int clients = positive(a.remove("clients"), 16, "clients");
        int ttl = positive(a.remove("ttl"), 30, "ttl");
        int timeout = positive(a.remove("timeout"), 600, "timeout");
        String u = a.remove("urls");
        List<URI> urls = new ArrayList<>();
        if (u != null && !u.isBlank()) {
            for (String s : u.split(",")) {
                urls.add(URI.create(s.trim()));
            }
        }
        if (!a.isEmpty()) {
            throw new IllegalArgumentException("unknown options " + a.keySet());
        }
        return new Config(machines, units, clients, ttl, timeout, List.copyOf(urls));
    }

    private static int positive(String v, int dflt, String name) {
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v);
            if (n <= 0) {
                throw new IllegalArgumentException("--" + name + " must be > 0");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " is a number, not " + v);
        }
    }

    // ---------------------------------------------------------------------------------------------- workload

    /** What the units ask for: index → name and options; the constraints are checked at the end. */
    static final class Workload {
        final String[] names;
        final List<List<Option>> options = new ArrayList<>();
        final Map<String, String[]> metadataRequirement = new HashMap<>();
        final Map<String, Integer> conflictGroup = new HashMap<>();
        final int groups;

        Workload(int units, int machines) {
            names = new String[units];
            int conflictUnits = (units + 42) / 50;
            // each group must fit: at most half the machines per group
            groups = Math.max(20, (conflictUnits + Math.max(1, machines / 2) - 1) / Math.max(1, machines / 2));
            for (int i = 0; i < units; i++) {
                List<Option> o = new ArrayList<>();
                String name;
                if (i % 50 == 7) {
                    int g = (i / 50) % groups;
                    name = String.format(Locale.ROOT, "bench-cg%02d-%05d.service", g, i);
                    o.add(Option.xFleet("Conflicts", String.format(Locale.ROOT, "bench-cg%02d-*.service", g)));
                    conflictGroup.put(name, g);
                } else {
                    name = String.format(Locale.ROOT, "bench-%05d.service", i);
                    if (i % 66 == 3) {
                        o.add(Option.xFleet("MachineMetadata", "region=eu-central"));
                        metadataRequirement.put(name, new String[] {"region", "eu-central"});
                    } else if (i % 66 == 36) {
                        o.add(Option.xFleet("MachineMetadata", "disk=ssd"));
                        metadataRequirement.put(name, new String[] {"disk", "ssd"});
                    }
                }
                o.add(0, new Option("Unit", "Description", "scale bench " + name));
                o.add(1, Option.service("ExecStart", "/bin/sleep 100000"));
                names[i] = name;
                options.add(List.copyOf(o));
            }
        }
    }

    static Map<String, String> machineMetadata(int i) {
        return Map.of("region", REGIONS[i % REGIONS.length], "disk", i % 3 == 0 ? "ssd" : "hdd");
    }

    // ---------------------------------------------------------------------------------------------- the run

    static void run(Config cfg, List<URI> urls) throws Exception {
        HttpClient http = FleetV1Client.newHttpClient();
        FleetV1Client api = new FleetV1Client(urls, http, Duration.ofSeconds(30));
        Workload w = new Workload(cfg.units(), cfg.machines());
        log(String.format(Locale.ROOT, "%d machines (presence only, TTL %d s), %d units (%d with MachineMetadata, %d in %d Conflicts groups), %d clients",
                cfg.machines(), cfg.ttl(), cfg.units(), w.metadataRequirement.size(), w.conflictGroup.size(), w.groups, cfg.clients()));

        SimulatedMachine.Pool pool = new SimulatedMachine.Pool(2, 32);
        List<SimulatedMachine> machines = new ArrayList<>();
        ExecutorService submitters = Executors.newFixedThreadPool(cfg.clients());
        Sampler sampler = new Sampler(api, urls);
        try {
            // 1. machines
            long r0 = System.nanoTime();
            for (int i = 0; i < cfg.machines(); i++) {
                machines.add(SimulatedMachine.builder(pool, String.format(Locale.ROOT, "sim-%05d", i), urls)
                        .ttlSeconds(cfg.ttl()).mode(SimulatedMachine.Mode.PRESENCE).metadata(machineMetadata(i))
                        .firstEndpoint(i).start());
            }
            CompletableFuture.allOf(machines.stream().map(SimulatedMachine::registered).toArray(CompletableFuture[]::new))
                    .get(5, TimeUnit.MINUTES);
            double registered = secondsSince(r0);
            int listed;
            long l0 = System.nanoTime();
            while ((listed = api.listMachines().size()) < cfg.machines()) {
                if (secondsSince(l0) > 120) {
                    throw new IllegalStateException("only " + listed + " of " + cfg.machines() + " machines listed after 120 s");
                }
                Thread.sleep(200);
            }
            double allListed = secondsSince(r0);
            log(String.format(Locale.ROOT, "%d machines registered in %.2f s (%.0f/s); all listed after %.2f s",
                    cfg.machines(), registered, cfg.machines() / registered, allListed));

            // 2. where to watch from: the engine leader for its metrics, a follower for the unit list
            sampler.start();
            Thread.sleep(600);
            String leader = sampler.leaderNode();
            URI follower = urls.stream().filter(u -> !u.toString().equals(leader)).findFirst().orElse(urls.get(0));
            log("engine leader " + leader + "; polling the unit list on " + follower);
            FleetV1Client poller = new FleetV1Client(List.of(follower), http, Duration.ofSeconds(30));

            // 3. submit, with the poller running
            AtomicInteger next = new AtomicInteger();
            AtomicLong errors = new AtomicLong();
            AtomicLong lastDone = new AtomicLong();
            long[] latencies = new long[cfg.units()];
            List<String> errorSamples = new CopyOnWriteArrayList<>();
            double commitIndex0 = sampler.commitIndex();
            double passes0 = sampler.leaderValue(Sample::passes);
            double engineCommits0 = sampler.leaderValue(Sample::engineCommits);
            long t0 = System.nanoTime();
            sampler.markStart(t0);
            Placed placed = new Placed(poller, cfg.units(), t0);
            Thread pollThread = new Thread(placed, "placed-poller");
            pollThread.setDaemon(true);
            pollThread.start();
            List<Future<?>> fs = new ArrayList<>();
            for (int c = 0; c < cfg.clients(); c++) {
                FleetV1Client client = api.rotated(c);
                fs.add(submitters.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < cfg.units()) {
                        long s = System.nanoTime();
                        int status = -1;
                        String why = null;
                        for (int attempt = 0; attempt < 3 && status != 201 && status != 204; attempt++) {
                            try {
                                FleetV1Client.Response r = client.putUnitResponse(w.names[i], w.options.get(i), "launched");
                                status = r.status();
                                why = r.toString();
                            } catch (IOException e) {
                                why = e.toString();
                            }
                        }
                        long e = System.nanoTime();
                        latencies[i] = e - s;
                        lastDone.accumulateAndGet(e, Math::max);
                        if (status != 201 && status != 204) {
                            errors.incrementAndGet();
                            if (errorSamples.size() < 5) {
                                errorSamples.add(w.names[i] + ": " + why);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            long tLast = lastDone.get();
            double submitSeconds = (tLast - t0) / 1e9;
            log(String.format(Locale.ROOT, "submitted %d units in %.2f s (%.0f units/s), %d errors%s", cfg.units(),
                    submitSeconds, cfg.units() / submitSeconds, errors.get(), errorSamples.isEmpty() ? "" : " e.g. " + errorSamples));

            // 4. wait until every unit is placed
            long deadline = t0 + TimeUnit.SECONDS.toNanos(cfg.timeoutSeconds());
            long lastProgress = 0;
            while (placed.allPlacedAt() < 0 && System.nanoTime() < deadline) {
                Thread.sleep(200);
                if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(5)) {
                    lastProgress = System.nanoTime();
                    Sample s = sampler.lastLeaderSample();
                    log(String.format(Locale.ROOT, "  %.1f s: %d/%d placed (last listing); engine last pass %s",
                            secondsSince(t0), placed.lastCount(), cfg.units(),
                            s == null ? "?" : String.format(Locale.ROOT, "%.3f s over %.0f units, %.0f unplaced",
                                    s.lastPassSeconds(), s.lastPassUnits(), s.lastPassUnplaced())));
                }
            }
            placed.stop();
            Thread.sleep(300); // one more metrics sample
            sampler.stop();
            double commitIndex1 = sampler.commitIndex();
            double passes1 = sampler.leaderValue(Sample::passes);
            double engineCommits1 = sampler.leaderValue(Sample::engineCommits);
            long tAll = placed.allPlacedAt();
            double engineAll = sampler.engineAllPlacedSeconds(cfg.units());

            // 5. report
            Arrays.sort(latencies);
            StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "%n== fleet scale bench: 3 nodes, %d machines (presence only, TTL %d s), %d units "
                            + "(%d with MachineMetadata, %d in %d Conflicts groups), %d clients%n",
                    cfg.machines(), cfg.ttl(), cfg.units(), w.metadataRequirement.size(), w.conflictGroup.size(), w.groups, cfg.clients()));
            row(out, "machines registered", String.format(Locale.ROOT, "%.2f s (%.0f/s), all listed after %.2f s",
                    registered, cfg.machines() / registered, allListed));
            row(out, "submission", String.format(Locale.ROOT, "%.2f s, %.0f units/s; PUT p50 %.1f ms, p99 %.1f ms, max %.1f ms; %d errors",
                    submitSeconds, cfg.units() / submitSeconds, ms(pct(latencies, 0.50)), ms(pct(latencies, 0.99)),
                    ms(latencies[latencies.length - 1]), errors.get()));
            if (tAll < 0) {
                row(out, "placement", String.format(Locale.ROOT, "NOT all placed within %d s: %d of %d in the last listing",
                        cfg.timeoutSeconds(), placed.lastCount(), cfg.units()));
            } else {
                double fromFirst = (tAll - t0) / 1e9;
                double fromLast = Math.max(0, (tAll - tLast) / 1e9);
                row(out, "first submit -> all placed", String.format(Locale.ROOT, "%.2f s (unit list on a follower; a listing takes ~%.2f s)",
                        fromFirst, placed.listingSeconds()));
                row(out, "last submit -> all placed", String.format(Locale.ROOT, "%.2f s", fromLast));
                row(out, "placements per second", String.format(Locale.ROOT, "%.0f (units / first submit -> all placed)", cfg.units() / fromFirst));
                row(out, "goal: all placed <= 10 s", String.format(Locale.ROOT, "%s from the first submit, %s from the last",
                        fromFirst <= 10 ? "met" : "missed", fromLast <= 10 ? "met" : "missed"));
            }
            row(out, "engine says all placed", engineAll < 0 ? "not seen in the sampled metrics"
                    : String.format(Locale.ROOT, "%.2f s after the first submit (leader's last pass: %d units, 0 unplaced)", engineAll, cfg.units()));
            double runSeconds = ((tAll < 0 ? System.nanoTime() : tAll) - t0) / 1e9;
            row(out, "RAFT commits", String.format(Locale.ROOT, "%.0f in %.2f s = %.0f/s (fleet_store_raft_commit_index delta; includes heartbeats)",
                    commitIndex1 - commitIndex0, runSeconds, (commitIndex1 - commitIndex0) / runSeconds));
            row(out, "engine passes / commits", String.format(Locale.ROOT, "%.0f passes, %.0f engine commits",
                    passes1 - passes0, engineCommits1 - engineCommits0));
            row(out, "engine pass time", String.format(Locale.ROOT, "max %.3f s, last %.3f s (fleet_engine_last_pass_seconds, %d samples)",
                    sampler.maxPassSeconds(), sampler.lastPassSeconds(), sampler.leaderSamples()));
            row(out, "placed over time", placed.timeline());
            out.append(verify(poller, w, machines, cfg));
            System.out.println(out);
        } finally {
            sampler.stop();
            submitters.shutdownNow();
            machines.forEach(SimulatedMachine::crash);
            pool.close();
        }
    }

    /** Checks the final placement: metadata, conflicts, load spread. */
    private static String verify(FleetV1Client api, Workload w, List<SimulatedMachine> machines, Config cfg) {
        StringBuilder out = new StringBuilder();
        try {
            List<Unit> units = api.listUnits();
            Map<String, Map<String, String>> md = new HashMap<>();
            machines.forEach(m -> md.put(m.id(), m.metadata()));
            int unplaced = 0;
            int metadataViolations = 0;
            int conflictViolations = 0;
            Map<String, Integer> load = new TreeMap<>();
            Map<String, Map<Integer, Integer>> groupsOnMachine = new HashMap<>();
            List<String> examples = new ArrayList<>();
            for (Unit u : units) {
                if (u.machineID() == null) {
                    unplaced++;
                    if (examples.size() < 3) {
                        examples.add(u.name() + " unplaced: " + u.reason());
                    }
                    continue;
                }
                load.merge(u.machineID(), 1, Integer::sum);
                String[] req = w.metadataRequirement.get(u.name());
                if (req != null && !req[1].equals(md.getOrDefault(u.machineID(), Map.of()).get(req[0]))) {
                    metadataViolations++;
                    if (examples.size() < 3) {
                        examples.add(u.name() + " needs " + req[0] + "=" + req[1] + " but is on " + u.machineID() + " " + md.get(u.machineID()));
                    }
                }
                Integer g = w.conflictGroup.get(u.name());
                if (g != null && groupsOnMachine.computeIfAbsent(u.machineID(), k -> new HashMap<>()).merge(g, 1, Integer::sum) > 1) {
                    conflictViolations++;
                    if (examples.size() < 3) {
                        examples.add(u.name() + " shares " + u.machineID() + " with another unit of conflict group " + g);
                    }
                }
            }
            int min = machines.stream().mapToInt(m -> load.getOrDefault(m.id(), 0)).min().orElse(0);
            int max = machines.stream().mapToInt(m -> load.getOrDefault(m.id(), 0)).max().orElse(0);
            row(out, "final placement", String.format(Locale.ROOT, "%d units listed, %d unplaced; load per machine min %d, max %d "
                            + "(ideal %.1f); %d MachineMetadata violations, %d Conflicts violations%s",
                    units.size(), unplaced, min, max, (double) cfg.units() / cfg.machines(), metadataViolations, conflictViolations,
                    examples.isEmpty() ? "" : "; e.g. " + examples));
        } catch (IOException e) {
            row(out, "final placement", "could not list the units: " + e);
        }
        return out.toString();
    }

    // ---------------------------------------------------------------------------------------------- pollers

    /** Lists every unit again and again; notes when all have a machine. */
    static final class Placed implements Runnable {
        private final FleetV1Client api;
        private final int expected;
        private final long t0;
        private volatile boolean stopped;
        private volatile long allPlacedAt = -1;
        private volatile int lastCount;
        private final List<double[]> points = new CopyOnWriteArrayList<>();
        private final AtomicLong listings = new AtomicLong();
        private final AtomicLong listingNanos = new AtomicLong();

        Placed(FleetV1Client api, int expected, long t0) {
            this.api = api;
            this.expected = expected;
            this.t0 = t0;
        }

        @Override
        public void run() {
            while (!stopped) {
                try {
                    long s = System.nanoTime();
                    List<Unit> units = api.listUnits();
                    long e = System.nanoTime();
                    listings.incrementAndGet();
                    listingNanos.addAndGet(e - s);
                    int n = 0;
                    for (Unit u : units) {
                        if (u.machineID() != null) {
                            n++;
                        }
                    }
                    lastCount = n;
                    // the listing reflects the state somewhere between its first and its last page: count the end
                    points.add(new double[] {(e - t0) / 1e9, n});
                    if (n >= expected && units.size() >= expected) {
                        allPlacedAt = e;
                        return;
                    }
                    if (e - s < 100_000_000L) {
                        Thread.sleep(100);
                    }
                } catch (IOException e) {
                    sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        long allPlacedAt() {
            return allPlacedAt;
        }

        int lastCount() {
            return lastCount;
        }

        double listingSeconds() {
            long n = listings.get();
            return n == 0 ? 0 : listingNanos.get() / 1e9 / n;
        }

        void stop() {
            stopped = true;
        }

        String timeline() {
            StringBuilder sb = new StringBuilder();
            double lastT = -10;
            for (double[] p : points) {
                if (p[0] - lastT >= 2 || p == points.get(points.size() - 1)) {
                    sb.append(String.format(Locale.ROOT, "%.1fs:%d ", p[0], (long) p[1]));
                    lastT = p[0];
                }
            }
            return sb.toString().strip();
        }
    }

    /** Samples every node's /metrics every 250 ms. */
    static final class Sampler {
        private final FleetV1Client api;
        private final List<URI> urls;
        private final List<Sample> samples = new CopyOnWriteArrayList<>();
        private final java.util.concurrent.ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "metrics-sampler");
            t.setDaemon(true);
            return t;
        });
        private final long created = System.nanoTime();
        private volatile long start = Long.MAX_VALUE;

        Sampler(FleetV1Client api, List<URI> urls) {
            this.api = api;
            this.urls = urls;
        }

        void start() {
            timer.scheduleWithFixedDelay(this::sample, 0, 250, TimeUnit.MILLISECONDS);
        }

        void stop() {
            timer.shutdownNow();
        }

        void markStart(long t0) {
            start = t0;
        }

        private void sample() {
            for (URI u : urls) {
                try {
                    Map<String, Double> m = api.metrics(u);
                    samples.add(new Sample((System.nanoTime() - created) / 1e9, u.toString(),
                            m.getOrDefault("fleet_engine_leader", 0.0) == 1.0, m.getOrDefault("fleet_engine_last_pass_seconds", 0.0),
                            m.getOrDefault("fleet_engine_last_pass_units", 0.0), m.getOrDefault("fleet_engine_last_pass_unplaced", -1.0),
                            m.getOrDefault("fleet_engine_reconcile_count_total", 0.0), m.getOrDefault("fleet_engine_commit_count_total", 0.0),
                            m.getOrDefault("fleet_store_raft_commit_index", 0.0)));
                } catch (IOException | RuntimeException e) {
                    // a node that does not answer is skipped this round
                }
            }
        }

        private double since() {
            return start == Long.MAX_VALUE ? Double.MAX_VALUE : (start - created) / 1e9;
        }

        String leaderNode() {
            for (int i = samples.size() - 1; i >= 0; i--) {
                if (samples.get(i).leader()) {
                    return samples.get(i).node();
                }
            }
            return "";
        }

        Sample lastLeaderSample() {
            for (int i = samples.size() - 1; i >= 0; i--) {
                if (samples.get(i).leader()) {
                    return samples.get(i);
                }
            }
            return null;
        }

        double leaderValue(java.util.function.ToDoubleFunction<Sample> f) {
            sample();
            Sample s = lastLeaderSample();
            return s == null ? Double.NaN : f.applyAsDouble(s);
        }

        double commitIndex() {
            sample();
            return samples.stream().mapToDouble(Sample::commitIndex).max().orElse(Double.NaN);
        }

        /** Seconds from the first submit to the first leader sample whose last pass had every unit and none unplaced. */
        double engineAllPlacedSeconds(int units) {
            double from = since();
            for (Sample s : samples) {
                if (s.leader() && s.t() >= from && s.lastPassUnits() >= units && s.lastPassUnplaced() == 0) {
                    return s.t() - from;
                }
            }
            return -1;
        }

        double maxPassSeconds() {
            double from = since();
            return samples.stream().filter(s -> s.leader() && s.t() >= from).mapToDouble(Sample::lastPassSeconds).max().orElse(Double.NaN);
        }

        double lastPassSeconds() {
            Sample s = lastLeaderSample();
            return s == null ? Double.NaN : s.lastPassSeconds();
        }

        int leaderSamples() {
            double from = since();
            return (int) samples.stream().filter(s -> s.leader() && s.t() >= from).count();
        }
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private static long pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static void row(StringBuilder out, String what, String value) {
        out.append(String.format(Locale.ROOT, "%-30s %s%n", what, value));
    }

    private static double secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void log(String s) {
        System.out.println("[bench] " + s);
    }
}
