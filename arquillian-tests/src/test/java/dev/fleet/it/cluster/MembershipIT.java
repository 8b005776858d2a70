package dev.fleet.it.cluster;

import dev.fleet.testkit.EtcdV2Client;
import dev.fleet.testkit.FleetCluster;
import dev.fleet.testkit.FleetNodeProcess;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static dev.fleet.it.cluster.ClusterSupport.client;
import static dev.fleet.it.cluster.ClusterSupport.log;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scenario: membership changes at run time, without restarting the cluster. A fourth node joins through
 * {@code --join} and receives the whole state; two members are then removed and no longer count towards
 * the majority.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MembershipIT {
    private FleetCluster cluster;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void boot() throws Exception {
        cluster = FleetCluster.start(ClusterSupport.workDir("membership"), 3);
    }

    @AfterAll
    void shutdown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private List<String> memberNames(FleetNodeProcess asked) throws IOException {
        JsonObject list = client(asked).getJson("/v2/members");
        return list.getJsonArray("members").stream().map(v -> v.asJsonObject().getString("name")).sorted().toList();
    }

    @Test
    @Order(1)
    void aMemberAddedAtRunTimeReceivesTheState() throws Exception {
        FleetNodeProcess n1 = cluster.node("n1");
        for (int i = 0; i < 50; i++) {
            assertThat(client(n1).put("/members/before-join/" + i, "v" + i).isSuccess()).isTrue();
        }
        FleetNodeProcess n4 = cluster.join("n4", cluster.node("n2"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (int i = 0; i < 50; i++) {
                assertThat(client(n4).get("/members/before-join/" + i).value()).isEqualTo("v" + i);
            }
        });
        for (FleetNodeProcess n : cluster.nodes()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> memberNames(n).equals(List.of("n1", "n2", "n3", "n4")));
        }
        // the new member takes writes, and they reach the others
        assertThat(client(n4).put("/members/via-n4", "hello").isSuccess()).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> "hello".equals(client(n1).get("/members/via-n4").value()));
        JsonObject listed = client(n1).getJson("/v2/members").getJsonArray("members").stream()
                .map(v -> v.asJsonObject()).filter(m -> m.getString("name").equals("n4")).findFirst().orElseThrow();
        assertThat(listed.getJsonArray("clientURLs").getString(0)).isEqualTo(n4.url().toString());
        log("n4 joined at run time and caught up");
    }

    @Test
    @Order(2)
    void removedMembersStopVoting() throws Exception {
        // remove the leader itself (it must hand over) and one more member; two remain
        FleetNodeProcess leader = ClusterSupport.leader(cluster);
        List<FleetNodeProcess> others = cluster.nodes().stream().filter(n -> n != leader).toList();
        FleetNodeProcess keeper = others.get(0);
        FleetNodeProcess partner = others.get(1);
        List<FleetNodeProcess> removed = List.of(leader, others.get(2));
        for (FleetNodeProcess gone : removed) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(keeper.url() + "/v2/members/" + gone.name()))
                    .DELETE().timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("DELETE %s: %s", gone.name(), r.body()).isEqualTo(204);
        }
        List<String> remaining = java.util.stream.Stream.of(keeper, partner).map(FleetNodeProcess::name).sorted().toList();
        await().atMost(Duration.ofSeconds(30)).until(() -> memberNames(keeper).equals(remaining));
        await().atMost(Duration.ofSeconds(30)).until(() -> client(keeper).put("/members/two-left", "ok").isSuccess());

        // The removed two still run. Were they still voting, keeper + both of them would be a majority of
        // four once the partner is gone. They are not: keeper alone is one of two, so writes are refused.
        removed.forEach(n -> assertThat(n.isAlive()).isTrue());
        partner.kill();
        EtcdV2Client.Response refused;
        try {
            refused = new EtcdV2Client(keeper.url(), EtcdV2Client.newHttpClient(), Duration.ofSeconds(30)).put("/members/no-quorum", "x");
        } catch (IOException timedOut) {
            refused = null; // no answer at all is a refusal too
        }
        assertThat(refused == null || !refused.isSuccess()).as("write without a majority: %s", refused).isTrue();
        if (refused != null) {
            assertThat(refused.errorCode()).isIn(300, 301);
        }
        assertThat(client(keeper).get("/members/no-quorum").value()).isNull();
    }
}
