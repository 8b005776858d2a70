package dev.fleet.testkit.machines;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Who created an instance (file {@code owner}: "PID STARTTIME detached|attached"), to tell a crashed run from a live one. */
public record Owner(long pid, String startTime, boolean detached) {

    /** The owner recorded in {@code instanceDir}, or null if none (yet). */
    public static Owner read(Path instanceDir) {
        try {
            String[] f = Files.readString(instanceDir.resolve(Ledger.OWNER)).strip().split(" ");
            return new Owner(Long.parseLong(f[0]), f[1], f[2].equals("detached"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Records this JVM as the owner of {@code instanceDir}. */
    public static void writeCurrent(Path instanceDir, boolean detached) {
        long me = ProcessHandle.current().pid();
        try {
            Files.writeString(instanceDir.resolve(Ledger.OWNER),
                    me + " " + ProcInfo.startTime(me).orElseThrow() + " " + (detached ? "detached" : "attached") + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the owning JVM still runs (same PID and start time). */
    public boolean alive() {
        return ProcInfo.isSame(pid, startTime);
    }
}
