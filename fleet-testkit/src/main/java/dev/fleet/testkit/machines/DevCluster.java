package dev.fleet.testkit.machines;

import dev.fleet.client.FleetClient;
import dev.fleet.schema.Machine;
import dev.fleet.testkit.Dirs;
import dev.fleet.testkit.FleetCluster;
import dev.fleet.testkit.ClusterCa;
import dev.fleet.testkit.FleetNodeProcess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * A whole fleet on one host: M control-plane nodes (bin/fleet-node; HTTP on the bridge address
 * {@code 10.77.NET.254}, RAFT on 127.0.0.1) and N real systemd machines, each running fleet-agent as
 * {@code fleet-agent.service}. Every resource is recorded in the instance's {@link Ledger} under
 * {@code /run/fleet-machines/INSTANCE} before it is created.
 *
 * <pre>{@code
 * try (DevCluster c = DevCluster.builder().nodes(1).machines(3).metadata("m1", "region=eu").start()) {
 *     c.awaitRegistered(Duration.ofMinutes(2));
 *     c.machine("m1").exec("systemctl", "show", "-p", "ActiveState", "fleet-agent.service");
 * }
 * }</pre>
 */
public final class DevCluster implements AutoCloseable {
    public static final String AGENT_UNIT = "fleet-agent.service";
    /** What {@code cluster.properties} in the instance directory is called; {@code bin/fleet-dev status} reads it. */
    public static final String PROPERTIES = "cluster.properties";

    private final Builder b;
    private final String instance;
    private final Ledger ledger;
    private MachineNetwork network;
    private FleetCluster nodes;
    private ClusterCa ca;
    private final Map<String, SystemdMachine> machines = new LinkedHashMap<>();
    private Thread shutdownHook;
    private boolean closed;

    private DevCluster(Builder b, String instance, Ledger ledger) {
        this.b = b;
        this.instance = instance;
        this.ledger = ledger;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** What to start. Without {@link #instance}, a free test instance {@code tN} on net N (1..250) is taken. */
    public static final class Builder {
        private String instance;
        private int net = -1;
        private int nodes = 1;
        private int machines = 2;
        private String ttl = "5s";
        private final Map<String, String> metadata = new LinkedHashMap<>();
        private Path workDir;
        private boolean detached;
        private boolean startAgents = true;
        private boolean secured;
        private Consumer<String> progress = s -> { };

        /** A named instance on a fixed net (the dev cluster is "dev" on net 0). */
        public Builder instance(String name, int net) {
            MachineNetwork.bridgeName(name);
            this.instance = name;
            this.net = net;
            return this;
        }

        /** 1..7 nodes; 0 only for bare machines ({@code agents(false)}), e.g. for a test of a systemd client. */
        public Builder nodes(int n) {
            if (n < 0 || n > 7) {
                throw new IllegalArgumentException("nodes: 0..7, not " + n);
            }
            this.nodes = n;
            return this;
        }

        public Builder machines(int n) {
            if (n < 0 || n > 250) {
                throw new IllegalArgumentException("machines: 0..250, not " + n);
            }
            this.machines = n;
            return this;
        }

        /** The agents' --agent-ttl, e.g. "5s". */
        public Builder ttl(String ttl) {
            if (!ttl.matches("[0-9]+(ms|s|m)?")) {
                throw new IllegalArgumentException("ttl '" + ttl + "': a number with an optional unit ms, s or m");
            }
            this.ttl = ttl;
            return this;
        }

        /** The agent's --metadata of one machine ("m1", ...), e.g. "region=eu,disk=ssd". */
        public Builder metadata(String machine, String keyValues) {
            if (!keyValues.matches("[A-Za-z0-9_.-]+=[A-Za-z0-9_.:/-]*(,[A-Za-z0-9_.-]+=[A-Za-z0-9_.:/-]*)*")) {
                throw new IllegalArgumentException("metadata '" + keyValues + "': k=v[,k=v...] of [A-Za-z0-9_.:/-]");
            }
            metadata.put(machine, keyValues);
            return this;
        }

        /** Where node data and logs go (default: fleet-testkit/target/it-work/devcluster-INSTANCE in the repository). */
        public Builder workDir(Path dir) {
            this.workDir = dir;
            return this;
        }

        /** Detached: everything keeps running after this JVM exits (no shutdown hook); fleet-dev down removes it. */
        public Builder detached(boolean d) {
            this.detached = d;
            return this;
        }

        /** Without agents the machines boot bare (for tests of the harness itself). */
        public Builder agents(boolean on) {
            this.startAgents = on;
            return this;
        }

        /**
         * A secured cluster: a cluster CA in the work directory (bin/fleet-ca), every node on HTTPS with its node
         * certificate (--tls-dir), every agent with its own machine's certificate, client certificates and tokens
         * for each role ({@link #credentials}).
         */
        public Builder secured(boolean on) {
            this.secured = on;
            return this;
        }

        /** Receives one line per step ("node n1 ready (12.3 s)"). */
        public Builder progress(Consumer<String> p) {
            this.progress = p;
            return this;
        }

        public DevCluster start() throws Exception {
            if (nodes == 0 && startAgents && machines > 0) {
                throw new IllegalArgumentException("agents need a node to talk to: nodes(0) only with agents(false)");
            }
            Instance claimed = claim(instance, net);
            DevCluster c = new DevCluster(this, claimed.name(), claimed.ledger());
            try {
                c.boot(claimed.net());
            } catch (Exception | Error e) {
                try {
                    c.close();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            return c;
        }
    }

    private record Instance(String name, int net, Ledger ledger) { }

    /** Takes the named instance, or the first free {@code tN}: creating its directory is the atomic claim. */
    private static Instance claim(String name, int net) throws IOException {
        Files.createDirectories(Ledger.STATE_ROOT);
        if (name != null) {
            Path dir = Ledger.STATE_ROOT.resolve(name);
            if (Ledger.exists(dir)) {
                throw new IllegalStateException("instance '" + name + "' exists already (" + dir + "): tear it down first");
            }
            return new Instance(name, net, Ledger.open(dir));
        }
        cleanupStale();
        for (int n = 1; n <= 250; n++) {
            Path dir = Ledger.STATE_ROOT.resolve("t" + n);
            try {
                Files.createDirectory(dir);
            } catch (FileAlreadyExistsException taken) {
                continue;
            }
            if (Files.exists(Path.of("/sys/class/net", MachineNetwork.bridgeName("t" + n)))) {
                continue; // a bridge of an unrecorded run: leave that net alone (and the claim dir, so no one retries it)
            }
            return new Instance("t" + n, n, Ledger.open(dir));
        }
        throw new IllegalStateException("no free test network in 10.77.1-250 (bin/fleet-dev cleanup)");
    }

    /** Tears down every instance whose owning JVM is gone and that was not started detached (a crashed test run). */
    public static List<String> cleanupStale() {
        List<String> done = new ArrayList<>();
        for (Path dir : Ledger.instances(Ledger.STATE_ROOT)) {
            Owner o = Owner.read(dir);
            if (o != null && !o.detached() && !o.alive()) {
                List<String> problems = new ArrayList<>(Ledger.teardown(dir, Duration.ofSeconds(10)));
                Ledger.forget(dir, problems);
                done.add(dir.getFileName() + (problems.isEmpty() ? "" : " " + problems));
            }
        }
        return done;
    }

    private void boot(int net) throws Exception {
        Owner.writeCurrent(ledger.dir(), b.detached);
        if (!b.detached) {
            shutdownHook = new Thread(this::closeQuietly, "devcluster-" + instance + "-teardown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
        ledger.note("net", Integer.toString(net));
        network = MachineNetwork.create(ledger, instance, net);
        String cgroupParent = "fleet-" + instance;
        Cgroups.create(ledger, cgroupParent);
        Path work = b.workDir != null ? b.workDir
                : FleetCluster.repositoryRoot().resolve("fleet-testkit/target/it-work/devcluster-" + instance);
        // A fresh cluster each time: an earlier run's RAFT log names other ports.
        for (int i = 1; i <= b.nodes; i++) {
            Path old = work.resolve("n" + i);
            if (Files.isDirectory(old) && Mounts.under(old).isEmpty()) {
                Dirs.deleteRecursively(old);
            }
        }
        // Nodes: each in a cgroup of its own under the instance's (so teardown finds every process), and in a
        // session of its own (so a detached cluster survives the terminal that started it).
        if (b.secured) {
            ca = ClusterCa.init(FleetCluster.repositoryRoot(), work.resolve("ca"));
            b.progress.accept("cluster CA in " + ca.dir());
        }
        nodes = FleetCluster.plan(work, b.nodes, network.hostAddress(), name -> {
            Path[] cg = Cgroups.create(ledger, cgroupParent + "/node-" + name);
            return List.of("/bin/sh", "-c",
                    "echo $$ > \"$1/cgroup.procs\" && echo $$ > \"$2/cgroup.procs\" && shift 2 && exec setsid \"$@\"",
                    "sh", cg[0].toString(), cg[1].toString());
        }, ca);
        List<URI> endpoints = nodes.nodes().stream().map(FleetNodeProcess::url).toList();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(2, b.nodes + Math.min(b.machines, 4)));
        try {
            long t0 = System.nanoTime();
            List<Future<?>> nodeReady = new ArrayList<>();
            for (FleetNodeProcess n : nodes.nodes()) {
                n.start();
                ledger.recordProcess(n.pid(), "node " + n.name(), true);
                nodeReady.add(pool.submit(() -> {
                    n.awaitReady(FleetCluster.BOOT_TIMEOUT);
                    b.progress.accept(String.format("node %s ready at %s (%.1f s)", n.name(), n.url(), secondsSince(t0)));
                    return null;
                }));
            }
            List<Future<SystemdMachine>> booted = new ArrayList<>();
            for (int k = 1; k <= b.machines; k++) {
                String name = "m" + k;
                SystemdMachine.Spec spec = SystemdMachine.spec(name, k);
                if (b.startAgents) {
                    spec = spec.withUnit(AGENT_UNIT, agentUnit(endpoints, network.machineAddress(k), b.metadata.get(name),
                            ca == null ? null : ca.agent(SystemdMachine.machineIdOf(name), network.machineAddress(k))));
                }
                SystemdMachine.Spec s = spec;
                booted.add(pool.submit(() -> {
                    long m0 = System.nanoTime();
                    SystemdMachine m = SystemdMachine.boot(ledger, network, cgroupParent, s);
                    synchronized (machines) {
                        machines.put(s.name(), m);
                    }
                    m.awaitRunning();
                    b.progress.accept(String.format("machine %s running (%.2f s)", s.name(), secondsSince(m0)));
                    return m;
                }));
            }
            for (Future<SystemdMachine> f : booted) {
                f.get();
            }
            // keep them in name order whatever order they booted in
            Map<String, SystemdMachine> ordered = new LinkedHashMap<>();
            for (int k = 1; k <= b.machines; k++) {
                ordered.put("m" + k, machines.get("m" + k));
            }
            synchronized (machines) {
                machines.clear();
                machines.putAll(ordered);
            }
            for (Future<?> f : nodeReady) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        writeProperties();
    }

    private static double secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /**
     * fleet-agent.service: the repository's {@code bin/fleet-agent} (its JVM options) with the host's JDK first on the
     * PATH, both visible through the overlay's lower layer.
     */
    String agentUnit(List<URI> endpoints, String address, String metadata, ClusterCa.PemFiles tls) {
        // the machine sees the host's files through its overlay's lower layer: the agent's own PEM files too
        return agentUnit(" --endpoint=" + endpoints.stream().map(URI::toString).collect(Collectors.joining(","))
                + " --public-ip=" + address + " --agent-ttl=" + b.ttl
                + (metadata == null ? "" : " --metadata=" + metadata)
                + (tls == null ? "" : " --ca-file=" + tls.ca() + " --cert-file=" + tls.cert() + " --key-file=" + tls.key()));
    }


    /**
     * fleet-agent.service running {@code bin/fleet-agent} with exactly {@code args} (e.g. none, to read only
     * /etc/fleet/fleet.conf), for a test that installs an agent its own way on a cluster built with {@code agents(false)}.
     */
    public String agentUnit(String args) {
        String javaBin = Path.of(System.getProperty("java.home"), "bin").toString();
        String script = FleetCluster.repositoryRoot().resolve("bin/fleet-agent").toString();
        for (String p : List.of(javaBin, script)) {
            if (!p.matches("[A-Za-z0-9_./+-]+")) {
                throw new IllegalStateException("path '" + p + "' cannot go into an ExecStart line as it is");
            }
        }
        if (!args.matches("[A-Za-z0-9_./:,=%+ -]*")) {
            throw new IllegalArgumentException("agent arguments '" + args + "' cannot go into an ExecStart line as they are");
        }
        String exec = script + args;
        return """
                [Unit]
                Description=fleet agent
                Wants=%s
                After=%s
                # never give up: the nodes may still be booting
                StartLimitIntervalSec=0
                [Service]
                Environment=PATH=%s:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
                ExecStart=%s
                Restart=on-failure
                RestartSec=2s
                """.formatted(SystemdMachine.NET_UNIT, SystemdMachine.NET_UNIT, javaBin, exec);
    }

    private void writeProperties() throws IOException {
        Properties p = new Properties();
        p.setProperty("instance", instance);
        p.setProperty("net", Integer.toString(network.net()));
        p.setProperty("bridge", network.bridge());
        p.setProperty("endpoints", endpoints().stream().map(URI::toString).collect(Collectors.joining(",")));
        p.setProperty("nodes", nodes.nodes().stream().map(FleetNodeProcess::name).collect(Collectors.joining(",")));
        for (FleetNodeProcess n : nodes.nodes()) {
            p.setProperty("node." + n.name() + ".url", n.url().toString());
            p.setProperty("node." + n.name() + ".pid", n.pid() + " " + ProcInfo.startTime(n.pid()).orElse("-"));
            p.setProperty("node." + n.name() + ".dataDir", n.dataDir().toString());
        }
        p.setProperty("machines", String.join(",", machines.keySet()));
        if (ca != null) {
            p.setProperty("ca", ca.dir().toString());
        }
        for (SystemdMachine m : machines.values()) {
            p.setProperty("machine." + m.name() + ".id", m.machineId());
            p.setProperty("machine." + m.name() + ".address", m.address());
            p.setProperty("machine." + m.name() + ".pid1", m.pid1() + " " + ProcInfo.startTime(m.pid1()).orElse("-"));
        }
        Path f = ledger.recordFile(ledger.dir().resolve(PROPERTIES));
        try (Writer w = Files.newBufferedWriter(f)) {
            p.store(w, "fleet dev cluster " + instance);
        }
    }

    // ------------------------------------------------------------------------------------------ accessors

    public String instance() {
        return instance;
    }

    public MachineNetwork network() {
        return network;
    }

    /** The nodes' base URLs, e.g. http://10.77.0.254:24567 (reachable from the host and from every machine). */
    public List<URI> endpoints() {
        return nodes.nodes().stream().map(FleetNodeProcess::url).toList();
    }

    public List<SystemdMachine> machines() {
        return List.copyOf(machines.values());
    }

    public SystemdMachine machine(String name) {
        SystemdMachine m = machines.get(name);
        if (m == null) {
            throw new IllegalArgumentException("no machine '" + name + "' (there are " + machines.keySet() + ")");
        }
        return m;
    }

    /** The i-th node, from 0. */
    public FleetNodeProcess node(int i) {
        return nodes.nodes().get(i);
    }

    public FleetCluster nodeCluster() {
        return nodes;
    }

    /**
     * A client of the nodes' API v1 (the one client: failover over the nodes, 2 s connect, 10 s read timeout); on a
     * secured cluster with an admin client certificate.
     */
    public FleetClient client() {
        FleetClient c = new FleetClient(endpoints());
        if (ca != null) {
            c.useTls(credentials("admin").sslContext());
        }
        return c;
    }

    /** The cluster's CA, or null when the cluster is not secured. */
    public ClusterCa ca() {
        return ca;
    }

    /** A client certificate of {@code role} (read, operate, admin), issued once: the secured cluster's PEM files. */
    public ClusterCa.PemFiles credentials(String role) {
        if (ca == null) {
            throw new IllegalStateException("the cluster is not secured: no credentials");
        }
        try {
            return ca.client("dev-" + role, role);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Ledger ledger() {
        return ledger;
    }

    // ------------------------------------------------------------------------------------------ operations

    /** The machine IDs {@code GET /fleet/v1/machines} lists now (empty if no node answers). */
    public Set<String> registeredIds() {
        try {
            return client().machines().stream().map(Machine::id).collect(Collectors.toCollection(TreeSet::new));
        } catch (RuntimeException e) {
            return Set.of();
        }
    }

    /** Polls {@code GET /fleet/v1/machines} until every machine's ID is listed; returns the seconds waited. */
    public double awaitRegistered(Duration timeout) {
        long t0 = System.nanoTime();
        long deadline = t0 + timeout.toNanos();
        Set<String> want = machines.values().stream().map(SystemdMachine::machineId).collect(Collectors.toSet());
        int reported = -1;
        while (true) {
            Set<String> have = registeredIds();
            int n = (int) want.stream().filter(have::contains).count();
            if (n != reported) {
                b.progress.accept(n + "/" + want.size() + " machines registered");
                reported = n;
            }
            if (n == want.size()) {
                return secondsSince(t0);
            }
            if (System.nanoTime() > deadline) {
                StringBuilder why = new StringBuilder();
                for (SystemdMachine m : machines.values()) {
                    if (!have.contains(m.machineId())) {
                        why.append("\n--- ").append(m.name()).append(": ")
                                .append(m.exec("journalctl", "-u", AGENT_UNIT, "--no-pager", "-n", "15").output());
                    }
                }
                throw new IllegalStateException(n + "/" + want.size() + " machines registered after " + timeout + why);
            }
            Ledger.sleep(100);
        }
    }

    /** {@code systemctl restart fleet-agent.service} in the machine. */
    public void restartAgent(String machine) {
        Sh.Result r = machine(machine).exec("systemctl", "restart", AGENT_UNIT);
        if (!r.ok()) {
            throw new IllegalStateException("restart of the agent on " + machine + " failed: " + r.output());
        }
    }

    /** SIGKILL of the agent's MainPID (systemd restarts it: Restart=on-failure). Returns the PID killed (machine's view). */
    public long killAgent(String machine) {
        SystemdMachine m = machine(machine);
        String pid = m.exec("systemctl", "show", "-p", "MainPID", "--value", AGENT_UNIT).output().strip();
        if (!pid.matches("[1-9][0-9]*")) {
            throw new IllegalStateException("the agent on " + machine + " has no main process (MainPID '" + pid + "')");
        }
        Sh.Result r = m.exec("kill", "-KILL", pid);
        if (!r.ok()) {
            throw new IllegalStateException("kill -KILL " + pid + " in " + machine + ": " + r.output());
        }
        return Long.parseLong(pid);
    }

    /** Stops nodes and machines and removes every recorded resource; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> problems = new ArrayList<>();
        List<Thread> stops = new ArrayList<>();
        if (nodes != null) {
            stops.add(started(nodes::close));
        }
        List<SystemdMachine> ms;
        synchronized (machines) {
            ms = List.copyOf(machines.values());
        }
        for (SystemdMachine m : ms) {
            stops.add(started(() -> {
                try {
                    m.close();
                } catch (RuntimeException e) {
                    synchronized (problems) {
                        problems.add(e.getMessage());
                    }
                }
            }));
        }
        for (Thread t : stops) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (network != null) {
            network.close();
        }
        problems.addAll(Ledger.teardown(ledger.dir(), Duration.ofSeconds(30)));
        Ledger.forget(ledger.dir(), problems);
        Cleanup.removeNspawnLeftovers();
        if (shutdownHook != null && !Thread.currentThread().equals(shutdownHook)) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to: nothing left for it to do
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("teardown of " + instance + " left: " + problems);
        }
    }

    private static Thread started(Runnable r) {
        Thread t = new Thread(r, "devcluster-stop");
        t.start();
        return t;
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            System.err.println("fleet dev cluster " + instance + ": " + e.getMessage());
        }
    }
}
