package dev.fleet.bench;

import dev.fleet.testkit.EtcdCluster;
import dev.fleet.testkit.EtcdV2Client;
import dev.fleet.testkit.EtcdV2Client.Response;
import jakarta.json.JsonObject;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToDoubleFunction;

import javax.imageio.ImageIO;

/**
 * Compares fleet's etcd-v2-compatible store ("ours") with a real 3-member etcd 3.4 started by this program, using the
 * same workload against both in the same run:
 * <ol>
 *   <li>PUT throughput and latency with 1 client, then with N (default 16) concurrent clients: each client writes its
 *       own key range with distinct values for a fixed time after a warm-up;</li>
 *   <li>watch delivery latency: a watcher long-polls {@code ?wait=true&waitIndex=i} on one member (a follower when
 *       {@code /v2/stats/self} tells), a writer PUTs on another; latency = the watcher's response fully received
 *       minus the writer's PUT being sent (both {@link System#nanoTime()} in this JVM), over sequential events.</li>
 * </ol>
 * Prints a table (metric | ours | etcd | ours/etcd) and writes it as text, CSV and a PNG bar chart into {@code --out}.
 * See docs/bench-store.md.
 *
 * <pre>
 * StoreBench --ours=URL,URL,URL [--seconds=10] [--warmup=2] [--clients=16] [--routing=sticky|round-robin]
 *            [--watch-events=200] [--value-size=64] [--out=DIR]
 * StoreBench --ours=etcd ...   (a second etcd cluster plays "ours": a sanity check, ratios should be ~1)
 * </pre>
 */
public final class StoreBench {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    private static final int KEYS_PER_CLIENT = 1000;
    private static final int WATCH_WARMUP_EVENTS = 20;
    private static final Duration WATCH_PHASE_LIMIT = Duration.ofMinutes(3);
    /** how long to wait for a watch's response headers (etcd sends them once the watcher is registered) */
    private static final Duration WATCH_HEADERS_WAIT = Duration.ofSeconds(1);
    /** grace before the PUT when the server does not send headers early */
    private static final Duration WATCH_REGISTER_GRACE = Duration.ofMillis(50);

    enum Routing { STICKY, ROUND_ROBIN }

    record Config(List<URI> ours, boolean oursIsEtcd, int seconds, int warmupSeconds, int clients, Routing routing,
                  int watchEvents, int valueSize, Path out) {}

    /** One PUT phase: latencies of the requests that completed inside the measured window. */
    record PutRun(int clients, long ops, long errors, double seconds, long[] sortedLatencies) {
        double throughput() {
            return ops / seconds;
        }
    }

    record WatchRun(String watcher, String writer, boolean earlyHeaders, int events, int missed,
                    long[] sortedLatencies) {}

    /**
     * One cluster under test: its label in the report, what it is, its members' URLs and how a client reaches them
     * (plain HTTP, or TLS with a client certificate and/or a bearer token).
     */
    public record Side(String label, String description, List<URI> urls, EtcdV2Client.Auth auth) {}

    record Results(Side side, PutRun single, PutRun multi, WatchRun watch) {}

    /** A ratio column of the report: side {@code num}'s value over side {@code den}'s. */
    record Ratio(int num, int den) {}

    /** One row of the report: one value per side. */
    record Row(String metric, String unit, double[] values, boolean higherIsBetter) {
        double ratioValue(Ratio r) {
            double n = values[r.num()];
            double d = values[r.den()];
            return d == 0 || Double.isNaN(d) || Double.isNaN(n) ? Double.NaN : n / d;
        }

        String ratio(Ratio r) {
            double v = ratioValue(r);
            return Double.isNaN(v) ? "n/a" : fmt(v);
        }
    }

    public static void main(String[] args) throws Exception {
        run(args, List.of());
    }

    /**
     * The benchmark against {@code given} (clusters the caller started, e.g. {@code bin/fleet-bench store}; then
     * {@code --ours} is not needed) or {@code --ours}, and the etcd 3.4 anchor this method starts if its binary is
     * there. Ratio columns: every given side over the first one, and the first one over etcd.
     */
    public static void run(String[] args, List<Side> given) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Config cfg = BenchArgs.parseOrExit(() -> parse(args, given.isEmpty()), "usage: StoreBench --ours=URL,URL,URL|etcd [--seconds=10]"
                + " [--warmup=2] [--clients=16] [--routing=sticky|round-robin] [--watch-events=200] [--value-size=64] [--out=DIR]");
        Files.createDirectories(cfg.out());
        List<Side> fleet = new ArrayList<>(given);
        if (!cfg.oursIsEtcd() && !cfg.ours().isEmpty()) {
            fleet.add(new Side("ours", "given", cfg.ours(), EtcdV2Client.Auth.NONE));
        }
        try {
            preflight(fleet);
        } catch (IOException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
            return;
        }
        log("starting the reference etcd cluster (3 members on 127.0.0.1)");
        EtcdCluster etcd = null;
        try {
            etcd = EtcdCluster.start();
        } catch (IllegalStateException e) {
            if (cfg.oursIsEtcd() || fleet.isEmpty()) throw e;
            log("NO etcd anchor in this run: " + e.getMessage());
        }
        try (EtcdCluster ref = etcd;
             EtcdCluster oursEtcd = cfg.oursIsEtcd() ? EtcdCluster.start() : null) {
            if (oursEtcd != null) {
                fleet.add(new Side("ours", "a second etcd cluster", oursEtcd.clientUrls(), EtcdV2Client.Auth.NONE));
            }
            List<Side> sides = new ArrayList<>(fleet);
            List<Ratio> ratios = new ArrayList<>();
            for (int i = 1; i < fleet.size(); i++) {
                ratios.add(new Ratio(i, 0));
            }
            if (ref != null) {
                sides.add(new Side("etcd", "etcd 3.4, --enable-v2", ref.clientUrls(), EtcdV2Client.Auth.NONE));
                ratios.add(new Ratio(0, sides.size() - 1));
            }
            for (Side side : sides) {
                log(side.label() + ": " + side.urls() + " (" + side.description() + "; " + side.auth() + ")");
            }
            String runId = Long.toString(System.currentTimeMillis(), 36);
            List<Results> results = run(cfg, sides, runId);
            List<Row> rows = rows(cfg, results);
            String table = table(cfg, results, rows, ratios, ref != null);
            System.out.println();
            System.out.println(table);
            Files.writeString(cfg.out().resolve("store-bench.txt"), table, StandardCharsets.UTF_8);
            Files.writeString(cfg.out().resolve("store-bench.csv"), csv(sides, rows, ratios), StandardCharsets.UTF_8);
            try {
                chart(sides, rows, ratios, cfg.out().resolve("store-bench.png"));
            } catch (RuntimeException | Error e) {
                log("no chart: " + e);
            }
            log("wrote " + cfg.out().toAbsolutePath() + "/store-bench.{txt,csv,png}");
        }
    }

    // ---------------------------------------------------------------------------------------------- arguments

    static Config parse(String[] args) {
        return parse(args, true);
    }

    static Config parse(String[] args, boolean oursRequired) {
        Map<String, String> a = BenchArgs.options(args);
        String oursArg = a.remove("ours");
        if ((oursArg == null || oursArg.isBlank()) && oursRequired) {
            throw new IllegalArgumentException("--ours is required");
        }
        boolean oursIsEtcd = "etcd".equals(oursArg);
        List<URI> ours = new ArrayList<>();
        if (!oursIsEtcd && oursArg != null && !oursArg.isBlank()) {
            for (String u : oursArg.split(",")) {
                URI uri = URI.create(u.trim());
                requireLoopback(uri);
                ours.add(uri);
            }
        }
        int seconds = positive(a.remove("seconds"), 10, "seconds");
        int warmup = nonNegative(a.remove("warmup"), 2, "warmup");
        int clients = positive(a.remove("clients"), 16, "clients");
        int watchEvents = positive(a.remove("watch-events"), 200, "watch-events");
        int valueSize = positive(a.remove("value-size"), 64, "value-size");
        String routing = a.getOrDefault("routing", "sticky");
        a.remove("routing");
        Routing r = switch (routing) {
            case "sticky" -> Routing.STICKY;
            case "round-robin" -> Routing.ROUND_ROBIN;
            default -> throw new IllegalArgumentException("--routing is sticky or round-robin, not " + routing);
        };
        Path out = Path.of(a.getOrDefault("out", "target/bench-store"));
        a.remove("out");
        if (!a.isEmpty()) {
            throw new IllegalArgumentException("unknown options " + a.keySet());
        }
        return new Config(List.copyOf(ours), oursIsEtcd, seconds, warmup, clients, r, watchEvents, valueSize, out);
    }

    private static void requireLoopback(URI uri) {
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException("not an http(s) URL: " + uri);
        }
        try {
            if (!InetAddress.getByName(uri.getHost()).isLoopbackAddress()) {
                throw new IllegalArgumentException("only 127.0.0.1 is allowed: " + uri);
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host in " + uri);
        }
    }

    private static int positive(String v, int dflt, String name) {
        int n = nonNegative(v, dflt, name);
        if (n == 0) throw new IllegalArgumentException("--" + name + " must be > 0");
        return n;
    }

    private static int nonNegative(String v, int dflt, String name) {
        if (v == null) return dflt;
        try {
            int n = Integer.parseInt(v);
            if (n < 0) throw new IllegalArgumentException("--" + name + " must be >= 0");
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " is a number, not " + v);
        }
    }

    // ---------------------------------------------------------------------------------------------- workload

    /** Every URL must be loopback and answer {@code GET /v2/keys/} like etcd (with its side's auth) before we start. */
    private static void preflight(List<Side> sides) throws IOException {
        for (Side side : sides) {
            for (URI u : side.urls()) {
                requireLoopback(u);
                try {
                    Response r = side.auth().client(u).get("/");
                    if (!r.isSuccess() || r.node() == null || !r.node().dir()) {
                        throw new IOException(u + " does not answer GET /v2/keys/ like etcd: " + r);
                    }
                } catch (IOException e) {
                    throw new IOException(side.label() + ": " + u + " is not usable: " + e, e);
                }
            }
        }
    }

    /**
     * Phase by phase, every side in turn in each, so that slow drifts of the host (and the JIT of this JVM, warmed up
     * first on all) affect all sides alike.
     */
    private static List<Results> run(Config cfg, List<Side> sides, String runId) throws Exception {
        int n = sides.size();
        int warmJvm = Math.max(2, cfg.warmupSeconds());
        for (Side side : sides) {
            log(side.label() + ": warming up this JVM's HTTP client, " + cfg.clients() + " clients for " + warmJvm + " s");
            putRun(cfg, side, cfg.clients(), "/bench/" + side.label() + "-" + runId + "/jvm-warmup", 0, warmJvm);
        }
        PutRun[] single = new PutRun[n];
        PutRun[] multi = new PutRun[n];
        WatchRun[] watch = new WatchRun[n];
        for (int s = 0; s < n; s++) {
            Side side = sides.get(s);
            log(side.label() + ": PUT, 1 client, " + cfg.warmupSeconds() + " s warm-up + " + cfg.seconds() + " s");
            single[s] = putRun(cfg, side, 1, "/bench/" + side.label() + "-" + runId + "/put1",
                    cfg.warmupSeconds(), cfg.seconds());
            log(side.label() + ": " + summary(single[s]));
        }
        for (int s = 0; s < n; s++) {
            Side side = sides.get(s);
            log(side.label() + ": PUT, " + cfg.clients() + " clients (" + cfg.routing().name().toLowerCase(Locale.ROOT)
                    + "), " + cfg.warmupSeconds() + " s warm-up + " + cfg.seconds() + " s");
            multi[s] = putRun(cfg, side, cfg.clients(), "/bench/" + side.label() + "-" + runId + "/put"
                    + cfg.clients(), cfg.warmupSeconds(), cfg.seconds());
            log(side.label() + ": " + summary(multi[s]));
        }
        for (int s = 0; s < n; s++) {
            Side side = sides.get(s);
            log(side.label() + ": watch latency, " + cfg.watchEvents() + " events");
            WatchRun w = watchRun(cfg, side, "/bench/" + side.label() + "-" + runId + "/watch");
            log(side.label() + ": watcher " + w.watcher() + ", writer " + w.writer() + ", " + w.events()
                    + " events, " + w.missed() + " missed, p50 " + fmt(ms(percentile(w.sortedLatencies(), 0.50)))
                    + " ms, p99 " + fmt(ms(percentile(w.sortedLatencies(), 0.99))) + " ms");
            watch[s] = w;
        }
        List<Results> results = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            results.add(new Results(sides.get(s), single[s], multi[s], watch[s]));
        }
        return results;
    }

    private static String summary(PutRun r) {
        return String.format(Locale.ROOT, "%.0f ops/s, p50 %s ms, p99 %s ms, %d errors", r.throughput(),
                fmt(ms(percentile(r.sortedLatencies(), 0.50))), fmt(ms(percentile(r.sortedLatencies(), 0.99))),
                r.errors());
    }

    /**
     * {@code clients} threads PUT in a loop until the end of warm-up + measurement; only requests completing inside
     * the measurement window count. Client i writes keys {@code prefix/c<i>/k<j>} with values unique per request.
     */
    private static PutRun putRun(Config cfg, Side side, int clients, String prefix, int warmupSeconds,
                                 int seconds) throws InterruptedException {
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        long measureFrom = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
        long end = measureFrom + TimeUnit.SECONDS.toNanos(seconds);
        Worker[] workers = new Worker[clients];
        Thread[] threads = new Thread[clients];
        for (int i = 0; i < clients; i++) {
            workers[i] = new Worker(cfg, side, i, prefix + "/c" + i, start, measureFrom, end);
            threads[i] = new Thread(workers[i], "bench-client-" + i);
            threads[i].start();
        }
        long ops = 0;
        long errors = 0;
        long[] all = new long[0];
        for (int i = 0; i < clients; i++) {
            long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()));
            threads[i].join(left + REQUEST_TIMEOUT.toMillis() * 3);
            if (threads[i].isAlive()) {
                throw new IllegalStateException(threads[i].getName() + " did not finish");
            }
            ops += workers[i].count;
            errors += workers[i].errors;
            long[] mine = Arrays.copyOf(workers[i].latencies, workers[i].count);
            long[] merged = Arrays.copyOf(all, all.length + mine.length);
            System.arraycopy(mine, 0, merged, all.length, mine.length);
            all = merged;
        }
        Arrays.sort(all);
        return new PutRun(clients, ops, errors, (end - measureFrom) / 1e9, all);
    }

    /** One benchmark client: its own HttpClient (its own keep-alive connections; TLS if its side is secured), its own keys. */
    private static final class Worker implements Runnable {
        private final List<EtcdV2Client> targets = new ArrayList<>();
        private final int id;
        private final Routing routing;
        private final String keyPrefix;
        private final String padding;
        private final long start;
        private final long measureFrom;
        private final long end;
        long[] latencies = new long[1 << 14];
        int count;
        long errors;

        Worker(Config cfg, Side side, int id, String keyPrefix, long start, long measureFrom, long end) {
            HttpClient http = side.auth().newHttpClient();
            for (URI u : side.urls()) {
                targets.add(side.auth().client(u, http, REQUEST_TIMEOUT));
            }
            this.id = id;
            this.routing = cfg.routing();
            this.keyPrefix = keyPrefix;
            this.padding = "x".repeat(Math.max(0, cfg.valueSize()));
            this.start = start;
            this.measureFrom = measureFrom;
            this.end = end;
        }

        @Override
        public void run() {
            while (System.nanoTime() < start) {
                LockSupport.parkNanos(start - System.nanoTime());
            }
            long seq = 0;
            while (System.nanoTime() < end) {
                EtcdV2Client c = routing == Routing.STICKY
                        ? targets.get(id % targets.size())
                        : targets.get((int) ((id + seq) % targets.size()));
                String key = keyPrefix + "/k" + (seq % KEYS_PER_CLIENT);
                String value = value(seq);
                seq++;
                long t0 = System.nanoTime();
                boolean ok;
                try {
                    ok = c.put(key, value).isSuccess();
                } catch (IOException e) {
                    ok = false;
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // do not spin on a dead member
                }
                long t1 = System.nanoTime();
                if (t1 < measureFrom || t1 > end) {
                    continue;
                }
                if (!ok) {
                    errors++;
                    continue;
                }
                if (count == latencies.length) {
                    latencies = Arrays.copyOf(latencies, count * 2);
                }
                latencies[count++] = t1 - t0;
            }
        }

        /** Distinct per request, {@code valueSize} characters. */
        private String value(long seq) {
            String head = "c" + id + "-" + seq + "-";
            return head.length() >= padding.length() ? head : head + padding.substring(head.length());
        }
    }

    /**
     * Sequential events on one key: start a watch for index i+1 on the watcher, wait until it is registered, PUT on
     * the writer, wait for the watch's answer. Latency = answer received - PUT sent.
     */
    private static WatchRun watchRun(Config cfg, Side side, String key) throws IOException {
        List<URI> urls = side.urls();
        EtcdV2Client.Auth auth = side.auth();
        int watcherIdx;
        int writerIdx;
        List<String> states = new ArrayList<>();
        int leader = -1;
        int follower = -1;
        for (int i = 0; i < urls.size(); i++) {
            String state = "?";
            try {
                JsonObject self = auth.client(urls.get(i)).statsSelf();
                state = self.getString("state", "?");
            } catch (IOException | RuntimeException e) {
                // unknown role
            }
            states.add(state);
            if (state.equalsIgnoreCase("StateLeader") && leader < 0) leader = i;
            if (state.equalsIgnoreCase("StateFollower") && follower < 0) follower = i;
        }
        if (leader >= 0 && urls.size() > 1) {
            writerIdx = leader;
            watcherIdx = follower >= 0 ? follower : (leader + 1) % urls.size();
        } else {
            writerIdx = 0;
            watcherIdx = urls.size() > 1 ? 1 : 0;
        }
        EtcdV2Client writer = auth.client(urls.get(writerIdx), auth.newHttpClient(), REQUEST_TIMEOUT);
        EtcdV2Client watcher = auth.client(urls.get(watcherIdx), auth.newHttpClient(), REQUEST_TIMEOUT);

        Response first = writer.put(key, "start");
        if (!first.isSuccess() || first.node() == null) {
            throw new IOException("cannot write " + key + " on " + writer.baseUrl() + ": " + first);
        }
        long index = first.node().modifiedIndex();
        long phaseEnd = System.nanoTime() + WATCH_PHASE_LIMIT.toNanos();
        Boolean earlyHeaders = null;
        long[] lat = new long[cfg.watchEvents()];
        int n = 0;
        int missed = 0;
        for (int i = 0; i < WATCH_WARMUP_EVENTS + cfg.watchEvents() && System.nanoTime() < phaseEnd; i++) {
            CountDownLatch headers = new CountDownLatch(1);
            CompletableFuture<Response> f = watcher.watchAsync(key, index + 1, false, Duration.ofSeconds(10),
                    headers::countDown);
            boolean registered = await(headers, earlyHeaders == Boolean.FALSE ? Duration.ZERO : WATCH_HEADERS_WAIT);
            if (earlyHeaders == null) {
                earlyHeaders = registered;
                if (!registered) log("  watcher sends no headers before the event: using a "
                        + WATCH_REGISTER_GRACE.toMillis() + " ms grace before each PUT instead");
            }
            if (!registered) {
                LockSupport.parkNanos(WATCH_REGISTER_GRACE.toNanos());
            }
            String value = "w" + i;
            long sent = System.nanoTime();
            Response put;
            try {
                put = writer.put(key, value);
            } catch (IOException e) {
                f.cancel(true);
                missed++;
                continue;
            }
            if (!put.isSuccess() || put.node() == null) {
                f.cancel(true);
                missed++;
                continue;
            }
            index = put.node().modifiedIndex();
            try {
                Response event = f.get(5, TimeUnit.SECONDS);
                boolean matches = event.node() != null && value.equals(event.node().value())
                        && event.node().modifiedIndex() == index;
                if (!matches) {
                    missed++;
                } else if (i >= WATCH_WARMUP_EVENTS) {
                    lat[n++] = event.receivedNanos() - sent;
                }
            } catch (TimeoutException | ExecutionException e) {
                f.cancel(true);
                missed++;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        long[] sorted = Arrays.copyOf(lat, n);
        Arrays.sort(sorted);
        return new WatchRun(urls.get(watcherIdx) + " (" + states.get(watcherIdx) + ")",
                urls.get(writerIdx) + " (" + states.get(writerIdx) + ")", earlyHeaders == Boolean.TRUE, n, missed,
                sorted);
    }

    private static boolean await(CountDownLatch latch, Duration d) {
        try {
            return latch.await(d.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // ---------------------------------------------------------------------------------------------- report

    /** Nearest-rank percentile, in nanoseconds; NaN when there is no sample. */
    static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) return Double.NaN;
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
    }

    private static double ms(double nanos) {
        return nanos / 1e6;
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) return "n/a";
        if (v >= 100) return String.format(Locale.ROOT, "%.0f", v);
        if (v >= 10) return String.format(Locale.ROOT, "%.1f", v);
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String fmtCount(double v) {
        return String.format(Locale.ROOT, "%.0f", v);
    }

    private static List<Row> rows(Config cfg, List<Results> rs) {
        int n = cfg.clients();
        String many = n == 1 ? "1 client" : n + " clients";
        List<Row> rows = new ArrayList<>();
        rows.add(row("PUT throughput, 1 client", "ops/s", rs, r -> r.single().throughput(), true));
        rows.add(row("PUT throughput, " + many, "ops/s", rs, r -> r.multi().throughput(), true));
        rows.add(row("PUT latency p50, 1 client", "ms", rs, r -> ms(percentile(r.single().sortedLatencies(), 0.50)), false));
        rows.add(row("PUT latency p99, 1 client", "ms", rs, r -> ms(percentile(r.single().sortedLatencies(), 0.99)), false));
        rows.add(row("PUT latency p50, " + many, "ms", rs, r -> ms(percentile(r.multi().sortedLatencies(), 0.50)), false));
        rows.add(row("PUT latency p99, " + many, "ms", rs, r -> ms(percentile(r.multi().sortedLatencies(), 0.99)), false));
        rows.add(row("watch latency p50", "ms", rs, r -> ms(percentile(r.watch().sortedLatencies(), 0.50)), false));
        rows.add(row("watch latency p99", "ms", rs, r -> ms(percentile(r.watch().sortedLatencies(), 0.99)), false));
        rows.add(row("PUT errors, 1 client", "count", rs, r -> r.single().errors(), false));
        rows.add(row("PUT errors, " + many, "count", rs, r -> r.multi().errors(), false));
        rows.add(row("watch events missed", "count", rs, r -> r.watch().missed(), false));
        return rows;
    }

    private static Row row(String metric, String unit, List<Results> rs, ToDoubleFunction<Results> f,
                           boolean higherIsBetter) {
        return new Row(metric, unit, rs.stream().mapToDouble(f).toArray(), higherIsBetter);
    }

    private static String ratioLabel(List<Side> sides, Ratio r) {
        return sides.get(r.num()).label() + "/" + sides.get(r.den()).label();
    }

    private static String table(Config cfg, List<Results> rs, List<Row> rows, List<Ratio> ratios, boolean anchor) {
        List<Side> sides = rs.stream().map(Results::side).toList();
        StringBuilder sb = new StringBuilder();
        sb.append("fleet store benchmark, ").append(Instant.now()).append('\n');
        sb.append(String.format(Locale.ROOT,
                "%d s measured after %d s warm-up per PUT phase; %d concurrent clients, routing %s; %d-byte values;"
                        + " %d watch events (after %d warm-up)%n",
                cfg.seconds(), cfg.warmupSeconds(), cfg.clients(), cfg.routing().name().toLowerCase(Locale.ROOT),
                cfg.valueSize(), cfg.watchEvents(), WATCH_WARMUP_EVENTS));
        for (Results r : rs) {
            Side side = r.side();
            sb.append(side.label()).append(": ").append(side.urls()).append(" (").append(side.description())
                    .append("; ").append(side.auth()).append(")\n");
        }
        if (!anchor) {
            sb.append("etcd: NOT RUN (no etcd binary): no anchor in this run\n");
        }
        for (Results r : rs) {
            sb.append("watch: ").append(r.side().label()).append(" watcher ").append(r.watch().watcher())
                    .append(", writer ").append(r.watch().writer())
                    .append(r.watch().earlyHeaders() ? "" : "; no early headers, 50 ms grace").append('\n');
        }
        sb.append("host: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, Java ")
                .append(System.getProperty("java.version")).append("\n\n");
        int w = rows.stream().mapToInt(r -> r.metric().length()).max().orElse(10) + 2;
        int[] sideW = sides.stream().mapToInt(x -> Math.max(12, x.label().length() + 2)).toArray();
        int[] ratioW = ratios.stream().mapToInt(x -> Math.max(10, ratioLabel(sides, x).length() + 2)).toArray();
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-" + w + "s %-6s", "metric", "unit"));
        for (int i = 0; i < sides.size(); i++) head.append(String.format(Locale.ROOT, " %" + sideW[i] + "s", sides.get(i).label()));
        for (int i = 0; i < ratios.size(); i++) head.append(String.format(Locale.ROOT, " %" + ratioW[i] + "s", ratioLabel(sides, ratios.get(i))));
        head.append("  better");
        sb.append(head).append('\n').append("-".repeat(head.length())).append('\n');
        for (Row r : rows) {
            boolean count = r.unit().equals("count");
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-" + w + "s %-6s", r.metric(), r.unit()));
            for (int i = 0; i < sides.size(); i++) {
                line.append(String.format(Locale.ROOT, " %" + sideW[i] + "s",
                        count ? fmtCount(r.values()[i]) : fmt(r.values()[i])));
            }
            for (int i = 0; i < ratios.size(); i++) {
                line.append(String.format(Locale.ROOT, " %" + ratioW[i] + "s", count ? "" : r.ratio(ratios.get(i))));
            }
            line.append("  ").append(count ? "" : r.higherIsBetter() ? "higher" : "lower");
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    private static String csv(List<Side> sides, List<Row> rows, List<Ratio> ratios) {
        StringBuilder sb = new StringBuilder("metric,unit");
        for (Side side : sides) sb.append(',').append(side.label());
        for (Ratio r : ratios) {
            sb.append(",ratio_").append(sides.get(r.num()).label()).append("_over_").append(sides.get(r.den()).label());
        }
        sb.append(",better\n");
        for (Row r : rows) {
            boolean count = r.unit().equals("count");
            sb.append('"').append(r.metric()).append("\",").append(r.unit());
            for (double v : r.values()) sb.append(',').append(count ? fmtCount(v) : plain(v));
            for (Ratio ratio : ratios) sb.append(',').append(count ? "" : plain(r.ratioValue(ratio)));
            sb.append(',').append(count ? "" : r.higherIsBetter() ? "higher" : "lower").append('\n');
        }
        return sb.toString();
    }

    private static String plain(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
    }

    /** One small panel per throughput/latency metric, one bar per side. */
    private static void chart(List<Side> sides, List<Row> rows, List<Ratio> ratios, Path png) {
        List<Row> shown = rows.stream().filter(r -> !r.unit().equals("count")).toList();
        int cols = 4;
        int panelW = 60 + 75 * sides.size();
        int panelH = 220;
        int rowsN = (shown.size() + cols - 1) / cols;
        int legendH = 40;
        BufferedImage img = new BufferedImage(cols * panelW, rowsN * panelH + legendH, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            Color[] palette = {new Color(0x2f6fb0), new Color(0xd07a2a), new Color(0x4a9a4a), new Color(0x9a9a9a)};
            Color[] colors = new Color[sides.size()];
            for (int i = 0; i < sides.size(); i++) {
                boolean etcd = sides.get(i).label().equals("etcd");
                colors[i] = etcd ? palette[palette.length - 1] : palette[i % (palette.length - 1)];
            }
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            g.setColor(Color.BLACK);
            g.drawString("fleet store vs etcd 3.4 (v2 API)", 10, 25);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            for (int i = 0; i < sides.size(); i++) {
                int x = 300 + i * 90;
                g.setColor(colors[i]);
                g.fillRect(x, 14, 12, 12);
                g.setColor(Color.BLACK);
                g.drawString(sides.get(i).label(), x + 16, 25);
            }
            for (int i = 0; i < shown.size(); i++) {
                Row r = shown.get(i);
                int x0 = (i % cols) * panelW;
                int y0 = legendH + (i / cols) * panelH;
                g.setColor(Color.BLACK);
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
                g.drawString(r.metric() + " (" + r.unit() + ")", x0 + 10, y0 + 16);
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
                StringBuilder sub = new StringBuilder(r.higherIsBetter() ? "higher" : "lower").append(" is better");
                for (Ratio ratio : ratios) {
                    sub.append("; ").append(ratioLabel(sides, ratio)).append(' ').append(r.ratio(ratio));
                }
                g.drawString(sub.toString(), x0 + 10, y0 + 30);
                double max = Arrays.stream(r.values()).map(StoreBench::nanToZero).max().orElse(0);
                int baseY = y0 + panelH - 30;
                int maxBarH = panelH - 80;
                for (int b = 0; b < sides.size(); b++) {
                    int barX = x0 + 40 + b * 75;
                    int h = max <= 0 ? 0 : (int) Math.round(nanToZero(r.values()[b]) / max * maxBarH);
                    g.setColor(colors[b]);
                    g.fillRect(barX, baseY - h, 55, h);
                    g.setColor(Color.BLACK);
                    g.drawString(fmt(r.values()[b]), barX + 5, baseY - h - 4);
                    g.drawString(sides.get(b).label(), barX + 5, baseY + 14);
                }
                g.setStroke(new BasicStroke(1));
                g.drawLine(x0 + 30, baseY, x0 + panelW - 20, baseY);
            }
        } finally {
            g.dispose();
        }
        try {
            ImageIO.write(img, "png", png.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double nanToZero(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    private static void log(String s) {
        System.err.println("[store-bench] " + s);
    }
}
