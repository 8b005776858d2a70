package dev.fleet.ca;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code fleet-ca}: the cluster CA, and the certificates and tokens it issues. Exit codes: 0 done, 2 a usage error or
 * a refusal (one line on stderr), 1 an I/O or crypto failure (one line).
 */
@Command(name = "fleet-ca", mixinStandardHelpOptions = true, version = "fleet-ca 0.1.0",
        description = "Creates the cluster CA and issues node, agent and client certificates and API tokens.",
        subcommands = {FleetCa.Init.class, FleetCa.Issue.class, FleetCa.Token.class, FleetCa.Show.class, CommandLine.HelpCommand.class})
public final class FleetCa implements Callable<Integer> {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;

    PrintStream out;
    PrintStream err;
    Map<String, String> env;

    @Override
    public Integer call() {
        err.println("fleet-ca: a command is needed: init, issue, token or show (fleet-ca --help)");
        return EXIT_USAGE;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, System.getenv()));
    }

    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        FleetCa root = new FleetCa();
        root.out = out;
        root.err = err;
        root.env = env;
        CommandLine cl = new CommandLine(root);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        Errors errors = new Errors(err);
        cl.setExecutionExceptionHandler(errors);
        cl.setParameterExceptionHandler(errors);
        return cl.execute(args);
    }

    /** Options every command has. */
    abstract static class Base implements Callable<Integer> {
        @CommandLine.ParentCommand
        FleetCa root;

        @Option(names = "--dir", paramLabel = "DIR", description = "The CA directory (default: $XDG_CONFIG_HOME/fleet/ca, else ~/.config/fleet/ca).")
        Path dir;

        CaDir ca() {
            return new CaDir(dir != null ? dir : CaDir.defaultDir(root.env));
        }
    }

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = "Creates the cluster CA (ca.pem, ca-key.pem) and the token signing key pair (token-key.pem, token-pub.pem).")
    static final class Init extends Base {
        @Option(names = "--force", description = "Replace an existing CA (everything it issued stops verifying).")
        boolean force;

        @Option(names = "--days", paramLabel = "N", defaultValue = "3650", description = "Validity of the CA certificate (default: ${DEFAULT-VALUE}).")
        int days;

        @Option(names = "--issuer", paramLabel = "ISS", description = "The tokens' iss claim (default: fleet-ca:<CA fingerprint>).")
        String issuer;

        @Override
        public Integer call() throws IOException, GeneralSecurityException {
            CaDir ca = ca();
            X509Certificate cert = ca.init(force, days, issuer, Instant.now());
            root.out.println("created CA " + cert.getSubjectX500Principal().getName() + " in " + ca.dir() + ", until " + cert.getNotAfter().toInstant());
            root.out.println("  sha256 " + Certs.fingerprint(cert.getEncoded()));
            root.out.println("  token issuer " + ca.issuer() + ", public key " + ca.dir().resolve(CaDir.TOKEN_PUB));
            return EXIT_OK;
        }
    }

    @Command(name = "issue", mixinStandardHelpOptions = true,
            description = "Issues a certificate and key (PEM, PKCS#8) signed by the CA, a PKCS#12 keystore, the CA as JKS and PKCS#12 truststores, and their password file.")
    static final class Issue extends Base {
        @Option(names = "--kind", required = true, paramLabel = "node|agent|client", description = "What the certificate is for.")
        String kind;

        @Option(names = "--name", paramLabel = "NAME", description = "The member's name (files and CN; an agent's defaults to its machine ID).")
        String name;

        @Option(names = "--ip", split = ",", paramLabel = "IP", description = "IP address SANs (node, agent).")
        List<String> ips = new java.util.ArrayList<>();

        @Option(names = "--dns", split = ",", paramLabel = "NAME", description = "DNS name SANs (node, agent).")
        List<String> dns = new java.util.ArrayList<>();

        @Option(names = "--role", paramLabel = "read|operate|admin", description = "A client's role, in OU (default: read).")
        String role;

        @Option(names = "--machine-id", paramLabel = "ID", description = "An agent's machine ID (its CN).")
        String machineId;

        @Option(names = "--days", paramLabel = "N", defaultValue = "365", description = "Validity (default: ${DEFAULT-VALUE}; never past the CA's).")
        int days;

        @Option(names = "--out", paramLabel = "OUTDIR", description = "Where the files go (default: DIR/<kind>s/<name>).")
        Path out;

        @Option(names = "--force", description = "Replace an existing certificate of that name.")
        boolean force;

        @Override
        public Integer call() throws IOException, GeneralSecurityException {
            Profiles.Kind k = Profiles.kind(kind);
            Profiles.Role r = role == null ? null : Profiles.role(role);
            String n = name;
            if (n == null) {
                if (k != Profiles.Kind.agent || machineId == null) {
                    throw new UsageError("--name is required" + (k == Profiles.Kind.agent ? " (or --machine-id)" : ""));
                }
                n = machineId;
            }
            CaDir ca = ca();
            CaDir.Issued issued = ca.issue(new Profiles.Request(k, n, ips, dns, r, machineId, days), out, force, Instant.now());
            root.out.println("issued " + k + " " + n + ": " + issued.certificate().getSubjectX500Principal().getName()
                    + ", until " + issued.certificate().getNotAfter().toInstant());
            for (Path f : issued.files()) {
                root.out.println("  " + f);
            }
            return EXIT_OK;
        }
    }

    @Command(name = "token", mixinStandardHelpOptions = true, description = "Prints a signed MicroProfile JWT (RS256) for the API.")
    static final class Token extends Base {
        @Option(names = "--name", required = true, paramLabel = "NAME", description = "sub and upn.")
        String name;

        @Option(names = "--role", required = true, paramLabel = "read|operate|admin", description = "The one group (role).")
        String role;

        @Option(names = "--days", paramLabel = "N", defaultValue = "1", description = "Validity (default: ${DEFAULT-VALUE}).")
        int days;

        @Option(names = "--issuer", paramLabel = "ISS", description = "iss (default: the CA's, DIR/token-issuer).")
        String issuer;

        @Option(names = "--audience", paramLabel = "AUD", description = "aud, for nodes that set mp.jwt.verify.audiences (default: none).")
        String audience;

        @Override
        public Integer call() throws IOException, GeneralSecurityException {
            Profiles.Role r = Profiles.role(role);
            root.out.println(ca().token(name, r, days, issuer, audience, Instant.now()));
            return EXIT_OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Lists the CA and what it issued, with expiry.")
    static final class Show extends Base {
        @Override
        public Integer call() throws IOException, GeneralSecurityException {
            ca().show(root.out, Instant.now());
            return EXIT_OK;
        }
    }

    /** Failures as one line: usage errors and refusals exit 2, I/O and crypto failures 1; never a stack trace. */
    private static final class Errors implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
        private final PrintStream err;

        Errors(PrintStream err) {
            this.err = err;
        }

        @Override
        public int handleExecutionException(Exception ex, CommandLine line, CommandLine.ParseResult parseResult) {
            String who = line.getCommandSpec().qualifiedName();
            if (ex instanceof UsageError) {
                err.println(who + ": " + ex.getMessage());
                return EXIT_USAGE;
            }
            String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            if (ex instanceof java.nio.file.NoSuchFileException || ex instanceof java.nio.file.AccessDeniedException
                    || ex instanceof java.nio.file.FileSystemException) {
                msg = ex.getClass().getSimpleName().replace("Exception", "") + ": " + msg;
            }
            err.println(who + ": " + msg.replace('\n', ' '));
            return EXIT_FAILURE;
        }

        @Override
        public int handleParseException(ParameterException ex, String[] args) {
            String who = ex.getCommandLine().getCommandSpec().qualifiedName();
            err.println(who + ": " + ex.getMessage().replace('\n', ' ') + " (" + who + " --help)");
            return EXIT_USAGE;
        }
    }
}
