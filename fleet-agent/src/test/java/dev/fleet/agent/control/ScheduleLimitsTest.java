package dev.fleet.agent.control;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The schedule read is bounded: a body over the byte limit (declared, or endless) and a schedule over the unit limit are refused. */
class ScheduleLimitsTest {
    static final String M = "0123456789abcdef0123456789abcdef";
    HttpServer server;
    final AtomicLong sent = new AtomicLong();

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    /** Serves {@code body} for the schedule: chunked when {@code length} is 0, with that Content-Length otherwise. */
    private URI serve(Body body, long length) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/fleet/agent/v1/machines/", ex -> {
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, length);
            try (OutputStream out = ex.getResponseBody()) {
                body.write(out);
            } catch (IOException e) {
                // the agent hung up: what this test wants
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    interface Body {
        void write(OutputStream out) throws IOException;
    }

    static String schedule(int units) {
        StringBuilder b = new StringBuilder("{\"machineID\":\"" + M + "\",\"index\":7,\"metadata\":{},\"units\":[");
        for (int i = 0; i < units; i++) {
            b.append(i == 0 ? "" : ",").append("{\"name\":\"u").append(i).append(".service\",\"desiredState\":\"launched\",")
                    .append("\"options\":[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\"/bin/true\"}]}");
        }
        return b.append("]}").toString();
    }

    @Test
    void anEndlessBodyIsCutAtTheByteLimitWithoutFillingTheHeap() throws Exception {
        byte[] chunk = ("{\"name\":\"x.service\"," + " ".repeat(8000) + "\n").getBytes(StandardCharsets.UTF_8);
        URI uri = serve(out -> {
            out.write("{\"machineID\":\"m\",\"index\":1,\"units\":[".getBytes(StandardCharsets.UTF_8));
            while (true) { // never ends: far more than any heap if it were read whole
                out.write(chunk);
                sent.addAndGet(chunk.length);
            }
        }, 0);
        ControlPlane cp = new ControlPlane(List.of(uri), 1 << 20, 100);
        assertThatThrownBy(() -> cp.schedule(M, -1)).isInstanceOf(ControlPlane.ScheduleTooLarge.class)
                .hasMessageContaining("schedule over 1048576 bytes");
    }

    @Test
    void aDeclaredLengthOverTheLimitIsRefusedBeforeReading() throws Exception {
        URI uri = serve(out -> {
            byte[] kb = new byte[1024];
            java.util.Arrays.fill(kb, (byte) ' ');
            for (int i = 0; i < 4096; i++) {
                out.write(kb);
                sent.addAndGet(kb.length);
            }
        }, 4L << 20);
        ControlPlane cp = new ControlPlane(List.of(uri), 1 << 20, 100);
        assertThatThrownBy(() -> cp.schedule(M, -1)).isInstanceOf(ControlPlane.ScheduleTooLarge.class);
    }

    @Test
    void aScheduleOverTheUnitLimitIsRefusedAndOneUnderItIsRead() throws Exception {
        String big = schedule(11);
        URI uri = serve(out -> out.write(big.getBytes(StandardCharsets.UTF_8)), big.getBytes(StandardCharsets.UTF_8).length);
        assertThatThrownBy(() -> new ControlPlane(List.of(uri), 1 << 20, 10).schedule(M, -1))
                .isInstanceOf(ControlPlane.ScheduleTooLarge.class).hasMessageContaining("11 units, over the limit of 10");
        assertThat(new ControlPlane(List.of(uri), 1 << 20, 11).schedule(M, -1).units()).hasSize(11);
        assertThat(new ControlPlane(List.of(uri), big.length(), 11).schedule(M, -1).index()).as("exactly at the byte limit").isEqualTo(7);
    }

    @Test
    void theDefaultByteLimitFollowsTheHeap() {
        assertThat(ControlPlane.DEFAULT_MAX_BYTES).isBetween(1L << 20, 64L << 20)
                .isLessThanOrEqualTo(Math.max(1L << 20, Runtime.getRuntime().maxMemory() / 8));
    }
}
