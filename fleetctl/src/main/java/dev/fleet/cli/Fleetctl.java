package dev.fleet.cli;

import dev.fleet.client.FleetClient;
import dev.fleet.model.FleetVersion;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * fleetctl: fleet's command line against the HTTP API v1. Exit codes: 0 success, 1 failure (fleet's), 2 usage
 * error (bad flag, bad arguments; fleet exited 0 there) and deprecated features, 3 a blocking load/start gave up
 * on a unit the engine could not place ({@link #EXIT_UNPLACEABLE}). Declared through picocli's programmatic API,
 * as every verb is ({@link Verb}).
 */
public final class Fleetctl implements Callable<Integer> {
    /**
     * The verbs, in help order. A run that names its verb in full builds that one only ({@link #newVerb}); help,
     * completion and abbreviations get them all.
     */
    static final List<String> VERBS = List.of("submit", "load", "start", "stop", "unload", "destroy", "restart", "cat",
            "status", "journal", "ssh", "why", "list-units", "list-unit-files", "list-machines", "completion", "version", "verify", "help");

    /** A new verb by name (a switch, not a table of constructor references: those link and load every verb class). */
    static Verb newVerb(String name) {
        return switch (name) {
            case "submit" -> new Submit();
            case "load" -> new Load();
            case "start" -> new Start();
            case "stop" -> new Stop();
            case "unload" -> new Unload();
            case "destroy" -> new Destroy();
            case "restart" -> new Restart();
            case "cat" -> new Cat();
            case "status" -> new Status();
            case "journal" -> new Journal();
            case "ssh" -> new Ssh();
            case "why" -> new Why();
            case "list-units" -> new Lists.ListUnits();
            case "list-unit-files" -> new Lists.ListUnitFiles();
            case "list-machines" -> new Lists.ListMachines();
            case "completion" -> new Completion();
            case "version" -> new Version();
            case "verify" -> new Verify();
            case "help" -> new Help();
            default -> throw new IllegalArgumentException("no verb " + name);
        };
    }

    /** Global options that take their value as the next argument. */
    private static final java.util.Set<String> GLOBAL_WITH_VALUE = java.util.Set.of("--endpoint", "--request-timeout",
            "--tunnel", "--ssh-username", "--ssh-timeout", "--known-hosts-file", "--ca-file", "--cert-file", "--key-file", "--token",
            "--etcd-keyfile", "--etcd-certfile", "--etcd-cafile");
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_UNPLACEABLE = 3;

    String endpoint;
    double requestTimeout;
    boolean debug;
    String tunnel;
    String sshUsername;
    double sshTimeout;
    String knownHostsFile;
    boolean strictHostKeyChecking;
    String caFile;
    String token;
    String certFile;
    String keyFile;
    /** fleet's deprecated global flags: null unless given (each prints fleet's deprecation warning). */
    String experimentalApi;
    String etcdKeyFile;
    String etcdCertFile;
    String etcdCaFile;
    /** The ssh program; tests point it at a fake (FLEETCTL_SSH_BINARY, for tests only). */
    static volatile String sshBinary = System.getenv().getOrDefault("FLEETCTL_SSH_BINARY", "ssh");

    final CommandSpec spec = CommandSpec.wrapWithoutInspection(this);

    Fleetctl() {
        spec.name("fleetctl");
        spec.version("fleetctl version " + FleetVersion.VERSION);
        spec.usageMessage().sortOptions(false).autoWidth(false)
                .description("fleetctl is a command-line interface to fleet, the cluster-wide init system.")
                .footerHeading("%nExit codes:%n")
                .footer("  0  success", "  1  failure", "  2  usage error or deprecated feature",
                        "  3  a blocking load/start gave up on a unit the engine could not place;",
                        "     status: a unit is not running (systemctl's code)",
                        "",
                        "Global options also come from FLEETCTL_<OPTION> (FLEETCTL_ENDPOINT, FLEETCTL_TUNNEL,",
                        "FLEETCTL_SSH_USERNAME, ...); the command line wins.",
                        "Command names may be abbreviated (fleetctl list-m).");
        spec.addOption(Verb.option(String.class, () -> endpoint, v -> endpoint = v, "--endpoint")
                .scopeType(ScopeType.INHERIT).paramLabel("URL[,URL...]")
                .defaultValue("${env:FLEETCTL_ENDPOINT:-" + EarlyListing.DEFAULT_ENDPOINT + "}")
                .description("fleet API endpoints (http/https), tried in turn when one is down or answers 503 (default ${DEFAULT-VALUE})")
                .build());
        spec.addOption(Verb.option(double.class, () -> requestTimeout, v -> requestTimeout = v, "--request-timeout")
                .scopeType(ScopeType.INHERIT).paramLabel("SECONDS")
                .defaultValue("${env:FLEETCTL_REQUEST_TIMEOUT:-" + EarlyListing.DEFAULT_REQUEST_TIMEOUT + "}")
                .description("timeout of each API request in seconds (default ${DEFAULT-VALUE})")
                .build());
        spec.addOption(Verb.option(boolean.class, () -> debug, v -> debug = v, "--debug")
                .scopeType(ScopeType.INHERIT).defaultValue("${env:FLEETCTL_DEBUG:-false}").fallbackValue("true").arity("0..1")
                .description("log API requests to stderr")
                .build());
        spec.addOption(global(Verb.option(String.class, () -> tunnel, v -> tunnel = v, "--tunnel"), "TUNNEL", "")
                .paramLabel("HOST[:PORT]")
                .description("reach the API (and ssh's machines) through SSH to this host (port 22 by default)").build());
        spec.addOption(global(Verb.option(String.class, () -> sshUsername, v -> sshUsername = v, "--ssh-username"), "SSH_USERNAME", "core")
                .paramLabel("USER").description("user for --tunnel and ssh (default ${DEFAULT-VALUE})").build());
        spec.addOption(global(Verb.option(double.class, () -> sshTimeout, v -> sshTimeout = v, "--ssh-timeout"), "SSH_TIMEOUT", "10.0")
                .paramLabel("SECONDS").description("SSH connection timeout in seconds, 0 for none (default ${DEFAULT-VALUE})").build());
        spec.addOption(global(Verb.option(String.class, () -> knownHostsFile, v -> knownHostsFile = v, "--known-hosts-file"),
                "KNOWN_HOSTS_FILE", "~/.fleetctl/known_hosts")
                .paramLabel("FILE").description("where host keys are kept for --strict-host-key-checking (default ${DEFAULT-VALUE})").build());
        spec.addOption(global(Verb.flag(() -> strictHostKeyChecking, v -> strictHostKeyChecking = v, "--strict-host-key-checking"),
                "STRICT_HOST_KEY_CHECKING", "true")
                .description("verify host keys: ask about unknown hosts, refuse changed keys (default ${DEFAULT-VALUE})").build());
        spec.addOption(global(Verb.option(String.class, () -> caFile, v -> caFile = v, "--ca-file"), "CA_FILE", "")
                .paramLabel("FILE").description("TLS: PEM CA certificates that sign the nodes' certificates").build());
        spec.addOption(global(Verb.option(String.class, () -> certFile, v -> certFile = v, "--cert-file"), "CERT_FILE", "")
                .paramLabel("FILE").description("TLS: this client's PEM certificate").build());
        spec.addOption(global(Verb.option(String.class, () -> keyFile, v -> keyFile = v, "--key-file"), "KEY_FILE", "")
                .paramLabel("FILE").description("TLS: this client's PEM (PKCS#8) key").build());
        spec.addOption(global(Verb.option(String.class, () -> token, v -> token = v, "--token"), "TOKEN", "")
                .paramLabel("JWT").description("a bearer token of the cluster (bin/fleet-ca token), sent over https only").build());
        spec.addOption(Verb.option(String.class, () -> experimentalApi, v -> experimentalApi = v, "--experimental-api")
                .scopeType(ScopeType.INHERIT).arity("0..1").fallbackValue("true").hidden(true).build());
        spec.addOption(Verb.option(String.class, () -> etcdKeyFile, v -> etcdKeyFile = v, "--etcd-keyfile")
                .scopeType(ScopeType.INHERIT).hidden(true).build());
        spec.addOption(Verb.option(String.class, () -> etcdCertFile, v -> etcdCertFile = v, "--etcd-certfile")
                .scopeType(ScopeType.INHERIT).hidden(true).build());
        spec.addOption(Verb.option(String.class, () -> etcdCaFile, v -> etcdCaFile = v, "--etcd-cafile")
                .scopeType(ScopeType.INHERIT).hidden(true).build());
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("show this help").build());
        spec.addOption(OptionSpec.builder("-v", "--version").versionHelp(true).description("print the version").build());
    }

    /** A global option: inherited by every verb, its default from FLEETCTL_{@code env} or else {@code dflt}. */
    private static OptionSpec.Builder global(OptionSpec.Builder b, String env, String dflt) {
        return b.scopeType(ScopeType.INHERIT).defaultValue("${env:FLEETCTL_" + env + ":-" + dflt + "}");
    }

    /** fleet's deprecation warnings (pflag's wording) for the deprecated global flags given; their values are used as fleet did. */
    void warnDeprecated() {
        if (experimentalApi != null) {
            err.println("Flag --experimental-api has been deprecated, the HTTP API is the only one.");
        }
        if (etcdKeyFile != null) {
            err.println("Flag --etcd-keyfile has been deprecated, use --key-file instead.");
        }
        if (etcdCertFile != null) {
            err.println("Flag --etcd-certfile has been deprecated, use --cert-file instead.");
        }
        if (etcdCaFile != null) {
            err.println("Flag --etcd-cafile has been deprecated, use --ca-file instead.");
        }
    }

    private static boolean given(String value) {
        return value != null && !value.isEmpty();
    }

    /** The global SSH options as ssh's arguments ({@link SshOptions}). */
    SshOptions ssh() {
        if (!(sshTimeout >= 0)) {
            throw new Fail(EXIT_USAGE, "--ssh-timeout must not be negative");
        }
        String t = tunnel == null ? "" : tunnel.trim();
        if (!t.isEmpty()) {
            try {
                SshOptions.hostPort(t);
            } catch (IllegalArgumentException e) {
                throw new Fail(EXIT_FAILURE, "Unable to initialize client: --tunnel: " + e.getMessage());
            }
        }
        return new SshOptions(sshBinary, sshUsername, sshTimeout,
                SshOptions.expandHome(knownHostsFile, System.getProperty("user.home")), strictHostKeyChecking, t);
    }

    PrintStream out = System.out;
    PrintStream err = System.err;
    private FleetClient client;
    /** The --tunnel ssh child, once started; ended when the run ends. */
    private Tunnel tunnelProcess;
    /** A client whose listing reads {@link #main} started before parsing ({@link EarlyListing}), or null. */
    private java.util.concurrent.Future<FleetClient> early;

    @Override
    public Integer call() {
        spec.commandLine().usage(out);
        return EXIT_OK;
    }

    /** The API client; a bad endpoint gives fleet's "Unable to initialize client" (exit 1). */
    FleetClient client() {
        if (client == null) {
            List<URI> eps;
            String first = endpoint.split(",", 2)[0].trim();
            if (first.startsWith("unix:") || first.startsWith("file:")) {
                throw new Fail(EXIT_FAILURE, "Unable to initialize client: unix socket endpoints are not supported (" + first
                        + "): the fleet API is served over HTTP only; use --endpoint=http://HOST:4001");
            }
            try {
                eps = FleetClient.parseEndpoints(endpoint);
            } catch (IllegalArgumentException e) {
                throw new Fail(EXIT_FAILURE, "Unable to initialize client: " + e.getMessage());
            }
            if (!(requestTimeout > 0)) {
                throw new Fail(EXIT_USAGE, "--request-timeout must be greater than zero");
            }
            Duration timeout = requestTimeout(requestTimeout);
            String ca = given(caFile) ? caFile : etcdCaFile;
            String cert = given(certFile) ? certFile : etcdCertFile;
            String key = given(keyFile) ? keyFile : etcdKeyFile;
            javax.net.ssl.SSLContext tls = null; // the TLS and SSH classes are loaded by the runs that use them only
            if (given(ca) || given(cert) || given(key) || given(token)) {
                try {
                    tls = dev.fleet.client.Tls.fromPem(given(ca) ? java.nio.file.Path.of(ca) : null,
                            given(cert) ? java.nio.file.Path.of(cert) : null, given(key) ? java.nio.file.Path.of(key) : null);
                } catch (IllegalArgumentException e) {
                    throw new Fail(EXIT_FAILURE, "Unable to initialize client: " + e.getMessage());
                }
            }
            boolean tunneled = given(tunnel) && !tunnel.isBlank();
            if (tls != null || tunneled) { // no early listing: it has neither the tunnel nor the TLS files nor the token
                if (tunneled) {
                    tunnelProcess = Tunnel.open(ssh(), eps);
                    eps = tunnelProcess.endpoints();
                }
                client = newClient(eps, timeout, debug ? err : null);
                if (tls != null) {
                    client.useTls(tls);
                }
                client.useToken(given(token) ? token : null);
                return client;
            }
            FleetClient started = early == null ? null : EarlyListing.await(early);
            client = EarlyListing.sameOptions(started, eps, timeout, debug) ? started : newClient(eps, timeout, debug ? err : null);
        }
        return client;
    }

    /** The API client: {@code timeout} both to connect and to read each answer; {@code debug} gets a line per exchange, or is null. */
    static FleetClient newClient(List<URI> endpoints, Duration timeout, PrintStream debug) {
        return new FleetClient(endpoints, timeout, timeout, debug);
    }

    /** --request-timeout as the client uses it: whole milliseconds, at least one. */
    static Duration requestTimeout(double seconds) {
        return Duration.ofMillis(Math.max(1, (long) (seconds * 1000)));
    }

    /** Ends a command with an exit code and a message on stderr (none if null). */
    static final class Fail extends RuntimeException {
        final int code;

        Fail(int code, String message) {
            super(message);
            this.code = code;
        }
    }

    static final class Version extends Verb {
        Version() {
            super("Print the version and exit");
        }

        @Override
        public Integer call() {
            root.out.println("fleetctl version " + FleetVersion.VERSION);
            return EXIT_OK;
        }
    }

    static final class Verify extends Verb {
        List<String> args;

        Verify() {
            super("DEPRECATED");
            spec.usageMessage().hidden(true);
            add(arguments(() -> args, v -> args = v).arity("0..*").paramLabel("<args>"));
        }

        @Override
        public Integer call() {
            root.err.println("WARNING: The signed/verified units feature is DEPRECATED and cannot be used.");
            return EXIT_USAGE;
        }
    }

    static final class Help extends Verb {
        String command;

        Help() {
            super("Show a list of commands or help for one command");
            add(argument(String.class, () -> command, v -> command = v).arity("0..1").paramLabel("COMMAND"));
        }

        @Override
        public Integer call() {
            CommandLine parent = spec.parent().commandLine();
            if (command == null) {
                parent.usage(root.out);
                return EXIT_OK;
            }
            CommandLine sub = find(parent, command);
            if (sub == null) {
                root.err.println("Unknown help topic \"" + command + "\"");
                return EXIT_USAGE;
            }
            sub.usage(root.out);
            return EXIT_OK;
        }

        private static CommandLine find(CommandLine parent, String name) {
            CommandLine exact = parent.getSubcommands().get(name);
            if (exact != null) {
                return exact;
            }
            CommandLine found = null;
            for (Map.Entry<String, CommandLine> e : parent.getSubcommands().entrySet()) {
                if (e.getKey().startsWith(name)) {
                    if (found != null && found != e.getValue()) {
                        return null;
                    }
                    found = e.getValue();
                }
            }
            return found;
        }
    }

    /** Builds the command line; out and err are where all output goes (tests pass buffers). */
    public static CommandLine commandLine(PrintStream out, PrintStream err) {
        return commandLine(out, err, null);
    }

    /**
     * The command line for {@code argv}: with only the named verb when {@code argv} names one in full, else with every
     * verb (help, abbreviations, mistakes).
     */
    static CommandLine commandLine(PrintStream out, PrintStream err, String[] argv) {
        return commandLine(out, err, argv, null);
    }

    private static CommandLine commandLine(PrintStream out, PrintStream err, String[] argv,
                                           java.util.concurrent.Future<FleetClient> early) {
        Fleetctl root = new Fleetctl();
        root.out = out;
        root.err = err;
        root.early = early;
        CommandLine cl = new CommandLine(root.spec);
        String only = argv == null ? null : verbNamedIn(argv);
        for (String name : VERBS) {
            if (only == null || name.equals(only)) {
                Verb verb = newVerb(name);
                verb.root = root;
                cl.addSubcommand(name, new CommandLine(verb.spec.name(name)));
            }
        }
        cl.setAbbreviatedSubcommandsAllowed(true);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        HelpLayout.install(cl);
        Errors errors = new Errors(err);
        cl.setExecutionExceptionHandler(errors);
        cl.setParameterExceptionHandler(errors);
        cl.setExecutionStrategy(new Execution(root));
        return cl;
    }

    /**
     * How a parsed command line runs: fleet's deprecation warnings first, then the verb (picocli's RunLast), then the
     * --tunnel child ended. A class, not a lambda (see {@link Errors}).
     */
    private static final class Execution implements CommandLine.IExecutionStrategy {
        private final Fleetctl root;

        Execution(Fleetctl root) {
            this.root = root;
        }

        @Override
        public int execute(CommandLine.ParseResult parseResult) {
            root.warnDeprecated();
            try {
                return new CommandLine.RunLast().execute(parseResult);
            } finally {
                if (root.tunnelProcess != null) {
                    root.tunnelProcess.close();
                }
            }
        }
    }

    /**
     * How failures end a run: a verb's {@link Fail}s and API errors as fleet's messages and exit codes, bad flags as a
     * usage error. A class rather than two lambdas, for the class-data archive (see HelpLayout.Section).
     */
    private static final class Errors implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
        private final PrintStream err;

        Errors(PrintStream err) {
            this.err = err;
        }

        @Override
        public int handleExecutionException(Exception ex, CommandLine line, CommandLine.ParseResult parseResult) throws Exception {
            if (ex instanceof Fail f) {
                if (f.getMessage() != null) {
                    err.println(f.getMessage());
                }
                return f.code;
            }
            if (ex instanceof FleetClient.Unreachable u) {
                err.println("Error: " + u.getMessage());
                return EXIT_FAILURE;
            }
            if (ex instanceof FleetClient.ApiException a) {
                err.println("Error: " + a.getMessage() + " (HTTP " + a.status() + ")");
                return EXIT_FAILURE;
            }
            if (ex instanceof Tables.FieldsException fe) {
                err.println(fe.getMessage());
                return EXIT_FAILURE;
            }
            throw ex;
        }

        @Override
        public int handleParseException(ParameterException ex, String[] args) {
            err.println("fleetctl: " + ex.getMessage());
            err.println("Run 'fleetctl help' for usage.");
            return EXIT_USAGE;
        }
    }

    /** The verb {@code args} names in full (its first argument that is not a global option), or null. */
    static String verbNamedIn(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                return null;
            }
            if (a.startsWith("-")) {
                if (GLOBAL_WITH_VALUE.contains(a)) {
                    i++;
                }
                continue;
            }
            // help and completion describe every verb
            return VERBS.contains(a) && !a.equals("help") && !a.equals("completion") ? a : null;
        }
        return null;
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, null);
    }

    /** Runs {@code args}; {@code early} is a client with reads already under way ({@link EarlyListing}), or null. */
    static int run(String[] args, PrintStream out, PrintStream err, java.util.concurrent.Future<FleetClient> early) {
        CommandLine cl = commandLine(out, err, args, early);
        if (args.length == 1 && (args[0].equals("help") || args[0].equals("-h") || args[0].equals("--help"))) {
            cl.usage(out);
            return EXIT_OK;
        }
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    public static void main(String[] args) {
        java.util.concurrent.Future<FleetClient> early = EarlyListing.startFor(args, System.getenv());
        System.exit(run(args, System.out, System.err, early));
    }
}
