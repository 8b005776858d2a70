package dev.fleet.bench;

import dev.fleet.client.FleetClient;
import dev.fleet.client.FleetClient.ApiException;
import dev.fleet.client.FleetClient.Unreachable;
import dev.fleet.schema.Codec;
import dev.fleet.schema.MetadataOp;
import dev.fleet.schema.SchemaException;
import dev.fleet.schema.Unit;
import dev.fleet.testkit.FleetCluster;
import dev.fleet.testkit.NodeMetrics;
import dev.fleet.testkit.SimulatedMachine;
import dev.fleet.testkit.UnitOptions;
import dev.fleet.unit.UnitOption;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
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
 * ScaleBench [--machines=1000] [--units=10000] [--clients=16] [--ttl=30] [--timeout=600] [--inflight=256]
 *            [--mode=trickle|burst] [--urls=URL,URL,URL]
 * </pre>
 * {@code --mode=trickle} (default): the engine places units while they are submitted; the times run from the first
 * and from the last submit. {@code --mode=burst}: every unit also requires {@code pool=bench}, which no machine has
 * while they are submitted (all stay unplaced); then one {@code PATCH /fleet/v1/machines} gives every machine
 * {@code pool=bench} and the times run from that PATCH — the engine placing all units at once.
 * Without {@code --urls} it starts three nodes itself (bin/fleet-node) in a temporary directory. {@code --inflight}
 * bounds the machines' heartbeats in flight at once (one shared HTTP client); when the nodes answer slower than
 * inflight / (machines / (TTL/3)), heartbeats queue up and come less often than every TTL/3 — the report shows the
 * rate reached.
 */
public final class ScaleBench {
    private static final String[] REGIONS = {"us-east", "us-west", "eu-central", "ap-south"};

    record Config(int machines, int units, int clients, int ttl, int timeoutSeconds, int inflight, boolean burst, List<URI> urls) { }

    /** One sample of one node's /metrics. */
    record Sample(double t, String node, boolean leader, double lastPassSeconds, double lastPassUnits,
                  double lastPassUnplaced, double passes, double engineCommits, double commitIndex) { }

    private ScaleBench() { }

    public static void main(String[] args) throws Exception {
        Config cfg = BenchArgs.parseOrExit(() -> parse(args), "usage: fleet-bench scale [--machines=1000] [--units=10000] [--clients=16] [--ttl=30]"
                + " [--timeout=600] [--inflight=256] [--mode=trickle|burst] [--urls=URL,URL,URL]");
        // FleetClient is on HttpURLConnection, whose keep-alive cache holds 5 idle connections per node by default:
        // with more concurrent clients the rest would reconnect for every PUT. Read once, before the first request.
        if (System.getProperty("http.maxConnections") == null) {
            System.setProperty("http.maxConnections", String.valueOf(Math.max(5, cfg.clients() + 2)));
        }
        if (!cfg.urls().isEmpty()) {
            run(cfg, cfg.urls());
            return;
        }
        java.nio.file.Path work = Files.createTempDirectory("fleet-scale-bench");
        try (FleetCluster c = FleetCluster.start(work, 3)) {
            log("three fleet nodes ready (time to ready " + c.readySeconds() + " s); data under " + c.workDir());
            run(cfg, c.clientUrls());
        } finally {
            dev.fleet.testkit.Dirs.deleteRecursively(work); // ≈ 330 MB of logs and Payara runtime dirs
        }
    }

    static Config parse(String[] args) {
        Map<String, String> a = BenchArgs.options(args);
        int machines = positive(a.remove("machines"), 1000, "machines");
        int units = positive(a.remove("units"), 10_000, "units");
        int clients = positive(a.remove("clients"), 16, "clients");
        int ttl = positive(a.remove("ttl"), 30, "ttl");
        int timeout = positive(a.remove("timeout"), 600, "timeout");
        int inflight = positive(a.remove("inflight"), 256, "inflight");
        String mode = a.getOrDefault("mode", "trickle");
        a.remove("mode");
        if (!mode.equals("trickle") && !mode.equals("burst")) {
            throw new IllegalArgumentException("--mode is trickle or burst, not " + mode);
        }
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
        return new Config(machines, units, clients, ttl, timeout, inflight, mode.equals("burst"), List.copyOf(urls));
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
        final List<List<UnitOption>> options = new ArrayList<>();
        final Map<String, String[]> metadataRequirement = new HashMap<>();
        final Map<String, Integer> conflictGroup = new HashMap<>();
        final int groups;

        Workload(int units, int machines, boolean gated) {
            names = new String[units];
            int conflictUnits = (units + 42) / 50;
            // each group must fit: at most half the machines per group
            groups = Math.max(20, (conflictUnits + Math.max(1, machines / 2) - 1) / Math.max(1, machines / 2));
            for (int i = 0; i < units; i++) {
                List<UnitOption> o = new ArrayList<>();
                String name;
                if (i % 50 == 7) {
                    int g = (i / 50) % groups;
                    name = String.format(Locale.ROOT, "bench-cg%02d-%05d.service", g, i);
                    o.add(UnitOptions.xFleet("Conflicts", String.format(Locale.ROOT, "bench-cg%02d-*.service", g)));
                    conflictGroup.put(name, g);
                } else {
                    name = String.format(Locale.ROOT, "bench-%05d.service", i);
                    if (i % 66 == 3) {
                        o.add(UnitOptions.xFleet("MachineMetadata", "region=eu-central"));
                        metadataRequirement.put(name, new String[] {"region", "eu-central"});
                    } else if (i % 66 == 36) {
                        o.add(UnitOptions.xFleet("MachineMetadata", "disk=ssd"));
                        metadataRequirement.put(name, new String[] {"disk", "ssd"});
                    }
                }
                if (gated) {
                    o.add(UnitOptions.xFleet("MachineMetadata", "pool=bench"));
                }
                o.add(0, UnitOptions.unit("Description", "scale bench " + name));
                o.add(1, UnitOptions.service("ExecStart", "/bin/sleep 100000"));
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
        FleetClient api = client(urls);
        Workload w = new Workload(cfg.units(), cfg.machines(), cfg.burst());
        log(String.format(Locale.ROOT, "%d machines (presence only, TTL %d s), %d units (%d with MachineMetadata, %d in %d Conflicts groups), %d clients",
                cfg.machines(), cfg.ttl(), cfg.units(), w.metadataRequirement.size(), w.conflictGroup.size(), w.groups, cfg.clients()));

        SimulatedMachine.Pool pool = new SimulatedMachine.Pool(2, cfg.inflight());
        List<SimulatedMachine> machines = new ArrayList<>();
        ExecutorService submitters = Executors.newFixedThreadPool(cfg.clients());
        Sampler sampler = new Sampler(urls);
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
            List<String> listings = new ArrayList<>();
            while (true) {
                long s = System.nanoTime();
                listed = api.machines().size();
                listings.add(String.format(Locale.ROOT, "%d in %.2f s", listed, secondsSince(s)));
                if (listed >= cfg.machines()) {
                    break;
                }
                if (secondsSince(l0) > 120) {
                    throw new IllegalStateException("only " + listed + " of " + cfg.machines() + " machines listed after 120 s");
                }
                Thread.sleep(200);
            }
            double allListed = secondsSince(r0);
            log(String.format(Locale.ROOT, "%d machines registered in %.2f s (%.0f/s); all listed after %.2f s (listings: %s)",
                    cfg.machines(), registered, cfg.machines() / registered, allListed, listings));

            // 2. where to watch from: the engine leader for its metrics, a follower for the unit list
            sampler.start();
            long w0 = System.nanoTime();
            while (sampler.leaderNode().isEmpty() && secondsSince(w0) < 60) {
                Thread.sleep(100);
            }
            String leader = sampler.leaderNode();
            URI follower = urls.stream().filter(u -> !u.toString().equals(leader)).findFirst().orElse(urls.get(0));
            log("engine leader " + leader + "; polling the unit list on " + follower);
            FleetClient poller = client(List.of(follower));

            // 3. submit (in trickle mode with the poller running: the engine places while we submit)
            AtomicInteger next = new AtomicInteger();
            AtomicLong errors = new AtomicLong();
            AtomicLong lastDone = new AtomicLong();
            long[] latencies = new long[cfg.units()];
            List<String> errorSamples = new CopyOnWriteArrayList<>();
            Placed placed = new Placed(poller, w.names, 0);
            Measure m0 = cfg.burst() ? null : Measure.take(sampler, machines);
            long tFirst = System.nanoTime();
            if (!cfg.burst()) {
                placed = new Placed(poller, w.names, tFirst);
                sampler.markStart(tFirst);
                startDaemon(placed);
            }
            List<Future<?>> fs = new ArrayList<>();
            for (int c = 0; c < cfg.clients(); c++) {
                FleetClient client = api.rotated(c);
                fs.add(submitters.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < cfg.units()) {
                        long s = System.nanoTime();
                        int status = -1;
                        String why = null;
                        for (int attempt = 0; attempt < 3 && status != 201 && status != 204; attempt++) {
                            try {
                                FleetClient.Response r = client.putUnitResponse(Unit.put(w.names[i], w.options.get(i), "launched"));
                                status = r.status();
                                why = "HTTP " + r.status() + " " + r.body().strip();
                            } catch (Unreachable e) {
                                // every node down or answering 503: count the last 503 as the answer, like any other
                                status = e.last503().map(FleetClient.Response::status).orElse(-1);
                                why = e.last503().map(r -> "HTTP " + r.status() + " " + r.body().strip()).orElse(e.toString());
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
            double submitSeconds = (tLast - tFirst) / 1e9;
            log(String.format(Locale.ROOT, "submitted %d units in %.2f s (%.0f units/s), %d errors%s", cfg.units(),
                    submitSeconds, cfg.units() / submitSeconds, errors.get(), errorSamples.isEmpty() ? "" : " e.g. " + errorSamples));

            // 3b. burst: once the engine has seen every unit (all unplaced), one PATCH releases them
            long t0 = tFirst;
            double patchSeconds = Double.NaN;
            if (cfg.burst()) {
                long g0 = System.nanoTime();
                while (true) {
                    Sample s = sampler.lastLeaderSample();
                    if (s != null && s.lastPassUnits() >= cfg.units() && s.lastPassUnplaced() >= cfg.units()) {
                        break;
                    }
                    if (secondsSince(g0) > 300) {
                        throw new IllegalStateException("the engine has not seen every unit unplaced after 300 s: " + s);
                    }
                    Thread.sleep(250);
                }
                log(String.format(Locale.ROOT, "the engine sees %d units, all unplaced (%.1f s after the last submit); giving every machine pool=bench",
                        cfg.units(), secondsSince(tLast)));
                Map<String, Map<String, String>> patch = new TreeMap<>();
                machines.forEach(mm -> patch.put(mm.id(), Map.of("pool", "bench")));
                List<MetadataOp> ops = new ArrayList<>();
                patch.forEach((id, kv) -> kv.forEach((k, v) -> ops.add(MetadataOp.add(id, k, v))));
                m0 = Measure.take(sampler, machines);
                t0 = System.nanoTime();
                sampler.markStart(t0);
                placed = new Placed(poller, w.names, t0);
                startDaemon(placed);
                int st = api.send("PATCH", FleetClient.MACHINES, Codec.metadataPatch(ops)).status();
                patchSeconds = secondsSince(t0);
                if (st != 204) {
                    throw new IllegalStateException("PATCH /fleet/v1/machines answered " + st);
                }
            }

            // 4. wait until every unit is placed
            long deadline = t0 + TimeUnit.SECONDS.toNanos(cfg.timeoutSeconds());
            long lastProgress = 0;
            while (placed.allPlacedAt() < 0 && System.nanoTime() < deadline) {
                Thread.sleep(100);
                if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(5)) {
                    lastProgress = System.nanoTime();
                    Sample s = sampler.lastLeaderSample();
                    log(String.format(Locale.ROOT, "  %.1f s: %d/%d placed (last look); engine last pass %s",
                            secondsSince(t0), placed.lastCount(), cfg.units(),
                            s == null ? "?" : String.format(Locale.ROOT, "%.3f s over %.0f units, %.0f unplaced",
                                    s.lastPassSeconds(), s.lastPassUnits(), s.lastPassUnplaced())));
                }
            }
            placed.stop();
            Thread.sleep(300); // one more metrics sample
            sampler.stop();
            Measure m1 = Measure.take(sampler, machines);
            long tAll = placed.allPlacedAt();
            double engineAll = sampler.engineAllPlacedSeconds(cfg.units());

            // 5. report
            Arrays.sort(latencies);
            StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "%n== fleet scale bench (%s): 3 nodes, %d machines (presence only, TTL %d s), %d units "
                            + "(%d with MachineMetadata, %d in %d Conflicts groups), %d clients%n", cfg.burst() ? "burst" : "trickle",
                    cfg.machines(), cfg.ttl(), cfg.units(), w.metadataRequirement.size(), w.conflictGroup.size(), w.groups, cfg.clients()));
            row(out, "machines registered", String.format(Locale.ROOT, "%.2f s (%.0f/s), all listed after %.2f s",
                    registered, cfg.machines() / registered, allListed));
            row(out, "submission", String.format(Locale.ROOT, "%.2f s, %.0f units/s; PUT p50 %.1f ms, p99 %.1f ms, max %.1f ms; %d errors",
                    submitSeconds, cfg.units() / submitSeconds, ms(pct(latencies, 0.50)), ms(pct(latencies, 0.99)),
                    ms(latencies[latencies.length - 1]), errors.get()));
            String from = cfg.burst() ? "PATCH" : "first submit";
            if (cfg.burst()) {
                row(out, "PATCH metadata", String.format(Locale.ROOT, "%d machines get pool=bench in one request: %.3f s", cfg.machines(), patchSeconds));
            }
            double lastSubmit = (tLast - t0) / 1e9; // negative in burst mode
            if (engineAll >= 0) {
                row(out, from + " -> all placed", String.format(Locale.ROOT, "%.2f s as the engine tells (the first 250 ms sample of the "
                        + "leader's metrics whose last pass had %d units and 0 unplaced; its writes were committed by then)", engineAll, cfg.units()));
            } else {
                row(out, from + " -> all placed", "not seen in the engine's sampled metrics");
            }
            if (tAll < 0) {
                row(out, "  seen through API v1", String.format(Locale.ROOT, "NOT all placed within %d s: %d of %d at the last look",
                        cfg.timeoutSeconds(), placed.lastCount(), cfg.units()));
            } else {
                row(out, "  seen through API v1", String.format(Locale.ROOT, "%severy unit with a machine at %.2f s (on a follower: %s)",
                        placed.sentinelsAt() > 0 ? String.format(Locale.ROOT, "%d sentinel units (last submitted, last by name, random) "
                                + "at %.2f s, ", placed.sentinelCount(), (placed.sentinelsAt() - t0) / 1e9) : "",
                        (tAll - t0) / 1e9, placed.method()));
            }
            double best = engineAll >= 0 ? engineAll : tAll >= 0 ? (tAll - t0) / 1e9 : Double.NaN;
            if (!Double.isNaN(best)) {
                if (!cfg.burst()) {
                    row(out, "last submit -> all placed", best - lastSubmit > 0 ? String.format(Locale.ROOT, "%.2f s", best - lastSubmit)
                            : "0 s (the engine had placed the last unit before the answer to its PUT arrived)");
                }
                row(out, "placements per second", String.format(Locale.ROOT, "%.0f (units / %s -> all placed)", cfg.units() / best, from));
                row(out, "goal: all placed <= 10 s", cfg.burst() ? (best <= 10 ? "met" : "missed") + " (from the PATCH)"
                        : String.format(Locale.ROOT, "%s from the first submit, %s from the last", best <= 10 ? "met" : "missed",
                        best - lastSubmit <= 10 ? "met" : "missed"));
            }
            double runSeconds = ((tAll < 0 ? System.nanoTime() : tAll) - t0) / 1e9;
            row(out, "RAFT commits", String.format(Locale.ROOT, "%.0f in %.2f s = %.0f/s (fleet_store_raft_commit_index delta; includes heartbeats)",
                    m1.commitIndex() - m0.commitIndex(), runSeconds, (m1.commitIndex() - m0.commitIndex()) / runSeconds));
            row(out, "machine heartbeats", String.format(Locale.ROOT, "%d ok (%.0f/s; %d machines every %d s would be %.0f/s), %d failed, %d registrations anew (presence had expired)",
                    m1.hb("heartbeatsOk") - m0.hb("heartbeatsOk"), (m1.hb("heartbeatsOk") - m0.hb("heartbeatsOk")) / runSeconds,
                    cfg.machines(), Math.max(1, cfg.ttl() / 3), cfg.machines() / Math.max(1.0, cfg.ttl() / 3.0),
                    m1.hb("heartbeatErrors") - m0.hb("heartbeatErrors"), m1.hb("registered201") - m0.hb("registered201")));
            row(out, "engine passes / commits", String.format(Locale.ROOT, "%.0f passes, %.0f engine commits",
                    m1.passes() - m0.passes(), m1.engineCommits() - m0.engineCommits()));
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

    /** A client of the nodes with a 30 s read timeout (a listing of 10,000 units under load takes seconds). */
    private static FleetClient client(List<URI> urls) {
        return new FleetClient(urls, Duration.ofSeconds(2), Duration.ofSeconds(30), null);
    }

    /** Checks the final placement: metadata, conflicts, load spread. */
    private static String verify(FleetClient api, Workload w, List<SimulatedMachine> machines, Config cfg) {
        StringBuilder out = new StringBuilder();
        try {
            List<Unit> units = api.units();
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
        } catch (Unreachable | ApiException | SchemaException e) {
            row(out, "final placement", "could not list the units: " + e);
        }
        return out.toString();
    }

    // ---------------------------------------------------------------------------------------------- pollers

    /**
     * Watches the units get their machines. While many are still without one it asks for a few sentinel units
     * ({@code GET /fleet/v1/units/NAME}: the last submitted, the last by name — the engine writes in name order — and
     * some at random) and lists every unit (all pages; seconds at 10,000 units) only once the sentinels have machines,
     * or every 10 s for progress; when few are left it asks for each of them. So the end is seen promptly.
     */
    static final class Placed implements Runnable {
        /** below this many units without a machine, ask for each instead of listing all */
        private static final int TAIL = 200;
        private final FleetClient api;
        private final int expected;
        private final long t0;
        private final java.util.Set<String> unplaced = new java.util.HashSet<>();
        private final List<String> sentinels = new ArrayList<>();
        private volatile boolean stopped;
        private volatile long allPlacedAt = -1;
        private volatile long sentinelsAt = -1;
        private volatile int lastCount;
        private final List<double[]> points = new CopyOnWriteArrayList<>();
        private final AtomicLong listings = new AtomicLong();
        private final AtomicLong listingNanos = new AtomicLong();
        private final AtomicLong unitGets = new AtomicLong();

        Placed(FleetClient api, String[] names, long t0) {
            this.api = api;
            this.expected = names.length;
            this.t0 = t0;
            unplaced.addAll(Arrays.asList(names));
            java.util.Set<String> pick = new java.util.LinkedHashSet<>();
            for (int i = Math.max(0, names.length - 10); i < names.length; i++) {
                pick.add(names[i]);
            }
            String[] sorted = names.clone();
            Arrays.sort(sorted);
            for (int i = Math.max(0, sorted.length - 5); i < sorted.length; i++) {
                pick.add(sorted[i]);
            }
            java.util.Random r = new java.util.Random(42);
            for (int i = 0; i < 10 && names.length > 0; i++) {
                pick.add(names[r.nextInt(names.length)]);
            }
            sentinels.addAll(pick);
        }

        @Override
        public void run() {
            long lastListing = System.nanoTime();
            while (!stopped) {
                try {
                    long s = System.nanoTime();
                    if (unplaced.size() > TAIL) {
                        boolean sentinelsPlaced = true;
                        for (String name : sentinels) {
                            if (unplaced.contains(name)) {
                                unitGets.incrementAndGet();
                                if (api.unit(name).map(Unit::machineID).isPresent()) {
                                    unplaced.remove(name);
                                } else {
                                    sentinelsPlaced = false;
                                    break;
                                }
                            }
                        }
                        if (sentinelsPlaced && sentinelsAt < 0) {
                            sentinelsAt = System.nanoTime();
                        }
                        if (sentinelsPlaced || System.nanoTime() - lastListing > 10_000_000_000L) {
                            List<Unit> units = api.units();
                            lastListing = System.nanoTime();
                            listings.incrementAndGet();
                            listingNanos.addAndGet(lastListing - s);
                            for (Unit u : units) {
                                if (u.machineID() != null) {
                                    unplaced.remove(u.name());
                                }
                            }
                        }
                    } else {
                        for (String name : List.copyOf(unplaced)) {
                            unitGets.incrementAndGet();
                            if (api.unit(name).map(Unit::machineID).isPresent()) {
                                unplaced.remove(name);
                            }
                        }
                    }
                    long e = System.nanoTime();
                    int count = expected - unplaced.size();
                    if (count != lastCount || points.isEmpty()) {
                        // a unit seen with a machine had it by the end of the round: count the end
                        points.add(new double[] {(e - t0) / 1e9, count});
                    }
                    lastCount = count;
                    if (unplaced.isEmpty()) {
                        allPlacedAt = e;
                        return;
                    }
                    if (e - s < 50_000_000L) {
                        Thread.sleep(50);
                    }
                } catch (Unreachable | ApiException | SchemaException e) {
                    sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        long sentinelsAt() {
            return sentinelsAt;
        }

        int sentinelCount() {
            return sentinels.size();
        }

        String method() {
            return String.format(Locale.ROOT, "%d full listings of ~%.2f s each, %d single-unit GETs", listings.get(),
                    listingSeconds(), unitGets.get());
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
        private final List<URI> urls;
        private final List<Sample> samples = new CopyOnWriteArrayList<>();
        private final java.util.concurrent.ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "metrics-sampler");
            t.setDaemon(true);
            return t;
        });
        private final long created = System.nanoTime();
        private volatile long start = Long.MAX_VALUE;

        Sampler(List<URI> urls) {
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
                    Map<String, Double> m = NodeMetrics.get(u, Duration.ofSeconds(30));
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

    /** Counters at one moment: the store's commit index, the engine's passes and commits, the machines' heartbeats. */
    record Measure(double commitIndex, double passes, double engineCommits, Map<String, Long> heartbeats) {
        static Measure take(Sampler sampler, List<SimulatedMachine> machines) {
            return new Measure(sampler.commitIndex(), sampler.leaderValue(Sample::passes), sampler.leaderValue(Sample::engineCommits),
                    sumCounters(machines));
        }

        long hb(String name) {
            return heartbeats.getOrDefault(name, 0L);
        }
    }

    private static void startDaemon(Runnable r) {
        Thread t = new Thread(r, "placed-poller");
        t.setDaemon(true);
        t.start();
    }

    private static Map<String, Long> sumCounters(List<SimulatedMachine> machines) {
        Map<String, Long> sum = new TreeMap<>();
        machines.forEach(m -> m.counters().forEach((k, v) -> sum.merge(k, v, Long::sum)));
        return sum;
    }

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
