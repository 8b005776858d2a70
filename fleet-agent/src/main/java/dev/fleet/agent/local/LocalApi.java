package dev.fleet.agent.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.fleet.client.Tls;
import dev.fleet.agent.Log;
import dev.fleet.agent.systemd.SystemdPort;
import dev.fleet.model.JournalOutputs;
import dev.fleet.unit.UnitName;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.spi.JsonProvider;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.security.auth.x500.X500Principal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The agent's local API, for the control plane only (status and journal "without SSH"):
 * <ul>
 *   <li>{@code GET /agent/v1/units/NAME/status} → {@code {"machineID","name","properties":{...},"text"}},
 *       the text being {@code systemctl status -l --no-pager NAME};</li>
 *   <li>{@code GET /agent/v1/units/NAME/journal?lines=N&follow=BOOL[&output=MODE]} → the output of
 *       {@code journalctl --no-pager -u NAME -n N [-f] [--output=MODE]}, streamed (chunked) as it comes; MODE one of
 *       journalctl's modes ({@link JournalOutputs}), else 400.</li>
 * </ul>
 * Only units fleet loaded on this machine are served (404 otherwise); names are validated before
 * they reach a command line, and commands are run without a shell.
 * <p>With a TLS context (the agent's {@code etcd_cafile}, {@code etcd_certfile} and {@code etcd_keyfile}) it serves
 * HTTPS only, TLS 1.3/1.2, presenting the agent's certificate and requiring a client certificate of the configured
 * CA (none, or another CA's, fails the handshake); of those, only the control plane's ({@link Callers}: OU=node) is
 * served, any other gets 403. Without one it is plain HTTP, for anyone who reaches the port.
 */
public final class LocalApi implements AutoCloseable {

    private static final JsonProvider JSON = JsonProvider.provider();
    private static final String PREFIX = "/agent/v1/units/";
    private static final int MAX_LINES = 10_000;

    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fleet-agent-local-api");
        t.setDaemon(true);
        return t;
    });
    private final String machineId;
    private final boolean userInstance;
    private final SystemdPort systemd;
    private final Predicate<String> loadedHere;
    private final Log log;
    private final boolean tls;

    public LocalApi(String host, int port, String machineId, SystemdPort systemd, Predicate<String> loadedHere, Log log) throws IOException {
        this(host, port, machineId, systemd, loadedHere, false, log);
    }

    /** With {@code userInstance}, status and journal are the user's ({@code systemctl --user}, {@code journalctl --user-unit}). */
    public LocalApi(String host, int port, String machineId, SystemdPort systemd, Predicate<String> loadedHere,
                    boolean userInstance, Log log) throws IOException {
        this(host, port, machineId, systemd, loadedHere, userInstance, null, log);
    }

    /**
     * {@code tls}: the server context ({@link Tls#serverFromPem}: the agent's certificate and key, trusting only the
     * cluster CA), or null for plain HTTP.
     */
    public LocalApi(String host, int port, String machineId, SystemdPort systemd, Predicate<String> loadedHere,
                    boolean userInstance, SSLContext tls, Log log) throws IOException {
        this.tls = tls != null;
        this.userInstance = userInstance;
        this.machineId = machineId;
        this.systemd = systemd;
        this.loadedHere = loadedHere;
        this.log = log;
        if (tls == null) {
            this.server = HttpServer.create(new InetSocketAddress(host, port), 16);
        } else {
            HttpsServer https = HttpsServer.create(new InetSocketAddress(host, port), 16);
            https.setHttpsConfigurator(new HttpsConfigurator(tls) {
                @Override
                public void configure(HttpsParameters params) {
                    SSLParameters p = tls.getDefaultSSLParameters();
                    p.setProtocols(Tls.SERVER_PROTOCOLS);
                    p.setNeedClientAuth(true);
                    params.setSSLParameters(p);
                }
            });
            this.server = https;
        }
        server.createContext("/agent/v1/", this::handle);
        server.setExecutor(pool);
    }

    public void start() {
        server.start();
        InetSocketAddress at = server.getAddress();
        log.info("local API on " + (tls ? "https" : "http") + "://" + at.getHostString() + ":" + at.getPort() + "/agent/v1/"
                + (tls ? " (client certificates of the cluster CA, OU=node only)" : ""));
        if (!tls && at.getAddress() != null && !at.getAddress().isLoopbackAddress()) {
            log.info("warning: local API is plain HTTP on " + at.getHostString() + ":" + at.getPort()
                    + ": anyone who reaches it can read every fleet unit's status and journal here; "
                    + "configure etcd_cafile/etcd_certfile/etcd_keyfile (--ca-file, --cert-file, --key-file) for mutual TLS");
        }
    }

    /** "https" with a TLS context, else "http". */
    public String scheme() {
        return tls ? "https" : "http";
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (ex instanceof HttpsExchange https) {
                Optional<String> refused = Callers.refusal(subject(https));
                if (refused.isPresent()) {
                    error(ex, 403, refused.get());
                    return;
                }
            }
            String path = ex.getRequestURI().getPath();
            if (!"GET".equals(ex.getRequestMethod())) {
                error(ex, 405, "only GET is supported");
                return;
            }
            if (!path.startsWith(PREFIX)) {
                error(ex, 404, "not found");
                return;
            }
            String rest = path.substring(PREFIX.length());
            int slash = rest.lastIndexOf('/');
            if (slash <= 0) {
                error(ex, 404, "not found");
                return;
            }
            String name = rest.substring(0, slash);
            String what = rest.substring(slash + 1);
            if (!UnitName.isValid(name)) {
                error(ex, 400, "invalid unit name: " + UnitName.validationError(name).orElse(""));
                return;
            }
            if (!loadedHere.test(name)) {
                error(ex, 404, "unit " + name + " is not loaded by fleet on machine " + machineId);
                return;
            }
            Map<String, String> query = query(ex.getRequestURI().getRawQuery());
            switch (what) {
                case "status" -> status(ex, name);
                case "journal" -> journal(ex, name, query);
                default -> error(ex, 404, "not found");
            }
        } catch (RuntimeException e) {
            log.info("local API: " + e);
        }
    }

    /** The client certificate's subject (RFC 2253), or null when there is none. */
    private static String subject(HttpsExchange ex) {
        try {
            return ex.getSSLSession().getPeerPrincipal() instanceof X500Principal p ? p.getName() : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    private void status(HttpExchange ex, String name) throws IOException {
        Map<String, String> props = new TreeMap<>();
        try {
            props.putAll(systemd.properties(name));
        } catch (RuntimeException e) {
            error(ex, 502, "systemd: " + e.getMessage());
            return;
        }
        String text = run(userInstance ? List.of("systemctl", "--user", "status", "-l", "--no-pager", "--", name)
                : List.of("systemctl", "status", "-l", "--no-pager", "--", name));
        JsonObjectBuilder p = JSON.createObjectBuilder();
        props.forEach((k, v) -> p.add(k, v == null ? "" : v));
        byte[] body = JSON.createObjectBuilder().add("machineID", machineId).add("name", name).add("properties", p)
                .add("text", text).build().toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
    }

    private void journal(HttpExchange ex, String name, Map<String, String> query) throws IOException {
        int lines;
        try {
            lines = Integer.parseInt(query.getOrDefault("lines", "10"));
        } catch (NumberFormatException e) {
            lines = -1;
        }
        if (lines < 0 || lines > MAX_LINES) {
            error(ex, 400, "lines must be a number in 0.." + MAX_LINES);
            return;
        }
        boolean follow = Boolean.parseBoolean(query.getOrDefault("follow", "false"));
        String output = query.get("output");
        if (output != null && !output.isEmpty() && !JournalOutputs.isValid(output)) {
            error(ex, 400, JournalOutputs.invalid(output));
            return;
        }
        List<String> cmd = journalctl(name, lines, follow, output, userInstance);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(200, 0); // chunked
        try (InputStream in = p.getInputStream(); OutputStream out = ex.getResponseBody()) {
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush(); // a followed line reaches the user as it is written
            }
        } catch (IOException e) {
            // the reader went away: journalctl is stopped below
        } finally {
            p.destroy();
            try {
                if (!p.waitFor(2, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The journalctl command line for a journal request: {@code output} (null or empty: journalctl's default) must be
     * one of {@link JournalOutputs#MODES}, {@code name} a valid unit name; no shell runs it.
     */
    static List<String> journalctl(String name, int lines, boolean follow, String output) {
        return journalctl(name, lines, follow, output, false);
    }

    /** The journalctl command line; {@code userInstance}: the user's journal of the unit ({@code --user-unit}). */
    static List<String> journalctl(String name, int lines, boolean follow, String output, boolean userInstance) {
        List<String> cmd = new ArrayList<>(List.of("journalctl", "--no-pager", "-n", Integer.toString(lines)));
        if (follow) {
            cmd.add("-f");
        }
        if (output != null && !output.isEmpty()) {
            if (!JournalOutputs.isValid(output)) {
                throw new IllegalArgumentException(JournalOutputs.invalid(output));
            }
            cmd.add("--output=" + output);
        }
        cmd.add((userInstance ? "--user-unit=" : "--unit=") + name);
        return cmd;
    }

    private static String run(List<String> cmd) {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            return "cannot run " + cmd.get(0) + ": " + e.getMessage(); // the properties still answer
        }
        try (InputStream in = p.getInputStream()) {
            String out = new String(in.readNBytes(1 << 20), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return out;
        } catch (IOException e) {
            p.destroyForcibly();
            return "cannot read " + cmd.get(0) + ": " + e.getMessage();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static void error(HttpExchange ex, int code, String message) throws IOException {
        byte[] body = JSON.createObjectBuilder().add("error", JSON.createObjectBuilder().add("code", code).add("message", message))
                .build().toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(code, body.length);
        ex.getResponseBody().write(body);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new TreeMap<>();
        if (raw == null) {
            return out;
        }
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            String k = java.net.URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : java.net.URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
