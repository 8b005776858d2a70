package dev.fleet.it.cluster;

import dev.fleet.it.api.HttpFuzzer;
import dev.fleet.testkit.FleetCluster;
import dev.fleet.testkit.FleetNodeProcess;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scenario: the HTTP fuzzer of FuzzArqIT spread over the three nodes of a real cluster ({@code bin/fleet-node}
 * processes) for {@code -Dfleet.fuzz.cluster.seconds} (default 30): no 5xx, no HTML; afterwards every node's threads
 * and heap are flat, and every replica reaches the same store index with the same content (the SHA-256 of
 * {@code GET /fleet/admin/v1/store}) and shows the same units, machines and states.
 */
class ClusterFuzzIT {
    private FleetCluster cluster;

    @AfterEach
    void shutdown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aFuzzedClusterStaysUpAndEveryReplicaHoldsTheSameState() throws Exception {
        cluster = FleetCluster.start(ClusterSupport.workDir("cluster-fuzz"), 3);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        List<String> roots = new ArrayList<>();
        for (FleetNodeProcess n : cluster.nodes()) {
            roots.add(n.url().toString().replaceAll("/$", ""));
        }
        long seed = Long.getLong("fleet.fuzz.seed", "true".equals(System.getenv("CI")) ? 20261204L : new SecureRandom().nextLong());
        long seconds = Long.getLong("fleet.fuzz.cluster.seconds", 30);
        ClusterSupport.log("ClusterFuzzIT: seed %d (replay with -Dfleet.fuzz.seed=%d), %d s over %s", seed, seed, seconds, roots);
        List<HttpFuzzer.Vitals> before = new ArrayList<>();
        for (String r : roots) {
            before.add(HttpFuzzer.vitals(http, r));
        }

        HttpFuzzer.Report report = HttpFuzzer.run(http, roots, seed, Duration.ofSeconds(seconds));
        report.print("ClusterFuzzIT");
        assertThat(report.sent()).isPositive();
        assertThat(report.failures()).as("seed " + seed + "; examples: " + report.examples()).isEmpty();

        for (int i = 0; i < roots.size(); i++) {
            HttpFuzzer.Vitals after = HttpFuzzer.vitals(http, roots.get(i));
            ClusterSupport.log("%s vitals: before %s, after %s", roots.get(i), before.get(i), after);
            after.assertFlatSince(before.get(i), roots.get(i));
        }
        // a last write through each node, then every replica at one index with one content
        for (String r : roots) {
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(r + "/v2/keys/after-fuzz"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .PUT(HttpRequest.BodyPublishers.ofString("value=" + r)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).as(put.body()).isBetween(200, 201);
        }
        List<JsonObject> digests = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            digests.clear();
            for (String r : roots) {
                digests.add(json(http, r + "/fleet/admin/v1/store"));
            }
            Set<Long> indexes = new LinkedHashSet<>();
            digests.forEach(d -> indexes.add(d.getJsonNumber("index").longValue()));
            return indexes.size() == 1;
        });
        ClusterSupport.log("replicas: %s", digests);
        Set<String> shas = new LinkedHashSet<>();
        digests.forEach(d -> shas.add(d.getString("sha256")));
        assertThat(shas).as("content fingerprints at index " + digests.get(0).getJsonNumber("index")).hasSize(1);
        for (String path : new String[]{"/fleet/v1/units", "/fleet/v1/machines", "/fleet/v1/state"}) {
            Set<String> bodies = new LinkedHashSet<>();
            for (String r : roots) {
                bodies.add(json(http, r + path).toString());
            }
            assertThat(bodies).as(path + " on every node").hasSize(1);
        }
    }

    private static JsonObject json(HttpClient http, String url) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
        return Json.createReader(new StringReader(r.body())).readObject();
    }
}
