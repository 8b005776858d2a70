package dev.fleet.testkit;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonReaderFactory;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonParsingException;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.StringReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

/**
 * A small etcd v2 ({@code /v2/keys}) HTTP client on the JDK {@link HttpClient}, for tests and benchmarks. It talks
 * to one member ({@link #baseUrl()}); use one instance per member. Methods return a {@link Response} for every
 * HTTP answer, including etcd errors ({@link Response#errorCode()}), and throw {@link IOException} on transport
 * failures: a {@link java.net.ConnectException} means the request was not sent (a write definitely did not happen);
 * other ones, {@link java.net.http.HttpTimeoutException} included, leave a write's outcome unknown.
 *
 * <pre>{@code
 * EtcdV2Client c = new EtcdV2Client(URI.create("http://127.0.0.1:2379"));
 * Response r = c.put("/a/b", "1");                       // r.action() = "set", r.node().modifiedIndex()
 * r = c.put("/a/b", "2", PutOptions.none().prevValue("1")); // CAS; errorCode 101 when the compare fails
 * r = c.watch("/a", r.etcdIndex() + 1, true);            // long poll
 * }</pre>
 */
public final class EtcdV2Client {

    private static final JsonReaderFactory JSON = Json.createReaderFactory(Map.of());
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    private static final ScheduledThreadPoolExecutor TIMER = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "etcd-v2-client-timer");
        t.setDaemon(true);
        return t;
    });

    static {
        TIMER.setRemoveOnCancelPolicy(true);
    }

    private final URI baseUrl;
    private final String base;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final String authorization;

    /** A client with its own {@link HttpClient} and a 5 s request timeout. */
    public EtcdV2Client(URI baseUrl) {
        this(baseUrl, newHttpClient(), DEFAULT_TIMEOUT);
    }

    /**
     * @param baseUrl the member's client URL, e.g. {@code http://127.0.0.1:2379} (may carry a path prefix)
     * @param http shared or own; HTTP/1.1 is what etcd and our nodes serve
     * @param requestTimeout for every request except watches, which take their own
     */
    public EtcdV2Client(URI baseUrl, HttpClient http, Duration requestTimeout) {
        this(baseUrl, http, requestTimeout, null);
    }

    /**
     * @param bearerToken sent as {@code Authorization: Bearer ...} with every request (a secured fleet node's
     *                    token, {@code bin/fleet-ca token}); null for none
     */
    public EtcdV2Client(URI baseUrl, HttpClient http, Duration requestTimeout, String bearerToken) {
        this.authorization = bearerToken == null ? null : "Bearer " + bearerToken;
        this.baseUrl = baseUrl;
        String s = baseUrl.toString();
        this.base = s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
        this.http = http;
        this.requestTimeout = requestTimeout;
    }

    /** HTTP/1.1, 2 s connect timeout, following redirects (a follower may redirect writes to the leader). */
    public static HttpClient newHttpClient() {
        return newHttpClient(null);
    }

    /** The same over TLS with {@code tls} (its trust, and its client certificate if it has one); null: the JDK's default. */
    public static HttpClient newHttpClient(SSLContext tls) {
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .followRedirects(HttpClient.Redirect.NORMAL);
        if (tls != null) {
            b.sslContext(tls);
        }
        return b.build();
    }

    /**
     * How a client reaches a cluster's members: plain ({@link #NONE}), or over TLS with {@code tls} (trusting the
     * cluster's CA, presenting a client certificate if the context has one) and/or with a bearer token.
     */
    public record Auth(SSLContext tls, String bearerToken) {
        public static final Auth NONE = new Auth(null, null);

        /** A new connection pool (HTTP/1.1 keep-alive) for members reached this way. */
        public HttpClient newHttpClient() {
            return EtcdV2Client.newHttpClient(tls);
        }

        /** A client of one member over {@code http} (from {@link #newHttpClient()}; may be shared between members). */
        public EtcdV2Client client(URI member, HttpClient http, Duration requestTimeout) {
            return new EtcdV2Client(member, http, requestTimeout, bearerToken);
        }

        /** A client of one member with its own connection pool and a 5 s request timeout. */
        public EtcdV2Client client(URI member) {
            return client(member, newHttpClient(), DEFAULT_TIMEOUT);
        }

        @Override
        public String toString() {
            String how = tls == null ? "plain HTTP" : "TLS";
            return bearerToken == null ? how : how + " + bearer token"; // never the token itself
        }
    }

    public URI baseUrl() {
        return baseUrl;
    }

    // ---------------------------------------------------------------------------------------------- requests

    public Response get(String key) throws IOException {
        return get(key, false, false);
    }

    /**
     * @param recursive list a directory's whole subtree
     * @param quorum a linearizable read (through the consensus log) instead of the member's local state
     */
    public Response get(String key, boolean recursive, boolean quorum) throws IOException {
        Query q = new Query();
        if (recursive) q.add("recursive", "true");
        if (quorum) q.add("quorum", "true");
        return send(HttpRequest.newBuilder(keyUri(key, q)).GET());
    }

    /** Unconditional set. */
    public Response put(String key, String value) throws IOException {
        return put(key, value, PutOptions.none());
    }

    /** Set, create, update or compare-and-swap, depending on {@code options}; {@code value} may be null. */
    public Response put(String key, String value, PutOptions options) throws IOException {
        Query form = new Query();
        if (value != null) form.add("value", value);
        if (options.ttl() != null) form.add("ttl", Long.toString(options.ttl()));
        if (options.prevValue() != null) form.add("prevValue", options.prevValue());
        if (options.prevIndex() != null) form.add("prevIndex", Long.toString(options.prevIndex()));
        if (options.prevExist() != null) form.add("prevExist", Boolean.toString(options.prevExist()));
        if (options.dir()) form.add("dir", "true");
        if (options.refresh()) form.add("refresh", "true");
        return send(HttpRequest.newBuilder(keyUri(key, new Query()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .PUT(HttpRequest.BodyPublishers.ofString(form.toString(), StandardCharsets.UTF_8)));
    }

    /** Compare-and-swap on the value: PUT with {@code prevValue}. */
    public Response compareAndSwap(String key, String expected, String value) throws IOException {
        return put(key, value, PutOptions.none().prevValue(expected));
    }

    /** Create only if absent: PUT with {@code prevExist=false} (error 105 if it exists). */
    public Response create(String key, String value) throws IOException {
        return put(key, value, PutOptions.none().prevExist(false));
    }

    public Response delete(String key) throws IOException {
        return delete(key, null, null, false, false);
    }

    /** DELETE; with {@code prevValue} or {@code prevIndex} a compare-and-delete. */
    public Response delete(String key, String prevValue, Long prevIndex, boolean dir, boolean recursive)
            throws IOException {
        Query q = new Query();
        if (prevValue != null) q.add("prevValue", prevValue);
        if (prevIndex != null) q.add("prevIndex", Long.toString(prevIndex));
        if (dir) q.add("dir", "true");
        if (recursive) q.add("recursive", "true");
        return send(HttpRequest.newBuilder(keyUri(key, q)).DELETE());
    }

    /** Long-polls for the first event at or after {@code waitIndex} (0: the next one), waiting at most 60 s. */
    public Response watch(String key, long waitIndex, boolean recursive) throws IOException {
        return watch(key, waitIndex, recursive, Duration.ofSeconds(60));
    }

    public Response watch(String key, long waitIndex, boolean recursive, Duration timeout) throws IOException {
        return join(watchAsync(key, waitIndex, recursive, timeout, () -> { }));
    }

    /**
     * Starts a long poll. {@code onHeaders} runs when the response headers arrive: etcd sends them as soon as the
     * watcher is registered, so this tells that the watch is in place (a server that sends nothing before the
     * event calls it together with the body). The future fails with {@link HttpTimeoutException} when no event
     * arrived within {@code timeout}; cancel it to abandon the watch (either closes the connection).
     */
    public CompletableFuture<Response> watchAsync(String key, long waitIndex, boolean recursive, Duration timeout,
                                                  Runnable onHeaders) {
        Query q = new Query();
        q.add("wait", "true");
        if (waitIndex > 0) q.add("waitIndex", Long.toString(waitIndex));
        if (recursive) q.add("recursive", "true");
        return exchange(HttpRequest.newBuilder(keyUri(key, q)).GET(), timeout, onHeaders);
    }

    /** GET of any path under the base URL that answers JSON, e.g. {@code /v2/stats/self}, {@code /health}, {@code /version}. */
    public JsonObject getJson(String path) throws IOException {
        Response r = send(HttpRequest.newBuilder(URI.create(base + path)).GET());
        if (r.json().isEmpty()) {
            throw new IOException("GET " + path + ": HTTP " + r.status() + " without a JSON object: " + r.body());
        }
        return r.json().get();
    }

    /** {@code /v2/stats/self}: {@code name}, {@code id}, {@code state} (StateLeader / StateFollower), ... */
    public JsonObject statsSelf() throws IOException {
        return getJson("/v2/stats/self");
    }

    // ---------------------------------------------------------------------------------------------- plumbing

    private URI keyUri(String key, Query q) {
        StringBuilder sb = new StringBuilder(base).append("/v2/keys");
        String k = key.startsWith("/") ? key : "/" + key;
        for (String segment : k.substring(1).split("/", -1)) {
            sb.append('/').append(encodeSegment(segment));
        }
        if (!q.isEmpty()) sb.append('?').append(q);
        return URI.create(sb.toString());
    }

    private static String encodeSegment(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                sb.append(c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit((c >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    private record Timed(String body, long receivedNanos) {}

    private static HttpResponse.BodySubscriber<Timed> timedBody() {
        return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8),
                s -> new Timed(s, System.nanoTime()));
    }

    private Response send(HttpRequest.Builder b) throws IOException {
        return join(exchange(b, requestTimeout, () -> { }));
    }

    /**
     * One request with a bound on the whole exchange: {@link HttpRequest#timeout} only covers the wait for the
     * response headers, and a watch gets its headers at once, so the body needs its own timer. On timeout the
     * exchange is cancelled (which closes its connection) and the result fails with {@link HttpTimeoutException}.
     */
    private CompletableFuture<Response> exchange(HttpRequest.Builder b, Duration timeout, Runnable onHeaders) {
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        CompletableFuture<HttpResponse<Timed>> raw = http.sendAsync(b.timeout(timeout).build(), info -> {
            onHeaders.run();
            return timedBody();
        });
        CompletableFuture<Response> result = new CompletableFuture<>();
        ScheduledFuture<?> timer = TIMER.schedule(() -> {
            if (result.completeExceptionally(new HttpTimeoutException("no complete answer within " + timeout))) {
                raw.cancel(true);
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        raw.whenComplete((r, e) -> {
            timer.cancel(false);
            if (e != null) {
                result.completeExceptionally(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
            } else {
                try {
                    result.complete(toResponse(r));
                } catch (RuntimeException ex) {
                    result.completeExceptionally(ex);
                }
            }
        });
        result.whenComplete((r, e) -> {
            if (e != null) raw.cancel(true); // cancelled or timed out by the caller: abandon the exchange
        });
        return result;
    }

    private static Response join(CompletableFuture<Response> f) throws IOException {
        try {
            return f.get();
        } catch (CancellationException e) {
            throw new InterruptedIOException("cancelled");
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                // the original type matters: a ConnectException means the request was never sent
                throw io;
            }
            throw new IOException(c);
        }
    }

    private static Response toResponse(HttpResponse<Timed> r) {
        String body = r.body().body();
        JsonObject json = parse(body);
        Long etcdIndex = header(r, "X-Etcd-Index");
        Long raftIndex = header(r, "X-Raft-Index");
        Long raftTerm = header(r, "X-Raft-Term");
        if (json == null) {
            return new Response(r.statusCode(), etcdIndex, raftIndex, raftTerm, null, null, null, null, null, null,
                    null, body, null, r.body().receivedNanos());
        }
        Integer errorCode = json.containsKey("errorCode") ? json.getInt("errorCode") : null;
        return new Response(r.statusCode(), etcdIndex, raftIndex, raftTerm,
                string(json, "action"), node(json, "node"), node(json, "prevNode"),
                errorCode, string(json, "message"), string(json, "cause"),
                errorCode != null ? number(json, "index") : null,
                body, json, r.body().receivedNanos());
    }

    private static JsonObject parse(String body) {
        String t = body.strip();
        if (!t.startsWith("{")) return null;
        try (JsonReader reader = JSON.createReader(new StringReader(t))) {
            return reader.readObject();
        } catch (JsonParsingException | IllegalStateException e) {
            return null;
        }
    }

    private static Long header(HttpResponse<?> r, String name) {
        Optional<String> v = r.headers().firstValue(name);
        if (v.isEmpty()) return null;
        try {
            return Long.parseLong(v.get().trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String string(JsonObject o, String name) {
        JsonValue v = o.get(name);
        return v instanceof JsonString s ? s.getString() : null;
    }

    private static Long number(JsonObject o, String name) {
        JsonValue v = o.get(name);
        return v instanceof JsonNumber n ? n.longValue() : null;
    }

    private static Node node(JsonObject o, String name) {
        JsonValue v = o.get(name);
        return v instanceof JsonObject n ? toNode(n) : null;
    }

    private static Node toNode(JsonObject n) {
        List<Node> children = null;
        if (n.get("nodes") instanceof JsonArray arr) {
            children = new ArrayList<>();
            for (JsonValue c : arr) {
                if (c instanceof JsonObject co) children.add(toNode(co));
            }
        }
        Long created = number(n, "createdIndex");
        Long modified = number(n, "modifiedIndex");
        return new Node(string(n, "key"), string(n, "value"), n.getBoolean("dir", false),
                created == null ? 0 : created, modified == null ? 0 : modified,
                number(n, "ttl"), string(n, "expiration"), children == null ? null : List.copyOf(children));
    }

    /** Form or query parameters, URL-encoded. */
    private static final class Query {
        private final StringJoiner joiner = new StringJoiner("&");
        private boolean empty = true;

        void add(String name, String value) {
            joiner.add(URLEncoder.encode(name, StandardCharsets.UTF_8) + "="
                    + URLEncoder.encode(value, StandardCharsets.UTF_8));
            empty = false;
        }

        boolean isEmpty() {
            return empty;
        }

        @Override
        public String toString() {
            return joiner.toString();
        }
    }

    // ---------------------------------------------------------------------------------------------- types

    /**
     * Conditions and extras of a PUT. {@code null} = not sent.
     *
     * @param ttl seconds
     * @param prevExist true: update only; false: create only
     */
    public record PutOptions(Long ttl, String prevValue, Long prevIndex, Boolean prevExist, boolean dir,
                             boolean refresh) {
        public static PutOptions none() {
            return new PutOptions(null, null, null, null, false, false);
        }

        public PutOptions ttl(long seconds) {
            return new PutOptions(seconds, prevValue, prevIndex, prevExist, dir, refresh);
        }

        public PutOptions prevValue(String v) {
            return new PutOptions(ttl, v, prevIndex, prevExist, dir, refresh);
        }

        public PutOptions prevIndex(long i) {
            return new PutOptions(ttl, prevValue, i, prevExist, dir, refresh);
        }

        public PutOptions prevExist(boolean b) {
            return new PutOptions(ttl, prevValue, prevIndex, b, dir, refresh);
        }

        public PutOptions dir(boolean b) {
            return new PutOptions(ttl, prevValue, prevIndex, prevExist, b, refresh);
        }

        public PutOptions refresh(boolean b) {
            return new PutOptions(ttl, prevValue, prevIndex, prevExist, dir, b);
        }
    }

    /**
     * A node of the key space as etcd v2 returns it.
     *
     * @param nodes a directory's children, or null when not listed
     * @param ttl remaining seconds, or null when permanent
     * @param expiration RFC 3339 time, or null
     */
    public record Node(String key, String value, boolean dir, long createdIndex, long modifiedIndex, Long ttl,
                       String expiration, List<Node> nodes) {}

    /**
     * One HTTP answer.
     *
     * @param etcdIndex the {@code X-Etcd-Index} header (the store index; for a watch: when the watch started)
     * @param errorCode etcd's error code (100 key not found, 101 compare failed, 105 exists, 401 index cleared, ...)
     *                  or null when the answer is not an etcd error
     * @param errorIndex the {@code index} field of an error body
     * @param body the raw body (may be empty: a watch the server closed without an event)
     * @param json the parsed body, or null when it is not a JSON object
     * @param receivedNanos {@link System#nanoTime()} when the whole body had arrived
     */
    public record Response(int status, Long etcdIndex, Long raftIndex, Long raftTerm, String action, Node node,
                           Node prevNode, Integer errorCode, String message, String cause, Long errorIndex,
                           String body, JsonObject jsonBody, long receivedNanos) {

        /** A 2xx answer that is not an etcd error. */
        public boolean isSuccess() {
            return status >= 200 && status < 300 && errorCode == null;
        }

        public boolean isError(int code) {
            return errorCode != null && errorCode == code;
        }

        public Optional<JsonObject> json() {
            return Optional.ofNullable(jsonBody);
        }

        /** The node's value, or null (missing key, directory, error). */
        public String value() {
            return node == null ? null : node.value();
        }

        @Override
        public String toString() {
            return "HTTP " + status + (etcdIndex != null ? " X-Etcd-Index=" + etcdIndex : "") + " " + body.strip();
        }
    }
}
