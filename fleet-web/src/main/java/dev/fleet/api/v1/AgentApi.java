package dev.fleet.api.v1;

import dev.fleet.node.NodeLimits;
import dev.fleet.registry.Registry;
import dev.fleet.schema.UnitState;
import dev.fleet.schema.Codec;
import dev.fleet.schema.Presence;
import dev.fleet.schema.Schedule;
import dev.fleet.schema.StateReport;
import dev.fleet.unit.UnitName;
import dev.fleet.unit.UnitOption;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The endpoints agents use (ours; fleet's agents talked to etcd directly), under {@code /fleet/agent/v1}.
 * Documented in docs/agent-api.md. Pure: the JAX-RS resource adapts and does the long poll. Bodies are the wire
 * contract's records ({@link Codec}); this class validates what they say.
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

    /** The TTL of a registration that gives none, unless the node's {@code agent_ttl} says otherwise. */
    public static final long DEFAULT_TTL = 30;

    private final Registry registry;
    private final long defaultTtl;
    private final NodeLimits limits;

    public AgentApi(Registry registry) {
        this(registry, DEFAULT_TTL);
    }

    /** {@code defaultTtlSeconds}: the TTL of a registration without {@code ttl} (the node's {@code agent_ttl}). */
    public AgentApi(Registry registry, long defaultTtlSeconds) {
        this(registry, defaultTtlSeconds, NodeLimits.DEFAULTS);
    }

    /** As above, with the node's limits on a registration's metadata. */
    public AgentApi(Registry registry, long defaultTtlSeconds, NodeLimits limits) {
        this.registry = registry;
        this.defaultTtl = defaultTtlSeconds;
        this.limits = limits;
    }

    /** PUT machines/{id}: register, or refresh this agent's registration (heartbeat). */
    public ApiResponse register(String machineId, ApiRequest req) {
        if (!MACHINE_ID.matcher(machineId).matches()) {
            return ApiResponse.error(400, "invalid machine ID");
        }
        Presence p = Codec.readRegistration(req.text(), machineId, defaultTtl);
        if (p.session() == null || p.session().isEmpty() || p.session().length() > 128) {
            return ApiResponse.error(400, "session is required (1 to 128 characters)");
        }
        if (p.ttlSeconds() < MIN_TTL || p.ttlSeconds() > MAX_TTL) {
            return ApiResponse.error(400, "ttl must be between " + MIN_TTL + " and " + MAX_TTL + " seconds");
        }
        if (p.metadata().size() > limits.metadataEntries()) {
            return ApiResponse.error(400, "registration has " + p.metadata().size() + " metadata entries; the limit is "
                    + limits.metadataEntries() + " (limit_metadata_entries)");
        }
        for (var e : p.metadata().entrySet()) {
            var tooLong = FleetApi.metadataLengthError(e.getKey(), e.getValue(), limits);
            if (tooLong.isPresent()) {
                return ApiResponse.error(400, tooLong.get());
            }
        }
        Registry.Registration presence = registry.register(p);
        if (presence instanceof Registry.Registration.Refused r) {
            return ApiResponse.error(409, r.message());
        }
        if (presence instanceof Registry.Registration.OverLimit o) {
            return ApiResponse.error(400, o.message());
        }
        return ApiResponse.empty(presence instanceof Registry.Registration.Registered ? 201 : 200);
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
        List<Schedule.Entry> units = new ArrayList<>(s.units().size());
        for (Registry.ScheduledUnit u : s.units()) {
            List<UnitOption> options = u.contents() == null ? List.of() : u.contents().options();
            units.add(new Schedule.Entry(u.name(), u.hash(), u.desired().wire(), u.global(), options, u.launch()));
        }
        return ApiResponse.json(200, Codec.schedule(new Schedule(machineId, s.index(), s.metadata(), units)));
    }

    /** PUT machines/{id}/states: set and remove this machine's unit states in one transaction. */
    public ApiResponse reportStates(String machineId, ApiRequest req) {
        if (!MACHINE_ID.matcher(machineId).matches()) {
            return ApiResponse.error(400, "invalid machine ID");
        }
        StateReport report = Codec.readStateReport(req.text(), machineId);
        List<UnitState> set = new ArrayList<>();
        for (UnitState s : report.states()) {
            String name = s.name();
            if (name == null || !UnitName.isValid(name)) {
                return ApiResponse.error(400, "invalid unit name " + name);
            }
            if (!HASH.matcher(s.hash()).matches()) {
                return ApiResponse.error(400, "unit " + name + ": hash must be 40 lowercase hex characters");
            }
            if (!s.result().isEmpty() && !RESULT.matcher(s.result()).matches()) {
                return ApiResponse.error(400, "unit " + name + ": result must be systemd's Result (a word such as exit-code)");
            }
            if (!s.invocationId().isEmpty() && !INVOCATION_ID.matcher(s.invocationId()).matches()) {
                return ApiResponse.error(400, "unit " + name + ": invocationID must be 32 hex digits");
            }
            if (s.launch() < 0) {
                return ApiResponse.error(400, "unit " + name + ": launch must be a launch number (0 or more)");
            }
            set.add(new UnitState(name, machineId, s.hash(), s.loadState(), s.activeState(), s.subState(), s.launched(),
                    s.result(), s.invocationId().toLowerCase(Locale.ROOT), s.launch())); // one spelling of an ID
        }
        for (String name : report.removed()) {
            if (!UnitName.isValid(name)) {
                return ApiResponse.error(400, "invalid unit name " + name);
            }
        }
        if (report.session() == null || !registry.reportStates(machineId, report.session(), set, report.removed())) {
            return ApiResponse.error(409, "machine " + machineId + " is not registered by this session: register again");
        }
        return ApiResponse.empty(204);
    }
}
