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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

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

    record Results(String label, List<URI> urls, PutRun single, PutRun multi, WatchRun watch) {}

    /** One row of the report. */
    record Row(String metric, String unit, double ours, double etcd, boolean higherIsBetter) {
        String ratio() {
            return etcd == 0 || Double.isNaN(etcd) || Double.isNaN(ours) ? "n/a" : fmt(ours / etcd);
        }
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Config cfg;
        try {
            cfg = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println("usage: StoreBench --ours=URL,URL,URL|etcd [--seconds=10] [--warmup=2] [--clients=16]"
                    + " [--routing=sticky|round-robin] [--watch-events=200] [--value-size=64] [--out=DIR]");
            System.exit(2);
            return;
        }
        Files.createDirectories(cfg.out());
        if (!cfg.oursIsEtcd()) {
            try {
                preflight(cfg.ours());
            } catch (IOException e) {
                System.err.println("error: " + e.getMessage());
                System.exit(1);
                return;
            }
        }
        log("starting the reference etcd cluster (3 members on 127.0.0.1)");
        try (EtcdCluster etcd = EtcdCluster.start();
             EtcdCluster oursEtcd = cfg.oursIsEtcd() ? EtcdCluster.start() : null) {
            List<URI> oursUrls = oursEtcd != null ? oursEtcd.clientUrls() : cfg.ours();
            log("etcd: " + etcd.clientUrls() + "; ours: " + oursUrls + (oursEtcd != null ? " (a second etcd)" : ""));
            String runId = Long.toString(System.currentTimeMillis(), 36);
            Results[] results = run(cfg, oursUrls, etcd.clientUrls(), runId);
            Results ours = results[0];
            Results ref = results[1];
            List<Row> rows = rows(cfg, ours, ref);
            String table = table(cfg, ours, ref, rows);
            System.out.println();
            System.out.println(table);
            Files.writeString(cfg.out().resolve("store-bench.txt"), table, StandardCharsets.UTF_8);
            Files.writeString(cfg.out().resolve("store-bench.csv"), csv(rows), StandardCharsets.UTF_8);
            try {
                chart(rows, cfg.out().resolve("store-bench.png"));
            } catch (RuntimeException | Error e) {
                log("no chart: " + e);
            }
            log("wrote " + cfg.out().toAbsolutePath() + "/store-bench.{txt,csv,png}");
        }
    }

    // ---------------------------------------------------------------------------------------------- arguments

    static Config parse(String[] args) {
        Map<String, String> a = new LinkedHashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("expected --name=value, got " + arg);
            }
            a.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        String oursArg = a.remove("ours");
        if (oursArg == null || oursArg.isBlank()) {
            throw new IllegalArgumentException("--ours is required");
        }
        boolean oursIsEtcd = oursArg.equals("etcd");
        List<URI> ours = new ArrayList<>();
        if (!oursIsEtcd) {
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
        if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("not an http URL: " + uri);
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

    /** Every URL must answer {@code GET /v2/keys/} like etcd before we start anything. */
    private static void preflight(List<URI> urls) throws IOException {
        for (URI u : urls) {
            try {
                Response r = new EtcdV2Client(u).get("/");
                if (!r.isSuccess() || r.node() == null || !r.node().dir()) {
                    throw new IOException(u + " does not answer GET /v2/keys/ like etcd: " + r);
                }
            } catch (IOException e) {
                throw new IOException("ours: " + u + " is not usable: " + e, e);
            }
        }
    }

    /**
     * Phase by phase, ours then etcd in each, so that slow drifts of the host (and the JIT of this JVM, warmed up
     * first on both) affect both sides alike.
     */
    private static Results[] run(Config cfg, List<URI> oursUrls, List<URI> etcdUrls, String runId) throws Exception {
        String[] labels = {"ours", "etcd"};
        List<List<URI>> urls = List.of(oursUrls, etcdUrls);
        int warmJvm = Math.max(2, cfg.warmupSeconds());
        for (int s = 0; s < 2; s++) {
            log(labels[s] + ": warming up this JVM's HTTP client, " + cfg.clients() + " clients for " + warmJvm + " s");
            putRun(cfg, urls.get(s), cfg.clients(), "/bench/" + labels[s] + "-" + runId + "/jvm-warmup", 0, warmJvm);
        }
        PutRun[] single = new PutRun[2];
        PutRun[] multi = new PutRun[2];
        WatchRun[] watch = new WatchRun[2];
        for (int s = 0; s < 2; s++) {
            log(labels[s] + ": PUT, 1 client, " + cfg.warmupSeconds() + " s warm-up + " + cfg.seconds() + " s");
            single[s] = putRun(cfg, urls.get(s), 1, "/bench/" + labels[s] + "-" + runId + "/put1",
                    cfg.warmupSeconds(), cfg.seconds());
            log(labels[s] + ": " + summary(single[s]));
        }
        for (int s = 0; s < 2; s++) {
            log(labels[s] + ": PUT, " + cfg.clients() + " clients (" + cfg.routing().name().toLowerCase(Locale.ROOT)
                    + "), " + cfg.warmupSeconds() + " s warm-up + " + cfg.seconds() + " s");
            multi[s] = putRun(cfg, urls.get(s), cfg.clients(), "/bench/" + labels[s] + "-" + runId + "/put"
                    + cfg.clients(), cfg.warmupSeconds(), cfg.seconds());
            log(labels[s] + ": " + summary(multi[s]));
        }
        for (int s = 0; s < 2; s++) {
            log(labels[s] + ": watch latency, " + cfg.watchEvents() + " events");
            WatchRun w = watchRun(cfg, urls.get(s), "/bench/" + labels[s] + "-" + runId + "/watch");
            log(labels[s] + ": watcher " + w.watcher() + ", writer " + w.writer() + ", " + w.events()
                    + " events, " + w.missed() + " missed, p50 " + fmt(ms(percentile(w.sortedLatencies(), 0.50)))
                    + " ms, p99 " + fmt(ms(percentile(w.sortedLatencies(), 0.99))) + " ms");
            watch[s] = w;
        }
        return new Results[] {
                new Results("ours", oursUrls, single[0], multi[0], watch[0]),
                new Results("etcd", etcdUrls, single[1], multi[1], watch[1])};
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
    private static PutRun putRun(Config cfg, List<URI> urls, int clients, String prefix, int warmupSeconds,
                                 int seconds) throws InterruptedException {
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        long measureFrom = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
        long end = measureFrom + TimeUnit.SECONDS.toNanos(seconds);
        Worker[] workers = new Worker[clients];
        Thread[] threads = new Thread[clients];
        for (int i = 0; i < clients; i++) {
            workers[i] = new Worker(cfg, urls, i, prefix + "/c" + i, start, measureFrom, end);
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

    /** One benchmark client: its own HttpClient, its own keys. */
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

        Worker(Config cfg, List<URI> urls, int id, String keyPrefix, long start, long measureFrom, long end) {
            HttpClient http = EtcdV2Client.newHttpClient();
            for (URI u : urls) {
                targets.add(new EtcdV2Client(u, http, REQUEST_TIMEOUT));
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
    private static WatchRun watchRun(Config cfg, List<URI> urls, String key) throws IOException {
        int watcherIdx;
        int writerIdx;
        List<String> states = new ArrayList<>();
        int leader = -1;
        int follower = -1;
        for (int i = 0; i < urls.size(); i++) {
            String state = "?";
            try {
                JsonObject self = new EtcdV2Client(urls.get(i)).statsSelf();
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
        HttpClient http = EtcdV2Client.newHttpClient();
        EtcdV2Client writer = new EtcdV2Client(urls.get(writerIdx), http, REQUEST_TIMEOUT);
        EtcdV2Client watcher = new EtcdV2Client(urls.get(watcherIdx), EtcdV2Client.newHttpClient(), REQUEST_TIMEOUT);

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

    private static List<Row> rows(Config cfg, Results o, Results e) {
        int n = cfg.clients();
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("PUT throughput, 1 client", "ops/s", o.single().throughput(), e.single().throughput(), true));
        rows.add(new Row("PUT throughput, " + n + " clients", "ops/s", o.multi().throughput(),
                e.multi().throughput(), true));
        for (PutRun[] pr : List.of(new PutRun[] {o.single(), e.single()}, new PutRun[] {o.multi(), e.multi()})) {
            String who = pr[0].clients() == 1 ? "1 client" : pr[0].clients() + " clients";
            rows.add(new Row("PUT latency p50, " + who, "ms", ms(percentile(pr[0].sortedLatencies(), 0.50)),
                    ms(percentile(pr[1].sortedLatencies(), 0.50)), false));
            rows.add(new Row("PUT latency p99, " + who, "ms", ms(percentile(pr[0].sortedLatencies(), 0.99)),
                    ms(percentile(pr[1].sortedLatencies(), 0.99)), false));
        }
        rows.add(new Row("watch latency p50", "ms", ms(percentile(o.watch().sortedLatencies(), 0.50)),
                ms(percentile(e.watch().sortedLatencies(), 0.50)), false));
        rows.add(new Row("watch latency p99", "ms", ms(percentile(o.watch().sortedLatencies(), 0.99)),
                ms(percentile(e.watch().sortedLatencies(), 0.99)), false));
        rows.add(new Row("PUT errors, 1 client", "count", o.single().errors(), e.single().errors(), false));
        rows.add(new Row("PUT errors, " + n + " clients", "count", o.multi().errors(), e.multi().errors(), false));
        rows.add(new Row("watch events missed", "count", o.watch().missed(), e.watch().missed(), false));
        return rows;
    }

    private static String table(Config cfg, Results o, Results e, List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("fleet store benchmark, ").append(Instant.now()).append('\n');
        sb.append(String.format(Locale.ROOT,
                "%d s measured after %d s warm-up per PUT phase; %d concurrent clients, routing %s; %d-byte values;"
                        + " %d watch events (after %d warm-up)%n",
                cfg.seconds(), cfg.warmupSeconds(), cfg.clients(), cfg.routing().name().toLowerCase(Locale.ROOT),
                cfg.valueSize(), cfg.watchEvents(), WATCH_WARMUP_EVENTS));
        sb.append("ours: ").append(o.urls()).append(cfg.oursIsEtcd() ? " (a second etcd cluster)" : "").append('\n');
        sb.append("etcd: ").append(e.urls()).append(" (etcd 3.4, --enable-v2)\n");
        sb.append("watch: ours watcher ").append(o.watch().watcher()).append(", writer ").append(o.watch().writer())
                .append(o.watch().earlyHeaders() ? "" : "; no early headers, 50 ms grace").append('\n');
        sb.append("       etcd watcher ").append(e.watch().watcher()).append(", writer ").append(e.watch().writer())
                .append(e.watch().earlyHeaders() ? "" : "; no early headers, 50 ms grace").append('\n');
        sb.append("host: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, Java ")
                .append(System.getProperty("java.version")).append("\n\n");
        int w = rows.stream().mapToInt(r -> r.metric().length()).max().orElse(10) + 2;
        String f = "%-" + w + "s %-6s %12s %12s %10s  %s%n";
        sb.append(String.format(Locale.ROOT, f, "metric", "unit", "ours", "etcd", "ours/etcd", "better"));
        sb.append("-".repeat(w + 6 + 12 + 12 + 10 + 12)).append('\n');
        for (Row r : rows) {
            boolean count = r.unit().equals("count");
            sb.append(String.format(Locale.ROOT, f, r.metric(), r.unit(), count ? fmtCount(r.ours()) : fmt(r.ours()),
                    count ? fmtCount(r.etcd()) : fmt(r.etcd()), count ? "" : r.ratio(),
                    r.unit().equals("count") ? "" : r.higherIsBetter() ? "higher" : "lower"));
        }
        return sb.toString();
    }

    private static String csv(List<Row> rows) {
        StringBuilder sb = new StringBuilder("metric,unit,ours,etcd,ratio_ours_over_etcd,better\n");
        for (Row r : rows) {
            boolean count = r.unit().equals("count");
            sb.append('"').append(r.metric()).append("\",").append(r.unit()).append(',')
                    .append(count ? fmtCount(r.ours()) : plain(r.ours())).append(',')
                    .append(count ? fmtCount(r.etcd()) : plain(r.etcd())).append(',')
                    .append(count || r.ratio().equals("n/a") ? "" : plain(r.ours() / r.etcd())).append(',')
                    .append(count ? "" : r.higherIsBetter() ? "higher" : "lower").append('\n');
        }
        return sb.toString();
    }

    private static String plain(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
    }

    /** One small panel per throughput/latency metric, two bars each (ours, etcd). */
    private static void chart(List<Row> rows, Path png) {
        List<Row> shown = rows.stream().filter(r -> !r.unit().equals("count")).toList();
        int cols = 4;
        int panelW = 260;
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
            Color oursColor = new Color(0x2f6fb0);
            Color etcdColor = new Color(0x9a9a9a);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            g.setColor(Color.BLACK);
            g.drawString("fleet store vs etcd 3.4 (v2 API)", 10, 25);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.setColor(oursColor);
            g.fillRect(300, 14, 12, 12);
            g.setColor(Color.BLACK);
            g.drawString("ours", 316, 25);
            g.setColor(etcdColor);
            g.fillRect(370, 14, 12, 12);
            g.setColor(Color.BLACK);
            g.drawString("etcd", 386, 25);
            for (int i = 0; i < shown.size(); i++) {
                Row r = shown.get(i);
                int x0 = (i % cols) * panelW;
                int y0 = legendH + (i / cols) * panelH;
                g.setColor(Color.BLACK);
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
                g.drawString(r.metric() + " (" + r.unit() + ")", x0 + 10, y0 + 16);
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
                g.drawString((r.higherIsBetter() ? "higher" : "lower") + " is better; ours/etcd " + r.ratio(),
                        x0 + 10, y0 + 30);
                double max = Math.max(nanToZero(r.ours()), nanToZero(r.etcd()));
                int baseY = y0 + panelH - 30;
                int maxBarH = panelH - 80;
                double[] vals = {r.ours(), r.etcd()};
                Color[] colors = {oursColor, etcdColor};
                for (int b = 0; b < 2; b++) {
                    int barX = x0 + 50 + b * 90;
                    int h = max <= 0 ? 0 : (int) Math.round(nanToZero(vals[b]) / max * maxBarH);
                    g.setColor(colors[b]);
                    g.fillRect(barX, baseY - h, 60, h);
                    g.setColor(Color.BLACK);
                    g.drawString(fmt(vals[b]), barX + 5, baseY - h - 4);
                    g.drawString(b == 0 ? "ours" : "etcd", barX + 18, baseY + 14);
                }
                g.setStroke(new BasicStroke(1));
                g.drawLine(x0 + 40, baseY, x0 + panelW - 30, baseY);
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
