package dev.fleet.client;

import dev.fleet.schema.ApiError;
import dev.fleet.schema.Codec;
import dev.fleet.schema.Machine;
import dev.fleet.schema.MetadataOp;
import dev.fleet.schema.Page;
import dev.fleet.schema.PageTokens;
import dev.fleet.schema.Presence;
import dev.fleet.schema.Schedule;
import dev.fleet.schema.StateReport;
import dev.fleet.schema.Unit;
import dev.fleet.schema.UnitState;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * The one client of fleet's HTTP API v1 and of the agent API, used by fleetctl, the agent and the test kit.
 *
 * <ul>
 *   <li><b>Failover, one policy:</b> a request goes to each endpoint at most once, starting from the one that
 *   answered last; an endpoint that cannot be reached or answers 503 (no leader, or stopping) is skipped for the next.
 *   When none answers, {@link Unreachable} says why for each. Every API call is safe to repeat this way: a PUT repeated
 *   after a lost answer at worst turns a 201 into a 204.</li>
 *   <li><b>Timeouts:</b> a connect and a read timeout per exchange; a long poll gives its own read timeout.</li>
 *   <li><b>Paging:</b> listings follow {@code nextPageToken} to the end, reading pages ahead when the token has
 *   fleet's documented format, and a listing can be started early ({@link #readEarly}).</li>
 *   <li><b>Debug:</b> with a debug stream, one line per exchange (method, URL, status, time, body sent).</li>
 * </ul>
 * HTTP is {@link HttpURLConnection} ({@link JsonHttp}): cheap to start, which matters for fleetctl. Thread-safe.
 */
public final class FleetClient {
    /** An answer the API gave as an error: the status and the message of its error JSON. */
    public static final class ApiException extends RuntimeException {
        private final int status;

        public ApiException(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /** No endpoint could be reached, or every one answered 503; the message says why for each. */
    public static final class Unreachable extends RuntimeException {
        private final Response last503;

        public Unreachable(String message, Response last503) {
            super(message);
            this.last503 = last503;
        }

        /** The last 503 answer, if every endpoint that could be reached answered 503. */
        public Optional<Response> last503() {
            return Optional.ofNullable(last503);
        }
    }

    /** One answer: the endpoint that gave it, its status and its body ("" when none). */
    public record Response(URI endpoint, int status, String body) {
        /** The API's error entity, or null when the body is not one. */
        public ApiError error() {
            return Codec.readError(body);
        }

        /** The error's message, or the body itself when it is not fleet's error JSON. */
        public String errorMessage() {
            ApiError e = error();
            if (e != null && !e.message().isEmpty()) {
                return e.message();
            }
            return body == null ? "" : body.strip();
        }

        /** This answer if its status is one of {@code ok}, else an {@link ApiException}. */
        public Response expect(int... ok) {
            for (int s : ok) {
                if (status == s) {
                    return this;
                }
            }
            throw new ApiException(status, errorMessage());
        }
    }

    public static final String UNITS = "/fleet/v1/units";
    public static final String STATES = "/fleet/v1/state";
    public static final String MACHINES = "/fleet/v1/machines";
    private static final String AGENT_MACHINES = "/fleet/agent/v1/machines/";
    /** How many pages a listing asks for ahead of the one it reads (see {@link #pages}). */
    static final int READ_AHEAD = 4;

    private volatile List<URI> endpoints;
    private final int connectMillis;
    private final int readMillis;
    private final PrintStream debug;
    /** TLS for https endpoints (a CA to trust, a client certificate), or null for the JDK's defaults. */
    private volatile JsonHttp.Credentials credentials = JsonHttp.Credentials.NONE;
    private volatile int preferred; // read and written by the threads of a read-ahead listing too
    /** Listings whose reading started before they were asked for ({@link #readEarly}), by path; each is used once. */
    private final Map<String, CompletableFuture<List<?>>> early = new ConcurrentHashMap<>();

    /**
     * @param endpoints node base URLs ({@code http://127.0.0.1:4001}), tried in this order first
     * @param connect   connect timeout per exchange
     * @param read      read timeout per exchange (long polls give their own)
     * @param debug     where one line per exchange goes, or null
     */
    public FleetClient(List<URI> endpoints, Duration connect, Duration read, PrintStream debug) {
        this.endpoints = clean(endpoints);
        this.connectMillis = millis(connect);
        this.readMillis = millis(read);
        this.debug = debug;
    }

    /** A client with a 2 s connect and a 10 s read timeout, without debug output. */
    public FleetClient(List<URI> endpoints) {
        this(endpoints, Duration.ofSeconds(2), Duration.ofSeconds(10), null);
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }

    private static List<URI> clean(List<URI> endpoints) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no endpoint");
        }
        List<URI> out = new ArrayList<>();
        for (URI u : endpoints) {
            String s = u.toString();
            while (s.endsWith("/")) {
                s = s.substring(0, s.length() - 1);
            }
            out.add(URI.create(s));
        }
        return List.copyOf(out);
    }

    public List<URI> endpoints() {
        return endpoints;
    }

    /** Uses {@code ctx} (see {@link Tls#fromPem}) for every https exchange from now on. */
    public void useTls(javax.net.ssl.SSLContext ctx) {
        credentials = credentials.withTls(ctx.getSocketFactory());
    }

    /** Sends {@code token} as {@code Authorization: Bearer} on every https exchange from now on (null: none). */
    public void useToken(String token) {
        credentials = credentials.withBearer(token);
    }

    /** The connect timeout of each exchange, as used: whole milliseconds, at least 1. */
    public Duration connectTimeout() {
        return Duration.ofMillis(connectMillis);
    }

    /** The read timeout of each exchange but long polls and journals, as used: whole milliseconds, at least 1. */
    public Duration readTimeout() {
        return Duration.ofMillis(readMillis);
    }

    /** Replaces the endpoints (the agent re-read its configuration). */
    public void setEndpoints(List<URI> endpoints) {
        this.endpoints = clean(endpoints);
        preferred = 0;
    }

    /** The same endpoints, starting with the {@code i}-th (mod size): spreads several clients over the nodes. */
    public FleetClient rotated(int i) {
        List<URI> all = endpoints;
        List<URI> r = new ArrayList<>();
        for (int k = 0; k < all.size(); k++) {
            r.add(all.get(Math.floorMod(i + k, all.size())));
        }
        FleetClient c = new FleetClient(r, Duration.ofMillis(connectMillis), Duration.ofMillis(readMillis), debug);
        c.credentials = credentials;
        return c;
    }

    /**
     * Parses a comma-separated endpoint list (fleetctl's {@code --endpoint}, the agent's {@code etcd_servers}); only
     * http and https are accepted.
     */
    public static List<URI> parseEndpoints(String spec) {
        List<URI> out = new ArrayList<>();
        for (String s : spec.split(",")) {
            s = s.trim();
            if (s.isEmpty()) {
                continue;
            }
            URI u;
            try {
                u = URI.create(s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid endpoint " + s + ": " + e.getMessage());
            }
            if (u.getScheme() == null) {
                throw new IllegalArgumentException("URL scheme undefined");
            }
            if (!u.getScheme().equals("http") && !u.getScheme().equals("https")) {
                throw new IllegalArgumentException("unsupported URL scheme \"" + u.getScheme() + "\" in " + s
                        + " (use http:// or https://)");
            }
            if (u.getHost() == null) {
                throw new IllegalArgumentException("no host in endpoint " + s);
            }
            String str = u.toString();
            while (str.endsWith("/")) {
                str = str.substring(0, str.length() - 1);
            }
            out.add(URI.create(str));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no endpoint given");
        }
        return out;
    }

    // ============================================================================================ exchanges

    private void debug(String line) {
        if (debug != null) {
            debug.println("DEBUG " + line);
        }
    }

    private static String why(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** One request with failover, with the client's read timeout. {@code path} starts with "/". */
    public Response send(String method, String path, String jsonBody) {
        return send(method, path, jsonBody, readMillis);
    }

    /** One request with failover: each endpoint at most once, from the one that answered last. */
    public Response send(String method, String path, String jsonBody, int readTimeoutMillis) {
        return send(method, path, jsonBody, readTimeoutMillis, Long.MAX_VALUE);
    }

    /** As above, with at most {@code maxBytes} of an answer read ({@link JsonHttp.TooLarge} past it: no failover). */
    public Response send(String method, String path, String jsonBody, int readTimeoutMillis, long maxBytes) {
        List<URI> all = endpoints;
        List<String> failures = new ArrayList<>();
        Response last503 = null;
        int start = preferred % all.size();
        for (int i = 0; i < all.size(); i++) {
            int idx = (start + i) % all.size();
            URI base = all.get(idx);
            long t0 = System.nanoTime();
            try {
                JsonHttp.Answer a = JsonHttp.exchange(URI.create(base + path), method, jsonBody, connectMillis, readTimeoutMillis, credentials,
                        maxBytes);
                Response r = new Response(base, a.status(), a.body());
                if (debug != null) {
                    debug(method + " " + base + path + " -> " + r.status() + " (" + (System.nanoTime() - t0) / 1_000_000 + " ms)"
                            + (jsonBody == null ? "" : " body=" + jsonBody));
                }
                if (r.status() == 503) {
                    failures.add(base + ": 503 " + r.errorMessage());
                    last503 = r;
                    continue;
                }
                preferred = idx;
                return r;
            } catch (IOException e) {
                if (debug != null) {
                    debug(method + " " + base + path + " failed: " + e);
                }
                failures.add(base + ": " + why(e));
            }
        }
        throw new Unreachable("unable to reach the fleet API (" + String.join("; ", failures) + ")", last503);
    }

    /** A unit name (or machine ID) as one URL path segment: anything but unreserved characters percent-encoded. */
    public static String segment(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || c == '@' || c == ':') {
                sb.append(c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit((c >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    static String query(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    // ============================================================================================ listings

    /**
     * Starts reading the listing at {@code path} ({@link #STATES}, {@link #UNITS} or {@link #MACHINES}) on a daemon
     * thread, unless a read of it is already under way; the next {@link #states()}, {@link #units()} or
     * {@link #machines()} takes its result, or its error.
     */
    public void readEarly(String path) {
        Function<String, Page<?>> reader = readerOf(path);
        early.computeIfAbsent(path, p -> CompletableFuture.supplyAsync(() -> readPages(p, reader), r -> {
            Thread t = new Thread(r, "fleet-client-early");
            t.setDaemon(true);
            t.start();
        }));
    }

    private static Function<String, Page<?>> readerOf(String path) {
        return switch (path) {
            case UNITS -> Codec::readUnitPage;
            case STATES -> Codec::readStatePage;
            case MACHINES -> Codec::readMachinePage;
            default -> throw new IllegalArgumentException("not a listing: " + path);
        };
    }

    @SuppressWarnings("unchecked")
    private <T> List<T> pages(String path, Function<String, Page<?>> reader) {
        CompletableFuture<List<?>> started = early.remove(path);
        if (started != null) {
            try {
                return (List<T>) started.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r; // what the same read would have thrown here
                }
                throw e;
            }
        }
        return (List<T>) readPages(path, reader);
    }

    /**
     * Every page of a listing. fleet's page token is a documented format (URL-safe base64 of the little-endian uint16
     * pair limit, page), so once page 1 has named page 2 the next pages are known: up to {@link #READ_AHEAD} are
     * fetched at once instead of one round trip after another (a 1,000-unit listing is 10 pages). Each page is still
     * read in order and must name the token that was predicted for the next one; a server whose tokens look different
     * is simply followed page by page.
     */
    private List<?> readPages(String path, Function<String, Page<?>> reader) {
        Page<?> page = page(path, null, reader);
        List<Object> all = new ArrayList<>(page.items());
        String token = page.nextPageToken();
        PageTokens.Token next = token == null ? null : PageTokens.tryDecode(token).orElse(null);
        if (next != null && next.page() == 2) {
            ExecutorService pool = Executors.newFixedThreadPool(READ_AHEAD, r -> {
                Thread t = new Thread(r, "fleet-client-page");
                t.setDaemon(true);
                return t;
            });
            try {
                Map<Integer, Future<Page<?>>> ahead = new HashMap<>();
                for (int n = 2; ; n++) {
                    for (int k = n; k < n + READ_AHEAD; k++) {
                        String t = PageTokens.encode(next.limit(), k);
                        ahead.computeIfAbsent(k, x -> pool.submit(() -> page(path, t, reader)));
                    }
                    page = await(ahead.remove(n));
                    all.addAll(page.items());
                    token = page.nextPageToken();
                    if (token == null) {
                        return all;
                    }
                    if (!token.equals(PageTokens.encode(next.limit(), n + 1))) {
                        break; // not the format we predicted: follow the server's tokens from here
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
        for (int guard = 0; token != null && guard < 100_000; guard++) {
            page = page(path, token, reader);
            all.addAll(page.items());
            token = page.nextPageToken();
        }
        return all;
    }

    private Page<?> page(String path, String token, Function<String, Page<?>> reader) {
        String p = path + (token == null ? "" : (path.contains("?") ? "&" : "?") + "nextPageToken=" + query(token));
        return reader.apply(send("GET", p, null).expect(200).body());
    }

    private static Page<?> await(Future<Page<?>> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    // ============================================================================================ API v1

    /** Every unit, in name order. */
    public List<Unit> units() {
        return pages(UNITS, Codec::readUnitPage);
    }

    /** Every live machine, in ID order. */
    public List<Machine> machines() {
        return pages(MACHINES, Codec::readMachinePage);
    }

    /** Every reported unit state. */
    public List<UnitState> states() {
        return pages(STATES, Codec::readStatePage);
    }

    /** Reported unit states filtered by machine and/or unit (exact matches; null = any). */
    public List<UnitState> states(String machineId, String unitName) {
        if (machineId == null && unitName == null) {
            return states();
        }
        String q = (machineId == null ? "" : "machineID=" + query(machineId))
                + (machineId != null && unitName != null ? "&" : "")
                + (unitName == null ? "" : "unitName=" + query(unitName));
        return pages(STATES + "?" + q, Codec::readStatePage);
    }

    /** One unit; empty when it does not exist. */
    public Optional<Unit> unit(String name) {
        Response r = send("GET", UNITS + "/" + segment(name), null);
        if (r.status() == 404) {
            return Optional.empty();
        }
        return Optional.of(Codec.readUnit(r.expect(200).body()));
    }

    /** PUT of a unit (name, options if any, desired state if set): the raw answer, 201/204 or an error. */
    public Response putUnitResponse(Unit unit) {
        return send("PUT", UNITS + "/" + segment(unit.name()), Codec.unit(unit));
    }

    /** PUT of a unit; 201 (created or replaced) or 204 (updated), else an {@link ApiException}. */
    public int putUnit(Unit unit) {
        return putUnitResponse(unit).expect(201, 204).status();
    }

    /** Sets only the desired state of an existing unit. */
    public void setDesiredState(String name, String desiredState) {
        putUnit(Unit.put(name, List.of(), desiredState));
    }

    /** DELETE of a unit; false when it did not exist. */
    public boolean destroy(String name) {
        Response r = send("DELETE", UNITS + "/" + segment(name), null);
        if (r.status() == 404) {
            return false;
        }
        r.expect(204, 200);
        return true;
    }

    /** {@code PATCH /fleet/v1/machines}: all the operations in one request. */
    public void patchMetadata(List<MetadataOp> ops) {
        send("PATCH", MACHINES, Codec.metadataPatch(ops)).expect(204, 200);
    }

    /** {@code GET /fleet/v1/units/NAME/status}: the agents' status of the unit on each machine it is on (raw answer). */
    public Response unitStatus(String name) {
        return send("GET", UNITS + "/" + segment(name) + "/status", null);
    }

    /**
     * Streams a unit's journal to {@code out}, flushing each chunk, until the agent ends it (or, with follow, until the
     * process is stopped). Returns null when streamed, else the API's error answer. With follow there is no read
     * timeout: a quiet journal is not a dead one; without, 15 s of silence at least.
     */
    public Response journal(String name, int lines, boolean follow, String machineId, OutputStream out) {
        return journal(name, lines, follow, machineId, null, out);
    }

    /** {@link #journal(String, int, boolean, String, OutputStream)} in journalctl's {@code --output} mode {@code output} (null: the agent's default). */
    public Response journal(String name, int lines, boolean follow, String machineId, String output, OutputStream out) {
        String path = UNITS + "/" + segment(name) + "/journal?lines=" + lines + "&follow=" + follow
                + (machineId == null ? "" : "&machineID=" + query(machineId))
                + (output == null ? "" : "&output=" + query(output));
        List<URI> all = endpoints;
        List<String> failures = new ArrayList<>();
        Response last503 = null;
        for (int i = 0; i < all.size(); i++) {
            int idx = (preferred + i) % all.size();
            URI base = all.get(idx);
            HttpURLConnection c;
            int status;
            try {
                c = JsonHttp.open(URI.create(base + path), credentials);
                c.setConnectTimeout(connectMillis);
                c.setReadTimeout(follow ? 0 : Math.max(readMillis, 15_000));
                c.setRequestProperty("Accept", "text/plain");
                status = c.getResponseCode();
                debug("GET " + base + path + " -> " + status);
            } catch (IOException e) {
                debug("GET " + base + path + " failed: " + e);
                failures.add(base + ": " + why(e));
                continue;
            }
            try {
                if (status != 200) {
                    InputStream es = c.getErrorStream();
                    Response r = new Response(base, status, es == null ? "" : new String(es.readAllBytes(), StandardCharsets.UTF_8));
                    if (status == 503) {
                        failures.add(base + ": 503 " + r.errorMessage());
                        last503 = r;
                        continue;
                    }
                    preferred = idx;
                    return r;
                }
                preferred = idx;
                try (InputStream in = c.getInputStream()) {
                    byte[] buf = new byte[8192];
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                }
                return null;
            } catch (IOException e) {
                throw new Unreachable("journal stream from " + base + " broke: " + e.getMessage(), null);
            } finally {
                c.disconnect();
            }
        }
        throw new Unreachable("unable to reach the fleet API (" + String.join("; ", failures) + ")", last503);
    }

    // ============================================================================================ agent API

    /** Registers (or refreshes: a heartbeat) a machine: 201 registered, 200 refreshed, 409 another session holds it. */
    public int register(Presence p) {
        return send("PUT", AGENT_MACHINES + segment(p.id()), Codec.registration(p)).status();
    }

    /** A clean shutdown's deregistration: true if this session held the machine. */
    public boolean deregister(String machineId, String session) {
        return send("DELETE", AGENT_MACHINES + segment(machineId) + "?session=" + query(session), null).status() == 204;
    }

    /** The machine's schedule; with {@code waitIndex >= 0} a long poll (read timeout {@code pollMillis}). */
    public Schedule schedule(String machineId, long waitIndex, int pollMillis) {
        return schedule(machineId, waitIndex, pollMillis, Long.MAX_VALUE);
    }

    /** As above, reading at most {@code maxBytes} of the answer ({@link JsonHttp.TooLarge} past it). */
    public Schedule schedule(String machineId, long waitIndex, int pollMillis, long maxBytes) {
        String path = AGENT_MACHINES + segment(machineId) + "/schedule" + (waitIndex >= 0 ? "?wait=true&waitIndex=" + waitIndex : "");
        Response r = send("GET", path, null, waitIndex >= 0 ? pollMillis : readMillis, maxBytes);
        return Codec.readSchedule(r.expect(200).body());
    }

    /** Reports the machine's unit states: 204 stored, 409 the session does not hold the machine (register again). */
    public int reportStates(String machineId, StateReport report) {
        return send("PUT", AGENT_MACHINES + segment(machineId) + "/states", Codec.stateReport(report)).status();
    }
}
