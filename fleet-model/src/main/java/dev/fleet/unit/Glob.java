package dev.fleet.unit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Go's {@code path.Match} glob syntax, which fleet's Conflicts and Replaces use: {@code *} is any run of
 * non-'/' characters, {@code ?} one non-'/' character, {@code [...]} a class ({@code ^} negates, {@code a-z}
 * ranges, {@code \} escapes) and {@code \c} the literal c. Characters are Unicode code points, as Go's runes.
 * A malformed pattern matches nothing (Go returns ErrBadPattern, whatever the name).
 */
public final class Glob {
    /** The engine matches the same few patterns against thousands of names every second: parse once. */
    private static final Map<String, Glob> CACHE = new ConcurrentHashMap<>();
    private static final int CACHE_LIMIT = 16_384;

    private static final int ANY = -1;   // '?'
    private static final int CLASS = -2; // '[...]'

    /** A run of single-character terms, optionally preceded by a star (Go's "chunk"). */
    private record Chunk(boolean star, Term[] terms) { }

    /** {@code kind} is a code point (literal), ANY or CLASS; {@code ranges} holds lo/hi pairs. */
    private record Term(int kind, boolean negated, int[] ranges) {
        boolean matches(int c) {
            if (kind == ANY) {
                return c != '/';
            }
            if (kind != CLASS) {
                return c == kind;
            }
            boolean in = false;
            for (int i = 0; i < ranges.length && !in; i += 2) {
                in = ranges[i] <= c && c <= ranges[i + 1];
            }
            return in != negated;
        }
    }

    private final Chunk[] chunks; // null: malformed
    private final String literal;  // non-null when the pattern has no meta characters

    private Glob(Chunk[] chunks, String literal) {
        this.chunks = chunks;
        this.literal = literal;
    }

    /** True if {@code name} matches {@code pattern} as Go's {@code path.Match} would say (errors are false). */
    public static boolean matches(String pattern, String name) {
        return compile(pattern).matches(name);
    }

    /** Parses {@code pattern} (cached); a malformed one yields a glob that matches nothing. */
    public static Glob compile(String pattern) {
        Glob g = CACHE.get(pattern);
        if (g == null) {
            g = parse(pattern);
            if (CACHE.size() >= CACHE_LIMIT) {
                CACHE.clear(); // crude bound; patterns come from user unit files
            }
            CACHE.put(pattern, g);
        }
        return g;
    }

    /** The one name this pattern matches when it has no meta characters (lets callers index it), else null. */
    public String literal() {
        return literal;
    }

    /** False for a malformed pattern. */
    public boolean valid() {
        return chunks != null;
    }

    public boolean matches(String name) {
        if (literal != null) {
            return literal.equals(name);
        }
        if (chunks == null) {
            return false;
        }
        // Walks the String by code points (no copy): unit names are matched thousands of times a second.
        int end = name.length();
        int pos = 0;
        outer:
        for (int k = 0; k < chunks.length; k++) {
            Chunk c = chunks[k];
            boolean last = k == chunks.length - 1;
            if (c.star && c.terms.length == 0) {
                return name.indexOf('/', pos) < 0; // trailing star eats the rest unless it holds a '/'
            }
            int t = matchTerms(c.terms, name, pos);
            if (t >= 0 && (t == end || !last)) {
                pos = t;
                continue;
            }
            if (c.star) {
                // Leftmost match after skipping 1..n non-'/' characters; chunks have a fixed width.
                for (int i = pos; i < end && name.charAt(i) != '/'; ) {
                    i += Character.charCount(name.codePointAt(i));
                    t = matchTerms(c.terms, name, i);
                    if (t >= 0 && (t == end || !last)) {
                        pos = t;
                        continue outer;
                    }
                }
            }
            return false;
        }
        return pos == end;
    }

    /** The index after the terms matched at {@code pos}, or -1. */
    private static int matchTerms(Term[] terms, String s, int pos) {
        for (Term t : terms) {
            if (pos >= s.length()) {
                return -1;
            }
            int c = s.codePointAt(pos);
            if (!t.matches(c)) {
                return -1;
            }
            pos += Character.charCount(c);
        }
        return pos;
    }

    // ---- parsing: the same chunking and error rules as Go's scanChunk/matchChunk/getEsc ----

    private static Glob parse(String pattern) {
        int[] p = pattern.codePoints().toArray();
        boolean plain = true;
        for (int c : p) {
            plain &= c != '*' && c != '?' && c != '[' && c != '\\';
        }
        if (plain) {
            return new Glob(new Chunk[0], pattern);
        }
        List<Chunk> out = new ArrayList<>();
        int i = 0;
        while (i < p.length) {
            boolean star = false;
            while (i < p.length && p[i] == '*') {
                star = true;
                i++;
            }
            int end = chunkEnd(p, i);
            Term[] terms = parseTerms(p, i, end);
            if (terms == null) {
                return new Glob(null, null);
            }
            out.add(new Chunk(star, terms));
            i = end;
        }
        return new Glob(out.toArray(new Chunk[0]), null);
    }

    /** Where the chunk starting at {@code i} ends: at the next '*' outside a bracket (Go's rough scan). */
    private static int chunkEnd(int[] p, int i) {
        boolean inRange = false;
        for (; i < p.length; i++) {
            switch (p[i]) {
                case '\\' -> {
                    if (i + 1 < p.length) {
                        i++;
                    }
                }
                case '[' -> inRange = true;
                case ']' -> inRange = false;
                case '*' -> {
                    if (!inRange) {
                        return i;
                    }
                }
                default -> { }
            }
        }
        return p.length;
    }

    /** The terms of p[from, to), or null if malformed. */
    private static Term[] parseTerms(int[] p, int from, int to) {
        List<Term> terms = new ArrayList<>();
        int[] at = {from};
        while (at[0] < to) {
            int c = p[at[0]++];
            switch (c) {
                case '?' -> terms.add(new Term(ANY, false, null));
                case '\\' -> {
                    if (at[0] >= to) {
                        return null;
                    }
                    terms.add(new Term(p[at[0]++], false, null));
                }
                case '[' -> {
                    Term t = parseClass(p, at, to);
                    if (t == null) {
                        return null;
                    }
                    terms.add(t);
                }
                default -> terms.add(new Term(c, false, null));
            }
        }
        return terms.toArray(new Term[0]);
    }

    /** A class after its '['; {@code at[0]} advances past the closing ']'. Null if malformed. */
    private static Term parseClass(int[] p, int[] at, int to) {
        boolean negated = at[0] < to && p[at[0]] == '^';
        if (negated) {
            at[0]++;
        }
        List<Integer> ranges = new ArrayList<>();
        while (true) {
            if (at[0] < to && p[at[0]] == ']' && !ranges.isEmpty()) {
                at[0]++;
                break;
            }
            int lo = classChar(p, at, to);
            if (lo < 0) {
                return null;
            }
            int hi = lo;
            if (p[at[0]] == '-') {
                at[0]++;
                hi = classChar(p, at, to);
                if (hi < 0) {
                    return null;
                }
            }
            ranges.add(lo);
            ranges.add(hi);
        }
        return new Term(CLASS, negated, ranges.stream().mapToInt(Integer::intValue).toArray());
    }

    /** One possibly escaped class character; -1 if missing, a bare '-' or ']', or nothing follows it. */
    private static int classChar(int[] p, int[] at, int to) {
        if (at[0] >= to || p[at[0]] == '-' || p[at[0]] == ']') {
            return -1;
        }
        if (p[at[0]] == '\\' && ++at[0] >= to) {
            return -1;
        }
        int c = p[at[0]++];
        return at[0] < to ? c : -1; // a class must still be closed by something after this character
    }
}
