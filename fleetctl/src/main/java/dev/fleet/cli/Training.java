package dev.fleet.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The training run behind fleetctl's class-data archive ({@code bin/fleetctl} runs it once with
 * {@code -XX:ArchiveClassesAtExit}): the list verbs against canned, paged API answers on loopback, so that the
 * archive holds what a real run loads (HTTP client, JSON, tables) and not only what the first command a user
 * happened to type needed.
 */
public final class Training {
    private Training() {
    }

    public static void main(String[] args) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/fleet/v1/", Training::answer);
        server.start();
        try {
            String endpoint = "--endpoint=http://127.0.0.1:" + server.getAddress().getPort();
            PrintStream devNull = new PrintStream(OutputStream.nullOutputStream());
            for (String verb : new String[] {"list-units", "list-unit-files", "list-machines"}) {
                for (String[] run : new String[][] {{endpoint, verb}, {endpoint, verb, "--no-legend", "--full"}}) {
                    // as Fleetctl.main runs them: with the listing read while the command line is parsed
                    var early = EarlyListing.startFor(run, java.util.Map.of());
                    int code = Fleetctl.run(run, devNull, System.err, early);
                    if (code != Fleetctl.EXIT_OK) { // a training run that fails trains the wrong classes
                        throw new IllegalStateException(String.join(" ", run) + " exited " + code);
                    }
                }
            }
        } finally {
            server.stop(0);
        }
    }

    /** Pages of listings as a node serves them: 100 items a page, fleet's page tokens, three pages in all. */
    private static final int PAGES = 3;

    private static void answer(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String query = ex.getRequestURI().getQuery(); // decoded: the token is sent URL-encoded
        int page = query == null ? 1 : dev.fleet.schema.PageTokens.decode(query.substring(query.indexOf('=') + 1)).page();
        String machine = "\"machineID\":\"c11be0c11be0c11be0c11be0c11be001\"";
        StringBuilder body = new StringBuilder("{");
        if (path.endsWith("/machines")) {
            body.append("\"machines\":[{\"id\":\"c11be0c11be0c11be0c11be0c11be001\",\"primaryIP\":\"10.1.0.1\",\"metadata\":{\"region\":\"eu\"}}]");
        } else {
            boolean states = path.endsWith("/state");
            body.append(states ? "\"states\":[" : "\"units\":[");
            for (int i = 0; i < 100; i++) {
                String name = "\"name\":\"t" + ((page - 1) * 100 + i) + ".service\",";
                body.append(i == 0 ? "" : ",").append(states
                        ? "{" + name + "\"hash\":\"1c6fb6f3684bafb0c173d8b8b957ceff031180c1\"," + machine
                          + ",\"systemdLoadState\":\"loaded\",\"systemdActiveState\":\"active\",\"systemdSubState\":\"running\"}"
                        : "{" + name + "\"desiredState\":\"launched\",\"currentState\":\"launched\"," + machine
                          + ",\"options\":[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\"/bin/true\"}]}");
            }
            body.append(']');
            if (page < PAGES) {
                body.append(",\"nextPageToken\":\"").append(dev.fleet.schema.PageTokens.encode(100, page + 1)).append('"');
            }
        }
        byte[] b = body.append('}').toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        // as a node answers: a page of 100 items chunked, a short answer (the machines) with its length
        ex.sendResponseHeaders(200, path.endsWith("/machines") ? b.length : 0);
        ex.getResponseBody().write(b);
        ex.close();
    }
}
