package dev.fleet.model;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * fleet.conf as fleetd read it, for both of its readers here (the agent and the node): the file's syntax and fleet's
 * value syntaxes (Go durations, Go booleans). What each key means is the reader's business. Pure.
 */
public final class FleetConf {
    private static final Pattern GO_DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

    private FleetConf() {
    }

    /** A line or value fleet would not have taken; the message names it. */
    public static class Invalid extends IllegalArgumentException {
        public Invalid(String message) {
            super(message);
        }
    }

    /** A well-formed value too large to hold (a duration beyond 292 years): a caller's range check would refuse it too. */
    public static final class OutOfRange extends Invalid {
        public OutOfRange(String message) {
            super(message);
        }
    }

    /**
     * {@code key=value} lines, {@code #} and {@code ;} comment lines, a value optionally in double or single quotes,
     * {@code [section]} lines ignored. Every key is returned, lower-cased, in file order (the last one wins).
     */
    public static Map<String, String> parse(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        int lineNo = 0;
        for (String raw : text.split("\r?\n", -1)) {
            lineNo++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";") || line.startsWith("[")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new Invalid("line " + lineNo + ": expected key=value, got '" + line + "'");
            }
            out.put(line.substring(0, eq).strip().toLowerCase(Locale.ROOT), unquote(line.substring(eq + 1).strip()));
        }
        return out;
    }

    /** The value inside one pair of double or single quotes, or the value as it is. */
    public static String unquote(String s) {
        if (s.length() >= 2 && ((s.startsWith("\"") && s.endsWith("\"")) || (s.startsWith("'") && s.endsWith("'")))) {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }

    /** A Go duration ({@code 30s}, {@code 1m30s}, {@code 500ms}) or plain seconds; the caller checks the range. */
    public static Duration duration(String key, String raw) {
        String v = raw.strip();
        BigDecimal nanos;
        if (v.matches("\\d+")) {
            if (v.length() > 12) {
                throw new OutOfRange(key + " '" + raw + "' is too long");
            }
            nanos = BigDecimal.valueOf(Long.parseLong(v)).multiply(BigDecimal.valueOf(1_000_000_000L));
        } else if (v.length() <= 32 && v.matches("(" + GO_DURATION.pattern() + ")+")) {
            Matcher m = GO_DURATION.matcher(v);
            nanos = BigDecimal.ZERO;
            while (m.find()) {
                long unit = switch (m.group(2)) {
                    case "ns" -> 1L;
                    case "us", "µs" -> 1_000L;
                    case "ms" -> 1_000_000L;
                    case "s" -> 1_000_000_000L;
                    case "m" -> 60_000_000_000L;
                    default -> 3_600_000_000_000L;
                };
                nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)));
            }
        } else {
            throw new Invalid(key + " '" + raw + "' is not a duration (e.g. 30s, 1m30s, 500ms, or seconds)");
        }
        if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new OutOfRange(key + " '" + raw + "' is too long");
        }
        return Duration.ofNanos(nanos.setScale(0, RoundingMode.DOWN).longValueExact());
    }

    /** Go's strconv.ParseBool: 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False. */
    public static boolean bool(String key, String raw) {
        return switch (raw.strip()) {
            case "1", "t", "T", "TRUE", "true", "True" -> true;
            case "0", "f", "F", "FALSE", "false", "False" -> false;
            default -> throw new Invalid(key + " '" + raw + "' is not a boolean (true or false)");
        };
    }
}
