package dev.fleet.api.v1;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The Google-discovery document describing API v1 (rootUrl is the placeholder {@code $ENDPOINT/}, as fleet's). */
final class Discovery {
    private static final String DOCUMENT = load();

    private Discovery() { }

    static String document() {
        return DOCUMENT;
    }

    private static String load() {
        try (InputStream in = Discovery.class.getResourceAsStream("discovery.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
