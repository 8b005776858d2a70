package dev.fleet.agent.control;

import dev.fleet.agent.plan.DesiredUnit;
import dev.fleet.client.JsonHttp;
import dev.fleet.unit.DesiredState;
import dev.fleet.unit.UnitFile;
import dev.fleet.unit.UnitOption;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The agent's client of the agent API ({@code docs/agent-api.md}) on any control-plane node. A node
 * that cannot be reached, or answers 503 (no leader), is skipped for the next one; the node that
 * answered last is tried first next time. Thread-safe.
 */
public final class ControlPlane {

    static final JsonProvider JSON = JsonProvider.provider();
    private static final int CONNECT_MILLIS = 2_000;
    private static final int READ_MILLIS = 10_000;
    /** The node answers a long poll after at most 60 s unchanged. */
    private static final int LONG_POLL_MILLIS = 75_000;

    private volatile List<URI> endpoints;
    private final AtomicInteger preferred = new AtomicInteger();

    public ControlPlane(List<URI> endpoints) {
        this.endpoints = List.copyOf(endpoints);
    }

    /** Replaces the node list (SIGHUP re-read the configuration). */
    public void setEndpoints(List<URI> endpoints) {
        this.endpoints = List.copyOf(endpoints);
        preferred.set(0);
    }

    public List<URI> endpoints() {
        return endpoints;
    }

    /** An HTTP answer. */
    public record Response(int status, String body) {
        public JsonObject json() {
            try (JsonReader r = JSON.createReader(new StringReader(body))) {
                return r.readObject();
            }
        }
    }

    /** No node could be reached (or every one answered 503); the message lists why, per node. */
    public static final class UnreachableException extends IOException {
        public UnreachableException(String message) {
            super(message);
        }
    }

    /** What the agent registers; a heartbeat is the same registration again. */
    public record Registration(String machineId, String session, String publicIp, Map<String, String> metadata,
                               String version, long ttlSeconds, int agentPort) {
    }

    /** One unit's state as reported; {@code result} and {@code invocationId} may be empty. */
    public record StateReport(String name, String hash, String loadState, String activeState, String subState,
                              boolean launched, String result, String invocationId) {
    }

    /** This machine's schedule: its own units and the global units, with its merged metadata. */
    public record Schedule(long index, Map<String, String> metadata, List<DesiredUnit> units) {
    }

    /** PUT machines/ID: 201 registered, 200 refreshed, 409 another session holds the ID. */
    public int register(Registration r) throws IOException {
        JsonObjectBuilder md = JSON.createObjectBuilder();
        r.metadata().forEach(md::add);
        JsonObjectBuilder b = JSON.createObjectBuilder()
                .add("session", r.session())
                .add("metadata", md)
                .add("version", r.version())
                .add("ttl", r.ttlSeconds());
        if (!r.publicIp().isEmpty()) {
            b.add("publicIP", r.publicIp());
        }
        if (r.agentPort() > 0) {
            b.add("agentPort", r.agentPort());
        }
        return call("PUT", machinePath(r.machineId()), b.build().toString(), READ_MILLIS).status();
    }

    /** DELETE machines/ID?session=S: true if this session held the machine. */
    public boolean deregister(String machineId, String session) throws IOException {
        return call("DELETE", machinePath(machineId) + "?session=" + URLEncoder.encode(session, StandardCharsets.UTF_8),
                null, READ_MILLIS).status() == 204;
    }

    /** GET the schedule; with {@code waitIndex >= 0}, a long poll for the first change after that index. */
    public Schedule schedule(String machineId, long waitIndex) throws IOException {
        String path = machinePath(machineId) + "/schedule" + (waitIndex >= 0 ? "?wait=true&waitIndex=" + waitIndex : "");
        Response r = call("GET", path, null, waitIndex >= 0 ? LONG_POLL_MILLIS : READ_MILLIS);
        if (r.status() != 200) {
            throw new IOException("schedule: HTTP " + r.status() + " " + r.body());
        }
        return parseSchedule(r.json());
    }

    /** PUT machines/ID/states: 204 stored; 409 the session does not hold the machine (register again). */
    public int reportStates(String machineId, String session, List<StateReport> states, List<String> removed) throws IOException {
        JsonArrayBuilder a = JSON.createArrayBuilder();
        for (StateReport s : states) {
            JsonObjectBuilder o = JSON.createObjectBuilder()
                    .add("name", s.name()).add("hash", s.hash())
                    .add("loadState", s.loadState()).add("activeState", s.activeState()).add("subState", s.subState())
                    .add("launched", s.launched());
            if (!s.result().isEmpty()) {
                o.add("result", s.result());
            }
            if (!s.invocationId().isEmpty()) {
                o.add("invocationID", s.invocationId());
            }
            a.add(o);
        }
        JsonArrayBuilder rm = JSON.createArrayBuilder();
        removed.forEach(rm::add);
        String body = JSON.createObjectBuilder().add("session", session).add("states", a).add("removed", rm).build().toString();
        return call("PUT", machinePath(machineId) + "/states", body, READ_MILLIS).status();
    }

    /** Parses a schedule answer. Units with an unknown desired state are skipped (a newer server). */
    static Schedule parseSchedule(JsonObject o) {
        Map<String, String> md = new LinkedHashMap<>();
        JsonObject mdo = o.getJsonObject("metadata");
        if (mdo != null) {
            mdo.forEach((k, v) -> md.put(k, v.getValueType() == JsonValue.ValueType.STRING ? ((jakarta.json.JsonString) v).getString() : v.toString()));
        }
        List<DesiredUnit> units = new ArrayList<>();
        JsonArray arr = o.getJsonArray("units");
        if (arr != null) {
            for (JsonValue v : arr) {
                JsonObject u = v.asJsonObject();
                DesiredState state = DesiredState.fromWire(u.getString("desiredState", "")).orElse(null);
                if (state == null) {
                    continue;
                }
                List<UnitOption> options = new ArrayList<>();
                JsonArray opts = u.getJsonArray("options");
                if (opts != null) {
                    for (JsonValue ov : opts) {
                        JsonObject op = ov.asJsonObject();
                        options.add(new UnitOption(op.getString("section"), op.getString("name"), op.getString("value")));
                    }
                }
                UnitFile file = UnitFile.of(options);
                units.add(new DesiredUnit(u.getString("name"), file.hash(), state, file, u.getBoolean("global", false)));
            }
        }
        return new Schedule(o.getJsonNumber("index").longValue(), md, units);
    }

    private static String machinePath(String machineId) {
        return "/fleet/agent/v1/machines/" + machineId;
    }

    /** One request with failover: each node at most once, starting from the one that answered last. */
    Response call(String method, String path, String body, int readMillis) throws IOException {
        List<String> failures = new ArrayList<>();
        List<URI> endpoints = this.endpoints;
        int start = preferred.get() % endpoints.size();
        for (int i = 0; i < endpoints.size(); i++) {
            int idx = (start + i) % endpoints.size();
            URI base = endpoints.get(idx);
            try {
                Response r = exchange(URI.create(base + path), method, body, readMillis);
                if (r.status() == 503) {
                    failures.add(base + ": 503 " + r.body().strip());
                    continue;
                }
                preferred.set(idx);
                return r;
            } catch (IOException e) {
                failures.add(base + ": " + e);
            }
        }
        throw new UnreachableException("no control-plane node answered " + method + " " + path + ": " + String.join("; ", failures));
    }

    private static Response exchange(URI uri, String method, String body, int readMillis) throws IOException {
        JsonHttp.Answer a = JsonHttp.exchange(uri, method, body, CONNECT_MILLIS, readMillis);
        return new Response(a.status(), a.body());
    }

}
