package dev.fleet.api.v1;

import static dev.fleet.json.Jsonp.JSON;

import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import java.io.ByteArrayInputStream;

/** Reading request bodies for both APIs: any malformed part is a {@link BadBody} (400 "unable to decode body"). */
final class ApiJson {
    private ApiJson() { }

    /** A request body the API cannot decode; the handlers answer it with fleet's 400. */
    static final class BadBody extends RuntimeException {
        BadBody(String message) {
            super(message, null, false, false);
        }

        ApiResponse response() {
            return ApiResponse.error(400, "unable to decode body: " + getMessage());
        }
    }

    static JsonObject object(byte[] body) {
        JsonValue v = read(body);
        if (v.getValueType() != JsonValue.ValueType.OBJECT) {
            throw new BadBody("expected a JSON object");
        }
        return v.asJsonObject();
    }

    static JsonArray array(byte[] body, String what) {
        JsonValue v = read(body);
        if (v.getValueType() != JsonValue.ValueType.ARRAY) {
            throw new BadBody("expected a list of " + what);
        }
        return v.asJsonArray();
    }

    private static JsonValue read(byte[] body) {
        try {
            return JSON.createReader(new ByteArrayInputStream(body)).readValue();
        } catch (JsonException | IllegalStateException e) {
            throw new BadBody(e.getMessage());
        }
    }

    /** A string field, or null when absent or JSON null. */
    static String string(JsonObject o, String key) {
        JsonValue v = o.get(key);
        if (v == null || v == JsonValue.NULL) {
            return null;
        }
        if (!(v instanceof JsonString s)) {
            throw new BadBody("field \"" + key + "\" must be a string");
        }
        return s.getString();
    }

    static JsonObject asObject(JsonValue v, String what) {
        if (!(v instanceof JsonObject o)) {
            throw new BadBody(what + " must be an object");
        }
        return o;
    }
}
