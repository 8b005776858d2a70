package dev.fleet.it.api;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A browser on the node's host cannot drive it (no CSRF, no DNS rebinding), and no response shows an agent's
 * session. The real WAR in Payara Micro, as in {@link FleetApiArqIT}.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class BrowserGuardArqIT {

    @Deployment(testable = false)
    static WebArchive war() {
        return WarClient.fleetWar();
    }

    @ArquillianResource
    URL base;

    private WarClient client;

    private WarClient client() {
        if (client == null) {
            client = new WarClient(base); // base is injected after construction
        }
        return client;
    }

    private String root() {
        return client().root();
    }

    private WarClient.Reply send(String method, String path, String contentType, String body, String... headers) throws Exception {
        return client().send(method, path, contentType, body, headers);
    }

    private WarClient.Reply get(String path) throws Exception {
        return send("GET", path, null, null);
    }

    /** A request with a Host header of our choosing (HttpClient does not allow one): raw HTTP/1.1 over a socket. */
    private String[] raw(String method, String path, String host) throws Exception {
        try (Socket s = new Socket(base.getHost(), base.getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write((method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(all.substring(9, 12));
            int split = all.indexOf("\r\n\r\n");
            return new String[] {Integer.toString(status), all.substring(0, split), all.substring(split + 4)};
        }
    }

    private void awaitReady() {
        await().atMost(Duration.ofMinutes(1)).until(() -> get("/health").status() == 200);
    }

    private static void assertEtcdError(WarClient.Reply r, int status) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        JsonObject j = r.json();
        assertThat(j.getInt("errorCode")).as(r.body()).isPositive();
        assertThat(j.getString("message")).isNotBlank();
        assertThat(j.containsKey("index")).isTrue();
    }

    private static void assertFleetError(WarClient.Reply r, int status) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.json().getJsonObject("error").getInt("code")).isEqualTo(status);
        assertThat(r.json().getJsonObject("error").getString("message")).isNotBlank();
    }

    @Test
    void aTextPlainMemberPostIsRefusedAndTheClusterStillWrites() throws Exception {
        awaitReady();
        String ghost = "{\"name\":\"ghost\",\"peerURLs\":[\"tcp://10.99.99.99:7800\"]}";
        for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"}) {
            WarClient.Reply r = send("POST", "/v2/members", type, ghost);
            assertThat(r.status()).as(type + " " + r.body()).isEqualTo(415);
            assertThat(r.json().getString("message")).isEqualTo("Bad Content-Type " + type + ", accept application/json");
        }
        WarClient.Reply members = get("/v2/members");
        assertThat(members.json().getJsonArray("members")).hasSize(1);
        assertThat(members.body()).doesNotContain("ghost");
        WarClient.Reply w = send("PUT", "/v2/keys/guard/after-ghost", "application/x-www-form-urlencoded", "value=still-writable");
        assertThat(w.status()).as(w.body()).isIn(200, 201);
        // JSON with a bad body still reaches the members API (and its 400)
        assertThat(send("POST", "/v2/members", "application/json", "{\"peerURLs\":[\"tcp://127.0.0.1:1\"]}").status()).isEqualTo(400);
    }

    @Test
    void crossOriginWritesAreForbiddenAndWriteNothing() throws Exception {
        awaitReady();
        WarClient.Reply etcd = send("PUT", "/v2/keys/guard/evil", "application/x-www-form-urlencoded", "value=1", "Origin", "http://evil.example");
        assertEtcdError(etcd, 403);
        assertThat(get("/v2/keys/guard/evil").status()).isEqualTo(404);
        WarClient.Reply site = send("POST", "/v2/keys/guard/queue", "application/x-www-form-urlencoded", "value=1", "Sec-Fetch-Site", "cross-site");
        assertEtcdError(site, 403);
        assertThat(get("/v2/keys/guard/queue").status()).isEqualTo(404);

        String unit = "{\"desiredState\":\"inactive\",\"options\":[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\"/bin/true\"}]}";
        WarClient.Reply fleet = send("PUT", "/fleet/v1/units/guard-evil.service", "application/json", unit, "Origin", "http://evil.example");
        assertFleetError(fleet, 403);
        assertThat(get("/fleet/v1/units/guard-evil.service").status()).isEqualTo(404);
        WarClient.Reply members = send("POST", "/v2/members", "application/json", "{\"name\":\"ghost\",\"peerURLs\":[\"tcp://10.99.99.99:7800\"]}",
                "Origin", "http://evil.example");
        assertThat(members.status()).isEqualTo(403);
        assertThat(get("/v2/members").json().getJsonArray("members")).hasSize(1);

        // the node's own origin, and no Origin at all (curl, fleetctl, agents), pass
        String own = base.getProtocol() + "://" + base.getHost() + ":" + base.getPort();
        assertThat(send("PUT", "/v2/keys/guard/own", "application/x-www-form-urlencoded", "value=1", "Origin", own).status()).isIn(200, 201);
        assertThat(send("PUT", "/v2/keys/guard/plain", "application/x-www-form-urlencoded", "value=1").status()).isIn(200, 201);
        // reads are not refused for an Origin (a page cannot read the answer: no CORS headers)
        assertThat(send("GET", "/v2/keys/guard/own", null, null, "Origin", "http://evil.example").status()).isEqualTo(200);
    }

    @Test
    void aForeignHostIsMisdirectedOnEveryRoute() throws Exception {
        awaitReady();
        String[] keys = raw("GET", "/v2/keys/", "evil.example:" + base.getPort());
        assertThat(keys[0]).isEqualTo("421");
        JsonObject e = Json.createReader(new StringReader(keys[2])).readObject();
        assertThat(e.getInt("errorCode")).isEqualTo(209);
        assertThat(e.getString("cause")).contains("evil.example");
        assertThat(keys[1]).containsIgnoringCase("X-Etcd-Index:");
        for (String path : new String[] {"/fleet/v1/machines", "/fleet/v1/units/nothing.service/journal", "/fleet/v1/units/x.service/status"}) {
            String[] f = raw("GET", path, "evil.example");
            assertThat(f[0]).as(path + " " + f[2]).isEqualTo("421");
            assertThat(Json.createReader(new StringReader(f[2])).readObject().getJsonObject("error").getInt("code")).isEqualTo(421);
        }
        assertThat(raw("POST", "/v2/members", "evil.example")[0]).isEqualTo("421");
        assertThat(raw("PUT", "/v2/keys/guard/rebound?value=1", "evil.example")[0]).isEqualTo("421");
        assertThat(get("/v2/keys/guard/rebound").status()).isEqualTo(404);
        // the node's own names
        assertThat(raw("GET", "/v2/keys/", "127.0.0.1:" + base.getPort())[0]).isEqualTo("200");
        assertThat(raw("GET", "/v2/keys/", "localhost:" + base.getPort())[0]).isEqualTo("200");
        assertThat(raw("GET", "/health", base.getHost() + ":" + base.getPort())[0]).isEqualTo("200");
    }

    @Test
    void noResponseShowsAnAgentsSession() throws Exception {
        awaitReady();
        String session = "session-secret-" + UUID.randomUUID();
        String machine = "guard-m-" + UUID.randomUUID().toString().substring(0, 8);
        long before = Long.parseLong(get("/v2/keys/").raw().headers().firstValue("X-Etcd-Index").orElseThrow());
        // a live watch on / (recursive) from before the registration
        CompletableFuture<HttpResponse<String>> live = client().http().sendAsync(HttpRequest.newBuilder(
                URI.create(root() + "/v2/keys/?wait=true&recursive=true&waitIndex=" + (before + 1))).build(), HttpResponse.BodyHandlers.ofString());
        WarClient.Reply reg = send("PUT", "/fleet/agent/v1/machines/" + machine, "application/json",
                "{\"session\":\"" + session + "\",\"publicIP\":\"10.0.0.9\",\"ttl\":60}");
        assertThat(reg.status()).as(reg.body()).isEqualTo(201);
        assertThat(reg.body()).doesNotContain(session);
        Thread.sleep(300);
        assertThat(live).isNotDone(); // the registration is not an event of /'s watchers
        // a later visible write ends the watches; they show it, not the registration
        WarClient.Reply visible = send("PUT", "/v2/keys/guard/visible-" + machine, "application/x-www-form-urlencoded", "value=1");
        assertThat(visible.status()).isEqualTo(201);
        HttpResponse<String> liveDone = live.get(10, TimeUnit.SECONDS);
        assertThat(liveDone.body()).contains("visible-" + machine).doesNotContain(session).doesNotContain("_fleet");
        WarClient.Reply history = get("/v2/keys/?wait=true&recursive=true&waitIndex=" + (before + 1));
        assertThat(history.body()).contains("visible-" + machine).doesNotContain(session).doesNotContain("_fleet");

        for (String path : new String[] {"/v2/keys/_fleet/machines?recursive=true", "/v2/keys/_fleet/machines/" + machine,
                "/v2/keys/_fleet?recursive=true", "/v2/keys/_fleet/machines/" + machine + "?quorum=true",
                "/v2/keys/%5Ffleet/machines?recursive=true", "/v2/keys//_fleet/machines?recursive=true",
                "/v2/keys/_fleet/machines?wait=true&recursive=true&waitIndex=1"}) {
            WarClient.Reply r = get(path);
            assertEtcdError(r, 404);
            assertThat(r.body()).as(path).doesNotContain(session);
        }
        WarClient.Reply delete = send("DELETE", "/v2/keys/_fleet/machines/" + machine, null, null);
        assertEtcdError(delete, 403);
        for (String path : new String[] {"/v2/keys/?recursive=true", "/v2/keys/?recursive=true&sorted=true&quorum=true",
                "/fleet/v1/machines", "/fleet/agent/v1/machines/" + machine + "/schedule", "/fleet/v1/units", "/fleet/v1/state",
                "/v2/stats/self", "/v2/members", "/metrics"}) {
            WarClient.Reply r = get(path);
            assertThat(r.status()).as(path + " " + r.body()).isLessThan(400);
            assertThat(r.body()).as(path).doesNotContain(session);
        }
        assertThat(get("/fleet/v1/machines").body()).contains(machine);
        assertThat(send("DELETE", "/fleet/agent/v1/machines/" + machine + "?session=" + session, null, null).status()).isEqualTo(204);
    }
}
