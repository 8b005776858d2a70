package dev.fleet.it.api;

import jakarta.json.Json;
import jakarta.json.JsonException;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
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

/**
 * The seeded HTTP fuzzer of FuzzArqIT (one node in Arquillian) and ClusterFuzzIT (three nodes): every route of the
 * node, mutated paths and encodings, odd methods, hostile query parameters, headers and bodies, sent for a bounded
 * time; each answer judged (never 5xx, never HTML, never exception text, every 4xx a JSON object). Requests go
 * round-robin over the given node roots. Same seed and roots: the same requests.
 */
public final class HttpFuzzer {
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

    record Seen(String method, String route, int status) implements Comparable<Seen> {
        @Override
        public int compareTo(Seen o) {
            return toString().compareTo(o.toString());
        }

        @Override
        public String toString() {
            return method + " " + route + " " + status;
        }
    }

    record Request(String route, String method, String path, String contentType, String accept, byte[] body) {
        boolean mayLongPoll() {
            return path.contains("wait") || path.contains("follow") || path.contains("journal");
        }

        String describe() {
            return method + " " + path + " Content-Type=" + contentType + " Accept=" + accept + " body="
                    + (body == null ? "none" : body.length + " bytes: "
                    + new String(body, 0, Math.min(body.length, 80), StandardCharsets.ISO_8859_1));
        }
    }

    /** What a run sent and saw; {@code failures} by category, with up to two {@code examples} each. */
    public record Report(long seed, int sent, Set<Seen> seen, Map<String, Integer> failures, List<String> examples,
                         Map<String, Integer> containerRefusals, int timeouts, int resets, int unbuildable,
                         long slowestMillis, String slowest) {
        public int failed() {
            return failures.values().stream().mapToInt(Integer::intValue).sum();
        }

        /** Prints every (method, route, status) seen, the failures with examples, and one summary line. */
        public void print(String who) {
            seen.forEach(s -> System.out.println(who + " seen: " + s));
            failures.forEach((c, n) -> System.out.println(who + " FAILURE x" + n + ": " + c));
            examples.forEach(e -> System.out.println(who + " example: " + e));
            System.out.println(who + " summary: seed " + seed + ", " + sent + " requests sent, " + seen.size()
                    + " distinct (method, route, status), " + timeouts + " client-side timeouts (long polls), " + resets
                    + " connections closed, " + unbuildable + " not sendable by java.net.http, refused by the container"
                    + " before the application (empty body) " + containerRefusals + ", " + failed() + " failures; slowest "
                    + slowestMillis + " ms: " + slowest.substring(0, Math.min(200, slowest.length())));
        }
    }

    private HttpFuzzer() { }

    /** A node's threads and heap (after its last GC), from its /metrics. */
    public record Vitals(long threads, long heapAfterGcBytes, long heapUsedBytes) {
        /** Fails when the node holds clearly more threads or heap than at {@code before} (slack for JIT and pools). */
        public void assertFlatSince(Vitals before, String who) {
            org.assertj.core.api.Assertions.assertThat(threads).as(who + " threads, before " + before.threads)
                    .isLessThanOrEqualTo(before.threads + THREAD_SLACK);
            org.assertj.core.api.Assertions.assertThat(heapAfterGcBytes).as(who + " heap after GC, before " + before.heapAfterGcBytes)
                    .isLessThanOrEqualTo(before.heapAfterGcBytes + HEAP_SLACK_BYTES);
        }
    }

    static final int THREAD_SLACK = 32;
    static final long HEAP_SLACK_BYTES = 256L * 1024 * 1024;

    public static Vitals vitals(HttpClient client, String root) throws IOException, InterruptedException {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(root + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        Map<String, Long> m = new TreeMap<>();
        r.body().lines().map(l -> l.split(" ")).filter(f -> f.length == 2).forEach(f -> {
            try {
                m.put(f[0], (long) Double.parseDouble(f[1]));
            } catch (NumberFormatException ignored) {
                // not one of ours
            }
        });
        return new Vitals(m.getOrDefault("process_threads", -1L), m.getOrDefault("jvm_memory_heap_after_gc_bytes", -1L),
                m.getOrDefault("jvm_memory_heap_used_bytes", -1L));
    }

    /** Sends random requests to {@code roots} (each "http://host:port[/context]") for {@code duration}. */
    public static Report run(HttpClient client, List<String> roots, long seed, Duration duration) throws InterruptedException {
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
        long end = System.nanoTime() + duration.toNanos();
        // the last request each node answered: an answer that is wrong because of the one before it names it
        Map<String, String> previous = new TreeMap<>();
        while (System.nanoTime() < end) {
            Request r = randomRequest(rnd);
            HttpRequest http;
            String root = roots.get(sent % roots.size());
            try {
                http = build(root, r);
            } catch (IllegalArgumentException notAUriTheClientSends) {
                unbuildable++;
                continue;
            }
            sent++;
            HttpResponse<byte[]> resp;
            long started = System.nanoTime();
            try {
                resp = http(client, http);
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
            String before = previous.put(root, r.describe().substring(0, Math.min(160, r.describe().length())) + " -> " + status
                    + resp.headers().firstValue("Connection").map(c -> " (Connection: " + c + ")").orElse(""));
            seen.add(new Seen(r.method(), r.route(), status));
            if (refusedByTheContainer(r, resp)) {
                containerRefusals.merge("NUL or dot segment " + status, 1, Integer::sum);
                continue;
            }
            String problem = problem(r, status, resp.body());
            if (problem != null) {
                String category = problem + " (" + r.method() + " " + r.route() + " " + status + ")";
                if (failures.merge(category, 1, Integer::sum) <= 2) {
                    examples.add(category + ": " + r.describe() + " -> " + status + " "
                            + new String(resp.body(), 0, Math.min(resp.body().length, 300), StandardCharsets.UTF_8)
                            + " [the node's previous request: " + before + "]");
                }
            }
        }
        return new Report(seed, sent, seen, failures, examples, containerRefusals, timeouts, resets, unbuildable,
                slowestMillis, slowest);
    }

    private static HttpResponse<byte[]> http(HttpClient client, HttpRequest request) throws IOException, InterruptedException {
        return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    /** A NUL; a "." or ".." segment; a first or last segment of dots only ("/.../x", "/x/...", "/..%2E%2E%2F"); "//". */
    private static final Pattern NUL_OR_DOT_SEGMENT = Pattern.compile("%00|(^|/|%2f)(\\.|%2e){1,2}(/|%2f|;|\\?|$)"
            + "|^/(\\.|%2e)+(/|%2f|;|$)|(^|/|%2f)(\\.|%2e)+(/|%2f)?$|//", Pattern.CASE_INSENSITIVE);

    /**
     * Grizzly answers these itself, before any filter, servlet or error page of the application: a path with a NUL,
     * a dot segment it will not normalize, or starting or ending with a segment of dots only (400), path parameters after the dots
     * included
     * ({@code /%2e%2e;jsessionid=1/...}). Its answer has no body and no Content-Type. Anything else without a body is
     * the application's and is checked (TRACE included: the pre-boot file hands it to the API).
     */
    /** A last segment "." or ".." (raw or encoded), which Grizzly answers with an empty 200 whatever the method. */
    private static final Pattern DOT_LAST = Pattern.compile("/(\\.|%2e){1,2}/?$", Pattern.CASE_INSENSITIVE);

    static boolean refusedByTheContainer(Request r, HttpResponse<byte[]> resp) {
        boolean bare = resp.body().length == 0 && resp.headers().firstValue("Content-Type").isEmpty();
        String path = r.path().contains("?") ? r.path().substring(0, r.path().indexOf('?')) : r.path();
        return bare && (resp.statusCode() == 400 && NUL_OR_DOT_SEGMENT.matcher(path).find()
                || resp.statusCode() == 200 && DOT_LAST.matcher(path).find());
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

    static HttpRequest build(String root, Request r) {
        String bare = r.path().contains("?") ? r.path().substring(0, r.path().indexOf('?')) : r.path();
        if (r.body() != null && (NUL_OR_DOT_SEGMENT.matcher(bare).find() || DOT_LAST.matcher(bare).find())) {
            // Grizzly answers these paths itself (a 400, or an empty 200 for ".../.") without reading the body, and
            // would read the next request on the connection from inside it: sent without one (README, Limits)
            r = new Request(r.route(), r.method(), r.path(), r.contentType(), r.accept(), null);
        }
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

    static Request randomRequest(Random rnd) {
        if (rnd.nextInt(8) == 0) {
            return wellFormedWrite(rnd);
        }
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

    /** A write the store accepts (or refuses with a CAS error): so that the replicas have content to compare. */
    private static Request wellFormedWrite(Random rnd) {
        String key = "/v2/keys/fuzz/w" + rnd.nextInt(40);
        String form = "application/x-www-form-urlencoded";
        return switch (rnd.nextInt(6)) {
            case 0 -> new Request("/v2/keys/{key}", "PUT", key, form, null, ("value=v" + rnd.nextInt()).getBytes(StandardCharsets.UTF_8));
            case 1 -> new Request("/v2/keys/{key}", "PUT", key, form, null,
                    ("value=t&ttl=" + (1 + rnd.nextInt(5))).getBytes(StandardCharsets.UTF_8));
            case 2 -> new Request("/v2/keys/{key}", "PUT", key + "?prevIndex=" + rnd.nextInt(200), form, null,
                    "value=cas".getBytes(StandardCharsets.UTF_8));
            case 3 -> new Request("/v2/keys/{key}", "POST", "/v2/keys/fuzz/queue", form, null, "value=q".getBytes(StandardCharsets.UTF_8));
            case 4 -> new Request("/v2/keys/{key}", "DELETE", key, null, null, null);
            default -> new Request("/v2/keys/{key}", "PUT", "/v2/keys/fuzz/d" + rnd.nextInt(5) + "?dir=true", form, null, null);
        };
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
}
