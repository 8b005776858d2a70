package dev.fleet.client;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The client's TLS from PEM files against an HTTPS server that requires client certificates, as a secured node does:
 * the right CA and certificate get an answer; no certificate, one from another CA, or a CA that did not sign the server
 * get none. Certificates are made with openssl (EC P-256, PKCS#8 keys, as fleet's users have them).
 */
class TlsTest {
    @TempDir
    static Path pem;
    static HttpsServer server;
    static URI endpoint;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(openssl("version") == 0, "openssl is not installed");
        ca("ca");
        ca("other-ca");
        issue("server", "ca", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        issue("client", "ca", "extendedKeyUsage=clientAuth\n");
        issue("stranger", "other-ca", "extendedKeyUsage=clientAuth\n");

        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", Tls.privateKey(pem.resolve("server-key.pem")), new char[0],
                Tls.certificates(pem.resolve("server.pem")).toArray(Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", Tls.certificates(pem.resolve("ca.pem")).get(0));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);

        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = ctx.getDefaultSSLParameters();
                p.setNeedClientAuth(true);
                params.setSSLParameters(p);
            }
        });
        server.createContext("/fleet/v1/machines", ex -> {
            byte[] b = "{\"machines\":[{\"id\":\"m1\",\"primaryIP\":\"10.0.0.1\"}]}".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        endpoint = URI.create("https://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    static FleetClient client(String ca, String cert) {
        FleetClient c = new FleetClient(List.of(endpoint));
        c.useTls(Tls.fromPem(pem.resolve(ca + ".pem"), cert == null ? null : pem.resolve(cert + ".pem"),
                cert == null ? null : pem.resolve(cert + "-key.pem")));
        return c;
    }

    @Test
    void theClusterCaAndAClientCertificateGetAnAnswer() {
        assertThat(client("ca", "client").machines()).extracting(m -> m.id()).containsExactly("m1");
        assertThat(client("ca", "client").rotated(1).machines()).hasSize(1);
    }

    @Test
    void noCertificateOrAStrangersOrAServerFromAnotherCaGetsNothing() {
        assertThatThrownBy(() -> client("ca", null).machines()).isInstanceOf(FleetClient.Unreachable.class);
        assertThatThrownBy(() -> client("ca", "stranger").machines()).isInstanceOf(FleetClient.Unreachable.class);
        assertThatThrownBy(() -> client("other-ca", "client").machines()).isInstanceOf(FleetClient.Unreachable.class);
    }

    @Test
    void filesItCannotUseAreNamed() throws Exception {
        assertThatThrownBy(() -> Tls.fromPem(pem.resolve("ca.pem"), pem.resolve("client.pem"), null))
                .hasMessageContaining("needs its key");
        assertThatThrownBy(() -> Tls.fromPem(pem.resolve("missing.pem"), null, null)).hasMessageContaining("cannot read");
        assertThatThrownBy(() -> Tls.fromPem(pem.resolve("client-key.pem"), null, null)).hasMessageContaining("is not a PEM certificate file");
        assertThat(openssl("ec", "-in", "client-key.pem", "-out", "client-sec1.pem")).isZero();
        assertThatThrownBy(() -> Tls.privateKey(pem.resolve("client-sec1.pem"))).hasMessageContaining("convert it to PKCS#8");
    }

    static void ca(String name) throws Exception {
        assertThat(openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", name + "-key.pem", "-out", name + ".pem", "-days", "2", "-subj", "/CN=" + name,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")).isZero();
    }

    static void issue(String name, String ca, String extensions) throws Exception {
        Files.writeString(pem.resolve(name + ".ext"), extensions);
        assertThat(openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                name + "-key.pem", "-out", name + ".csr", "-subj", "/CN=" + name)).isZero();
        assertThat(openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + "-key.pem",
                "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext")).isZero();
    }

    static int openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).directory(pem.toFile()).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor();
        } catch (java.io.IOException notInstalled) {
            return -1;
        }
    }
}
