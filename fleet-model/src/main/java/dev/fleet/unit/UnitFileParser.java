package dev.fleet.unit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * systemd unit-file syntax, as fleet reads it (go-systemd's deserializer, with systemd's own
 * continuation rules where go-systemd versions disagree among themselves).
 */
final class UnitFileParser {
    /** go-systemd's SYSTEMD_LINE_MAX; like POSIX LINE_MAX it counts the line's newline. */
    static final int LINE_MAX = 2048;
    static final String LINE_TOO_LONG = "line too long (max " + LINE_MAX + " bytes)";

    private final List<UnitOption> options = new ArrayList<>();
    private String section;

    private UnitFileParser() { }

    static List<UnitOption> parse(String text) {
        UnitFileParser p = new UnitFileParser();
        String[] lines = text.split("\n", -1);
        // a logical line still being continued, or null; appended to, never copied, so a long
        // continuation costs its length, not its length squared
        StringBuilder pending = null;
        int pendingStart = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = stripCr(lines[i]);
            checkLength(line, i + 1);
            String trimmed = line.strip();
            // systemd drops comment lines everywhere, also in the middle of a continuation
            if (!trimmed.isEmpty() && isComment(trimmed.charAt(0))) {
                continue;
            }
            // a pending line ends in the space its backslash became, so only this line's own
            // trailing backslashes can continue it
            if (endsInContinuation(line)) {
                if (pending == null) {
                    pending = new StringBuilder();
                    pendingStart = i + 1;
                }
                // the backslash+newline becomes one space; the next line is appended as is
                pending.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            if (pending == null) {
                p.line(line, i + 1);
            } else {
                p.line(pending.append(line).toString(), pendingStart);
                pending = null;
            }
        }
        if (pending != null) { // continuation at end of file: keep what we have
            p.line(pending.toString(), pendingStart);
        }
        return p.options;
    }

    private void line(String logical, int lineNo) {
        String s = logical.strip();
        if (s.isEmpty()) {
            return;
        }
        if (s.charAt(0) == '[') {
            int end = s.indexOf(']');
            if (end < 0) {
                throw new UnitFileException("line " + lineNo + ": unable to find end of section", lineNo);
            }
            section = s.substring(1, end);
            if (!s.substring(end + 1).isBlank()) {
                throw new UnitFileException("line " + lineNo + ": found garbage after section name " + section, lineNo);
            }
            return;
        }
        if (section == null) {
            // go-systemd and systemd silently drop these; a lost ExecStart= is worse than an error
            throw new UnitFileException("line " + lineNo + ": option outside of a [Section]: " + excerpt(s), lineNo);
        }
        int eq = s.indexOf('=');
        if (eq < 0) {
            throw new UnitFileException("line " + lineNo + ": expected Name=Value: " + excerpt(s), lineNo);
        }
        String name = s.substring(0, eq).strip();
        if (name.isEmpty()) {
            throw new UnitFileException("line " + lineNo + ": option without a name: " + excerpt(s), lineNo);
        }
        options.add(new UnitOption(section, name, s.substring(eq + 1).strip()));
    }

    /**
     * go-systemd peeks LINE_MAX bytes and fails if they hold no newline: so a line's bytes plus its
     * newline (also counted for a last line without one) may be at most LINE_MAX.
     */
    static void checkLength(String line, int lineNo) {
        if (line.getBytes(StandardCharsets.UTF_8).length + 1 > LINE_MAX) {
            throw new UnitFileException(LINE_TOO_LONG, lineNo);
        }
    }

    /** An odd number of trailing backslashes: an escaped backslash does not continue (systemd). */
    private static boolean endsInContinuation(String s) {
        int n = 0;
        for (int i = s.length() - 1; i >= 0 && s.charAt(i) == '\\'; i--) {
            n++;
        }
        return n % 2 == 1;
    }

    private static String stripCr(String line) {
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    private static boolean isComment(char c) {
        return c == '#' || c == ';';
    }

    private static String excerpt(String s) {
        return GoQuote.string(s.length() > 60 ? s.substring(0, 60) + "..." : s);
    }
}
