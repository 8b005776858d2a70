package dev.fleet.api.v1;

import dev.fleet.node.NodeLimits;
import dev.fleet.registry.PutOutcome;
import dev.fleet.registry.Registry;
import dev.fleet.registry.UnitRecord;
import dev.fleet.schema.UnitState;
import dev.fleet.schema.Codec;
import dev.fleet.schema.Machine;
import dev.fleet.schema.MetadataOp;
import dev.fleet.schema.Page;
import dev.fleet.schema.SchemaException;
import dev.fleet.schema.Unit;
import dev.fleet.unit.DesiredState;
import dev.fleet.unit.Requirements;
import dev.fleet.unit.UnitFile;
import dev.fleet.unit.UnitName;
import dev.fleet.unit.UnitOption;
import dev.fleet.unit.UnitValidation;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * fleet's HTTP API v1 as a pure function of a request and the registry: routing, validation, status codes,
 * error JSON, omit-empty entities and paging. The JAX-RS resource only adapts. Served under {@code /fleet/v1}
 * and the alias {@code /v1-alpha}.
 */
public final class FleetApi {
    private static final Pattern PREFIX = Pattern.compile("^/(?:fleet/v1|v1-alpha)(/.*)?$");
    private static final Pattern METADATA_PATH = Pattern.compile("^/([A-Za-z0-9_-]+)/metadata/([A-Za-z0-9_.-]+)$");

    private final Registry registry;
    private final Runnable onUnitsChanged;
    private final int tokenLimit;
    private final NodeLimits limits;

    /** {@code onUnitsChanged} runs after a successful write (to wake the engine early); pages of 100. */
    public FleetApi(Registry registry, Runnable onUnitsChanged) {
        this(registry, onUnitsChanged, PageToken.LIMIT);
    }

    /** As above, with pages of {@code tokenLimit} items (fleet's {@code token_limit}). */
    public FleetApi(Registry registry, Runnable onUnitsChanged, int tokenLimit) {
        this(registry, onUnitsChanged, tokenLimit, NodeLimits.DEFAULTS);
    }

    /** As above, with the node's request limits (unit file size and options, PATCH ops, metadata). */
    public FleetApi(Registry registry, Runnable onUnitsChanged, int tokenLimit, NodeLimits limits) {
        if (tokenLimit < 1 || tokenLimit > 0xFFFF) {
            throw new IllegalArgumentException("token limit " + tokenLimit + " does not fit a page token (1..65535)");
        }
        this.registry = registry;
        this.onUnitsChanged = onUnitsChanged;
        this.tokenLimit = tokenLimit;
        this.limits = limits;
    }

    /** True if the path is one of ours (the resource answers everything else with 404). */
    public static boolean handles(String rawPath) {
        return PREFIX.matcher(rawPath).matches();
    }

    public ApiResponse handle(ApiRequest req) {
        try {
            return route(req);
        } catch (SchemaException e) {
            return badBody(e);
        }
    }

    private ApiResponse route(ApiRequest req) {
        Matcher m = PREFIX.matcher(req.rawPath());
        if (!m.matches()) {
            return ApiResponse.error(404, "not found");
        }
        String rest = m.group(1) == null ? "" : m.group(1);
        String method = req.method();
        switch (rest) {
            case "":
                return ApiResponse.error(405, "");
            case "/discovery":
                return "GET".equals(method) ? discovery() : ApiResponse.error(405, "only GET supported against this resource");
            case "/machines":
                return switch (method) {
                    case "GET" -> listMachines(req);
                    case "PATCH" -> patchMachines(req);
                    default -> ApiResponse.error(405, "only GET and PATCH supported against this resource");
                };
            case "/units":
                return "GET".equals(method) ? listUnits(req) : ApiResponse.error(405, "only GET supported against this resource");
            case "/state":
                return "GET".equals(method) ? listStates(req) : ApiResponse.error(405, "only GET supported against this resource");
            default:
                break;
        }
        if (rest.startsWith("/units/")) {
            Optional<String> name = item(rest, "/units/");
            if (name.isEmpty()) {
                return ApiResponse.error(404, "not found");
            }
            // a name that is not a unit name (%2F, NUL, "..") cannot exist: 404 as fleet for reads and
            // deletes, before it reaches the store's key paths; PUT says why (400)
            boolean cannotExist = !UnitName.isValid(name.get());
            return switch (method) {
                case "GET" -> cannotExist ? noSuchUnit() : getUnit(name.get());
                case "PUT" -> putUnit(name.get(), req);
                case "DELETE" -> cannotExist ? noSuchUnit() : deleteUnit(name.get());
                default -> ApiResponse.error(405, "only GET, PUT and DELETE supported against this resource");
            };
        }
        if (rest.startsWith("/state/")) {
            Optional<String> name = item(rest, "/state/");
            if (name.isEmpty()) {
                return ApiResponse.error(404, "not found");
            }
            return "GET".equals(method) ? getState(name.get()) : ApiResponse.error(405, "only GET supported against this resource");
        }
        return ApiResponse.error(404, "not found");
    }

    /** A request body the API cannot decode: fleet's 400. */
    static ApiResponse badBody(SchemaException e) {
        return ApiResponse.error(400, "unable to decode body: " + e.getMessage());
    }

    /** The single path segment after {@code prefix}, decoded; empty for sub-resources and trailing slashes. */
    private static Optional<String> item(String rest, String prefix) {
        String raw = rest.substring(prefix.length());
        if (raw.isEmpty() || raw.contains("/")) {
            return Optional.empty();
        }
        return Optional.of(ApiRequest.decode(raw));
    }

    // ------------------------------------------------------------------ units

    private ApiResponse listUnits(ApiRequest req) {
        PageToken page;
        try {
            page = PageToken.fromQuery(req.query().get("nextPageToken"), tokenLimit);
        } catch (PageToken.Invalid e) {
            return ApiResponse.error(400, e.getMessage());
        }
        Registry.UnitPage units = registry.units(page.offset(), page.limit());
        List<Unit> items = new ArrayList<>(units.units().size());
        units.units().forEach(u -> items.add(unit(u)));
        return ApiResponse.json(200, Codec.unitPage(new Page<>(items, page.next(units.total()))));
    }

    private ApiResponse getUnit(String name) {
        return registry.unit(name).map(u -> ApiResponse.json(200, Codec.unit(unit(u))))
                .orElseGet(FleetApi::noSuchUnit);
    }

    private static ApiResponse noSuchUnit() {
        return ApiResponse.error(404, "unit does not exist");
    }

    /** A unit as API v1 shows it: its file, states, machine, and why it has none when it wants one. */
    private Unit unit(UnitRecord u) {
        List<UnitOption> options = registry.body(u.hash()).map(UnitFile::options).orElse(List.of());
        String reason = null;
        if (!u.global() && u.target() == null && u.desired() != DesiredState.INACTIVE) {
            reason = registry.unplacedReason(u.name()).orElse(null);
        }
        return new Unit(u.name(), options, u.desired().wire(), registry.currentState(u), u.target(), reason);
    }

    private ApiResponse putUnit(String name, ApiRequest req) {
        if (!isJson(req.contentTypes())) {
            return ApiResponse.error(415, "expected Content-Type \"application/json\"");
        }
        Unit body = Codec.readUnit(req.text());
        String bodyName = body.name();
        String desiredText = body.desiredState();
        List<UnitOption> options = body.options();
        if (bodyName != null && !bodyName.isEmpty() && !bodyName.equals(name)) {
            return ApiResponse.error(400, "name in URL \"" + name + "\" differs from unit name in request body \"" + bodyName + "\"");
        }
        Optional<String> bad = UnitValidation.nameError(name);
        if (bad.isPresent()) {
            return ApiResponse.error(400, bad.get());
        }
        DesiredState desired = null;
        if (desiredText != null && !desiredText.isEmpty()) {
            desired = DesiredState.fromWire(desiredText).orElse(null);
            if (desired == null) { // fleet stored any string here and broke later reads
                return ApiResponse.error(400, "invalid desiredState \"" + desiredText + "\": expected inactive, loaded or launched");
            }
        }
        UnitFile contents = null;
        if (!options.isEmpty()) {
            if (options.size() > limits.unitOptions()) {
                return ApiResponse.error(400, "unit has " + options.size() + " options; the limit is "
                        + limits.unitOptions() + " (limit_unit_options)");
            }
            Optional<String> invalid = UnitValidation.optionsError(options);
            if (invalid.isPresent()) {
                return ApiResponse.error(400, invalid.get());
            }
            contents = UnitFile.of(options);
            int size = contents.canonical().getBytes(StandardCharsets.UTF_8).length;
            if (size > limits.unitFileBytes()) {
                return ApiResponse.error(413, "unit file is " + size + " bytes; the limit is " + limits.unitFileBytes()
                        + " (limit_unit_file_bytes)");
            }
            List<String> problems = Requirements.validate(contents);
            if (!problems.isEmpty()) {
                return ApiResponse.error(400, problems.get(0)); // fleet reports the first
            }
        }
        PutOutcome out = registry.putUnit(name, contents, desired);
        if (out instanceof PutOutcome.Refused r) {
            return ApiResponse.error(r.status(), r.message());
        }
        onUnitsChanged.run();
        return ApiResponse.empty(out instanceof PutOutcome.Created ? 201 : 204);
    }

    /** Exactly one Content-Type header of type application/json (parameters allowed), as fleet. */
    static boolean isJson(List<String> contentTypes) {
        if (contentTypes.size() != 1) {
            return false;
        }
        String type = contentTypes.get(0).split(";", 2)[0].trim();
        return type.equalsIgnoreCase("application/json");
    }

    private ApiResponse deleteUnit(String name) {
        if (!registry.destroy(name)) {
            return noSuchUnit();
        }
        onUnitsChanged.run();
        return ApiResponse.empty(204);
    }

    // ------------------------------------------------------------------ states

    private ApiResponse listStates(ApiRequest req) {
        PageToken page;
        try {
            page = PageToken.fromQuery(req.query().get("nextPageToken"), tokenLimit);
        } catch (PageToken.Invalid e) {
            return ApiResponse.error(400, e.getMessage());
        }
        String machine = req.first("machineID");
        String unit = req.first("unitName");
        List<UnitState> all = registry.states((u, m) -> (machine == null || machine.equals(m)) && (unit == null || unit.equals(u)));
        return ApiResponse.json(200, Codec.statePage(new Page<>(page.slice(all), page.next(all.size()))));
    }

    private ApiResponse getState(String name) {
        return registry.states((u, m) -> u.equals(name)).stream().findFirst()
                .map(s -> ApiResponse.json(200, Codec.state(s)))
                .orElseGet(() -> ApiResponse.error(404, "unit state does not exist"));
    }


    // ------------------------------------------------------------------ machines

    private ApiResponse listMachines(ApiRequest req) {
        PageToken page;
        try {
            page = PageToken.fromQuery(req.query().get("nextPageToken"), tokenLimit);
        } catch (PageToken.Invalid e) {
            return ApiResponse.error(400, e.getMessage());
        }
        Registry.MachinePage machines = registry.machines(page.offset(), page.limit());
        return ApiResponse.json(200, Codec.machinePage(new Page<>(machines.machines(), page.next(machines.total()))));
    }

    private ApiResponse patchMachines(ApiRequest req) {
        List<Registry.MetadataChange> changes = new ArrayList<>();
        List<MetadataOp> patch = Codec.readMetadataPatch(req.text());
        if (patch.size() > limits.patchOps()) {
            return ApiResponse.error(400, "PATCH has " + patch.size() + " operations; the limit is " + limits.patchOps()
                    + " (limit_patch_ops)");
        }
        for (MetadataOp o : patch) { // validate all, then apply all
            String op = o.op();
            String path = o.path();
            if (!"add".equals(op) && !"remove".equals(op) && !"replace".equals(op)) {
                return ApiResponse.error(400, "invalid op: expect add, remove, or replace");
            }
            Matcher pm = path == null ? null : METADATA_PATH.matcher(path);
            if (pm == null || !pm.matches() || pm.group(2).equals(".") || pm.group(2).equals("..")) {
                return ApiResponse.error(400, "machine metadata path invalid");
            }
            String value = o.value();
            if (!"remove".equals(op) && (value == null || value.isEmpty())) {
                return ApiResponse.error(400, "invalid value: add and replace require a value");
            }
            Optional<String> tooLong = metadataLengthError(pm.group(2), value, limits);
            if (tooLong.isPresent()) {
                return ApiResponse.error(400, tooLong.get());
            }
            changes.add(new Registry.MetadataChange(pm.group(1), pm.group(2), "remove".equals(op) ? null : value));
        }
        Optional<String> tooMany = metadataCountError(changes);
        if (tooMany.isPresent()) {
            return ApiResponse.error(400, tooMany.get());
        }
        registry.patchMetadata(changes);
        onUnitsChanged.run();
        return new ApiResponse(204, null, true);
    }

    /** A metadata key or value past its length limit (null value: a remove); shared with the agent API. */
    static Optional<String> metadataLengthError(String key, String value, NodeLimits limits) {
        if (key.length() > limits.metadataKeyLength()) {
            return Optional.of("metadata key is " + key.length() + " characters; the limit is "
                    + limits.metadataKeyLength() + " (limit_metadata_key_length)");
        }
        if (value != null && value.length() > limits.metadataValueLength()) {
            return Optional.of("metadata value of " + key + " is " + value.length() + " characters; the limit is "
                    + limits.metadataValueLength() + " (limit_metadata_value_length)");
        }
        return Optional.empty();
    }

    /** Each machine's merged metadata after the patch must stay within the entries limit (removes count too). */
    private Optional<String> metadataCountError(List<Registry.MetadataChange> changes) {
        Map<String, Map<String, String>> after = new LinkedHashMap<>();
        for (Registry.MetadataChange c : changes) {
            Map<String, String> m = after.computeIfAbsent(c.machineId(), id -> new java.util.TreeMap<>(registry.metadataOf(id)));
            if (c.value() == null) {
                m.remove(c.key());
            } else {
                m.put(c.key(), c.value());
            }
        }
        for (Map.Entry<String, Map<String, String>> e : after.entrySet()) {
            if (e.getValue().size() > limits.metadataEntries()) {
                return Optional.of("machine " + e.getKey() + " would have " + e.getValue().size()
                        + " metadata entries; the limit is " + limits.metadataEntries() + " (limit_metadata_entries)");
            }
        }
        return Optional.empty();
    }

    // ------------------------------------------------------------------ helpers

    private static ApiResponse discovery() {
        return new ApiResponse(200, Discovery.document(), true);
    }
}
