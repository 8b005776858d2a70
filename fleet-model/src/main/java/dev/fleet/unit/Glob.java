package dev.fleet.unit;

/** Go's {@code path.Match} glob syntax, which fleet's Conflicts and Replaces use. */
public final class Glob {
    private Glob() { }

    /** TODO(helper): implement Go path.Match; a malformed pattern matches nothing. */
    public static boolean matches(String pattern, String name) {
        return pattern.equals(name);
    }
}
