package dev.fleet.api.v1;

import dev.fleet.registry.LocalStore;
import dev.fleet.registry.Registry;
import dev.fleet.testing.Generated;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** fleet's API v1 routing on arbitrary raw paths, methods and bodies: always an answer, never a 5xx. */
class FleetApiRoutingPropertiesTest {

    record Call(String method, String rawPath, String body, boolean json) { }

    static String segment(Generated g) {
        return switch (g.between(0, 3)) {
            case 0 -> g.oneOf("hello.service", "a@b.service", "web@.service", "..", ".", "", "%2F", "%2f%2F", "%00",
                    "%zz", "%", "%C3%28", "%E2%82", "a%2F%2Fb.service", "%2E%2E", "x%0A.service", "a.busname",
                    "status", "journal", "metadata");
            case 1 -> g.string("aZ09.-_@%2Fx/\\:+ é\u0000?#;=", 16);
            case 2 -> g.anyString(8);
            default -> "a".repeat(g.between(250, 300)) + ".service";
        };
    }

    static String rawPath(Generated g) {
        // mostly paths fleet routes (an item under a collection), some anything at all
        if (g.between(0, 4) > 0) {
            List<String> items = g.list(2, FleetApiRoutingPropertiesTest::segment);
            return g.oneOf("/fleet/v1", "/v1-alpha") + g.oneOf("/units", "/state", "/machines", "/discovery", "")
                    + (items.isEmpty() ? "" : "/" + String.join("/", items));
        }
        return g.oneOf("/fleet/v1", "/v1-alpha", "/fleet", "", "/v2/keys") + "/" + String.join("/", g.list(4, FleetApiRoutingPropertiesTest::segment));
    }

    static String body(Generated g) {
        return g.bool() ? g.oneOf("", "{}", "[]", "null", "{not json", "{\"desiredState\":\"launched\"}",
                "{\"options\":" + FleetApiTest.SLEEP_OPTIONS + ",\"desiredState\":\"launched\"}",
                "{\"options\":[{\"section\":\"Service\",\"name\":\"A=B\",\"value\":\"c\"}]}",
                "{\"options\":[null]}", "{\"options\":[{}]}", "{\"options\":{}}", "{\"name\":7}",
                "[{\"op\":\"add\",\"path\":\"/m1/metadata/a\",\"value\":\"1\"}]", "[{\"op\":\"remove\"}]")
                : g.string("{}[]\":,aA0\\u \u0000", 40);
    }

    @Test
    void everyRequestGetsAnAnswerBelow500() {
        FleetApi api = new FleetApi(new Registry(new LocalStore()), () -> { });
        ApiResponse created = api.handle(new ApiRequest("PUT", "/fleet/v1/units/hello.service", null,
                List.of("application/json"), ("{\"options\":" + FleetApiTest.SLEEP_OPTIONS + "}").getBytes(StandardCharsets.UTF_8)));
        assertThat(created.status()).isEqualTo(201);
        Generated.check(1000, g -> new Call(g.oneOf("GET", "PUT", "DELETE", "PATCH", "POST", "HEAD", "OPTIONS", "get", ""),
                rawPath(g), body(g), g.bool()), c -> {
            String query = c.rawPath().contains("state") ? "unitName=%zz&machineID=" : "nextPageToken=%%";
            ApiResponse r = api.handle(new ApiRequest(c.method(), c.rawPath(), query, c.json() ? List.of("application/json") : List.of(),
                    c.body().getBytes(StandardCharsets.UTF_8)));
            assertThat(r).isNotNull();
            assertThat(r.status()).isBetween(200, 499);
            if (r.status() >= 400) { // fleet's error JSON, nothing else
                JsonObject error = Json.createReader(new StringReader(r.body())).readObject().getJsonObject("error");
                assertThat(error.getInt("code")).isEqualTo(r.status());
                assertThat(error.getString("message")).doesNotContain("Exception");
            }
        });
    }
}
