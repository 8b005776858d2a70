package dev.fleet.unit;

/**
 * fleet's specifier expansion in {@code [X-Fleet]} values (its unitPrintf): only {@code %n %N %p %i}.
 * Other sections are left to systemd on the host.
 */
public final class Specifiers {
    private Specifiers() { }

    /**
     * Replaces {@code %n} (full name), {@code %N} (name without suffix), {@code %p} (prefix) and
     * {@code %i} (instance, "" if none) with the parts of {@code unitName}. Anything else, {@code %%}
     * included, stays as written (fleet knows no escape). Without a name, or with a name lacking a
     * dot, nothing is expanded (fleet could not split such a name).
     */
    public static String expand(String value, String unitName) {
        if (unitName == null || unitName.indexOf('.') < 0 || value.indexOf('%') < 0) {
            return value;
        }
        // One pass, so that text coming from the name is never expanded again.
        StringBuilder b = new StringBuilder(value.length() + unitName.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            String part = c == '%' && i + 1 < value.length() ? part(value.charAt(i + 1), unitName) : null;
            if (part == null) {
                b.append(c);
            } else {
                b.append(part);
                i++;
            }
        }
        return b.toString();
    }

    private static String part(char spec, String name) {
        return switch (spec) {
            case 'n' -> name;
            case 'N' -> UnitName.withoutSuffix(name);
            case 'p' -> UnitName.prefix(name);
            case 'i' -> UnitName.instance(name);
            default -> null;
        };
    }
}
