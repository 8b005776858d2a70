package dev.fleet.agent.systemd;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * systemd's D-Bus object paths of units ({@code /org/freedesktop/systemd1/unit/<label>}) and the
 * escaping of their last element (systemd's {@code bus_label_escape}): every byte that is not an ASCII
 * letter, or a digit after the first position, becomes {@code _xx} (two lowercase hex digits); the empty
 * string is {@code _}. Mapping a path back to a unit name by unescaping needs no D-Bus call.
 */
final class UnitPaths {

    static final String UNIT_PREFIX = "/org/freedesktop/systemd1/unit/";

    private UnitPaths() {
    }

    /** The longest object path dbus-java takes (its MAX_NAME_LENGTH): a signal on a longer one is dropped, a call refused. */
    static final int MAX_PATH = 255;

    /**
     * Whether the unit's object path is one dbus-java can carry: a name of 224 plain characters at most, fewer with
     * characters escaped as {@code _xx} (the 255-character names the API accepts are not).
     */
    static boolean reachable(String unitName) {
        return unitPath(unitName).length() <= MAX_PATH;
    }

    static String unitPath(String unitName) {
        return UNIT_PREFIX + escape(unitName);
    }

    /** The unit name of a unit object path, or empty when the path is not one of a unit. */
    static Optional<String> unitName(String objectPath) {
        if (objectPath == null || !objectPath.startsWith(UNIT_PREFIX)) {
            return Optional.empty();
        }
        String label = objectPath.substring(UNIT_PREFIX.length());
        if (label.isEmpty() || label.indexOf('/') >= 0) {
            return Optional.empty();
        }
        return unescape(label);
    }

    static String escape(String s) {
        if (s.isEmpty()) {
            return "_";
        }
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length + 8);
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            boolean letter = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
            boolean digit = b >= '0' && b <= '9';
            if (letter || (digit && i > 0)) {
                out.append((char) b);
            } else {
                out.append('_').append(Character.forDigit(b >> 4, 16)).append(Character.forDigit(b & 0xf, 16));
            }
        }
        return out.toString();
    }

    /** The inverse of {@link #escape}; empty for a label that no escaping produces. */
    static Optional<String> unescape(String label) {
        if (label.equals("_")) {
            return Optional.of("");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(label.length());
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            if (c == '_') {
                if (i + 2 >= label.length()) {
                    return Optional.empty();
                }
                int hi = Character.digit(label.charAt(i + 1), 16);
                int lo = Character.digit(label.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return Optional.empty();
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else if (c < 0x80 && Character.isLetterOrDigit(c)) {
                out.write(c);
            } else {
                return Optional.empty();
            }
        }
        return Optional.of(out.toString(StandardCharsets.UTF_8));
    }
}
