package dev.fleet.unit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import static dev.fleet.unit.XFleetKeys.*;

/**
 * A unit's {@code [X-Fleet]} requirements after specifier expansion (%n %N %p %i), deprecated
 * {@code X-} aliases merged into the modern keys. Immutable.
 *
 * @param machineId     the required machine (first value only), or null
 * @param machineOf     units this one must share a machine with (all of them)
 * @param metadata      key -> allowed values (OR within a key, AND across keys), insertion-ordered
 * @param conflicts     glob patterns of units this one must not share a machine with
 * @param global        runs on every eligible machine, never placed by the engine
 * @param replaces      glob patterns of units this one displaces from its machine
 * @param unknownKeys   keys of [X-Fleet] that fleet does not know (fleetctl warns)
 */
public record Requirements(String machineId, List<String> machineOf, Map<String, Set<String>> metadata,
                           List<String> conflicts, boolean global, List<String> replaces,
                           List<String> unknownKeys) {

    public static final Requirements NONE = new Requirements(null, List.of(), Map.of(), List.of(), false, List.of(), List.of());

    public Requirements {
        machineOf = List.copyOf(machineOf);
        metadata = copyOf(metadata);
        conflicts = List.copyOf(conflicts);
        replaces = List.copyOf(replaces);
        unknownKeys = List.copyOf(unknownKeys);
    }

    /**
     * Reads the {@code [X-Fleet]} section of {@code file} for the unit {@code unitName} (null: no
     * specifier expansion). Every line is first split by {@link #splitQuoted}, then expanded by
     * {@link Specifiers}. Deprecated aliases merge into the modern keys; blank MachineID and
     * MachineOf values are ignored (fleet would make the unit unschedulable); lists drop duplicates.
     */
    public static Requirements of(String unitName, UnitFile file) {
        Objects.requireNonNull(file, "file");
        Map<String, List<String>> byKey = new LinkedHashMap<>();
        for (UnitOption o : file.options()) {
            if (o.section().equals(SECTION)) {
                List<String> values = byKey.computeIfAbsent(o.name(), k -> new ArrayList<>());
                for (String v : splitQuoted(o.value())) {
                    values.add(Specifiers.expand(v, unitName));
                }
            }
        }
        // MachineID: the first value, the modern key winning over the aliases (fleet's RequiredTarget)
        String machineId = values(byKey, MACHINE_ID, X_MACHINE_ID, X_MACHINE_BOOT_ID).stream()
                .filter(v -> !v.isBlank()).findFirst().orElse(null);
        List<String> machineOf = values(byKey, X_MACHINE_OF, MACHINE_OF).stream()
                .filter(v -> !v.isBlank()).distinct().toList();
        List<String> global = values(byKey, GLOBAL);
        return new Requirements(machineId, machineOf, metadata(values(byKey, X_METADATA, METADATA)),
                globs(values(byKey, X_CONFLICTS, CONFLICTS)),
                !global.isEmpty() && isTruthy(global.get(global.size() - 1)),
                globs(values(byKey, REPLACES)),
                byKey.keySet().stream().filter(k -> !KNOWN.contains(k)).toList());
    }

    /**
     * The combinations fleet refuses (API 400, fleetctl before sending), with fleet's messages, first
     * the one fleet would report. Empty means valid. As fleet, it looks at the raw values (no
     * specifier expansion), and it first re-reads the canonical form, as fleet's API re-parses the
     * serialized options: so an option line over 2048 bytes gives {@code line too long (max 2048 bytes)}.
     */
    public static List<String> validate(UnitFile file) {
        List<String> errors = new ArrayList<>();
        try {
            UnitFile.parse(file.canonical());
        } catch (UnitFileException e) {
            errors.add(e.getMessage());
        }
        Requirements r = of(null, file);
        for (String peer : r.machineOf) {
            r.conflicts.stream().filter(c -> Glob.matches(c, peer)).forEach(c -> errors.add(
                    "unresolvable requirements: peer " + GoQuote.string(peer) + " matches conflict " + GoQuote.string(c)));
            r.replaces.stream().filter(c -> Glob.matches(c, peer)).forEach(c -> errors.add(
                    "unresolvable requirements: peer " + GoQuote.string(peer) + " matches replace " + GoQuote.string(c)));
        }
        boolean id = r.machineId != null;
        boolean peers = !r.machineOf.isEmpty();
        boolean conflicts = !r.conflicts.isEmpty();
        boolean replaces = !r.replaces.isEmpty();
        check(errors, id && peers, "MachineID cannot be used with Peers");
        check(errors, id && conflicts, "MachineID cannot be used with Conflicts");
        check(errors, id && r.global, "MachineID cannot be used with Global");
        check(errors, id && replaces, "MachineID cannot be used with Replaces");
        check(errors, r.global && peers, "Global cannot be used with Peers");
        check(errors, r.global && replaces, "Global cannot be used with Replaces");
        check(errors, conflicts && replaces, "Conflicts cannot be used with Replaces");
        return List.copyOf(errors);
    }

    /**
     * fleet's parseMultivalueLine, quirks kept (its unit tests pin them): only a value that starts
     * <em>and</em> ends with {@code "} is split, at spaces outside quotes; every {@code "} just
     * toggles quoting and is dropped, so {@code "bar" "} gives [bar, ""] and {@code "foo\"bar"} gives
     * [foo\bar]. Anything else is one value, returned whole.
     */
    public static List<String> splitQuoted(String line) {
        if (!line.startsWith("\"") || !line.endsWith("\"")) {
            return List.of(line);
        }
        List<String> values = new ArrayList<>();
        StringBuilder v = new StringBuilder();
        boolean quoted = false;
        for (char c : line.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ' ' && !quoted) {
                values.add(v.toString());
                v.setLength(0);
            } else {
                v.append(c);
            }
        }
        values.add(v.toString());
        return values;
    }

    private static final Set<String> TRUTHY = Set.of("true", "yes", "1", "on", "t");

    /** fleet's isTruthyValue. */
    static boolean isTruthy(String s) {
        return TRUTHY.contains(s.toLowerCase(Locale.ROOT));
    }

    private static List<String> values(Map<String, List<String>> byKey, String... keys) {
        List<String> all = new ArrayList<>();
        for (String k : keys) {
            all.addAll(byKey.getOrDefault(k, List.of()));
        }
        return all;
    }

    /** Conflicts and Replaces hold whitespace-separated globs. */
    private static List<String> globs(List<String> values) {
        return values.stream().flatMap(v -> Arrays.stream(v.strip().split("\\s+")))
                .filter(g -> !g.isEmpty()).distinct().toList();
    }

    /** "k=v" pairs; anything without exactly one '=' or with an empty side is ignored, as fleet. */
    private static Map<String, Set<String>> metadata(List<String> pairs) {
        Map<String, Set<String>> m = new LinkedHashMap<>();
        for (String pair : pairs) {
            String[] kv = pair.split("=", -1);
            if (kv.length == 2 && !kv[0].isEmpty() && !kv[1].isEmpty()) {
                m.computeIfAbsent(kv[0], k -> new LinkedHashSet<>()).add(kv[1]);
            }
        }
        return m;
    }

    private static void check(List<String> errors, boolean rejected, String message) {
        if (rejected) {
            errors.add(message);
        }
    }

    private static Map<String, Set<String>> copyOf(Map<String, Set<String>> m) {
        var copy = new java.util.LinkedHashMap<String, Set<String>>();
        m.forEach((k, v) -> copy.put(k, java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(v))));
        return java.util.Collections.unmodifiableMap(copy);
    }

    /** True if one of this unit's Conflicts globs matches {@code unitName}. */
    public boolean conflictsWith(String unitName) {
        return conflicts.stream().anyMatch(p -> Glob.matches(p, unitName));
    }

    /** True if one of this unit's Replaces globs matches {@code unitName}. */
    public boolean replacesUnit(String unitName) {
        return replaces.stream().anyMatch(p -> Glob.matches(p, unitName));
    }

    /** True if a machine with these (merged) metadata satisfies MachineMetadata. */
    public boolean metadataSatisfiedBy(Map<String, String> machineMetadata) {
        for (var e : metadata.entrySet()) {
            String have = machineMetadata.get(e.getKey());
            if (have == null || !e.getValue().contains(have)) {
                return false;
            }
        }
        return true;
    }

    /** True if MachineID matches a machine ID: the full ID, or (as fleet's code) its first 8 characters. */
    public boolean machineIdMatches(String id) {
        if (machineId == null) {
            return true;
        }
        return machineId.equals(id) || (id.length() >= 8 && machineId.equals(id.substring(0, 8)));
    }
}
