package dev.fleet.unit;

import java.util.Objects;

/** One option of a unit file: {@code [section] name=value}, as fleet's API carries it. */
public record UnitOption(String section, String name, String value) {
    public UnitOption {
        Objects.requireNonNull(section, "section");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }
}
