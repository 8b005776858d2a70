package dev.fleet.testkit;

import dev.fleet.schema.Codec;
import dev.fleet.schema.Presence;
import dev.fleet.schema.Schedule;
import dev.fleet.schema.StateReport;
import dev.fleet.schema.UnitState;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A fake machine that speaks the agent API (docs/agent-api.md) instead of running systemd: it registers with a
 * random session, metadata and a TTL, heartbeats every TTL/3, follows its own schedule with the long poll and
 * reports a state for every unit in it ({@code loaded/active/running}, launched, when the desired state is
 * launched; {@code loaded/inactive/dead} otherwise) and {@code removed} for units that left it.
 *
 * <p><b>What it holds.</b> The machine records, with {@link System#nanoTime()} timestamps and store indexes, the
 * interval during which it "runs" each unit ({@link #history()}), so that tests can check that no unit is ever
 * held by two machines at once ({@link #overlaps}). It behaves like a careful agent: a unit is held from the
 * schedule answer that contains it until the answer that no longer does, {@link #stop()}, {@link #crash()}, or
 * the end of its lease. The lease ends TTL after the <em>sending</em> of the last heartbeat that succeeded — the
 * server's TTL starts later, when it commits that heartbeat — so a machine cut off from every node lets go of its
 * units no later than the server can consider it gone ("fenced"). Once a heartbeat succeeds again it reads its
 * schedule afresh and takes what that answer lists. Global units are not tracked (they run everywhere).
 *
 * <p><b>Failures.</b> Heartbeats, polls and reports go to one node at a time and move to the next on a transport
 * error or a 5xx; a heartbeat answered 409 (another session holds the ID) is retried with exponential back-off
 * (1 s doubling, at most 60 s); a state report answered 409 triggers a heartbeat at once (which registers anew).
 *
 * <p><b>Cost.</b> Machines share a {@link Pool}: one {@link HttpClient} (asynchronous requests, so no thread waits
 * on a long poll) and one small timer pool; short requests are limited to a number in flight. This is the one place
 * in the kit that does not use {@code FleetClient}'s blocking transport: a thousand machines each holding a 75 s
 * schedule long poll would need a thousand blocked threads; the bodies it sends and reads still go through
 * {@link Codec} (registration, state report, schedule), so no JSON is spelled here. {@link Mode#PRESENCE}
 * machines only heartbeat (for scale benchmarks).
 */
public final class SimulatedMachine {

    /** What a machine does besides heartbeating. */
    public enum Mode {
        /** presence, schedule long poll, state reports, hold tracking */
        FULL,
        /** presence only: register and heartbeat */
        PRESENCE
    }

    /** One interval during which a machine held a unit. {@code releasedNanos} is {@link Long#MAX_VALUE} while held. */
    public record Hold(String machine, String unit, long acquiredNanos, long acquiredIndex, long releasedNanos,
                       long releasedIndex, String releaseCause) {
        public boolean open() {
            return releasedNanos == Long.MAX_VALUE;
        }
    }

    /** Two machines holding the same unit at the same time. */
    public record Overlap(String unit, Hold first, Hold second, double seconds) {
        public String describe(Pool pool) {
            return String.format(Locale.ROOT, "%s held by %s %s and by %s %s (overlap %.3f s)", unit,
                    first.machine(), pool.span(first), second.machine(), pool.span(second), seconds);
        }
    }

    private static final AtomicInteger IP_COUNTER = new AtomicInteger();

    // ---------------------------------------------------------------------------------------------- configuration
    private final Pool pool;
    private final String id;
    private final String session;
    private final List<URI> endpoints;
    private final Map<String, String> metadata;
    private final int ttlSeconds;
    private final long ttlNanos;
    private final long heartbeatMillis;
    private final Duration shortTimeout;
    private final Mode mode;
    private final String publicIP;
    private final String base;

    // ---------------------------------------------------------------------------------------------- state (guarded by this)
    private final AtomicInteger endpoint;
    private boolean started;
    private volatile boolean dead;
    private String deathCause;
    private boolean everRegistered;
    private boolean heartbeatInFlight;
    private int heartbeatFailures;
    private int refusals;
    private ScheduledFuture<?> nextHeartbeat;
    private long leaseUntil = Long.MIN_VALUE;
    private boolean fenced = true;
    private long epoch;
    private ScheduledFuture<?> fenceTimer;
    private long pollGeneration;
    private CompletableFuture<?> currentPoll;
    private int pollFailures;
    private long scheduleIndex;
    /** the unit → (hash, desiredState) of the last schedule answer applied */
    private Map<String, String[]> scheduled = new TreeMap<>();
    private final Map<String, MutableHold> held = new TreeMap<>();
    private final List<Hold> closed = new ArrayList<>();
    private final Set<String> pendingRemoved = new TreeSet<>();
    private boolean reportInFlight;
    private boolean reportDirty;
    private int heartbeatsSinceReport;
    private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Void> registered = new CompletableFuture<>();
    private final List<String> events = new ArrayList<>();

    // ---------------------------------------------------------------------------------------------- counters
    private final AtomicLong heartbeatsOk = new AtomicLong();
    private final AtomicLong heartbeatErrors = new AtomicLong();
    private final AtomicLong registrations = new AtomicLong();
    private final AtomicLong fences = new AtomicLong();
    private final AtomicLong scheduleAnswers = new AtomicLong();
    private final AtomicLong reportsOk = new AtomicLong();
    private final AtomicLong failovers = new AtomicLong();

    private SimulatedMachine(Builder b) {
        this.pool = b.pool;
        this.id = b.id;
        this.session = UUID.randomUUID().toString().replace("-", "");
        this.endpoints = List.copyOf(b.endpoints);
        this.metadata = Map.copyOf(b.metadata);
        this.ttlSeconds = b.ttlSeconds;
        this.ttlNanos = TimeUnit.SECONDS.toNanos(b.ttlSeconds);
        this.heartbeatMillis = Math.max(100, b.ttlSeconds * 1000L / 3);
        this.shortTimeout = Duration.ofMillis(Math.min(10_000, Math.max(1000, heartbeatMillis)));
        this.mode = b.mode;
        this.publicIP = b.publicIP != null ? b.publicIP : "10.42." + ((IP_COUNTER.get() / 250) % 250) + "." + (1 + IP_COUNTER.getAndIncrement() % 250);
        this.endpoint = new AtomicInteger(Math.floorMod(b.firstEndpoint, b.endpoints.size()));
        this.base = "/fleet/agent/v1/machines/" + id;
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one endpoint");
        }
    }

    public static Builder builder(Pool pool, String id, List<URI> endpoints) {
        return new Builder(pool, id, endpoints);
    }

    /** Options of a simulated machine. */
    public static final class Builder {
        private final Pool pool;
        private final String id;
        private final List<URI> endpoints;
        private Map<String, String> metadata = Map.of();
        private int ttlSeconds = 30;
        private Mode mode = Mode.FULL;
        private String publicIP;
        private int firstEndpoint;

        private Builder(Pool pool, String id, List<URI> endpoints) {
            this.pool = pool;
            this.id = id;
            this.endpoints = endpoints;
        }

        public Builder metadata(Map<String, String> md) {
            this.metadata = md;
            return this;
        }

        /** Presence TTL in seconds (1–3600); heartbeats every TTL/3. */
        public Builder ttlSeconds(int ttl) {
            this.ttlSeconds = ttl;
            return this;
        }

        public Builder mode(Mode m) {
            this.mode = m;
            return this;
        }

        public Builder publicIP(String ip) {
            this.publicIP = ip;
            return this;
        }

        /** Which endpoint to talk to first (index, modulo the list): spreads machines over the nodes. */
        public Builder firstEndpoint(int i) {
            this.firstEndpoint = i;
            return this;
        }

        public SimulatedMachine build() {
            return new SimulatedMachine(this);
        }

        public SimulatedMachine start() {
            return build().start();
        }
    }

    // ---------------------------------------------------------------------------------------------- lifecycle

    /** Registers (asynchronously) and keeps going until {@link #stop()} or {@link #crash()}. */
    public SimulatedMachine start() {
        synchronized (this) {
            if (started) {
                throw new IllegalStateException(id + " already started");
            }
            started = true;
            event("start (" + mode + ", ttl " + ttlSeconds + " s, session " + session.substring(0, 8) + ")");
        }
        heartbeat();
        return this;
    }

    /** Completes when the first registration succeeded. */
    public CompletableFuture<Void> registered() {
        return registered;
    }

    /**
     * A clean shutdown: lets go of every unit, stops all activity, then deregisters ({@code DELETE ...?session=})
     * trying each endpoint. Returns the HTTP status of the deregistration (204 expected), or -1 if no node answered.
     */
    public int stop() {
        synchronized (this) {
            if (dead) {
                return -1;
            }
            die("stop");
        }
        for (int k = 0; k < endpoints.size() * 2; k++) {
            URI ep = endpoints.get(Math.floorMod(endpoint.get() + k, endpoints.size()));
            HttpRequest req = HttpRequest.newBuilder(URI.create(ep + base + "?session=" + session))
                    .timeout(Duration.ofSeconds(5)).DELETE().build();
            try {
                HttpResponse<String> r = pool.http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (r.statusCode() < 500) {
                    synchronized (this) {
                        event("deregistered via " + ep + ": HTTP " + r.statusCode() + " " + r.body().strip());
                    }
                    return r.statusCode();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            } catch (java.io.IOException e) {
                // next endpoint
            }
        }
        return -1;
    }

    /** The machine dies: everything stops, nothing is deregistered; its presence expires after the TTL. */
    public void crash() {
        synchronized (this) {
            if (!dead) {
                die("crash");
            }
        }
    }

    private void die(String cause) {
        dead = true;
        deathCause = cause;
        long now = System.nanoTime();
        for (String u : new ArrayList<>(held.keySet())) {
            release(u, now, scheduleIndex, cause);
        }
        if (nextHeartbeat != null) {
            nextHeartbeat.cancel(false);
        }
        if (fenceTimer != null) {
            fenceTimer.cancel(false);
        }
        for (CompletableFuture<?> f : inFlight) {
            f.cancel(true);
        }
        event(cause);
        registered.completeExceptionally(new IllegalStateException(id + ": " + cause + " before registering"));
    }

    // ---------------------------------------------------------------------------------------------- presence

    private void heartbeat() {
        synchronized (this) {
            if (dead || heartbeatInFlight) {
                return;
            }
            heartbeatInFlight = true;
            if (nextHeartbeat != null) {
                nextHeartbeat.cancel(false);
                nextHeartbeat = null;
            }
        }
        String body = Codec.registration(new Presence(id, publicIP, metadata, "simulated", session, ttlSeconds));
        int ep = endpoint.get();
        long sent = System.nanoTime();
        send(ep, "PUT", base, body, shortTimeout, true).whenComplete((r, e) -> onHeartbeat(ep, sent, r, e));
    }

    private void onHeartbeat(int ep, long sent, HttpResponse<String> r, Throwable e) {
        boolean startFollow = false;
        synchronized (this) {
            heartbeatInFlight = false;
            if (dead) {
                return;
            }
            long delayMillis;
            if (e == null && (r.statusCode() == 200 || r.statusCode() == 201)) {
                heartbeatsOk.incrementAndGet();
                heartbeatFailures = 0;
                refusals = 0;
                if (r.statusCode() == 201) {
                    registrations.incrementAndGet();
                    if (everRegistered) {
                        event("registered anew via " + endpoints.get(ep) + " (the presence had expired)");
                    }
                }
                everRegistered = true;
                leaseUntil = Math.max(leaseUntil, sent + ttlNanos);
                if (fenced) {
                    fenced = false;
                    epoch++;
                    startFollow = mode == Mode.FULL;
                }
                if (mode == Mode.FULL) {
                    armFence();
                    if (++heartbeatsSinceReport >= 2 && !held.isEmpty()) {
                        reportDirty = true; // re-send every state at least every TTL*2/3 (they live for the TTL)
                    }
                }
                // every TTL/3 at most, less a little jitter so that machines started together spread out
                delayMillis = heartbeatMillis - java.util.concurrent.ThreadLocalRandom.current().nextLong(heartbeatMillis / 5 + 1);
            } else if (e == null && r.statusCode() == 409) {
                heartbeatErrors.incrementAndGet();
                delayMillis = Math.min(60_000, 1000L << Math.min(6, refusals++));
                event("registration refused (409): " + r.body().strip() + "; retrying in " + delayMillis + " ms");
            } else {
                heartbeatErrors.incrementAndGet();
                failover(ep, e != null ? e.toString() : "HTTP " + r.statusCode() + " " + r.body().strip());
                delayMillis = Math.min(heartbeatMillis, 100L << Math.min(5, heartbeatFailures++));
            }
            nextHeartbeat = pool.timer.schedule(this::heartbeat, delayMillis, TimeUnit.MILLISECONDS);
        }
        if (e == null && (r.statusCode() == 200 || r.statusCode() == 201)) {
            registered.complete(null);
        }
        if (startFollow) {
            restartFollow();
        }
        maybeReport();
    }

    /** Lets go of every unit when the lease runs out without a successful heartbeat. */
    private void armFence() {
        if (fenceTimer != null) {
            fenceTimer.cancel(false);
        }
        long delay = leaseUntil - System.nanoTime();
        fenceTimer = pool.timer.schedule(this::fenceIfExpired, Math.max(0, delay), TimeUnit.NANOSECONDS);
    }

    private void fenceIfExpired() {
        synchronized (this) {
            if (dead || fenced) {
                return;
            }
            if (System.nanoTime() < leaseUntil) {
                armFence();
                return;
            }
            fenced = true;
            epoch++;
            fences.incrementAndGet();
            for (String u : new ArrayList<>(held.keySet())) {
                release(u, leaseUntil, scheduleIndex, "lease expired");
            }
            event("lease expired (no successful heartbeat for " + ttlSeconds + " s): let go of every unit");
        }
        maybeReport();
    }

    // ---------------------------------------------------------------------------------------------- schedule

    /** Starts (or restarts, after regaining the lease) the schedule loop with a fresh read. */
    private void restartFollow() {
        long gen;
        synchronized (this) {
            if (dead) {
                return;
            }
            gen = ++pollGeneration;
            if (currentPoll != null) {
                currentPoll.cancel(true); // an answer from before the lease was regained is not to be acted on
            }
        }
        poll(gen, false);
    }

    private void poll(long gen, boolean wait) {
        long myEpoch;
        String path;
        Duration timeout;
        synchronized (this) {
            if (dead || gen != pollGeneration) {
                return;
            }
            myEpoch = epoch;
            path = base + "/schedule" + (wait ? "?wait=true&waitIndex=" + scheduleIndex : "");
            timeout = wait ? Duration.ofSeconds(75) : shortTimeout;
        }
        int ep = endpoint.get();
        CompletableFuture<HttpResponse<String>> f = send(ep, "GET", path, null, timeout, !wait);
        synchronized (this) {
            currentPoll = f;
        }
        f.whenComplete((r, e) -> {
            long delay = -1;
            synchronized (this) {
                if (dead || gen != pollGeneration) {
                    return;
                }
                if (e == null && r.statusCode() == 200) {
                    pollFailures = 0;
                    Schedule o;
                    try {
                        o = Codec.readSchedule(r.body());
                    } catch (RuntimeException bad) { // SchemaException, or JSON-P's parsing exception
                        o = null;
                    }
                    if (o == null) {
                        event("schedule answer is not JSON: " + r.body());
                        delay = 1000;
                    } else {
                        scheduleAnswers.incrementAndGet();
                        apply(o, myEpoch);
                    }
                } else {
                    failover(ep, e != null ? e.toString() : "schedule: HTTP " + r.statusCode() + " " + r.body().strip());
                    delay = Math.min(2000, 100L << Math.min(5, pollFailures++));
                }
            }
            maybeReport();
            if (delay < 0) {
                poll(gen, true);
            } else {
                pool.timer.schedule(() -> poll(gen, false), delay, TimeUnit.MILLISECONDS);
            }
        });
    }

    /** Applies a schedule answer (caller holds the lock). */
    private void apply(Schedule o, long epochAtSend) {
        long index = o.index();
        if (index < scheduleIndex) {
            return; // an older picture (a lagging node): the loop polls again from what we have
        }
        scheduleIndex = index;
        Map<String, String[]> next = new TreeMap<>();
        for (Schedule.Entry u : o.units()) {
            if (u.global()) {
                continue;
            }
            next.put(u.name(), new String[] {u.hash(), u.desiredState()});
        }
        long now = System.nanoTime();
        boolean mayAcquire = !fenced && epochAtSend == epoch;
        for (String u : new ArrayList<>(held.keySet())) {
            String[] s = next.get(u);
            if (s == null || !mayAcquire) {
                if (s == null) {
                    release(u, now, index, "unscheduled");
                }
            } else if (!s[0].equals(held.get(u).hash) || !s[1].equals(held.get(u).desired)) {
                held.get(u).hash = s[0];
                held.get(u).desired = s[1];
                reportDirty = true;
            }
        }
        if (mayAcquire) {
            for (var e : next.entrySet()) {
                if (!held.containsKey(e.getKey())) {
                    held.put(e.getKey(), new MutableHold(e.getKey(), now, index, e.getValue()[0], e.getValue()[1]));
                    pendingRemoved.remove(e.getKey());
                    reportDirty = true;
                }
            }
        }
        scheduled = next;
    }

    private void release(String unit, long when, long index, String cause) {
        MutableHold h = held.remove(unit);
        if (h != null) {
            closed.add(new Hold(id, unit, h.acquiredNanos, h.acquiredIndex, when, index, cause));
            pendingRemoved.add(unit);
            reportDirty = true;
        }
    }

    // ---------------------------------------------------------------------------------------------- state reports

    private void maybeReport() {
        String body;
        Set<String> removedSent;
        int ep;
        synchronized (this) {
            if (dead || mode != Mode.FULL || reportInFlight || !reportDirty || !everRegistered || fenced) {
                return;
            }
            reportDirty = false;
            reportInFlight = true;
            heartbeatsSinceReport = 0;
            List<UnitState> states = new ArrayList<>();
            for (MutableHold h : held.values()) {
                boolean launched = "launched".equals(h.desired);
                states.add(new UnitState(h.unit, id, h.hash, "loaded", launched ? "active" : "inactive",
                        launched ? "running" : "dead", launched));
            }
            removedSent = new LinkedHashSet<>(pendingRemoved);
            body = Codec.stateReport(new StateReport(session, states, List.copyOf(removedSent)));
            ep = endpoint.get();
        }
        send(ep, "PUT", base + "/states", body, shortTimeout, true).whenComplete((r, e) -> {
            boolean heartbeatNow = false;
            long retryMillis = -1;
            synchronized (this) {
                reportInFlight = false;
                if (dead) {
                    return;
                }
                if (e == null && r.statusCode() == 204) {
                    reportsOk.incrementAndGet();
                    pendingRemoved.removeAll(removedSent);
                } else if (e == null && (r.statusCode() == 409 || r.statusCode() == 404)) {
                    reportDirty = true;
                    heartbeatNow = true;
                    event("state report refused (" + r.statusCode() + "): " + r.body().strip() + "; registering again");
                } else if (e == null && r.statusCode() == 400) {
                    event("state report rejected: " + r.body().strip()); // a bug here or there: do not loop on it
                } else {
                    reportDirty = true;
                    failover(ep, e != null ? e.toString() : "states: HTTP " + r.statusCode() + " " + r.body().strip());
                    retryMillis = 200;
                }
            }
            if (heartbeatNow) {
                heartbeat();
            } else if (retryMillis > 0) {
                pool.timer.schedule(this::maybeReport, retryMillis, TimeUnit.MILLISECONDS);
            } else {
                maybeReport(); // something changed while this one was in flight
            }
        });
    }

    // ---------------------------------------------------------------------------------------------- plumbing

    private CompletableFuture<HttpResponse<String>> send(int ep, String method, String path, String body,
                                                         Duration timeout, boolean limited) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoints.get(ep) + path)).timeout(timeout);
        if (body != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpRequest req = b.build();
        Supplier<CompletableFuture<HttpResponse<String>>> call =
                () -> pool.http.sendAsync(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        CompletableFuture<HttpResponse<String>> f = limited ? pool.limiter.run(call) : call.get();
        inFlight.add(f);
        f.whenComplete((r, e) -> inFlight.remove(f));
        if (dead) {
            f.cancel(true);
        }
        return f;
    }

    /** Moves to the next endpoint unless another path already did (caller holds the lock). */
    private void failover(int from, String why) {
        int to = (from + 1) % endpoints.size();
        if (endpoint.compareAndSet(from, to)) {
            failovers.incrementAndGet();
            event("failover " + endpoints.get(from) + " -> " + endpoints.get(to) + ": " + why);
        }
    }

    private void event(String what) {
        if (events.size() >= 500) {
            events.remove(0);
        }
        events.add(String.format(Locale.ROOT, "%8.3f %s %s", pool.seconds(System.nanoTime()), id, what));
    }

    private static final class MutableHold {
        final String unit;
        final long acquiredNanos;
        final long acquiredIndex;
        String hash;
        String desired;

        MutableHold(String unit, long acquiredNanos, long acquiredIndex, String hash, String desired) {
            this.unit = unit;
            this.acquiredNanos = acquiredNanos;
            this.acquiredIndex = acquiredIndex;
            this.hash = hash;
            this.desired = desired;
        }
    }

    // ---------------------------------------------------------------------------------------------- views

    public String id() {
        return id;
    }

    public String session() {
        return session;
    }

    public int ttlSeconds() {
        return ttlSeconds;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public synchronized boolean isAlive() {
        return started && !dead;
    }

    /** True while the lease (TTL from the last successful heartbeat) runs. */
    public synchronized boolean hasLease() {
        return !fenced && !dead;
    }

    /** The units this machine runs now. */
    public synchronized Set<String> held() {
        return new TreeSet<>(held.keySet());
    }

    /** The units its last schedule answer listed (global units left out). */
    public synchronized Set<String> scheduled() {
        return new TreeSet<>(scheduled.keySet());
    }

    /** Every hold so far, closed and open, in order of acquisition. */
    public synchronized List<Hold> history() {
        List<Hold> out = new ArrayList<>(closed);
        for (MutableHold h : held.values()) {
            out.add(new Hold(id, h.unit, h.acquiredNanos, h.acquiredIndex, Long.MAX_VALUE, -1, null));
        }
        out.sort(Comparator.comparingLong(Hold::acquiredNanos));
        return out;
    }

    /** What happened to this machine (registrations, failovers, fences, ...), newest last, with seconds since the pool started. */
    public synchronized List<String> events() {
        return List.copyOf(events);
    }

    /** Counters: heartbeats ok / failed, registrations (answers 201: new, or anew after the presence expired), lease expiries, schedule answers, reports, failovers. */
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("heartbeatsOk", heartbeatsOk.get());
        m.put("heartbeatErrors", heartbeatErrors.get());
        m.put("registered201", registrations.get());
        m.put("leaseExpiries", fences.get());
        m.put("scheduleAnswers", scheduleAnswers.get());
        m.put("reportsOk", reportsOk.get());
        m.put("failovers", failovers.get());
        return m;
    }

    @Override
    public synchronized String toString() {
        return id + (dead ? " (" + deathCause + ")" : fenced ? " (no lease)" : "") + " holds " + held.keySet();
    }

    // ---------------------------------------------------------------------------------------------- the check

    /**
     * Every pair of holds of the same unit by two different machines whose intervals intersect. Empty means that
     * no unit was ever run by two machines at once (as far as their schedules told them).
     */
    public static List<Overlap> overlaps(Collection<SimulatedMachine> machines) {
        Map<String, List<Hold>> byUnit = new HashMap<>();
        for (SimulatedMachine m : machines) {
            for (Hold h : m.history()) {
                byUnit.computeIfAbsent(h.unit(), k -> new ArrayList<>()).add(h);
            }
        }
        List<Overlap> out = new ArrayList<>();
        for (var e : new TreeMap<>(byUnit).entrySet()) {
            List<Hold> hs = e.getValue();
            hs.sort(Comparator.comparingLong(Hold::acquiredNanos));
            for (int i = 0; i < hs.size(); i++) {
                for (int j = i + 1; j < hs.size(); j++) {
                    Hold a = hs.get(i);
                    Hold b = hs.get(j);
                    if (a.machine().equals(b.machine())) {
                        continue;
                    }
                    long from = Math.max(a.acquiredNanos(), b.acquiredNanos());
                    long to = Math.min(a.releasedNanos(), b.releasedNanos());
                    if (from < to) {
                        long end = to == Long.MAX_VALUE ? System.nanoTime() : to;
                        out.add(new Overlap(e.getKey(), a, b, (end - from) / 1e9));
                    }
                }
            }
        }
        return out;
    }

    /** Which machine holds each unit now (units held by several machines list them all). */
    public static Map<String, Set<String>> holders(Collection<SimulatedMachine> machines) {
        Map<String, Set<String>> out = new TreeMap<>();
        for (SimulatedMachine m : machines) {
            for (String u : m.held()) {
                out.computeIfAbsent(u, k -> new TreeSet<>()).add(m.id());
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------- the pool

    /**
     * What many simulated machines share: one HTTP/1.1 client, a timer pool, and a limit on short requests in
     * flight (long polls are not limited). Closing it stops the timers; crash or stop the machines first.
     */
    public static final class Pool implements AutoCloseable {
        final HttpClient http;
        final ScheduledExecutorService timer;
        final Limiter limiter;
        final long startNanos = System.nanoTime();

        public Pool() {
            this(2, 64);
        }

        /**
         * @param timerThreads threads for heartbeat and retry timers
         * @param maxInFlight short requests (heartbeats, reports, plain schedule reads) in flight at once
         */
        public Pool(int timerThreads, int maxInFlight) {
            this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
            ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(timerThreads, r -> {
                Thread th = new Thread(r, "simulated-machines");
                th.setDaemon(true);
                return th;
            });
            t.setRemoveOnCancelPolicy(true);
            this.timer = t;
            this.limiter = new Limiter(maxInFlight);
        }

        /** Seconds since the pool was created (event and hold timestamps are printed this way). */
        public double seconds(long nanos) {
            return (nanos - startNanos) / 1e9;
        }

        public String span(Hold h) {
            return String.format(Locale.ROOT, "[%.3f s (index %d) .. %s]", seconds(h.acquiredNanos()), h.acquiredIndex(),
                    h.open() ? "now" : String.format(Locale.ROOT, "%.3f s (index %d, %s)", seconds(h.releasedNanos()),
                            h.releasedIndex(), h.releaseCause()));
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }

    /** At most {@code max} asynchronous calls in flight; the others wait in order. */
    static final class Limiter {
        private final int max;
        private int running;
        private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();

        Limiter(int max) {
            this.max = max;
        }

        <T> CompletableFuture<T> run(Supplier<CompletableFuture<T>> call) {
            CompletableFuture<T> result = new CompletableFuture<>();
            Runnable start = () -> {
                if (result.isDone()) { // cancelled while waiting
                    done();
                    return;
                }
                CompletableFuture<T> f;
                try {
                    f = call.get();
                } catch (RuntimeException e) {
                    done();
                    result.completeExceptionally(e);
                    return;
                }
                result.whenComplete((v, e) -> {
                    if (e != null) {
                        f.cancel(true);
                    }
                });
                f.whenComplete((v, e) -> {
                    done();
                    if (e != null) {
                        result.completeExceptionally(e);
                    } else {
                        result.complete(v);
                    }
                });
            };
            boolean now;
            synchronized (this) {
                now = running < max;
                if (now) {
                    running++;
                } else {
                    waiting.add(start);
                }
            }
            if (now) {
                start.run();
            }
            return result;
        }

        private void done() {
            Runnable next;
            synchronized (this) {
                next = waiting.poll();
                if (next == null) {
                    running--;
                }
            }
            if (next != null) {
                next.run();
            }
        }
    }
}
