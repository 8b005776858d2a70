package dev.fleet.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issued files against other TLS stacks: the system's openssl (verify, s_server/s_client mutual TLS) and the
 * JDK's JSSE (server from the node's PKCS#12 and JKS truststore, client from the client's PEM files), which is what
 * Payara's listener and JGroups' TLS transport use.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsInteropTest {
    Path dir;
    Path node;
    Path client;
    Path mallory;

    @BeforeAll
    void issue(@TempDir Path tmp) {
        dir = tmp.resolve("ca");
        Run.of("init", "--dir=" + dir).ok();
        Run.of("issue", "--dir=" + dir, "--kind=node", "--name=n1", "--ip=127.0.0.1", "--dns=localhost").ok();
        Run.of("issue", "--dir=" + dir, "--kind=client", "--name=alice", "--role=operate").ok();
        node = dir.resolve("nodes/n1");
        client = dir.resolve("clients/alice");
        Path other = tmp.resolve("other");
        Run.of("init", "--dir=" + other).ok();
        Run.of("issue", "--dir=" + other, "--kind=client", "--name=mallory", "--role=admin").ok();
        mallory = other.resolve("clients/mallory");
    }

    // ---- openssl

    static boolean haveOpenssl() {
        try {
            return new ProcessBuilder("openssl", "version").redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    record Out(int code, String text) {
    }

    static Out openssl(String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.US_ASCII));
            }
        }
        CompletableFuture<String> text = CompletableFuture.supplyAsync(() -> {
            try (InputStream o = p.getInputStream()) {
                return new String(o.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("openssl " + args[0] + " did not end");
        }
        return new Out(p.exitValue(), text.get(5, TimeUnit.SECONDS));
    }

    @Test
    void opensslVerifiesTheChainsForTheirPurposes() throws Exception {
        assumeTrue(haveOpenssl(), "no openssl");
        String ca = dir.resolve("ca.pem").toString();
        assertThat(openssl(null, "verify", "-CAfile", ca, node.resolve("n1.pem").toString()).text()).contains(": OK");
        Out server = openssl(null, "verify", "-CAfile", ca, "-purpose", "sslserver", node.resolve("n1.pem").toString());
        assertThat(server.code()).as(server.text()).isZero();
        Out cl = openssl(null, "verify", "-CAfile", ca, "-purpose", "sslclient", client.resolve("alice.pem").toString());
        assertThat(cl.code()).as(cl.text()).isZero();
        Out notServer = openssl(null, "verify", "-CAfile", ca, "-purpose", "sslserver", client.resolve("alice.pem").toString());
        assertThat(notServer.code()).isNotZero();
        Out foreign = openssl(null, "verify", "-CAfile", ca, mallory.resolve("mallory.pem").toString());
        assertThat(foreign.code()).isNotZero();
        // the JDK-written PKCS#12 (PBES2/AES) opens in openssl with the password file
        Out p12 = openssl(null, "pkcs12", "-in", node.resolve("n1.p12").toString(), "-passin", "file:" + node.resolve("n1.pass"), "-nokeys");
        assertThat(p12.code()).as(p12.text()).isZero();
        assertThat(p12.text()).contains("CN = n1");
    }

    @Test
    void opensslMutualTlsWithTheNodeAndClientFiles() throws Exception {
        assumeTrue(haveOpenssl(), "no openssl");
        int port = freePort();
        Path log = dir.resolve("s_server.log");
        Process server = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + port,
                "-cert", node.resolve("n1.pem").toString(), "-key", node.resolve("n1-key.pem").toString(),
                "-CAfile", dir.resolve("ca.pem").toString(), "-Verify", "1", "-verify_return_error", "-www")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!(Files.exists(log) && Files.readString(log).contains("ACCEPT"))) {
                assertThat(server.isAlive()).as("s_server: " + (Files.exists(log) ? Files.readString(log) : "")).isTrue();
                assertThat(System.nanoTime()).as("s_server did not start").isLessThan(deadline);
                Thread.sleep(50);
            }
            String get = "GET / HTTP/1.0\r\n\r\n";
            Out ok = openssl(get, "s_client", "-connect", "127.0.0.1:" + port, "-CAfile", dir.resolve("ca.pem").toString(),
                    "-verify_return_error", "-verify_ip", "127.0.0.1",
                    "-cert", client.resolve("alice.pem").toString(), "-key", client.resolve("alice-key.pem").toString(), "-ign_eof");
            assertThat(ok.text()).contains("Verify return code: 0 (ok)").contains("HTTP/1.0 200 ok");

            Out foreign = openssl(get, "s_client", "-connect", "127.0.0.1:" + port, "-CAfile", dir.resolve("ca.pem").toString(),
                    "-cert", mallory.resolve("mallory.pem").toString(), "-key", mallory.resolve("mallory-key.pem").toString(), "-ign_eof");
            assertThat(foreign.text()).doesNotContain("HTTP/1.0 200 ok");

            Out anonymous = openssl(get, "s_client", "-connect", "127.0.0.1:" + port, "-CAfile", dir.resolve("ca.pem").toString(), "-ign_eof");
            assertThat(anonymous.text()).doesNotContain("HTTP/1.0 200 ok");
            assertThat(Files.readString(log)).contains("verify error");
        } finally {
            server.destroy();
            if (!server.waitFor(5, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    // ---- JSSE

    /** The node side as Payara/JGroups will load it: the PKCS#12 keystore and the JKS truststore, one password. */
    SSLContext nodeContext() throws Exception {
        char[] pass = Files.readString(node.resolve("n1.pass")).toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(node.resolve("n1.p12"))) {
            ks.load(in, pass);
        }
        KeyStore ts = KeyStore.getInstance("JKS");
        try (InputStream in = Files.newInputStream(node.resolve(CaDir.TRUSTSTORE))) {
            ts.load(in, pass);
        }
        return context(ks, pass, ts);
    }

    /** A client from PEM files only (what fleetctl's Go side gets): key + certificate into an in-memory keystore. */
    static SSLContext pemContext(Path certFile, Path keyFile, Path caFile) throws Exception {
        X509Certificate cert = Pem.readCertificate(Files.readString(certFile), certFile.toString());
        X509Certificate ca = Pem.readCertificate(Files.readString(caFile), caFile.toString());
        char[] pass = "x".toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("me", Pem.readPrivateKey(Files.readString(keyFile), keyFile.toString()), pass, new Certificate[] {cert});
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("ca", ca);
        return context(ks, pass, ts);
    }

    static SSLContext context(KeyStore ks, char[] pass, KeyStore ts) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pass);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return c;
    }

    /** One mutual handshake at the given protocol; the server's view of the client's subject, or the failure. */
    String handshake(SSLContext clientContext, String protocol) throws Exception {
        try (SSLServerSocket ss = (SSLServerSocket) nodeContext().getServerSocketFactory().createServerSocket()) {
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            ss.setNeedClientAuth(true);
            ss.setEnabledProtocols(new String[] {protocol});
            CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.setSoTimeout(10_000);
                    s.startHandshake();
                    String who = s.getSession().getPeerPrincipal().getName();
                    s.getOutputStream().write(42);
                    s.getOutputStream().flush();
                    s.getInputStream().read();
                    return who;
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            try (SSLSocket c = (SSLSocket) clientContext.getSocketFactory().createSocket("127.0.0.1", ss.getLocalPort())) {
                c.setSoTimeout(10_000);
                SSLParameters p = c.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS"); // the node's IP SAN must match 127.0.0.1
                p.setProtocols(new String[] {protocol});
                c.setSSLParameters(p);
                c.startHandshake();
                int b = c.getInputStream().read();
                c.getOutputStream().write(1);
                c.getOutputStream().flush();
                assertThat(b).isEqualTo(42);
            } catch (IOException clientSide) {
                // TLS 1.3: the server judges the client certificate after the client's handshake ends
            }
            try {
                return seen.get(20, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw (Exception) (e.getCause().getCause() != null ? e.getCause().getCause() : e.getCause());
            }
        }
    }

    @Test
    void jdkMutualTlsWithTheNodeKeystoreAndTheClientPem() throws Exception {
        SSLContext alice = pemContext(client.resolve("alice.pem"), client.resolve("alice-key.pem"), client.resolve("ca.pem"));
        assertThat(handshake(alice, "TLSv1.3")).isEqualTo("CN=alice,OU=operate,O=fleet");
        assertThat(handshake(alice, "TLSv1.2")).isEqualTo("CN=alice,OU=operate,O=fleet");
        // node to node (JGroups' TLS): the same certificate is client and server
        SSLContext peer = pemContext(node.resolve("n1.pem"), node.resolve("n1-key.pem"), node.resolve("ca.pem"));
        assertThat(handshake(peer, "TLSv1.3")).isEqualTo("CN=n1,OU=node,O=fleet");
    }

    @Test
    void jdkRefusesAClientOfAnotherCa() throws Exception {
        SSLContext m = pemContext(mallory.resolve("mallory.pem"), mallory.resolve("mallory-key.pem"), client.resolve("ca.pem"));
        assertThatThrownBy(() -> handshake(m, "TLSv1.3")).isInstanceOf(javax.net.ssl.SSLException.class);
    }
}
