package dev.fleet.testkit.machines;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One real systemd "machine": a {@code systemd-nspawn --boot} container whose root is an overlay of the host's
 * {@code /} with a per-machine tmpfs as the upper layer (see docs/dev-cluster.md and the design note
 * systemd-machines.md for why each step is there). Needs root and systemd-container.
 *
 * <pre>{@code
 * try (SystemdMachine m = SystemdMachine.boot(ledger, net, "fleet-t1", SystemdMachine.spec("m1", 1))) {
 *     m.awaitRunning(Duration.ofSeconds(60));
 *     m.exec("systemctl", "is-system-running");
 * }
 * }</pre>
 */
public final class SystemdMachine implements AutoCloseable {
    /** Units of the host that must not start in a machine (a getty on the host's console, a clock fighter). */
    static final List<String> MASKED = List.of("getty.target", "console-getty.service", "systemd-timesyncd.service");
    static final String NET_UNIT = "fleet-machine-address.service";
    static final String DROP_IN = "multi-user.target.d/fleet-machine.conf";
    private static final Path HOST_UNITS = Path.of("/etc/systemd/system");

    /** What to boot: name, index on the network (its address 10.77.NET.INDEX), and extra units in /etc/systemd/system. */
    public record Spec(String name, int index, Map<String, String> units, List<String> wants) {
        public Spec {
            if (name == null || !name.matches("[a-z][a-z0-9-]{0,30}")) {
                throw new IllegalArgumentException("machine name '" + name + "': 1-31 of [a-z0-9-], starting with a letter");
            }
            for (String u : units.keySet()) {
                if (!u.matches("[A-Za-z0-9@._-]+\\.(service|socket|timer|target|path)") || u.startsWith(".")) {
                    throw new IllegalArgumentException("unit file name '" + u + "' is not a plain unit name");
                }
            }
            units = Map.copyOf(units);
            wants = List.copyOf(wants);
        }

        /** Adds a unit file (placed in the upper layer's /etc/systemd/system) that multi-user.target wants. */
        public Spec withUnit(String unitName, String content) {
            Map<String, String> u = new LinkedHashMap<>(units);
            u.put(unitName, content);
            List<String> w = new ArrayList<>(wants);
            w.add(unitName);
            return new Spec(name, index, u, w);
        }
    }

    /**
     * Why machines cannot be booted on this host, or empty when they can: tests that need one skip themselves with
     * this reason (root, systemd-nspawn, a hybrid cgroup layout and iproute2 are needed).
     */
    public static Optional<String> unavailableBecause() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("needs root");
        }
        if (Stream.of("/usr/bin/systemd-nspawn", "/bin/systemd-nspawn").noneMatch(p -> Files.isExecutable(Path.of(p)))) {
            return Optional.of("systemd-nspawn missing (apt-get install --no-install-recommends systemd-container)");
        }
        if (!Files.isDirectory(Cgroups.V1_SYSTEMD) || !Files.isDirectory(Cgroups.UNIFIED)) {
            return Optional.of("needs cgroups mounted in hybrid mode (" + Cgroups.V1_SYSTEMD + " and " + Cgroups.UNIFIED + ")");
        }
        try {
            ipCommand();
        } catch (IllegalStateException e) {
            return Optional.of(e.getMessage());
        }
        return Optional.empty();
    }

    public static Spec spec(String name, int index) {
        return new Spec(name, index, Map.of(), List.of());
    }

    private final Spec spec;
    private final String machineId;
    private final String address;
    private final Ledger ledger;
    private final Path console;
    private Process nspawn;
    private long nspawnPid;
    private long pid1;
    private boolean closed;

    private SystemdMachine(Spec spec, String address, Ledger ledger) {
        this.spec = spec;
        this.machineId = machineIdOf(spec.name());
        this.address = address;
        this.ledger = ledger;
        this.console = ledger.dir().resolve("console.log");
    }

    /** A stable machine ID for a name: 32 hex digits of SHA-256("fleet-machine:" + name). */
    public static String machineIdOf(String name) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(("fleet-machine:" + name).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Prepares the root (tmpfs, upper layer, overlay), a cgroup {@code cgroupParent/NAME} and starts nspawn on
     * {@code net}'s bridge. Returns once the machine's PID 1 exists; {@link #awaitRunning} waits for the boot.
     * Every resource is recorded in a child ledger of {@code instance} before it is created.
     */
    public static SystemdMachine boot(Ledger instance, MachineNetwork net, String cgroupParent, Spec spec) {
        SystemdMachine m = new SystemdMachine(spec, net.machineAddress(spec.index()), instance.child(spec.name()));
        try {
            m.start(net, cgroupParent);
        } catch (RuntimeException | IOException e) {
            m.close();
            throw e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e);
        }
        return m;
    }

    private void start(MachineNetwork net, String cgroupParent) throws IOException {
        Path disk = ledger.recordDir(ledger.dir().resolve("disk"));
        Files.createDirectories(disk);
        ledger.recordMount(disk);
        Sh.check("mount", "-t", "tmpfs", "-o", "size=256m,mode=0755", "fleet-" + spec.name(), disk.toString());
        Path upper = disk.resolve("upper");
        Files.createDirectories(disk.resolve("work"));
        writeUpperLayer(upper, net);
        Path root = ledger.recordDir(ledger.dir().resolve("root"));
        Files.createDirectories(root);
        ledger.recordMount(root);
        Sh.check("mount", "-t", "overlay", "fleet-" + spec.name(), "-o",
                "lowerdir=/,upperdir=" + upper + ",workdir=" + disk.resolve("work"), root.toString());
        Path[] cg = Cgroups.create(ledger, cgroupParent + "/" + spec.name());
        ledger.recordFile(console);
        ledger.recordFile(root.resolveSibling(".#root.lck")); // nspawn's lock file beside the root directory
        // what nspawn removes itself on an orderly exit, but not when teardown SIGKILLs it: its lock on the root's
        // inode (named by the overlay's device and inode number) and its mount propagation directory
        ledger.recordFile(Path.of("/run/systemd/nspawn/locks",
                "inode-" + Files.getAttribute(root, "unix:dev") + ":" + Files.getAttribute(root, "unix:ino")));
        ledger.recordDir(Path.of("/run/systemd/nspawn/propagate", nspawnName(net, spec.name())));
        String veth = "vb-" + nspawnName(net, spec.name());
        if (veth.length() <= 15) { // longer, nspawn shortens it with a hash of its own, and the namespace's end takes it along
            ledger.recordVeth(veth);
            // A veth of this name left by an earlier machine (its namespace held by orphaned sockets): the net is ours
            // by the instance claim, so it is stale, and nspawn would fail with "File exists".
            List<String> stale = new ArrayList<>();
            Ledger.deleteLink(veth, stale);
            if (!stale.isEmpty()) {
                throw new IllegalStateException("a stale veth blocks " + spec.name() + ": " + stale);
            }
        }
        ledger.note("address", address);
        ledger.note("machineId", machineId);
        // The launching shell moves itself into the machine's own cgroups, then becomes nspawn: with
        // --keep-unit nspawn nests the machine's cgroups inside its caller's, and two machines must not share one.
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c",
                "echo $$ > \"$1/cgroup.procs\" && echo $$ > \"$2/cgroup.procs\" && shift 2 && exec setsid \"$@\"",
                "sh", cg[0].toString(), cg[1].toString(),
                "systemd-nspawn", "--quiet", "-D", root.toString(), "-M", nspawnName(net, spec.name()), "--hostname=" + spec.name(),
                "--register=no", "--keep-unit", "--boot", "--network-bridge=" + net.bridge(), "--console=read-only"));
        cmd.addAll(hostBinds());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(console.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("SYSTEMD_NSPAWN_UNIFIED_HIERARCHY", "1");
        nspawn = pb.start();
        nspawnPid = nspawn.pid();
        awaitExec(nspawnPid, "systemd-nspawn", Duration.ofSeconds(10));
        ledger.recordProcess(nspawnPid, "nspawn " + spec.name(), false);
        ledger.note("nspawnPid", Long.toString(nspawnPid));
        pid1 = awaitChild(nspawnPid, "systemd", Duration.ofSeconds(30));
        ledger.recordProcess(pid1, "pid1 " + spec.name(), false);
        ledger.note("pid1", Long.toString(pid1));
    }

    /**
     * The repository (the agent's jar and scripts) and the JDK, bound read-only at the same paths: the overlay's lower
     * layer shows most of the host, but not what lies under the host's /tmp or /run (the machine has its own), where a
     * checkout may well be.
     */
    static List<String> hostBinds() {
        List<String> binds = new ArrayList<>();
        for (Path p : List.of(dev.fleet.testkit.FleetCluster.repositoryRoot(), Path.of(System.getProperty("java.home")))) {
            String s = p.toAbsolutePath().normalize().toString();
            if (!s.matches("/[A-Za-z0-9_./+-]*")) {
                throw new IllegalStateException("path '" + s + "' cannot be bound into a machine as it is");
            }
            binds.add("--bind-ro=" + s);
        }
        return binds;
    }

    /**
     * nspawn's machine name, which also names the host side of its veth ({@code vb-NAME}): it carries the network's
     * number, so that machine m1 of one instance never collides with m1 of another (or with a veth a dead machine's
     * namespace still holds).
     */
    static String nspawnName(MachineNetwork net, String name) {
        return "n" + net.net() + "-" + name;
    }

    private void writeUpperLayer(Path upper, MachineNetwork net) throws IOException {
        Path units = upper.resolve("etc/systemd/system");
        Files.createDirectories(units);
        // Hide the host's enabled units: an overlay whiteout for each *.wants / *.requires directory.
        try (Stream<Path> s = Files.list(HOST_UNITS)) {
            for (Path d : s.toList()) {
                String n = d.getFileName().toString();
                if (Files.isDirectory(d) && (n.endsWith(".wants") || n.endsWith(".requires"))) {
                    Sh.check("mknod", units.resolve(n).toString(), "c", "0", "0");
                }
            }
        }
        for (String u : MASKED) {
            Files.createSymbolicLink(units.resolve(u), Path.of("/dev/null"));
        }
        // Its own identity: systemd prefers /etc/hostname over --hostname.
        Files.writeString(upper.resolve("etc/hostname"), spec.name() + "\n");
        Files.writeString(upper.resolve("etc/machine-id"), machineId + "\n");
        // its name resolves to its address, as on an installed machine (Payara Micro looks its own host name up)
        Path hosts = Path.of("/etc/hosts");
        String base = Files.isReadable(hosts) ? Files.readString(hosts) : "127.0.0.1 localhost\n";
        Files.writeString(upper.resolve("etc/hosts"), base + (base.endsWith("\n") ? "" : "\n") + address + " " + spec.name() + "\n");
        Files.writeString(units.resolve(NET_UNIT), """
                [Unit]
                Description=fleet test machine address %s
                DefaultDependencies=no
                Before=network.target
                [Service]
                Type=oneshot
                RemainAfterExit=yes
                ExecStart=%s link set host0 up
                ExecStart=%s addr add %s/24 dev host0
                """.formatted(address, ipCommand(), ipCommand(), address));
        List<String> wants = new ArrayList<>(List.of(NET_UNIT));
        wants.addAll(spec.wants());
        for (Map.Entry<String, String> u : spec.units().entrySet()) {
            Files.writeString(units.resolve(u.getKey()), u.getValue());
        }
        Path dropIn = units.resolve(DROP_IN);
        Files.createDirectories(dropIn.getParent());
        Files.writeString(dropIn, "[Unit]\nWants=" + String.join(" ", wants) + "\n");
    }

    private static String ipCommand() {
        for (String p : List.of("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        throw new IllegalStateException("no ip command (iproute2) on the host");
    }

    private void awaitExec(long pid, String comm, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ProcInfo.comm(pid).equals(comm)) {
            if (!nspawn.isAlive()) {
                throw new IllegalStateException("nspawn for " + spec.name() + " exited with " + nspawn.exitValue() + ": " + consoleTail());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(pid + " did not become " + comm + " (it is '" + ProcInfo.comm(pid) + "')");
            }
            Ledger.sleep(5);
        }
    }

    private long awaitChild(long parent, String comm, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (long c : ProcInfo.children(parent)) {
                if (ProcInfo.comm(c).equals(comm)) {
                    return c;
                }
            }
            if (!nspawn.isAlive()) {
                throw new IllegalStateException("nspawn for " + spec.name() + " exited with " + nspawn.exitValue() + ": " + consoleTail());
            }
            Ledger.sleep(5);
        }
        throw new IllegalStateException("no systemd under nspawn " + parent + " within " + timeout + ": " + consoleTail());
    }

    // ------------------------------------------------------------------------------------------ accessors

    public String name() {
        return spec.name();
    }

    public String machineId() {
        return machineId;
    }

    /** Its address on the bridge, e.g. 10.77.3.1. */
    public String address() {
        return address;
    }

    /** Host PID of the machine's PID 1 (systemd). */
    public long pid1() {
        return pid1;
    }

    /** Host PID of the systemd-nspawn process. */
    public long nspawnPid() {
        return nspawnPid;
    }

    /** The machine's root as the host sees it (writes land in the machine's upper layer). */
    public Path rootPath() {
        return Path.of("/proc", Long.toString(pid1), "root");
    }

    /** The host's view of an absolute path inside the machine, e.g. {@code /run/units} (through {@link #rootPath()}). */
    public Path hostPath(String pathInMachine) {
        Path inside = Path.of(pathInMachine);
        if (!inside.isAbsolute() || !inside.normalize().equals(inside)) {
            throw new IllegalArgumentException("absolute, normalized path required: " + pathInMachine);
        }
        return rootPath().resolve(pathInMachine.substring(1));
    }

    /** The machine's system bus, for busctl or dbus-java on the host (the path is well under 108 bytes). */
    public String busAddress() {
        return "unix:path=" + rootPath().resolve("run/dbus/system_bus_socket");
    }

    public Path consoleLog() {
        return console;
    }

    public boolean isAlive() {
        return nspawn != null && nspawn.isAlive() && ProcInfo.isAlive(pid1);
    }

    // ------------------------------------------------------------------------------------------ operations

    /** The manager's SystemState over the machine's bus ("initializing", "starting", "running", ...), or empty. */
    public String systemState() {
        Sh.Result r = Sh.run(List.of("busctl", "--address=" + busAddress(), "get-property", "org.freedesktop.systemd1",
                "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "SystemState"), Duration.ofSeconds(10));
        String out = r.output().strip();
        return r.ok() && out.startsWith("s \"") ? out.substring(3, out.length() - 1) : "";
    }

    /** Polls SystemState every 50 ms until "running" or "degraded"; returns the seconds waited. */
    public double awaitRunning(Duration timeout) {
        long t0 = System.nanoTime();
        long deadline = t0 + timeout.toNanos();
        String state = "";
        while (System.nanoTime() < deadline) {
            state = systemState();
            if (state.equals("running") || state.equals("degraded")) {
                return (System.nanoTime() - t0) / 1e9;
            }
            if (!isAlive()) {
                throw new IllegalStateException(spec.name() + " died while booting: " + consoleTail());
            }
            Ledger.sleep(50);
        }
        throw new IllegalStateException(spec.name() + " not running within " + timeout + " (SystemState '" + state + "'): " + consoleTail());
    }

    public double awaitRunning() {
        return awaitRunning(Duration.ofSeconds(90));
    }

    /** Runs a command inside the machine (all its namespaces, via nsenter) and returns exit code and output. */
    public Sh.Result exec(String... cmd) {
        return exec(Duration.ofSeconds(60), cmd);
    }

    public Sh.Result exec(Duration timeout, String... cmd) {
        if (!isAlive()) {
            throw new IllegalStateException(spec.name() + " is not running");
        }
        List<String> full = new ArrayList<>(List.of("nsenter", "-t", Long.toString(pid1), "-a"));
        full.addAll(List.of(cmd));
        return Sh.run(full, timeout);
    }

    /** A hard power cut: SIGKILL to the machine's PID 1 kills its whole PID namespace. Waits until nspawn exits. */
    public void powerOff() {
        if (pid1 > 0 && ProcInfo.isAlive(pid1)) {
            ProcInfo.signal(pid1, "KILL");
        }
        awaitNspawnExit(Duration.ofSeconds(30));
    }

    /** An orderly shutdown: SIGTERM to nspawn, which asks the machine's systemd to halt. Waits until it exits. */
    public void halt() {
        if (nspawn != null && nspawn.isAlive()) {
            ProcInfo.signal(nspawnPid, "TERM");
        }
        awaitNspawnExit(Duration.ofSeconds(60));
    }

    private void awaitNspawnExit(Duration timeout) {
        if (nspawn == null) {
            return;
        }
        try {
            if (!nspawn.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(spec.name() + ": nspawn still running after " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Full teardown (power cut, unmount, rmdir of directories and cgroups); idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> problems = new ArrayList<>(Ledger.teardown(ledger.dir(), Duration.ZERO));
        if (nspawn != null) {
            try {
                nspawn.waitFor(10, TimeUnit.SECONDS); // reap it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Ledger.forget(ledger.dir(), problems);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("teardown of " + spec.name() + " left: " + problems);
        }
    }

    public String consoleTail() {
        try {
            String s = Files.exists(console) ? Files.readString(console, StandardCharsets.ISO_8859_1) : "(no console log)";
            return s.length() > 3000 ? "..." + s.substring(s.length() - 3000) : s;
        } catch (IOException e) {
            return "(console unreadable: " + e + ")";
        }
    }

    @Override
    public String toString() {
        return spec.name() + " " + machineId + " " + address + " pid1=" + pid1;
    }
}
