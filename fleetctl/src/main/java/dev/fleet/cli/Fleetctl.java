package dev.fleet.cli;

import dev.fleet.model.FleetVersion;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonValue;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
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
 * on a unit the engine could not place ({@link #EXIT_UNPLACEABLE}).
 */
@Command(name = "fleetctl", sortOptions = false, usageHelpAutoWidth = false,
        description = "fleetctl is a command-line interface to fleet, the cluster-wide init system.",
        footerHeading = "%nExit codes:%n",
        footer = {"  0  success", "  1  failure", "  2  usage error or deprecated feature",
                "  3  a blocking load/start gave up on a unit the engine could not place;",
                "     status: a unit is not running (systemctl's code)",
                "",
                "Global options also come from FLEETCTL_ENDPOINT, FLEETCTL_REQUEST_TIMEOUT",
                "and FLEETCTL_DEBUG; the command line wins.",
                "Command names may be abbreviated (fleetctl list-m)."})
public final class Fleetctl implements Callable<Integer> {
    /**
     * The sub-commands, in help order. They are added to the command line at run time rather than listed in
     * {@code @Command}: picocli builds each command's model by reflection (fleetctl's 18 cost about 150 ms of a
     * run), so a run that names its verb in full builds that one only.
     */
    static final List<Class<?>> VERBS = List.of(Verbs.Submit.class, Verbs.Load.class, Verbs.Start.class, Verbs.Stop.class,
            Verbs.Unload.class, Verbs.Destroy.class, Verbs.Restart.class, Verbs.Cat.class, AgentVerbs.Status.class,
            AgentVerbs.Journal.class, AgentVerbs.Why.class, Lists.ListUnits.class, Lists.ListUnitFiles.class,
            Lists.ListMachines.class, AgentVerbs.Completion.class, Fleetctl.Version.class, Fleetctl.Verify.class, Fleetctl.Help.class);

    /** Global options that take their value as the next argument. */
    private static final java.util.Set<String> GLOBAL_WITH_VALUE = java.util.Set.of("--endpoint", "--request-timeout");
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_UNPLACEABLE = 3;

    @Option(names = "--endpoint", scope = ScopeType.INHERIT, paramLabel = "URL[,URL...]",
            defaultValue = "${env:FLEETCTL_ENDPOINT:-http://127.0.0.1:4001}",
            description = "fleet API endpoints (http/https), tried in turn when one is down or answers 503 (default ${DEFAULT-VALUE})")
    String endpoint;

    @Option(names = "--request-timeout", scope = ScopeType.INHERIT, paramLabel = "SECONDS",
            defaultValue = "${env:FLEETCTL_REQUEST_TIMEOUT:-3.0}",
            description = "timeout of each API request in seconds (default ${DEFAULT-VALUE})")
    double requestTimeout;

    @Option(names = "--debug", scope = ScopeType.INHERIT, defaultValue = "${env:FLEETCTL_DEBUG:-false}",
            fallbackValue = "true", arity = "0..1", description = "log API requests to stderr")
    boolean debug;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    boolean help;

    @Option(names = {"-v", "--version"}, versionHelp = true, description = "print the version")
    boolean version;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    PrintStream out = System.out;
    PrintStream err = System.err;
    private ApiClient client;

    @Override
    public Integer call() {
        spec.commandLine().usage(out);
        return EXIT_OK;
    }

    /** The API client; a bad endpoint gives fleet's "Unable to initialize client" (exit 1). */
    ApiClient client() {
        if (client == null) {
            List<URI> eps;
            try {
                eps = ApiClient.parseEndpoints(endpoint);
            } catch (IllegalArgumentException e) {
                throw new Fail(EXIT_FAILURE, "Unable to initialize client: " + e.getMessage());
            }
            if (!(requestTimeout > 0)) {
                throw new Fail(EXIT_USAGE, "--request-timeout must be greater than zero");
            }
            client = new ApiClient(eps, Duration.ofMillis((long) (requestTimeout * 1000)), debug ? err : null);
        }
        return client;
    }

    /** Ends a command with an exit code and a message on stderr (none if null). */
    static final class Fail extends RuntimeException {
        final int code;

        Fail(int code, String message) {
            super(message);
            this.code = code;
        }
    }

    @Command(name = "version", description = "Print the version and exit")
    static final class Version implements Callable<Integer> {
        @CommandLine.ParentCommand
        Fleetctl root;

        @Override
        public Integer call() {
            root.out.println("fleetctl version " + FleetVersion.VERSION);
            return EXIT_OK;
        }
    }

    @Command(name = "verify", description = "DEPRECATED", hidden = true)
    static final class Verify implements Callable<Integer> {
        @CommandLine.ParentCommand
        Fleetctl root;

        @CommandLine.Parameters(arity = "0..*")
        List<String> args;

        @Override
        public Integer call() {
            root.err.println("WARNING: The signed/verified units feature is DEPRECATED and cannot be used.");
            return EXIT_USAGE;
        }
    }

    @Command(name = "help", description = "Show a list of commands or help for one command")
    static final class Help implements Callable<Integer> {
        @CommandLine.ParentCommand
        Fleetctl root;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Parameters(arity = "0..1", paramLabel = "COMMAND")
        String command;

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

    static JsonArray toArray(List<? extends JsonValue> values) {
        JsonArrayBuilder b = ApiClient.JSON.createArrayBuilder();
        values.forEach(b::add);
        return b.build();
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
        Fleetctl root = new Fleetctl();
        root.out = out;
        root.err = err;
        CommandLine cl = new CommandLine(root);
        Class<?> only = argv == null ? null : verbNamedIn(argv);
        for (Class<?> verb : VERBS) {
            if (only == null || verb == only) {
                cl.addSubcommand(verb);
            }
        }
        cl.setAbbreviatedSubcommandsAllowed(true);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setCommandName("fleetctl");
        cl.getCommandSpec().version("fleetctl version " + FleetVersion.VERSION);
        HelpLayout.install(cl);
        cl.setExecutionExceptionHandler((ex, line, parseResult) -> {
            if (ex instanceof Fail f) {
                if (f.getMessage() != null) {
                    err.println(f.getMessage());
                }
                return f.code;
            }
            if (ex instanceof ApiClient.UnreachableException u) {
                err.println("Error: " + u.getMessage());
                return EXIT_FAILURE;
            }
            if (ex instanceof ApiClient.ApiException a) {
                err.println("Error: " + a.getMessage() + " (HTTP " + a.status + ")");
                return EXIT_FAILURE;
            }
            if (ex instanceof Tables.FieldsException fe) {
                err.println(fe.getMessage());
                return EXIT_FAILURE;
            }
            throw ex;
        });
        cl.setParameterExceptionHandler((ParameterException ex, String[] args) -> {
            err.println("fleetctl: " + ex.getMessage());
            err.println("Run 'fleetctl help' for usage.");
            return EXIT_USAGE;
        });
        return cl;
    }

    /** The verb class {@code args} names in full (its first argument that is not a global option), or null. */
    static Class<?> verbNamedIn(String[] args) {
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
            for (Class<?> verb : VERBS) {
                if (verb.getAnnotation(Command.class).name().equals(a)) {
                    // help and completion describe every verb
                    return verb == Fleetctl.Help.class || verb == AgentVerbs.Completion.class ? null : verb;
                }
            }
            return null;
        }
        return null;
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = commandLine(out, err, args);
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
        System.exit(run(args, System.out, System.err));
    }
}
