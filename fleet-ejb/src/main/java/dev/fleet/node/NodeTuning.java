package dev.fleet.node;

import dev.fleet.model.FleetConf;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * fleet's tuning knobs as this node applies them ({@code fleet.conf} keys, §4.11 of the reference):
 *
 * <ul>
 *   <li>{@code engine_reconcile_interval}: seconds (a float) between periodic engine passes, 0.1..600; default 1
 *       (fleet: 2; our engine also runs at once on every change, and the tick bounds how late a lost machine is
 *       noticed);</li>
 *   <li>{@code disable_engine}: this node never runs engine passes (see README, "Differences from fleet");</li>
 *   <li>{@code token_limit}: the API v1 page size, 1..10000; default 100;</li>
 *   <li>{@code agent_ttl}: the TTL of an agent registration that gives none, whole seconds 1s..1h (a Go duration
 *       such as {@code 30s}, {@code 1m}, or plain seconds); default 30s.</li>
 * </ul>
 *
 * <p>Sources, a later one wins: the INI file ({@link #parseIni}), {@code FLEET_<KEY>} environment variables
 * ({@link #fromEnvironment}), command-line options ({@code --engine-reconcile-interval=...}). bin/fleet-node merges
 * them with {@link NodeTuningCli} and hands the node the result as {@code fleet.*} system properties
 * ({@link #systemProperties}), which {@link NodeSettings} reads back through {@link #fromSystemProperties}. Pure
 * (JDK only), so the script can run it before it starts Payara.
 */
public record NodeTuning(Duration reconcileInterval, boolean disableEngine, int tokenLimit, Duration agentTtl) {

    public static final Duration DEFAULT_RECONCILE_INTERVAL = Duration.ofSeconds(1);
    public static final Duration MIN_RECONCILE_INTERVAL = Duration.ofMillis(100);
    public static final Duration MAX_RECONCILE_INTERVAL = Duration.ofSeconds(600);
    public static final int DEFAULT_TOKEN_LIMIT = 100;
    public static final int MAX_TOKEN_LIMIT = 10_000;
    public static final Duration DEFAULT_AGENT_TTL = Duration.ofSeconds(30);
    public static final Duration MAX_AGENT_TTL = Duration.ofHours(1);
    public static final NodeTuning DEFAULTS = new NodeTuning(DEFAULT_RECONCILE_INTERVAL, false, DEFAULT_TOKEN_LIMIT,
            DEFAULT_AGENT_TTL);

    /** A knob: its fleet.conf key, the system property the node reads, and bin/fleet-node's option. */
    public enum Key {
        ENGINE_RECONCILE_INTERVAL("engine_reconcile_interval", "fleet.engine.reconcileInterval"),
        DISABLE_ENGINE("disable_engine", "fleet.engine.disabled"),
        TOKEN_LIMIT("token_limit", "fleet.api.tokenLimit"),
        AGENT_TTL("agent_ttl", "fleet.agent.ttl");

        public final String key;
        public final String property;

        Key(String key, String property) {
            this.key = key;
            this.property = property;
        }

        /** {@code --engine-reconcile-interval}. */
        public String option() {
            return "--" + key.replace('_', '-');
        }

        /** {@code FLEET_ENGINE_RECONCILE_INTERVAL}. */
        public String env() {
            return "FLEET_" + key.toUpperCase(Locale.ROOT);
        }

        public static Key byKey(String key) {
            for (Key k : values()) {
                if (k.key.equals(key)) {
                    return k;
                }
            }
            return null;
        }

        public static Key byOption(String option) {
            for (Key k : values()) {
                if (k.option().equals(option)) {
                    return k;
                }
            }
            return null;
        }
    }

    /** A value, file or option is wrong; the message names the key and says why. */
    public static final class Invalid extends IllegalArgumentException {
        public Invalid(String message) {
            super(message, null);
        }
    }

    private static final Pattern FLOAT = Pattern.compile("\\d+(\\.\\d*)?|\\.\\d+");

    /**
     * fleet.conf: {@code key=value} lines, {@code #} and {@code ;} comment lines, a value optionally in double or
     * single quotes, {@code [section]} lines ignored. Every key is returned (lower-cased); {@link #merge} uses only
     * ours, since the same file holds the agent's keys and fleetd's etcd keys.
     *
     * @throws Invalid for a line that is not {@code key=value}
     */
    public static Map<String, String> parseIni(String text) {
        try {
            return FleetConf.parse(text);
        } catch (FleetConf.Invalid e) {
            throw new Invalid(e.getMessage());
        }
    }

    /** The set, non-empty {@code FLEET_*} variables of our keys, by key. */
    public static Map<String, String> fromEnvironment(Map<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Key k : Key.values()) {
            String v = env.get(k.env());
            if (v != null && !v.isBlank()) {
                out.put(k.key, v.strip());
            }
        }
        return out;
    }

    /**
     * Merges layers of {@code key -> raw value} (a later layer wins) and validates ours; other keys are ignored.
     *
     * @throws Invalid naming the key and the bad value
     */
    @SafeVarargs
    public static NodeTuning merge(Map<String, String>... layers) {
        Map<String, String> m = new LinkedHashMap<>();
        for (Map<String, String> layer : layers) {
            m.putAll(layer);
        }
        Duration interval = m.containsKey(Key.ENGINE_RECONCILE_INTERVAL.key)
                ? reconcileInterval(m.get(Key.ENGINE_RECONCILE_INTERVAL.key)) : DEFAULT_RECONCILE_INTERVAL;
        boolean disable = m.containsKey(Key.DISABLE_ENGINE.key) && bool(Key.DISABLE_ENGINE.key, m.get(Key.DISABLE_ENGINE.key));
        int limit = m.containsKey(Key.TOKEN_LIMIT.key) ? tokenLimit(m.get(Key.TOKEN_LIMIT.key)) : DEFAULT_TOKEN_LIMIT;
        Duration ttl = m.containsKey(Key.AGENT_TTL.key) ? agentTtl(m.get(Key.AGENT_TTL.key)) : DEFAULT_AGENT_TTL;
        return new NodeTuning(interval, disable, limit, ttl);
    }

    /** What the node reads: the {@code fleet.*} properties of our keys (unset ones take the defaults). */
    public static NodeTuning fromSystemProperties(Properties p) {
        Map<String, String> m = new LinkedHashMap<>();
        for (Key k : Key.values()) {
            String v = p.getProperty(k.property);
            if (v != null) {
                m.put(k.key, v);
            }
        }
        try {
            return merge(m);
        } catch (Invalid e) {
            throw new Invalid("fleet node settings: " + e.getMessage());
        }
    }

    /** The system properties that give this tuning back through {@link #fromSystemProperties}; canonical values. */
    public Map<String, String> systemProperties() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put(Key.ENGINE_RECONCILE_INTERVAL.property, seconds(reconcileInterval));
        out.put(Key.DISABLE_ENGINE.property, Boolean.toString(disableEngine));
        out.put(Key.TOKEN_LIMIT.property, Integer.toString(tokenLimit));
        out.put(Key.AGENT_TTL.property, agentTtl.toSeconds() + "s");
        return out;
    }

    /** One line for the log: {@code engine_reconcile_interval=1s disable_engine=false token_limit=100 agent_ttl=30s}. */
    public String describe() {
        return Key.ENGINE_RECONCILE_INTERVAL.key + "=" + seconds(reconcileInterval) + "s "
                + Key.DISABLE_ENGINE.key + "=" + disableEngine + " "
                + Key.TOKEN_LIMIT.key + "=" + tokenLimit + " "
                + Key.AGENT_TTL.key + "=" + agentTtl.toSeconds() + "s";
    }

    // ------------------------------------------------------------------ values

    /** Float seconds (fleet's type), e.g. {@code 2}, {@code 0.5}; 0.1..600, kept to the millisecond. */
    static Duration reconcileInterval(String raw) {
        String key = Key.ENGINE_RECONCILE_INTERVAL.key;
        String v = raw.strip();
        if (!FLOAT.matcher(v).matches()) {
            throw new Invalid(key + " '" + raw + "' is not a number of seconds (e.g. 2 or 0.5)");
        }
        BigDecimal s = new BigDecimal(v.endsWith(".") ? v + "0" : v);
        if (s.compareTo(new BigDecimal("0.1")) < 0 || s.compareTo(new BigDecimal("600")) > 0) {
            throw new Invalid(key + " " + v + " is outside 0.1..600 seconds");
        }
        return Duration.ofMillis(s.movePointRight(3).setScale(0, java.math.RoundingMode.HALF_UP).longValueExact());
    }

    static boolean bool(String key, String raw) {
        try {
            return FleetConf.bool(key, raw);
        } catch (FleetConf.Invalid e) {
            throw new Invalid(e.getMessage());
        }
    }

    static int tokenLimit(String raw) {
        String key = Key.TOKEN_LIMIT.key;
        long n;
        try {
            n = Long.parseLong(raw.strip());
        } catch (NumberFormatException e) {
            throw new Invalid(key + " '" + raw + "' is not a whole number");
        }
        if (n < 1 || n > MAX_TOKEN_LIMIT) {
            throw new Invalid(key + " " + n + " is outside 1.." + MAX_TOKEN_LIMIT);
        }
        return (int) n;
    }

    /** A Go duration ({@code 30s}, {@code 1m30s}) or plain seconds; whole seconds, 1s..1h. */
    static Duration agentTtl(String raw) {
        String key = Key.AGENT_TTL.key;
        String v = raw.strip();
        Duration d;
        try {
            d = FleetConf.duration(key, v);
        } catch (FleetConf.OutOfRange e) {
            throw new Invalid(key + " " + v + " is outside 1s..1h");
        } catch (FleetConf.Invalid e) {
            throw new Invalid(key + " '" + raw + "' is not a duration (e.g. 30s, 1m30s, or seconds)");
        }
        if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(MAX_AGENT_TTL) > 0) {
            throw new Invalid(key + " " + v + " is outside 1s..1h");
        }
        if (d.toNanosPart() != 0) {
            throw new Invalid(key + " " + v + " is not a whole number of seconds (the agent API counts TTLs in seconds)");
        }
        return d;
    }

    /** {@code 1}, {@code 0.5}, {@code 2.25}: seconds without trailing zeros. */
    static String seconds(Duration d) {
        return BigDecimal.valueOf(d.toMillis()).movePointLeft(3).stripTrailingZeros().toPlainString();
    }
}
