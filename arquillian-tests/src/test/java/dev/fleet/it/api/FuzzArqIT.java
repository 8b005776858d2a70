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
    private static final int MAX_BODY = 64 * 1024;

    /** Route templates: {@code {name}} is a unit name, {@code {id}} a machine id, {@code {key}} a key path. */
    private static final String[] ROUTES = {
            "/fleet/v1/units", "/fleet/v1/units/{name}", "/fleet/v1/units/{name}/journal", "/fleet/v1/state",
            "/fleet/v1/machines", "/fleet/v1/discovery", "/v1-alpha/units/{name}", "/fleet/agent/v1/machines/{id}",
            "/fleet/agent/v1/machines/{id}/schedule", "/fleet/agent/v1/machines/{id}/states", "/v2/keys",
            "/v2/keys/{key}", "/v2/members", "/v2/members/{id}", "/v2/stats/self", "/health", "/livez", "/version",
            "/metrics", "/fleet/admin/v1/audit", "/", "/nothing/here"};
    private static final String[] METHODS = {"GET", "GET", "GET", "HEAD", "PUT", "PUT", "POST", "DELETE", "PATCH",
            "OPTIONS", "TRACE", "PROPFIND", "FLEET"};
    private static final String[] SEGMENTS = {"", ".", "..", "%2e%2e", "%2E%2E%2F", "%2F", "%00", "a%00b", "%ff",
            "%c0%af", "%e2%98%83", "%F0%9D%84%9E", "a.service", "a@b.service", "x y".replace(" ", "%20"), "%25", "%3F",
            ";jsessionid=1", "a;b", "~", "_fleet", "%5Ffleet", "*", "a+b", "%u0041"};
    private static final String[] PARAMS = {"wait", "waitIndex", "recursive", "value", "ttl", "prevIndex",
            "prevValue", "prevExist", "dir", "nextPageToken", "lines", "follow", "limit", "sorted", "quorum",
            "stream", "refresh", "x"};
    private static final String[] VALUES = {"9223372036854775807", "9223372036854775808", "-1",
            "-9223372036854775808", "", "abc", "1e9", "0x10", "%00", "%ff", "true", "false", "1", "0", "t",
            "99999999999999999999999999999", "%2e%2e", "null", "[]", "%7B%7D", "1.5", " ", "%0d%0aX-Injected:%201"};
    private static final String[] CONTENT_TYPES = {null, "application/json", "application/json; charset=latin1",
            "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "garbage", "",
            "*/*", "application/json;;;", "application/xml", "text/html"};
    private static final String[] ACCEPTS = {null, "application/json", "text/html", "application/xml", "*/*",
            "garbage/", "text/plain;q=0", ""};

    @Deployment(testable = false)
    static WebArchive war() {
        return WarClient.fleetWar();
    }

    @ArquillianResource
    URL base;

    private record Seen(String method, String route, int status) implements Comparable<Seen> {
        @Override
        public int compareTo(Seen o) {
            return toString().compareTo(o.toString());
        }

        @Override
        public String toString() {
            return method + " " + route + " " + status;
        }
    }

    private record Request(String route, String method, String path, String contentType, String accept, byte[] body) {
        boolean mayLongPoll() {
            return path.contains("wait") || path.contains("follow") || path.contains("journal");
        }

        String describe() {
            return method + " " + path + " Content-Type=" + contentType + " Accept=" + accept + " body="
                    + (body == null ? "none" : body.length + " bytes: "
                    + new String(body, 0, Math.min(body.length, 80), StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void hostileRequestsGetAJsonAnswerNeverAServerErrorOrAnHtmlPage() throws Exception {
        WarClient client = new WarClient(base);
        await().atMost(Duration.ofMinutes(1)).until(() -> client.send("GET", "/health", null, null).status() == 200);
        // CI: one fixed seed, so that whether a submission lands does not depend on the draw; elsewhere a new one each run
        long seed = Long.getLong("fleet.fuzz.seed", "true".equals(System.getenv("CI")) ? 20261203L : new SecureRandom().nextLong());
        long seconds = Long.getLong("fleet.fuzz.seconds", 60);
        System.out.println("FuzzArqIT: seed " + seed + " (replay with -Dfleet.fuzz.seed=" + seed + "), " + seconds + " s");
        Random rnd = new Random(seed);

        Set<Seen> seen = new TreeSet<>();
        Map<String, Integer> failures = new TreeMap<>();
        List<String> examples = new ArrayList<>();
        Map<String, Integer> containerRefusals = new TreeMap<>();
        int sent = 0;
        int timeouts = 0;
        int unbuildable = 0;
        int resets = 0;
        long slowestMillis = 0;
        String slowest = "";
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        while (System.nanoTime() < end) {
            Request r = randomRequest(rnd);
            HttpRequest http;
            try {
                http = build(client.root(), r);
            } catch (IllegalArgumentException notAUriTheClientSends) {
                unbuildable++;
                continue;
            }
            sent++;
            HttpResponse<byte[]> resp;
            long started = System.nanoTime();
            try {
                resp = client.http().send(http, HttpResponse.BodyHandlers.ofByteArray());
            } catch (HttpTimeoutException longPoll) {
                timeouts++; // a watch or a followed journal may legitimately wait
                if (!r.mayLongPoll() && failures.merge("no answer within 20 s", 1, Integer::sum) <= 2) {
                    examples.add("no answer within 20 s: " + r.describe());
                }
                continue;
            } catch (IOException closed) {
                resets++;
                if (failures.merge("connection closed without an answer", 1, Integer::sum) <= 2) {
                    examples.add("connection closed without an answer: " + r.describe() + " (" + closed + ")");
                }
                continue;
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            if (millis > slowestMillis) {
                slowestMillis = millis;
                slowest = r.describe() + " -> " + resp.statusCode();
            }
            int status = resp.statusCode();
            seen.add(new Seen(r.method(), r.route(), status));
            if (refusedByTheContainer(r, resp)) {
                containerRefusals.merge(r.method().equals("TRACE") ? "TRACE " + status : "NUL or dot segment " + status, 1, Integer::sum);
                continue;
            }
            String problem = problem(r, status, resp.body());
            if (problem != null) {
                String category = problem + " (" + r.method() + " " + r.route() + " " + status + ")";
                if (failures.merge(category, 1, Integer::sum) <= 2) {
                    examples.add(category + ": " + r.describe() + " -> " + status + " "
                            + new String(resp.body(), 0, Math.min(resp.body().length, 300), StandardCharsets.UTF_8));
                }
            }
        }
        int failed = failures.values().stream().mapToInt(Integer::intValue).sum();
        seen.forEach(s -> System.out.println("FuzzArqIT seen: " + s));
        failures.forEach((c, n) -> System.out.println("FuzzArqIT FAILURE x" + n + ": " + c));
        examples.forEach(e -> System.out.println("FuzzArqIT example: " + e));
        System.out.println("FuzzArqIT summary: seed " + seed + ", " + sent + " requests sent, " + seen.size()
                + " distinct (method, route, status), " + timeouts + " client-side timeouts (long polls), " + resets
                + " connections closed, " + unbuildable + " not sendable by java.net.http, refused by the container"
                + " before the application (empty body) " + containerRefusals + ", " + failed + " failures; slowest "
                + slowestMillis + " ms: " + slowest.substring(0, Math.min(200, slowest.length())));

        assertThat(sent).isPositive();
        assertThat(failures).as("seed " + seed + "; examples: " + examples).isEmpty();
        // the node still serves after the storm
        assertThat(client.send("GET", "/health", null, null).status()).isEqualTo(200);
        String key = "/v2/keys/fuzz/" + UUID.randomUUID();
        WarClient.Reply put = client.send("PUT", key, "application/x-www-form-urlencoded", "value=after");
        assertThat(put.status()).as(put.body()).isEqualTo(201);
        WarClient.Reply get = client.send("GET", key, null, null);
        assertThat(get.status()).isEqualTo(200);
        assertThat(get.json().getJsonObject("node").getString("value")).isEqualTo("after");
    }

    private static final Pattern NUL_OR_DOT_SEGMENT = Pattern.compile("%00|(^|/|%2f)(\\.|%2e){1,2}(/|%2f|;|\\?|$)|//",
            Pattern.CASE_INSENSITIVE);

    /**
     * Grizzly answers these itself, before any filter, servlet or error page of the application: TRACE (Payara's
     * http-listener has trace-enabled=false: 405) and a path with a NUL or a dot segment it will not normalize (400),
     * path parameters after the dots included ({@code /%2e%2e;jsessionid=1/...}).
     * Its answer has no body and no Content-Type. Anything else without a body is the application's and is checked.
     */
    private static boolean refusedByTheContainer(Request r, HttpResponse<byte[]> resp) {
        boolean bare = resp.body().length == 0 && resp.headers().firstValue("Content-Type").isEmpty();
        String path = r.path().contains("?") ? r.path().substring(0, r.path().indexOf('?')) : r.path();
        return bare && (r.method().equals("TRACE") && resp.statusCode() == 405
                || resp.statusCode() == 400 && NUL_OR_DOT_SEGMENT.matcher(path).find());
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

    /** What is wrong with an answer, or null. */
    private static String problem(Request r, int status, byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.contains("<html") || lower.contains("<!doctype")) {
            return "an HTML page";
        }
        if (status >= 500) {
            return "a server error";
        }
        if (lower.contains("exception") && lower.contains("\tat ") || lower.contains("java.lang.")) {
            return "a stack trace or exception text";
        }
        if (status >= 400 && !r.method().equals("HEAD")) {
            try {
                Json.createReader(new StringReader(text)).readObject();
            } catch (JsonException | IllegalStateException e) {
                return "a 4xx whose body is not a JSON object";
            }
        }
        return null;
    }

    private static HttpRequest build(String root, Request r) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(root + r.path()))
                .timeout(r.mayLongPoll() ? Duration.ofSeconds(2) : Duration.ofSeconds(20));
        if (r.contentType() != null) {
            b.header("Content-Type", r.contentType());
        }
        if (r.accept() != null) {
            b.header("Accept", r.accept());
        }
        b.method(r.method(), r.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(r.body()));
        return b.build();
    }

    private static Request randomRequest(Random rnd) {
        String route = pick(rnd, ROUTES);
        StringBuilder path = new StringBuilder();
        for (String seg : route.substring(1).split("/", -1)) {
            path.append('/');
            if (seg.startsWith("{")) {
                path.append(rnd.nextInt(4) == 0 ? segment(rnd) : switch (seg) {
                    case "{name}" -> "fuzz-" + rnd.nextInt(50) + ".service";
                    case "{id}" -> Long.toHexString(rnd.nextLong());
                    default -> "fuzz/" + rnd.nextInt(50);
                });
            } else {
                path.append(rnd.nextInt(12) == 0 ? segment(rnd) : seg);
            }
        }
        if (rnd.nextInt(6) == 0) {
            path.append('/').append(segment(rnd));
        }
        int params = rnd.nextInt(4);
        for (int i = 0; i < params; i++) {
            path.append(i == 0 ? '?' : '&').append(pick(rnd, PARAMS));
            if (rnd.nextInt(8) != 0) {
                path.append('=').append(rnd.nextInt(3) == 0 ? Integer.toString(rnd.nextInt()) : pick(rnd, VALUES));
            }
        }
        String method = pick(rnd, METHODS);
        byte[] body = method.equals("GET") && rnd.nextInt(4) != 0 || method.equals("HEAD") ? null : body(rnd);
        return new Request(route, method, path.toString(), pick(rnd, CONTENT_TYPES), pick(rnd, ACCEPTS), body);
    }

    private static String segment(Random rnd) {
        return switch (rnd.nextInt(8)) {
            case 0 -> "a".repeat(1 + rnd.nextInt(3000)); // long, but a request line well below the header limit
            case 1 -> percentEncode(new String(Character.toChars(0x80 + rnd.nextInt(0x2FFFF))));
            case 2 -> pick(rnd, SEGMENTS) + pick(rnd, SEGMENTS);
            default -> pick(rnd, SEGMENTS);
        };
    }

    private static byte[] body(Random rnd) {
        String s = switch (rnd.nextInt(14)) {
            case 0 -> null;
            case 1 -> "";
            case 2 -> "{}";
            case 3 -> "[]";
            case 4 -> "null";
            case 5 -> "{\"desiredState\":5,\"options\":\"x\"}";
            case 6 -> "{\"desiredState\":\"launched\",\"options\":[{\"section\":1}]}";
            case 7 -> "[".repeat(1 + rnd.nextInt(20_000)); // deeply nested, never closed
            case 8 -> "{\"a\":".repeat(1 + rnd.nextInt(5_000)) + "1" + "}".repeat(rnd.nextInt(5_000));
            case 9 -> "value=" + pick(rnd, VALUES) + "&ttl=" + pick(rnd, VALUES) + "&prevIndex=" + pick(rnd, VALUES);
            case 10 -> "{\"states\":[{\"name\":\"x\"}],\"nextPageToken\":\"" + "A".repeat(rnd.nextInt(1000)) + "\"}";
            case 11 -> "{\"peerURLs\":\"" + pick(rnd, VALUES) + "\"}"; // never a valid member: it would break quorum
            default -> null;
        };
        if (s != null) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        byte[] b = new byte[rnd.nextInt(rnd.nextInt(8) == 0 ? MAX_BODY : 512)];
        rnd.nextBytes(b); // most likely invalid UTF-8
        return b;
    }

    private static String percentEncode(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            b.append('%').append(String.format("%02X", x & 0xff));
        }
        return b.toString();
    }

    private static String pick(Random rnd, String[] from) {
        return from[rnd.nextInt(from.length)];
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
