package dev.fleet.api.v1;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An HTTP request as the pure API handlers see it: no JAX-RS types. */
public record ApiRequest(String method, String rawPath, String rawQuery, List<String> contentTypes, byte[] body) {
    public ApiRequest {
        contentTypes = contentTypes == null ? List.of() : List.copyOf(contentTypes);
        body = body == null ? new byte[0] : body;
    }

    /** The body as text (the codec reads JSON from text; bytes that are not UTF-8 become U+FFFD). */
    public String text() {
        return new String(body, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Query parameters, decoded, every value kept in order. */
    public Map<String, List<String>> query() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return out;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq));
            String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
            out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return out;
    }

    /** The first value of a parameter, or null (fleet uses the first). */
    public String first(String name) {
        List<String> v = query().get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    static String decode(String s) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
