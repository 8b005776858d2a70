package dev.fleet.unit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class UnitValidationTest {

    private static UnitOption opt(String section, String name, String value) {
        return new UnitOption(section, name, value);
    }

    @Test
    void ordinaryOptionsAreValid() {
        assertThat(UnitValidation.optionsError(List.of(opt("Unit", "Description", "a = b [c] # d ; e"),
                opt("Service", "ExecStart", "/bin/sh -c 'echo \\\\'"), opt("Service", "Environment", ""),
                opt("X-Fleet", "MachineOf", "yes@no\\.service"), opt("Install", "Wanted By", "é")))).isEmpty();
    }

    @Test
    void anEqualsSignInANameNoLongerLetsTwoUnitsShareAHash() {
        // both serialise to "[Service]\nExecStart=/bin/a=b\n": one hash, so one unit's PUT rewrote the other's body
        List<UnitOption> first = List.of(opt("Service", "ExecStart=/bin/a", "b"));
        List<UnitOption> second = List.of(opt("Service", "ExecStart", "/bin/a=b"));
        assertThat(UnitFile.of(first).hash()).isEqualTo(UnitFile.of(second).hash());
        assertThat(UnitValidation.optionsError(first))
                .contains("invalid unit option name \"ExecStart=/bin/a\" in [Service]: contains \"=\"");
        assertThat(UnitValidation.optionsError(second)).isEmpty();
    }

    @Test
    void unpairedSurrogatesWouldHashAlike() {
        // JSON "\ud800" and "\udc00" are two values; UTF-8 writes both as "?"
        List<UnitOption> first = List.of(opt("Service", "ExecStart", "/bin/\ud800"));
        List<UnitOption> second = List.of(opt("Service", "ExecStart", "/bin/\udc00"));
        assertThat(UnitFile.of(first).hash()).isEqualTo(UnitFile.of(second).hash());
        assertThat(UnitValidation.optionsError(first))
                .contains("invalid unit option Service.ExecStart: value is not valid Unicode (an unpaired surrogate)");
        assertThat(UnitValidation.optionsError(second)).isPresent();
        assertThat(UnitValidation.optionError(opt("S\ud800", "N", "v"))).isPresent();
        assertThat(UnitValidation.optionError(opt("S", "N", "\ud83d\ude00"))).isEmpty(); // a pair is one code point
    }

    @Test
    void aBracketInASectionOrNameCouldForgeAHeader() {
        // section "a=b" serialises to "[a=b]", as does option "[a" = "b]": refuse the name
        assertThat(UnitValidation.optionError(opt("S", "[a", "b]"))).isPresent();
        assertThat(UnitValidation.optionError(opt("S]\n[T", "n", "v"))).isPresent();
    }

    @ParameterizedTest(name = "{0}/{1}/{2} -> {3}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "``        | N        | v      | invalid unit option: section and name are required",
            "S         | ``       | v      | invalid unit option: section and name are required",
            "`S `      | N        | v      | invalid unit option section \"S \": has whitespace at its ends",
            "a[b       | N        | v      | invalid unit option section \"a[b\": contains \"[\" or \"]\"",
            "a]b       | N        | v      | invalid unit option section \"a]b\": contains \"[\" or \"]\"",
            "S         | ` N`     | v      | invalid unit option name \" N\" in [S]: has whitespace at its ends",
            "S         | a=b      | v      | invalid unit option name \"a=b\" in [S]: contains \"=\"",
            "S         | a]       | v      | invalid unit option name \"a]\" in [S]: contains \"[\" or \"]\"",
            "S         | #N       | v      | invalid unit option name \"#N\" in [S]: starts with a comment character",
            "S         | ;N       | v      | invalid unit option name \";N\" in [S]: starts with a comment character",
            "S         | N        | ` v`   | invalid unit option S.N: value has whitespace at its ends, which a unit file drops",
            "S         | N        | `v\\`  | invalid unit option S.N: value ends in a backslash, which continues the line in a unit file",
    })
    void refusedOptionsSayWhichFieldAndWhy(String section, String name, String value, String message) {
        assertThat(UnitValidation.optionError(opt(section, name, value))).contains(message);
    }

    @Test
    void controlCharactersLineBreaksAndNul() {
        assertThat(UnitValidation.optionError(opt("S\u0001", "N", "v")))
                .contains("invalid unit option section \"S\\x01\": contains a control character");
        assertThat(UnitValidation.optionError(opt("S", "N\u007f", "v")))
                .contains("invalid unit option name \"N\\x7f\" in [S]: contains a control character");
        assertThat(UnitValidation.optionError(opt("S", "N", "a\nb"))).contains("invalid unit option S.N: line breaks are not allowed");
        assertThat(UnitValidation.optionError(opt("S", "N", "a\rb"))).contains("invalid unit option S.N: line breaks are not allowed");
        assertThat(UnitValidation.optionError(opt("S", "N", "a\0b"))).contains("invalid unit option S.N: value contains a NUL character");
        assertThat(UnitValidation.optionError(opt("S", "N", "a\tb"))).isEmpty(); // a tab inside is fine
    }

    @Test
    void lengths() {
        assertThat(UnitValidation.optionError(opt("S".repeat(256), "N", "v"))).isEmpty();
        assertThat(UnitValidation.optionError(opt("S".repeat(257), "N", "v"))).get().asString()
                .endsWith(": longer than 256 characters");
        assertThat(UnitValidation.optionError(opt("S", "N".repeat(256), "v"))).isEmpty();
        assertThat(UnitValidation.optionError(opt("S", "N".repeat(257), "v"))).get().asString()
                .endsWith(": longer than 256 characters");
        // "N=" + value + newline may be 2048 bytes, what the parser reads back
        assertThat(UnitValidation.optionError(opt("S", "N", "v".repeat(2045)))).isEmpty();
        assertThat(UnitValidation.optionError(opt("S", "N", "v".repeat(2046)))).contains("line too long (max 2048 bytes)");
        assertThat(UnitFile.parse(UnitFile.of(List.of(opt("S", "N", "v".repeat(2045)))).canonical()).values("S", "N"))
                .containsExactly("v".repeat(2045));
    }

    @Test
    void theNameRuleIsUnitNames() {
        assertThat(UnitValidation.nameError("a%2F%2Fb.service")).contains("invalid character '%' in unit name");
        assertThat(UnitValidation.nameError("a//b.service")).contains("invalid character '/' in unit name");
        assertThat(UnitValidation.nameError("a\0.service")).contains("invalid character '\\x00' in unit name");
        assertThat(UnitValidation.nameError("hello.service")).isEmpty();
    }
}
