package dev.fleet.it.cluster;

import dev.fleet.testkit.FleetCluster;
import dev.fleet.testkit.FleetNodeProcess;
import dev.fleet.testkit.NodeMetrics;
import dev.fleet.testkit.Ports;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.fleet.it.cluster.ClusterSupport.log;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A flood of long-lived requests on one {@code bin/fleet-node}: 2,000 idle etcd watches and 250 followed journals
 * of a unit whose (fake) agent sends nothing, while a writer keeps PUTting keys, /health is probed and the agent
 * heartbeats its registration. Writes succeed, /health answers within 1 s, the agent API answers; requests over the
 * limits get 429 (this client) or 503 (this node) with Retry-After in the route's error JSON; then every client
 * closes its connection and every watcher and journal (and the node's stream to the agent) is released within
 * seconds, seen in /metrics ({@code fleet_streams_*}, {@code fleet_store_watchers}).
 *
 * <p>Clients are raw sockets (one connection each, as many HTTP/1.1 long polls are): closing one is exactly "the
 * client went away". The limits are set so that the flood from 127.0.0.1 fills that client's share exactly; other
 * loopback addresses (127.0.0.2, .3) are other clients.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamFloodIT {
    private static final int WATCHERS = 2_000;
    private static final int JOURNALS = 250;
    private static final int EXTRA = 10; // places left on the node for other clients
    private static final String MACHINE = "f100d000f100d000f100d000f100d000";
    private static final String UNIT = "flood.service";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<SocketChannel> clients = Collections.synchronizedList(new ArrayList<>());
    private FleetNodeProcess node;
    private SilentAgent agent;
    private URI url;

    @BeforeAll
    void boot() throws Exception {
        Path work = ClusterSupport.workDir("stream-flood");
        String limits = String.join(" ", "-Xmx1g", "-XX:+UseSerialGC",
                "-Dfleet.limits.watchers=" + (WATCHERS + EXTRA), "-Dfleet.limits.watchersPerClient=" + WATCHERS,
                "-Dfleet.limits.journals=" + (JOURNALS + EXTRA), "-Dfleet.limits.journalsPerClient=" + JOURNALS);
        node = new FleetNodeProcess(FleetCluster.repositoryRoot(), "flood", "127.0.0.1", Ports.free(), Ports.free(100),
                work.resolve("flood"), List.of(), List.of("env", "JAVA_OPTS=" + limits));
        node.start();
        node.awaitReady(FleetCluster.BOOT_TIMEOUT);
        url = node.url();
        agent = new SilentAgent();
        assertThat(heartbeat()).isBetween(200, 204);
        HttpResponse<String> put = send("PUT", "/fleet/v1/units/" + UNIT, "application/json",
                "{\"options\":[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\"/bin/sleep 1000\"}],\"desiredState\":\"launched\"}");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(20)).until(() -> send("GET", "/fleet/v1/units/" + UNIT, null, null).body().contains(MACHINE));
    }

    @AfterAll
    void shutdown() throws Exception {
        synchronized (clients) {
            for (SocketChannel c : clients) {
                c.close();
            }
        }
        if (agent != null) {
            agent.close();
        }
        if (node != null) {
            node.stop();
        }
    }

    @Test
    void aFloodOfStreamsLeavesTheNodeServingAndEveryStreamEndsWithItsClient() throws Exception {
        Map<String, Double> before = NodeMetrics.get(url);
        double storeWatchersBefore = before.get("fleet_store_watchers");
        long t0 = System.nanoTime();
        for (int i = 0; i < WATCHERS; i++) {
            open("127.0.0.1", "/v2/keys/flood/w" + i + "?wait=true");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> metric("fleet_streams_watchers") == WATCHERS);
        log("%d watchers admitted in %d ms", WATCHERS, ms(t0));
        await().atMost(Duration.ofSeconds(10)).until(() -> metric("fleet_store_watchers") == storeWatchersBefore + WATCHERS);
        t0 = System.nanoTime();
        for (int i = 0; i < JOURNALS; i++) {
            open("127.0.0.1", "/fleet/v1/units/" + UNIT + "/journal?follow=true");
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(metric("fleet_streams_journals")).as("admitted journals").isEqualTo(JOURNALS);
            assertThat(agent.open.get()).as("agent streams open (of %d accepted)", agent.accepted.size()).isEqualTo(JOURNALS);
        });
        log("%d followed journals admitted and streaming from the agent in %d ms", JOURNALS, ms(t0));
        // a quiet followed journal answers at once: its 200 and headers are there before any line
        SocketChannel first = clients.get(WATCHERS);
        first.configureBlocking(false);
        ByteBuffer head = ByteBuffer.allocate(4096);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            first.read(head);
            return new String(head.array(), 0, head.position(), StandardCharsets.ISO_8859_1).contains("\r\n\r\n");
        });
        String headers = new String(head.array(), 0, head.position(), StandardCharsets.ISO_8859_1);
        assertThat(headers).startsWith("HTTP/1.1 200").contains("Transfer-Encoding: chunked").endsWith("\r\n\r\n");

        overLimitRequestsAreRefusedWithRetryAfter();
        servesUnderTheFlood();

        // every client goes away: each watcher and journal is released, the node's streams to the agent close
        t0 = System.nanoTime();
        synchronized (clients) {
            for (SocketChannel c : clients) {
                c.close();
            }
            clients.clear();
        }
        long closed = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> metric("fleet_streams_watchers") == 0);
        long watchersGone = ms(closed);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> metric("fleet_streams_journals") == 0);
        long journalsGone = ms(closed);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> agent.open.get() == 0);
        long upstreamsGone = ms(closed);
        await().atMost(Duration.ofSeconds(10)).until(() -> metric("fleet_store_watchers") == storeWatchersBefore);
        log("after closing %d clients: admitted watchers 0 after %d ms, journals 0 after %d ms, agent streams closed after %d ms, "
                + "store watchers back to %.0f after %d ms", WATCHERS + JOURNALS + 2 * EXTRA, watchersGone, journalsGone,
                upstreamsGone, storeWatchersBefore, ms(closed));
        await().atMost(Duration.ofSeconds(10)).until(() -> metric("fleet_streams_journal_threads") == 0);
        // and the node serves as before: a watch is admitted and answered
        HttpResponse<String> h = send("GET", "/health", null, null);
        assertThat(h.statusCode()).isEqualTo(200);
    }

    /** The flood holds 127.0.0.1's whole share (429); 127.0.0.2 takes the node's last places, then 127.0.0.3 gets 503. */
    private void overLimitRequestsAreRefusedWithRetryAfter() throws Exception {
        Raw w429 = exchange("127.0.0.1", "/v2/keys/flood/over?wait=true");
        assertThat(w429.status).as(w429.text).isEqualTo(429);
        assertThat(w429.text).contains("Retry-After: 5").contains("\"errorCode\":300")
                .contains("\"cause\":\"too many watchers for 127.0.0.1 (limit " + WATCHERS + " per client)\"").contains("\"index\":");
        Raw s429 = exchange("127.0.0.1", "/fleet/agent/v1/machines/" + MACHINE + "/schedule?wait=true&waitIndex=1000000");
        assertThat(s429.status).as(s429.text).isEqualTo(429);
        assertThat(s429.text).contains("Retry-After: 5")
                .contains("{\"error\":{\"code\":429,\"message\":\"too many watchers for 127.0.0.1 (limit " + WATCHERS + " per client)\"}}");
        Raw j429 = exchange("127.0.0.1", "/fleet/v1/units/" + UNIT + "/journal?follow=true");
        assertThat(j429.status).as(j429.text).isEqualTo(429);
        assertThat(j429.text).contains("Retry-After: 5")
                .contains("{\"error\":{\"code\":429,\"message\":\"too many journals for 127.0.0.1 (limit " + JOURNALS + " per client)\"}}");
        for (int i = 0; i < EXTRA; i++) {
            open("127.0.0.2", "/v2/keys/flood/other" + i + "?wait=true");
            open("127.0.0.2", "/fleet/v1/units/" + UNIT + "/journal?follow=true");
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> metric("fleet_streams_watchers") == WATCHERS + EXTRA
                && metric("fleet_streams_journals") == JOURNALS + EXTRA);
        Raw w503 = exchange("127.0.0.3", "/v2/keys/flood/over?wait=true");
        assertThat(w503.status).as(w503.text).isEqualTo(503);
        assertThat(w503.text).contains("Retry-After: 5").contains("\"errorCode\":300")
                .contains("\"cause\":\"too many watchers on this node (limit " + (WATCHERS + EXTRA) + ")\"");
        Raw j503 = exchange("127.0.0.3", "/fleet/v1/units/" + UNIT + "/journal");
        assertThat(j503.status).as(j503.text).isEqualTo(503);
        assertThat(j503.text).contains("Retry-After: 5")
                .contains("{\"error\":{\"code\":503,\"message\":\"too many journals on this node (limit " + (JOURNALS + EXTRA) + ")\"}}");
        // refusals hold nothing
        assertThat(metric("fleet_streams_watchers")).isEqualTo(WATCHERS + EXTRA);
        assertThat(metric("fleet_streams_journals")).isEqualTo(JOURNALS + EXTRA);
        log("over the limits: 429 per client and 503 per node on watches, schedule watches and journals, with Retry-After");
    }

    /** For a while under the full flood: a writer PUTs keys, /health is probed every 50 ms, the agent heartbeats. */
    private void servesUnderTheFlood() throws Exception {
        ConcurrentLinkedQueue<Long> healthNanos = new ConcurrentLinkedQueue<>();
        List<String> failures = new CopyOnWriteArrayList<>();
        AtomicInteger writes = new AtomicInteger();
        AtomicInteger heartbeats = new AtomicInteger();
        ScheduledExecutorService probes = Executors.newScheduledThreadPool(3);
        try {
            probes.scheduleAtFixedRate(() -> {
                long s = System.nanoTime();
                try {
                    HttpResponse<String> r = send("GET", "/health", null, null);
                    healthNanos.add(System.nanoTime() - s);
                    if (r.statusCode() != 200) {
                        failures.add("health " + r.statusCode() + " " + r.body());
                    }
                } catch (InterruptedException stopping) {
                    Thread.currentThread().interrupt(); // the probes are being shut down
                } catch (Exception e) {
                    failures.add("health: " + e);
                }
            }, 0, 50, TimeUnit.MILLISECONDS);
            probes.scheduleWithFixedDelay(() -> {
                try {
                    int n = writes.incrementAndGet();
                    HttpResponse<String> r = send("PUT", "/v2/keys/writer/k" + (n % 50), "application/x-www-form-urlencoded", "value=v" + n);
                    if (r.statusCode() != 200 && r.statusCode() != 201) {
                        failures.add("write " + r.statusCode() + " " + r.body());
                    }
                } catch (InterruptedException stopping) {
                    Thread.currentThread().interrupt(); // the probes are being shut down
                } catch (Exception e) {
                    failures.add("write: " + e);
                }
            }, 0, 10, TimeUnit.MILLISECONDS);
            probes.scheduleAtFixedRate(() -> {
                try {
                    int status = heartbeat();
                    heartbeats.incrementAndGet();
                    if (status < 200 || status > 204) {
                        failures.add("heartbeat " + status);
                    }
                } catch (InterruptedException stopping) {
                    Thread.currentThread().interrupt(); // the probes are being shut down
                } catch (Exception e) {
                    failures.add("heartbeat: " + e);
                }
            }, 0, 1, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(60)).until(() -> healthNanos.size() >= 200 || !failures.isEmpty());
        } finally {
            probes.shutdownNow();
            probes.awaitTermination(10, TimeUnit.SECONDS);
        }
        assertThat(failures).isEmpty();
        List<Long> sorted = new ArrayList<>(healthNanos);
        Collections.sort(sorted);
        double p50 = sorted.get(sorted.size() / 2) / 1e6;
        double p99 = sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1) / 1e6;
        double max = sorted.get(sorted.size() - 1) / 1e6;
        log("under %d watchers + %d journals: %d writes ok, %d heartbeats ok, /health x%d p50 %.1f ms p99 %.1f ms max %.1f ms",
                WATCHERS + EXTRA, JOURNALS + EXTRA, writes.get(), heartbeats.get(), sorted.size(), p50, p99, max);
        assertThat(max).as("slowest /health in ms").isLessThan(1000);
        assertThat(heartbeats.get()).isPositive();
        assertThat(metric("fleet_streams_watchers")).isEqualTo(WATCHERS + EXTRA); // the writes woke no watcher
    }

    // ------------------------------------------------------------------ helpers

    private int heartbeat() throws Exception {
        return send("PUT", "/fleet/agent/v1/machines/" + MACHINE, "application/json",
                "{\"session\":\"flood-session\",\"publicIP\":\"127.0.0.1\",\"metadata\":{},\"version\":\"fake\",\"ttl\":60,\"agentPort\":"
                        + agent.port() + "}").statusCode();
    }

    private HttpResponse<String> send(String method, String path, String type, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(url.resolve(path)).timeout(Duration.ofSeconds(10));
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.method(method, HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", type);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private double metric(String name) throws IOException {
        return NodeMetrics.get(url).getOrDefault(name, -1.0);
    }

    /** A long poll from {@code from} that the test holds open (it reads nothing) until it closes the socket. */
    private void open(String from, String path) throws IOException {
        SocketChannel c = SocketChannel.open();
        c.bind(new InetSocketAddress(from, 0));
        c.connect(new InetSocketAddress("127.0.0.1", url.getPort()));
        c.write(ByteBuffer.wrap(request(path, false)));
        clients.add(c);
    }

    private record Raw(int status, String text) { }

    /** One request from {@code from} with Connection: close: the whole answer, headers included. */
    private Raw exchange(String from, String path) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(new InetSocketAddress("127.0.0.1", url.getPort()), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request(path, true));
            String text = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Raw(Integer.parseInt(text.substring(9, 12)), text);
        }
    }

    private byte[] request(String path, boolean close) {
        return ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + url.getPort() + "\r\nAccept: */*\r\n"
                + (close ? "Connection: close\r\n" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }

    /**
     * The agent side of the journals: answers every request with 200 and chunked headers, then sends nothing, and
     * counts the streams open until the node closes them (its read sees the end).
     */
    private static final class SilentAgent implements AutoCloseable {
        final AtomicInteger open = new AtomicInteger();
        private final ServerSocket server = new ServerSocket();
        final List<Socket> accepted = new CopyOnWriteArrayList<>();
        private final Thread acceptor;

        SilentAgent() throws IOException {
            server.bind(new InetSocketAddress("127.0.0.1", 0), 1024);
            acceptor = new Thread(this::accept, "silent-agent");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    accepted.add(s);
                    Thread t = new Thread(() -> serve(s), "silent-agent-stream");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }

        private void serve(Socket s) {
            try (s) {
                InputStream in = s.getInputStream();
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                    int b = in.read();
                    if (b < 0) {
                        return;
                    }
                    head.write(b);
                }
                OutputStream out = s.getOutputStream();
                out.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                open.incrementAndGet();
                try {
                    while (in.read() >= 0) {
                        // nothing is expected; the end of stream is the node closing the journal
                    }
                } finally {
                    open.decrementAndGet();
                }
            } catch (IOException gone) {
                // the node reset the connection: the stream ended all the same
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : accepted) {
                s.close();
            }
        }
    }
}
