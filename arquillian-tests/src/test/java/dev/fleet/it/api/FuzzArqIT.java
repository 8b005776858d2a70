package dev.fleet.it.api;

import jakarta.json.Json;
import jakarta.json.JsonException;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A bounded, seeded HTTP fuzzer against the real WAR in Payara Micro: every route of the node, mutated paths, odd
 * methods, hostile query parameters, headers and bodies. Whatever the request, the answer is never 5xx, never an
 * HTML page, and every 4xx is JSON; afterwards the node still serves. {@code -Dfleet.fuzz.seconds=N} (default 60),
 * {@code -Dfleet.fuzz.seed=S} replays a run (the seed is printed; with {@code CI=true} it is fixed, else new each run).
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class FuzzArqIT {

    @Deployment(testable = false)
    static WebArchive war() {
        return WarClient.fleetWar();
    }

    @ArquillianResource
    URL base;

    @Test
    void hostileRequestsGetAJsonAnswerNeverAServerErrorOrAnHtmlPage() throws Exception {
        WarClient client = new WarClient(base);
        await().atMost(Duration.ofMinutes(1)).until(() -> client.send("GET", "/health", null, null).status() == 200);
        // CI: one fixed seed, so that whether a submission lands does not depend on the draw; elsewhere a new one each run
        long seed = Long.getLong("fleet.fuzz.seed", "true".equals(System.getenv("CI")) ? 20261203L : new SecureRandom().nextLong());
        long seconds = Long.getLong("fleet.fuzz.seconds", 60);
        System.out.println("FuzzArqIT: seed " + seed + " (replay with -Dfleet.fuzz.seed=" + seed + "), " + seconds + " s");
        HttpFuzzer.Vitals before = HttpFuzzer.vitals(client.http(), client.root());
        HttpFuzzer.Report report = HttpFuzzer.run(client.http(), List.of(client.root()), seed, Duration.ofSeconds(seconds));
        report.print("FuzzArqIT");
        HttpFuzzer.Vitals after = HttpFuzzer.vitals(client.http(), client.root());
        System.out.println("FuzzArqIT vitals: before " + before + ", after " + after);
        after.assertFlatSince(before, "the node");

        assertThat(report.sent()).isPositive();
        assertThat(report.failures()).as("seed " + seed + "; examples: " + report.examples()).isEmpty();
        // the node still serves after the storm
        assertThat(client.send("GET", "/health", null, null).status()).isEqualTo(200);
        String key = "/v2/keys/fuzz/" + UUID.randomUUID();
        WarClient.Reply put = client.send("PUT", key, "application/x-www-form-urlencoded", "value=after");
        assertThat(put.status()).as(put.body()).isEqualTo(201);
        WarClient.Reply get = client.send("GET", key, null, null);
        assertThat(get.status()).isEqualTo(200);
        assertThat(get.json().getJsonObject("node").getString("value")).isEqualTo("after");
    }

    /** The cases seen before the fuzzer existed, and one of each kind JAX-RS rejects itself, answer exactly so. */
    @Test
    void knownBadRequestsGetTheErrorJsonOfTheirApi() throws Exception {
        WarClient client = new WarClient(base);
        await().atMost(Duration.ofMinutes(1)).until(() -> client.send("GET", "/health", null, null).status() == 200);
        for (String index : new String[]{"9223372036854775807", "9223372036854775808", "-5", "abc"}) {
            WarClient.Reply schedule = client.send("GET", "/fleet/agent/v1/machines/x/schedule?wait=true&waitIndex=" + index, null, null);
            assertThat(schedule.status()).as(index + ": " + schedule.body()).isEqualTo(400);
            assertThat(schedule.json().getJsonObject("error").getString("message")).contains("waitIndex");
            assertThat(schedule.raw().headers().firstValue("Server").orElse("")).startsWith("fleetd/");
            WarClient.Reply watch = client.send("GET", "/v2/keys/a?wait=true&waitIndex=" + index, null, null);
            assertThat(watch.status()).as(index + ": " + watch.body()).isEqualTo(400);
            assertThat(watch.json().getInt("errorCode")).isEqualTo(203);
        }
        WarClient.Reply noRoute = client.send("GET", "/fleet/nothing", null, null);
        assertThat(noRoute.status()).isEqualTo(404);
        assertThat(noRoute.json().getJsonObject("error").getInt("code")).isEqualTo(404);
        assertThat(noRoute.raw().headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        WarClient.Reply noEtcdRoute = client.send("GET", "/v2/nothing", null, null);
        assertThat(noEtcdRoute.status()).isEqualTo(404);
        assertThat(noEtcdRoute.json().getString("message")).isEqualTo("Not Found");
        WarClient.Reply wrongMethod = client.send("POST", "/health", "application/json", "{}");
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.raw().headers().firstValue("Allow")).isPresent();
        assertThat(wrongMethod.json().getInt("errorCode")).isEqualTo(209);
        WarClient.Reply badType = client.send("PUT", "/v2/members/abc", "text/plain", "x");
        assertThat(badType.status()).isEqualTo(415);
        assertThat(badType.json().getString("message")).startsWith("Bad Content-Type");
        WarClient.Reply direct = client.send("GET", "/_fleet_error", null, null); // the error page is no API
        assertThat(direct.status()).isEqualTo(404);
        assertThat(direct.json().getInt("errorCode")).isEqualTo(209);
    }


    /**
     * Requests java.net.http refuses to build, sent on a raw socket: what the container (Grizzly) says before the
     * application sees them. Printed for the report; none may be an HTML page, and those that reach the application
     * answer its JSON.
     */
    @Test
    void whatTheContainerAnswersBeforeTheApplication() throws Exception {
        WarClient client = new WarClient(base);
        await().atMost(Duration.ofMinutes(1)).until(() -> client.send("GET", "/health", null, null).status() == 200);
        URI root = URI.create(client.root());
        String ctx = root.getRawPath();
        String[][] probes = {
                {"bad percent escape", "GET " + ctx + "/fleet/v1/units/%zz HTTP/1.1"},
                {"raw space in path", "GET " + ctx + "/fleet/v1/a b HTTP/1.1"},
                {"raw non-ASCII", "GET " + ctx + "/fleet/v1/units/\u00ff.service HTTP/1.1"},
                {"unknown HTTP version", "GET " + ctx + "/health HTTP/9.9"},
                {"huge header", "GET " + ctx + "/fleet/v1/units HTTP/1.1\r\nX-Big: " + "x".repeat(60_000)},
                {"TRACE", "TRACE " + ctx + "/fleet/v1/units HTTP/1.1"},
                {"lowercase method", "get " + ctx + "/fleet/v1/units HTTP/1.1"},
        };
        List<String> html = new ArrayList<>();
        for (String[] p : probes) {
            String reply = raw(root.getHost(), root.getPort(), p[1] + "\r\nHost: " + root.getHost() + ":" + root.getPort()
                    + "\r\nConnection: close\r\n\r\n");
            String statusLine = reply.isEmpty() ? "(no answer)" : reply.lines().findFirst().orElse("");
            boolean isHtml = reply.toLowerCase(Locale.ROOT).contains("<html") || reply.toLowerCase(Locale.ROOT).contains("<!doctype");
            int split = reply.indexOf("\r\n\r\n");
            String body = split < 0 ? "" : reply.substring(split + 4).replaceAll("\\s+", " ");
            System.out.println("FuzzArqIT container probe: " + p[0] + " -> " + statusLine + (isHtml ? " HTML" : "")
                    + " | " + body.substring(0, Math.min(200, body.length())));
            if (isHtml) {
                html.add(p[0]);
            }
            if (p[0].equals("raw non-ASCII") || p[0].equals("lowercase method")) { // these reach the application
                assertThat(body).as(p[0]).startsWith("{\"error\":{");
            }
        }
        assertThat(html).as("probes answered with an HTML page").isEmpty();
    }

    /**
     * A GET, HEAD or DELETE with a body reaches the application (Grizzly's default is an empty 400 and a closed
     * connection: the pre-boot file allows the payload), and the body is skipped: the next request on the same
     * connection is answered as itself.
     */
    @Test
    void aBodyOnAGetOrDeleteIsIgnoredAndTheConnectionStaysInStep() throws Exception {
        // the container here is configured as bin/fleet-node configures a node: the same pre-boot commands
        java.nio.file.Path product = java.nio.file.Path.of("../config/src/main/resources/fleet/payara-preboot.txt");
        java.nio.file.Path here = java.nio.file.Path.of("src/test/resources/arquillian-preboot.txt");
        assertThat(java.nio.file.Files.readAllLines(here)).isEqualTo(java.nio.file.Files.readAllLines(product).stream()
                .filter(l -> !l.startsWith("#")).map(l -> l.replace("${http_host}", "127.0.0.1")).toList());
        WarClient client = new WarClient(base);
        await().atMost(Duration.ofMinutes(1)).until(() -> client.send("GET", "/health", null, null).status() == 200);
        URI root = URI.create(client.root());
        String ctx = root.getRawPath();
        String host = "\r\nHost: " + root.getHost() + ":" + root.getPort();
        String body = "{\"a\":".repeat(4000); // 20,000 bytes the application never reads
        for (String method : new String[]{"GET", "DELETE", "HEAD"}) {
            String reply = raw(root.getHost(), root.getPort(), method + " " + ctx + "/health HTTP/1.1" + host
                    + "\r\nContent-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n\r\n" + body
                    + "GET " + ctx + "/version HTTP/1.1" + host + "\r\nConnection: close\r\n\r\n");
            List<String> statusLines = statusLines(reply);
            assertThat(statusLines).as(method + " with a body, then GET /version: " + reply)
                    .containsExactly(method.equals("DELETE") ? "HTTP/1.1 405 Method Not Allowed" : "HTTP/1.1 200 OK", "HTTP/1.1 200 OK");
            assertThat(reply).as(method).contains("\"etcdserver\"");
        }
        // TRACE is refused by the API too: a 405 in its JSON that never echoes the request (no cross-site tracing), on a
        // connection then closed (Grizzly would not skip its body: the next request would be read from inside it)
        String trace = raw(root.getHost(), root.getPort(), "TRACE " + ctx + "/health HTTP/1.1" + host
                + "\r\nAuthorization: Bearer secret-token\r\nContent-Length: 5\r\n\r\nhello"
                + "GET " + ctx + "/version HTTP/1.1" + host + "\r\nConnection: close\r\n\r\n");
        assertThat(statusLines(trace)).as(trace)
                .containsExactly("HTTP/1.1 405 Method Not Allowed");
        assertThat(trace).containsIgnoringCase("Connection: close");
        assertThat(trace).contains("\"errorCode\":209").doesNotContain("secret-token");
    }

    /** The status lines of pipelined answers (a body is not followed by a line break: they may share a line). */
    private static List<String> statusLines(String replies) {
        return Pattern.compile("HTTP/1\\.1 \\d{3}[^\r\n]*").matcher(replies).results().map(java.util.regex.MatchResult::group).toList();
    }

    private static String raw(String host, int port, String request) throws IOException {
        try (Socket s = new Socket(host, port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] all = in.readNBytes(256 * 1024);
            return new String(all, StandardCharsets.UTF_8);
        } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
            return "";
        }
    }
}
