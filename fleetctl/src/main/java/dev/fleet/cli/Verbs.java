package dev.fleet.cli;

import dev.fleet.unit.Requirements;
import dev.fleet.unit.UnitFile;
import dev.fleet.unit.UnitFileException;
import dev.fleet.unit.UnitName;
import dev.fleet.unit.UnitOption;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The unit verbs: submit, load, start, stop, unload, destroy, cat. */
final class Verbs {
    private Verbs() {
    }

    /** The types fleetctl recognises in an argument; anything else gets ".service" appended (§1.5). */
    static final Set<String> RECOGNISED = Set.of("service", "socket", "timer", "path", "device", "mount", "automount");

    static final long POLL_MS = 250;
    static final long ATTEMPT_MS = 2000;

    static String maybeAppendDefaultType(String arg) {
        int dot = arg.lastIndexOf('.');
        int slash = arg.lastIndexOf('/');
        if (dot > slash && RECOGNISED.contains(arg.substring(dot + 1))) {
            return arg;
        }
        return arg + ".service";
    }

    /** fleet's unitNameMangle: the basename, with ".service" appended unless it has a recognised type. */
    static String mangle(String arg) {
        String base = arg;
        while (base.length() > 1 && base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        int slash = base.lastIndexOf('/');
        if (slash >= 0 && slash < base.length() - 1) {
            base = base.substring(slash + 1);
        }
        return maybeAppendDefaultType(base);
    }

    /** fleet's getBlockAttempts: --no-block wins (-1), a negative count means 0 (forever). */
    static int blockAttempts(boolean noBlock, int attempts) {
        if (noBlock) {
            return -1;
        }
        return Math.max(attempts, 0);
    }

    static String goList(List<String> names) {
        return "[" + String.join(" ", names) + "]";
    }

    static JsonArray optionsJson(UnitFile f) {
        JsonArrayBuilder b = Json.provider().createArrayBuilder();
        for (UnitOption o : f.options()) {
            b.add(Json.provider().createObjectBuilder().add("section", o.section()).add("name", o.name()).add("value", o.value()));
        }
        return b.build();
    }

    abstract static class UnitCommand extends Verb {
        List<String> args = new ArrayList<>();

        UnitCommand(String... description) {
            super(description);
            add(arguments(() -> args, v -> args = v).arity("0..*").paramLabel("UNIT"));
        }

        private Map<String, JsonObject> machines;

        ApiClient api() {
            return root.client();
        }

        String legend(String machineId) {
            if (machines == null) {
                try {
                    machines = Tables.machineIndex(api().machines());
                } catch (RuntimeException e) {
                    machines = new HashMap<>();
                }
            }
            return Tables.fullLegend(machineId, machines, false);
        }

        void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "interrupted");
            }
        }

        /** Polls {@code done} every 250 ms for {@code attempts} × 2 s (0 = forever); true once it holds. */
        boolean waitUntil(int attempts, java.util.function.BooleanSupplier done) {
            for (int attempt = 1; attempts == 0 || attempt <= attempts; attempt++) {
                long deadline = System.nanoTime() + ATTEMPT_MS * 1_000_000;
                while (System.nanoTime() < deadline) {
                    if (done.getAsBoolean()) {
                        return true;
                    }
                    sleep(POLL_MS);
                }
            }
            return false;
        }

        /** The registry units the arguments name, or null after saying (as fleet) that there are none. */
        List<JsonObject> unitsToActOn() {
            if (args.isEmpty()) {
                root.err.println("No units given");
                return null;
            }
            List<JsonObject> units = findUnits();
            if (units.isEmpty()) {
                root.err.println("Units not found in registry");
                return null;
            }
            return units;
        }

        /** The registry units named by the arguments (mangled), in argument order; missing ones skipped. */
        List<JsonObject> findUnits() {
            List<JsonObject> found = new ArrayList<>();
            Set<String> seen = new java.util.HashSet<>();
            for (String a : args) {
                String name = mangle(a);
                if (seen.add(name)) {
                    api().unit(name).ifPresent(found::add);
                }
            }
            return found;
        }

        /**
         * Waits until every named unit reports {@code state} (§1.4), printing "Unit X state [on legend]" as each
         * does. While a unit waits without a machine, the engine's reason is printed (once per change). Returns the
         * exit code: 0, 1 (fleet's timeout), or 3 when a unit could not be placed within the attempts.
         */
        int waitFor(List<String> names, String state, int attempts) {
            Map<String, String> pending = new LinkedHashMap<>();
            names.forEach(n -> pending.put(n, ""));
            Map<String, JsonObject> last = new HashMap<>();
            for (int attempt = 1; attempts == 0 || attempt <= attempts; attempt++) {
                long deadline = System.nanoTime() + ATTEMPT_MS * 1_000_000;
                while (true) {
                    for (String name : new ArrayList<>(pending.keySet())) {
                        Optional<JsonObject> u = api().unit(name);
                        if (u.isEmpty()) {
                            if (state.equals("inactive")) {
                                // destroyed meanwhile: nothing left to wait for
                                pending.remove(name);
                                continue;
                            }
                            pending.remove(name);
                            root.err.println("Error waiting for unit states, exit status: unit " + name + " no longer exists");
                            return Fleetctl.EXIT_FAILURE;
                        }
                        JsonObject o = u.get();
                        last.put(name, o);
                        if (state.equals(o.getString("currentState", "inactive"))) {
                            pending.remove(name);
                            String m = o.getString("machineID", "");
                            root.out.println("Unit " + name + " " + state
                                    + (state.equals("inactive") || m.isEmpty() ? "" : " on " + legend(m)));
                            continue;
                        }
                        String reason = o.getString("reason", "");
                        if (!state.equals("inactive") && o.getString("machineID", "").isEmpty() && !reason.isEmpty()
                                && !reason.equals(pending.get(name))) {
                            pending.put(name, reason);
                            root.err.println("Unit " + name + " is not placed: " + reason + " (waiting"
                                    + (attempts == 0 ? "; --block-attempts=N gives up after about N*2 s" : "") + ")");
                        }
                    }
                    if (pending.isEmpty()) {
                        return Fleetctl.EXIT_OK;
                    }
                    if (System.nanoTime() >= deadline) {
                        break;
                    }
                    sleep(POLL_MS);
                }
            }
            int code = Fleetctl.EXIT_FAILURE;
            for (String name : pending.keySet()) {
                JsonObject o = last.get(name);
                String reason = o == null ? "" : o.getString("reason", "");
                if (!state.equals("inactive") && o != null && o.getString("machineID", "").isEmpty()) {
                    root.err.println("Error waiting for unit states, exit status: unit " + name + " could not be placed: "
                            + (reason.isEmpty() ? "no machine has taken it" : reason));
                    code = Fleetctl.EXIT_UNPLACEABLE;
                } else {
                    root.err.println("Error waiting for unit states, exit status: timed out waiting for unit " + name
                            + " to report state " + state);
                }
            }
            return code;
        }

        /** Sets the desired state of units whose desired state differs; returns the names set. */
        List<JsonObject> setTargetState(List<JsonObject> units, String state) {
            List<JsonObject> triggered = new ArrayList<>();
            for (JsonObject u : units) {
                if (state.equals(u.getString("desiredState", ""))) {
                    if (root.debug) {
                        root.err.println("DEBUG Unit(" + u.getString("name") + ") already " + state + ", skipping.");
                    }
                    continue;
                }
                api().setDesiredState(u.getString("name"), state);
                triggered.add(u);
            }
            return triggered;
        }
    }

    /** submit, load and start: create units from files or templates as needed (§1.5, §1.6). */
    abstract static class CreatingCommand extends UnitCommand {
        boolean replace;
        boolean sign;

        CreatingCommand(String description) {
            super(description);
            add(flag(() -> replace, v -> replace = v, "--replace").description("replace the unit in the cluster if the local file differs"));
            add(flag(() -> sign, v -> sign = v, "--sign").hidden(true).description("DEPRECATED"));
        }

        abstract String command();

        abstract Set<String> replaceableStates();

        /** Reads a local unit file, or null if there is none at that path. */
        UnitFile localFile(Path p) {
            if (!Files.isRegularFile(p)) {
                return null;
            }
            try {
                return UnitFile.parse(Files.readString(p));
            } catch (IOException e) {
                throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "Error creating units: unable to read " + p + ": " + e.getMessage());
            } catch (UnitFileException e) {
                throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "Error creating units: error parsing unit file " + p + ": " + e.getMessage());
            }
        }

        /** The local file to compare a registry unit with: the file itself, or the local template of an instance. */
        UnitFile localForCompare(String arg, String name) {
            Path p = Path.of(arg);
            UnitFile f = localFile(p);
            if (f == null && UnitName.isInstance(name)) {
                Optional<String> t = UnitName.templateOf(name);
                if (t.isPresent()) {
                    Path dir = p.getParent();
                    f = localFile(dir == null ? Path.of(t.get()) : dir.resolve(t.get()));
                }
            }
            return f;
        }

        /** fleet's getUnitFile: the local file, else an instance's template from the registry or the local directory. */
        UnitFile unitFileFor(String arg, String name) {
            Path p = Path.of(arg);
            UnitFile f = localFile(p);
            if (f != null) {
                return f;
            }
            if (!UnitName.isInstance(name)) {
                throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE,
                        "Error creating units: unable to find Unit(" + name + ") in Registry or on filesystem");
            }
            String template = UnitName.templateOf(name).orElseThrow();
            Optional<JsonObject> t = api().unit(template);
            if (t.isPresent()) {
                return Tables.fileOf(t.get());
            }
            Path dir = p.getParent();
            f = localFile(dir == null ? Path.of(template) : dir.resolve(template));
            if (f == null) {
                throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE,
                        "Error creating units: unable to find template Unit(" + template + ") in Registry or on filesystem");
            }
            return f;
        }

        void create(String name, UnitFile f) {
            Optional<String> bad = UnitName.validationError(name);
            if (bad.isPresent()) {
                throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "Error creating units: " + bad.get());
            }
            if (f.isEmpty()) {
                throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "Error creating units: unit " + name + " has no options");
            }
            List<String> errors = Requirements.validate(f);
            if (!errors.isEmpty()) {
                throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "Error creating units: " + errors.get(0));
            }
            List<String> unknown = Requirements.of(name, f).unknownKeys();
            if (!unknown.isEmpty()) {
                root.err.println("WARNING: Unit " + name + " has unknown [X-Fleet] option(s): " + String.join(", ", unknown));
            }
            try {
                api().createUnit(name, optionsJson(f));
            } catch (ApiClient.ApiException e) {
                throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "Error creating units: " + e.getMessage());
            }
        }

        /** fleet's lazyCreateUnits; returns the mangled names of all arguments, in order, without duplicates. */
        List<String> lazyCreate() {
            List<String> names = new ArrayList<>();
            List<String> created = new ArrayList<>();
            for (String raw : args) {
                String arg = maybeAppendDefaultType(raw);
                String name = mangle(arg);
                if (names.contains(name)) {
                    continue;
                }
                names.add(name);
                Optional<JsonObject> existing = api().unit(name);
                if (existing.isPresent()) {
                    JsonObject u = existing.get();
                    UnitFile local = localForCompare(arg, name);
                    if (local == null) {
                        continue;
                    }
                    boolean different = !local.hash().equals(Tables.fileOf(u).hash());
                    if (!replace) {
                        if (different) {
                            root.err.println("WARNING: Unit " + name + " in registry differs from local unit file " + arg
                                    + ". Add --replace to override.");
                        }
                        continue;
                    }
                    String desired = u.getString("desiredState", "");
                    if (!replaceableStates().contains(desired)) {
                        root.err.println("Warning: can not replace Unit(" + name + ") in state '" + desired
                                + "', use the appropriate command");
                        continue;
                    }
                    if (!different) {
                        root.err.println("Found same Unit(" + name + ") in Registry, nothing to do");
                        continue;
                    }
                    create(name, local);
                    created.add(name);
                    continue;
                }
                create(name, unitFileFor(arg, name));
                created.add(name);
            }
            for (String name : created) {
                root.out.println("Unit " + name + " inactive");
            }
            return names;
        }

        /** load and start: create, set the desired state, block (§1.4). */
        int activate(String state, String verb, boolean noBlock, int attempts) {
            if (sign) {
                root.err.println("WARNING: The signed/verified units feature is DEPRECATED and cannot be used.");
                return Fleetctl.EXIT_USAGE;
            }
            if (args.isEmpty()) {
                root.err.println("No units given");
                return Fleetctl.EXIT_OK;
            }
            List<String> names = lazyCreate();
            List<JsonObject> units = new ArrayList<>();
            for (String n : names) {
                units.add(api().unit(n).orElseThrow(() ->
                        new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "Error retrieving unit " + n + " from registry: unit does not exist")));
            }
            for (JsonObject u : units) {
                if (UnitName.isTemplate(u.getString("name"))) {
                    throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "Unable to " + verb + " template unit " + u.getString("name")
                            + ": start an instance of it (for example " + UnitName.prefix(u.getString("name")) + "@1."
                            + UnitName.suffix(u.getString("name")) + ")");
                }
            }
            List<JsonObject> triggered;
            try {
                triggered = setTargetState(units, state);
            } catch (ApiClient.ApiException e) {
                throw new Fleetctl.Fail(Fleetctl.EXIT_FAILURE, "Error setting target state: " + e.getMessage());
            }
            int block = blockAttempts(noBlock, attempts);
            List<String> wait = new ArrayList<>();
            for (JsonObject u : triggered) {
                String name = u.getString("name");
                if (Tables.isGlobal(u)) {
                    root.out.println("Triggered global unit " + name + " " + verb);
                } else if (block < 0) {
                    root.out.println("Triggered unit " + name + " " + verb);
                } else {
                    wait.add(name);
                }
            }
            if (wait.isEmpty()) {
                return Fleetctl.EXIT_OK;
            }
            int code = waitFor(wait, state, block);
            if (code == 0 && state.equals("launched")) {
                code = waitForActive(wait, block);
            }
            return code;
        }

        /** After launched: the systemd state reported through the state API must be active (≈2 s per attempt). */
        int waitForActive(List<String> names, int attempts) {
            for (String name : names) {
                boolean ok = false;
                for (int attempt = 1; !ok && (attempts == 0 || attempt <= attempts); attempt++) {
                    long deadline = System.nanoTime() + ATTEMPT_MS * 1_000_000;
                    while (!ok && System.nanoTime() < deadline) {
                        for (JsonValue v : api().states(name)) {
                            ok |= "active".equals(v.asJsonObject().getString("systemdActiveState", ""));
                        }
                        if (!ok) {
                            sleep(POLL_MS);
                        }
                    }
                }
                if (!ok) {
                    root.err.println("Error waiting for systemd unit states, err: timed out waiting for unit " + name
                            + " to become active");
                    return Fleetctl.EXIT_FAILURE;
                }
            }
            return Fleetctl.EXIT_OK;
        }
    }

    static final class Submit extends CreatingCommand {
        Submit() {
            super("Upload one or more units to the cluster without starting them");
        }

        @Override
        String command() {
            return "submit";
        }

        @Override
        Set<String> replaceableStates() {
            return Set.of("inactive");
        }

        @Override
        public Integer call() {
            if (sign) {
                root.err.println("WARNING: The signed/verified units feature is DEPRECATED and cannot be used.");
                return Fleetctl.EXIT_USAGE;
            }
            if (args.isEmpty()) {
                root.err.println("No units given");
                return Fleetctl.EXIT_OK;
            }
            lazyCreate();
            return Fleetctl.EXIT_OK;
        }
    }

    abstract static class BlockingCreate extends CreatingCommand {
        int attempts;
        boolean noBlock;

        BlockingCreate(String description) {
            super(description);
            add(blockAttemptsOption(() -> attempts, v -> attempts = v,
                    "wait this many attempts (about 2 s each) for the units; 0 waits forever (default 0)"));
            add(flag(() -> noBlock, v -> noBlock = v, "--no-block").description("do not wait for the units to reach the state"));
        }
    }

    static final class Load extends BlockingCreate {
        Load() {
            super("Schedule one or more units in the cluster, first submitting them if necessary");
        }

        @Override
        String command() {
            return "load";
        }

        @Override
        Set<String> replaceableStates() {
            return Set.of("inactive", "loaded");
        }

        @Override
        public Integer call() {
            return activate("loaded", "load", noBlock, attempts);
        }
    }

    static final class Start extends BlockingCreate {
        Start() {
            super("Instruct systemd to start one or more units in the cluster, first submitting and loading if necessary");
        }

        @Override
        String command() {
            return "start";
        }

        @Override
        Set<String> replaceableStates() {
            return Set.of("inactive", "loaded", "launched");
        }

        @Override
        public Integer call() {
            return activate("launched", "start", noBlock, attempts);
        }
    }

    abstract static class BlockingUnitCommand extends UnitCommand {
        int attempts;
        boolean noBlock;

        BlockingUnitCommand(String description) {
            super(description);
            add(blockAttemptsOption(() -> attempts, v -> attempts = v, "wait this many attempts (about 2 s each); 0 waits forever (default 0)"));
            add(flag(() -> noBlock, v -> noBlock = v, "--no-block").description("do not wait"));
        }
    }

    static picocli.CommandLine.Model.OptionSpec.Builder blockAttemptsOption(java.util.function.Supplier<Integer> get,
                                                                            java.util.function.Consumer<Integer> set, String description) {
        return Verb.option(int.class, get, set, "--block-attempts").paramLabel("N").defaultValue("0").description(description);
    }

    static final class Stop extends BlockingUnitCommand {
        Stop() {
            super("Instruct systemd to stop one or more units in the cluster");
        }

        @Override
        public Integer call() {
            List<JsonObject> units = unitsToActOn();
            if (units == null) {
                return Fleetctl.EXIT_OK;
            }
            List<JsonObject> stopping = new ArrayList<>();
            for (JsonObject u : units) {
                String name = u.getString("name");
                if (!Tables.isGlobal(u)) {
                    String cs = u.getString("currentState", "inactive");
                    if (cs.equals("inactive")) {
                        root.err.println("Unable to stop unit " + name + " in state inactive");
                        return Fleetctl.EXIT_FAILURE;
                    }
                    if (cs.equals("loaded")) {
                        continue;
                    }
                }
                stopping.add(u);
            }
            List<JsonObject> triggered = setTargetState(stopping, "loaded");
            return finishBlocking(this, triggered, "loaded", "stop", "stopped", noBlock, attempts);
        }
    }

    /** Shared tail of stop and unload. */
    static int finishBlocking(UnitCommand c, List<JsonObject> triggered, String state, String verb, String done,
                              boolean noBlock, int attempts) {
        int block = blockAttempts(noBlock, attempts);
        List<String> wait = new ArrayList<>();
        List<String> all = new ArrayList<>();
        for (JsonObject u : triggered) {
            String name = u.getString("name");
            all.add(name);
            if (Tables.isGlobal(u)) {
                c.root.out.println("Triggered global unit " + name + " " + verb);
            } else if (block < 0) {
                c.root.out.println("Triggered unit " + name + " " + verb);
            } else {
                wait.add(name);
            }
        }
        int code = wait.isEmpty() ? 0 : c.waitFor(wait, state, block);
        if (code == 0) {
            c.root.err.println("Successfully " + done + " units " + goList(all) + ".");
        } else {
            c.root.err.println("Failed to " + verb + " units " + goList(all) + ". exit: " + code);
        }
        return code;
    }

    static final class Unload extends BlockingUnitCommand {
        Unload() {
            super("Unschedule one or more units in the cluster");
        }

        @Override
        public Integer call() {
            List<JsonObject> units = unitsToActOn();
            if (units == null) {
                return Fleetctl.EXIT_OK;
            }
            List<JsonObject> unloading = new ArrayList<>();
            for (JsonObject u : units) {
                if (!Tables.isGlobal(u) && u.getString("currentState", "inactive").equals("inactive")
                        && u.getString("desiredState", "").equals("inactive")) {
                    continue;
                }
                unloading.add(u);
            }
            return finishBlocking(this, setTargetState(unloading, "inactive"), "inactive", "unload", "unloaded",
                    noBlock, attempts);
        }
    }

    static final class Destroy extends BlockingUnitCommand {
        Destroy() {
            super("Destroy one or more units in the cluster");
        }

        @Override
        public Integer call() {
            if (args.isEmpty()) {
                root.err.println("No units given");
                return Fleetctl.EXIT_OK;
            }
            List<String> destroyed = new ArrayList<>();
            List<String> seen = new ArrayList<>();
            for (String a : args) {
                String name = mangle(a);
                if (seen.contains(name)) {
                    continue;
                }
                seen.add(name);
                if (api().destroy(name)) {
                    destroyed.add(name);
                    root.out.println("Destroyed " + name);
                }
            }
            if (destroyed.isEmpty()) {
                root.err.println("Units not found in registry");
                return Fleetctl.EXIT_OK;
            }
            int block = blockAttempts(noBlock, attempts);
            if (block < 0) {
                return Fleetctl.EXIT_OK;
            }
            // fixed (§1.8): wait, unless --no-block, until the registry no longer has the units
            for (int attempt = 1; block == 0 || attempt <= block; attempt++) {
                long deadline = System.nanoTime() + ATTEMPT_MS * 1_000_000;
                while (System.nanoTime() < deadline) {
                    destroyed.removeIf(n -> api().unit(n).isEmpty());
                    if (destroyed.isEmpty()) {
                        return Fleetctl.EXIT_OK;
                    }
                    sleep(POLL_MS);
                }
            }
            root.err.println("Error waiting for units to be destroyed: " + goList(destroyed));
            return Fleetctl.EXIT_FAILURE;
        }
    }

    static final class Restart extends UnitCommand {
        int attempts;

        Restart() {
            super("Instruct systemd to restart one or more units in the cluster");
            add(blockAttemptsOption(() -> attempts, v -> attempts = v,
                    "wait this many attempts (about 2 s each) for each step; 0 waits forever (default 0)"));
        }

        @Override
        public Integer call() {
            List<JsonObject> units = unitsToActOn();
            if (units == null) {
                return Fleetctl.EXIT_OK;
            }
            int block = blockAttempts(false, attempts);
            int code = Fleetctl.EXIT_OK;
            for (JsonObject u : units) {
                String name = u.getString("name");
                if (Tables.isGlobal(u)) {
                    // fleet ran systemctl over SSH here (and, by a bug, did nothing): we stop it everywhere, then start it
                    int c = restartGlobal(this, u, block);
                    if (c != 0) {
                        return c;
                    }
                    continue;
                }
                String cs = u.getString("currentState", "inactive");
                if (cs.equals("inactive")) {
                    root.err.println("Unable to restart unit " + name + " in state inactive");
                    continue;
                }
                if (cs.equals("launched")) {
                    // fixed (§1.8): wait for loaded (the unit stopped) before launching it again
                    api().setDesiredState(name, "loaded");
                    int c = waitFor(List.of(name), "loaded", block);
                    if (c != 0) {
                        return c;
                    }
                }
                api().setDesiredState(name, "launched");
                int c = waitFor(List.of(name), "launched", block);
                if (c != 0) {
                    return c;
                }
            }
            return code;
        }
    }

    /** systemd active states in which a unit still runs (or is on its way up or down). */
    static final Set<String> RUNNING = Set.of("active", "activating", "reloading", "deactivating");

    /**
     * Restarts a global unit on every machine: desired loaded, wait until no machine runs it; desired launched,
     * wait until every machine that reports it is active. Returns the exit code.
     */
    static int restartGlobal(UnitCommand c, JsonObject u, int attempts) {
        String name = u.getString("name");
        String desired = u.getString("desiredState", "inactive");
        if (desired.equals("inactive")) {
            c.root.err.println("Unable to restart unit " + name + " in state inactive");
            return Fleetctl.EXIT_OK;
        }
        if (desired.equals("launched")) {
            c.api().setDesiredState(name, "loaded");
            if (!c.waitUntil(attempts, () -> c.api().states(name).stream()
                    .noneMatch(v -> RUNNING.contains(v.asJsonObject().getString("systemdActiveState", ""))))) {
                c.root.err.println("Error waiting for unit states, exit status: timed out waiting for global unit " + name
                        + " to stop on every machine");
                return Fleetctl.EXIT_FAILURE;
            }
        }
        c.api().setDesiredState(name, "launched");
        JsonArray[] last = new JsonArray[1];
        if (!c.waitUntil(attempts, () -> {
            last[0] = c.api().states(name);
            return !last[0].isEmpty() && last[0].stream()
                    .allMatch(v -> "active".equals(v.asJsonObject().getString("systemdActiveState", "")));
        })) {
            c.root.err.println("Error waiting for unit states, exit status: timed out waiting for global unit " + name
                    + " to become active on every machine");
            return Fleetctl.EXIT_FAILURE;
        }
        for (JsonValue v : last[0]) {
            c.root.out.println("Unit " + name + " launched on " + c.legend(v.asJsonObject().getString("machineID", "")));
        }
        return Fleetctl.EXIT_OK;
    }

    static final class Cat extends UnitCommand {
        Cat() {
            super("Output the contents of a submitted unit");
        }

        @Override
        public Integer call() {
            if (args.size() != 1) {
                root.err.println("One unit file must be provided");
                return Fleetctl.EXIT_FAILURE;
            }
            String name = mangle(args.get(0));
            Optional<JsonObject> u = api().unit(name);
            if (u.isEmpty()) {
                root.err.println("Unit " + name + " not found");
                return Fleetctl.EXIT_FAILURE;
            }
            root.out.print(Tables.fileOf(u.get()).canonical());
            return Fleetctl.EXIT_OK;
        }
    }
}
