package dev.fleet.testkit;

import dev.fleet.client.Tls;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A cluster CA made the way a user makes one: by running {@code bin/fleet-ca} (init, issue, token) in a directory.
 * Tests and the dev cluster take their node, agent and client files from it.
 */
public final class ClusterCa {
    private final Path root;
    private final Path dir;

    /** PEM files of one member: what curl, openssl and fleet's Go client take. */
    public record PemFiles(Path ca, Path cert, Path key) {
        public SSLContext sslContext() {
            return Tls.fromPem(ca, cert, key);
        }
    }

    private ClusterCa(Path root, Path dir) {
        this.root = root;
        this.dir = dir;
    }

    /** {@code bin/fleet-ca init --dir=DIR} (reuses a CA already in DIR). */
    public static ClusterCa init(Path root, Path dir) throws IOException, InterruptedException {
        ClusterCa ca = new ClusterCa(root, dir);
        if (!Files.exists(dir.resolve("ca.pem"))) {
            ca.run("init");
        }
        return ca;
    }

    public Path dir() {
        return dir;
    }

    public Path caFile() {
        return dir.resolve("ca.pem");
    }

    /** A node's directory for {@code bin/fleet-node --tls-dir} (issued once; the SANs are every address it is reached on). */
    public Path node(String name, String... ips) throws IOException, InterruptedException {
        Path out = dir.resolve("nodes").resolve(name);
        if (!Files.exists(out.resolve(name + ".pem"))) {
            run("issue", "--kind=node", "--name=" + name, "--ip=" + String.join(",", ips));
        }
        return out;
    }

    public PemFiles client(String name, String role) throws IOException, InterruptedException {
        Path out = dir.resolve("clients").resolve(name);
        if (!Files.exists(out.resolve(name + ".pem"))) {
            run("issue", "--kind=client", "--name=" + name, "--role=" + role);
        }
        return new PemFiles(out.resolve("ca.pem"), out.resolve(name + ".pem"), out.resolve(name + "-key.pem"));
    }

    /** An agent's certificate: CN = the machine ID, IP SANs for the address its local API is reached on. */
    public PemFiles agent(String machineId, String... ips) throws IOException, InterruptedException {
        Path out = dir.resolve("agents").resolve(machineId);
        if (!Files.exists(out.resolve(machineId + ".pem"))) {
            List<String> args = new ArrayList<>(List.of("issue", "--kind=agent", "--machine-id=" + machineId));
            if (ips.length > 0) {
                args.add("--ip=" + String.join(",", ips));
            }
            run(args.toArray(String[]::new));
        }
        return new PemFiles(out.resolve("ca.pem"), out.resolve(machineId + ".pem"), out.resolve(machineId + "-key.pem"));
    }

    /** {@code bin/fleet-ca token}: a bearer token of this cluster. */
    public String token(String name, String role, int days) throws IOException, InterruptedException {
        return run("token", "--name=" + name, "--role=" + role, "--days=" + days).strip();
    }

    private String run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(root.resolve("bin/fleet-ca").toString()));
        cmd.addAll(List.of(args));
        cmd.add("--dir=" + dir);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("bin/fleet-ca " + String.join(" ", args) + " failed: " + err);
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
