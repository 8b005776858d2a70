package dev.fleet.cli;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;

import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * fleet's HTTP API v1 on the JDK HttpClient (HTTP/1.1). Several endpoints are tried in turn when one cannot be
 * reached or answers 503; the one that answered is used first from then on.
 */
public final class ApiClient {

    /** An answer the API gave as an error (status and the message of its error JSON). */
    public static final class ApiException extends RuntimeException {
        public final int status;

        public ApiException(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /** No endpoint could be reached (or all answered 503). */
    public static final class UnreachableException extends RuntimeException {
        public UnreachableException(String message) {
            super(message);
        }
    }

    public record Response(int status, String body) {
        JsonObject json() {
            if (body == null || body.isBlank()) {
                return JsonValue.EMPTY_JSON_OBJECT;
            }
            try (JsonReader r = Json.createReader(new StringReader(body))) {
                return r.readObject();
            }
        }
    }

    private final List<URI> endpoints;
    private final Duration timeout;
    private final PrintStream debug;
    private HttpClient http;
    private int preferred;

    public ApiClient(List<URI> endpoints, Duration timeout, PrintStream debug) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no endpoint");
        }
        this.endpoints = List.copyOf(endpoints);
        this.timeout = timeout;
        this.debug = debug;
    }

    /** Parses a comma-separated endpoint list; only http and https are accepted. */
    public static List<URI> parseEndpoints(String spec) {
        List<URI> out = new ArrayList<>();
        for (String s : spec.split(",")) {
            s = s.trim();
            if (s.isEmpty()) {
                continue;
            }
            URI u;
            try {
                u = URI.create(s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid endpoint " + s + ": " + e.getMessage());
            }
            if (u.getScheme() == null) {
                throw new IllegalArgumentException("URL scheme undefined");
            }
            if (!u.getScheme().equals("http") && !u.getScheme().equals("https")) {
                throw new IllegalArgumentException("unsupported URL scheme \"" + u.getScheme() + "\" in " + s
                        + " (use http:// or https://)");
            }
            if (u.getHost() == null) {
                throw new IllegalArgumentException("no host in endpoint " + s);
            }
            String str = u.toString();
            while (str.endsWith("/")) {
                str = str.substring(0, str.length() - 1);
            }
            out.add(URI.create(str));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no endpoint given");
        }
        return out;
    }

    private HttpClient http() {
        if (http == null) {
            HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                    .followRedirects(HttpClient.Redirect.NEVER);
            if (endpoints.stream().noneMatch(u -> u.getScheme().equals("https"))) {
                // Plain http only: without this the client builds the default SSL context, which reads the JDK's
                // trust store (about 0.3 s of a 0.6 s run). This context is never used: it trusts nothing.
                b.sslContext(NoTls.CONTEXT);
            }
            http = b.build();
        }
        return http;
    }

    private void debug(String fmt, Object... args) {
        if (debug != null) {
            debug.println("DEBUG " + String.format(fmt, args));
        }
    }

    /** One request, with failover across the endpoints. {@code path} starts with "/fleet/v1". */
    public Response send(String method, String path, String jsonBody) {
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < endpoints.size(); i++) {
            int idx = (preferred + i) % endpoints.size();
            URI base = endpoints.get(idx);
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                    .header("Accept", "application/json");
            if (jsonBody != null) {
                b.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(jsonBody, StandardCharsets.UTF_8));
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            long t0 = System.nanoTime();
            try {
                HttpResponse<String> r = http().send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                debug("%s %s%s -> %d (%d ms)%s", method, base, path, r.statusCode(), (System.nanoTime() - t0) / 1_000_000,
                        jsonBody == null ? "" : " body=" + jsonBody);
                if (r.statusCode() == 503) {
                    failures.add(base + ": 503 " + errorMessage(new Response(503, r.body())));
                    continue;
                }
                preferred = idx;
                return new Response(r.statusCode(), r.body());
            } catch (IOException e) {
                debug("%s %s%s failed: %s", method, base, path, e);
                failures.add(base + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UnreachableException("interrupted");
            }
        }
        throw new UnreachableException("unable to reach the fleet API (" + String.join("; ", failures) + ")");
    }

    static String errorMessage(Response r) {
        try {
            JsonObject e = r.json().getJsonObject("error");
            if (e != null && !e.getString("message", "").isEmpty()) {
                return e.getString("message");
            }
        } catch (RuntimeException ignored) {
            // not JSON
        }
        return r.body() == null ? "" : r.body().strip();
    }

    private Response expect(Response r, int... ok) {
        for (int s : ok) {
            if (r.status() == s) {
                return r;
            }
        }
        throw new ApiException(r.status(), errorMessage(r));
    }

    private JsonArray pages(String path, String field) {
        JsonArrayBuilder all = Json.createArrayBuilder();
        String token = null;
        for (int guard = 0; guard < 100_000; guard++) {
            String p = path + (token == null ? "" : (path.contains("?") ? "&" : "?") + "nextPageToken="
                    + URLEncoder.encode(token, StandardCharsets.UTF_8));
            JsonObject page = expect(send("GET", p, null), 200).json();
            JsonArray items = page.getJsonArray(field);
            if (items != null) {
                items.forEach(all::add);
            }
            token = page.getString("nextPageToken", null);
            if (token == null || token.isEmpty()) {
                break;
            }
        }
        return all.build();
    }

    public JsonArray units() {
        return pages("/fleet/v1/units", "units");
    }

    public JsonArray machines() {
        return pages("/fleet/v1/machines", "machines");
    }

    public JsonArray states() {
        return pages("/fleet/v1/state", "states");
    }

    public JsonArray states(String unitName) {
        return pages("/fleet/v1/state?unitName=" + enc(unitName), "states");
    }

    public Optional<JsonObject> unit(String name) {
        Response r = send("GET", "/fleet/v1/units/" + name, null);
        if (r.status() == 404) {
            return Optional.empty();
        }
        return Optional.of(expect(r, 200).json());
    }

    /** Creates (or replaces) a unit with the given options JSON array; no desired state is sent. */
    public void createUnit(String name, JsonArray options) {
        String body = Json.createObjectBuilder().add("name", name).add("options", options).build().toString();
        expect(send("PUT", "/fleet/v1/units/" + name, body), 201, 204);
    }

    public void setDesiredState(String name, String state) {
        String body = Json.createObjectBuilder().add("name", name).add("desiredState", state).build().toString();
        expect(send("PUT", "/fleet/v1/units/" + name, body), 201, 204);
    }

    /** DELETE; false when the unit did not exist. */
    public boolean destroy(String name) {
        Response r = send("DELETE", "/fleet/v1/units/" + name, null);
        if (r.status() == 404) {
            return false;
        }
        expect(r, 204, 200);
        return true;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
