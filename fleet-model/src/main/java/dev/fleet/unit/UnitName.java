package dev.fleet.unit;

import java.util.Optional;
import java.util.Set;

/**
 * Unit names: the one rule the API, fleetctl, the registry and the agent share, so a name the API
 * accepts is one every agent can write to its units directory, link and start (systemd's
 * {@code unit_name_is_valid} plus fleet's own restrictions); and the template/instance parts
 * ({@code foo@bar.service}: prefix {@code foo}, instance {@code bar}, template {@code foo@.service}).
 */
public final class UnitName {
    /** systemd's UNIT_NAME_MAX (256) counts the C string's NUL: 255 characters, suffix included. */
    public static final int MAX_LENGTH = 255;

    /**
     * The unit types of today's systemd; case-sensitive. fleet also took {@code busname} and
     * {@code snapshot}, which systemd dropped (v230, v228): no agent could load them.
     */
    public static final Set<String> TYPES = Set.of("automount", "device", "mount", "path", "scope",
            "service", "slice", "socket", "swap", "target", "timer");

    /** Types systemd lets be templated; {@code foo@1.mount} is invalid. */
    public static final Set<String> TEMPLATABLE_TYPES = Set.of("path", "service", "socket", "target", "timer");

    private UnitName() { }

    /** Why {@code name} is invalid (fleet's wording, first problem found in fleet's order), or empty if valid. */
    public static Optional<String> validationError(String name) {
        if (name == null || name.isEmpty()) {
            return Optional.of("unit name cannot be empty");
        }
        if (name.length() > MAX_LENGTH) {
            return Optional.of("unit name exceeds maximum length (" + MAX_LENGTH + ")");
        }
        int dot = name.lastIndexOf('.');
        if (dot < 0) {
            return Optional.of("unit name must contain \".\"");
        }
        if (dot == name.length() - 1) {
            return Optional.of("unit name cannot end in \".\"");
        }
        String suffix = name.substring(dot + 1);
        if (!TYPES.contains(suffix)) {
            return Optional.of("invalid unit type: " + GoQuote.string(suffix));
        }
        Optional<String> badChar = name.substring(0, dot).codePoints().filter(c -> !validChar(c)).boxed()
                .findFirst().map(c -> "invalid character " + GoQuote.rune(c) + " in unit name"
                        + (c == '\\' ? " (systemd allows it for escapes like \\x2d, but the node's HTTP server refuses a"
                        + " backslash in a URL path, %5C included, so no client could name the unit)" : ""));
        if (badChar.isPresent()) {
            return badChar;
        }
        if (name.startsWith(".")) { // a hidden file in the units directory, and ".service" has no name at all
            return Optional.of("unit name cannot start with \".\"");
        }
        if (name.startsWith("@")) {
            return Optional.of("unit name cannot start in \"@\""); // sic, fleet's text
        }
        if (name.indexOf('@') >= 0 && !TEMPLATABLE_TYPES.contains(suffix)) {
            return Optional.of("unit type " + GoQuote.string(suffix) + " cannot be a template or instance");
        }
        return Optional.empty();
    }

    public static boolean isValid(String name) {
        return validationError(name).isEmpty();
    }

    /**
     * [A-Za-z0-9:_.@-]: systemd's unit_name_is_valid without its backslash (for escapes like \x2d). Payara Micro 6's
     * Grizzly answers a path holding %5C with a bare 400 before the application (fixed upstream only after Payara
     * 6.2025.10, behind a system property), so a name with one could be stored by no client and shown by none.
     */
    private static boolean validChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == ':' || c == '_' || c == '.' || c == '@' || c == '-';
    }

    // The helpers below follow fleet's UnitNameInfo: they do not validate, and a name without a
    // dot is all stem, no suffix.

    /** The type after the last dot, without the dot ({@code service}), or "" if there is no dot. */
    public static String suffix(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1);
    }

    /** The name without its suffix ({@code foo@bar.service} → {@code foo@bar}); systemd's %N. */
    public static String withoutSuffix(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }

    /** Before the first '@' ({@code foo}); for a plain unit the whole name without suffix (systemd's %p). */
    public static String prefix(String name) {
        String stem = withoutSuffix(name);
        int at = stem.indexOf('@');
        return at < 0 ? stem : stem.substring(0, at);
    }

    /** Between the first '@' and the suffix ({@code bar}); "" for templates and plain units (systemd's %i). */
    public static String instance(String name) {
        String stem = withoutSuffix(name);
        int at = stem.indexOf('@');
        return at < 0 ? "" : stem.substring(at + 1);
    }

    /** {@code foo@.service}: has an '@' and nothing between it and the suffix. */
    public static boolean isTemplate(String name) {
        return withoutSuffix(name).indexOf('@') >= 0 && instance(name).isEmpty();
    }

    /** {@code foo@bar.service}: a non-empty instance part. */
    public static boolean isInstance(String name) {
        return !instance(name).isEmpty();
    }

    /** The template of an instance or template ({@code foo@bar.service} → {@code foo@.service}); empty for plain units. */
    public static Optional<String> templateOf(String name) {
        if (withoutSuffix(name).indexOf('@') < 0) {
            return Optional.empty();
        }
        int dot = name.lastIndexOf('.');
        return Optional.of(prefix(name) + "@" + (dot < 0 ? "" : name.substring(dot)));
    }
}
