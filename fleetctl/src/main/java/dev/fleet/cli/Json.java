package dev.fleet.cli;

import jakarta.json.spi.JsonProvider;

/**
 * fleetctl's one JSON-P provider ({@code Json.createX} would look it up through the service loader on every call).
 * A class of its own so that a listing can set it up on a thread of its own ({@link #setUpAhead}) while its first
 * HTTP exchange is under way: the look-up and its logging set-up take about 25 ms of a cold JVM.
 */
final class Json {
    private Json() {
    }

    /** The provider; the first call sets it up, or waits for {@link #setUpAhead}'s thread to. */
    static JsonProvider provider() {
        return Holder.PROVIDER;
    }

    /** Starts setting up the provider on a daemon thread, and returns at once. */
    static void setUpAhead() {
        Thread t = new Thread(Json::provider, "fleetctl-json");
        t.setDaemon(true);
        t.start();
    }

    /** Initialised on first use only: setUpAhead itself must not wait for it. */
    private static final class Holder {
        static final JsonProvider PROVIDER = JsonProvider.provider();
    }
}
