package dev.fleet.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * A cluster of real fleet nodes on loopback, each a {@code bin/fleet-node} process with its own data dir; plain, or
 * secured ({@link #startSecured}: each node with its own {@code --tls-dir} from one {@link ClusterCa}).
 */
public final class FleetCluster implements KvCluster {
    public static final Duration BOOT_TIMEOUT = Duration.ofMinutes(4);
    /** Name of the operate-role client certificate {@link #auth()} presents on a secured cluster. */
    public static final String OPERATE_CLIENT = "testkit-operate";

    private final Path root;
    private final Path workDir;
    private final List<FleetNodeProcess> nodes = new ArrayList<>();
    private final List<Double> readySeconds = new ArrayList<>();
    private ClusterCa ca;
    private EtcdV2Client.Auth auth = EtcdV2Client.Auth.NONE;

    private FleetCluster(Path root, Path workDir) {
        this.root = root;
        this.workDir = workDir;
    }

    /** The repository root (where bin/ is): the fleet.root system property or the working directory's parent. */
    public static Path repositoryRoot() {
        String p = System.getProperty("fleet.root");
        Path dir = p != null ? Path.of(p) : Path.of("").toAbsolutePath();
        while (dir != null && !dir.resolve("bin/fleet-node").toFile().exists()) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("cannot find bin/fleet-node above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    /** Boots {@code size} nodes at once with a static member list and waits until every one is ready. */
    public static FleetCluster start(Path workDir, int size) throws Exception {
        return plan(workDir, size, "127.0.0.1", name -> List.of()).startAll();
    }

    /**
     * A cluster of {@code size} nodes, not started yet (their URLs are known): HTTP on {@code httpHost}, RAFT on
     * 127.0.0.1, each launched through {@code launchPrefix.apply(nodeName)} (see {@link FleetNodeProcess}).
     */
    public static FleetCluster plan(Path workDir, int size, String httpHost, Function<String, List<String>> launchPrefix) {
        try {
            return plan(workDir, size, httpHost, launchPrefix, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Boots {@code size} secured nodes at once: node {@code n<i>} runs with {@code --tls-dir=} what
     * {@code ca.node("n<i>", "127.0.0.1")} issued (HTTPS only, client authentication, mutual TLS on RAFT), and
     * {@link #auth()} presents the operate-role client certificate {@value #OPERATE_CLIENT} of {@code ca}.
     */
    public static FleetCluster startSecured(Path workDir, int size, ClusterCa ca) throws Exception {
        return plan(workDir, size, "127.0.0.1", name -> List.of(), ca).startAll();
    }

    /**
     * As {@link #plan(Path, int, String, Function)}; with a {@code ca} (null: plain) every node is secured with its
     * own {@code --tls-dir} from it (certificates for {@code httpHost} and 127.0.0.1).
     */
    public static FleetCluster plan(Path workDir, int size, String httpHost, Function<String, List<String>> launchPrefix,
                                    ClusterCa ca) throws IOException, InterruptedException {
        FleetCluster c = new FleetCluster(repositoryRoot(), workDir);
        StringJoiner members = new StringJoiner(",");
        List<int[]> ports = new ArrayList<>();
        for (int i = 1; i <= size; i++) {
            int raft = Ports.free(100);
            int http = Ports.free();
            ports.add(new int[] {http, raft});
            members.add("n" + i + "=127.0.0.1:" + raft);
        }
        for (int i = 1; i <= size; i++) {
            int[] p = ports.get(i - 1);
            String name = "n" + i;
            List<String> options = new ArrayList<>(List.of("--members=" + members));
            if (ca != null) {
                String[] ips = httpHost.equals("127.0.0.1") ? new String[] {"127.0.0.1"}
                        : new String[] {httpHost, "127.0.0.1"};
                options.add("--tls-dir=" + ca.node(name, ips));
            }
            c.nodes.add(new FleetNodeProcess(c.root, name, httpHost, p[0], p[1], workDir.resolve(name),
                    options, launchPrefix.apply(name)));
        }
        if (ca != null) {
            c.ca = ca;
            c.auth = new EtcdV2Client.Auth(ca.client(OPERATE_CLIENT, "operate").sslContext(), null);
        }
        return c;
    }

    /** Starts every planned node and waits until each one is ready; stops them all if one fails. */
    public FleetCluster startAll() throws Exception {
        try {
            for (FleetNodeProcess n : nodes) {
                n.start();
            }
            awaitAllReady(nodes);
        } catch (Exception e) {
            close();
            throw e;
        }
        return this;
    }

    /**
     * Starts a new node that joins through {@code via} (POST /v2/members), and waits until it is ready; in a secured
     * cluster with its own {@code --tls-dir} from the same CA.
     */
    public FleetNodeProcess join(String name, FleetNodeProcess via) throws Exception {
        List<String> options = new ArrayList<>(List.of("--join=" + via.url()));
        if (ca != null) {
            options.add("--tls-dir=" + ca.node(name, "127.0.0.1"));
        }
        FleetNodeProcess n = new FleetNodeProcess(root, name, Ports.free(), Ports.free(100), workDir.resolve(name),
                options);
        nodes.add(n);
        n.start();
        readySeconds.add(n.awaitReady(BOOT_TIMEOUT));
        return n;
    }

    /** Waits for several (re)started nodes in parallel. */
    public void awaitAllReady(List<FleetNodeProcess> which) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(which.size());
        try {
            List<Future<Double>> f = new ArrayList<>();
            for (FleetNodeProcess n : which) {
                f.add(pool.submit(() -> n.awaitReady(BOOT_TIMEOUT)));
            }
            for (Future<Double> x : f) {
                readySeconds.add(x.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    public List<FleetNodeProcess> nodes() {
        return List.copyOf(nodes);
    }

    public FleetNodeProcess node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }

    /** Every "time to ready" the nodes printed, in seconds. */
    public List<Double> readySeconds() {
        return List.copyOf(readySeconds);
    }

    /** The CA the nodes' certificates come from; null for a plain cluster. */
    public ClusterCa ca() {
        return ca;
    }

    /** Plain HTTP, or (secured) TLS with the operate client certificate {@value #OPERATE_CLIENT}. */
    @Override
    public EtcdV2Client.Auth auth() {
        return auth;
    }

    @Override
    public List<URI> clientUrls() {
        return nodes.stream().filter(FleetNodeProcess::isAlive).map(FleetNodeProcess::url).toList();
    }

    @Override
    public void close() {
        for (FleetNodeProcess n : nodes) {
            try {
                n.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public Path workDir() {
        return workDir;
    }

}
