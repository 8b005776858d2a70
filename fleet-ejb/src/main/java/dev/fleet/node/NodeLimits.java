package dev.fleet.node;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Every request limit of a node in one place (README, "Limits"). Defaults are far beyond what a real cluster sends;
 * each is configurable like the tuning knobs ({@link NodeTuning}): fleet.conf key {@code limit_NAME}, environment
 * {@code FLEET_LIMIT_NAME}, bin/fleet-node option {@code --limit-NAME=N}, and the system property
 * {@code fleet.limits.camelName} the node reads ({@link #fromSystemProperties}). A bad value exits bin/fleet-node with
 * status 2 and one line naming the key ({@link NodeTuningCli}).
 *
 * <p>Refusals: a size in bytes (body, unit file, value) is 413; a count or a length in characters is 400. Every check
 * runs before anything is proposed to the store, so a refused request changes nothing. The stream limits
 * (watchers, journals, long-poll lifetime) are parsed and documented here; the stream code enforces them.
 */
public record NodeLimits(long bodyBytes, int unitFileBytes, int unitOptions, int keyLength, int keyDepth,
                         int valueBytes, int units, int machines, int metadataEntries, int metadataKeyLength,
                         int metadataValueLength, int patchOps,
                         int watchers, int watchersPerClient, int journals, int journalsPerClient, int longPollSeconds,
                         long historyBytes) {

    /** One limit: its property name (fleet.limits.NAME), default and accepted range. */
    public enum Limit {
        // a 1 MiB value fits a form body at this limit even fully percent-encoded (3 bytes per byte)
        BODY_BYTES("bodyBytes", 4L * 1024 * 1024, 1024, 1L << 30),
        UNIT_FILE_BYTES("unitFileBytes", 256 * 1024, 64, 64L * 1024 * 1024),
        UNIT_OPTIONS("unitOptions", 2000, 1, 1_000_000),
        // the store's own bound (KeyPath.MAX_LENGTH) is the most a node can accept
        KEY_LENGTH("keyLength", 4096, 16, 4096),
        KEY_DEPTH("keyDepth", 64, 4, 2048),
        VALUE_BYTES("valueBytes", 1024 * 1024, 1, 256L * 1024 * 1024),
        UNITS("units", 100_000, 1, 10_000_000),
        MACHINES("machines", 10_000, 1, 1_000_000),
        METADATA_ENTRIES("metadataEntries", 256, 1, 100_000),
        METADATA_KEY_LENGTH("metadataKeyLength", 255, 1, 4096),
        METADATA_VALUE_LENGTH("metadataValueLength", 4096, 1, 1024 * 1024),
        PATCH_OPS("patchOps", 1000, 1, 1_000_000),
        WATCHERS("watchers", 10_000, 1, 10_000_000),
        WATCHERS_PER_CLIENT("watchersPerClient", 2500, 1, 10_000_000),
        JOURNALS("journals", 512, 1, 1_000_000),
        JOURNALS_PER_CLIENT("journalsPerClient", 300, 1, 1_000_000),
        LONG_POLL_SECONDS("longPollSeconds", 300, 1, 86_400),
        // the watch history's memory on every member (docs/store.md); read by the store itself, same property
        HISTORY_BYTES("historyBytes", dev.fleet.store.KeyStore.DEFAULT_HISTORY_BYTES, 1024, 16L << 30);

        public final String name;
        public final long defaultValue;
        public final long min;
        public final long max;

        Limit(String name, long defaultValue, long min, long max) {
            this.name = name;
            this.defaultValue = defaultValue;
            this.min = min;
            this.max = max;
        }

        /** {@code fleet.limits.bodyBytes}. */
        public String property() {
            return "fleet.limits." + name;
        }

        /** fleet.conf key: {@code limit_body_bytes}. */
        public String key() {
            return "limit_" + name.replaceAll("([A-Z])", "_$1").toLowerCase(Locale.ROOT);
        }

        /** {@code --limit-body-bytes}. */
        public String option() {
            return "--" + key().replace('_', '-');
        }

        /** {@code FLEET_LIMIT_BODY_BYTES}. */
        public String env() {
            return "FLEET_" + key().toUpperCase(Locale.ROOT);
        }

        public static Limit byKey(String key) {
            for (Limit l : values()) {
                if (l.key().equals(key)) {
                    return l;
                }
            }
            return null;
        }

        public static Limit byOption(String option) {
            for (Limit l : values()) {
                if (l.option().equals(option)) {
                    return l;
                }
            }
            return null;
        }

        /** A whole number in range, or {@link NodeTuning.Invalid} naming the key. */
        long parse(String raw) {
            long n;
            try {
                n = Long.parseLong(raw.strip().replace("_", ""));
            } catch (NumberFormatException e) {
                throw new NodeTuning.Invalid(key() + " '" + raw + "' is not a whole number");
            }
            if (n < min || n > max) {
                throw new NodeTuning.Invalid(key() + " " + n + " is outside " + min + ".." + max);
            }
            return n;
        }
    }

    public static final NodeLimits DEFAULTS = of(new EnumMap<>(Limit.class));

    /** Merges layers of fleet.conf-style {@code key -> raw value} (a later one wins); other keys are ignored. */
    @SafeVarargs
    public static NodeLimits merge(Map<String, String>... layers) {
        Map<Limit, Long> values = new EnumMap<>(Limit.class);
        for (Map<String, String> layer : layers) {
            layer.forEach((k, v) -> {
                Limit l = Limit.byKey(k);
                if (l != null) {
                    values.put(l, l.parse(v));
                }
            });
        }
        return of(values);
    }

    /** The set, non-empty {@code FLEET_LIMIT_*} variables, by fleet.conf key. */
    public static Map<String, String> fromEnvironment(Map<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Limit l : Limit.values()) {
            String v = env.get(l.env());
            if (v != null && !v.isBlank()) {
                out.put(l.key(), v.strip());
            }
        }
        return out;
    }

    /** What the node reads: {@code fleet.limits.*} properties (unset ones take the defaults). */
    public static NodeLimits fromSystemProperties(Properties p) {
        Map<String, String> m = new LinkedHashMap<>();
        for (Limit l : Limit.values()) {
            String v = p.getProperty(l.property());
            if (v != null && !v.isBlank()) {
                m.put(l.key(), v);
            }
        }
        try {
            return merge(m);
        } catch (NodeTuning.Invalid e) {
            throw new NodeTuning.Invalid("fleet node settings: " + e.getMessage());
        }
    }

    private static NodeLimits of(Map<Limit, Long> v) {
        java.util.function.ToLongFunction<Limit> g = l -> v.getOrDefault(l, l.defaultValue);
        return new NodeLimits(g.applyAsLong(Limit.BODY_BYTES), i(g, Limit.UNIT_FILE_BYTES), i(g, Limit.UNIT_OPTIONS),
                i(g, Limit.KEY_LENGTH), i(g, Limit.KEY_DEPTH), i(g, Limit.VALUE_BYTES), i(g, Limit.UNITS),
                i(g, Limit.MACHINES), i(g, Limit.METADATA_ENTRIES), i(g, Limit.METADATA_KEY_LENGTH),
                i(g, Limit.METADATA_VALUE_LENGTH), i(g, Limit.PATCH_OPS), i(g, Limit.WATCHERS),
                i(g, Limit.WATCHERS_PER_CLIENT), i(g, Limit.JOURNALS), i(g, Limit.JOURNALS_PER_CLIENT),
                i(g, Limit.LONG_POLL_SECONDS), g.applyAsLong(Limit.HISTORY_BYTES));
    }

    private static int i(java.util.function.ToLongFunction<Limit> g, Limit l) {
        return Math.toIntExact(g.applyAsLong(l));
    }

    /** A limit's value by its descriptor. */
    public long get(Limit l) {
        return switch (l) {
            case BODY_BYTES -> bodyBytes;
            case UNIT_FILE_BYTES -> unitFileBytes;
            case UNIT_OPTIONS -> unitOptions;
            case KEY_LENGTH -> keyLength;
            case KEY_DEPTH -> keyDepth;
            case VALUE_BYTES -> valueBytes;
            case UNITS -> units;
            case MACHINES -> machines;
            case METADATA_ENTRIES -> metadataEntries;
            case METADATA_KEY_LENGTH -> metadataKeyLength;
            case METADATA_VALUE_LENGTH -> metadataValueLength;
            case PATCH_OPS -> patchOps;
            case WATCHERS -> watchers;
            case WATCHERS_PER_CLIENT -> watchersPerClient;
            case JOURNALS -> journals;
            case JOURNALS_PER_CLIENT -> journalsPerClient;
            case LONG_POLL_SECONDS -> longPollSeconds;
            case HISTORY_BYTES -> historyBytes;
        };
    }

    /** A copy with one limit changed (range-checked); for tests and callers that tune one. */
    public NodeLimits with(Limit l, long value) {
        Map<Limit, Long> m = new EnumMap<>(Limit.class);
        for (Limit x : Limit.values()) {
            m.put(x, get(x));
        }
        m.put(l, l.parse(Long.toString(value)));
        return of(m);
    }

    /** The properties that give these limits back through {@link #fromSystemProperties}; only those not at default. */
    public Map<String, String> systemProperties() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Limit l : Limit.values()) {
            if (get(l) != l.defaultValue) {
                out.put(l.property(), Long.toString(get(l)));
            }
        }
        return out;
    }

    /** One line for the log and --check-config: the limits not at their default, or "limits: defaults". */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (Limit l : Limit.values()) {
            if (get(l) != l.defaultValue) {
                sb.append(sb.length() == 0 ? "" : " ").append(l.key()).append('=').append(get(l));
            }
        }
        return sb.length() == 0 ? "limits: defaults" : sb.toString();
    }
}
