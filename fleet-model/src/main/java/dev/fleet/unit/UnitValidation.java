package dev.fleet.unit;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * What fleet accepts as a unit: its name ({@link UnitName}) and options that survive being written as
 * a unit file. An accepted option list serialises to text that parses back to exactly the same list,
 * and two different lists never serialise to the same text, so a hash names one body only. Shared by
 * the API (400 with the message), fleetctl and the agent.
 */
public final class UnitValidation {
    /** Longest section and option name, in characters. */
    public static final int MAX_SECTION_LENGTH = 256;
    public static final int MAX_OPTION_NAME_LENGTH = 256;

    private UnitValidation() { }

    /** Why {@code name} is not a unit name, or empty; the same rule as {@link UnitName#validationError}. */
    public static Optional<String> nameError(String name) {
        return UnitName.validationError(name);
    }

    /** The first problem of an option list (the message names the option), or empty if every option is valid. */
    public static Optional<String> optionsError(List<UnitOption> options) {
        for (UnitOption o : options) {
            Optional<String> bad = optionError(o);
            if (bad.isPresent()) {
                return bad;
            }
        }
        return Optional.empty();
    }

    public static Optional<String> optionError(UnitOption o) {
        String section = o.section();
        String name = o.name();
        String value = o.value();
        if (section.isEmpty() || name.isEmpty()) {
            return Optional.of("invalid unit option: section and name are required");
        }
        Optional<String> bad = textError(section, MAX_SECTION_LENGTH)
                .or(() -> section.indexOf('[') >= 0 || section.indexOf(']') >= 0
                        ? Optional.of("contains \"[\" or \"]\"") : Optional.empty());
        if (bad.isPresent()) {
            return Optional.of("invalid unit option section " + GoQuote.string(section) + ": " + bad.get());
        }
        // "=" would split elsewhere on reading ("a=b"+"c" and "a"+"b=c" are one line); "[" starts a
        // section and "#", ";" a comment
        bad = textError(name, MAX_OPTION_NAME_LENGTH)
                .or(() -> name.indexOf('=') >= 0 ? Optional.of("contains \"=\"") : Optional.empty())
                .or(() -> name.indexOf('[') >= 0 || name.indexOf(']') >= 0
                        ? Optional.of("contains \"[\" or \"]\"") : Optional.empty())
                .or(() -> name.charAt(0) == '#' || name.charAt(0) == ';'
                        ? Optional.of("starts with a comment character") : Optional.empty());
        if (bad.isPresent()) {
            return Optional.of("invalid unit option name " + GoQuote.string(name) + " in [" + section + "]: " + bad.get());
        }
        String where = "invalid unit option " + section + "." + name + ": ";
        if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
            return Optional.of(where + "line breaks are not allowed");
        }
        if (value.indexOf('\0') >= 0) {
            return Optional.of(where + "value contains a NUL character");
        }
        if (hasUnpairedSurrogate(value)) {
            return Optional.of(where + "value is not valid Unicode (an unpaired surrogate)");
        }
        if (!value.equals(value.strip())) {
            return Optional.of(where + "value has whitespace at its ends, which a unit file drops");
        }
        if (endsInContinuation(value)) {
            return Optional.of(where + "value ends in a backslash, which continues the line in a unit file");
        }
        // the line as written, with its newline, must fit the parser's and go-systemd's limit
        if ((name + "=" + value).getBytes(StandardCharsets.UTF_8).length + 1 > UnitFile.LINE_MAX) {
            return Optional.of(UnitFileParser.LINE_TOO_LONG);
        }
        return Optional.empty();
    }

    /** Problems shared by sections and names: length, control characters, whitespace at the ends. */
    private static Optional<String> textError(String s, int max) {
        if (s.length() > max) {
            return Optional.of("longer than " + max + " characters");
        }
        if (s.chars().anyMatch(Character::isISOControl)) {
            return Optional.of("contains a control character");
        }
        if (!s.equals(s.strip())) {
            return Optional.of("has whitespace at its ends");
        }
        if (hasUnpairedSurrogate(s)) {
            return Optional.of("is not valid Unicode (an unpaired surrogate)");
        }
        return Optional.empty();
    }

    /**
     * JSON's "\ud800" decodes to a lone surrogate, which UTF-8 encodes as "?": two different texts
     * would hash alike.
     */
    private static boolean hasUnpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    static boolean endsInContinuation(String s) {
        int n = 0;
        for (int i = s.length() - 1; i >= 0 && s.charAt(i) == '\\'; i--) {
            n++;
        }
        return n % 2 == 1;
    }
}
