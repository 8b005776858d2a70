package dev.fleet.api.v1;

import static dev.fleet.json.Jsonp.JSON;

import dev.fleet.registry.Machine;
import dev.fleet.registry.PutOutcome;
import dev.fleet.registry.Registry;
import dev.fleet.registry.UnitRecord;
import dev.fleet.registry.UnitState;
import dev.fleet.unit.DesiredState;
import dev.fleet.unit.Requirements;
import dev.fleet.unit.UnitFile;
import dev.fleet.unit.UnitName;
import dev.fleet.unit.UnitOption;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
    static final int MAX_LINE = 2048;

    private final Registry registry;
    private final Runnable onUnitsChanged;

    /** {@code onUnitsChanged} runs after a successful write (to wake the engine early). */
    public FleetApi(Registry registry, Runnable onUnitsChanged) {
        this.registry = registry;
        this.onUnitsChanged = onUnitsChanged;
    }

    /** True if the path is one of ours (the resource answers everything else with 404). */
    public static boolean handles(String rawPath) {
        return PREFIX.matcher(rawPath).matches();
    }

    public ApiResponse handle(ApiRequest req) {
        try {
            return route(req);
        } catch (ApiJson.BadBody e) {
            return e.response();
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
            return switch (method) {
                case "GET" -> getUnit(name.get());
                case "PUT" -> putUnit(name.get(), req);
                case "DELETE" -> deleteUnit(name.get());
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
            page = PageToken.fromQuery(req.query().get("nextPageToken"));
        } catch (PageToken.Invalid e) {
            return ApiResponse.error(400, e.getMessage());
        }
        Registry.UnitPage units = registry.units(page.offset(), page.limit());
        JsonArrayBuilder items = JSON.createArrayBuilder();
        units.units().forEach(u -> items.add(unitJson(u)));
        return page(units.units().isEmpty() ? null : "units", items, page.next(units.total()));
    }

    private ApiResponse getUnit(String name) {
        return registry.unit(name).map(u -> ApiResponse.json(200, unitJson(u)))
                .orElseGet(() -> ApiResponse.error(404, "unit does not exist"));
    }

    private JsonObject unitJson(UnitRecord u) {
        JsonObjectBuilder o = JSON.createObjectBuilder().add("name", u.name());
        Optional<UnitFile> body = registry.body(u.hash());
        if (body.isPresent() && !body.get().options().isEmpty()) {
            JsonArrayBuilder opts = JSON.createArrayBuilder();
            for (UnitOption opt : body.get().options()) {
                opts.add(JSON.createObjectBuilder().add("section", opt.section()).add("name", opt.name()).add("value", opt.value()));
            }
            o.add("options", opts);
        }
        o.add("desiredState", u.desired().wire());
        String current = registry.currentState(u);
        if (current != null) {
            o.add("currentState", current);
        }
        if (u.target() != null) {
            o.add("machineID", u.target());
        }
        if (!u.global() && u.target() == null && u.desired() != DesiredState.INACTIVE) {
            registry.unplacedReason(u.name()).ifPresent(why -> o.add("reason", why));
        }
        return o.build();
    }

    private ApiResponse putUnit(String name, ApiRequest req) {
        if (!isJson(req.contentTypes())) {
            return ApiResponse.error(415, "expected Content-Type \"application/json\"");
        }
        JsonObject body = ApiJson.object(req.body());
        String bodyName = ApiJson.string(body, "name");
        String desiredText = ApiJson.string(body, "desiredState");
        List<UnitOption> options = options(body);
        if (bodyName != null && !bodyName.isEmpty() && !bodyName.equals(name)) {
            return ApiResponse.error(400, "name in URL \"" + name + "\" differs from unit name in request body \"" + bodyName + "\"");
        }
        Optional<String> bad = UnitName.validationError(name);
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
            Optional<String> invalid = invalidOptions(options);
            if (invalid.isPresent()) {
                return ApiResponse.error(400, invalid.get());
            }
            contents = UnitFile.of(options);
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

    /** Options must survive being written as a unit file: no line breaks, no over-long lines, a name. */
    static Optional<String> invalidOptions(List<UnitOption> options) {
        for (UnitOption o : options) {
            if (o.section().isEmpty() || o.name().isEmpty()) {
                return Optional.of("invalid unit option: section and name are required");
            }
            if (hasLineBreak(o.section()) || hasLineBreak(o.name()) || hasLineBreak(o.value())) {
                return Optional.of("invalid unit option " + o.section() + "." + o.name() + ": line breaks are not allowed");
            }
            if ((o.name() + "=" + o.value()).getBytes(StandardCharsets.UTF_8).length > MAX_LINE) {
                return Optional.of("line too long (max " + MAX_LINE + " bytes)");
            }
        }
        return Optional.empty();
    }

    private static boolean hasLineBreak(String s) {
        return s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0;
    }

    private static List<UnitOption> options(JsonObject body) {
        JsonValue v = body.get("options");
        List<UnitOption> out = new ArrayList<>();
        if (v == null || v == JsonValue.NULL) {
            return out;
        }
        if (!(v instanceof JsonArray a)) {
            throw new ApiJson.BadBody("field \"options\" must be a list");
        }
        for (JsonValue item : a) {
            JsonObject o = ApiJson.asObject(item, "each option");
            String section = ApiJson.string(o, "section");
            String name = ApiJson.string(o, "name");
            String value = ApiJson.string(o, "value");
            out.add(new UnitOption(section == null ? "" : section, name == null ? "" : name, value == null ? "" : value));
        }
        return out;
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
            return ApiResponse.error(404, "unit does not exist");
        }
        onUnitsChanged.run();
        return ApiResponse.empty(204);
    }

    // ------------------------------------------------------------------ states

    private ApiResponse listStates(ApiRequest req) {
        PageToken page;
        try {
            page = PageToken.fromQuery(req.query().get("nextPageToken"));
        } catch (PageToken.Invalid e) {
            return ApiResponse.error(400, e.getMessage());
        }
        String machine = req.first("machineID");
        String unit = req.first("unitName");
        List<UnitState> all = registry.states((u, m) -> (machine == null || machine.equals(m)) && (unit == null || unit.equals(u)));
        JsonArrayBuilder items = JSON.createArrayBuilder();
        List<UnitState> slice = page.slice(all);
        slice.forEach(s -> items.add(stateJson(s)));
        return page(slice.isEmpty() ? null : "states", items, page.next(all.size()));
    }

    private ApiResponse getState(String name) {
        return registry.states((u, m) -> u.equals(name)).stream().findFirst()
                .map(s -> ApiResponse.json(200, stateJson(s)))
                .orElseGet(() -> ApiResponse.error(404, "unit state does not exist"));
    }

    static JsonObject stateJson(UnitState s) {
        JsonObjectBuilder o = JSON.createObjectBuilder().add("name", s.name());
        addIfSet(o, "hash", s.hash());
        addIfSet(o, "machineID", s.machineId());
        addIfSet(o, "systemdLoadState", s.loadState());
        addIfSet(o, "systemdActiveState", s.activeState());
        addIfSet(o, "systemdSubState", s.subState());
        addIfSet(o, "systemdResult", s.result()); // ours: fleet clients ignore unknown fields
        addIfSet(o, "systemdInvocationID", s.invocationId());
        return o.build();
    }

    // ------------------------------------------------------------------ machines

    private ApiResponse listMachines(ApiRequest req) {
        PageToken page;
        try {
            page = PageToken.fromQuery(req.query().get("nextPageToken"));
        } catch (PageToken.Invalid e) {
            return ApiResponse.error(400, e.getMessage());
        }
        Registry.MachinePage machines = registry.machines(page.offset(), page.limit());
        JsonArrayBuilder items = JSON.createArrayBuilder();
        for (Machine m : machines.machines()) {
            JsonObjectBuilder o = JSON.createObjectBuilder().add("id", m.id());
            addIfSet(o, "primaryIP", m.publicIP());
            if (!m.metadata().isEmpty()) {
                JsonObjectBuilder md = JSON.createObjectBuilder();
                m.metadata().forEach(md::add);
                o.add("metadata", md);
            }
            items.add(o);
        }
        return page(machines.machines().isEmpty() ? null : "machines", items, page.next(machines.total()));
    }

    private ApiResponse patchMachines(ApiRequest req) {
        JsonArray ops = ApiJson.array(req.body(), "operations");
        List<Registry.MetadataChange> changes = new ArrayList<>();
        for (JsonValue item : ops) { // validate all, then apply all
            JsonObject o = ApiJson.asObject(item, "each operation");
            String op = ApiJson.string(o, "op");
            String path = ApiJson.string(o, "path");
            if (!"add".equals(op) && !"remove".equals(op) && !"replace".equals(op)) {
                return ApiResponse.error(400, "invalid op: expect add, remove, or replace");
            }
            Matcher pm = path == null ? null : METADATA_PATH.matcher(path);
            if (pm == null || !pm.matches() || pm.group(2).equals(".") || pm.group(2).equals("..")) {
                return ApiResponse.error(400, "machine metadata path invalid");
            }
            String value = metadataValue(o.get("value"));
            if (!"remove".equals(op) && (value == null || value.isEmpty())) {
                return ApiResponse.error(400, "invalid value: add and replace require a value");
            }
            changes.add(new Registry.MetadataChange(pm.group(1), pm.group(2), "remove".equals(op) ? null : value));
        }
        registry.patchMetadata(changes);
        onUnitsChanged.run();
        return new ApiResponse(204, null, true);
    }

    /** fleet's code takes {"value": {"value": "v"}}; its docs show a bare string. Both are accepted. */
    private static String metadataValue(JsonValue v) {
        if (v instanceof JsonString s) {
            return s.getString();
        }
        if (v instanceof JsonObject o && o.get("value") instanceof JsonString s) {
            return s.getString();
        }
        return null;
    }

    // ------------------------------------------------------------------ helpers

    private static ApiResponse page(String field, JsonArrayBuilder items, String next) {
        JsonObjectBuilder o = JSON.createObjectBuilder();
        if (field != null) {
            o.add(field, items);
        }
        if (next != null) {
            o.add("nextPageToken", next);
        }
        return ApiResponse.json(200, o.build());
    }

    private static void addIfSet(JsonObjectBuilder o, String key, String value) {
        if (value != null && !value.isEmpty()) {
            o.add(key, value);
        }
    }

    private static ApiResponse discovery() {
        return new ApiResponse(200, Discovery.document(), true);
    }
}
