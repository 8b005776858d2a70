package dev.fleet.api;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ErrorBodiesTest {
    private static JsonObject json(ErrorBodies.Body b) {
        return Json.createReader(new StringReader(new String(b.bytes(), StandardCharsets.UTF_8))).readObject();
    }

    @Test
    void eachApiGetsItsOwnShape() {
        JsonObject fleet = json(ErrorBodies.of("/fleet/v1/nope", 404, "no such resource", 7));
        assertThat(fleet.getJsonObject("error").getInt("code")).isEqualTo(404);
        assertThat(fleet.getJsonObject("error").getString("message")).isEqualTo("no such resource");
        assertThat(json(ErrorBodies.of("/v1-alpha/units", 405, "m", 7)).getJsonObject("error").getInt("code")).isEqualTo(405);

        JsonObject members = json(ErrorBodies.of("/v2/members/abc", 415, "bad type", 7));
        assertThat(members.keySet()).containsExactly("message");

        JsonObject keys = json(ErrorBodies.of("/v2/keys/a", 405, "PATCH", 7));
        assertThat(keys.getInt("errorCode")).isEqualTo(209);
        assertThat(keys.getString("message")).isEqualTo("Method Not Allowed");
        assertThat(keys.getString("cause")).isEqualTo("PATCH");
        assertThat(keys.getInt("index")).isEqualTo(7);
        assertThat(json(ErrorBodies.of("/anything/else", 500, "x", 0)).getInt("errorCode")).isEqualTo(300);
    }

    @Test
    void aServerErrorNamesOnlyItsIdAndIdsDiffer() {
        String id = ErrorBodies.newErrorId();
        assertThat(id).matches("[0-9a-f]{12}").isNotEqualTo(ErrorBodies.newErrorId());
        assertThat(ErrorBodies.serverMessage(id)).contains("error id " + id).doesNotContain("Exception");
    }

    @Test
    void echoedInputIsBoundedAndHasNoControlCharacters() {
        String msg = ErrorBodies.clientMessage(404, "GET", "/fleet/v1/" + "a".repeat(10_000) + "\u0000\n");
        assertThat(msg).startsWith("no such resource: GET /fleet/v1/").hasSizeLessThan(300);
        assertThat(ErrorBodies.clientMessage(405, "TRACE", "/x\r\ny")).isEqualTo("method not allowed: TRACE /x??y");
    }

    @Test
    void thePathBelowTheContextRootDecidesTheApi() {
        assertThat(ErrorBodies.pathBelow("/fleet-web", "/fleet-web/fleet/v1/units")).isEqualTo("/fleet/v1/units");
        assertThat(ErrorBodies.pathBelow("/fleet-web/", "/fleet-web/v2/keys")).isEqualTo("/v2/keys");
        assertThat(ErrorBodies.pathBelow("", "/v2/members")).isEqualTo("/v2/members");
        assertThat(ErrorBodies.pathBelow("/", "/fleet/v1")).isEqualTo("/fleet/v1");
        assertThat(ErrorBodies.pathBelow("/ctx", null)).isEqualTo("/");
    }
}
