package dev.fleet.it.security;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.fleet.testkit.ClusterCa;
import dev.fleet.testkit.FleetCluster;
import dev.fleet.testkit.FleetNodeProcess;
import dev.fleet.testkit.Ports;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A secured node ({@code bin/fleet-node --tls-dir}, files from {@code bin/fleet-ca}) admits exactly what its role
 * table says: every API v1, agent-API, {@code /v2/keys}, {@code /v2/members} route × no identity, a read
 * certificate, an operate token, an admin certificate, an agent's certificate, an admin certificate of another CA,
 * an expired token: exact 401/403, never one for an allowed cell, and nothing written on refusal. Then the clients
 * users have: curl and openssl with the PEM files (fleet's Go client's only way in: PEM CA + certificate + key, TLS
 * 1.2), our fleetctl with certificate files and with a token, a second node joining over HTTPS with its node
 * certificate, and the audit trail naming who did what.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecuredNodeIT {
    static final String M1 = "0123456789abcdef0123456789abcdef";
    static final String M2 = "fedcba9876543210fedcba9876543210";
    static final String UNIT = "{\"desiredState\":\"inactive\",\"options\":[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\"/bin/sleep 1000\"}]}";

    enum Need { PROBE, READ, OPERATE, ADMIN, OWN_AGENT }

    /** One caller: a TLS context (certificate or none) and an optional bearer token; {@code who} names its keys. */
    record Caller(String who, HttpClient http, String bearer) { }

    /** A route of the table: {@code {who}} in the path is the caller's name, so each caller's writes are its own. */
    record Route(String method, String path, String contentType, String body, Need need) { }

    private final Path root = FleetCluster.repositoryRoot();
    private Path work;
    private ClusterCa ca;
    private FleetNodeProcess n1;
    private FleetNodeProcess n2;
    private final Map<String, Caller> callers = new LinkedHashMap<>();
    private ClusterCa.PemFiles admin;
    private ClusterCa.PemFiles reader;

    @BeforeAll
    void boot() throws Exception {
        work = Path.of(System.getProperty("fleet.test.work", "target/it-work")).resolve("secured-node-" + System.currentTimeMillis());
        Files.createDirectories(work);
        ca = ClusterCa.init(root, work.resolve("ca"));
        Path n1Files = ca.node("n1", "127.0.0.1");
        int port = Ports.free();
        n1 = new FleetNodeProcess(root, "n1", port, Ports.free(100), work.resolve("n1"), List.of("--tls-dir=" + n1Files));
        n1.start();
        reader = ca.client("rob", "read");
        admin = ca.client("ada", "admin");
        ClusterCa.PemFiles agent = ca.agent(M1);
        ClusterCa other = ClusterCa.init(root, work.resolve("other-ca"));
        ClusterCa.PemFiles stranger = other.client("mallory", "admin");
        SSLContext anonymous = dev.fleet.client.Tls.fromPem(ca.caFile(), null, null);
        callers.put("nobody", new Caller("nobody", client(anonymous), null));
        callers.put("rob", new Caller("rob", client(reader.sslContext()), null));
        callers.put("otto", new Caller("otto", client(anonymous), ca.token("otto", "operate", 1)));
        callers.put("ada", new Caller("ada", client(admin.sslContext()), null));
        callers.put("agent", new Caller("agent", client(agent.sslContext()), null));
        // a certificate of another CA, though its client trusts our CA: refused in the handshake
        callers.put("mallory", new Caller("mallory", client(dev.fleet.client.Tls.fromPem(ca.caFile(), stranger.cert(), stranger.key())), null));
        callers.put("late", new Caller("late", client(anonymous), expiredToken("late", "admin")));
        n1.awaitReady(FleetCluster.BOOT_TIMEOUT);
        assertThat(n1.url().getScheme()).isEqualTo("https");
    }

    @AfterAll
    void shutdown() throws InterruptedException {
        for (FleetNodeProcess n : new FleetNodeProcess[] {n2, n1}) {
            if (n != null) {
                n.stop();
            }
        }
    }

    static HttpClient client(SSLContext ctx) {
        return HttpClient.newBuilder().sslContext(ctx).version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** A token signed with the cluster's token key whose expiry passed an hour ago (fleet-ca never mints one). */
    private String expiredToken(String name, String role) throws Exception {
        String pem = Files.readString(ca.dir().resolve("token-key.pem")).replaceAll("-----[A-Z ]+-----|\\s", "");
        RSAPrivateKey key = (RSAPrivateKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        Instant now = Instant.now();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), new JWTClaimsSet.Builder()
                .issuer(Files.readString(ca.dir().resolve("token-issuer")).strip()).subject(name).claim("upn", name)
                .claim("groups", List.of(role)).issueTime(Date.from(now.minusSeconds(7200))).expirationTime(Date.from(now.minusSeconds(3600)))
                .build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    static List<Route> routes() {
        String json = "application/json";
        String form = "application/x-www-form-urlencoded";
        String presence = "{\"session\":\"s-{who}\",\"publicIP\":\"127.0.0.1\",\"metadata\":{},\"version\":\"t\",\"ttl\":600}";
        return List.of(
                new Route("GET", "/health", null, null, Need.PROBE),
                new Route("GET", "/livez", null, null, Need.PROBE),
                new Route("GET", "/fleet/v1/units", null, null, Need.READ),
                new Route("GET", "/fleet/v1/units/m-{who}.service", null, null, Need.READ),
                new Route("GET", "/fleet/v1/units/none.service/status", null, null, Need.READ),
                new Route("GET", "/fleet/v1/units/none.service/journal?lines=1", null, null, Need.READ),
                new Route("GET", "/fleet/v1/state", null, null, Need.READ),
                new Route("GET", "/fleet/v1/machines", null, null, Need.READ),
                new Route("GET", "/fleet/v1/discovery", null, null, Need.READ),
                new Route("PUT", "/fleet/v1/units/m-{who}.service", json, UNIT, Need.OPERATE),
                new Route("DELETE", "/fleet/v1/units/none-{who}.service", null, null, Need.OPERATE),
                new Route("PATCH", "/fleet/v1/machines", json, "[]", Need.OPERATE),
                new Route("GET", "/v2/keys/", null, null, Need.READ),
                new Route("GET", "/v2/keys/_fleet/machines?recursive=true", null, null, Need.READ),
                new Route("PUT", "/v2/keys/matrix/{who}", form, "value=1", Need.OPERATE),
                new Route("POST", "/v2/keys/queue-{who}", form, "value=1", Need.OPERATE),
                new Route("DELETE", "/v2/keys/none-{who}", null, null, Need.OPERATE),
                new Route("GET", "/v2/members", null, null, Need.READ),
                // a member that does not exist: refused before its body is read without admin (an admin's is malformed
                // here, so that the API's own check refuses it: a real ghost would leave this one node without quorum)
                new Route("POST", "/v2/members", json, "{\"peerURLs\":\"tcp://10.9.9.9:7800\",\"name\":\"ghost-{who}\"}", Need.ADMIN),
                new Route("DELETE", "/v2/members/none-{who}", null, null, Need.ADMIN),
                new Route("GET", "/v2/stats/self", null, null, Need.READ),
                new Route("GET", "/metrics", null, null, Need.READ),
                new Route("GET", "/fleet/admin/v1/audit?limit=5", null, null, Need.ADMIN),
                new Route("PUT", "/fleet/agent/v1/machines/" + M1, json, presence, Need.OWN_AGENT),
                new Route("GET", "/fleet/agent/v1/machines/" + M1 + "/schedule", null, null, Need.OWN_AGENT),
                new Route("PUT", "/fleet/agent/v1/machines/" + M1 + "/states", json, "{\"session\":\"s-{who}\",\"states\":[]}", Need.OWN_AGENT),
                new Route("PUT", "/fleet/agent/v1/machines/" + M2, json, presence, Need.ADMIN),
                new Route("GET", "/fleet/agent/v1/machines/" + M2 + "/schedule", null, null, Need.ADMIN),
                new Route("PUT", "/fleet/agent/v1/machines/" + M2 + "/states", json, "{\"session\":\"s-{who}\",\"states\":[]}", Need.ADMIN),
                new Route("DELETE", "/fleet/agent/v1/machines/" + M2 + "?session=s-x", null, null, Need.ADMIN));
    }

    /** The expected outcome of a caller on a route: "ok" (anything but 401/403), "401", "403" or "handshake". */
    static String expected(String who, Need need) {
        if (need == Need.PROBE) {
            return "ok";
        }
        switch (who) {
            case "nobody", "late", "mallory":
                return "401";
            case "agent":
                return need == Need.OWN_AGENT ? "ok" : "403";
            case "rob":
                return need == Need.READ ? "ok" : "403";
            case "otto":
                return need == Need.READ || need == Need.OPERATE ? "ok" : "403";
            case "ada":
                return "ok";
            default:
                throw new IllegalArgumentException(who);
        }
    }

    @Test
    @Order(0)
    void aNodeOnANonLoopbackAddressWithoutTlsRefusesToStart() throws Exception {
        Run r = run(root.resolve("bin/fleet-node").toString(), "--name=bare", "--http-host=192.0.2.10",
                "--data-dir=" + work.resolve("bare"));
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("is not a loopback address").contains("--tls-dir").contains("--insecure");
        Run raft = run(root.resolve("bin/fleet-node").toString(), "--name=bare", "--raft-host=192.0.2.10",
                "--data-dir=" + work.resolve("bare"));
        assertThat(raft.rc()).isEqualTo(2);
        assertThat(raft.err()).contains("--raft-host=192.0.2.10 is not a loopback address");
    }

    @Test
    @Order(1)
    void everyRouteForEveryCaller() throws Exception {
        List<String> wrong = new ArrayList<>();
        int cells = 0;
        for (Route r : routes()) {
            for (Caller c : callers.values()) {
                String want = expected(c.who(), r.need());
                String got;
                String body = "";
                try {
                    HttpResponse<String> resp = send(c, r.method(), r.path().replace("{who}", c.who()), r.contentType(),
                            r.body() == null ? null : r.body().replace("{who}", c.who()));
                    int s = resp.statusCode();
                    body = resp.body();
                    got = s == 401 || s == 403 ? Integer.toString(s) : "ok";
                    if (s == 401 && !resp.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer")) {
                        wrong.add(r.method() + " " + r.path() + " as " + c.who() + ": 401 without WWW-Authenticate: Bearer");
                    }
                    if ((s == 401 || s == 403) && !(body.startsWith("{\"error\":{\"code\":" + s) || body.startsWith("{\"errorCode\":110")
                            || body.startsWith("{\"message\":"))) {
                        wrong.add(r.method() + " " + r.path() + " as " + c.who() + ": " + s + " without fleet's or etcd's error JSON: " + body);
                    }
                    if (s >= 500) {
                        wrong.add(r.method() + " " + r.path() + " as " + c.who() + ": " + s + " " + body);
                    }
                } catch (IOException e) {
                    got = "handshake";
                }
                cells++;
                // a certificate of another CA: the JDK's client does not even offer it (the server names the CAs it
                // takes) and is served as nobody; a client that sends it anyway (curl) is cut off in the handshake
                if (c.who().equals("mallory") && got.equals("handshake") && !want.equals("ok")) {
                    got = want;
                }
                if (!got.equals(want)) {
                    wrong.add(r.method() + " " + r.path() + " as " + c.who() + ": " + got + " (want " + want + ") " + abbreviate(body));
                }
            }
        }
        assertThat(wrong).as("cells of %d that differ from the table", cells).isEmpty();
    }

    @Test
    @Order(2)
    void nothingChangedOnRefusal() throws Exception {
        Caller ada = callers.get("ada");
        for (String who : callers.keySet()) {
            boolean mayWrite = who.equals("otto") || who.equals("ada");
            int key = send(ada, "GET", "/v2/keys/matrix/" + who, null, null).statusCode();
            int unit = send(ada, "GET", "/fleet/v1/units/m-" + who + ".service", null, null).statusCode();
            assertThat(key).as("key of %s", who).isEqualTo(mayWrite ? 200 : 404);
            assertThat(unit).as("unit of %s", who).isEqualTo(mayWrite ? 200 : 404);
        }
        String members = send(ada, "GET", "/v2/members", null, null).body();
        assertThat(members).doesNotContain("ghost-").doesNotContain("10.9.9.9");
        // the agent registered its own machine; no answer shows a session (the agent's or the admin's)
        assertThat(send(ada, "GET", "/fleet/v1/machines", null, null).body()).contains(M1);
        for (String path : List.of("/fleet/v1/machines", "/v2/keys/_fleet?recursive=true", "/v2/keys/?recursive=true",
                "/fleet/agent/v1/machines/" + M1 + "/schedule", "/fleet/admin/v1/audit?limit=1000")) {
            assertThat(send(ada, "GET", path, null, null).body()).as(path).doesNotContain("s-agent", "s-ada");
        }
    }

    @Test
    @Order(3)
    void curlAndOpensslWithThePemFilesAsFleetsGoClientUsesThem() throws Exception {
        String base = n1.url().toString();
        // fleet's Go client: PEM CA + certificate + key, TLS 1.2, the server checked against the endpoint's address
        Run put = run("curl", "-sS", "--tlsv1.2", "--tls-max", "1.2", "--cacert", admin.ca().toString(), "--cert", admin.cert().toString(),
                "--key", admin.key().toString(), "-o", "/dev/null", "-w", "%{http_code}", "-XPUT", "-H", "Content-Type: application/json",
                "-d", UNIT, base + "/fleet/v1/units/curl.service");
        assertThat(put.out()).isEqualTo("201");
        Run list = run("curl", "-sS", "--cacert", reader.ca().toString(), "--cert", reader.cert().toString(), "--key", reader.key().toString(),
                base + "/fleet/v1/units");
        assertThat(list.out()).contains("\"name\":\"curl.service\"");
        // without a client certificate: nothing useful, fleet's error JSON
        Run none = run("curl", "-sS", "--cacert", ca.caFile().toString(), "-w", " %{http_code}", base + "/fleet/v1/units");
        assertThat(none.out()).startsWith("{\"error\":{\"code\":401").endsWith(" 401").doesNotContain("curl.service");
        // a certificate of another CA, sent whatever the server asks for: cut off in the handshake
        ClusterCa.PemFiles stranger = ClusterCa.init(root, work.resolve("other-ca")).client("mallory", "admin");
        Run foreign = run("curl", "-sS", "--cacert", ca.caFile().toString(), "--cert", stranger.cert().toString(), "--key",
                stranger.key().toString(), "-w", " %{http_code}", base + "/fleet/v1/units");
        assertThat(foreign.rc()).as(foreign.out()).isNotZero();
        assertThat(foreign.out()).doesNotContain("curl.service");
        // plain HTTP is off
        Run plain = run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5",
                "http://127.0.0.1:" + n1.url().getPort() + "/fleet/v1/units");
        assertThat(plain.out()).isNotEqualTo("200");
        // openssl as a TLS 1.2 client with the PEM files: the chain and the IP SAN verify
        Run s = run("openssl", "s_client", "-connect", "127.0.0.1:" + n1.url().getPort(), "-tls1_2", "-CAfile", admin.ca().toString(),
                "-cert", admin.cert().toString(), "-key", admin.key().toString(), "-verify_return_error", "-verify_ip", "127.0.0.1",
                "-servername", "127.0.0.1");
        assertThat(s.out()).contains("Verify return code: 0 (ok)").contains("Protocol  : TLSv1.2");
    }

    @Test
    @Order(4)
    void ourFleetctlWithCertificateFilesOrAToken() throws Exception {
        String ep = "--endpoint=" + n1.url();
        Run certs = run(root.resolve("bin/fleetctl").toString(), ep, "--ca-file=" + admin.ca(), "--cert-file=" + admin.cert(),
                "--key-file=" + admin.key(), "submit", unitFile("ctl.service"));
        assertThat(certs.rc()).as(certs.err()).isZero();
        Run token = run(Map.of("FLEETCTL_TOKEN", ca.token("tina", "read", 1), "FLEETCTL_CA_FILE", ca.caFile().toString()),
                root.resolve("bin/fleetctl").toString(), ep, "list-unit-files", "--no-legend", "--fields=unit");
        assertThat(token.rc()).as(token.err()).isZero();
        assertThat(token.out()).contains("ctl.service", "curl.service");
        Run readOnly = run(Map.of("FLEETCTL_CA_FILE", ca.caFile().toString()), root.resolve("bin/fleetctl").toString(), ep,
                "--token=" + ca.token("tina", "read", 1), "destroy", "ctl.service");
        assertThat(readOnly.rc()).isNotZero();
        assertThat(readOnly.err()).contains("operate");
        Run nobody = run(Map.of("FLEETCTL_CA_FILE", ca.caFile().toString()), root.resolve("bin/fleetctl").toString(), ep, "list-units");
        assertThat(nobody.rc()).isNotZero();
        assertThat(nobody.err()).contains("authentication required");
    }

    @Test
    @Order(5)
    void aSecondNodeJoinsOverHttpsWithItsNodeCertificate() throws Exception {
        Path n2Files = ca.node("n2", "127.0.0.1");
        n2 = new FleetNodeProcess(root, "n2", Ports.free(), Ports.free(100), work.resolve("n2"), List.of("--tls-dir=" + n2Files));
        n2.start(List.of("--join=" + n1.url()));
        n2.awaitReady(FleetCluster.BOOT_TIMEOUT);
        Caller rob = callers.get("rob");
        await().atMost(30, TimeUnit.SECONDS).untilAsserted(() ->
                assertThat(send(rob, "GET", "/v2/members", null, null).body()).contains("\"name\":\"n2\"").contains("https://127.0.0.1:" + n2.url().getPort()));
        // the cluster's units are read on the new node with the same credentials
        HttpResponse<String> units = send(rob, n2.url(), "GET", "/fleet/v1/units", null, null);
        assertThat(units.body()).contains("curl.service");
    }

    @Test
    @Order(6)
    void theAuditTrailNamesWhoDidWhat() throws Exception {
        String audit = send(callers.get("ada"), "GET", "/fleet/admin/v1/audit?limit=1000", null, null).body();
        assertThat(audit).contains("\"who\":\"token:otto(operate)\"", "\"path\":\"/v2/keys/matrix/otto\"");
        assertThat(audit).contains("\"who\":\"client:rob(read)\"", "\"path\":\"/v2/keys/matrix/rob\"", "\"status\":403");
        assertThat(audit).contains("\"who\":\"anonymous\"", "\"status\":401");
        assertThat(audit).contains("\"who\":\"agent:" + M1 + "\"");
        // readable by admin only (the matrix showed it); and it survives a restart of the node
        n1.stop();
        n1.start();
        n1.awaitReady(FleetCluster.BOOT_TIMEOUT);
        String again = send(callers.get("ada"), "GET", "/fleet/admin/v1/audit?limit=1000", null, null).body();
        assertThat(again).contains("\"who\":\"token:otto(operate)\"", "\"path\":\"/v2/keys/matrix/otto\"");
    }

    private String unitFile(String name) throws IOException {
        Path f = work.resolve(name);
        Files.writeString(f, "[Service]\nExecStart=/bin/sleep 1000\n");
        return f.toString();
    }

    private HttpResponse<String> send(Caller c, String method, String path, String contentType, String body) throws IOException, InterruptedException {
        return send(c, n1.url(), method, path, contentType, body);
    }

    private static HttpResponse<String> send(Caller c, URI base, String method, String path, String contentType, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (c.bearer() != null) {
            b.header("Authorization", "Bearer " + c.bearer());
        }
        return c.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    record Run(int rc, String out, String err) { }

    private Run run(String... cmd) throws IOException, InterruptedException {
        return run(Map.of(), cmd);
    }

    private Run run(Map<String, String> env, String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Path out = Files.createTempFile(work, "out", ".txt");
        Path err = Files.createTempFile(work, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " did not end");
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8).strip(), Files.readString(err, StandardCharsets.UTF_8));
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
