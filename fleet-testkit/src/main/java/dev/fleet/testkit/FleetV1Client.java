package dev.fleet.testkit;

import dev.fleet.client.FleetClient;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonParsingException;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.StringReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small client of fleet's HTTP API v1 ({@code /fleet/v1}, docs: the reference §5) on the JDK {@link HttpClient}
 * (HTTP/1.1), for tests and benchmarks.
 *
 * <p>It knows several endpoints (the cluster's nodes) and sticks to the last one that answered. When a node is
 * down (connection refused, reset, timed out) or answers 503 (no leader: "fleet server unable to communicate with
 * etcd"), the request goes to the next endpoint; after a full round without an answer it throws the last
 * {@link IOException} (or returns the last 503). Every API v1 call is safe to repeat: a PUT repeated after a lost
 * answer at worst turns a 201 into a 204.
 *
 * <pre>{@code
 * FleetV1Client c = new FleetV1Client(cluster.clientUrls());
 * c.putUnit("hello.service", List.of(Option.service("ExecStart", "/bin/sleep 1000")), "launched");   // 201
 * c.listUnits().forEach(u -> System.out.println(u.name() + " on " + u.machineID()));
 * }</pre>
 */
public final class FleetV1Client {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final List<URI> endpoints;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final AtomicInteger preferred;

    /** A client with its own {@link HttpClient} and a 10 s request timeout. */
    public FleetV1Client(List<URI> endpoints) {
        this(endpoints, newHttpClient(), DEFAULT_TIMEOUT);
    }

    /**
     * @param endpoints node base URLs, e.g. {@code http://127.0.0.1:4001}; the first one is tried first
     * @param http shared or own (see {@link #newHttpClient()})
     * @param requestTimeout per request (per endpoint tried)
     */
    public FleetV1Client(List<URI> endpoints, HttpClient http, Duration requestTimeout) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one endpoint");
        }
        List<URI> clean = new ArrayList<>();
        for (URI u : endpoints) {
            String s = u.toString();
            clean.add(URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s));
        }
        this.endpoints = List.copyOf(clean);
        this.http = http;
        this.requestTimeout = requestTimeout;
        this.preferred = new AtomicInteger(0);
    }

    /** HTTP/1.1 (what the nodes serve), 2 s connect timeout. */
    public static HttpClient newHttpClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    }

    public List<URI> endpoints() {
        return endpoints;
    }

    /** The same endpoints, starting with the {@code i}-th (mod size): spreads several clients over the nodes. */
    public FleetV1Client rotated(int i) {
        List<URI> r = new ArrayList<>();
        for (int k = 0; k < endpoints.size(); k++) {
            r.add(endpoints.get(Math.floorMod(i + k, endpoints.size())));
        }
        return new FleetV1Client(r, http, requestTimeout);
    }

    // ---------------------------------------------------------------------------------------------- units

    /** {@code PUT /fleet/v1/units/NAME}; returns the status (201 created or replaced, 204 updated, 4xx). */
    public int putUnit(String name, List<Option> options, String desiredState) throws IOException {
        return putUnitResponse(name, options, desiredState).status();
    }

    /**
     * The same with the options as a JSON array text ({@code [{"section":..,"name":..,"value":..}]}, or null for
     * none).
     */
    public int putUnit(String name, String optionsJson, String desiredState) throws IOException {
        return putUnitResponse(name, optionsJson == null ? null : parseArray(optionsJson), desiredState).status();
    }

    /** The full answer of a unit PUT (the error JSON on 4xx). */
    public Response putUnitResponse(String name, List<Option> options, String desiredState) throws IOException {
        JsonArrayBuilder opts = Json.createArrayBuilder();
        if (options != null) {
            for (Option o : options) {
                opts.add(Json.createObjectBuilder().add("section", o.section()).add("name", o.name()).add("value", o.value()));
            }
        }
        return putUnitResponse(name, options == null ? null : opts.build(), desiredState);
    }

    private Response putUnitResponse(String name, JsonArray options, String desiredState) throws IOException {
        var body = Json.createObjectBuilder();
        if (options != null) {
            body.add("options", options);
        }
        if (desiredState != null) {
            body.add("desiredState", desiredState);
        }
        return send("PUT", "/fleet/v1/units/" + FleetClient.segment(name), body.build().toString());
    }

    /** Sets only the desired state of an existing unit (fleetctl's "set state"). */
    public int setDesiredState(String name, String desiredState) throws IOException {
        return putUnitResponse(name, (JsonArray) null, desiredState).status();
    }

    /** {@code GET /fleet/v1/units/NAME}; empty on 404. */
    public Optional<Unit> getUnit(String name) throws IOException {
        Response r = send("GET", "/fleet/v1/units/" + FleetClient.segment(name), null);
        if (r.status() == 404) {
            return Optional.empty();
        }
        return Optional.of(unit(r.require(200)));
    }

    /** {@code DELETE /fleet/v1/units/NAME}; returns the status (204, 404). */
    public int deleteUnit(String name) throws IOException {
        return send("DELETE", "/fleet/v1/units/" + FleetClient.segment(name), null).status();
    }

    /** Every unit (sorted by name), following {@code nextPageToken} to the end. */
    public List<Unit> listUnits() throws IOException {
        List<Unit> out = new ArrayList<>();
        for (JsonObject o : allPages("/fleet/v1/units", "units", Map.of())) {
            out.add(unit(o));
        }
        return out;
    }

    /** Every live machine (all pages). */
    public List<Machine> listMachines() throws IOException {
        List<Machine> out = new ArrayList<>();
        for (JsonObject o : allPages("/fleet/v1/machines", "machines", Map.of())) {
            Map<String, String> md = new TreeMap<>();
            if (o.get("metadata") instanceof JsonObject m) {
                m.forEach((k, v) -> md.put(k, v instanceof JsonString s ? s.getString() : v.toString()));
            }
            out.add(new Machine(str(o, "id"), str(o, "primaryIP"), md));
        }
        return out;
    }

    /** Every reported unit state (all pages). */
    public List<UnitState> listStates() throws IOException {
        return listStates(null, null);
    }

    /** Reported unit states filtered by machine and/or unit (exact matches; null = any), all pages. */
    public List<UnitState> listStates(String machineID, String unitName) throws IOException {
        Map<String, String> q = new LinkedHashMap<>();
        if (machineID != null) q.put("machineID", machineID);
        if (unitName != null) q.put("unitName", unitName);
        List<UnitState> out = new ArrayList<>();
        for (JsonObject o : allPages("/fleet/v1/state", "states", q)) {
            out.add(new UnitState(str(o, "name"), str(o, "hash"), str(o, "machineID"), str(o, "systemdLoadState"),
                    str(o, "systemdActiveState"), str(o, "systemdSubState")));
        }
        return out;
    }

    /**
     * {@code PATCH /fleet/v1/machines}: sets dynamic metadata, machine ID → key → value, all in one request (one
     * "add" operation per pair, in fleet's wire form {@code "value": {"value": V}}); returns the status (204).
     */
    public int patchMachineMetadata(Map<String, Map<String, String>> values) throws IOException {
        JsonArrayBuilder ops = Json.createArrayBuilder();
        values.forEach((machine, kv) -> kv.forEach((k, v) -> ops.add(Json.createObjectBuilder().add("op", "add")
                .add("path", "/" + machine + "/metadata/" + k).add("value", Json.createObjectBuilder().add("value", v)))));
        return send("PATCH", "/fleet/v1/machines", ops.build().toString()).status();
    }

    // ---------------------------------------------------------------------------------------------- per node

    /**
     * {@code GET /metrics} of one node (no failover: the numbers are that node's), as name → value; the name
     * keeps its labels, e.g. {@code fleet_engine_task_count_total{type="move"}}.
     */
    public Map<String, Double> metrics(URI node) throws IOException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(strip(node) + "/metrics")).timeout(requestTimeout).GET().build();
        HttpResponse<String> r = exchange(req);
        if (r.statusCode() != 200) {
            throw new IOException("GET " + node + "/metrics: HTTP " + r.statusCode() + " " + r.body());
        }
        return parseMetrics(r.body());
    }

    /** Prometheus text format, the subset our nodes write: {@code name[{labels}] value} lines, # comments. */
    public static Map<String, Double> parseMetrics(String text) {
        Map<String, Double> out = new TreeMap<>();
        for (String line : text.split("\n")) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            int sp = t.lastIndexOf(' ');
            if (sp <= 0) {
                continue;
            }
            try {
                out.put(t.substring(0, sp).strip(), Double.parseDouble(t.substring(sp + 1)));
            } catch (NumberFormatException e) {
                // not a sample line
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------- plumbing

    private List<JsonObject> allPages(String path, String field, Map<String, String> query) throws IOException {
        List<JsonObject> out = new ArrayList<>();
        String token = null;
        for (int page = 0; page < 100_000; page++) {
            Map<String, String> q = new LinkedHashMap<>(query);
            if (token != null) {
                q.put("nextPageToken", token);
            }
            JsonObject o = send("GET", path + query(q), null).require(200);
            if (o.get(field) instanceof JsonArray a) {
                for (JsonValue v : a) {
                    out.add(v.asJsonObject());
                }
            }
            token = o.get("nextPageToken") instanceof JsonString s ? s.getString() : null;
            if (token == null || token.isEmpty()) {
                return out;
            }
        }
        throw new IOException(path + ": more than 100000 pages");
    }

    private static String query(Map<String, String> q) {
        if (q.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        q.forEach((k, v) -> sb.append(sb.length() == 0 ? '?' : '&').append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return sb.toString();
    }

    /**
     * One request, failing over: starts at the endpoint that answered last, moves on after a transport error or a
     * 503, and gives up after trying each endpoint once.
     */
    public Response send(String method, String pathAndQuery, String jsonBody) throws IOException {
        int start = preferred.get();
        IOException lastError = null;
        Response last503 = null;
        for (int k = 0; k < endpoints.size(); k++) {
            int i = (start + k) % endpoints.size();
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoints.get(i) + pathAndQuery)).timeout(requestTimeout);
            if (jsonBody != null) {
                b.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(jsonBody, StandardCharsets.UTF_8));
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            try {
                HttpResponse<String> r = exchange(b.build());
                Response resp = new Response(endpoints.get(i), r.statusCode(), r.body(), parseObject(r.body()));
                if (r.statusCode() == 503) {
                    last503 = resp;
                    continue;
                }
                preferred.set(i);
                return resp;
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                lastError = e;
            }
        }
        if (last503 != null) {
            return last503;
        }
        throw new IOException(method + " " + pathAndQuery + ": no endpoint answered " + endpoints + ": " + lastError, lastError);
    }

    private HttpResponse<String> exchange(HttpRequest req) throws IOException {
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }

    private static String strip(URI u) {
        String s = u.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }


    static JsonObject parseObject(String body) {
        String t = body == null ? "" : body.strip();
        if (!t.startsWith("{")) {
            return null;
        }
        try (JsonReader reader = Json.createReader(new StringReader(t))) {
            return reader.readObject();
        } catch (JsonParsingException | IllegalStateException e) {
            return null;
        }
    }

    private static JsonArray parseArray(String json) {
        try (JsonReader reader = Json.createReader(new StringReader(json))) {
            return reader.readArray();
        }
    }

    private static Unit unit(JsonObject o) {
        List<Option> opts = new ArrayList<>();
        if (o.get("options") instanceof JsonArray a) {
            for (JsonValue v : a) {
                JsonObject x = v.asJsonObject();
                opts.add(new Option(str(x, "section"), str(x, "name"), str(x, "value")));
            }
        }
        return new Unit(str(o, "name"), List.copyOf(opts), str(o, "desiredState"), str(o, "currentState"),
                str(o, "machineID"), str(o, "reason"));
    }

    private static String str(JsonObject o, String key) {
        return o.get(key) instanceof JsonString s ? s.getString() : null;
    }

    // ---------------------------------------------------------------------------------------------- types

    /** One unit file option. */
    public record Option(String section, String name, String value) {
        public static Option service(String name, String value) {
            return new Option("Service", name, value);
        }

        public static Option xFleet(String name, String value) {
            return new Option("X-Fleet", name, value);
        }
    }

    /**
     * A unit as {@code GET /fleet/v1/units} shows it.
     *
     * @param machineID the machine the engine placed it on, or null
     * @param reason why it is not placed (ours), or null
     */
    public record Unit(String name, List<Option> options, String desiredState, String currentState, String machineID,
                       String reason) { }

    public record Machine(String id, String primaryIP, Map<String, String> metadata) { }

    public record UnitState(String name, String hash, String machineID, String systemdLoadState,
                            String systemdActiveState, String systemdSubState) { }

    /** One HTTP answer: which endpoint gave it, the status, the body and its JSON object (or null). */
    public record Response(URI endpoint, int status, String body, JsonObject json) {
        /** The JSON object of an answer with this status, or an IOException describing what came instead. */
        public JsonObject require(int expected) throws IOException {
            if (status != expected || json == null) {
                throw new IOException("expected HTTP " + expected + " with a JSON object from " + endpoint + ", got " + this);
            }
            return json;
        }

        @Override
        public String toString() {
            return "HTTP " + status + " " + (body == null ? "" : body.strip());
        }
    }
}
