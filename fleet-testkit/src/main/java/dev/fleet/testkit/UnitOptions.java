package dev.fleet.testkit;

import dev.fleet.unit.UnitOption;

/** Short factories of {@link UnitOption} for tests and benchmarks: {@code UnitOptions.service("ExecStart", "/bin/sleep 1")}. */
public final class UnitOptions {
    private UnitOptions() {
    }

    /** {@code [Unit] name=value} */
    public static UnitOption unit(String name, String value) {
        return new UnitOption("Unit", name, value);
    }

    /** {@code [Service] name=value} */
    public static UnitOption service(String name, String value) {
        return new UnitOption("Service", name, value);
    }

    /** {@code [X-Fleet] name=value} */
    public static UnitOption xFleet(String name, String value) {
        return new UnitOption("X-Fleet", name, value);
    }
}
