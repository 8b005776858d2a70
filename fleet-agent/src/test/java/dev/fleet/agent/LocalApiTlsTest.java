package dev.fleet.agent;

import dev.fleet.testkit.TestPki;
import dev.fleet.agent.local.LocalApi;
import dev.fleet.client.Tls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The local API over mutual TLS: it serves the control plane (a node certificate of the cluster CA) and nobody else
 * (403 for the CA's clients and agents; no certificate or another CA's fails the handshake); without TLS it is plain
 * HTTP as before, with a warning when it listens beyond loopback.
 */
class LocalApiTlsTest {
    static final String MACHINE = "0123456789abcdef0123456789abcdef";
    static final String OTHER_MACHINE = "fedcba9876543210fedcba9876543210";
    @TempDir
    static Path dir;
    static TestPki pki;
    static TestPki rogue;
    static LocalApi api;
    static final ByteArrayOutputStream logged = new ByteArrayOutputStream();

    @BeforeAll
    static void start() throws Exception {
        pki = new TestPki(dir.resolve("ca"), "fleet test CA");
        rogue = new TestPki(dir.resolve("rogue"), "another CA");
        CompletableFuture.allOf(
                issue(pki, "agent", "CN=" + MACHINE + ",OU=agent,O=fleet", "127.0.0.1"),
                issue(pki, "n1", "CN=n1,OU=node,O=fleet", "127.0.0.1"),
                issue(pki, "alice", "CN=alice,OU=operate,O=fleet", null),
                issue(pki, "other-agent", "CN=" + OTHER_MACHINE + ",OU=agent,O=fleet", "127.0.0.1"),
                issue(rogue, "n1", "CN=n1,OU=node,O=fleet", "127.0.0.1")).join();
        SSLContext server = Tls.serverFromPem(pki.ca(), pki.cert("agent"), pki.key("agent"));
        api = new LocalApi("127.0.0.1", 0, MACHINE, new FakeSystemd(), Set.of("a.service")::contains, false, server,
                new Log(new PrintStream(logged, true), false));
        api.start();
    }

    static CompletableFuture<Void> issue(TestPki ca, String name, String subject, String ip) {
        return CompletableFuture.runAsync(() -> {
            try {
                ca.issue(name, subject, ip);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    static HttpResponse<String> get(SSLContext client, String scheme, int port) throws IOException, InterruptedException {
        HttpClient c = HttpClient.newBuilder().sslContext(client).connectTimeout(Duration.ofSeconds(5)).build();
        return c.send(HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + port + "/agent/v1/units/a.service/status"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static SSLContext as(TestPki ca, String name) {
        return Tls.fromPem(pki.ca(), ca.cert(name), ca.key(name));
    }

    @Test
    void theControlPlanesCertificateGetsTheStatusOverHttps() throws Exception {
        assertThat(api.scheme()).isEqualTo("https");
        HttpResponse<String> r = get(as(pki, "n1"), "https", api.port());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"machineID\":\"" + MACHINE + "\"").contains("\"name\":\"a.service\"");
        assertThat(r.sslSession()).hasValueSatisfying(s -> assertThat(s.getProtocol()).isIn("TLSv1.3", "TLSv1.2"));
        assertThat(logged.toString()).contains("local API on https://127.0.0.1:").doesNotContain("plain HTTP");
    }

    @Test
    void aClientOrAnotherAgentOfTheSameCaGets403() throws Exception {
        for (String who : new String[] {"alice", "other-agent"}) {
            HttpResponse<String> r = get(as(pki, who), "https", api.port());
            assertThat(r.statusCode()).as(who).isEqualTo(403);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(r.body()).as(who).startsWith("{\"error\":{\"code\":403,\"message\":\"the local API serves the control plane only");
        }
    }

    @Test
    void noCertificateOrAnotherCasFailsTheHandshake() {
        assertThatThrownBy(() -> get(Tls.fromPem(pki.ca(), null, null), "https", api.port())).as("no client certificate")
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> get(as(rogue, "n1"), "https", api.port())).as("a node certificate of another CA")
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> get(as(pki, "n1"), "http", api.port())).as("plain HTTP to the TLS port")
                .isInstanceOf(IOException.class);
    }

    @Test
    void withoutTlsItIsPlainHttpAsBeforeAndWarnsOnlyBeyondLoopback() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (LocalApi plain = new LocalApi("127.0.0.1", 0, MACHINE, new FakeSystemd(), Set.of("a.service")::contains,
                new Log(new PrintStream(out, true), false))) {
            plain.start();
            assertThat(plain.scheme()).isEqualTo("http");
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + plain.port() + "/agent/v1/units/a.service/status")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(out.toString()).contains("local API on http://127.0.0.1:").doesNotContain("warning");
        }
        ByteArrayOutputStream wide = new ByteArrayOutputStream();
        try (LocalApi plain = new LocalApi("0.0.0.0", 0, MACHINE, new FakeSystemd(), Set.of()::contains,
                new Log(new PrintStream(wide, true), false))) {
            plain.start();
            assertThat(wide.toString().lines().filter(l -> l.contains("warning"))).singleElement().asString()
                    .contains("local API is plain HTTP").contains("configure etcd_cafile/etcd_certfile/etcd_keyfile");
        }
    }
}
