package dev.fleet.agent;

import dev.fleet.agent.config.AgentConfig;
import dev.fleet.agent.config.ConfigSources;
import dev.fleet.agent.config.ConfigSources.ConfigException;
import dev.fleet.agent.config.PublicAddress;
import dev.fleet.agent.control.ControlPlane;
import dev.fleet.agent.local.LocalApi;
import dev.fleet.agent.systemd.DbusSystemd;
import dev.fleet.agent.systemd.SystemdPort;
import dev.fleet.model.FleetVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code fleet-agent}: the per-machine agent. Configuration as fleetd's: {@code --config} file
 * (default {@code /etc/fleet/fleet.conf}, optional unless given), {@code FLEET_*} environment
 * variables, then these options. Signals: SIGTERM/SIGINT unload every unit and deregister;
 * SIGHUP re-reads the configuration without touching units; SIGUSR1 dumps the agent's state.
 */
@Command(name = "fleet-agent", mixinStandardHelpOptions = true, versionProvider = AgentMain.Version.class,
        description = "Runs this machine's fleet units: registers with the control plane, watches this machine's schedule and makes systemd run it.",
        sortOptions = false)
public final class AgentMain implements Callable<Integer> {

    static final Path DEFAULT_CONFIG = Path.of("/etc/fleet/fleet.conf");

    @Option(names = "--endpoint", paramLabel = "URL[,URL...]", description = "Control-plane nodes, tried in turn (endpoint).")
    String endpoint;
    @Option(names = "--metadata", paramLabel = "k=v,...", description = "This machine's metadata (metadata).")
    String metadata;
    @Option(names = "--public-ip", paramLabel = "IP", description = "The address published for this machine; the local API listens there (public_ip).")
    String publicIp;
    @Option(names = "--agent-ttl", paramLabel = "DURATION", description = "Presence TTL, e.g. 30s (agent_ttl; default 30s).")
    String agentTtl;
    @Option(names = "--units-directory", paramLabel = "DIR", description = "Where unit files are written (units_directory; default /run/fleet/units).")
    String unitsDirectory;
    @Option(names = "--agent-port", paramLabel = "PORT", description = "Port of the local API used by the control plane for status and journal; 0 turns it off (agent_port; default 4002).")
    String agentPort;
    @Option(names = "--verbosity", paramLabel = "N", description = "Above 0 logs every task and report (verbosity).")
    String verbosity;
    @Option(names = "--systemd-user", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
            description = "Drive the user's systemd --user instead of the system instance (systemd_user; default false).")
    String systemdUser;
    @Option(names = "--ca-file", paramLabel = "FILE", description = "PEM CA certificates of the control plane's nodes (etcd_cafile).")
    String caFile;
    @Option(names = "--cert-file", paramLabel = "FILE", description = "This machine's PEM certificate (etcd_certfile).")
    String certFile;
    @Option(names = "--key-file", paramLabel = "FILE", description = "Its PEM (PKCS#8) key (etcd_keyfile).")
    String keyFile;
    @Option(names = "--config", paramLabel = "FILE", description = "Configuration file (default /etc/fleet/fleet.conf if it exists).")
    Path configFile;
    @Parameters(arity = "0..1", hidden = true)
    String positional;
    /** What the last {@link #loadConfig} ignored or detected, for the log. */
    List<String> notes = List.of();

    public static void main(String[] args) {
        System.exit(new CommandLine(new AgentMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (positional != null) {
            if (positional.equals("version")) {
                System.out.println("fleet-agent version " + FleetVersion.VERSION);
                return 0;
            }
            System.err.println("fleet-agent takes no arguments. Did you mean to invoke fleetctl instead?");
            return 1;
        }
        AgentConfig config;
        try {
            config = loadConfig();
        } catch (ConfigException e) {
            System.err.println("fleet-agent: " + e.getMessage());
            return 2;
        }
        String machineId;
        try {
            machineId = machineId();
        } catch (IOException e) {
            System.err.println("fleet-agent: no machine ID: " + e.getMessage());
            return 1;
        }
        Log log = new Log(System.err, config.verbosity() > 0);
        notes.forEach(log::info);
        if (config.publicIp().isEmpty()) {
            log.info("no public IP: this host has no default route with an IPv4 address; give --public-ip (public_ip) for "
                    + "status and journal through the control plane");
        }
        SystemdPort systemd;
        try {
            systemd = config.systemdUser() ? DbusSystemd.user(System.getenv()) : DbusSystemd.system();
        } catch (RuntimeException e) {
            System.err.println("fleet-agent: cannot talk to systemd over " + (config.systemdUser()
                    ? "the user's session bus (is systemd --user running for this user, with XDG_RUNTIME_DIR set?): "
                    : "the system bus (is systemd PID 1 here, and are we root?): ") + rootCause(e));
            return 1;
        }
        ControlPlane cp = new ControlPlane(config.endpoints());
        javax.net.ssl.SSLContext localTls = null;
        if (config.tls() != null) {
            try {
                AgentConfig.TlsFiles t = config.tls();
                cp.useTls(dev.fleet.client.Tls.fromPem(t.caFile(), t.certFile(), t.keyFile()));
                if (localApiTls(t)) {
                    localTls = dev.fleet.client.Tls.serverFromPem(t.caFile(), t.certFile(), t.keyFile());
                }
            } catch (IllegalArgumentException e) {
                System.err.println("fleet-agent: " + e.getMessage());
                return 2;
            }
        }
        Agent agent = new Agent(machineId, config, systemd, cp, log);
        LocalApi local = null;
        if (config.agentPort() > 0) {
            local = new LocalApi(config.publicIp().isEmpty() ? "127.0.0.1" : config.publicIp(), config.agentPort(), machineId,
                    systemd, name -> agent.publisher().trackedNames().contains(name), config.systemdUser(), localTls, log);
            local.start();
        }
        CountDownLatch done = new CountDownLatch(1);
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(60_000);
                log.info("shutdown took over 60 s: exiting anyway");
                Runtime.getRuntime().halt(1);
            } catch (InterruptedException ignored) {
                // shut down in time
            }
        }, "fleet-agent-shutdown-watchdog");
        watchdog.setDaemon(true);
        Runnable shutdown = () -> {
            if (done.getCount() == 0) {
                return;
            }
            watchdog.start();
            agent.shutdownAndPurge();
            done.countDown();
        };
        Signal.handle(new Signal("TERM"), s -> new Thread(shutdown, "fleet-agent-shutdown").start());
        Signal.handle(new Signal("INT"), s -> new Thread(shutdown, "fleet-agent-shutdown").start());
        Signal.handle(new Signal("HUP"), s -> {
            try {
                agent.reconfigure(loadConfig());
            } catch (RuntimeException | IOException e) {
                log.info("SIGHUP: configuration not changed: " + e.getMessage());
            }
        });
        Signal.handle(new Signal("USR1"), s -> System.out.println(agent.dump()));
        agent.start();
        done.await();
        if (local != null) {
            local.close();
        }
        systemd.close();
        log.info("stopped");
        return 0;
    }

    /** The local API serves mutual TLS when the CA, this machine's certificate and its key are all configured. */
    static boolean localApiTls(AgentConfig.TlsFiles t) {
        return t != null && t.caFile() != null && t.certFile() != null && t.keyFile() != null;
    }

    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t + ")";
    }

    /** Defaults, file, environment, command line (later wins). */
    AgentConfig loadConfig() throws IOException {
        Map<String, String> file = Map.of();
        Path path = configFile != null ? configFile : DEFAULT_CONFIG;
        if (configFile != null && !Files.isRegularFile(path)) {
            throw new ConfigException("config file " + path + " does not exist or is not a file");
        }
        if (Files.isRegularFile(path)) {
            file = ConfigSources.parseFile(Files.readString(path));
        }
        Map<String, String> cli = new LinkedHashMap<>();
        put(cli, "endpoint", endpoint);
        put(cli, "metadata", metadata);
        put(cli, "public_ip", publicIp);
        put(cli, "agent_ttl", agentTtl);
        put(cli, "units_directory", unitsDirectory);
        put(cli, "agent_port", agentPort);
        put(cli, "verbosity", verbosity);
        put(cli, "systemd_user", systemdUser);
        put(cli, "etcd_cafile", caFile);
        put(cli, "etcd_certfile", certFile);
        put(cli, "etcd_keyfile", keyFile);
        Map<String, String> host = new LinkedHashMap<>();
        put(host, "xdg_runtime_dir", System.getenv("XDG_RUNTIME_DIR"));
        AgentConfig merged = ConfigSources.merge(host, file, ConfigSources.fromEnvironment(System.getenv()), cli);
        List<String> found = new java.util.ArrayList<>(ConfigSources.notes(file));
        if (merged.publicIp().isEmpty()) {
            // fleet's rule: the first global-unicast IPv4 on the interface of the default route
            var detected = PublicAddress.detect();
            if (detected.isPresent()) {
                merged = merged.withPublicIp(detected.get());
                found.add("public IP " + detected.get() + " (from the default route's interface)");
            }
        }
        notes = List.copyOf(found);
        return merged;
    }

    private static void put(Map<String, String> m, String k, String v) {
        if (v != null) {
            m.put(k, v);
        }
    }

    /** {@code /etc/machine-id} (32 hex digits), as fleet. */
    static String machineId() throws IOException {
        Path p = Path.of(System.getProperty("fleet.agent.machineIdFile", "/etc/machine-id"));
        String id = Files.readString(p).strip();
        if (!id.matches("[0-9a-f]{32}")) {
            throw new IOException(p + " does not hold a machine ID (32 hex digits)");
        }
        return id;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"fleet-agent version " + FleetVersion.VERSION};
        }
    }

    /** For tests: the options as parsed, merged. */
    static AgentConfig parse(List<String> args) throws IOException {
        AgentMain m = new AgentMain();
        new CommandLine(m).parseArgs(args.toArray(String[]::new));
        return m.loadConfig();
    }
}
