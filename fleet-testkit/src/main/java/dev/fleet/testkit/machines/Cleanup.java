package dev.fleet.testkit.machines;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code bin/fleet-dev cleanup}: tears down every recorded instance from its ledger alone. Uses nothing but the
 * JDK, so it runs from {@code fleet-testkit/target/classes} without the rest of the class path (CI's EXIT trap).
 */
public final class Cleanup {
    private Cleanup() { }

    public static void main(String[] args) {
        boolean force = List.of(args).contains("--force");
        for (String a : args) {
            if (!a.equals("--force")) {
                System.err.println("fleet-dev cleanup: unknown option '" + a + "' (only --force)");
                System.exit(2);
            }
        }
        System.exit(run(force, System.out) ? 0 : 1);
    }

    /**
     * Tears down every instance under {@link Ledger#STATE_ROOT}; one whose creating JVM still runs (a test run in
     * progress) only with {@code force}. Returns false if something could not be removed.
     */
    public static boolean run(boolean force, java.io.PrintStream out) {
        boolean ok = true;
        List<Path> instances = Ledger.instances(Ledger.STATE_ROOT);
        for (Path dir : instances) {
            Owner o = Owner.read(dir);
            if (o != null && o.alive() && !force) {
                out.println("skipped " + dir.getFileName() + ": its JVM (pid " + o.pid() + ") is still running (--force to remove it anyway)");
                continue;
            }
            long t0 = System.nanoTime();
            List<String> problems = new ArrayList<>(Ledger.teardown(dir, Duration.ofSeconds(30)));
            Ledger.forget(dir, problems);
            out.printf("removed %s (%.2f s)%s%n", dir.getFileName(), (System.nanoTime() - t0) / 1e9,
                    problems.isEmpty() ? "" : ", problems: " + problems);
            ok &= problems.isEmpty();
        }
        // claims that never got a ledger (a JVM killed between mkdir and the first record)
        if (Files.isDirectory(Ledger.STATE_ROOT)) {
            try (Stream<Path> s = Files.list(Ledger.STATE_ROOT)) {
                for (Path d : s.toList()) {
                    if (Files.isDirectory(d) && !Ledger.exists(d)) {
                        try {
                            Files.delete(d); // only if empty
                        } catch (IOException notEmpty) {
                            out.println("left " + d + ": not empty and not a ledger");
                        }
                    }
                }
            } catch (IOException e) {
                out.println("cannot list " + Ledger.STATE_ROOT + ": " + e);
            }
        }
        removeNspawnLeftovers();
        if (instances.isEmpty()) {
            out.println("no recorded instance");
        }
        return ok;
    }

    /**
     * nspawn leaves {@code /run/systemd/nspawn/{locks,propagate}} empty on the host: once no instance is recorded any
     * more, they are rmdir'ed (only rmdir: a directory that is not empty belongs to someone else's machine).
     */
    static void removeNspawnLeftovers() {
        if (!Ledger.instances(Ledger.STATE_ROOT).isEmpty()) {
            return;
        }
        for (String d : List.of("/run/systemd/nspawn/locks", "/run/systemd/nspawn/propagate", "/run/systemd/nspawn")) {
            try {
                Files.deleteIfExists(Path.of(d));
            } catch (IOException inUse) {
                // not empty: someone else's machine
            }
        }
    }
}
