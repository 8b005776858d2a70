package dev.fleet.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code GET /metrics} of one fleet node, for tests and benchmarks. No failover, unlike
 * {@link dev.fleet.client.FleetClient}: the numbers are that node's.
 */
public final class NodeMetrics {
    private NodeMetrics() {
    }

    /** The node's metrics with a 10 s timeout; see {@link #get(URI, Duration)}. */
    public static Map<String, Double> get(URI node) throws IOException {
        return get(node, Duration.ofSeconds(10));
    }

    /**
     * The node's metrics as name → value; the name keeps its labels, e.g.
     * {@code fleet_engine_task_count_total{type="move"}}. An answer other than 200 is an IOException.
     *
     * @param timeout connect and read timeout
     */
    public static Map<String, Double> get(URI node, Duration timeout) throws IOException {
        String base = node.toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        HttpURLConnection c = (HttpURLConnection) URI.create(base + "/metrics").toURL().openConnection();
        int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
        c.setConnectTimeout(millis);
        c.setReadTimeout(millis);
        c.setRequestProperty("Accept", "text/plain");
        int status = c.getResponseCode();
        InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
        String body = "";
        if (in != null) {
            try (in) { // read to the end and closed: the connection is kept alive for the next sample
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
        if (status != 200) {
            throw new IOException("GET " + base + "/metrics: HTTP " + status + " " + body.strip());
        }
        return parse(body);
    }

    /** Prometheus text format, the subset our nodes write: {@code name[{labels}] value} lines, # comments. */
    public static Map<String, Double> parse(String text) {
        Map<String, Double> out = new TreeMap<>();
        for (String line : text.split("\n")) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            int sp = t.lastIndexOf(' ');
            if (sp <= 0) {
                continue;
            }
            try {
                out.put(t.substring(0, sp).strip(), Double.parseDouble(t.substring(sp + 1)));
            } catch (NumberFormatException e) {
                // not a sample line
            }
        }
        return out;
    }
}
