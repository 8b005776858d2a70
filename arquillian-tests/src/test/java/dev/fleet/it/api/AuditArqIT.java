package dev.fleet.it.api;

import jakarta.json.JsonObject;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The audit trail of the real WAR in Payara Micro (as {@link BrowserGuardArqIT}): mutating calls, refused ones
 * included, are listed by {@code GET /fleet/admin/v1/audit} in order with their statuses; reads are not. Security is
 * off in this container, so every caller is {@code anonymous}.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class AuditArqIT {

    @Deployment(testable = false)
    static WebArchive war() {
        return WarClient.fleetWar();
    }

    @ArquillianResource
    URL base;

    private WarClient client;

    private WarClient client() {
        if (client == null) {
            client = new WarClient(base); // base is injected after construction
        }
        return client;
    }

    private WarClient.Reply send(String method, String path, String contentType, String body, String... headers) throws Exception {
        return client().send(method, path, contentType, body, headers);
    }

    @Test
    void mutatingCallsAreListedInOrderWithTheirStatuses() throws Exception {
        await().atMost(Duration.ofMinutes(1)).until(() -> send("GET", "/health", null, null).status() == 200);
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String unit = "/fleet/v1/units/audit-" + tag + ".service";
        String key = "/v2/keys/audit/" + tag;
        Instant before = Instant.now().minusSeconds(5);

        WarClient.Reply put = send("PUT", unit, "application/json",
                "{\"desiredState\":\"inactive\",\"options\":[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\"/bin/true\"}]}");
        assertThat(put.status()).as(put.body()).isEqualTo(201);
        assertThat(send("GET", unit, null, null).status()).isEqualTo(200); // a read: not recorded
        WarClient.Reply set = send("PUT", key + "?ttl=600", "application/x-www-form-urlencoded", "value=1");
        assertThat(set.status()).as(set.body()).isEqualTo(201);
        WarClient.Reply refused = send("PUT", key, "application/x-www-form-urlencoded", "value=2", "Origin", "http://evil.example");
        assertThat(refused.status()).as(refused.body()).isEqualTo(403); // RequestGuardFilter's refusal, inside AuditFilter
        WarClient.Reply del = send("DELETE", key, null, null);
        assertThat(del.status()).as(del.body()).isEqualTo(200);
        WarClient.Reply missing = send("DELETE", key, null, null);
        assertThat(missing.status()).isEqualTo(404);

        WarClient.Reply audit = send("GET", "/fleet/admin/v1/audit?limit=1000", null, null);
        assertThat(audit.status()).as(audit.body()).isEqualTo(200);
        assertThat(audit.raw().headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        assertThat(audit.raw().headers().firstValue("Server").orElse("")).startsWith("fleetd/");
        List<JsonObject> ours = audit.json().getJsonArray("entries").getValuesAs(JsonObject.class).stream()
                .filter(e -> e.getString("path").contains(tag)).collect(Collectors.toList());
        assertThat(ours.stream().map(e -> e.getString("method") + " " + e.getString("path") + " " + e.getInt("status")))
                .containsExactly(
                        "PUT " + unit + " 201",
                        "PUT " + key + "?ttl=600 201",
                        "PUT " + key + " 403",
                        "DELETE " + key + " 200",
                        "DELETE " + key + " 404");
        for (JsonObject e : ours) {
            assertThat(e.getString("who")).isEqualTo("anonymous");
            assertThat(e.getString("node")).isEqualTo("arq");
            assertThat(e.getString("remote")).isNotBlank();
            assertThat(e.getString("time")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
            assertThat(Instant.parse(e.getString("time"))).isAfter(before);
        }
        // the newest record is the last of ours: the audit read itself is not recorded
        List<JsonObject> all = audit.json().getJsonArray("entries").getValuesAs(JsonObject.class);
        assertThat(all.get(all.size() - 1)).isEqualTo(ours.get(ours.size() - 1));
        assertThat(send("GET", "/fleet/admin/v1/audit?limit=2", null, null).json().getJsonArray("entries")).hasSize(2);
        assertThat(send("GET", "/fleet/admin/v1/audit", null, null).json().getJsonArray("entries").size()).isBetween(5, 100);

        for (String bad : new String[] {"0", "1001", "-1", "ten", "", "99999999999"}) {
            WarClient.Reply r = send("GET", "/fleet/admin/v1/audit?limit=" + bad, null, null);
            assertThat(r.status()).as(bad + " " + r.body()).isEqualTo(400);
            assertThat(r.json().getJsonObject("error").getInt("code")).isEqualTo(400);
            assertThat(r.json().getJsonObject("error").getString("message")).contains("limit");
            assertThat(r.raw().headers().firstValue("Server").orElse("")).startsWith("fleetd/");
        }
    }
}
