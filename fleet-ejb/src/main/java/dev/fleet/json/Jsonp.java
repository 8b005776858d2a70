package dev.fleet.json;

import dev.fleet.schema.Codec;
import jakarta.json.spi.JsonProvider;

/**
 * The one JSON-P provider every class uses: the codec's. {@code jakarta.json.Json.createXxx()} looks the provider up
 * through the service loader on every call (class path scans): measured as the largest CPU cost of a unit PUT and of
 * listing units. Providers are thread-safe, so one instance serves all.
 */
public final class Jsonp {
    public static final JsonProvider JSON = Codec.provider();

    private Jsonp() { }
}
