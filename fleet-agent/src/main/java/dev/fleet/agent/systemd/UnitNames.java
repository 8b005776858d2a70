package dev.fleet.agent.systemd;

import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks names and paths before they reach systemd, so bad input fails with a clear message. */
final class UnitNames {

    /** systemd's UNIT_NAME_MAX. */
    static final int MAX_LENGTH = 255;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9:_.\\\\-]+(@[A-Za-z0-9:_.\\\\-]*)?\\.([a-z]+)");
    private static final Set<String> TYPES = Set.of("service", "socket", "target", "device", "mount", "automount",
            "swap", "timer", "path", "slice", "scope");

    private UnitNames() {
    }

    static String requireValid(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("not a unit name (empty or longer than " + MAX_LENGTH + "): " + name);
        }
        var m = NAME.matcher(name);
        if (!m.matches() || !TYPES.contains(m.group(2))) {
            throw new IllegalArgumentException("not a unit name (characters [A-Za-z0-9:_.\\-@], suffix one of "
                    + TYPES + "): " + name);
        }
        return name;
    }

    /** The type suffix of a valid unit name ({@code service}, {@code socket}, ...). */
    static String type(String name) {
        return name.substring(name.lastIndexOf('.') + 1);
    }

    /** A unit file given to systemd: absolute, normalized (no {@code ..}), named like a unit. */
    static String requireUnitFile(Path file) {
        if (file == null || !file.isAbsolute() || !file.normalize().equals(file) || file.getFileName() == null) {
            throw new IllegalArgumentException("unit file must be an absolute, normalized path: " + file);
        }
        requireValid(file.getFileName().toString());
        return file.toString();
    }
}
