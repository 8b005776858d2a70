package dev.fleet.it.cli;

import dev.fleet.testkit.FleetCluster;
import dev.fleet.testkit.Ports;
import dev.fleet.testkit.SimulatedMachine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real {@code bin/fleetctl}, run as a process, against one real node ({@code bin/fleet-node}) with one
 * simulated machine ({@code cli-m1}, 10.9.0.1, role=web) that follows its schedule and reports unit states.
 * Steps run in order and share the node.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetctlCliIT {
    private static final String LEGEND = "cli-m1.../10.9.0.1";

    private FleetCluster cluster;
    private SimulatedMachine.Pool pool;
    private SimulatedMachine machine;
    private Path root;
    private Path units;
    private String endpoint;
    private FakeAgent agent;
    private java.net.ServerSocket silentAgent;

    record Result(int code, String out, String err) {
    }

    @BeforeAll
    void boot() throws Exception {
        Path work = Path.of(System.getProperty("fleet.test.work", "target/it-work")).resolve("fleetctl-" + System.currentTimeMillis());
        Files.createDirectories(work);
        units = Files.createDirectories(work.resolve("units"));
        cluster = FleetCluster.start(work, 1);
        root = FleetCluster.repositoryRoot();
        endpoint = cluster.clientUrls().get(0).toString();
        pool = new SimulatedMachine.Pool();
        machine = SimulatedMachine.builder(pool, "cli-m1", cluster.clientUrls()).publicIP("10.9.0.1")
                .metadata(Map.of("role", "web")).ttlSeconds(10).start();
        machine.registered().get(60, TimeUnit.SECONDS);
    }

    @AfterAll
    void shutdown() throws IOException {
        if (agent != null) {
            agent.close();
        }
        if (silentAgent != null) {
            silentAgent.close();
        }
        if (machine != null) {
            machine.crash();
        }
        if (pool != null) {
            pool.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    Result fleetctl(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(root.resolve("bin/fleetctl").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(units.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("FLEETCTL_"));
        pb.environment().putAll(env);
        Path out = Files.createTempFile(units.getParent(), "out", ".txt");
        Path err = Files.createTempFile(units.getParent(), "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("fleetctl " + args + " did not finish");
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        System.out.printf("[fleetctl-it] fleetctl %s -> %d%n%s%s", String.join(" ", args), r.code, r.out, r.err);
        return r;
    }

    Result fleetctl(String... args) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("--endpoint=" + endpoint));
        all.addAll(List.of(args));
        return fleetctl(Map.of(), all.toArray(String[]::new));
    }

    @Test
    @Order(1)
    void helpVersionAndBadFlags() throws Exception {
        Result none = fleetctl(Map.of());
        assertThat(none.code).isZero();
        assertThat(none.out).contains("list-unit-files").contains("--endpoint");
        for (String h : List.of("help", "--help", "-h")) {
            assertThat(fleetctl(Map.of(), h).out).isEqualTo(none.out);
        }
        assertThat(fleetctl(Map.of(), "version").out).isEqualTo("fleetctl version 0.1.0\n");
        Result bad = fleetctl("list-units", "--bogus");
        assertThat(bad.code).isEqualTo(2);
        assertThat(bad.err).contains("Unknown option: '--bogus'");
        Result badFields = fleetctl("list-unit-files", "--fields=unit,nope");
        assertThat(badFields.code).isEqualTo(1);
        assertThat(badFields.err).isEqualTo("Invalid key in output format: \"nope\"\n");
        Result scheme = fleetctl(Map.of(), "--endpoint=unix:///var/run/fleet.sock", "list-units");
        assertThat(scheme.code).isEqualTo(1);
        assertThat(scheme.err).startsWith("Unable to initialize client: ");
    }

    @Test
    @Order(2)
    void listMachinesAndFailover() throws Exception {
        String expected = "MACHINE\t\tIP\t\tMETADATA\ncli-m1...\t10.9.0.1\trole=web\n";
        Result r = fleetctl("list-machines");
        assertThat(r.code).isZero();
        assertThat(r.out).isEqualTo(expected);
        assertThat(fleetctl("list-m", "--no-legend", "-l", "--fields=ip,machine").out).isEqualTo("10.9.0.1\tcli-m1\n");
        int dead = Ports.free();
        Result failover = fleetctl(Map.of(), "--endpoint=http://127.0.0.1:" + dead + "," + endpoint, "list-machines");
        assertThat(failover.code).isZero();
        assertThat(failover.out).isEqualTo(expected);
        // the environment gives the endpoint; the command line wins over it
        assertThat(fleetctl(Map.of("FLEETCTL_ENDPOINT", endpoint), "list-machines").out).isEqualTo(expected);
        assertThat(fleetctl(Map.of("FLEETCTL_ENDPOINT", "http://127.0.0.1:" + dead), "--endpoint=" + endpoint,
                "list-machines").out).isEqualTo(expected);
        Result down = fleetctl(Map.of("FLEETCTL_ENDPOINT", "http://127.0.0.1:" + dead), "list-machines");
        assertThat(down.code).isEqualTo(1);
        assertThat(down.err).startsWith("Error retrieving list of active machines from fleet API");
    }

    @Test
    @Order(3)
    void submitStartStopDestroy() throws Exception {
        Path hello = units.resolve("hello.service");
        Files.writeString(hello, "[Unit]\nDescription=Hello\n\n[Service]\nExecStart=/bin/sleep 1000\n");
        Result submit = fleetctl("submit", "hello");
        assertThat(submit.code).isZero();
        assertThat(submit.out).isEqualTo("Unit hello.service inactive\n");
        Result start = fleetctl("start", "--block-attempts=30", "hello.service");
        assertThat(start.code).isZero();
        assertThat(start.out).isEqualTo("Unit hello.service launched on " + LEGEND + "\n");
        Result cat = fleetctl("cat", "hello");
        assertThat(cat.out).isEqualTo("[Unit]\nDescription=Hello\n\n[Service]\nExecStart=/bin/sleep 1000\n");
        String hash = dev.fleet.unit.UnitFile.parse(Files.readString(hello)).shortHash();
        assertThat(fleetctl("list-unit-files").out).isEqualTo(
                "UNIT\t\tHASH\tDSTATE\t\tSTATE\t\tTARGET\nhello.service\t" + hash + "\tlaunched\tlaunched\t" + LEGEND + "\n");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(fleetctl("list-units").out).isEqualTo(
                "UNIT\t\tMACHINE\t\t\tACTIVE\tSUB\nhello.service\t" + LEGEND + "\tactive\trunning\n"));
        assertThat(fleetctl("list-units", "--no-legend", "--fields=unit,load,hash").out)
                .isEqualTo("hello.service\tloaded\t" + hash + "\n");
        Result json = fleetctl("list-unit-files", "--output=json");
        assertThat(json.out).contains("\"units\"").contains("\"desiredState\": \"launched\"").contains("\"machineID\": \"cli-m1\"");

        Result restart = fleetctl("restart", "--block-attempts=30", "hello");
        assertThat(restart.code).isZero();
        assertThat(restart.out).isEqualTo("Unit hello.service loaded on " + LEGEND + "\nUnit hello.service launched on " + LEGEND + "\n");

        Result stop = fleetctl("stop", "--block-attempts=30", "hello");
        assertThat(stop.code).isZero();
        assertThat(stop.out).isEqualTo("Unit hello.service loaded on " + LEGEND + "\n");
        assertThat(stop.err).isEqualTo("Successfully stopped units [hello.service].\n");
        Result unload = fleetctl("unload", "--block-attempts=30", "hello");
        assertThat(unload.code).isZero();
        assertThat(unload.out).isEqualTo("Unit hello.service inactive\n");
        Result stopInactive = fleetctl("stop", "hello");
        assertThat(stopInactive.code).isEqualTo(1);
        assertThat(stopInactive.err).isEqualTo("Unable to stop unit hello.service in state inactive\n");
        Result destroy = fleetctl("destroy", "hello");
        assertThat(destroy.code).isZero();
        assertThat(destroy.out).isEqualTo("Destroyed hello.service\n");
        Result again = fleetctl("destroy", "hello");
        assertThat(again.code).isZero();
        assertThat(again.err).isEqualTo("Units not found in registry\n");
        Result catGone = fleetctl("cat", "hello");
        assertThat(catGone.code).isEqualTo(1);
        assertThat(catGone.err).isEqualTo("Unit hello.service not found\n");
    }

    @Test
    @Order(4)
    void templateInstanceAndReplace() throws Exception {
        Files.writeString(units.resolve("web@.service"), "[Service]\nExecStart=/bin/web %i\n");
        Result load = fleetctl("load", "--block-attempts=30", "web@1");
        assertThat(load.code).isZero();
        assertThat(load.out).isEqualTo("Unit web@1.service inactive\nUnit web@1.service loaded on " + LEGEND + "\n");
        Files.writeString(units.resolve("web@.service"), "[Service]\nExecStart=/bin/web2 %i\n");
        Result warn = fleetctl("submit", "web@1");
        assertThat(warn.err).isEqualTo("WARNING: Unit web@1.service in registry differs from local unit file web@1.service."
                + " Add --replace to override.\n");
        Result replaced = fleetctl("start", "--replace", "--block-attempts=30", "web@1");
        assertThat(replaced.code).isZero();
        assertThat(replaced.out).isEqualTo("Unit web@1.service inactive\nUnit web@1.service launched on " + LEGEND + "\n");
        assertThat(fleetctl("cat", "web@1").out).contains("/bin/web2 %i");
        assertThat(fleetctl("destroy", "web@1").out).isEqualTo("Destroyed web@1.service\n");
        Result missing = fleetctl("submit", "api@2");
        assertThat(missing.code).isEqualTo(1);
        assertThat(missing.err).isEqualTo("Error creating units: unable to find template Unit(api@.service) in Registry or on filesystem\n");
    }

    @Test
    @Order(5)
    void unplaceableStartShowsTheReasonAndGivesUp() throws Exception {
        Files.writeString(units.resolve("db.service"), "[Service]\nExecStart=/bin/db\n\n[X-Fleet]\nMachineMetadata=role=db\n");
        long t0 = System.nanoTime();
        Result r = fleetctl("start", "--block-attempts=3", "db");
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(r.code).isEqualTo(3);
        assertThat(r.out).isEqualTo("Unit db.service inactive\n");
        assertThat(r.err).contains("Unit db.service is not placed: ")
                .contains("Error waiting for unit states, exit status: unit db.service could not be placed: ");
        assertThat(seconds).isLessThan(30);
        Result listed = fleetctl("list-unit-files", "--no-legend", "--fields=unit,dstate,state,target");
        assertThat(listed.out).isEqualTo("db.service\tlaunched\tinactive\t-\n");
        assertThat(fleetctl("destroy", "db").out).isEqualTo("Destroyed db.service\n");
    }

    static java.net.http.HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                .timeout(Duration.ofSeconds(30)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    static jakarta.json.JsonObject json(String body) {
        return jakarta.json.Json.createReader(new java.io.StringReader(body)).readObject();
    }

    /** Kills a started bin/fleetctl and whatever it started (the script may run java as a child), by PID. */
    static void kill(Process p) throws InterruptedException {
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    @Test
    @Order(6)
    void statusAndJournalComeFromTheUnitsAgentWithoutSsh() throws Exception {
        agent = new FakeAgent("cli-agent", java.net.URI.create(endpoint)).start();
        for (int i = 1; i <= 5; i++) {
            agent.log("log line " + i);
        }
        Files.writeString(units.resolve("svc.service"),
                "[Unit]\nDescription=Svc\n\n[Service]\nExecStart=/bin/svc\n\n[X-Fleet]\nMachineID=cli-agent\n");
        Result start = fleetctl("start", "--block-attempts=30", "svc");
        assertThat(start.code).isZero();
        assertThat(start.out).isEqualTo("Unit svc.service inactive\nUnit svc.service launched on cli-agen.../127.0.0.1\n");

        // the API: the agent's JSON per machine, and systemd's Result and InvocationID in API v1's states
        var status = get(endpoint + "/fleet/v1/units/svc.service/status");
        assertThat(status.statusCode()).isEqualTo(200);
        var entry = json(status.body()).getJsonArray("statuses").getJsonObject(0);
        assertThat(entry.getString("machineID")).isEqualTo("cli-agent");
        assertThat(entry.getString("text")).startsWith("● svc.service - Fake\n");
        assertThat(entry.getJsonObject("properties").getString("ActiveState")).isEqualTo("active");
        var state = json(get(endpoint + "/fleet/v1/state?unitName=svc.service").body()).getJsonArray("states").getJsonObject(0);
        assertThat(state.getString("systemdResult")).isEqualTo("success");
        assertThat(state.getString("systemdInvocationID")).isEqualTo(agent.invocationId);
        assertThat(get(endpoint + "/fleet/v1/units/nope.service/status").statusCode()).isEqualTo(404);
        assertThat(get(endpoint + "/fleet/v1/units/svc.service/journal?lines=10001").statusCode()).isEqualTo(400);
        assertThat(get(endpoint + "/fleet/v1/units/svc.service").statusCode()).isEqualTo(200); // the unit itself still routes

        Result st = fleetctl("status", "svc");
        assertThat(st.code).isZero();
        assertThat(st.out).isEqualTo("● svc.service - Fake\n     Loaded: loaded (/run/fleet/units/svc.service)\n"
                + "     Active: active (running)\n");
        Result stJson = fleetctl("status", "--output=json", "svc");
        assertThat(stJson.code).isZero();
        assertThat(json(stJson.out).getJsonArray("statuses").getJsonObject(0).getJsonObject("properties")
                .getString("InvocationID")).isEqualTo(agent.invocationId);
        Result missing = fleetctl("status", "nope");
        assertThat(missing.code).isEqualTo(1);
        assertThat(missing.err).isEqualTo("Unit nope.service does not exist.\n");

        Result tail = fleetctl("journal", "-n", "2", "svc");
        assertThat(tail.code).isZero();
        assertThat(tail.out).isEqualTo("log line 4\nlog line 5\n");

        // journal -f: lines appear as the agent writes them; killing fleetctl closes the agent's stream too
        List<String> cmd = List.of(root.resolve("bin/fleetctl").toString(), "--endpoint=" + endpoint, "journal", "-f", "--lines=1", "svc");
        Process follow = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        StringBuffer seen = new StringBuffer();
        Thread reader = new Thread(() -> {
            try (var in = follow.getInputStream()) {
                byte[] buf = new byte[4096];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException ignored) {
                // the process was killed
            }
        });
        reader.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> seen.toString().equals("log line 5\n"));
            long t0 = System.nanoTime();
            agent.log("log line 6");
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                    .until(() -> seen.toString().equals("log line 5\nlog line 6\n"));
            System.out.printf("[fleetctl-it] journal -f: a new line reached fleetctl's stdout after %d ms%n",
                    (System.nanoTime() - t0) / 1_000_000);
            assertThat(follow.isAlive()).isTrue();
            assertThat(agent.followersOpen.get()).isEqualTo(1);
        } finally {
            kill(follow);
        }
        reader.join(10_000);
        // the node notices the user is gone at its next write and closes the agent's connection
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            agent.log("after the user left");
            assertThat(agent.followersGone.get()).isEqualTo(1);
            assertThat(agent.followersOpen.get()).isZero();
        });
    }

    @Test
    @Order(7)
    void anAgentThatDoesNotAnswerIsAnErrorEntryNotAHang() throws Exception {
        silentAgent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress()); // accepts, never answers
        String session = "silent-" + System.nanoTime();
        var http = java.net.http.HttpClient.newHttpClient();
        var reg = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(endpoint + "/fleet/agent/v1/machines/cli-silent"))
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"session\":\"" + session + "\",\"publicIP\":\"127.0.0.1\","
                        + "\"ttl\":120,\"agentPort\":" + silentAgent.getLocalPort() + "}"))
                .header("Content-Type", "application/json").build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(reg.statusCode()).isEqualTo(201);
        try {
            Files.writeString(units.resolve("mute.service"), "[Service]\nExecStart=/bin/mute\n\n[X-Fleet]\nMachineID=cli-silent\n");
            assertThat(fleetctl("start", "--no-block", "mute").code).isZero();
            await().atMost(Duration.ofSeconds(30)).until(() -> get(endpoint + "/fleet/v1/units/mute.service").body()
                    .contains("\"machineID\":\"cli-silent\""));
            long t0 = System.nanoTime();
            var api = get(endpoint + "/fleet/v1/units/mute.service/status");
            double apiSeconds = (System.nanoTime() - t0) / 1e9;
            assertThat(api.statusCode()).isEqualTo(200);
            var entry = json(api.body()).getJsonArray("statuses").getJsonObject(0);
            assertThat(entry.getString("machineID")).isEqualTo("cli-silent");
            assertThat(entry.getString("error")).contains("did not answer");
            t0 = System.nanoTime();
            Result st = fleetctl("--request-timeout=10", "status", "mute");
            double cliSeconds = (System.nanoTime() - t0) / 1e9;
            assertThat(st.code).isEqualTo(1);
            assertThat(st.err).startsWith("Error: unit mute.service on cli-sile.../127.0.0.1: agent at http://127.0.0.1:")
                    .contains("did not answer");
            System.out.printf("[fleetctl-it] silent agent: API answered in %.2f s, fleetctl status in %.2f s%n", apiSeconds, cliSeconds);
            assertThat(apiSeconds).isLessThan(8);
            Result journal = fleetctl("--request-timeout=10", "journal", "mute");
            assertThat(journal.code).isEqualTo(1);
            assertThat(journal.err).startsWith("Unable to retrieve journal of unit mute.service: machine cli-silent: ");
            assertThat(fleetctl("destroy", "mute").code).isZero();
        } finally {
            http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(endpoint + "/fleet/agent/v1/machines/cli-silent?session="
                    + session)).DELETE().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    @Order(8)
    void whyPrintsTheEnginesReasonOrTheStateOnEachMachine() throws Exception {
        Files.writeString(units.resolve("nowhere.service"), "[Service]\nExecStart=/bin/x\n\n[X-Fleet]\nMachineMetadata=role=nowhere\n");
        assertThat(fleetctl("start", "--no-block", "nowhere").code).isZero();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Result why = fleetctl("why", "nowhere");
            assertThat(why.code).isZero();
            assertThat(why.out).startsWith("Unit nowhere.service is not placed: ").contains("role=nowhere");
        });
        Result running = fleetctl("why", "svc");
        assertThat(running.out).isEqualTo("Unit svc.service: desired launched, current launched, on cli-agen.../127.0.0.1\n"
                + "  cli-agen.../127.0.0.1: loaded active running, result success\nUnit svc.service is running as desired.\n");
        var status = json(get(endpoint + "/fleet/v1/units/nowhere.service/status").body());
        assertThat(status.getJsonArray("statuses")).isEmpty();
        assertThat(status.getString("reason")).contains("role=nowhere");
        Result st = fleetctl("status", "nowhere");
        assertThat(st.code).isEqualTo(1);
        assertThat(st.err).startsWith("Unit nowhere.service does not appear to be loaded. It is not placed: ");
        assertThat(fleetctl("destroy", "nowhere", "svc").code).isZero();
    }
}
