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
                Fleetctl.run(new String[] {endpoint, verb}, devNull, devNull);
                Fleetctl.run(new String[] {endpoint, verb, "--no-legend", "--full"}, devNull, devNull);
            }
        } finally {
            server.stop(0);
        }
    }

    private static void answer(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        boolean second = ex.getRequestURI().getRawQuery() != null;
        String machine = "\"machineID\":\"c11be0c11be0c11be0c11be0c11be001\"";
        String body;
        if (path.endsWith("/machines")) {
            body = "{\"machines\":[{\"id\":\"c11be0c11be0c11be0c11be0c11be001\",\"primaryIP\":\"10.1.0.1\",\"metadata\":{\"region\":\"eu\"}}]}";
        } else if (path.endsWith("/state")) {
            body = "{\"states\":[{\"name\":\"t" + (second ? 2 : 1) + ".service\",\"hash\":\"1c6fb6f3684bafb0c173d8b8b957ceff031180c1\","
                    + machine + ",\"systemdLoadState\":\"loaded\",\"systemdActiveState\":\"active\",\"systemdSubState\":\"running\"}]"
                    + (second ? "" : ",\"nextPageToken\":\"next\"") + "}";
        } else {
            body = "{\"units\":[{\"name\":\"t" + (second ? 2 : 1) + ".service\",\"desiredState\":\"launched\",\"currentState\":\"launched\","
                    + machine + ",\"options\":[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\"/bin/true\"}]}]"
                    + (second ? "" : ",\"nextPageToken\":\"next\"") + "}";
        }
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }
}
