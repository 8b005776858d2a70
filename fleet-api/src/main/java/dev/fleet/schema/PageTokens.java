package dev.fleet.schema;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.Optional;

/**
 * fleet's API v1 page token, as the server writes it and fleetctl predicts it: URL-safe base64 of two
 * little-endian uint16 values, (limit, page). Example: limit 100, page 2 = {@code ZAACAA==}.
 */
public final class PageTokens {
    private PageTokens() {
    }

    /** A decoded token. */
    public record Token(int limit, int page) {
    }

    public static String encode(int limit, int page) {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) limit).putShort((short) page);
        return Base64.getUrlEncoder().encodeToString(b.array());
    }

    /**
     * The (limit, page) of a token.
     *
     * @throws IllegalArgumentException if it is not URL-safe base64 of 4 bytes (the message says which)
     */
    public static Token decode(String token) {
        byte[] raw = Base64.getUrlDecoder().decode(token);
        if (raw.length != 4) {
            throw new IllegalArgumentException("expected 4 bytes, got " + raw.length);
        }
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        return new Token(Short.toUnsignedInt(b.getShort()), Short.toUnsignedInt(b.getShort()));
    }

    /** {@link #decode}, or empty for anything that is not such a token. */
    public static Optional<Token> tryDecode(String token) {
        try {
            return Optional.of(decode(token));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
