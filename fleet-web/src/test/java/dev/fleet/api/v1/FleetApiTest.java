package dev.fleet.api.v1;

import dev.fleet.registry.LocalStore;
import dev.fleet.schema.Presence;
import dev.fleet.registry.Registry;
import dev.fleet.schema.UnitState;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** fleet's API v1 routing, validation, statuses and paging, against a registry on a local state machine. */
class FleetApiTest {
    static final String SLEEP_OPTIONS = "[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\"/bin/sleep 100\"}]";

    final Registry registry = new Registry(new LocalStore());
    int nudges;
    final FleetApi api = new FleetApi(registry, () -> nudges++);

    ApiResponse call(String method, String path) {
        return call(method, path, null, null);
    }

    ApiResponse call(String method, String pathAndQuery, String contentType, String body) {
        int q = pathAndQuery.indexOf('?');
        return api.handle(new ApiRequest(method, q < 0 ? pathAndQuery : pathAndQuery.substring(0, q),
                q < 0 ? null : pathAndQuery.substring(q + 1), contentType == null ? List.of() : List.of(contentType),
                body == null ? null : body.getBytes(StandardCharsets.UTF_8)));
    }

    ApiResponse put(String name, String body) {
        return call("PUT", "/fleet/v1/units/" + name, "application/json", body);
    }

    static JsonObject json(ApiResponse r) {
        return Json.createReader(new StringReader(r.body())).readObject();
    }

    static void assertError(ApiResponse r, int status, String message) {
        assertThat(r.status()).isEqualTo(status);
        assertThat(json(r).getJsonObject("error").getInt("code")).isEqualTo(status);
        assertThat(json(r).getJsonObject("error").getString("message")).isEqualTo(message);
    }

    @Test
    void createGetUpdateAndDeleteAUnit() {
        assertThat(put("hello.service", "{\"options\":" + SLEEP_OPTIONS + "}").status()).isEqualTo(201);
        JsonObject unit = json(call("GET", "/fleet/v1/units/hello.service"));
        assertThat(unit.getString("name")).isEqualTo("hello.service");
        assertThat(unit.getString("desiredState")).isEqualTo("inactive");
        assertThat(unit.getString("currentState")).isEqualTo("inactive");
        assertThat(unit.containsKey("machineID")).isFalse();
        assertThat(unit.getJsonArray("options").getJsonObject(0).getString("value")).isEqualTo("/bin/sleep 100");
        assertThat(put("hello.service", "{\"desiredState\":\"launched\"}").status()).isEqualTo(204);
        assertThat(json(call("GET", "/v1-alpha/units/hello.service")).getString("desiredState")).isEqualTo("launched");
        assertThat(call("DELETE", "/fleet/v1/units/hello.service").status()).isEqualTo(204);
        assertError(call("GET", "/fleet/v1/units/hello.service"), 404, "unit does not exist");
        assertError(call("DELETE", "/fleet/v1/units/hello.service"), 404, "unit does not exist");
        assertThat(nudges).isEqualTo(3);
    }

    @Test
    void putRefusesWhatFleetRefuses() {
        assertError(put("a.service", "{\"desiredState\":\"launched\"}"), 409, "unit does not exist and options field empty");
        assertError(put("a.service", "{not json"), 400, json(put("a.service", "{not json")).getJsonObject("error").getString("message"));
        assertThat(json(put("a.service", "{not json")).getJsonObject("error").getString("message")).startsWith("unable to decode body: ");
        assertError(put("a.service", "{\"name\":\"b.service\",\"options\":" + SLEEP_OPTIONS + "}"), 400,
                "name in URL \"a.service\" differs from unit name in request body \"b.service\"");
        assertThat(put("foo.bar", "{\"options\":" + SLEEP_OPTIONS + "}").status()).isEqualTo(400);
        assertThat(put("a.service", "{\"options\":" + SLEEP_OPTIONS + ",\"desiredState\":\"running\"}").status()).isEqualTo(400);
        assertError(put("a.service", "{\"options\":[{\"section\":\"X-Fleet\",\"name\":\"MachineID\",\"value\":\"abc\"},"
                + "{\"section\":\"X-Fleet\",\"name\":\"Global\",\"value\":\"true\"}]}"), 400, "MachineID cannot be used with Global");
        assertError(put("a.service", "{\"options\":[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\""
                + "x".repeat(2048) + "\"}]}"), 400, "line too long (max 2048 bytes)");
        assertThat(registry.units()).isEmpty(); // nothing half-applied
        assertThat(put("a.service", "{\"options\":" + SLEEP_OPTIONS + "}").status()).isEqualTo(201);
        assertError(put("a.service", "{\"options\":" + SLEEP_OPTIONS + "}"), 409, "must provide DesiredState to update existing unit");
        assertError(put("a.service", "{\"desiredState\":\"bogus\"}"), 400,
                "invalid desiredState \"bogus\": expected inactive, loaded or launched");
        assertThat(put("web@.service", "{\"options\":" + SLEEP_OPTIONS + "}").status()).isEqualTo(201);
        assertError(put("web@.service", "{\"desiredState\":\"launched\"}"), 400, "cannot activate template \"web@.service\"");
        assertError(put("web@1.service", "{\"desiredState\":\"launched\"}"), 409, "unit does not exist and options field empty");
    }

    @Test
    void pathSegmentsThatAreNoUnitNameAre404ForReadsAnd400ForWrites() {
        // "a%2F%2Fb.service" reached the store's key paths and answered 500 with an exception's text
        for (String raw : List.of("a%2F%2Fb.service", "a%2Fb.service", "%2E%2E", "..", "%2E%2E%2Fx.service", "a%00.service",
                "x%0A.service", "%zz.service", "%C3%28.service", "%", ".hidden.service", "a.busname",
                "a".repeat(248) + ".service")) {
            assertError(call("GET", "/fleet/v1/units/" + raw), 404, "unit does not exist");
            assertError(call("DELETE", "/v1-alpha/units/" + raw), 404, "unit does not exist");
            ApiResponse put = put(raw, "{\"options\":" + SLEEP_OPTIONS + "}");
            assertThat(put.status()).as(raw).isEqualTo(400);
            assertThat(json(put).getJsonObject("error").getInt("code")).isEqualTo(400);
            assertError(call("GET", "/fleet/v1/state/" + raw), 404, "unit state does not exist");
        }
        assertError(put("a%2F%2Fb.service", "{\"options\":" + SLEEP_OPTIONS + "}"), 400, "invalid character '/' in unit name");
        assertError(put("a%00.service", "{\"options\":" + SLEEP_OPTIONS + "}"), 400, "invalid character '\\x00' in unit name");
        assertError(put("a.busname", "{\"options\":" + SLEEP_OPTIONS + "}"), 400, "invalid unit type: \"busname\"");
        assertError(put("a".repeat(248) + ".service", "{\"options\":" + SLEEP_OPTIONS + "}"), 400,
                "unit name exceeds maximum length (255)");
        assertThat(registry.units()).isEmpty();
        assertThat(call("GET", "/fleet/v1/units//").status()).isEqualTo(404);
        assertThat(call("GET", "/fleet/v1/units/%2F").status()).isEqualTo(404);
    }

    @Test
    void optionsThatWouldNotSurviveAUnitFileAreRefusedNamingTheField() {
        assertError(put("a.service", "{\"options\":[{\"section\":\"Service\",\"name\":\"ExecStart=/bin/a\",\"value\":\"b\"}]}"),
                400, "invalid unit option name \"ExecStart=/bin/a\" in [Service]: contains \"=\"");
        assertError(put("a.service", "{\"options\":[{\"section\":\"Ser]vice\",\"name\":\"N\",\"value\":\"v\"}]}"),
                400, "invalid unit option section \"Ser]vice\": contains \"[\" or \"]\"");
        assertError(put("a.service", "{\"options\":[{\"section\":\"Service\",\"name\":\"N\",\"value\":\"a\\u0000b\"}]}"),
                400, "invalid unit option Service.N: value contains a NUL character");
        assertError(put("a.service", "{\"options\":[{\"section\":\"Service\",\"name\":\"N\",\"value\":\"\\ud800\"}]}"),
                400, "invalid unit option Service.N: value is not valid Unicode (an unpaired surrogate)");
        assertError(put("a.service", "{\"options\":[{\"section\":\"Service\",\"name\":\"N\",\"value\":\"x\\\\\"}]}"),
                400, "invalid unit option Service.N: value ends in a backslash, which continues the line in a unit file");
        assertError(put("a.service", "{\"options\":[{\"section\":\"Service\",\"name\":\"N\",\"value\":\"a\\nb\"}]}"),
                400, "invalid unit option Service.N: line breaks are not allowed");
        assertThat(registry.units()).isEmpty();
    }

    @Test
    void twoUnitsThatSharedAHashThroughAnEqualsSignInANameNoLonger() {
        // both bodies serialise to "[Service]\nExecStart=/bin/a=b\n": one hash, so the second PUT rewrote the first's body
        assertThat(put("first.service", "{\"options\":[{\"section\":\"Service\",\"name\":\"ExecStart\",\"value\":\"/bin/a=b\"}]}")
                .status()).isEqualTo(201);
        assertError(put("second.service", "{\"options\":[{\"section\":\"Service\",\"name\":\"ExecStart=/bin/a\",\"value\":\"b\"}]}"),
                400, "invalid unit option name \"ExecStart=/bin/a\" in [Service]: contains \"=\"");
        assertThat(registry.units()).extracting(u -> u.name()).containsExactly("first.service");
        JsonObject first = json(call("GET", "/fleet/v1/units/first.service")).getJsonArray("options").getJsonObject(0);
        assertThat(first.getString("name")).isEqualTo("ExecStart");
        assertThat(first.getString("value")).isEqualTo("/bin/a=b");
    }

    @Test
    void putNeedsExactlyOneJsonContentType() {
        assertThat(call("PUT", "/fleet/v1/units/a.service", "text/plain", "{}").status()).isEqualTo(415);
        assertThat(call("PUT", "/fleet/v1/units/a.service", null, "{}").status()).isEqualTo(415);
        assertThat(api.handle(new ApiRequest("PUT", "/fleet/v1/units/a.service", null,
                List.of("application/json", "application/json"), "{}".getBytes())).status()).isEqualTo(415);
        assertThat(call("PUT", "/fleet/v1/units/a.service", "application/json; charset=utf-8",
                "{\"options\":" + SLEEP_OPTIONS + "}").status()).isEqualTo(201);
    }

    @Test
    void replacingContentsAnswers201() {
        put("a.service", "{\"options\":" + SLEEP_OPTIONS + ",\"desiredState\":\"launched\"}");
        String other = SLEEP_OPTIONS.replace("100", "200");
        assertThat(put("a.service", "{\"options\":" + other + ",\"desiredState\":\"launched\"}").status()).isEqualTo(201);
        assertThat(json(call("GET", "/fleet/v1/units/a.service")).getJsonArray("options").getJsonObject(0).getString("value"))
                .isEqualTo("/bin/sleep 200");
        // same contents again with a state: an update
        assertThat(put("a.service", "{\"options\":" + other + ",\"desiredState\":\"loaded\"}").status()).isEqualTo(204);
    }

    @Test
    void routesAndMethods() {
        assertError(call("POST", "/fleet/v1/units"), 405, "only GET supported against this resource");
        assertError(call("POST", "/fleet/v1/units/a.service"), 405, "only GET, PUT and DELETE supported against this resource");
        assertError(call("DELETE", "/fleet/v1/machines"), 405, "only GET and PATCH supported against this resource");
        assertThat(call("GET", "/fleet/v1").status()).isEqualTo(405);
        assertThat(call("GET", "/fleet/v1/units/a/b").status()).isEqualTo(404);
        assertThat(call("GET", "/fleet/v1/units/").status()).isEqualTo(404);
        assertThat(call("GET", "/fleet/v1/bogus").status()).isEqualTo(404);
        assertThat(call("GET", "/fleet/v1/discovery").status()).isEqualTo(200);
        assertThat(Json.createReader(new StringReader(call("GET", "/fleet/v1/discovery").body())).readObject()
                .getString("rootUrl")).isEqualTo("$ENDPOINT/");
        assertThat(call("POST", "/fleet/v1/discovery").status()).isEqualTo(405); // fleet said 400
    }

    @Test
    void emptyListsAreEmptyObjects() {
        assertThat(call("GET", "/fleet/v1/units").body()).isEqualTo("{}");
        assertThat(call("GET", "/fleet/v1/machines").body()).isEqualTo("{}");
        assertThat(call("GET", "/fleet/v1/state").body()).isEqualTo("{}");
    }

    @Test
    void unitsArePagedByHundredsInNameOrder() {
        for (int i = 0; i < 250; i++) {
            assertThat(put(String.format("u%03d.service", i), "{\"options\":" + SLEEP_OPTIONS + "}").status()).isEqualTo(201);
        }
        List<String> names = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            JsonObject page = json(call("GET", "/fleet/v1/units" + (token == null ? "" : "?nextPageToken=" + token)));
            page.getJsonArray("units").forEach(u -> names.add(u.asJsonObject().getString("name")));
            token = page.containsKey("nextPageToken") ? page.getString("nextPageToken") : null;
            pages++;
        } while (token != null);
        assertThat(pages).isEqualTo(3);
        assertThat(names).hasSize(250).isSorted();
        assertThat(json(call("GET", "/fleet/v1/units")).getString("nextPageToken")).isEqualTo("ZAACAA==");
    }

    @Test
    void anExactMultipleOfTheLimitHasNoEmptyTrailingPage() {
        for (int i = 0; i < 100; i++) {
            put(String.format("u%03d.service", i), "{\"options\":" + SLEEP_OPTIONS + "}");
        }
        assertThat(json(call("GET", "/fleet/v1/units")).containsKey("nextPageToken")).isFalse();
    }

    @Test
    void aConfiguredTokenLimitSetsThePageSizeAndTheTokenCheck() {
        FleetApi small = new FleetApi(registry, () -> { }, 3);
        for (int i = 0; i < 7; i++) {
            put(String.format("u%03d.service", i), "{\"options\":" + SLEEP_OPTIONS + "}");
        }
        List<Integer> sizes = new ArrayList<>();
        String token = null;
        do {
            String q = token == null ? "" : "?nextPageToken=" + token;
            JsonObject page = json(small.handle(new ApiRequest("GET", "/fleet/v1/units", q.isEmpty() ? null : q.substring(1),
                    List.of(), null)));
            sizes.add(page.getJsonArray("units").size());
            token = page.containsKey("nextPageToken") ? page.getString("nextPageToken") : null;
        } while (token != null);
        assertThat(sizes).containsExactly(3, 3, 1);
        assertThat(dev.fleet.schema.PageTokens.decode(json(small.handle(new ApiRequest("GET", "/fleet/v1/units", null,
                List.of(), null))).getString("nextPageToken"))).isEqualTo(new dev.fleet.schema.PageTokens.Token(3, 2));
        ApiResponse r = small.handle(new ApiRequest("GET", "/fleet/v1/machines", "nextPageToken=ZAACAA==", List.of(), null));
        assertError(r, 400, "token limit must be 3");
        assertError(call("GET", "/fleet/v1/units?nextPageToken=" + dev.fleet.schema.PageTokens.encode(3, 2)), 400,
                "token limit must be 100");
    }

    @Test
    void badPageTokens() {
        assertError(call("GET", "/fleet/v1/units?nextPageToken=EwBMLg=="), 400, "token limit must be 100");
        assertError(call("GET", "/fleet/v1/units?nextPageToken=ZAAAAA=="), 400, "token page must be greater than zero");
        assertError(call("GET", "/fleet/v1/units?nextPageToken=ZAACAA==&nextPageToken=ZAACAA=="), 400, "too many values for page token");
        assertThat(call("GET", "/fleet/v1/machines?nextPageToken=%%%").status()).isEqualTo(400);
        assertThat(call("GET", "/fleet/v1/state?nextPageToken=abc").status()).isEqualTo(400);
    }

    @Test
    void statesAreSortedAndFiltered() {
        registry.register(new Presence("m1", "10.0.0.1", Map.of(), "t", "s1", 30));
        registry.register(new Presence("m2", "10.0.0.2", Map.of(), "t", "s2", 30));
        String hash = "1c6fb6f3684bafb0c173d8b8b957ceff031180c1";
        registry.reportStates("m2", "s2", List.of(new UnitState("b.service", "m2", hash, "loaded", "active", "running", true),
                new UnitState("a.service", "m2", hash, "loaded", "active", "running", true)), List.of());
        registry.reportStates("m1", "s1", List.of(new UnitState("b.service", "m1", hash, "loaded", "failed", "failed", true)), List.of());
        JsonObject all = json(call("GET", "/fleet/v1/state"));
        assertThat(all.getJsonArray("states").stream().map(s -> s.asJsonObject().getString("name") + "@" + s.asJsonObject().getString("machineID")))
                .containsExactly("a.service@m2", "b.service@m1", "b.service@m2");
        assertThat(json(call("GET", "/fleet/v1/state?machineID=m1")).getJsonArray("states")).hasSize(1);
        assertThat(json(call("GET", "/fleet/v1/state?unitName=b.service&machineID=m2")).getJsonArray("states")).hasSize(1);
        JsonObject one = json(call("GET", "/fleet/v1/state/a.service"));
        assertThat(one.getString("systemdSubState")).isEqualTo("running");
        assertThat(one.getString("hash")).isEqualTo(hash);
        assertError(call("GET", "/fleet/v1/state/zzz.service"), 404, "unit state does not exist");
    }

    @Test
    void machinesAndMetadataPatch() {
        registry.register(new Presence("m1", "10.0.0.1", Map.of("region", "eu"), "t", "s1", 30));
        String ok = "[{\"op\":\"add\",\"path\":\"/m1/metadata/rack\",\"value\":{\"value\":\"7\"}},"
                + "{\"op\":\"remove\",\"path\":\"/m1/metadata/region\"}]";
        ApiResponse patched = call("PATCH", "/fleet/v1/machines", "application/json", ok);
        assertThat(patched.status()).isEqualTo(204);
        assertThat(patched.jsonType()).isTrue();
        JsonObject m = json(call("GET", "/fleet/v1/machines")).getJsonArray("machines").getJsonObject(0);
        assertThat(m.getString("id")).isEqualTo("m1");
        assertThat(m.getString("primaryIP")).isEqualTo("10.0.0.1");
        assertThat(m.getJsonObject("metadata")).isEqualTo(Json.createObjectBuilder().add("rack", "7").build());
        assertError(call("PATCH", "/fleet/v1/machines", "application/json", "[{\"op\":\"move\",\"path\":\"/m1/metadata/x\"}]"),
                400, "invalid op: expect add, remove, or replace");
        assertError(call("PATCH", "/fleet/v1/machines", "application/json", "[{\"op\":\"add\",\"path\":\"/m1/meta/x\",\"value\":\"1\"}]"),
                400, "machine metadata path invalid");
        assertError(call("PATCH", "/fleet/v1/machines", "application/json", "[{\"op\":\"add\",\"path\":\"/m1/metadata/x\"}]"),
                400, "invalid value: add and replace require a value");
        // validated first, applied all or nothing: the valid first op is not applied either
        call("PATCH", "/fleet/v1/machines", "application/json",
                "[{\"op\":\"add\",\"path\":\"/m1/metadata/a\",\"value\":\"1\"},{\"op\":\"bad\",\"path\":\"/m1/metadata/b\"}]");
        assertThat(registry.machines().get(0).metadata()).doesNotContainKey("a");
        assertThat(call("PATCH", "/fleet/v1/machines", "application/json", "{nope").status()).isEqualTo(400);
    }
}
