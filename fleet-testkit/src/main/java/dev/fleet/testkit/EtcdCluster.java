package dev.fleet.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real etcd 3.4 cluster with the v2 API enabled, each member a child process of this JVM, for comparison and
 * as a reference implementation in tests.
 *
 * <p>Safety: every member listens and advertises on 127.0.0.1 only (client and peer URLs), on ports chosen free at
 * start; data and logs live in a fresh temporary directory. {@link #close()} stops exactly the processes this
 * object started (SIGTERM, then SIGKILL after a bounded wait) and deletes that directory. A JVM shutdown hook does
 * the same if the JVM exits without closing.
 *
 * <pre>{@code
 * try (EtcdCluster etcd = EtcdCluster.start()) {
 *     EtcdV2Client c = new EtcdV2Client(etcd.clientUrls().get(0));
 *     ...
 * }
 * }</pre>
 *
 * The binary is {@code /usr/bin/etcd} (Debian package {@code etcd-server}) unless the system property
 * {@code etcd.binary} or the environment variable {@code ETCD_BINARY} says otherwise.
 */
public final class EtcdCluster implements KvCluster {

    private static final String LOOPBACK = "127.0.0.1";
    private static final int START_ATTEMPTS = 3;

    private final Path workDir;
    private final List<Member> members;
    private final Thread shutdownHook;
    private boolean closed;

    /** One member process. */
    private record Member(String name, int clientPort, int peerPort, Path dataDir, Path log, Process process) {
        URI clientUrl() {
            return URI.create("http://" + LOOPBACK + ":" + clientPort);
        }
    }

    private EtcdCluster(Path workDir, List<Member> members) {
        this.workDir = workDir;
        this.members = members;
        this.shutdownHook = new Thread(this::stopAndDelete, "etcd-cluster-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts 3 members and waits (at most 60 s) until all serve {@code /v2/keys/} and the cluster has a leader. */
    public static EtcdCluster start() {
        return start(3, Duration.ofSeconds(60));
    }

    public static EtcdCluster start(int size, Duration readyTimeout) {
        if (size < 1) throw new IllegalArgumentException("size " + size);
        Path binary = binary();
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException(binary + " not found or not executable: install the Debian package "
                    + "etcd-server (or set -Detcd.binary=...)");
        }
        IllegalStateException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            try {
                return startOnce(binary, size, readyTimeout);
            } catch (IllegalStateException e) {
                // most likely a port taken between choosing it and etcd binding it: retry on new ports
                last = e;
            }
        }
        throw last;
    }

    private static Path binary() {
        String p = System.getProperty("etcd.binary");
        if (p == null || p.isBlank()) p = System.getenv("ETCD_BINARY");
        if (p == null || p.isBlank()) p = "/usr/bin/etcd";
        return Path.of(p);
    }

    private static EtcdCluster startOnce(Path binary, int size, Duration readyTimeout) {
        Path dir;
        try {
            dir = Files.createTempDirectory("etcd-cluster-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int[] ports = freePorts(2 * size);
        StringJoiner initialCluster = new StringJoiner(",");
        for (int i = 0; i < size; i++) {
            initialCluster.add("m" + i + "=http://" + LOOPBACK + ":" + ports[2 * i + 1]);
        }
        String token = "fleet-test-" + UUID.randomUUID();
        List<Member> started = new ArrayList<>();
        EtcdCluster cluster = null;
        try {
            for (int i = 0; i < size; i++) {
                String name = "m" + i;
                int clientPort = ports[2 * i];
                int peerPort = ports[2 * i + 1];
                Path data = dir.resolve(name + ".etcd");
                Path log = dir.resolve(name + ".log");
                String client = "http://" + LOOPBACK + ":" + clientPort;
                String peer = "http://" + LOOPBACK + ":" + peerPort;
                List<String> cmd = List.of(binary.toString(),
                        "--name", name,
                        "--data-dir", data.toString(),
                        "--listen-client-urls", client,
                        "--advertise-client-urls", client,
                        "--listen-peer-urls", peer,
                        "--initial-advertise-peer-urls", peer,
                        "--initial-cluster", initialCluster.toString(),
                        "--initial-cluster-token", token,
                        "--initial-cluster-state", "new",
                        "--enable-v2=true",
                        "--logger=zap",
                        "--log-outputs=stderr");
                ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
                // etcd also reads its flags from ETCD_* variables: start from a clean slate
                pb.environment().keySet().removeIf(k -> k.startsWith("ETCD_"));
                pb.redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
                Process p = pb.start();
                p.getOutputStream().close();
                started.add(new Member(name, clientPort, peerPort, data, log, p));
            }
            cluster = new EtcdCluster(dir, List.copyOf(started));
            cluster.awaitReady(readyTimeout);
            return cluster;
        } catch (IOException | RuntimeException e) {
            String logs = tails(started);
            if (cluster != null) {
                cluster.close();
            } else {
                stop(started);
                Dirs.deleteRecursively(dir);
            }
            throw new IllegalStateException("etcd cluster did not start: " + e + logs, e);
        }
    }

    /** Ports free right now on 127.0.0.1 (all held open together, so they are distinct). */
    private static int[] freePorts(int n) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK));
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // nothing to do
                }
            }
        }
    }

    /** Polls (bounded) until every member answers {@code GET /v2/keys/} and {@code /health} says true. */
    private void awaitReady(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Member m : members) {
            EtcdV2Client c = new EtcdV2Client(m.clientUrl(), EtcdV2Client.newHttpClient(), Duration.ofSeconds(2));
            String lastProblem = "no answer yet";
            while (true) {
                if (!m.process().isAlive()) {
                    throw new IllegalStateException(m.name() + " exited with status " + m.process().exitValue());
                }
                try {
                    EtcdV2Client.Response r = c.get("/");
                    if (r.isSuccess()) {
                        var health = c.getJson("/health");
                        // {"health":"true"} (a string in 3.4; accept a boolean too)
                        if (String.valueOf(health.get("health")).replace("\"", "").equals("true")) {
                            break;
                        }
                        lastProblem = "/health: " + health;
                    } else {
                        lastProblem = "GET /v2/keys/: " + r;
                    }
                } catch (IOException e) {
                    lastProblem = e.toString();
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException(m.name() + " not ready after " + timeout + ": " + lastProblem);
                }
                sleep(100);
            }
        }
    }

    @Override
    public List<URI> clientUrls() {
        return members.stream().map(Member::clientUrl).toList();
    }

    /** The member logs (they are deleted by {@link #close()}). */
    public List<Path> logFiles() {
        return members.stream().map(Member::log).toList();
    }

    public Path workDir() {
        return workDir;
    }

    /** Stops the members and deletes the data directory. Idempotent. */
    @Override
    public void close() {
        stopAndDelete();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // already shutting down
        }
    }

    private synchronized void stopAndDelete() {
        if (closed) return;
        closed = true;
        stop(members);
        Dirs.deleteRecursively(workDir);
    }

    /**
     * SIGTERM all, wait up to 2 s, then SIGKILL what is left and wait up to 5 s. Only our own children. (A leader
     * whose followers already stopped spends ~7 s trying to hand over leadership; its data is thrown away anyway.)
     */
    private static void stop(List<Member> ms) {
        for (Member m : ms) {
            m.process().destroy();
        }
        for (Member m : ms) {
            try {
                if (!m.process().waitFor(2, TimeUnit.SECONDS)) {
                    m.process().destroyForcibly();
                    m.process().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                m.process().destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String tails(List<Member> ms) {
        StringBuilder sb = new StringBuilder();
        for (Member m : ms) {
            try {
                List<String> lines = Files.readAllLines(m.log(), StandardCharsets.UTF_8);
                sb.append("\n--- ").append(m.name()).append(" log (last lines) ---\n");
                lines.subList(Math.max(0, lines.size() - 15), lines.size()).forEach(l -> sb.append(l).append('\n'));
            } catch (IOException ignored) {
                // no log
            }
        }
        return sb.toString();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return "EtcdCluster" + clientUrls();
    }
}
