package dev.fleet.unit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A unit's contents: an ordered list of options, as fleet stores them. Comments and layout are
 * not kept; {@link #canonical()} is what {@code fleetctl cat} shows and what {@link #hash()}
 * addresses. Immutable.
 */
public final class UnitFile {
    /** Longest line, in bytes and counting its newline (go-systemd's SYSTEMD_LINE_MAX). */
    public static final int LINE_MAX = UnitFileParser.LINE_MAX;

    private final List<UnitOption> options;
    private final String canonical;
    private final String hash;

    private UnitFile(List<UnitOption> options) {
        this.options = List.copyOf(options);
        this.canonical = serialize(this.options);
        this.hash = sha1Hex(canonical);
    }

    /**
     * Parses systemd syntax: {@code [Section]} headers; {@code #}/{@code ;} comment lines and blank
     * lines dropped; a line ending in an unescaped backslash continues on the next one (the
     * backslash becomes a space; comment lines inside are skipped; a blank line ends it); key and
     * value trimmed; repeated keys kept in order.
     *
     * @throws UnitFileException for a line over {@link #LINE_MAX} bytes (message exactly
     *         {@code line too long (max 2048 bytes)}), an option before any section, a line in a
     *         section without {@code =}, an empty option name, or a malformed section header
     */
    public static UnitFile parse(String text) {
        Objects.requireNonNull(text, "text");
        return new UnitFile(UnitFileParser.parse(text));
    }

    /** The options as given (for example from the API), unchecked; {@code Requirements.validate} checks. */
    public static UnitFile of(List<UnitOption> options) {
        return new UnitFile(options);
    }

    public List<UnitOption> options() {
        return options;
    }

    public boolean isEmpty() {
        return options.isEmpty();
    }

    /**
     * go-systemd's Serialize: sections in order of first appearance, each with its options in
     * their original order, a blank line between sections, none at the end.
     */
    public String canonical() {
        return canonical;
    }

    /** SHA1 of {@link #canonical()} (UTF-8), 40 lowercase hex characters. */
    public String hash() {
        return hash;
    }

    /** The first 7 characters of {@link #hash()}, as fleetctl shows it. */
    public String shortHash() {
        return hash.substring(0, 7);
    }

    public boolean hasSection(String section) {
        return options.stream().anyMatch(o -> o.section().equals(section));
    }

    /** Values of every {@code name=} in {@code section}, in file order (empty if none). */
    public List<String> values(String section, String name) {
        return options.stream()
                .filter(o -> o.section().equals(section) && o.name().equals(name))
                .map(UnitOption::value)
                .toList();
    }

    private static String serialize(List<UnitOption> options) {
        Map<String, List<UnitOption>> bySection = new LinkedHashMap<>();
        for (UnitOption o : options) {
            bySection.computeIfAbsent(o.section(), s -> new ArrayList<>()).add(o);
        }
        StringBuilder b = new StringBuilder();
        for (var e : bySection.entrySet()) {
            if (b.length() > 0) {
                b.append('\n');
            }
            b.append('[').append(e.getKey()).append("]\n");
            for (UnitOption o : e.getValue()) {
                b.append(o.name()).append('=').append(o.value()).append('\n');
            }
        }
        return b.toString();
    }

    private static String sha1Hex(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JRE has SHA-1", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UnitFile other && options.equals(other.options);
    }

    @Override
    public int hashCode() {
        return options.hashCode();
    }

    @Override
    public String toString() {
        return "UnitFile[" + shortHash() + ", " + options.size() + " options]";
    }
}
