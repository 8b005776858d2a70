package dev.fleet.it.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for fleet-agent's HTTP side (no systemd): it registers through the agent API with publicIP 127.0.0.1
 * and the port of its own server (bound to 127.0.0.1), follows its schedule by polling, reports each unit it holds
 * as running (with systemd's Result and an InvocationID), and serves the agent endpoints the control plane proxies:
 * {@code GET /agent/v1/units/NAME/status} and {@code .../journal?lines=N&follow=BOOL} from an in-memory journal.
 */
final class FakeAgent implements AutoCloseable {
    final String machineId;
    final String session = UUID.randomUUID().toString();
    final String invocationId = UUID.randomUUID().toString().replace("-", "");
    private final URI endpoint;
    private final HttpServer server;
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final List<String> journal = new ArrayList<>();
    /** Journal followers whose connection broke (the control plane closed it): the proof a disconnect propagated. */
    final AtomicInteger followersGone = new AtomicInteger();
    final AtomicInteger followersOpen = new AtomicInteger();

    FakeAgent(String machineId, URI endpoint) throws IOException {
        this.machineId = machineId;
        this.endpoint = endpoint;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/agent/v1/units/", this::serve);
        server.setExecutor(handlers);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    FakeAgent start() {
        loop.scheduleWithFixedDelay(this::tick, 0, 500, TimeUnit.MILLISECONDS);
        return this;
    }

    Set<String> held() {
        return Set.copyOf(held);
    }

    void log(String line) {
        synchronized (journal) {
            journal.add(line);
            journal.notifyAll();
        }
    }

    // ------------------------------------------------------------------ agent API client

    private void tick() {
        try {
            String reg = Json.createObjectBuilder().add("session", session).add("publicIP", "127.0.0.1")
                    .add("metadata", JsonValue.EMPTY_JSON_OBJECT).add("version", "fake").add("ttl", 10)
                    .add("agentPort", port()).build().toString();
            send("PUT", "", reg);
            HttpResponse<String> s = send("GET", "/schedule", null);
            if (s.statusCode() != 200) {
                return;
            }
            JsonObject schedule = Json.createReader(new StringReader(s.body())).readObject();
            Set<String> now = new HashSet<>();
            JsonArrayBuilder states = Json.createArrayBuilder();
            for (JsonValue v : schedule.getJsonArray("units")) {
                JsonObject u = v.asJsonObject();
                if (u.getBoolean("global", false) || u.getString("desiredState").equals("inactive")) {
                    continue;
                }
                String name = u.getString("name");
                boolean run = u.getString("desiredState").equals("launched");
                now.add(name);
                states.add(Json.createObjectBuilder().add("name", name).add("hash", u.getString("hash"))
                        .add("loadState", "loaded").add("activeState", run ? "active" : "inactive")
                        .add("subState", run ? "running" : "dead").add("launched", run).add("result", "success")
                        .add("invocationID", invocationId));
            }
            JsonArrayBuilder removed = Json.createArrayBuilder();
            held.stream().filter(n -> !now.contains(n)).forEach(removed::add);
            send("PUT", "/states", Json.createObjectBuilder().add("session", session).add("states", states)
                    .add("removed", removed).build().toString());
            held.retainAll(now);
            held.addAll(now);
        } catch (IOException | RuntimeException e) {
            System.out.println("[fake-agent] " + machineId + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint + "/fleet/agent/v1/machines/" + machineId + path))
                .timeout(Duration.ofSeconds(5));
        if (body == null) {
            b = b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b = b.method(method, HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    // ------------------------------------------------------------------ the agent's own endpoints

    private void serve(HttpExchange ex) throws IOException {
        try (ex) {
            String rest = ex.getRequestURI().getRawPath().substring("/agent/v1/units/".length());
            int slash = rest.indexOf('/');
            String name = slash < 0 ? rest : URLDecoder.decode(rest.substring(0, slash), StandardCharsets.UTF_8);
            String what = slash < 0 ? "" : rest.substring(slash + 1);
            if (!held.contains(name)) {
                send(ex, 404, "application/json", "{\"error\":{\"code\":404,\"message\":\"unit " + name + " is not loaded by fleet here\"}}");
                return;
            }
            switch (what) {
                case "status" -> send(ex, 200, "application/json", Json.createObjectBuilder().add("machineID", machineId)
                        .add("name", name).add("properties", Json.createObjectBuilder().add("ActiveState", "active")
                                .add("SubState", "running").add("Result", "success").add("InvocationID", invocationId))
                        .add("text", "● " + name + " - Fake\n     Loaded: loaded (/run/fleet/units/" + name + ")\n"
                                + "     Active: active (running)\n").build().toString());
                case "journal" -> journal(ex, query(ex, "lines", "10"), "true".equals(query(ex, "follow", "false")));
                default -> send(ex, 404, "application/json", "{\"error\":{\"code\":404,\"message\":\"not found\"}}");
            }
        }
    }

    private void journal(HttpExchange ex, String linesParam, boolean follow) throws IOException {
        ex.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(200, 0); // chunked
        OutputStream out = ex.getResponseBody();
        int lines = Integer.parseInt(linesParam);
        int next;
        synchronized (journal) {
            next = journal.size();
            for (String l : journal.subList(Math.max(0, journal.size() - lines), journal.size())) {
                out.write((l + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        out.flush();
        if (!follow) {
            return;
        }
        followersOpen.incrementAndGet();
        try {
            while (true) {
                String line;
                synchronized (journal) {
                    while (journal.size() <= next) {
                        journal.wait(1000);
                    }
                    line = journal.get(next++);
                }
                out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException gone) {
            followersGone.incrementAndGet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            followersOpen.decrementAndGet();
        }
    }

    private static String query(HttpExchange ex, String key, String dflt) {
        String q = ex.getRequestURI().getRawQuery();
        if (q != null) {
            for (String p : q.split("&")) {
                String[] kv = p.split("=", 2);
                if (kv[0].equals(key) && kv.length == 2) {
                    return URLDecoder.decode(kv[1], StandardCharsets.UTF_8);
                }
            }
        }
        return dflt;
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    @Override
    public void close() {
        loop.shutdownNow();
        try {
            send("DELETE", "?session=" + session, null);
        } catch (Exception ignored) {
            // the node may be gone already
        }
        server.stop(0);
        handlers.shutdownNow();
    }
}
