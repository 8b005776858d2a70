package dev.fleet.unit;

import java.util.Optional;

/** fleet's desired ("target") states of a unit, in their order: inactive < loaded < launched. */
public enum DesiredState {
    INACTIVE, LOADED, LAUNCHED;

    /** The wire form: {@code inactive}, {@code loaded}, {@code launched}. */
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses the exact wire form (case-sensitive, as fleet). */
    public static Optional<DesiredState> fromWire(String s) {
        if (s == null) {
            return Optional.empty();
        }
        for (DesiredState d : values()) {
            if (d.wire().equals(s)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
