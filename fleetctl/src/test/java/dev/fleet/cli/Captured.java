package dev.fleet.cli;

import dev.fleet.client.FleetClient;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;

/** One in-process run of the command line: its exit code and what it printed. */
record Captured(int code, String out, String err) {
    static Captured run(String... args) {
        return run(null, args);
    }

    /** A run against {@code fleet}: its endpoint and a 2 s request timeout, then {@code args}. */
    static Captured against(FakeFleet fleet, String... args) {
        List<String> all = new ArrayList<>(List.of("--endpoint=" + fleet.url(), "--request-timeout=2"));
        all.addAll(List.of(args));
        return run(all.toArray(String[]::new));
    }

    /** {@code early}: a client with reads already under way ({@link EarlyListing}), or null. */
    static Captured run(Future<FleetClient> early, String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = Fleetctl.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8), early);
        return new Captured(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }
}
