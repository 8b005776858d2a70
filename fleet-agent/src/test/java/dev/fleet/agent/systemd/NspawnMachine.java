package dev.fleet.agent.systemd;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real systemd "machine" for tests: {@code systemd-nspawn --boot} on an overlay of the host's {@code /}
 * (upper layer on a tmpfs of its own), without network ({@code --private-network}), per
 * /work/shared/design/systemd-machines.md. Its systemd is reached from the host at {@link #busAddress()}.
 * Tear-down (stop nspawn by PID, umount, rmdir directories and cgroups) runs in {@link #close()} and in a
 * shutdown hook. Needs root and systemd-nspawn ({@link #unavailableBecause()}).
 */
final class NspawnMachine implements AutoCloseable {

    /** Prefix of machine names, directories and cgroups: never shared with other tests' machines. */
    static final String PREFIX = "fleet-dbus-it-";
    private static final Path CGROUP_V1 = Path.of("/sys/fs/cgroup/systemd", "fleet-dbus-it");
    private static final Path CGROUP_V2 = Path.of("/sys/fs/cgroup/unified", "fleet-dbus-it");
    private static final List<String> MASKED = List.of("getty.target", "console-getty.service", "systemd-timesyncd.service");

    private final String name;
    private final Path base;
    private final Path root;
    private final Path log;
    /** For .ci/cleanup-nspawn-it when a JVM died without its shutdown hook (kill -9). */
    private final Path pidFile;
    private final Thread shutdownHook;
    private Process nspawn;
    private long pid1;
    private boolean rootMounted;
    private boolean baseMounted;
    private boolean closed;

    private NspawnMachine(String name) {
        this.name = name;
        this.base = Path.of("/tmp", name);
        this.root = base.resolve("root");
        this.log = Path.of("/tmp", name + ".log");
        this.pidFile = Path.of("/tmp", name + ".nspawn-pid");
        this.shutdownHook = new Thread(this::tearDown, "teardown-" + name);
    }

    /** Why machines cannot be booted here, or empty when they can. */
    static Optional<String> unavailableBecause() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("needs root");
        }
        boolean nspawn = List.of("/usr/bin/systemd-nspawn", "/bin/systemd-nspawn").stream().anyMatch(p -> Files.isExecutable(Path.of(p)));
        if (!nspawn) {
            return Optional.of("systemd-nspawn missing (apt-get install --no-install-recommends systemd-container)");
        }
        if (!Files.isDirectory(CGROUP_V1.getParent()) || !Files.isDirectory(CGROUP_V2.getParent())) {
            return Optional.of("needs cgroups mounted in hybrid mode (/sys/fs/cgroup/systemd and /sys/fs/cgroup/unified)");
        }
        return Optional.empty();
    }

    /** Boots a machine named {@code fleet-dbus-it-<suffix>} and waits until its SystemState is running or degraded. */
    static NspawnMachine boot(String suffix) throws IOException {
        String name = PREFIX + suffix;
        if (!name.matches("[a-z0-9-]{1,60}")) {
            throw new IllegalArgumentException("machine name must be [a-z0-9-], at most 60 characters: " + name);
        }
        NspawnMachine machine = new NspawnMachine(name);
        Runtime.getRuntime().addShutdownHook(machine.shutdownHook);
        try {
            machine.start();
            return machine;
        } catch (IOException | RuntimeException | Error e) {
            String tail = machine.logTail();
            machine.close();
            throw new IOException("machine " + name + " did not boot: " + e.getMessage() + "\n--- nspawn log ---\n" + tail, e);
        }
    }

    private void start() throws IOException {
        Files.createDirectory(base); // fails if a previous run left it: never reuse another's mount point
        run("mount", "-t", "tmpfs", "-o", "size=256m,mode=0755", "tmpfs", base.toString());
        baseMounted = true;
        Path upper = base.resolve("upper");
        Path units = upper.resolve("etc/systemd/system");
        Files.createDirectories(units);
        Files.createDirectories(base.resolve("work"));
        Files.createDirectories(root);
        // the host's enabled units would start in the machine: white out their .wants/.requires directories
        try (DirectoryStream<Path> hostUnits = Files.newDirectoryStream(Path.of("/etc/systemd/system"))) {
            for (Path dir : hostUnits) {
                String file = dir.getFileName().toString();
                if (Files.isDirectory(dir) && (file.endsWith(".wants") || file.endsWith(".requires"))) {
                    run("mknod", units.resolve(file).toString(), "c", "0", "0");
                }
            }
        }
        for (String unit : MASKED) {
            Files.createSymbolicLink(units.resolve(unit), Path.of("/dev/null"));
        }
        Files.writeString(upper.resolve("etc/hostname"), name + "\n");
        Files.writeString(upper.resolve("etc/machine-id"), machineId(name) + "\n");
        run("mount", "-t", "overlay", "overlay", "-o",
                "lowerdir=/,upperdir=" + upper + ",workdir=" + base.resolve("work"), root.toString());
        rootMounted = true;

        // nspawn --keep-unit makes its cgroups inside its caller's: give the caller cgroups of its own
        Files.createDirectories(CGROUP_V1.resolve(name));
        Files.createDirectories(CGROUP_V2.resolve(name));
        String script = "echo $$ > " + CGROUP_V1.resolve(name) + "/cgroup.procs && echo $$ > " + CGROUP_V2.resolve(name)
                + "/cgroup.procs && exec setsid systemd-nspawn --quiet -D \"$1\" -M \"$2\" --hostname=\"$2\""
                + " --register=no --keep-unit --boot --private-network --console=read-only";
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", script, "sh", root.toString(), name)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("SYSTEMD_NSPAWN_UNIFIED_HIERARCHY", "1");
        nspawn = builder.start();
        Files.writeString(pidFile, nspawn.pid() + "\n");

        AtomicReference<Long> init = new AtomicReference<>();
        await("PID 1 of " + name).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .failFast("systemd-nspawn exited", () -> !nspawn.isAlive())
                .until(() -> {
                    init.set(initOf(nspawn.pid()).orElse(null));
                    return init.get() != null;
                });
        pid1 = init.get();
        await("SystemState of " + name).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .ignoreExceptions()
                .failFast("systemd-nspawn exited", () -> !nspawn.isAlive())
                .until(() -> {
                    try (DbusSystemd systemd = DbusSystemd.connect(busAddress())) {
                        String state = systemd.systemState();
                        return state.equals("running") || state.equals("degraded");
                    }
                });
    }

    /** The machine's systemd (comm "systemd") among the children of nspawn. */
    private static Optional<Long> initOf(long nspawnPid) throws IOException {
        Path children = Path.of("/proc", Long.toString(nspawnPid), "task", Long.toString(nspawnPid), "children");
        if (!Files.exists(children)) {
            return Optional.empty();
        }
        for (String child : Files.readString(children).trim().split("\\s+")) {
            if (child.isEmpty()) {
                continue;
            }
            try {
                if (Files.readString(Path.of("/proc", child, "comm")).trim().equals("systemd")) {
                    return Optional.of(Long.parseLong(child));
                }
            } catch (IOException gone) {
                // the intermediate child of nspawn exited
            }
        }
        return Optional.empty();
    }

    String name() {
        return name;
    }

    long pid1() {
        return pid1;
    }

    /** Its system bus, reachable from the host. */
    String busAddress() {
        return "unix:path=/proc/" + pid1 + "/root/run/dbus/system_bus_socket";
    }

    /** The host's view of an absolute path inside the machine. */
    Path hostPath(String pathInMachine) {
        Path inside = Path.of(pathInMachine);
        if (!inside.isAbsolute() || !inside.normalize().equals(inside)) {
            throw new IllegalArgumentException("absolute, normalized path required: " + pathInMachine);
        }
        return Path.of("/proc", Long.toString(pid1), "root").resolve(pathInMachine.substring(1));
    }

    /** Runs a command inside the machine (nsenter into its namespaces) and returns its output. */
    String exec(String... command) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("nsenter", "-t", Long.toString(pid1), "-a"));
        argv.addAll(List.of(command));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    @Override
    public synchronized void close() {
        tearDown();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or will
        }
    }

    private synchronized void tearDown() {
        if (closed) {
            return;
        }
        closed = true;
        if (nspawn != null) {
            stop(nspawn.toHandle());
        }
        if (pid1 > 0) {
            ProcessHandle.of(pid1).ifPresent(NspawnMachine::stop); // only if nspawn died without it
        }
        if (rootMounted) {
            rootMounted = !quietly("umount", root.toString()) && !quietly("umount", "-l", root.toString());
        }
        if (baseMounted && !rootMounted) {
            baseMounted = !quietly("umount", base.toString()) && !quietly("umount", "-l", base.toString());
        }
        if (!baseMounted && !rootMounted) {
            rmdir(base);
        }
        rmdirTree(CGROUP_V1.resolve(name));
        rmdirTree(CGROUP_V2.resolve(name));
        rmdir(CGROUP_V1); // when no other machine of this test uses it
        rmdir(CGROUP_V2);
        // nspawn leaves these on the host; rmdir only removes them when empty
        rmdir(Path.of("/run/systemd/nspawn/locks"));
        rmdir(Path.of("/run/systemd/nspawn/propagate"));
        rmdir(Path.of("/run/systemd/nspawn"));
        try {
            Files.deleteIfExists(pidFile);
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a log left in /tmp is harmless
        }
    }

    /** SIGTERM (nspawn then halts the machine in order), SIGKILL after 20 s. */
    private static void stop(ProcessHandle process) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            process.onExit().get(20, TimeUnit.SECONDS);
        } catch (Exception notInTime) {
            process.destroyForcibly();
            try {
                process.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // reported by the umount that follows
            }
        }
    }

    private static void rmdirTree(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path child : children) {
                rmdirTree(child);
            }
        } catch (IOException ignored) {
            // rmdir below tells
        }
        rmdir(dir);
    }

    private static void rmdir(Path dir) {
        try {
            Files.deleteIfExists(dir); // a directory only when empty: never a recursive delete
        } catch (IOException notEmptyOrBusy) {
            // left for its owner
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void run(String... command) throws IOException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out.trim());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
    }

    private static boolean quietly(String... command) {
        try {
            run(command);
            return true;
        } catch (IOException e) {
            System.err.println("teardown: " + e.getMessage());
            return false;
        }
    }

    /** Stable per name, 32 hex digits (a machine-id). */
    static String machineId(String name) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
