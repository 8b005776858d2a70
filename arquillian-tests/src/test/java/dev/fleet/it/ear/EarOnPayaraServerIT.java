package dev.fleet.it.ear;

import dev.fleet.testkit.PayaraServerDomain;
import dev.fleet.testkit.Ports;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The release form of fleet: the EAR, deployed with {@code asadmin deploy} on a full Payara Server 6
 * (the distribution Maven unpacks into target/payara-server), must serve the etcd v2 keys API.
 *
 * <p>One domain for the class: created loopback-only with free ports and Hazelcast off, started,
 * deployed to once; undeployed by the last test and always stopped in {@link #stopDomain()}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EarOnPayaraServerIT {

    private static final String APP = "fleet";
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);

    private static PayaraServerDomain domain;
    private static int raftPort;
    private static boolean deployed;
    private static final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1) // no h2c upgrade dance with Grizzly
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @BeforeAll
    static void startDomainAndDeployEar() throws Exception {
        Path serverHome = Path.of(requiredProperty("payara.server.home"));
        Path ear = Path.of(requiredProperty("fleet.ear"));
        Path work = Path.of(requiredProperty("fleet.test.work")).resolve("ear-on-payara-server");
        assertThat(ear).as("the EAR (build it first: mvn -DskipTests package)").isRegularFile();

        int httpPort = Ports.free();
        raftPort = Ports.free(100); // FD_SOCK2 listens on the RAFT port + 100
        Path dataDir = work.resolve("data");
        deleteTree(dataDir); // a fresh single-member cluster every run

        domain = PayaraServerDomain.create(serverHome, work.resolve("domains"), "fleet-ear-smoke", httpPort, Map.of(
                "fleet.name", "ear-smoke",
                "fleet.data.dir", dataDir.toString(),
                "fleet.raft.host", PayaraServerDomain.LOOPBACK,
                "fleet.raft.port", String.valueOf(raftPort),
                "fleet.http.host", PayaraServerDomain.LOOPBACK,
                "fleet.http.port", String.valueOf(httpPort)));

        long t0 = System.nanoTime();
        long t1;
        String out;
        try {
            domain.start();
            t1 = System.nanoTime();
            out = domain.deploy(ear, APP);
            deployed = true;
        } catch (IllegalStateException e) { // asadmin failed: its output is in the message, add the server's
            throw new AssertionError(e.getMessage() + "\n--- server.log tail ---\n" + domain.serverLogTail(60), e);
        }
        long t2 = System.nanoTime();
        // asadmin deploy returns once the application started; the RAFT node may still be electing itself
        AtomicReference<HttpResponse<String>> last = new AtomicReference<>();
        try {
            await("GET /v2/keys/ answers 200").atMost(READY_TIMEOUT).pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions()
                    .until(() -> {
                        last.set(get("/v2/keys/"));
                        return last.get().statusCode() == 200;
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            HttpResponse<String> r = last.get();
            throw new AssertionError("fleet did not answer on " + domain.baseUri() + "/v2/keys/ within " + READY_TIMEOUT
                    + "; last answer: " + (r == null ? "none" : r.statusCode() + " " + r.body())
                    + "\n--- server.log tail ---\n" + domain.serverLogTail(60), e);
        }
        long t3 = System.nanoTime();
        System.out.printf("[ear-smoke] start-domain %d ms, deploy %d ms, first 200 from /v2/keys/ %d ms later "
                        + "(http %d, admin %d, raft %d, pid %d)%n%s%n",
                (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000,
                httpPort, domain.adminPort(), raftPort, domain.pid(), out.trim());
    }

    @AfterAll
    static void stopDomain() throws Exception {
        if (domain == null) {
            return;
        }
        try {
            if (deployed) {
                domain.undeploy(APP); // best effort: the stop below runs whatever happens here
            }
        } catch (Exception e) {
            System.err.println("[ear-smoke] undeploy failed: " + e.getMessage());
        } finally {
            long t0 = System.nanoTime();
            domain.stop();
            System.out.printf("[ear-smoke] stop-domain %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        }
    }

    @Test
    @Order(1)
    void domainListensOnLoopbackOnly() throws IOException {
        var sockets = domain.listeningSockets();
        System.out.println("[ear-smoke] server JVM listens on " + sockets);
        // /proc is Linux-only; elsewhere there is nothing to check (ss/netstat by hand)
        if (!sockets.isEmpty()) {
            assertThat(sockets).extracting(InetSocketAddress::getAddress)
                    .as("every listening socket of the server JVM %s", sockets)
                    .allMatch(InetAddress::isLoopbackAddress);
            assertThat(sockets).extracting(InetSocketAddress::getPort).contains(domain.httpPort(), domain.adminPort());
        }
    }

    @Test
    @Order(2)
    void rootDirectoryIsServed() throws Exception {
        HttpResponse<String> r = get("/v2/keys/");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonObject body = json(r);
        assertThat(body.getString("action")).isEqualTo("get");
        assertThat(body.getJsonObject("node").getBoolean("dir")).isTrue();
    }

    @Test
    @Order(3)
    void putThenGetReturnsTheValue() throws Exception {
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(uri("/v2/keys/smoke"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .PUT(HttpRequest.BodyPublishers.ofString("value=ok"))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isIn(200, 201);

        HttpResponse<String> r = get("/v2/keys/smoke");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonObject body = json(r);
        assertThat(body.getString("action")).isEqualTo("get");
        assertThat(body.getJsonObject("node").getString("value")).isEqualTo("ok");
    }

    @Test
    @Order(4)
    void undeployRemovesTheApplication() throws Exception {
        domain.undeploy(APP);
        deployed = false;

        // context root "/" falls back to the server's default web module
        assertThat(get("/v2/keys/").statusCode()).isEqualTo(404);
        // and the RAFT node went with the application: its ports are closed (a redeploy can bind them)
        await("RAFT ports closed").atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(domain.listeningSockets()).extracting(InetSocketAddress::getPort)
                        .doesNotContain(raftPort, raftPort + 100));
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return domain.baseUri().resolve(path);
    }

    private static JsonObject json(HttpResponse<String> r) {
        try (var reader = Json.createReader(new StringReader(r.body()))) {
            return reader.readObject();
        }
    }

    private static String requiredProperty(String name) {
        String value = System.getProperty(name);
        assertThat(value).as("system property %s (set by failsafe in arquillian-tests/pom.xml)", name).isNotBlank();
        return value;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
    }
}
