package dev.fleet.node;

import static dev.fleet.json.Jsonp.JSON;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import java.io.StringReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code --join=URL}: asks a running cluster (any node) to add this node as a voting member, then learns
 * every member's RAFT address from {@code GET /v2/members}.
 */
final class ClusterJoin {
    private ClusterJoin() { }

    static Map<String, InetSocketAddress> join(URI anyNode, NodeSettings self) throws Exception {
        HttpClient http = NodeTls.client(self.httpTls(), Duration.ofSeconds(5)); // over HTTPS: our node certificate is the admin identity a join needs
        URI members = anyNode.resolve("/v2/members");
        String body = JSON.createObjectBuilder()
                .add("name", self.name())
                .add("peerURLs", JSON.createArrayBuilder().add(self.peerUrl()))
                .add("clientURLs", JSON.createArrayBuilder().add(self.clientUrl()))
                .build().toString();
        HttpResponse<String> added = http.send(HttpRequest.newBuilder(members).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (added.statusCode() != 201 && added.statusCode() != 409) { // 409: already added (a retried join)
            throw new IllegalStateException("joining through " + members + " failed: HTTP " + added.statusCode() + " " + added.body());
        }
        HttpResponse<String> list = http.send(HttpRequest.newBuilder(members).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (list.statusCode() != 200) {
            throw new IllegalStateException("listing members at " + members + " failed: HTTP " + list.statusCode());
        }
        Map<String, InetSocketAddress> out = new LinkedHashMap<>();
        JsonObject json = JSON.createReader(new StringReader(list.body())).readObject();
        for (JsonValue v : json.getJsonArray("members")) {
            JsonObject m = v.asJsonObject();
            var peers = m.getJsonArray("peerURLs");
            if (peers != null && !peers.isEmpty()) {
                out.put(m.getString("name"), Member.raftAddress(peers.getString(0)));
            }
        }
        out.put(self.name(), InetSocketAddress.createUnresolved(self.raftHost(), self.raftPort()));
        return out;
    }
}
