package dev.fleet.ca;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MicroProfile JWT bearer tokens: the claim set ({@link #claims}) and the compact RS256 encoding ({@link #encode}),
 * plain functions. MP-JWT 2.x verifies RS256 by default ({@code mp.jwt.verify.publickey.algorithm}), needs
 * {@code iss}, {@code sub} or {@code upn}, {@code groups} (the roles), {@code iat}, {@code exp} and {@code jti};
 * {@code aud} only when the node sets {@code mp.jwt.verify.audiences}.
 */
public final class Jwt {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private Jwt() {
    }

    /** The claims in a stable order; {@code audience} may be null (no aud claim). */
    public static Map<String, Object> claims(String issuer, String name, Profiles.Role role, String audience,
                                             Instant issuedAt, long seconds, String jti) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("iss", issuer);
        c.put("sub", name);
        c.put("upn", name);
        c.put("groups", List.of(role.name()));
        if (audience != null) {
            c.put("aud", audience);
        }
        long iat = issuedAt.getEpochSecond();
        c.put("iat", iat);
        c.put("exp", iat + seconds);
        c.put("jti", jti);
        return c;
    }

    public static Map<String, Object> header(String keyId) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("alg", "RS256");
        h.put("typ", "JWT");
        if (keyId != null) {
            h.put("kid", keyId);
        }
        return h;
    }

    /** header.claims.signature, each base64url without padding; the signature is SHA256withRSA (RS256). */
    public static String encode(Map<String, Object> header, Map<String, Object> claims, PrivateKey key) throws GeneralSecurityException {
        String input = B64.encodeToString(json(header).getBytes(StandardCharsets.UTF_8)) + "."
                + B64.encodeToString(json(claims).getBytes(StandardCharsets.UTF_8));
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(key);
        s.update(input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + B64.encodeToString(s.sign());
    }

    /** Compact JSON of strings, integral numbers, booleans and lists/maps of them (all a claim set needs). */
    public static String json(Object v) {
        StringBuilder b = new StringBuilder();
        write(b, v);
        return b.toString();
    }

    private static void write(StringBuilder b, Object v) {
        if (v instanceof String s) {
            quote(b, s);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Boolean) {
            b.append(v);
        } else if (v instanceof List<?> l) {
            b.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    b.append(',');
                }
                write(b, l.get(i));
            }
            b.append(']');
        } else if (v instanceof Map<?, ?> m) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    b.append(',');
                }
                first = false;
                quote(b, (String) e.getKey());
                b.append(':');
                write(b, e.getValue());
            }
            b.append('}');
        } else {
            throw new IllegalArgumentException("not a JSON value: " + v);
        }
    }

    private static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
