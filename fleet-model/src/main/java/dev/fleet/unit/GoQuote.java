package dev.fleet.unit;

/** Go's {@code %q} for strings and runes, so fleet's error texts come out byte for byte. */
final class GoQuote {
    private GoQuote() { }

    /** Go {@code strconv.Quote}: double quotes, backslash escapes (printable Unicode kept as is). */
    static String string(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        s.codePoints().forEach(cp -> escape(b, cp, '"'));
        return b.append('"').toString();
    }

    /** Go {@code strconv.QuoteRune}: single quotes. */
    static String rune(int cp) {
        StringBuilder b = new StringBuilder("'");
        escape(b, cp, '\'');
        return b.append('\'').toString();
    }

    private static void escape(StringBuilder b, int cp, char quote) {
        switch (cp) {
            case '\\' -> b.append("\\\\");
            case '\n' -> b.append("\\n");
            case '\r' -> b.append("\\r");
            case '\t' -> b.append("\\t");
            default -> {
                if (cp == quote) {
                    b.append('\\').appendCodePoint(cp);
                } else if (cp < 0x20 || cp == 0x7f) {
                    b.append(String.format("\\x%02x", cp));
                } else {
                    b.appendCodePoint(cp);
                }
            }
        }
    }
}
