package dev.fleet.schema;

import dev.fleet.unit.UnitOption;
import jakarta.json.JsonException;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonGenerator;
import jakarta.json.stream.JsonGeneratorFactory;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParser.Event;
import jakarta.json.stream.JsonParserFactory;

import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one JSON codec of the wire contract: every entity of API v1 and of the agent API, written and read with JSON-P's
 * streaming generator and parser (no object model, no reflection: cheap for fleetctl's start-up and for the server's
 * hot paths). Writers leave out empty fields as fleet does; readers skip unknown fields (a newer peer), treat JSON
 * null as absent, and throw {@link SchemaException} with a message fit for a 400 on anything else.
 */
public final class Codec {
    private Codec() {
    }

    /** The JSON-P provider the codec uses (looked up once: the service-loader look-up is costly). */
    public static JsonProvider provider() {
        return Factories.PROVIDER;
    }

    /** Initialised on first use, so that fleetctl can set JSON-P up on a thread of its own while a request is under way. */
    private static final class Factories {
        static final JsonProvider PROVIDER = JsonProvider.provider();
        static final JsonGeneratorFactory GENERATORS = PROVIDER.createGeneratorFactory(Map.of());
        static final JsonParserFactory PARSERS = PROVIDER.createParserFactory(Map.of());
    }

    // ============================================================================================ writing

    /** A JSON text written by {@code body} through one generator. */
    private interface Body {
        void write(JsonGenerator g);
    }

    private static String write(Body body) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = Factories.GENERATORS.createGenerator(out)) {
            body.write(g);
        }
        return out.toString();
    }

    private static void writeIfSet(JsonGenerator g, String key, String value) {
        if (value != null && !value.isEmpty()) {
            g.write(key, value);
        }
    }

    private static void writeOptions(JsonGenerator g, List<UnitOption> options) {
        g.writeStartArray("options");
        for (UnitOption o : options) {
            g.writeStartObject().write("section", o.section()).write("name", o.name()).write("value", o.value()).writeEnd();
        }
        g.writeEnd();
    }

    private static void writeMap(JsonGenerator g, String key, Map<String, String> map) {
        g.writeStartObject(key);
        map.forEach(g::write);
        g.writeEnd();
    }

    /** fleet's error entity. */
    public static String error(ApiError e) {
        return write(g -> g.writeStartObject().writeStartObject("error").write("code", e.code()).write("message", e.message())
                .writeEnd().writeEnd());
    }

    private static void writeUnit(JsonGenerator g, Unit u) {
        g.writeStartObject().write("name", u.name());
        if (!u.options().isEmpty()) {
            writeOptions(g, u.options());
        }
        writeIfSet(g, "desiredState", u.desiredState());
        writeIfSet(g, "currentState", u.currentState());
        writeIfSet(g, "machineID", u.machineID());
        writeIfSet(g, "reason", u.reason());
        g.writeEnd();
    }

    /** A unit entity, or a PUT body (name, options if any, desiredState if set). */
    public static String unit(Unit u) {
        return write(g -> writeUnit(g, u));
    }

    private static void writeState(JsonGenerator g, UnitState s) {
        g.writeStartObject().write("name", s.name());
        writeIfSet(g, "hash", s.hash());
        writeIfSet(g, "machineID", s.machineId());
        writeIfSet(g, "systemdLoadState", s.loadState());
        writeIfSet(g, "systemdActiveState", s.activeState());
        writeIfSet(g, "systemdSubState", s.subState());
        writeIfSet(g, "systemdResult", s.result()); // ours: fleet clients ignore unknown fields
        writeIfSet(g, "systemdInvocationID", s.invocationId());
        g.writeEnd();
    }

    /** API v1's unit state. */
    public static String state(UnitState s) {
        return write(g -> writeState(g, s));
    }

    private static void writeMachine(JsonGenerator g, Machine m) {
        g.writeStartObject().write("id", m.id());
        writeIfSet(g, "primaryIP", m.primaryIP());
        if (!m.metadata().isEmpty()) {
            writeMap(g, "metadata", m.metadata());
        }
        g.writeEnd();
    }

    /** A page of API v1 units: {@code {"units":[...],"nextPageToken":T}}; an empty page has no {@code units}. */
    public static String unitPage(Page<Unit> page) {
        return writePage("units", page, Codec::writeUnit);
    }

    public static String statePage(Page<UnitState> page) {
        return writePage("states", page, Codec::writeState);
    }

    public static String machinePage(Page<Machine> page) {
        return writePage("machines", page, Codec::writeMachine);
    }

    private interface ItemWriter<T> {
        void write(JsonGenerator g, T item);
    }

    private static <T> String writePage(String field, Page<T> page, ItemWriter<T> item) {
        return write(g -> {
            g.writeStartObject();
            if (!page.items().isEmpty()) {
                g.writeStartArray(field);
                for (T t : page.items()) {
                    item.write(g, t);
                }
                g.writeEnd();
            }
            writeIfSet(g, "nextPageToken", page.nextPageToken());
            g.writeEnd();
        });
    }

    /** {@code PATCH /fleet/v1/machines}'s body, each value in fleet's client's form {@code {"value": {"value": V}}}. */
    public static String metadataPatch(List<MetadataOp> ops) {
        return write(g -> {
            g.writeStartArray();
            for (MetadataOp op : ops) {
                g.writeStartObject().write("op", op.op()).write("path", op.path());
                if (op.value() != null) {
                    g.writeStartObject("value").write("value", op.value()).writeEnd();
                }
                g.writeEnd();
            }
            g.writeEnd();
        });
    }

    /** An agent's registration (the machine ID is in the URL): session, metadata, version, ttl, publicIP, agentPort. */
    public static String registration(Presence p) {
        return write(g -> {
            g.writeStartObject().write("session", p.session());
            writeMap(g, "metadata", p.metadata());
            g.write("version", p.version()).write("ttl", p.ttlSeconds());
            writeIfSet(g, "publicIP", p.publicIP());
            if (p.agentPort() > 0) {
                g.write("agentPort", p.agentPort());
            }
            g.writeEnd();
        });
    }

    /** A presence as the registry stores it (with its ID; agentPort only when there is one). */
    public static String storedPresence(Presence p) {
        return write(g -> {
            g.writeStartObject().write("id", p.id()).write("publicIP", p.publicIP());
            writeMap(g, "metadata", p.metadata());
            g.write("version", p.version()).write("session", p.session()).write("ttl", p.ttlSeconds());
            if (p.agentPort() > 0) {
                g.write("agentPort", p.agentPort());
            }
            g.writeEnd();
        });
    }

    public static String schedule(Schedule s) {
        return write(g -> {
            g.writeStartObject().write("machineID", s.machineID()).write("index", s.index());
            writeMap(g, "metadata", s.metadata());
            g.writeStartArray("units");
            for (Schedule.Entry u : s.units()) {
                g.writeStartObject().write("name", u.name()).write("hash", u.hash()).write("desiredState", u.desiredState());
                if (u.global()) {
                    g.write("global", true);
                }
                if (u.launch() > 0) {
                    g.write("launch", u.launch());
                }
                writeOptions(g, u.options());
                g.writeEnd();
            }
            g.writeEnd().writeEnd();
        });
    }

    /** One reported state in the agent API's names; the registry stores it the same way, without the name. */
    private static void writeReported(JsonGenerator g, UnitState s, boolean withName) {
        g.writeStartObject();
        if (withName) {
            g.write("name", s.name());
        }
        g.write("hash", s.hash()).write("loadState", s.loadState()).write("activeState", s.activeState())
                .write("subState", s.subState()).write("launched", s.launched());
        writeIfSet(g, "result", s.result());
        writeIfSet(g, "invocationID", s.invocationId());
        if (s.launch() > 0) {
            g.write("launch", s.launch());
        }
        g.writeEnd();
    }

    public static String stateReport(StateReport r) {
        return write(g -> {
            g.writeStartObject().write("session", r.session()).writeStartArray("states");
            r.states().forEach(s -> writeReported(g, s, true));
            g.writeEnd().writeStartArray("removed");
            r.removed().forEach(g::write);
            g.writeEnd().writeEnd();
        });
    }

    /** A unit state as the registry stores it under its machine and unit name. */
    public static String storedState(UnitState s) {
        return write(g -> writeReported(g, s, false));
    }

    // ============================================================================================ reading

    /** A unit entity or a PUT body. */
    public static Unit readUnit(String json) {
        try (In in = new In(json)) {
            Unit u = readUnit(in, in.next());
            in.end();
            return u;
        }
    }

    private static Unit readUnit(In in, Event first) {
        in.expectObject(first, "expected a JSON object");
        String name = null;
        String desired = null;
        String current = null;
        String machine = null;
        String reason = null;
        List<UnitOption> options = List.of();
        for (String key; (key = in.key()) != null; ) {
            switch (key) {
                case "name" -> name = in.string(key);
                case "desiredState" -> desired = in.string(key);
                case "currentState" -> current = in.string(key);
                case "machineID" -> machine = in.string(key);
                case "reason" -> reason = in.string(key);
                case "options" -> options = readOptions(in);
                default -> in.skip();
            }
        }
        return new Unit(name, options, desired, current, machine, reason);
    }

    private static List<UnitOption> readOptions(In in) {
        List<UnitOption> out = new ArrayList<>();
        if (!in.startArray("field \"options\" must be a list")) {
            return out;
        }
        for (Event e; (e = in.next()) != Event.END_ARRAY; ) {
            in.expectObject(e, "each option must be an object");
            String section = null;
            String name = null;
            String value = null;
            for (String key; (key = in.key()) != null; ) {
                switch (key) {
                    case "section" -> section = in.string(key);
                    case "name" -> name = in.string(key);
                    case "value" -> value = in.string(key);
                    default -> in.skip();
                }
            }
            out.add(new UnitOption(section == null ? "" : section, name == null ? "" : name, value == null ? "" : value));
        }
        return out;
    }

    private static UnitState readState(In in, Event first) {
        in.expectObject(first, "each state must be an object");
        String name = null;
        String hash = null;
        String machine = null;
        String load = null;
        String active = null;
        String sub = null;
        String result = null;
        String invocation = null;
        for (String key; (key = in.key()) != null; ) {
            switch (key) {
                case "name" -> name = in.string(key);
                case "hash" -> hash = in.string(key);
                case "machineID" -> machine = in.string(key);
                case "systemdLoadState" -> load = in.string(key);
                case "systemdActiveState" -> active = in.string(key);
                case "systemdSubState" -> sub = in.string(key);
                case "systemdResult" -> result = in.string(key);
                case "systemdInvocationID" -> invocation = in.string(key);
                default -> in.skip();
            }
        }
        return new UnitState(name, machine, hash, load, active, sub, false, result, invocation);
    }

    /** API v1's unit state. */
    public static UnitState readState(String json) {
        try (In in = new In(json)) {
            UnitState s = readState(in, in.next());
            in.end();
            return s;
        }
    }

    private static Machine readMachine(In in, Event first) {
        in.expectObject(first, "each machine must be an object");
        String id = null;
        String ip = null;
        Map<String, String> md = Map.of();
        for (String key; (key = in.key()) != null; ) {
            switch (key) {
                case "id" -> id = in.string(key);
                case "primaryIP" -> ip = in.string(key);
                case "metadata" -> md = readStringMap(in, "metadata values must be strings");
                default -> in.skip();
            }
        }
        return new Machine(id, ip, md);
    }

    private interface ItemReader<T> {
        T read(In in, Event first);
    }

    public static Page<Unit> readUnitPage(String json) {
        return readPage(json, "units", Codec::readUnit);
    }

    public static Page<UnitState> readStatePage(String json) {
        return readPage(json, "states", Codec::readState);
    }

    public static Page<Machine> readMachinePage(String json) {
        return readPage(json, "machines", Codec::readMachine);
    }

    private static <T> Page<T> readPage(String json, String field, ItemReader<T> item) {
        try (In in = new In(json)) {
            in.expectObject(in.next(), "expected a JSON object");
            List<T> items = new ArrayList<>();
            String next = null;
            for (String key; (key = in.key()) != null; ) {
                if (key.equals(field)) {
                    if (in.startArray("field \"" + field + "\" must be a list")) {
                        for (Event e; (e = in.next()) != Event.END_ARRAY; ) {
                            items.add(item.read(in, e));
                        }
                    }
                } else if (key.equals("nextPageToken")) {
                    next = in.string(key);
                } else {
                    in.skip();
                }
            }
            in.end();
            return new Page<>(items, next == null || next.isEmpty() ? null : next);
        }
    }

    /** fleet's error entity, or null when {@code json} is not one (not JSON, or no {@code error} object). */
    public static ApiError readError(String json) {
        if (json == null || json.isBlank()) {
            return null;
        }
        try (In in = new In(json)) {
            if (in.next() != Event.START_OBJECT) {
                return null;
            }
            ApiError found = null;
            for (String key; (key = in.key()) != null; ) {
                if (!key.equals("error")) {
                    in.skip();
                    continue;
                }
                Event e = in.next();
                if (e != Event.START_OBJECT) {
                    in.skipValue(e);
                    continue;
                }
                int code = 0;
                String message = null;
                for (String k; (k = in.key()) != null; ) {
                    switch (k) {
                        case "code" -> code = (int) in.number(k);
                        case "message" -> message = in.string(k);
                        default -> in.skip();
                    }
                }
                found = new ApiError(code, message);
            }
            return found;
        } catch (SchemaException e) {
            return null;
        }
    }

    /** The operations of a metadata PATCH; a value may be a bare string or fleet's {@code {"value": V}}. */
    public static List<MetadataOp> readMetadataPatch(String json) {
        try (In in = new In(json)) {
            if (!in.startArray(in.next(), "expected a list of operations")) {
                throw new SchemaException("expected a list of operations");
            }
            List<MetadataOp> ops = new ArrayList<>();
            for (Event e; (e = in.next()) != Event.END_ARRAY; ) {
                in.expectObject(e, "each operation must be an object");
                String op = null;
                String path = null;
                String value = null;
                for (String key; (key = in.key()) != null; ) {
                    switch (key) {
                        case "op" -> op = in.string(key);
                        case "path" -> path = in.string(key);
                        case "value" -> value = readMetadataValue(in);
                        default -> in.skip();
                    }
                }
                ops.add(new MetadataOp(op, path, value));
            }
            in.end();
            return ops;
        }
    }

    /** fleet's code takes {"value": {"value": "v"}}; its docs show a bare string. Anything else is no value. */
    private static String readMetadataValue(In in) {
        Event e = in.next();
        if (e == Event.VALUE_STRING) {
            return in.text();
        }
        if (e != Event.START_OBJECT) {
            in.skipValue(e);
            return null;
        }
        String value = null;
        for (String key; (key = in.key()) != null; ) {
            Event v = in.next();
            if (key.equals("value") && v == Event.VALUE_STRING) {
                value = in.text();
            } else {
                in.skipValue(v);
            }
        }
        return value;
    }

    /**
     * An agent's registration for machine {@code id}. Without {@code ttl} the TTL is 30 s (fleet's default); a
     * present {@code agentPort} must be 1..65535.
     */
    public static Presence readRegistration(String json, String id) {
        return readPresence(json, id, 30);
    }

    /** {@link #readRegistration(String, String)}, with {@code defaultTtl} seconds when the body has no {@code ttl}. */
    public static Presence readRegistration(String json, String id, long defaultTtl) {
        return readPresence(json, id, defaultTtl);
    }

    /** A presence as the registry stores it. */
    public static Presence readStoredPresence(String json) {
        return readPresence(json, null, 30);
    }

    private static Presence readPresence(String json, String machineId, long defaultTtl) {
        try (In in = new In(json)) {
            in.expectObject(in.next(), "expected a JSON object");
            String id = machineId;
            String ip = null;
            String version = null;
            String session = null;
            long ttl = defaultTtl;
            int agentPort = 0;
            Map<String, String> md = Map.of();
            for (String key; (key = in.key()) != null; ) {
                switch (key) {
                    case "id" -> {
                        String stored = in.string(key);
                        id = machineId == null ? stored : machineId;
                    }
                    case "publicIP" -> ip = in.string(key);
                    case "version" -> version = in.string(key);
                    case "session" -> session = in.string(key);
                    case "ttl" -> ttl = in.number(key);
                    case "agentPort" -> agentPort = readPort(in);
                    case "metadata" -> md = readStringMap(in, "metadata values must be strings");
                    default -> in.skip();
                }
            }
            in.end();
            return new Presence(id, ip, md, version, session, ttl, agentPort);
        }
    }

    private static int readPort(In in) {
        Event e = in.next();
        if (e == Event.VALUE_NULL) {
            return 0;
        }
        if (e != Event.VALUE_NUMBER || !in.integral() || in.longValue() < 1 || in.longValue() > 65535) {
            in.skipValue(e);
            throw new SchemaException("agentPort must be an integer between 1 and 65535");
        }
        return (int) in.longValue();
    }

    public static Schedule readSchedule(String json) {
        try (In in = new In(json)) {
            in.expectObject(in.next(), "expected a JSON object");
            String machine = null;
            long index = -1;
            Map<String, String> md = Map.of();
            List<Schedule.Entry> units = new ArrayList<>();
            for (String key; (key = in.key()) != null; ) {
                switch (key) {
                    case "machineID" -> machine = in.string(key);
                    case "index" -> index = in.number(key);
                    case "metadata" -> md = readStringMap(in, "metadata values must be strings");
                    case "units" -> {
                        if (in.startArray("field \"units\" must be a list")) {
                            for (Event e; (e = in.next()) != Event.END_ARRAY; ) {
                                units.add(readEntry(in, e));
                            }
                        }
                    }
                    default -> in.skip();
                }
            }
            in.end();
            if (index < 0) {
                throw new SchemaException("a schedule needs its index");
            }
            return new Schedule(machine, index, md, units);
        }
    }

    private static Schedule.Entry readEntry(In in, Event first) {
        in.expectObject(first, "each unit must be an object");
        String name = null;
        String hash = null;
        String desired = null;
        boolean global = false;
        long launch = 0;
        List<UnitOption> options = List.of();
        for (String key; (key = in.key()) != null; ) {
            switch (key) {
                case "name" -> name = in.string(key);
                case "hash" -> hash = in.string(key);
                case "desiredState" -> desired = in.string(key);
                case "global" -> global = in.bool(key);
                case "launch" -> launch = in.number(key);
                case "options" -> options = readOptions(in);
                default -> in.skip();
            }
        }
        return new Schedule.Entry(name, hash, desired, global, options, launch);
    }

    /** An agent's state report for {@code machineId}: each state gets that machine. */
    public static StateReport readStateReport(String json, String machineId) {
        try (In in = new In(json)) {
            in.expectObject(in.next(), "expected a JSON object");
            String session = null;
            List<UnitState> states = new ArrayList<>();
            List<String> removed = new ArrayList<>();
            for (String key; (key = in.key()) != null; ) {
                switch (key) {
                    case "session" -> session = in.string(key);
                    case "states" -> {
                        if (in.startArray("\"states\" must be a list of states")) {
                            for (Event e; (e = in.next()) != Event.END_ARRAY; ) {
                                states.add(readReported(in, e, null, machineId));
                            }
                        }
                    }
                    case "removed" -> {
                        if (in.startArray("\"removed\" must be a list of unit names")) {
                            for (Event e; (e = in.next()) != Event.END_ARRAY; ) {
                                if (e != Event.VALUE_STRING) {
                                    throw new SchemaException("\"removed\" must be a list of unit names");
                                }
                                removed.add(in.text());
                            }
                        }
                    }
                    default -> in.skip();
                }
            }
            in.end();
            return new StateReport(session, states, removed);
        }
    }

    /** A state the registry stored under {@code name} on {@code machineId}. */
    public static UnitState readStoredState(String json, String name, String machineId) {
        try (In in = new In(json)) {
            UnitState s = readReported(in, in.next(), name, machineId);
            in.end();
            return s;
        }
    }

    private static UnitState readReported(In in, Event first, String name, String machineId) {
        in.expectObject(first, "each state must be an object");
        String hash = null;
        String load = null;
        String active = null;
        String sub = null;
        String result = null;
        String invocation = null;
        boolean launched = false;
        long launch = 0;
        for (String key; (key = in.key()) != null; ) {
            switch (key) {
                case "name" -> {
                    String n = in.string(key);
                    name = name == null ? n : name;
                }
                case "hash" -> hash = in.string(key);
                case "loadState" -> load = in.string(key);
                case "activeState" -> active = in.string(key);
                case "subState" -> sub = in.string(key);
                case "launched" -> launched = in.bool(key);
                case "result" -> result = in.string(key);
                case "invocationID" -> invocation = in.string(key);
                case "launch" -> launch = in.number(key);
                default -> in.skip();
            }
        }
        return new UnitState(name, machineId, hash, load, active, sub, launched, result, invocation, launch);
    }

    private static Map<String, String> readStringMap(In in, String notString) {
        Event e = in.next();
        if (e == Event.VALUE_NULL) {
            return Map.of();
        }
        in.expectObject(e, notString);
        Map<String, String> out = new TreeMap<>();
        for (String key; (key = in.key()) != null; ) {
            Event v = in.next();
            if (v != Event.VALUE_STRING) {
                throw new SchemaException(notString);
            }
            out.put(key, in.text());
        }
        return out;
    }

    /** A streaming read of one JSON text, with fleet's error messages. */
    private static final class In implements AutoCloseable {
        private final JsonParser p;

        In(String json) {
            if (json == null) {
                throw new SchemaException("empty body");
            }
            p = Factories.PARSERS.createParser(new StringReader(json));
        }

        Event next() {
            try {
                if (!p.hasNext()) {
                    throw new SchemaException("unexpected end of JSON input");
                }
                return p.next();
            } catch (SchemaException e) {
                throw e;
            } catch (RuntimeException e) { // Parsson's depth limit (1,000) is a bare RuntimeException
                throw new SchemaException(e.getMessage());
            }
        }

        /** Nothing but white space may follow the value. */
        void end() {
            try {
                if (p.hasNext()) {
                    throw new SchemaException("unexpected content after the JSON value");
                }
            } catch (JsonException | IllegalStateException e) {
                throw new SchemaException("unexpected content after the JSON value");
            }
        }

        void expectObject(Event e, String message) {
            if (e != Event.START_OBJECT) {
                throw new SchemaException(message);
            }
        }

        /** True at the start of an array, false for null; anything else is {@code message}. */
        boolean startArray(String message) {
            return startArray(next(), message);
        }

        boolean startArray(Event e, String message) {
            if (e == Event.VALUE_NULL) {
                return false;
            }
            if (e != Event.START_ARRAY) {
                throw new SchemaException(message);
            }
            return true;
        }

        /** The next key of the current object, or null at its end. */
        String key() {
            Event e = next();
            if (e == Event.END_OBJECT) {
                return null;
            }
            if (e != Event.KEY_NAME) {
                throw new SchemaException("expected a field name");
            }
            return p.getString();
        }

        String text() {
            return p.getString();
        }

        String string(String field) {
            Event e = next();
            if (e == Event.VALUE_NULL) {
                return null;
            }
            if (e != Event.VALUE_STRING) {
                throw new SchemaException("field \"" + field + "\" must be a string");
            }
            return p.getString();
        }

        boolean bool(String field) {
            Event e = next();
            return switch (e) {
                case VALUE_TRUE -> true;
                case VALUE_FALSE, VALUE_NULL -> false;
                default -> throw new SchemaException("field \"" + field + "\" must be true or false");
            };
        }

        long number(String field) {
            Event e = next();
            if (e != Event.VALUE_NUMBER || !p.isIntegralNumber()) {
                throw new SchemaException("field \"" + field + "\" must be a whole number");
            }
            try {
                return p.getBigDecimal().longValueExact();
            } catch (ArithmeticException x) {
                throw new SchemaException("field \"" + field + "\" is out of range");
            }
        }

        boolean integral() {
            return p.isIntegralNumber();
        }

        long longValue() {
            try {
                return p.getBigDecimal().longValueExact();
            } catch (ArithmeticException x) {
                return Long.MAX_VALUE;
            }
        }

        void skip() {
            skipValue(next());
        }

        /**
         * Skips an object or array by counting its nesting, not with JsonParser.skipObject/skipArray: in Parsson
         * those never return on input that ends inside the value (eclipse-ee4j/parsson#23), so a body such as
         * {@code {"a":{} would spin a request thread forever. next() refuses the end of input instead.
         */
        void skipValue(Event e) {
            if (e != Event.START_OBJECT && e != Event.START_ARRAY) {
                return;
            }
            for (int depth = 1; depth > 0; ) {
                switch (next()) {
                    case START_OBJECT, START_ARRAY -> depth++;
                    case END_OBJECT, END_ARRAY -> depth--;
                    default -> { }
                }
            }
        }

        @Override
        public void close() {
            p.close();
        }
    }
}
