package dev.fleet.cli;

import dev.fleet.schema.Codec;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;

import java.io.StringReader;

/**
 * fleetctl's JSON-P: the codec's one provider ({@code Json.createX} would look it up through the service loader on
 * every call), set up on a thread of its own ({@link #setUpAhead}) while a listing's first HTTP exchange is under
 * way: the look-up and its logging set-up take about 25 ms of a cold JVM. The listings are read by {@link Codec};
 * the object model is left for what fleetctl passes on as is (status's answers, {@code --output=json}).
 */
final class Json {
    private Json() {
    }

    /** The provider; the first call sets it up, or waits for {@link #setUpAhead}'s thread to. */
    static JsonProvider provider() {
        return Codec.provider();
    }

    /** Starts setting up the provider on a daemon thread, and returns at once. */
    static void setUpAhead() {
        Thread t = new Thread(Json::provider, "fleetctl-json");
        t.setDaemon(true);
        t.start();
    }

    /** A JSON object answer; an empty body is an empty object. */
    static JsonObject object(String body) {
        if (body == null || body.isBlank()) {
            return JsonValue.EMPTY_JSON_OBJECT;
        }
        try (JsonReader r = provider().createReader(new StringReader(body))) {
            return r.readObject();
        }
    }
}
