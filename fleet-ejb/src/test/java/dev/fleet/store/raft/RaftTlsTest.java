package dev.fleet.store.raft;

import dev.fleet.store.Command;
import dev.fleet.store.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Mutual TLS on the RAFT channel: members with certificates from the cluster's CA form a cluster and replicate; an
 * impostor with a certificate from another CA, started first at a member's address, neither joins nor keeps the real
 * members from electing a leader. Certificates are made with the JDK's keytool (EC P-256).
 */
class RaftTlsTest {
    static final String PASSWORD = "test-password";

    @TempDir
    static Path certs;
    static RaftTls member;
    static RaftTls impostor;

    @TempDir
    Path dir;
    private final List<RaftStore> running = new ArrayList<>();

    @BeforeAll
    static void makeCertificates() throws Exception {
        // the cluster's CA, its trust store, and one member certificate signed by it (shared by the members here)
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=fleet test CA",
                "-ext", "bc:c", "-validity", "2", "-keystore", "ca.p12", "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-storepass", PASSWORD, "-file", "ca.pem");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", "trust.p12", "-storetype", "PKCS12",
                "-storepass", PASSWORD);
        keytool("-genkeypair", "-alias", "member", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=member",
                "-validity", "2", "-keystore", "member.p12", "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool("-certreq", "-alias", "member", "-keystore", "member.p12", "-storepass", PASSWORD, "-file", "member.csr");
        keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-storepass", PASSWORD, "-infile", "member.csr",
                "-outfile", "member.pem", "-ext", "EKU=serverAuth,clientAuth", "-validity", "2");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", "member.p12", "-storepass", PASSWORD);
        keytool("-importcert", "-alias", "member", "-file", "member.pem", "-keystore", "member.p12", "-storepass", PASSWORD);
        member = new RaftTls(certs.resolve("member.p12"), certs.resolve("trust.p12"), PASSWORD).checked();
        // the impostor: its own self-signed certificate, trusting only itself
        keytool("-genkeypair", "-alias", "rogue", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=rogue",
                "-ext", "bc:c", "-validity", "2", "-keystore", "rogue.p12", "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "rogue", "-keystore", "rogue.p12", "-storepass", PASSWORD, "-file", "rogue.pem");
        keytool("-importcert", "-noprompt", "-alias", "rogue", "-file", "rogue.pem", "-keystore", "rogue-trust.p12",
                "-storetype", "PKCS12", "-storepass", PASSWORD);
        impostor = new RaftTls(certs.resolve("rogue.p12"), certs.resolve("rogue-trust.p12"), PASSWORD).checked();
    }

    static void keytool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(certs.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("keytool " + String.join(" ", args) + ": " + out).isZero();
    }

    @AfterEach
    void closeAll() {
        running.forEach(RaftStore::close);
    }

    @Test
    void theStackGetsMutualTlsAndLosesItsPlainFailureDetectorSocket() throws Exception {
        Map<String, InetSocketAddress> one = Map.of("a", InetSocketAddress.createUnresolved("127.0.0.1", 7800));
        String plain = new String(new RaftConfig("a", "127.0.0.1", 7800, one, dir, 100, 10, 500).stackXml().readAllBytes());
        String tls = new String(new RaftConfig("a", "127.0.0.1", 7800, one, dir, 100, 10, 500, member).stackXml().readAllBytes());
        assertThat(plain).contains("<FD_SOCK2").doesNotContain("tls.enabled");
        assertThat(tls).contains("tls.enabled=\"true\"", "tls.client_auth=\"NEED\"", "tls.truststore_path=\"" + member.truststore())
                .doesNotContain("<FD_SOCK2").contains("<FD_ALL3");
        assertThat(member.toString()).doesNotContain(PASSWORD);
    }

    @Test
    void membersOfOneCaReplicateAndAnImpostorStartedFirstStaysAlone() throws Exception {
        Map<String, InetSocketAddress> members = new LinkedHashMap<>();
        for (String n : List.of("a", "b", "c")) {
            members.put(n, InetSocketAddress.createUnresolved("127.0.0.1", freePort()));
        }
        // the impostor takes member a's address before any real member runs
        RaftStore rogue = start("a", members, impostor);
        RaftStore b = start("b", members, member);
        RaftStore c = start("c", members, member);
        await().atMost(Duration.ofSeconds(30)).until(() -> b.leaderName() != null && c.leaderName() != null);
        assertThat(b.leaderName()).isIn("b", "c");
        Result r = b.submit(Command.Put.set(System.currentTimeMillis(), "/greeting", "over tls"), Duration.ofSeconds(10));
        assertThat(r).isInstanceOf(Result.Event.class);
        c.whenApplied(r.index()).get();
        assertThat(((Result.Event) c.read("/greeting", false, false)).node().value()).isEqualTo("over tls");
        assertThat(rogue.leaderName()).as("the impostor never sees a leader").isNull();
        assertThat(rogue.read("/greeting", false, false)).isNotInstanceOf(Result.Event.class);
    }

    private RaftStore start(String name, Map<String, InetSocketAddress> members, RaftTls tls) throws Exception {
        Path data = Files.createDirectories(dir.resolve(name + "-" + running.size()));
        RaftStore s = new RaftStore(new RaftConfig(name, "127.0.0.1", members.get(name).getPort(), members, data, 10_000,
                1000, 500, tls), Executors.newSingleThreadExecutor());
        s.start();
        running.add(s);
        return s;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
