package dev.fleet.agent.systemd;

import dev.fleet.unit.UnitName;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Checks names and paths before they reach systemd, so bad input fails with a clear message. The name
 * rule is fleet-model's {@link UnitName}, the one the API applies: a name the API accepts is one this
 * agent accepts.
 */
final class UnitNames {

    private UnitNames() {
    }

    static String requireValid(String name) {
        Optional<String> bad = UnitName.validationError(name);
        if (bad.isPresent()) {
            throw new IllegalArgumentException("not a unit name (" + bad.get() + "): " + name);
        }
        return name;
    }

    /** The type suffix of a valid unit name ({@code service}, {@code socket}, ...). */
    static String type(String name) {
        return UnitName.suffix(name);
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
