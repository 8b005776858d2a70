package dev.fleet.api.etcd;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Strict decoding of the raw URL path, query and form body. The JDK's URLDecoder silently replaces
 * malformed UTF-8; etcd users expect invalid input to be refused, so we decode bytes ourselves.
 */
final class RawParams {
    private RawParams() { }

    static final class Malformed extends Exception {
        Malformed(String message) {
            super(message);
        }
    }

    /** Percent-decodes (and, for forms, '+' as space) into bytes, then decodes UTF-8 strictly. */
    static String decode(String raw, boolean plusIsSpace) throws Malformed {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    throw new Malformed("incomplete percent escape in '" + raw + "'");
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new Malformed("bad percent escape '" + raw.substring(i, i + 3) + "'");
                }
                bytes.write(hi << 4 | lo);
                i += 2;
            } else if (c == '+' && plusIsSpace) {
                bytes.write(' ');
            } else if (c < 0x80) {
                bytes.write(c);
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(b, 0, b.length);
            }
        }
        return utf8(bytes.toByteArray());
    }

    static String utf8(byte[] bytes) throws Malformed {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new Malformed("not valid UTF-8");
        }
    }

    /** Parses {@code a=1&b=2}; the first occurrence of a name wins, as Go's FormValue does. */
    static Map<String, String> parse(String raw, Map<String, String> into) throws Malformed {
        if (raw == null || raw.isEmpty()) {
            return into;
        }
        for (String pair : raw.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq), true);
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1), true);
            into.putIfAbsent(name, value);
        }
        return into;
    }

    static Map<String, String> newMap() {
        return new LinkedHashMap<>();
    }
}
