package dev.fleet.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.fleet.agent.config.AgentConfig;
import dev.fleet.agent.control.ControlPlane;
import jakarta.json.JsonObject;
import jakarta.json.spi.JsonProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The agent's wiring against a scripted control plane (the agent API of docs/agent-api.md, on
 * loopback) and the in-memory systemd: registration, the schedule long poll driving passes, state
 * reports with the launched flag, re-registration after a 409, and the purge on shutdown.
 */
class AgentWithFakeControlPlaneTest {

    static final JsonProvider JSON = JsonProvider.provider();
    static final String M = "0123456789abcdef0123456789abcdef";

    @TempDir
    Path tmp;
    HttpServer server;
    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<JsonObject> stateBodies = new CopyOnWriteArrayList<>();
    final AtomicReference<String> units = new AtomicReference<>("[]");
    final AtomicLong index = new AtomicLong(1);

    volatile int statesAnswer = 204;
    final java.util.concurrent.atomic.AtomicInteger conflicts = new java.util.concurrent.atomic.AtomicInteger();
    volatile int registerAnswer = 201;
    volatile boolean slowRegistration;
    Agent agent;
    FakeSystemd systemd;
    /** Why the agent would have exited (its schedule loop dead or stuck), instead of exiting the test JVM. */
    final AtomicReference<String> fatal = new AtomicReference<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/fleet/agent/v1/machines/", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        systemd = new FakeSystemd();
        AgentConfig config = new AgentConfig(List.of(URI.create("http://127.0.0.1:1"), // down: fail over
                URI.create("http://127.0.0.1:" + server.getAddress().getPort())),
                Map.of("region", "eu"), "10.1.2.3", Duration.ofSeconds(3), tmp.resolve("units"), 0, 1);
        agent = new Agent(M, config, systemd, new ControlPlane(config.endpoints()),
                new Log(new PrintStream(new ByteArrayOutputStream()), true));
        agent.loopHealth(LoopHealth.DEFAULT_BOUND, fatal::set);
    }

    @AfterEach
    void stop() {
        agent.close();
        server.stop(0);
        assertThat(fatal.get()).as("the agent found its loop dead").isNull();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        requests.add(ex.getRequestMethod() + " " + path.substring("/fleet/agent/v1/machines/".length()));
        int status;
        String out = "";
        if (path.endsWith("/schedule")) {
            String q = ex.getRequestURI().getQuery();
            long waitIndex = q == null ? -1 : Long.parseLong(q.replaceAll(".*waitIndex=(\\d+).*", "$1"));
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (waitIndex >= 0 && index.get() <= waitIndex && System.nanoTime() < deadline) {
                sleep();
            }
            status = 200;
            out = "{\"machineID\":\"" + M + "\",\"index\":" + index.get() + ",\"metadata\":{\"region\":\"eu\"},\"units\":" + units.get() + "}";
        } else if (path.endsWith("/states")) {
            stateBodies.add(JSON.createReader(new StringReader(body)).readObject());
            status = statesAnswer;
            if (status == 409) {
                conflicts.incrementAndGet();
                statesAnswer = 204; // once
            }
        } else if (ex.getRequestMethod().equals("PUT")) {
            status = registerAnswer;
            registerAnswer = 200;
            if (slowRegistration) {
                sleepMillis(300);
                requests.add("PUT answered");
            }
        } else {
            status = 204;
        }
        byte[] b = out.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, status == 204 ? -1 : b.length);
        if (status != 204) {
            ex.getResponseBody().write(b);
        }
        ex.close();
    }

    private static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void schedule(String unitsJson) {
        units.set(unitsJson);
        index.incrementAndGet();
    }

    @Test
    void registersRunsItsScheduleReportsAndPurgesOnShutdown() {
        agent.start();
        await().atMost(Duration.ofSeconds(10)).until(agent::registered);

        schedule("[{\"name\":\"web.service\",\"hash\":\"x\",\"desiredState\":\"launched\",\"options\":[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\"/bin/sleep 100\"}]}]");
        await().atMost(Duration.ofSeconds(10)).until(() -> lastReport("web.service") != null
                && lastReport("web.service").getString("activeState").equals("active"));
        JsonObject r = lastReport("web.service");
        assertThat(r.getBoolean("launched")).isTrue();
        assertThat(r.getString("subState")).isEqualTo("running");
        assertThat(stateBodies.get(0).getString("session")).isEqualTo(agent.session());
        assertThat(agent.unitsDirectory().scan()).containsOnlyKeys("web.service");

        // desired loaded: stopped, the launched flag withdrawn
        schedule("[{\"name\":\"web.service\",\"hash\":\"x\",\"desiredState\":\"loaded\",\"options\":[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\"/bin/sleep 100\"}]}]");
        await().atMost(Duration.ofSeconds(10)).until(() -> !lastReport("web.service").getBoolean("launched")
                && lastReport("web.service").getString("activeState").equals("inactive"));

        // a 409 on a report (the registration expired) makes the agent register again and re-send everything
        long registrations = requests.stream().filter(q -> q.equals("PUT " + M)).count();
        registerAnswer = 201;
        statesAnswer = 409;
        agent.publisher().republishAll();
        await().atMost(Duration.ofSeconds(10)).until(() -> conflicts.get() == 1);
        int after409 = stateBodies.size();
        await().atMost(Duration.ofSeconds(10)).until(() -> requests.stream().filter(q -> q.equals("PUT " + M)).count() > registrations
                && stateBodies.size() > after409);
        assertThat(stateBodies.get(after409).getJsonArray("states").getJsonObject(0).getString("name")).isEqualTo("web.service");

        agent.shutdownAndPurge();
        assertThat(systemd.calls).contains("stop web.service", "disable [web.service]");
        assertThat(agent.unitsDirectory().scan()).isEmpty();
        assertThat(stateBodies.get(stateBodies.size() - 1).getJsonArray("removed").getString(0)).isEqualTo("web.service");
        assertThat(requests).contains("DELETE " + M);
        assertThat(agent.unitsDirectory().readSession()).isEmpty();
    }

    @Test
    void aRestartedAgentTakesOverItsSessionAndLeavesRunningUnitsAlone() {
        agent.start();
        schedule("[{\"name\":\"web.service\",\"hash\":\"x\",\"desiredState\":\"launched\",\"options\":[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\"/bin/sleep 100\"}]}]");
        await().atMost(Duration.ofSeconds(10)).until(() -> systemd.calls.contains("start web.service"));
        String session = agent.session();
        agent.close(); // a crash: no purge, the session file stays

        systemd.drainCalls();
        Agent again = new Agent(M, agent.config(), systemd, new ControlPlane(agent.config().endpoints()),
                new Log(new PrintStream(new ByteArrayOutputStream()), false));
        again.loopHealth(LoopHealth.DEFAULT_BOUND, fatal::set);
        try {
            again.start();
            assertThat(again.session()).isEqualTo(session);
            index.incrementAndGet();
            await().atMost(Duration.ofSeconds(10)).until(() -> again.reconciler().current().get("web.service") != null
                    && again.reconciler().current().get("web.service").state() == dev.fleet.unit.DesiredState.LAUNCHED);
            assertThat(systemd.calls).doesNotContain("start web.service", "stop web.service");
        } finally {
            again.close();
        }
    }

    @Test
    void aNewLaunchRestartsTheUnitEvenIfTheAgentNeverSawItStop() {
        String launch1 = "[{\"name\":\"web.service\",\"hash\":\"x\",\"desiredState\":\"launched\",\"launch\":1,\"options\":[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\"/bin/sleep 100\"}]}]";
        agent.start();
        schedule(launch1);
        await().atMost(Duration.ofSeconds(10)).until(() -> systemd.calls.contains("start web.service")
                && lastReport("web.service") != null && lastReport("web.service").getInt("launch", 0) == 1);
        systemd.drainCalls();

        // fleet's fleetctl restart set loaded and launched again before this agent looked: it reads launch 2 only
        schedule(launch1.replace("\"launch\":1", "\"launch\":2"));
        await().atMost(Duration.ofSeconds(10)).until(() -> systemd.calls.contains("start web.service"));
        assertThat(systemd.calls).containsSubsequence("stop web.service", "start web.service");
        await().atMost(Duration.ofSeconds(10)).until(() -> lastReport("web.service").getInt("launch", 0) == 2
                && lastReport("web.service").getBoolean("launched"));
        assertThat(agent.reconciler().current().get("web.service").launch()).isEqualTo(2);
    }

    @Test
    void aHeartbeatUnderWayIsAnsweredBeforeTheDeregistration() {
        agent.start();
        await().atMost(Duration.ofSeconds(10)).until(agent::registered);
        slowRegistration = true;
        agent.reconfigure(agent.config()); // a heartbeat now: the control plane takes 300 ms to answer it
        await().atMost(Duration.ofSeconds(10)).until(() -> requests.stream().filter(q -> q.equals("PUT " + M)).count() >= 2);
        agent.shutdownAndPurge();
        assertThat(requests).containsSubsequence("PUT answered", "DELETE " + M);
        assertThat(requests.subList(requests.indexOf("DELETE " + M), requests.size())).doesNotContain("PUT " + M);
    }

    static final String WEB = "[{\"name\":\"web.service\",\"hash\":\"x\",\"desiredState\":\"launched\",\"options\":"
            + "[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\"/bin/sleep 100\"}]}]";

    private long heartbeats() {
        return requests.stream().filter(q -> q.equals("PUT " + M)).count();
    }

    /** An agent of its own, with a short loop-health bound and its log readable. */
    private Agent agentWith(ControlPlane cp, Duration bound, ByteArrayOutputStream log) {
        agent.close();
        Agent a = new Agent(M, agent.config(), systemd, cp, new Log(new PrintStream(log, true), false));
        a.loopHealth(bound, fatal::set);
        agent = a;
        return a;
    }

    @Test
    void aScheduleLoopThatDiesStopsTheHeartbeatsAndEndsTheAgent() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Agent a = agentWith(new ControlPlane(agent.config().endpoints()), Duration.ofMinutes(5), log);
        a.start();
        await().atMost(Duration.ofSeconds(10)).until(a::registered);
        systemd.linkError = new StackOverflowError("a bug in a pass");
        schedule(WEB);
        await().atMost(Duration.ofSeconds(10)).until(() -> fatal.get() != null);
        assertThat(fatal.getAndSet(null)).contains("the schedule loop died").contains("StackOverflowError");
        assertThat(a.registered()).isFalse();
        long after = heartbeats();
        // no heartbeat once the verdict is in: two heartbeat intervals (TTL 3 s / 3) with none
        await().during(Duration.ofMillis(2_500)).atMost(Duration.ofSeconds(4)).until(() -> heartbeats() == after);
        assertThat(log.toString()).contains("heartbeats stopped").contains("exiting 70");
    }

    @Test
    void aPresenceLoopThatDiesEndsTheAgentToo() {
        // an Error on the presence thread, where it logs its registration
        PrintStream failing = new PrintStream(new ByteArrayOutputStream(), true) {
            @Override
            public void println(String x) {
                if (x.contains("registered as")) {
                    throw new AssertionError("a bug on the presence thread");
                }
            }
        };
        agent.close();
        agent = new Agent(M, agent.config(), systemd, new ControlPlane(agent.config().endpoints()), new Log(failing, false));
        agent.loopHealth(Duration.ofMinutes(5), fatal::set);
        agent.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> fatal.get() != null);
        assertThat(fatal.getAndSet(null)).contains("the presence loop died").contains("a bug on the presence thread");
    }

    @Test
    void aPassStuckBeyondTheBoundStopsTheHeartbeatsAndEndsTheAgent() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Agent a = agentWith(new ControlPlane(agent.config().endpoints()), Duration.ofMillis(1_500), log);
        java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
        systemd.startGate = gate;
        try {
            a.start();
            await().atMost(Duration.ofSeconds(10)).until(a::registered);
            schedule(WEB);
            await().atMost(Duration.ofSeconds(10)).until(() -> fatal.get() != null);
            assertThat(fatal.getAndSet(null)).contains("a reconcile pass has been running");
            long after = heartbeats();
            await().during(Duration.ofMillis(2_500)).atMost(Duration.ofSeconds(4)).until(() -> heartbeats() == after);
        } finally {
            gate.countDown();
        }
    }

    @Test
    void aQuietScheduleIsNotAStuckLoop() {
        // long polls that end unchanged (2 s here) are signs of life: 3 s bound, 6 s of an unchanged schedule
        Agent a = agentWith(new ControlPlane(agent.config().endpoints()), Duration.ofSeconds(3), new ByteArrayOutputStream());
        a.start();
        await().atMost(Duration.ofSeconds(10)).until(a::registered);
        long before = heartbeats();
        await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(8)).until(() -> fatal.get() == null);
        assertThat(heartbeats()).isGreaterThan(before + 3);
    }

    @Test
    void aScheduleOverTheLimitsKeepsTheUnitsAsTheyAreAndIsReadAgainLater() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Agent a = agentWith(new ControlPlane(agent.config().endpoints(), 64 * 1024, 3), Duration.ofMinutes(5), log);
        a.start();
        schedule(WEB);
        await().atMost(Duration.ofSeconds(10)).until(() -> systemd.calls.contains("start web.service"));
        systemd.drainCalls();

        // 100 units: over the unit limit (and the byte limit once their values are long)
        StringBuilder many = new StringBuilder("[");
        for (int i = 0; i < 100; i++) {
            many.append(i == 0 ? "" : ",").append("{\"name\":\"u").append(i).append(".service\",\"hash\":\"x\",\"desiredState\":\"launched\",")
                    .append("\"options\":[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\"/bin/sleep ").append("1".repeat(1000)).append("\"}]}");
        }
        schedule(many.append("]").toString());
        await().atMost(Duration.ofSeconds(10)).until(() -> log.toString().contains("schedule refused: schedule over 65536 bytes"));
        long heartbeats = heartbeats();
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> systemd.calls.isEmpty());
        assertThat(a.unitsDirectory().scan()).containsOnlyKeys("web.service");
        assertThat(heartbeats()).as("still registered and heartbeating").isGreaterThan(heartbeats);
        assertThat(log.toString().split("schedule refused", -1)).as("one line, not one per retry").hasSize(2);

        // four small units: under the byte limit, over the unit limit
        schedule(WEB.substring(0, WEB.length() - 1) + ",{\"name\":\"b.service\",\"desiredState\":\"loaded\",\"options\":[]},"
                + "{\"name\":\"c.service\",\"desiredState\":\"loaded\",\"options\":[]},{\"name\":\"d.service\",\"desiredState\":\"loaded\",\"options\":[]}]");
        await().atMost(Duration.ofSeconds(10)).until(() -> log.toString().contains("schedule of 4 units, over the limit of 3"));

        schedule(WEB.replace("web.service", "next.service"));
        await().atMost(Duration.ofSeconds(10)).until(() -> systemd.calls.contains("start next.service"));
        assertThat(fatal.get()).isNull();
    }

    private JsonObject lastReport(String name) {
        JsonObject last = null;
        for (JsonObject b : stateBodies) {
            for (var v : b.getJsonArray("states")) {
                if (v.asJsonObject().getString("name").equals(name)) {
                    last = v.asJsonObject();
                }
            }
        }
        return last;
    }
}
