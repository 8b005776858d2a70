package dev.fleet.testkit;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One control-plane node run as the user runs it: {@code bin/fleet-node --option=value ...} as a child
 * process. Only this process is ever signalled (by its PID, through {@link Process}).
 */
public final class FleetNodeProcess {
    private static final Pattern READY = Pattern.compile("fleet-node ready: .*ready-in=([0-9.]+)s");

    private final Path root;
    private final String name;
    private final String httpHost;
    private final int httpPort;
    private final int raftPort;
    private final Path dataDir;
    private final List<String> extraOptions;
    private final List<String> launchPrefix;
    private Process process;
    private Path console;
    private int starts;

    public FleetNodeProcess(Path root, String name, int httpPort, int raftPort, Path dataDir, List<String> extraOptions) {
        this(root, name, "127.0.0.1", httpPort, raftPort, dataDir, extraOptions, List.of());
    }

    /**
     * @param httpHost the address the HTTP API binds to (127.0.0.1, or a test bridge's address); RAFT stays on
     *                 127.0.0.1 either way
     * @param launchPrefix a command that runs {@code bin/fleet-node ...} (its arguments follow), e.g. one that
     *                     first moves itself into a cgroup; empty to run bin/fleet-node directly
     */
    public FleetNodeProcess(Path root, String name, String httpHost, int httpPort, int raftPort, Path dataDir,
                            List<String> extraOptions, List<String> launchPrefix) {
        this.root = root;
        this.name = name;
        this.httpHost = httpHost;
        this.httpPort = httpPort;
        this.raftPort = raftPort;
        this.dataDir = dataDir;
        this.extraOptions = List.copyOf(extraOptions);
        this.launchPrefix = List.copyOf(launchPrefix);
    }

    public String name() {
        return name;
    }

    /** https when the node was given {@code --tls-dir}. */
    public URI url() {
        return URI.create((secured() ? "https://" : "http://") + httpHost + ":" + httpPort);
    }

    public boolean secured() {
        return extraOptions.stream().anyMatch(o -> o.startsWith("--tls-dir="));
    }

    public String raftAddress() {
        return "127.0.0.1:" + raftPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Starts the process (does not wait for readiness). Later starts reuse the data directory. */
    public synchronized FleetNodeProcess start(List<String> onceOptions) throws IOException {
        if (isAlive()) {
            throw new IllegalStateException(name + " is already running");
        }
        Files.createDirectories(dataDir);
        List<String> cmd = new ArrayList<>(launchPrefix);
        cmd.addAll(List.of(root.resolve("bin/fleet-node").toString(),
                "--name=" + name, "--http-port=" + httpPort, "--raft-port=" + raftPort, "--data-dir=" + dataDir));
        if (!httpHost.equals("127.0.0.1")) {
            cmd.addAll(List.of("--http-host=" + httpHost, "--raft-host=127.0.0.1"));
            if (!secured()) {
                cmd.add("--insecure"); // a test bridge's address, plain HTTP: what bin/fleet-node refuses unless told
            }
        }
        cmd.addAll(extraOptions);
        cmd.addAll(onceOptions);
        console = dataDir.resolve("console-" + (++starts) + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(console.toFile());
        process = pb.start();
        return this;
    }

    public FleetNodeProcess start() throws IOException {
        return start(List.of());
    }

    /** Waits for the node's one "ready" line; returns the time to ready it printed, in seconds. */
    public double awaitReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String out = Files.exists(console) ? Files.readString(console, StandardCharsets.ISO_8859_1) : "";
            Matcher m = READY.matcher(out);
            if (m.find()) {
                return Double.parseDouble(m.group(1));
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before it was ready; see " + console);
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(name + " not ready within " + timeout + "; see " + console + " and " + threadDump());
    }

    /** Writes the node JVM's threads next to its console log (jcmd from this JDK), for a failed wait. */
    public Path threadDump() {
        Path out = dataDir.resolve("threads-" + System.currentTimeMillis() + ".txt");
        try {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "Thread.print")
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            return Path.of("(no thread dump: " + e + ")");
        }
        return out;
    }

    /** SIGKILL: no shutdown hooks, no clean close of the RAFT log. */
    public void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** SIGTERM, then SIGKILL if it has not exited within a minute; returns the exit code. */
    public int stop() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return process == null ? 0 : process.exitValue();
        }
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        return process.exitValue();
    }

    public Path consoleLog() {
        return console;
    }
}
