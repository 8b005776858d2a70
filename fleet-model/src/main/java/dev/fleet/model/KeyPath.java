package dev.fleet.model;

import java.util.List;

/**
 * Canonical etcd-v2 style keys: {@code /a/b/c}. A canonical key starts with {@code /}, has no
 * empty, {@code .} or {@code ..} segment, no trailing {@code /} (except the root {@code /}), no
 * control character and at most {@link #MAX_LENGTH} characters. Plain JDK, shared by server,
 * agent and CLI so that all of them agree on what a key is.
 */
public final class KeyPath {
    public static final String ROOT = "/";
    public static final int MAX_LENGTH = 4096;

    private KeyPath() { }

    /**
     * Canonical form of an already URL-decoded key: leading '/', repeated '/' collapsed, trailing
     * '/' dropped, "" and "/" give "/".
     *
     * @throws IllegalArgumentException for null, a '.' or '..' segment, a control character
     *         (below 0x20 or 0x7f) or a canonical key longer than {@link #MAX_LENGTH}
     */
    public static String normalize(String rawDecodedKey) {
        if (rawDecodedKey == null) {
            throw new IllegalArgumentException("key must not be null");
        }
        String raw = rawDecodedKey;
        int n = raw.length();
        StringBuilder out = new StringBuilder(Math.min(n + 1, MAX_LENGTH + 1));
        int i = 0;
        while (i < n) {
            if (raw.charAt(i) == '/') {
                i++;
                continue;
            }
            int start = i;
            while (i < n && raw.charAt(i) != '/') {
                char c = raw.charAt(i);
                if (c < 0x20 || c == 0x7f) {
                    throw new IllegalArgumentException(String.format(
                            "key contains the control character U+%04X at offset %d: %s", (int) c, i, printable(raw)));
                }
                i++;
            }
            int len = i - start;
            if (raw.charAt(start) == '.' && (len == 1 || (len == 2 && raw.charAt(start + 1) == '.'))) {
                throw new IllegalArgumentException("key must not contain a '.' or '..' segment: " + printable(raw));
            }
            // checked while building so that a huge input is not copied before it is rejected
            if (out.length() + 1 + len > MAX_LENGTH) {
                throw new IllegalArgumentException("key is longer than " + MAX_LENGTH + " characters: " + printable(raw));
            }
            out.append('/').append(raw, start, i);
        }
        if (out.length() == 0) {
            return ROOT;
        }
        // most keys are already canonical: hand back the same instance
        return raw.contentEquals(out) ? raw : out.toString();
    }

    /** True when any segment of the key starts with '_' (etcd's hidden nodes). */
    public static boolean isHidden(String key) {
        return normalize(key).contains("/_");
    }

    /** The parent key ("/a" for "/a/b", "/" for "/a"), or null for the root. */
    public static String parent(String key) {
        String k = normalize(key);
        if (k.equals(ROOT)) {
            return null;
        }
        int slash = k.lastIndexOf('/');
        return slash == 0 ? ROOT : k.substring(0, slash);
    }

    /** How many segments a canonical key has: 0 for the root, 2 for {@code /a/b}. No copy. */
    public static int depth(String canonicalKey) {
        if (canonicalKey.equals(ROOT)) {
            return 0;
        }
        int n = 0;
        for (int i = 0; i < canonicalKey.length(); i++) {
            if (canonicalKey.charAt(i) == '/') {
                n++;
            }
        }
        return n;
    }

    /** The segments of the key (empty for the root); immutable. */
    public static List<String> segments(String key) {
        String k = normalize(key);
        if (k.equals(ROOT)) {
            return List.of();
        }
        return List.of(k.substring(1).split("/"));
    }

    /** The key for error messages: control characters escaped, long keys cut. */
    private static String printable(String raw) {
        StringBuilder sb = new StringBuilder();
        int limit = Math.min(raw.length(), 80);
        for (int i = 0; i < limit; i++) {
            char c = raw.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (raw.length() > limit) {
            sb.append("...(").append(raw.length()).append(" chars)");
        }
        return '"' + sb.toString() + '"';
    }
}
