package dev.fleet.it.api;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.File;
import java.io.StringReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * fleet's HTTP API v1 on the real WAR in Payara Micro, over HTTP as a fleet client sends it: every endpoint,
 * status code and error of the reference's §5, paging over more than 100 units, and a unit placed by the
 * engine on a machine that registered through the agent API.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class FleetApiArqIT {
    static final String SLEEP = "[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\"/bin/sleep 1000\"}]";

    @Deployment(testable = false)
    static WebArchive war() {
        return ShrinkWrap.createFromZipFile(WebArchive.class, new File("../fleet-web/target/fleet-web.war"));
    }

    @ArquillianResource
    URL base;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    /** Names unique to this run: the node's data directory may hold an earlier run's units and machines. */
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    record Reply(int status, String body, HttpResponse<String> raw) {
        JsonObject json() {
            return Json.createReader(new StringReader(body)).readObject();
        }

        String error() {
            return json().getJsonObject("error").getString("message");
        }

        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    Reply send(String method, String path, String contentType, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/$", "") + path))
                .timeout(Duration.ofSeconds(30));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body(), r);
    }

    Reply get(String path) throws Exception {
        return send("GET", path, null, null);
    }

    Reply putUnit(String name, String json) throws Exception {
        return send("PUT", "/fleet/v1/units/" + name, "application/json", json);
    }

    static void assertError(Reply r, int status, String message) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.json().getJsonObject("error").getInt("code")).isEqualTo(status);
        assertThat(r.error()).isEqualTo(message);
    }

    @BeforeEach
    void awaitReady() {
        await().atMost(Duration.ofMinutes(1)).until(() -> get("/health").status() == 200);
    }

    @Test
    void unitLifecycleWithFleetsStatusCodesAndHeaders() throws Exception {
        String name = "life-" + run + ".service";
        Reply created = putUnit(name, "{\"options\":" + SLEEP + "}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.header("Server")).startsWith("fleetd/");
        JsonObject unit = get("/fleet/v1/units/" + name).json();
        assertThat(unit.getString("desiredState")).isEqualTo("inactive");
        assertThat(unit.getString("currentState")).isEqualTo("inactive");
        assertThat(unit.getJsonArray("options").getJsonObject(0).getString("name")).isEqualTo("ExecStart");
        assertThat(putUnit(name, "{\"desiredState\":\"loaded\"}").status()).isEqualTo(204);
        assertThat(get("/v1-alpha/units/" + name).json().getString("desiredState")).isEqualTo("loaded");
        assertError(putUnit(name, "{\"options\":" + SLEEP + "}"), 409, "must provide DesiredState to update existing unit");
        assertThat(putUnit(name, "{\"options\":" + SLEEP.replace("1000", "2000") + "}").status()).isEqualTo(201);
        assertThat(send("DELETE", "/fleet/v1/units/" + name, null, null).status()).isEqualTo(204);
        assertError(get("/fleet/v1/units/" + name), 404, "unit does not exist");
        assertError(send("DELETE", "/fleet/v1/units/" + name, null, null), 404, "unit does not exist");
    }

    @Test
    void badRequestsAreRefusedAndNothingIsStored() throws Exception {
        String name = "bad-" + run + ".service";
        assertThat(send("PUT", "/fleet/v1/units/" + name, "text/plain", "{}").status()).isEqualTo(415);
        assertThat(send("PUT", "/fleet/v1/units/" + name, null, "{}").status()).isEqualTo(415);
        assertThat(putUnit(name, "{oops").error()).startsWith("unable to decode body: ");
        assertError(putUnit(name, "{\"desiredState\":\"launched\"}"), 409, "unit does not exist and options field empty");
        assertError(putUnit(name, "{\"name\":\"other.service\",\"options\":" + SLEEP + "}"), 400,
                "name in URL \"" + name + "\" differs from unit name in request body \"other.service\"");
        assertThat(putUnit("no-suffix-" + run, "{\"options\":" + SLEEP + "}").status()).isEqualTo(400);
        assertThat(putUnit("..%2F..%2Fetc%2Fpasswd.service", "{\"options\":" + SLEEP + "}").status()).isIn(400, 404);
        assertError(putUnit(name, "{\"options\":[{\"section\":\"X-Fleet\",\"name\":\"MachineID\",\"value\":\"a\"},"
                + "{\"section\":\"X-Fleet\",\"name\":\"Conflicts\",\"value\":\"b*\"}]}"), 400, "MachineID cannot be used with Conflicts");
        assertThat(putUnit(name, "{\"options\":" + SLEEP + ",\"desiredState\":\"started\"}").status()).isEqualTo(400);
        assertError(get("/fleet/v1/units/" + name), 404, "unit does not exist");
        String template = "tpl-" + run + "@.service";
        assertThat(putUnit(template, "{\"options\":" + SLEEP + "}").status()).isEqualTo(201);
        assertError(putUnit(template, "{\"desiredState\":\"launched\"}"), 400, "cannot activate template \"" + template + "\"");
        assertThat(send("DELETE", "/fleet/v1/units/" + template, null, null).status()).isEqualTo(204);
    }

    @Test
    void pathSegmentsThatAreNoUnitNameAnswerFleetsErrorJsonNever500() throws Exception {
        // a%2F%2Fb.service answered 500 with the store's exception text (a%00 never reaches the WAR: the
        // HTTP listener answers 400 itself)
        for (String raw : new String[] {"a%2F%2Fb.service", "a%2f%2fb.service", "%2E%2E", "..%2F..%2Fetc%2Fpasswd.service"}) {
            assertError(get("/fleet/v1/units/" + raw), 404, "unit does not exist");
            assertError(send("DELETE", "/v1-alpha/units/" + raw, null, null), 404, "unit does not exist");
            Reply put = putUnit(raw, "{\"options\":" + SLEEP + "}");
            assertThat(put.status()).as(raw + ": " + put.body()).isEqualTo(400);
            assertThat(put.json().getJsonObject("error").getInt("code")).isEqualTo(400);
        }
        assertError(putUnit("a%2F%2Fb.service", "{\"options\":" + SLEEP + "}"), 400, "invalid character '/' in unit name");
        String name = "eq-" + run + ".service";
        assertError(putUnit(name, "{\"options\":[{\"section\":\"Service\",\"name\":\"ExecStart=/bin/a\",\"value\":\"b\"}]}"),
                400, "invalid unit option name \"ExecStart=/bin/a\" in [Service]: contains \"=\"");
        assertError(get("/fleet/v1/units/" + name), 404, "unit does not exist");
    }

    @Test
    void routesMethodsAndDiscovery() throws Exception {
        assertError(send("POST", "/fleet/v1/units", "application/json", "{}"), 405, "only GET supported against this resource");
        assertError(send("POST", "/fleet/v1/units/x.service", "application/json", "{}"), 405,
                "only GET, PUT and DELETE supported against this resource");
        assertError(send("DELETE", "/fleet/v1/machines", null, null), 405, "only GET and PATCH supported against this resource");
        assertThat(get("/fleet/v1").status()).isEqualTo(405);
        assertThat(get("/").status()).isEqualTo(405);
        assertThat(get("/fleet/v1/units/a/b").status()).isEqualTo(404);
        assertThat(get("/fleet/v1/units/").status()).isEqualTo(404);
        assertThat(get("/fleet/v1/nothing").status()).isEqualTo(404);
        Reply discovery = get("/fleet/v1/discovery");
        assertThat(discovery.status()).isEqualTo(200);
        assertThat(discovery.json().getString("rootUrl")).isEqualTo("$ENDPOINT/");
        assertThat(send("POST", "/fleet/v1/discovery", "application/json", "{}").status()).isEqualTo(405);
        assertThat(get("/metrics").body()).contains("fleet_engine_reconcile_count_total");
    }

    @Test
    void pagingAcrossMoreThanOneHundredUnits() throws Exception {
        List<String> mine = new ArrayList<>();
        for (int i = 0; i < 130; i++) {
            String name = "page-" + run + "-" + String.format("%03d", i) + ".service";
            assertThat(putUnit(name, "{\"options\":" + SLEEP + "}").status()).isEqualTo(201);
            mine.add(name);
        }
        List<String> seen = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            JsonObject page = get("/fleet/v1/units?alt=json" + (token == null ? "" : "&nextPageToken=" + token)).json();
            assertThat(page.getJsonArray("units").size()).isLessThanOrEqualTo(100);
            page.getJsonArray("units").forEach(u -> seen.add(u.asJsonObject().getString("name")));
            token = page.containsKey("nextPageToken") ? page.getString("nextPageToken") : null;
            pages++;
        } while (token != null);
        assertThat(pages).isGreaterThanOrEqualTo(2);
        assertThat(seen).isSorted().containsAll(mine);
        assertThat(get("/fleet/v1/units").json().getString("nextPageToken")).isEqualTo("ZAACAA==");
        assertError(get("/fleet/v1/units?nextPageToken=EwBMLg=="), 400, "token limit must be 100");
        assertError(get("/fleet/v1/units?nextPageToken=ZAAAAA=="), 400, "token page must be greater than zero");
        for (String name : mine) {
            assertThat(send("DELETE", "/fleet/v1/units/" + name, null, null).status()).isEqualTo(204);
        }
    }

    @Test
    void aRegisteredMachineGetsTheUnitReportsItsStateAndCarriesMetadata() throws Exception {
        String machine = "m" + run;
        String session = UUID.randomUUID().toString();
        Reply reg = send("PUT", "/fleet/agent/v1/machines/" + machine, "application/json",
                "{\"session\":\"" + session + "\",\"publicIP\":\"10.9.8.7\",\"metadata\":{\"run\":\"" + run + "\"},\"ttl\":60}");
        assertThat(reg.status()).isEqualTo(201);
        assertError(send("PUT", "/fleet/agent/v1/machines/" + machine, "application/json", "{\"session\":\"intruder\",\"ttl\":60}"),
                409, "machine " + machine + " is already registered by another agent (10.9.8.7); it is refused until that registration expires");

        String name = "placed-" + run + ".service";
        String opts = "[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\"/bin/sleep 1000\"},"
                + "{\"section\":\"X-Fleet\",\"name\":\"MachineMetadata\",\"value\":\"run=" + run + "\"}]";
        assertThat(putUnit(name, "{\"options\":" + opts + ",\"desiredState\":\"launched\"}").status()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(30)).until(() -> machine.equals(get("/fleet/v1/units/" + name).json().getString("machineID", null)));

        JsonObject schedule = get("/fleet/agent/v1/machines/" + machine + "/schedule").json();
        JsonObject entry = schedule.getJsonArray("units").getValuesAs(JsonValue::asJsonObject).stream()
                .filter(u -> u.getString("name").equals(name)).findFirst().orElseThrow();
        String hash = entry.getString("hash");
        assertThat(hash).hasSize(40);
        Reply report = send("PUT", "/fleet/agent/v1/machines/" + machine + "/states", "application/json",
                "{\"session\":\"" + session + "\",\"states\":[{\"name\":\"" + name + "\",\"hash\":\"" + hash
                        + "\",\"loadState\":\"loaded\",\"activeState\":\"active\",\"subState\":\"running\",\"launched\":true}]}");
        assertThat(report.status()).isEqualTo(204);
        assertThat(get("/fleet/v1/units/" + name).json().getString("currentState")).isEqualTo("launched");
        JsonObject state = get("/fleet/v1/state/" + name).json();
        assertThat(state.getString("machineID")).isEqualTo(machine);
        assertThat(state.getString("systemdSubState")).isEqualTo("running");
        assertThat(get("/fleet/v1/state?machineID=" + machine).json().getJsonArray("states")).hasSize(1);

        // dynamic metadata: a PATCH that removes the key makes the unit unplaceable, with its reason
        Reply patch = send("PATCH", "/fleet/v1/machines", "application/json",
                "[{\"op\":\"remove\",\"path\":\"/" + machine + "/metadata/run\"}]");
        assertThat(patch.status()).isEqualTo(204);
        assertThat(patch.header("Content-Type")).as("fleet's PATCH reply carries the JSON type").isEqualTo("application/json");
        await().atMost(Duration.ofSeconds(30)).until(() -> !get("/fleet/v1/units/" + name).json().containsKey("machineID"));
        assertThat(get("/fleet/v1/units/" + name).json().getString("reason")).contains("run=" + run);
        assertError(send("PATCH", "/fleet/v1/machines", "application/json", "[{\"op\":\"add\",\"path\":\"/" + machine + "/metadata/run\"}]"),
                400, "invalid value: add and replace require a value");
        assertThat(send("PATCH", "/fleet/v1/machines", "application/json",
                "[{\"op\":\"add\",\"path\":\"/" + machine + "/metadata/run\",\"value\":{\"value\":\"" + run + "\"}}]").status()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(30)).until(() -> machine.equals(get("/fleet/v1/units/" + name).json().getString("machineID", null)));

        // a clean shutdown: the machine and its states are gone at once
        assertThat(send("DELETE", "/fleet/agent/v1/machines/" + machine + "?session=" + session, null, null).status()).isEqualTo(204);
        assertThat(get("/fleet/v1/machines").body()).doesNotContain(machine);
        assertError(get("/fleet/v1/state/" + name), 404, "unit state does not exist");
        assertThat(send("DELETE", "/fleet/v1/units/" + name, null, null).status()).isEqualTo(204);
    }
}
