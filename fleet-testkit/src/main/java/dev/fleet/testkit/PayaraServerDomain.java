package dev.fleet.testkit;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away domain of a full Payara Server, driven with asadmin, for smoke tests of the EAR.
 *
 * <p>The domain is a fresh copy of the distribution's {@code domain1} template, so the unpacked
 * distribution stays pristine and every run starts clean. Before its first start its domain.xml is
 * rewritten: every listener on 127.0.0.1 and on a free port (the template's fixed ports would collide
 * with anything else on the machine), Hazelcast off (it would form a data grid over the network and
 * is not fleet's state), and the caller's {@code -D} JVM options added. Stopping is idempotent and
 * falls back to killing the one PID the domain wrote, never anything found by name.
 */
public final class PayaraServerDomain implements AutoCloseable {

    public static final String LOOPBACK = "127.0.0.1";
    private static final String TEMPLATE_DOMAIN = "domain1";
    private static final String ADMIN_USER = "admin"; // the template's admin, with an empty password
    private static final Duration START_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration STOP_TIMEOUT = Duration.ofMinutes(2);

    private final Path serverHome;
    private final Path domainsDir;
    private final String name;
    private final int httpPort;
    private final int adminPort;
    private final Path asadminDir; // asadmin's output logs, and its user.home
    private ProcessHandle server; // the DAS JVM, once its pid file named it
    private boolean started; // start() was called: stop() has work to do
    private Thread shutdownHook;
    private int commandCount;

    private PayaraServerDomain(Path serverHome, Path domainsDir, String name, int httpPort, int adminPort) {
        this.serverHome = serverHome;
        this.domainsDir = domainsDir;
        this.name = name;
        this.httpPort = httpPort;
        this.adminPort = adminPort;
        this.asadminDir = domainsDir.resolve(name + "-asadmin");
    }

    /**
     * Lays out a new domain {@code name} under {@code domainsDir} (replacing one left by an earlier,
     * stopped run) and configures it; nothing is started yet.
     *
     * @param serverHome       the distribution's {@code payara6} directory
     * @param httpPort         the port of http-listener-1 (the application's port)
     * @param jvmSystemProps   added as {@code -Dkey=value} JVM options of the server
     */
    public static PayaraServerDomain create(Path serverHome, Path domainsDir, String name, int httpPort,
                                            Map<String, String> jvmSystemProps) throws IOException {
        Path template = serverHome.resolve("glassfish/domains").resolve(TEMPLATE_DOMAIN);
        if (!Files.isRegularFile(template.resolve("config/domain.xml"))) {
            throw new IllegalArgumentException("no Payara Server domain template at " + template);
        }
        Path domainDir = domainsDir.resolve(name);
        serverOf(domainDir).ifPresent(p -> {
            throw new IllegalStateException("domain " + domainDir + " from an earlier run still runs as pid "
                    + p.pid() + "; stop it with: asadmin stop-domain --domaindir " + domainsDir + " " + name);
        });
        deleteTree(domainDir);
        copyTree(template, domainDir);
        int adminPort = Ports.free();
        rewriteDomainXml(domainDir.resolve("config/domain.xml"), httpPort, adminPort, jvmSystemProps);
        PayaraServerDomain domain = new PayaraServerDomain(serverHome, domainsDir, name, httpPort, adminPort);
        deleteTree(domain.asadminDir);
        Files.createDirectories(domain.asadminDir.resolve("home"));
        return domain;
    }

    public int httpPort() {
        return httpPort;
    }

    public int adminPort() {
        return adminPort;
    }

    public URI baseUri() {
        return URI.create("http://" + LOOPBACK + ":" + httpPort);
    }

    public Path domainDir() {
        return domainsDir.resolve(name);
    }

    public Path serverLog() {
        return domainDir().resolve("logs/server.log");
    }

    /** The server JVM's PID, or -1 before a start. */
    public long pid() {
        return server == null ? -1 : server.pid();
    }

    /** asadmin start-domain; returns once the DAS answers (asadmin itself waits for that). */
    public void start() throws IOException, InterruptedException {
        // registered first, so even a start that times out half-way leaves nothing behind at JVM exit
        shutdownHook = new Thread(this::stopQuietly, "stop-payara-domain-" + name);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        started = true;
        try {
            asadminLocal(START_TIMEOUT, "start-domain", "--domaindir", domainsDir.toString(), name);
        } finally {
            serverOf(domainDir()).ifPresent(p -> server = p); // recorded even if start-domain failed
        }
        if (server == null) {
            throw new IllegalStateException("start-domain succeeded but " + domainDir() + "/config/pid is missing");
        }
    }

    /** asadmin deploy of an EAR/WAR under the given application name; returns asadmin's output. */
    public String deploy(Path archive, String appName) throws IOException, InterruptedException {
        return asadminRemote(COMMAND_TIMEOUT, "deploy", "--name", appName, archive.toAbsolutePath().toString());
    }

    public String undeploy(String appName) throws IOException, InterruptedException {
        return asadminRemote(COMMAND_TIMEOUT, "undeploy", appName);
    }

    /** Runs any asadmin subcommand against this domain's DAS, e.g. {@code list-applications}. */
    public String asadminRemote(Duration timeout, String... command) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--host", LOOPBACK, "--port", String.valueOf(adminPort),
                "--user", ADMIN_USER));
        args.addAll(List.of(command));
        return asadminLocal(timeout, args.toArray(String[]::new));
    }

    /**
     * stop-domain, then wait for the recorded PID to exit; if it does not, kill that PID (TERM, then
     * KILL). Idempotent.
     */
    public void stop() throws IOException, InterruptedException {
        if (!started) {
            return;
        }
        if (server == null) {
            serverOf(domainDir()).ifPresent(p -> server = p);
        }
        // always asked, even when no PID is known: a start that failed half-way may still have a server up
        Duration grace = STOP_TIMEOUT;
        try {
            asadminLocal(STOP_TIMEOUT, "stop-domain", "--domaindir", domainsDir.toString(), name);
        } catch (IOException | IllegalStateException e) {
            System.err.println("[payara] stop-domain failed (" + e.getMessage() + "); killing pid " + pid());
            grace = Duration.ZERO;
        }
        // a ProcessHandle remembers the start time, so a recycled PID is never killed by mistake
        if (server != null && !waitForExit(server, grace)) {
            server.destroy();
            if (!waitForExit(server, Duration.ofSeconds(30))) {
                server.destroyForcibly();
                waitForExit(server, Duration.ofSeconds(30));
            }
        }
        started = false;
        removeShutdownHook();
    }

    @Override
    public void close() throws IOException {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping domain " + name, e);
        }
    }

    /**
     * The TCP sockets the server JVM listens on, read from /proc (Linux only; empty elsewhere), so a
     * test can check that nothing of the domain is reachable from outside the machine.
     */
    public List<InetSocketAddress> listeningSockets() throws IOException {
        Path fds = Path.of("/proc", String.valueOf(pid()), "fd");
        if (server == null || !Files.isDirectory(fds)) {
            return List.of();
        }
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> s = Files.list(fds)) {
            for (Path fd : (Iterable<Path>) s::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString(); // "socket:[12345]"
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException gone) {
                    // an fd closed while we list: not a listener we care about
                }
            }
        }
        List<InetSocketAddress> listening = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path file = Path.of(table);
            if (!Files.isReadable(file)) {
                continue;
            }
            for (String line : Files.readAllLines(file)) { // columns: sl local rem st ... inode(9)
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[3].equals("0A") && inodes.contains(f[9])) { // 0A = LISTEN; skips the header
                    listening.add(parseProcAddress(f[1]));
                }
            }
        }
        return listening;
    }

    /** The last {@code lines} lines of server.log, for failure messages. */
    public String serverLogTail(int lines) {
        try {
            List<String> all = Files.readAllLines(serverLog(), StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no server.log: " + e + ")";
        }
    }

    // ---- asadmin ----------------------------------------------------------------------------------

    /**
     * Runs asadmin as the asadmin script does (java -jar appserver-cli.jar), with this JVM's java, so it
     * needs neither sh nor the execute bits the unpacked zip may have lost. Output goes to a file: the
     * server JVM that start-domain spawns inherits the streams and would keep a pipe open forever.
     */
    private String asadminLocal(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // asadmin keeps a login file and a per-host:port command cache in ~/.gfclient: not in the real home
                "-Duser.home=" + asadminDir.resolve("home"),
                "-jar", serverHome.resolve("glassfish/lib/client/appserver-cli.jar").toString(),
                "--interactive=false"));
        cmd.addAll(List.of(args));
        Path out = asadminDir.resolve(String.format("%02d-%s.log", ++commandCount, firstSubcommand(args)));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("AS_JAVA", System.getProperty("java.home")); // the server runs on this JDK too
        Process p = pb.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("asadmin " + String.join(" ", args) + " took over " + timeout
                    + "; output: " + Files.readString(out));
        }
        String output = Files.readString(out);
        if (p.exitValue() != 0) {
            throw new IllegalStateException("asadmin " + String.join(" ", args) + " exited " + p.exitValue()
                    + ": " + output);
        }
        return output;
    }

    private static String firstSubcommand(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--")) {
                i++; // skip the option's value
            } else {
                return args[i];
            }
        }
        return "asadmin";
    }

    // ---- domain.xml ---------------------------------------------------------------------------------

    /** The edits that make the domain loopback-only, collision-free and Hazelcast-free before it first runs. */
    private static void rewriteDomainXml(Path domainXml, int httpPort, int adminPort,
                                         Map<String, String> jvmSystemProps) throws IOException {
        try {
            Document doc = DocumentBuilderFactory.newDefaultInstance().newDocumentBuilder().parse(domainXml.toFile());
            Element config = single(doc, "/domain/configs/config[@name='server-config']");

            // HTTP and admin listeners: loopback, our ports. The TLS listener is not needed: off (and safe anyway).
            for (Element l : elements(config, "network-config/network-listeners/network-listener")) {
                l.setAttribute("address", LOOPBACK);
                switch (l.getAttribute("name")) {
                    case "http-listener-1" -> l.setAttribute("port", String.valueOf(httpPort));
                    case "admin-listener" -> l.setAttribute("port", String.valueOf(adminPort));
                    default -> {
                        l.setAttribute("port", String.valueOf(Ports.free()));
                        l.setAttribute("enabled", "false");
                    }
                }
            }
            // IIOP (the ORB starts lazily, if a remote EJB is used): loopback, free ports.
            for (Element l : elements(config, "iiop-service/iiop-listener")) {
                l.setAttribute("address", LOOPBACK);
                l.setAttribute("port", String.valueOf(Ports.free()));
            }
            // The DAS's JMX connector: asadmin does not need it, so off; if turned on, on loopback. (On
            // 127.0.0.1 it also logs a harmless SEVERE NotBoundException at every stop.)
            for (Element c : elements(config, "admin-service/jmx-connector")) {
                c.setAttribute("address", LOOPBACK);
                c.setAttribute("port", String.valueOf(Ports.free()));
                c.setAttribute("enabled", "false");
            }
            // JMS: server-config has no jms-service, and the default one the server adds at start opens a
            // lazy broker proxy on 0.0.0.0 (host "localhost" means "all interfaces" there). fleet uses no
            // JMS: declare it DISABLED, with a loopback host in case someone turns it on.
            for (Element old : elements(config, "jms-service")) {
                config.removeChild(old);
            }
            Element jms = doc.createElement("jms-service");
            jms.setAttribute("type", "DISABLED");
            jms.setAttribute("default-jms-host", "default_JMS_host");
            Element jmsHost = doc.createElement("jms-host");
            jmsHost.setAttribute("name", "default_JMS_host");
            jmsHost.setAttribute("host", LOOPBACK);
            jmsHost.setAttribute("port", String.valueOf(Ports.free()));
            jms.appendChild(jmsHost);
            config.appendChild(jms);
            // Hazelcast off in every config: no data grid, no discovery traffic, no ports 4900/5900.
            for (Element h : elements(doc.getDocumentElement(), "//hazelcast-config-specific-configuration")) {
                h.setAttribute("enabled", "false");
            }

            Element java = single(config, "java-config");
            // JDWP is only used with --debug, but then on loopback too
            java.setAttribute("debug-options",
                    "-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=" + LOOPBACK + ":" + Ports.free());
            Map<String, String> props = new LinkedHashMap<>();
            props.put("osgi.shell.telnet.port", String.valueOf(Ports.free())); // Felix remote shell, on 127.0.0.1
            props.put("h2.bindAddress", LOOPBACK); // H2's AUTO_SERVER (EJB timer pool) would bind all interfaces
            props.putAll(jvmSystemProps);
            for (Map.Entry<String, String> e : props.entrySet()) {
                String prefix = "-D" + e.getKey() + "=";
                for (Element o : elements(java, "jvm-options")) {
                    if (o.getTextContent().startsWith(prefix)) {
                        java.removeChild(o);
                    }
                }
                Element option = doc.createElement("jvm-options");
                option.setTextContent(prefix + e.getValue());
                java.appendChild(option);
            }

            var t = TransformerFactory.newDefaultInstance().newTransformer();
            t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            t.transform(new DOMSource(doc), new StreamResult(domainXml.toFile()));
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot rewrite " + domainXml, e);
        }
    }

    private static List<Element> elements(Node context, String xpath) throws Exception {
        NodeList nodes = (NodeList) XPathFactory.newDefaultInstance().newXPath()
                .evaluate(xpath, context, XPathConstants.NODESET);
        List<Element> list = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            list.add((Element) nodes.item(i));
        }
        return list;
    }

    private static Element single(Node context, String xpath) throws Exception {
        List<Element> found = elements(context, xpath);
        if (found.size() != 1) {
            throw new IllegalStateException("expected one " + xpath + " in domain.xml, found " + found.size());
        }
        return found.get(0);
    }

    // ---- processes and files ----------------------------------------------------------------------

    /**
     * The live server JVM named by the domain's pid file, if its command line names this domain (a
     * stale pid file may point at a recycled PID of some other process).
     */
    private static Optional<ProcessHandle> serverOf(Path domainDir) {
        long pid;
        List<String> dirs; // the server is given the path as passed to --domaindir; accept the real one too
        try {
            pid = Long.parseLong(Files.readString(domainDir.resolve("config/pid")).trim());
            dirs = List.of(domainDir.toAbsolutePath().normalize().toString(), domainDir.toRealPath().toString());
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(p -> p.info().commandLine()
                .map(c -> dirs.stream().anyMatch(c::contains)).orElse(false));
    }

    private static boolean waitForExit(ProcessHandle process, Duration timeout) throws InterruptedException {
        try {
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return !process.isAlive();
        }
    }

    private void stopQuietly() {
        try {
            shutdownHook = null; // we are the hook: removing it now would throw
            stop();
        } catch (Exception e) {
            System.err.println("[payara] could not stop domain " + name + ": " + e);
        }
    }

    private void removeShutdownHook() {
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting and the hook runs anyway
            }
            shutdownHook = null;
        }
    }

    private static InetSocketAddress parseProcAddress(String hex) throws UnknownHostException {
        String[] parts = hex.split(":");
        byte[] raw = new byte[parts[0].length() / 2];
        // /proc prints the address as 32-bit words in host (little-endian) order
        for (int word = 0; word < raw.length / 4; word++) {
            for (int b = 0; b < 4; b++) {
                int at = word * 8 + (3 - b) * 2;
                raw[word * 4 + b] = (byte) Integer.parseInt(parts[0].substring(at, at + 2), 16);
            }
        }
        return new InetSocketAddress(InetAddress.getByAddress(raw), Integer.parseInt(parts[1], 16));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    /**
     * Hands out distinct ports that are free on 127.0.0.1 right now, from 20000-32000: below Linux's
     * ephemeral range, so an outgoing connection cannot grab one between the check and the bind.
     */
}
