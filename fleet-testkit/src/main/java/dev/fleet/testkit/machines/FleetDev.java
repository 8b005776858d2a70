package dev.fleet.testkit.machines;

import dev.fleet.testkit.FleetCluster;

import dev.fleet.testkit.ClusterCa;

import dev.fleet.client.FleetClient;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
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
import java.util.stream.Collectors;

/**
 * {@code bin/fleet-dev}: a detached dev cluster on this host (instance "dev", net 10.77.0.0/24): nodes with
 * their HTTP API on 10.77.0.254, machines 10.77.0.1.. each running fleet-agent. See docs/dev-cluster.md.
 */
public final class FleetDev {
    static final String INSTANCE = "dev";
    static final int NET = 0;
    static final String USAGE = """
            fleet-dev: a fleet cluster of real systemd machines on this host (root; systemd-container)
              fleet-dev up [--machines=3] [--nodes=1] [--ttl=5s] [--metadata=m1:region=eu,disk=ssd]... [--timeout=180s]
                           [--insecure]
                  boots nodes and machines detached (they outlive the command), waits until every machine is
                  registered, prints the endpoints and the machines. Secured by default: a cluster CA, nodes on
                  HTTPS with client certificates or tokens required, each agent with its machine's certificate
                  (--insecure: plain HTTP, no identities)
              fleet-dev env [--role=admin|operate|read]
                                   prints the exports for fleetctl, curl and scripts of that role (default admin):
                                   FLEETCTL_ENDPOINT, and on a secured cluster FLEETCTL_CA_FILE, FLEETCTL_CERT_FILE,
                                   FLEETCTL_KEY_FILE (PEM: also for curl, openssl, etcdctl and fleet's Go fleetctl)
                                   and FLEETCTL_TOKEN (a bearer token of that role, valid one day)
              fleet-dev status     nodes and machines, alive or dead, agents, registrations
              fleet-dev down       stops and removes everything 'up' created (node logs stay in FLEET_DEV_HOME)
              fleet-dev cleanup [--force]
                                   tears down every recorded instance, crashed test runs included
                                   (--force: also those whose JVM still runs)
              fleet-dev help
            Node data and logs: ${FLEET_DEV_HOME:-~/.local/share/fleet-dev}; records: /run/fleet-machines/dev.
            """;

    private FleetDev() { }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || List.of("help", "--help", "-h").contains(args[0])) {
            System.out.print(USAGE);
            System.exit(args.length == 0 ? 2 : 0);
        }
        String cmd = args[0];
        int rc;
        try {
            Map<String, List<String>> opts = options(List.of(args).subList(1, args.length));
            rc = switch (cmd) {
                case "up" -> up(opts);
                case "env" -> env(opts);
                case "status" -> status(only(opts));
                case "down" -> down(only(opts));
                case "cleanup" -> Cleanup.run(opts.containsKey("force"), System.out) ? 0 : 1;
                default -> usageError("unknown command '" + cmd + "'");
            };
        } catch (IllegalArgumentException e) {
            rc = usageError(e.getMessage());
        } catch (IllegalStateException e) {
            System.err.println("fleet-dev: " + e.getMessage());
            rc = 1;
        }
        System.exit(rc);
    }

    /** asadmin style: --option=value (a flag may omit =value); anything else is an error. */
    static Map<String, List<String>> options(List<String> args) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String a : args) {
            if (!a.startsWith("--") || a.length() < 3) {
                throw new IllegalArgumentException("'" + a + "': options are --option=value");
            }
            int eq = a.indexOf('=');
            String k = eq < 0 ? a.substring(2) : a.substring(2, eq);
            out.computeIfAbsent(k, x -> new ArrayList<>()).add(eq < 0 ? "" : a.substring(eq + 1));
        }
        return out;
    }

    private static Map<String, List<String>> only(Map<String, List<String>> opts) {
        if (!opts.isEmpty()) {
            throw new IllegalArgumentException("this command takes no options (got --" + String.join(", --", opts.keySet()) + ")");
        }
        return opts;
    }

    private static int usageError(String msg) {
        System.err.println("fleet-dev: " + msg + " (fleet-dev help)");
        return 2;
    }

    static int intOption(Map<String, List<String>> opts, String name, int dflt) {
        List<String> v = opts.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.get(v.size() - 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + "=" + v.get(v.size() - 1) + " is not a number");
        }
    }

    /** "180s", "3m", "500ms", or seconds. */
    static Duration duration(String s) {
        if (!s.matches("[0-9]+(ms|s|m)?")) {
            throw new IllegalArgumentException("'" + s + "' is not a duration like 180s, 3m or 500ms");
        }
        if (s.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
        }
        if (s.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
        }
        return Duration.ofSeconds(Long.parseLong(s.endsWith("s") ? s.substring(0, s.length() - 1) : s));
    }

    static Path home() {
        String h = System.getenv("FLEET_DEV_HOME");
        return h != null && !h.isBlank() ? Path.of(h) : Path.of(System.getProperty("user.home"), ".local/share/fleet-dev");
    }

    static Path instanceDir() {
        return Ledger.STATE_ROOT.resolve(INSTANCE);
    }

    // ---------------------------------------------------------------------------------------------- up

    static int up(Map<String, List<String>> opts) throws Exception {
        for (String k : opts.keySet()) {
            if (!Set.of("machines", "nodes", "ttl", "metadata", "timeout", "insecure").contains(k)) {
                return usageError("up: unknown option --" + k);
            }
        }
        if (Ledger.exists(instanceDir())) {
            System.err.println("fleet-dev: a dev cluster is up already (or left over): 'fleet-dev status', then 'fleet-dev down'");
            return 1;
        }
        int machines = intOption(opts, "machines", 3);
        int nodes = intOption(opts, "nodes", 1);
        Duration timeout = duration(opts.getOrDefault("timeout", List.of("180s")).get(0));
        DevCluster.Builder b = DevCluster.builder().instance(INSTANCE, NET).nodes(nodes).machines(machines)
                .ttl(opts.getOrDefault("ttl", List.of("5s")).get(0)).detached(true).workDir(home())
                .secured(!opts.containsKey("insecure"))
                .progress(line -> System.out.println("  " + line));
        for (String md : opts.getOrDefault("metadata", List.of())) {
            int colon = md.indexOf(':');
            if (colon < 1) {
                return usageError("--metadata=" + md + ": MACHINE:k=v[,k=v...], e.g. m1:region=eu");
            }
            b.metadata(md.substring(0, colon), md.substring(colon + 1));
        }
        long t0 = System.nanoTime();
        System.out.printf("fleet-dev: starting %d node(s) and %d machine(s) on %s (%s)%n", nodes, machines,
                MachineNetwork.bridgeName(INSTANCE), "10.77." + NET + ".0/24");
        DevCluster c = b.start();
        int rc = 0;
        try {
            double reg = c.awaitRegistered(timeout);
            System.out.printf("fleet-dev: up in %.1f s (registration took %.1f s after boot)%n", (System.nanoTime() - t0) / 1e9, reg);
        } catch (IllegalStateException e) {
            System.err.println("fleet-dev: " + e.getMessage());
            System.err.println("fleet-dev: the cluster stays up; see 'fleet-dev status', or 'fleet-dev down'");
            rc = 1;
        }
        System.out.println();
        System.out.println("endpoints: " + c.endpoints().stream().map(URI::toString).collect(Collectors.joining(",")));
        System.out.printf("%-6s %-34s %s%n", "NAME", "MACHINE ID", "ADDRESS");
        for (SystemdMachine m : c.machines()) {
            System.out.printf("%-6s %-34s %s%n", m.name(), m.machineId(), m.address());
        }
        System.out.println();
        System.out.println("eval \"$(bin/fleet-dev env)\" to point fleetctl at it; bin/fleet-dev down to remove it");
        return rc;
    }

    // ---------------------------------------------------------------------------------------------- env, status

    static Properties properties() throws IOException {
        Path f = instanceDir().resolve(DevCluster.PROPERTIES);
        if (!Files.exists(f)) {
            throw new IllegalStateException("no dev cluster is up ('fleet-dev up')");
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(f)) {
            p.load(r);
        }
        return p;
    }

    static int env(Map<String, List<String>> opts) throws IOException, InterruptedException {
        for (String k : opts.keySet()) {
            if (!k.equals("role")) {
                return usageError("env: unknown option --" + k);
            }
        }
        String role = opts.getOrDefault("role", List.of("admin")).get(0);
        if (!Set.of("read", "operate", "admin").contains(role)) {
            return usageError("env: --role=" + role + ": read, operate or admin");
        }
        Properties p = properties();
        System.out.println("export FLEETCTL_ENDPOINT=" + p.getProperty("endpoints"));
        ClusterCa ca = ca(p);
        if (ca != null) {
            ClusterCa.PemFiles f = ca.client("dev-" + role, role);
            System.out.println("export FLEETCTL_CA_FILE=" + f.ca());
            System.out.println("export FLEETCTL_CERT_FILE=" + f.cert());
            System.out.println("export FLEETCTL_KEY_FILE=" + f.key());
            System.out.println("export FLEETCTL_TOKEN=" + ca.token("dev-" + role, role, 1));
        }
        return 0;
    }

    /** The secured dev cluster's CA, or null for an insecure one. */
    static ClusterCa ca(Properties p) throws IOException, InterruptedException {
        String dir = p.getProperty("ca");
        return dir == null ? null : ClusterCa.init(FleetCluster.repositoryRoot(), Path.of(dir));
    }

    static int status(Map<String, List<String>> opts) throws IOException, InterruptedException {
        Properties p = properties();
        List<URI> endpoints = new ArrayList<>();
        System.out.printf("%-6s %-6s %-8s %s%n", "NODE", "STATE", "PID", "URL");
        for (String n : p.getProperty("nodes").split(",")) {
            String[] pid = p.getProperty("node." + n + ".pid").split(" ");
            boolean alive = ProcInfo.isSame(Long.parseLong(pid[0]), pid[1]);
            System.out.printf("%-6s %-6s %-8s %s%n", n, alive ? "alive" : "dead", pid[0], p.getProperty("node." + n + ".url"));
            if (alive) {
                endpoints.add(URI.create(p.getProperty("node." + n + ".url")));
            }
        }
        Set<String> registered = new TreeSet<>();
        if (!endpoints.isEmpty()) {
            try {
                FleetClient client = new FleetClient(endpoints);
                ClusterCa ca = ca(p);
                if (ca != null) {
                    client.useTls(ca.client("dev-admin", "admin").sslContext());
                }
                client.machines().forEach(m -> registered.add(m.id()));
            } catch (RuntimeException e) {
                System.out.println("(machines not listed: " + e.getMessage() + ")");
            }
        }
        System.out.println();
        System.out.printf("%-6s %-6s %-10s %-10s %-10s %-34s %s%n", "NAME", "STATE", "SYSTEM", "AGENT", "REGISTERED", "MACHINE ID", "ADDRESS");
        for (String m : p.getProperty("machines", "").split(",")) {
            if (m.isEmpty()) {
                continue;
            }
            String[] pid1 = p.getProperty("machine." + m + ".pid1").split(" ");
            long pid = Long.parseLong(pid1[0]);
            boolean alive = ProcInfo.isSame(pid, pid1[1]);
            String system = "-";
            String agent = "-";
            if (alive) {
                String bus = "unix:path=/proc/" + pid + "/root/run/dbus/system_bus_socket";
                String s = Sh.run(List.of("busctl", "--address=" + bus, "get-property", "org.freedesktop.systemd1",
                        "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "SystemState"), Duration.ofSeconds(5)).output().strip();
                system = s.startsWith("s \"") ? s.substring(3, s.length() - 1) : "?";
                agent = Sh.run(List.of("nsenter", "-t", Long.toString(pid), "-a", "systemctl", "show", "-p", "ActiveState",
                        "--value", DevCluster.AGENT_UNIT), Duration.ofSeconds(5)).output().strip();
            }
            String id = p.getProperty("machine." + m + ".id");
            System.out.printf("%-6s %-6s %-10s %-10s %-10s %-34s %s%n", m, alive ? "alive" : "dead", system, agent,
                    registered.contains(id) ? "yes" : "no", id, p.getProperty("machine." + m + ".address"));
        }
        System.out.println();
        System.out.println("endpoints: " + p.getProperty("endpoints"));
        return 0;
    }

    // ---------------------------------------------------------------------------------------------- down

    static int down(Map<String, List<String>> opts) {
        Path dir = instanceDir();
        if (!Ledger.exists(dir)) {
            System.out.println("fleet-dev: no dev cluster recorded; nothing to do");
            return 0;
        }
        long t0 = System.nanoTime();
        List<String> problems = new ArrayList<>(Ledger.teardown(dir, Duration.ofSeconds(60)));
        Ledger.forget(dir, problems);
        System.out.printf("fleet-dev: down in %.1f s%s%n", (System.nanoTime() - t0) / 1e9,
                problems.isEmpty() ? "" : "; left: " + problems);
        return problems.isEmpty() ? 0 : 1;
    }
}
