package dev.fleet.testkit;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodeMetricsTest {
    static final String TEXT = """
            # HELP fleet_engine_leader 1 on the engine leader
            # TYPE fleet_engine_leader gauge
            fleet_engine_leader 1
            fleet_engine_task_count_total{type="move"} 3
            fleet_engine_reconcile_duration_second_sum 0.25

            not a sample
            broken_value abc
            """;

    @Test
    void parsesSampleLinesKeepingLabels() {
        Map<String, Double> m = NodeMetrics.parse(TEXT);
        assertThat(m).containsOnly(
                Map.entry("fleet_engine_leader", 1.0),
                Map.entry("fleet_engine_task_count_total{type=\"move\"}", 3.0),
                Map.entry("fleet_engine_reconcile_duration_second_sum", 0.25));
    }

    @Test
    void readsOneNodeAndRefusesAnErrorAnswer() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/metrics", x -> {
            byte[] b = TEXT.getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        server.createContext("/down/metrics", x -> {
            x.sendResponseHeaders(503, -1);
            x.close();
        });
        server.start();
        try {
            URI node = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
            assertThat(NodeMetrics.get(node, Duration.ofSeconds(5))).containsEntry("fleet_engine_leader", 1.0);
            assertThatThrownBy(() -> NodeMetrics.get(node.resolve("/down"), Duration.ofSeconds(5)))
                    .isInstanceOf(IOException.class).hasMessageContaining("HTTP 503");
        } finally {
            server.stop(0);
        }
    }
}
