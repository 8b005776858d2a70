package dev.fleet.api.v1;

import dev.fleet.registry.LocalStore;
import dev.fleet.registry.Registry;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.BeforeProperty;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** fleet's API v1 routing on arbitrary raw paths, methods and bodies: always an answer, never a 5xx. */
class FleetApiRoutingPropertiesTest {
    private FleetApi api;

    @BeforeProperty
    void oneUnitExists() {
        api = new FleetApi(new Registry(new LocalStore()), () -> { });
        ApiResponse created = api.handle(new ApiRequest("PUT", "/fleet/v1/units/hello.service", null,
                List.of("application/json"), ("{\"options\":" + FleetApiTest.SLEEP_OPTIONS + "}").getBytes(StandardCharsets.UTF_8)));
        assertThat(created.status()).isEqualTo(201);
    }

    @Provide
    Arbitrary<String> rawPaths() {
        Arbitrary<String> segment = Arbitraries.oneOf(
                Arbitraries.of("hello.service", "a@b.service", "web@.service", "..", ".", "", "%2F", "%2f%2F", "%00",
                        "%zz", "%", "%C3%28", "%E2%82", "a%2F%2Fb.service", "%2E%2E", "x%0A.service", "a.busname",
                        "status", "journal", "metadata"),
                Arbitraries.strings().withChars("aZ09.-_@%2Fx/\\:+ é\u0000?#;=").ofMaxLength(16),
                Arbitraries.strings().ofMaxLength(8),
                Arbitraries.integers().between(250, 300).map(n -> "a".repeat(n) + ".service"));
        // mostly paths fleet routes (an item under a collection), some anything at all
        Arbitrary<String> routed = Combinators.combine(Arbitraries.of("/fleet/v1", "/v1-alpha"),
                        Arbitraries.of("/units", "/state", "/machines", "/discovery", ""),
                        segment.list().ofMaxSize(2))
                .as((p, r, items) -> p + r + (items.isEmpty() ? "" : "/" + String.join("/", items)));
        Arbitrary<String> anything = Combinators.combine(Arbitraries.of("/fleet/v1", "/v1-alpha", "/fleet", "", "/v2/keys"),
                        segment.list().ofMaxSize(4))
                .as((p, segments) -> p + "/" + String.join("/", segments));
        return Arbitraries.frequencyOf(Tuple.of(4, routed), Tuple.of(1, anything));
    }

    @Provide
    Arbitrary<String> methods() {
        return Arbitraries.of("GET", "PUT", "DELETE", "PATCH", "POST", "HEAD", "OPTIONS", "get", "");
    }

    @Provide
    Arbitrary<String> bodies() {
        return Arbitraries.oneOf(
                Arbitraries.of("", "{}", "[]", "null", "{not json", "{\"desiredState\":\"launched\"}",
                        "{\"options\":" + FleetApiTest.SLEEP_OPTIONS + ",\"desiredState\":\"launched\"}",
                        "{\"options\":[{\"section\":\"Service\",\"name\":\"A=B\",\"value\":\"c\"}]}",
                        "{\"options\":[null]}", "{\"options\":[{}]}", "{\"options\":{}}", "{\"name\":7}",
                        "[{\"op\":\"add\",\"path\":\"/m1/metadata/a\",\"value\":\"1\"}]", "[{\"op\":\"remove\"}]"),
                Arbitraries.strings().withChars("{}[]\":,aA0\\u \u0000").ofMaxLength(40));
    }

    @Property(tries = 1000)
    void everyRequestGetsAnAnswerBelow500(@ForAll("methods") String method, @ForAll("rawPaths") String rawPath,
                                          @ForAll("bodies") String body, @ForAll boolean json) {
        String query = rawPath.contains("state") ? "unitName=%zz&machineID=" : "nextPageToken=%%";
        ApiResponse r = api.handle(new ApiRequest(method, rawPath, query, json ? List.of("application/json") : List.of(),
                body.getBytes(StandardCharsets.UTF_8)));
        assertThat(r).isNotNull();
        assertThat(r.status()).as("%s %s %s", method, rawPath, body).isBetween(200, 499);
        if (r.status() >= 400) { // fleet's error JSON, nothing else
            JsonObject error = Json.createReader(new StringReader(r.body())).readObject().getJsonObject("error");
            assertThat(error.getInt("code")).isEqualTo(r.status());
            assertThat(error.getString("message")).doesNotContain("Exception");
        }
    }
}
