package dev.fleet.it.cluster;

import dev.fleet.schema.PageTokens;
import dev.fleet.testkit.FleetCluster;
import dev.fleet.testkit.FleetNodeProcess;
import dev.fleet.testkit.NodeMetrics;
import dev.fleet.testkit.Ports;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.fleet.it.cluster.ClusterSupport.log;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * fleet's tuning knobs on real nodes started by bin/fleet-node: {@code token_limit} sets the page size and the token
 * check, {@code disable_engine} leaves a launched unit unscheduled although an agent is registered, {@code agent_ttl}
 * is the TTL of a registration that gives none, {@code engine_reconcile_interval} sets how often an idle engine
 * passes. The file, FLEET_* and options are merged by the script (the command line wins); bad values exit 2 before
 * Payara starts. Two single-member nodes, booted at once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeKnobsIT {
    private static final String OPTIONS = "[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\"/bin/sleep 1000\"}]";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Path work;
    private FleetNodeProcess quiet; // disable_engine, token_limit 3, agent_ttl 20s (from fleet.conf and options)
    private FleetNodeProcess fast;  // engine_reconcile_interval 0.2

    @BeforeAll
    void boot() throws Exception {
        work = ClusterSupport.workDir("node-knobs");
        Path conf = work.resolve("fleet.conf");
        Files.writeString(conf, """
                # a fleet.conf as fleetd users write it; the etcd and agent keys are not the node's and are ignored
                etcd_servers=["http://127.0.0.1:2379"]
                metadata="role=control"
                ; the command line's --token-limit=3 wins over this
                token_limit = 50
                disable_engine='true'
                agent_ttl="20s"
                """);
        Path root = FleetCluster.repositoryRoot();
        quiet = new FleetNodeProcess(root, "quiet", Ports.free(), Ports.free(100), work.resolve("quiet"),
                List.of("--config=" + conf, "--token-limit=3"));
        fast = new FleetNodeProcess(root, "fast", Ports.free(), Ports.free(100), work.resolve("fast"),
                List.of("--engine-reconcile-interval=0.2"));
        quiet.start();
        fast.start();
        quiet.awaitReady(FleetCluster.BOOT_TIMEOUT);
        fast.awaitReady(FleetCluster.BOOT_TIMEOUT);
        log("knob nodes ready: quiet %s, fast %s", quiet.url(), fast.url());
    }

    @AfterAll
    void shutdown() throws InterruptedException {
        for (FleetNodeProcess n : new FleetNodeProcess[]{quiet, fast}) {
            if (n != null) {
                n.stop();
            }
        }
    }

    @Test
    @Order(1)
    void badValuesExitTwoNamingTheKeyBeforePayaraStarts() throws Exception {
        Path conf = work.resolve("bad.conf");
        Files.writeString(conf, "disable_engine=maybe\n");
        assertRefused(Map.of(), List.of("--token-limit=0"), "fleet-node: token_limit 0 is outside 1..10000");
        assertRefused(Map.of("FLEET_ENGINE_RECONCILE_INTERVAL", "0"), List.of(),
                "fleet-node: engine_reconcile_interval 0 is outside 0.1..600 seconds");
        assertRefused(Map.of(), List.of("--config=" + conf), "fleet-node: disable_engine 'maybe' is not a boolean");
        assertRefused(Map.of(), List.of("--config=" + work.resolve("missing.conf")), "no such file");
        assertRefused(Map.of(), List.of("--agent-ttl=forever"), "fleet-node: agent_ttl 'forever' is not a duration");
        // precedence, file < FLEET_* < options, as the node would get it
        Files.writeString(conf, "token_limit=10\nagent_ttl=10s\nengine_reconcile_interval=3\n");
        Run r = fleetNode(Map.of("FLEET_TOKEN_LIMIT", "20", "FLEET_AGENT_TTL", "15s"),
                List.of("--config=" + conf, "--token-limit=30", "--check-config"));
        assertThat(r.status).as(r.output).isZero();
        assertThat(r.output.strip()).isEqualTo("engine_reconcile_interval=3s disable_engine=false token_limit=30 agent_ttl=15s");
    }

    @Test
    @Order(2)
    void listingsComeInPagesOfTheConfiguredTokenLimit() throws Exception {
        for (int i = 0; i < 7; i++) {
            assertThat(put(quiet, "/fleet/v1/units/page" + i + ".service", "{\"options\":" + OPTIONS + "}").statusCode()).isEqualTo(201);
        }
        List<Integer> sizes = new ArrayList<>();
        String token = null;
        do {
            HttpResponse<String> r = get(quiet, "/fleet/v1/units" + (token == null ? "" : "?nextPageToken=" + token));
            assertThat(r.statusCode()).isEqualTo(200);
            JsonObject page = json(r.body());
            sizes.add(page.getJsonArray("units").size());
            token = page.containsKey("nextPageToken") ? page.getString("nextPageToken") : null;
            if (sizes.size() == 1) {
                assertThat(PageTokens.decode(token)).isEqualTo(new PageTokens.Token(3, 2));
            }
        } while (token != null && sizes.size() < 10);
        assertThat(sizes).containsExactly(3, 3, 1);
        HttpResponse<String> bad = get(quiet, "/fleet/v1/units?nextPageToken=" + PageTokens.encode(100, 2));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad.body()).getJsonObject("error").getString("message")).isEqualTo("token limit must be 3");
        // the other node keeps fleet's 100
        HttpResponse<String> other = get(fast, "/fleet/v1/units?nextPageToken=" + PageTokens.encode(3, 2));
        assertThat(json(other.body()).getJsonObject("error").getString("message")).isEqualTo("token limit must be 100");
        log("token_limit 3: pages %s, a limit-100 token refused", sizes);
    }

    @Test
    @Order(3)
    void withDisableEngineALaunchedUnitStaysUnscheduledAndRegistrationsTakeTheAgentTtl() throws Exception {
        assertThat(put(quiet, "/fleet/agent/v1/machines/m1", "{\"session\":\"s1\",\"publicIP\":\"10.0.0.1\"}").statusCode())
                .isEqualTo(201);
        long registered = System.nanoTime(); // /_fleet is not readable through /v2/keys: the TTL shows as the expiry below
        assertThat(put(quiet, "/fleet/v1/units/idle.service", "{\"desiredState\":\"launched\",\"options\":" + OPTIONS + "}")
                .statusCode()).isEqualTo(201);
        Thread.sleep(4000); // four default ticks, and the changes themselves would have started passes
        JsonObject unit = json(get(quiet, "/fleet/v1/units/idle.service").body());
        assertThat(unit.containsKey("machineID")).as(unit.toString()).isFalse();
        assertThat(json(get(quiet, "/fleet/agent/v1/machines/m1/schedule").body()).toString()).doesNotContain("idle.service");
        Map<String, Double> m = NodeMetrics.get(quiet.url());
        assertThat(m).containsEntry("fleet_engine_reconcile_count_total", 0.0).containsEntry("fleet_engine_disabled", 1.0)
                .containsEntry("fleet_engine_leader", 0.0);
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(quiet.dataDir().resolve("node.log"))
                .contains("has disable_engine: nothing is scheduled or moved while it leads"));
        // no heartbeat: the registration ends after agent_ttl (20 s), well before fleet's default 30 s
        assertThat(get(quiet, "/fleet/v1/machines").body()).contains("\"m1\"");
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(250))
                .until(() -> !get(quiet, "/fleet/v1/machines").body().contains("\"m1\""));
        double gone = (System.nanoTime() - registered) / 1e9;
        assertThat(gone).as("registration expired after %.1f s", gone).isBetween(18.0, 27.0);
        log("disable_engine: idle.service unscheduled, 0 passes, the leader warns; registration TTL 20 s from agent_ttl");
    }

    @Test
    @Order(4)
    void anIdleEnginePassesEveryReconcileInterval() throws Exception {
        assertThat(put(fast, "/fleet/agent/v1/machines/m1", "{\"session\":\"s1\",\"publicIP\":\"10.0.0.1\",\"ttl\":60}").statusCode())
                .isEqualTo(201);
        assertThat(put(fast, "/fleet/v1/units/busy.service", "{\"desiredState\":\"launched\",\"options\":" + OPTIONS + "}")
                .statusCode()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(15)).until(() -> "m1".equals(json(get(fast, "/fleet/v1/units/busy.service").body())
                .getString("machineID", null)));
        Thread.sleep(1000); // let the passes the changes started settle
        double before = NodeMetrics.get(fast.url()).get("fleet_engine_reconcile_count_total");
        long t0 = System.nanoTime();
        Thread.sleep(3000);
        double after = NodeMetrics.get(fast.url()).get("fleet_engine_reconcile_count_total");
        double secs = (System.nanoTime() - t0) / 1e9;
        log("engine_reconcile_interval 0.2: %.0f passes in %.1f s while idle", after - before, secs);
        // every 0.2 s gives ~15; the default (1 s) could give at most 4
        assertThat(after - before).isGreaterThanOrEqualTo(8);
        assertThat(NodeMetrics.get(fast.url())).containsEntry("fleet_engine_disabled", 0.0).containsEntry("fleet_engine_leader", 1.0);
    }

    // ------------------------------------------------------------------ helpers

    private record Run(int status, String output) {
    }

    private Run fleetNode(Map<String, String> env, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(FleetCluster.repositoryRoot().resolve("bin/fleet-node").toString());
        cmd.add("--data-dir=" + work.resolve("refused"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bin/fleet-node " + args + " did not exit");
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private void assertRefused(Map<String, String> env, List<String> args, String message) throws Exception {
        Run r = fleetNode(env, args);
        assertThat(r.status).as(r.output).isEqualTo(2);
        assertThat(r.output).contains(message).doesNotContain("Exception").doesNotContain("starting");
        assertThat(r.output.lines().count()).as(r.output).isEqualTo(1);
    }

    private HttpResponse<String> get(FleetNodeProcess n, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(n.url() + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> put(FleetNodeProcess n, String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(n.url() + path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonObject json(String s) {
        return Json.createReader(new StringReader(s)).readObject();
    }
}
