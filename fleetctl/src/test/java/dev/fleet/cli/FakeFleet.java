package dev.fleet.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;

import java.io.IOException;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** An in-memory stand-in for a node's API v1, enough for fleetctl's verbs; an optional engine hook moves states. */
final class FakeFleet implements AutoCloseable {
    final Map<String, JsonObject> units = new TreeMap<>();
    final List<JsonObject> machines = new CopyOnWriteArrayList<>();
    final List<JsonObject> states = new CopyOnWriteArrayList<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    volatile Consumer<FakeFleet> engine = f -> { };
    volatile int status503 = 0;
    /** Handlers for extra paths (the agent-backed endpoints), by exact path; they run outside the fake's lock. */
    final Map<String, com.sun.net.httpserver.HttpHandler> extra = new java.util.concurrent.ConcurrentHashMap<>();
    private final HttpServer server;
    private final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool();

    FakeFleet() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(pool); // a streaming journal must not hold up other requests
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }

    synchronized void put(String name, JsonObject u) {
        units.put(name, u);
    }

    private void handle(HttpExchange ex) throws IOException {
        com.sun.net.httpserver.HttpHandler h = extra.get(ex.getRequestURI().getPath());
        if (h != null) {
            requests.add(ex.getRequestMethod() + " " + ex.getRequestURI());
            try (ex) {
                h.handle(ex);
            }
            return;
        }
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(method + " " + ex.getRequestURI() + (body.isEmpty() ? "" : " " + body));
            if (status503 > 0) {
                send(ex, 503, "{\"error\":{\"code\":503,\"message\":\"fleet server unable to communicate with etcd\"}}");
                return;
            }
            synchronized (this) {
                engine.accept(this);
                if (path.equals("/fleet/v1/units") && method.equals("GET")) {
                    JsonArrayBuilder a = Json.createArrayBuilder();
                    units.values().forEach(a::add);
                    send(ex, 200, units.isEmpty() ? "{}" : Json.createObjectBuilder().add("units", a).build().toString());
                } else if (path.equals("/fleet/v1/machines")) {
                    JsonArrayBuilder a = Json.createArrayBuilder();
                    machines.forEach(a::add);
                    send(ex, 200, Json.createObjectBuilder().add("machines", a).build().toString());
                } else if (path.equals("/fleet/v1/state")) {
                    String q = ex.getRequestURI().getQuery();
                    JsonArrayBuilder a = Json.createArrayBuilder();
                    states.stream().filter(s -> q == null || q.equals("unitName=" + s.getString("name"))).forEach(a::add);
                    send(ex, 200, Json.createObjectBuilder().add("states", a).build().toString());
                } else if (path.startsWith("/fleet/v1/units/")) {
                    String name = path.substring("/fleet/v1/units/".length());
                    JsonObject u = units.get(name);
                    switch (method) {
                        case "GET" -> {
                            if (u == null) {
                                send(ex, 404, "{\"error\":{\"code\":404,\"message\":\"unit does not exist\"}}");
                            } else {
                                send(ex, 200, u.toString());
                            }
                        }
                        case "DELETE" -> {
                            if (units.remove(name) == null) {
                                send(ex, 404, "{\"error\":{\"code\":404,\"message\":\"unit does not exist\"}}");
                            } else {
                                send(ex, 204, "");
                            }
                        }
                        case "PUT" -> {
                            JsonObject b = Json.createReader(new StringReader(body)).readObject();
                            if (b.containsKey("options")) {
                                JsonObjectBuilder nb = Json.createObjectBuilder().add("name", name)
                                        .add("options", b.getJsonArray("options"))
                                        .add("desiredState", b.getString("desiredState", "inactive"))
                                        .add("currentState", "inactive");
                                units.put(name, nb.build());
                                send(ex, 201, "");
                            } else {
                                units.put(name, Json.createObjectBuilder(u).add("desiredState", b.getString("desiredState")).build());
                                send(ex, 204, "");
                            }
                        }
                        default -> send(ex, 405, "");
                    }
                } else {
                    send(ex, 404, "");
                }
            }
        }
    }

    static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            ex.getResponseBody().write(b);
        }
    }

    /** An engine that places every non-template, non-global unit on machine m1 and moves current to desired. */
    static void placeOnM1(FakeFleet f) {
        for (var e : new ArrayList<>(f.units.entrySet())) {
            JsonObject u = e.getValue();
            String d = u.getString("desiredState", "inactive");
            JsonObjectBuilder b = Json.createObjectBuilder(u).add("currentState", d);
            if (!d.equals("inactive")) {
                b.add("machineID", "m1aaaaaaaaaaaaaa");
            } else {
                b.remove("machineID");
            }
            f.units.put(e.getKey(), b.build());
            f.states.removeIf(s -> s.getString("name").equals(e.getKey()));
            if (d.equals("launched")) {
                f.states.add(Json.createObjectBuilder().add("name", e.getKey()).add("machineID", "m1aaaaaaaaaaaaaa")
                        .add("systemdActiveState", "active").build());
            }
        }
    }
}
