package dev.fleet.api.v1;

import static dev.fleet.json.Jsonp.JSON;

import dev.fleet.registry.MachineRecord;
import dev.fleet.registry.Registry;
import dev.fleet.registry.UnitState;
import dev.fleet.unit.UnitName;
import dev.fleet.unit.UnitOption;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The endpoints agents use (ours; fleet's agents talked to etcd directly), under {@code /fleet/agent/v1}.
 * Documented in docs/agent-api.md. Pure: the JAX-RS resource adapts and does the long poll.
 */
public final class AgentApi {
    public static final Pattern MACHINE_ID = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$");
    private static final Pattern HASH = Pattern.compile("^[0-9a-f]{40}$");
    /** systemd's Result values are short lower-case words with dashes (success, exit-code, oom-kill, ...). */
    private static final Pattern RESULT = Pattern.compile("^[a-z0-9][a-z0-9-]{0,63}$");
    /** systemd's InvocationID: 128 bits as 32 hex digits. */
    private static final Pattern INVOCATION_ID = Pattern.compile("^[0-9a-fA-F]{32}$");
    static final long MIN_TTL = 1;
    static final long MAX_TTL = 3600;

    private final Registry registry;

    public AgentApi(Registry registry) {
        this.registry = registry;
    }

    /** PUT machines/{id}: register, or refresh this agent's registration (heartbeat). */
    public ApiResponse register(String machineId, ApiRequest req) {
        if (!MACHINE_ID.matcher(machineId).matches()) {
            return ApiResponse.error(400, "invalid machine ID");
        }
        JsonObject body = ApiJson.object(req.body());
        String session = ApiJson.string(body, "session");
        if (session == null || session.isEmpty() || session.length() > 128) {
            return ApiResponse.error(400, "session is required (1 to 128 characters)");
        }
        long ttl = body.get("ttl") instanceof JsonNumber n ? n.longValue() : 30;
        if (ttl < MIN_TTL || ttl > MAX_TTL) {
            return ApiResponse.error(400, "ttl must be between " + MIN_TTL + " and " + MAX_TTL + " seconds");
        }
        Map<String, String> metadata = new TreeMap<>();
        if (body.get("metadata") instanceof JsonObject md) {
            for (var e : md.entrySet()) {
                if (!(e.getValue() instanceof JsonString s)) {
                    return ApiResponse.error(400, "metadata values must be strings");
                }
                metadata.put(e.getKey(), s.getString());
            }
        }
        int agentPort = 0;
        JsonValue port = body.get("agentPort");
        if (port != null && port != JsonValue.NULL) {
            if (!(port instanceof JsonNumber n) || !n.isIntegral() || n.longValue() < 1 || n.longValue() > 65535) {
                return ApiResponse.error(400, "agentPort must be an integer between 1 and 65535");
            }
            agentPort = n.intValue();
        }
        String ip = ApiJson.string(body, "publicIP");
        MachineRecord m = new MachineRecord(machineId, ip == null ? "" : ip, metadata, ApiJson.string(body, "version"), session,
                ttl, agentPort);
        Registry.Presence p = registry.register(m);
        if (p instanceof Registry.Presence.Refused r) {
            return ApiResponse.error(409, r.message());
        }
        return ApiResponse.empty(p instanceof Registry.Presence.Registered ? 201 : 200);
    }

    /** DELETE machines/{id}?session=S: a clean shutdown; the engine moves the machine's units at once. */
    public ApiResponse deregister(String machineId, ApiRequest req) {
        String session = req.first("session");
        if (!MACHINE_ID.matcher(machineId).matches() || session == null) {
            return ApiResponse.error(400, "a valid machine ID and the session are required");
        }
        return registry.deregister(machineId, session) ? ApiResponse.empty(204)
                : ApiResponse.error(404, "machine " + machineId + " is not registered by this session");
    }

    /** GET machines/{id}/schedule: what this machine must run, with the index to wait from. */
    public ApiResponse schedule(String machineId) {
        if (!MACHINE_ID.matcher(machineId).matches()) {
            return ApiResponse.error(400, "invalid machine ID");
        }
        Registry.MachineSchedule s = registry.schedule(machineId);
        JsonArrayBuilder units = JSON.createArrayBuilder();
        for (Registry.ScheduledUnit u : s.units()) {
            JsonObjectBuilder o = JSON.createObjectBuilder().add("name", u.name()).add("hash", u.hash())
                    .add("desiredState", u.desired().wire());
            if (u.global()) {
                o.add("global", true);
            }
            JsonArrayBuilder opts = JSON.createArrayBuilder();
            if (u.contents() != null) {
                for (UnitOption opt : u.contents().options()) {
                    opts.add(JSON.createObjectBuilder().add("section", opt.section()).add("name", opt.name()).add("value", opt.value()));
                }
            }
            units.add(o.add("options", opts));
        }
        JsonObjectBuilder md = JSON.createObjectBuilder();
        s.metadata().forEach(md::add);
        return ApiResponse.json(200, JSON.createObjectBuilder().add("machineID", machineId).add("index", s.index())
                .add("metadata", md).add("units", units).build());
    }

    /** PUT machines/{id}/states: set and remove this machine's unit states in one transaction. */
    public ApiResponse reportStates(String machineId, ApiRequest req) {
        if (!MACHINE_ID.matcher(machineId).matches()) {
            return ApiResponse.error(400, "invalid machine ID");
        }
        JsonObject body = ApiJson.object(req.body());
        List<UnitState> set = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        try {
            if (body.get("states") instanceof jakarta.json.JsonArray a) {
                for (JsonValue v : a) {
                    JsonObject s = ApiJson.asObject(v, "each state");
                    String name = ApiJson.string(s, "name");
                    String hash = ApiJson.string(s, "hash");
                    if (name == null || !UnitName.isValid(name)) {
                        return ApiResponse.error(400, "invalid unit name " + name);
                    }
                    if (hash == null || !HASH.matcher(hash).matches()) {
                        return ApiResponse.error(400, "unit " + name + ": hash must be 40 lowercase hex characters");
                    }
                    String result = orEmpty(ApiJson.string(s, "result"));
                    if (!result.isEmpty() && !RESULT.matcher(result).matches()) {
                        return ApiResponse.error(400, "unit " + name + ": result must be systemd's Result (a word such as exit-code)");
                    }
                    String invocation = orEmpty(ApiJson.string(s, "invocationID"));
                    if (!invocation.isEmpty() && !INVOCATION_ID.matcher(invocation).matches()) {
                        return ApiResponse.error(400, "unit " + name + ": invocationID must be 32 hex digits");
                    }
                    set.add(new UnitState(name, machineId, hash, orEmpty(ApiJson.string(s, "loadState")),
                            orEmpty(ApiJson.string(s, "activeState")), orEmpty(ApiJson.string(s, "subState")),
                            s.getBoolean("launched", false), result, invocation.toLowerCase(java.util.Locale.ROOT)));
                }
            }
            if (body.get("removed") instanceof jakarta.json.JsonArray a) {
                for (JsonValue v : a) {
                    String name = ((JsonString) v).getString();
                    if (!UnitName.isValid(name)) {
                        return ApiResponse.error(400, "invalid unit name " + name);
                    }
                    removed.add(name);
                }
            }
        } catch (ClassCastException e) {
            throw new ApiJson.BadBody("\"removed\" must be a list of unit names");
        }
        String session = ApiJson.string(body, "session");
        if (session == null || !registry.reportStates(machineId, session, set, removed)) {
            return ApiResponse.error(409, "machine " + machineId + " is not registered by this session: register again");
        }
        return ApiResponse.empty(204);
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
