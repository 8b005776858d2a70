package dev.fleet.cli;

import dev.fleet.client.FleetClient;
import dev.fleet.schema.PageTokens;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;

import java.io.PrintStream;
import java.io.StringReader;
import java.net.URI;
import java.net.URLEncoder;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * fleetctl's view of fleet's HTTP API v1: its listings as JSON-P arrays, read ahead. Every exchange goes through the one
 * {@link FleetClient} (endpoints tried in turn when one cannot be reached or answers 503, the one that answered first
 * from then on; debug lines; journal streaming). Moving the listings onto the client's typed records is the next step.
 */
public final class ApiClient {
    /** An answer the API gave as an error (status and the message of its error JSON). */
    public static final class ApiException extends RuntimeException {
        public final int status;

        public ApiException(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /** No endpoint could be reached (or all answered 503). */
    public static final class UnreachableException extends RuntimeException {
        public UnreachableException(String message) {
            super(message);
        }
    }

    public record Response(int status, String body) {
        JsonObject json() {
            if (body == null || body.isBlank()) {
                return JsonValue.EMPTY_JSON_OBJECT;
            }
            try (JsonReader r = Json.provider().createReader(new StringReader(body))) {
                return r.readObject();
            }
        }
    }

    static final String STATES = "/fleet/v1/state";
    static final String UNITS = "/fleet/v1/units";
    static final String MACHINES = "/fleet/v1/machines";
    /** The field of each listing's pages that holds its items. */
    private static final java.util.Map<String, String> ITEMS = java.util.Map.of(STATES, "states", UNITS, "units", MACHINES, "machines");

    /** The transport: failover, timeouts, debug lines and journal streaming are the one client's. */
    private final FleetClient client;
    private final List<URI> endpoints;
    private final Duration timeout;
    /** Listings whose reading started before they were asked for ({@link #readEarly}), by path; each is used once. */
    private final java.util.Map<String, java.util.concurrent.CompletableFuture<JsonArray>> early =
            new java.util.concurrent.ConcurrentHashMap<>();

    public ApiClient(List<URI> endpoints, Duration timeout, PrintStream debug) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no endpoint");
        }
        this.endpoints = List.copyOf(endpoints);
        this.timeout = timeout;
        this.client = new FleetClient(endpoints, timeout, timeout, debug);
    }

    List<URI> endpoints() {
        return endpoints;
    }

    Duration timeout() {
        return timeout;
    }

    /**
     * Starts reading the listing at {@code path} ({@link #STATES}, {@link #UNITS} or {@link #MACHINES}) on a daemon
     * thread, unless a read of it is already under way; the next {@link #states()}, {@link #units()} or
     * {@link #machines()} takes its result, or its error.
     */
    void readEarly(String path) {
        String field = ITEMS.get(path);
        early.computeIfAbsent(path, p -> java.util.concurrent.CompletableFuture.supplyAsync(() -> readPages(p, field), r -> {
            Thread t = new Thread(r, "fleetctl-early");
            t.setDaemon(true);
            t.start();
        }));
    }

    /** Parses a comma-separated endpoint list; only http and https are accepted. */
    public static List<URI> parseEndpoints(String spec) {
        return FleetClient.parseEndpoints(spec);
    }

    /** One request, with the one client's failover across the endpoints. {@code path} starts with "/fleet/v1". */
    public Response send(String method, String path, String jsonBody) {
        try {
            FleetClient.Response r = client.send(method, path, jsonBody);
            return new Response(r.status(), r.body());
        } catch (FleetClient.Unreachable e) {
            throw new UnreachableException(e.getMessage());
        }
    }

    static String errorMessage(Response r) {
        try {
            JsonObject e = r.json().getJsonObject("error");
            if (e != null && !e.getString("message", "").isEmpty()) {
                return e.getString("message");
            }
        } catch (RuntimeException ignored) {
            // not JSON
        }
        return r.body() == null ? "" : r.body().strip();
    }

    private Response expect(Response r, int... ok) {
        for (int s : ok) {
            if (r.status() == s) {
                return r;
            }
        }
        throw new ApiException(r.status(), errorMessage(r));
    }

    /** How many pages a listing asks for ahead of the one it reads (see {@link #pages}). */
    static final int READ_AHEAD = 4;

    /**
     * Every page of a listing. fleet's page token is a documented format (URL-safe base64 of the little-endian
     * uint16 pair limit, page; §5.3), so once page 1 has named page 2 the next pages are known: up to
     * {@link #READ_AHEAD} are fetched at once instead of one round trip after another (a 1,000-unit listing is 10
     * pages). Each page is still read in order and must name the token that was predicted for the next one; a server
     * whose tokens look different is simply followed page by page.
     */
    private JsonArray pages(String path, String field) {
        java.util.concurrent.CompletableFuture<JsonArray> started = early.remove(path);
        if (started != null) {
            try {
                return started.join();
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r; // what the same read would have thrown here
                }
                throw e;
            }
        }
        return readPages(path, field);
    }

    private JsonArray readPages(String path, String field) {
        JsonObject page = page(path, null); // before anything else needs JSON-P: see Json.setUpAhead
        JsonArrayBuilder all = Json.provider().createArrayBuilder();
        addItems(page, field, all);
        String token = page.getString("nextPageToken", null);
        PageTokens.Token next = token == null ? null : PageTokens.tryDecode(token).orElse(null);
        if (next != null && next.page() == 2) {
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(READ_AHEAD, r -> {
                Thread t = new Thread(r, "fleetctl-page");
                t.setDaemon(true);
                return t;
            });
            try {
                java.util.Map<Integer, java.util.concurrent.Future<JsonObject>> ahead = new java.util.HashMap<>();
                for (int n = 2; ; n++) {
                    for (int k = n; k < n + READ_AHEAD; k++) {
                        String t = PageTokens.encode(next.limit(), k);
                        ahead.computeIfAbsent(k, x -> pool.submit(() -> page(path, t)));
                    }
                    page = await(ahead.remove(n));
                    addItems(page, field, all);
                    token = page.getString("nextPageToken", null);
                    if (token == null || token.isEmpty()) {
                        return all.build();
                    }
                    if (!token.equals(PageTokens.encode(next.limit(), n + 1))) {
                        break; // not the format we predicted: follow the server's tokens from here
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
        for (int guard = 0; token != null && !token.isEmpty() && guard < 100_000; guard++) {
            page = page(path, token);
            addItems(page, field, all);
            token = page.getString("nextPageToken", null);
        }
        return all.build();
    }

    private JsonObject page(String path, String token) {
        String p = path + (token == null ? "" : (path.contains("?") ? "&" : "?") + "nextPageToken="
                + URLEncoder.encode(token, StandardCharsets.UTF_8));
        return expect(send("GET", p, null), 200).json();
    }

    private static void addItems(JsonObject page, String field, JsonArrayBuilder all) {
        JsonArray items = page.getJsonArray(field);
        if (items != null) {
            items.forEach(all::add);
        }
    }

    private static JsonObject await(java.util.concurrent.Future<JsonObject> f) {
        try {
            return f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    public JsonArray units() {
        return pages(UNITS, ITEMS.get(UNITS));
    }

    public JsonArray machines() {
        return pages(MACHINES, ITEMS.get(MACHINES));
    }

    public JsonArray states() {
        return pages(STATES, ITEMS.get(STATES));
    }

    public JsonArray states(String unitName) {
        return pages("/fleet/v1/state?unitName=" + enc(unitName), "states");
    }

    public Optional<JsonObject> unit(String name) {
        Response r = send("GET", "/fleet/v1/units/" + name, null);
        if (r.status() == 404) {
            return Optional.empty();
        }
        return Optional.of(expect(r, 200).json());
    }

    /** Creates (or replaces) a unit with the given options JSON array; no desired state is sent. */
    public void createUnit(String name, JsonArray options) {
        String body = Json.provider().createObjectBuilder().add("name", name).add("options", options).build().toString();
        expect(send("PUT", "/fleet/v1/units/" + name, body), 201, 204);
    }

    public void setDesiredState(String name, String state) {
        String body = Json.provider().createObjectBuilder().add("name", name).add("desiredState", state).build().toString();
        expect(send("PUT", "/fleet/v1/units/" + name, body), 201, 204);
    }

    /** DELETE; false when the unit did not exist. */
    public boolean destroy(String name) {
        Response r = send("DELETE", "/fleet/v1/units/" + name, null);
        if (r.status() == 404) {
            return false;
        }
        expect(r, 204, 200);
        return true;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** GET /fleet/v1/units/NAME/status: the agents' status of the unit on each machine it is on. */
    public Response unitStatus(String name) {
        return send("GET", "/fleet/v1/units/" + enc(name) + "/status", null);
    }

    /**
     * Streams a unit's journal to {@code out}, flushing each chunk, until the agent ends it (or, with follow,
     * until the process is stopped). Returns null when streamed, else the API's error answer. With follow there
     * is no read timeout: a quiet journal is not a dead one.
     */
    public Response journal(String name, int lines, boolean follow, String machineId, OutputStream out) {
        try {
            FleetClient.Response r = client.journal(name, lines, follow, machineId, out);
            return r == null ? null : new Response(r.status(), r.body());
        } catch (FleetClient.Unreachable e) {
            throw new UnreachableException(e.getMessage());
        }
    }
}
