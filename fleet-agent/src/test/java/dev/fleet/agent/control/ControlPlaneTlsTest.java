package dev.fleet.agent.control;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.fleet.agent.config.AgentConfig;
import dev.fleet.agent.config.ConfigSources;
import dev.fleet.client.Tls;
import dev.fleet.schema.Presence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import java.io.FileInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The agent over TLS with fleet's fleet.conf keys: {@code etcd_cafile}, {@code etcd_certfile}, {@code etcd_keyfile}
 * (PEM) reach a control plane that requires client certificates; without them the agent gets nowhere. Certificates are
 * made with the JDK's keytool; the PEM key is written from the keystore (PKCS#8).
 */
class ControlPlaneTlsTest {
    static final String PW = "test-password";
    @TempDir
    static Path dir;
    static HttpsServer server;
    static URI endpoint;

    @BeforeAll
    static void start() throws Exception {
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=ca", "-ext", "bc:c",
                "-validity", "2", "-keystore", "ca.p12", "-storepass", PW);
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-storepass", PW, "-file", "ca.pem");
        signed("node", "SAN=IP:127.0.0.1", "EKU=serverAuth");
        signed("machine", null, "EKU=clientAuth");

        KeyStore node = load("node.p12");
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(node, PW.toCharArray());
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", load("ca.p12").getCertificate("ca"));
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
        server.createContext("/fleet/agent/v1/machines/", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(201, -1);
            ex.close();
        });
        server.start();
        endpoint = URI.create("https://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    @Test
    void fleetsTlsKeysTakeTheAgentToAControlPlaneThatWantsCertificates() throws Exception {
        AgentConfig c = ConfigSources.merge(Map.of("endpoint", endpoint.toString(), "etcd_cafile", dir.resolve("ca.pem").toString(),
                "etcd_certfile", dir.resolve("machine.pem").toString(), "etcd_keyfile", dir.resolve("machine-key.pem").toString()));
        ControlPlane cp = new ControlPlane(c.endpoints());
        cp.useTls(Tls.fromPem(c.tls().caFile(), c.tls().certFile(), c.tls().keyFile()));
        assertThat(cp.register(presence())).isEqualTo(201);

        ControlPlane plain = new ControlPlane(c.endpoints());
        assertThatThrownBy(() -> plain.register(presence())).isInstanceOf(IOException.class);
        ControlPlane caOnly = new ControlPlane(c.endpoints());
        caOnly.useTls(Tls.fromPem(c.tls().caFile(), null, null));
        assertThatThrownBy(() -> caOnly.register(presence())).as("no machine certificate").isInstanceOf(IOException.class);
    }

    static Presence presence() {
        return new Presence("0123456789abcdef0123456789abcdef", "10.0.0.1", Map.of(), "test", "s", 30, 0);
    }

    /** A key pair signed by the CA: NAME.p12 (chain), NAME.pem (certificate) and NAME-key.pem (PKCS#8). */
    static void signed(String name, String san, String eku) throws Exception {
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-validity", "2", "-keystore", name + ".p12", "-storepass", PW);
        keytool("-certreq", "-alias", name, "-keystore", name + ".p12", "-storepass", PW, "-file", name + ".csr");
        List<String> gen = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-storepass", PW,
                "-infile", name + ".csr", "-outfile", name + ".pem", "-validity", "2", "-ext", eku));
        if (san != null) {
            gen.addAll(List.of("-ext", san));
        }
        keytool(gen.toArray(String[]::new));
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", name + ".p12", "-storepass", PW);
        keytool("-importcert", "-alias", name, "-file", name + ".pem", "-keystore", name + ".p12", "-storepass", PW);
        Key key = load(name + ".p12").getKey(name, PW.toCharArray());
        Files.writeString(dir.resolve(name + "-key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n");
    }

    static KeyStore load(String file) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(dir.resolve(file).toFile())) {
            ks.load(in, PW.toCharArray());
        }
        return ks;
    }

    static void keytool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("keytool " + String.join(" ", args) + ": " + out).isZero();
    }
}
